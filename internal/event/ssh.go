package event

// The SSH door of the honeypot: what an SSH client shows and asks for
// beyond the shell dialogue it shares with telnet (session.*, login.*,
// command.input, file.download with proto "ssh"). file.upload is not SSH's
// alone: every shell door (telnet, ssh, iot-http) records with it a program
// the attacker wrote in the shell and ran.
const (
	ClientFingerprint  Kind = "client.fingerprint"   // a public key the client offered (refused); carries its type and fingerprint
	DirectTCPIPRequest Kind = "direct-tcpip.request" // the client asked to tunnel to a target (refused, never connected)
	// FileUpload is a file the attacker handed over other than by a
	// download, never run by us. Its tool says how: "scp" or "sftp" (an
	// SSH upload: hashed and kept as a sample), or "shell" (a program
	// written with echo or printf in any shell door, telnet included, and
	// run there: hashed, not kept; shellrec.DroppedTool).
	FileUpload Kind = "file.upload"
)

var sshKinds = []Kind{ClientFingerprint, DirectTCPIPRequest, FileUpload}

// SSH is what an SSH session adds to the honeypot's events.
//
// On session.connect: the client's identification line and its key
// exchange offer (RFC 4253 7.1 KEXINIT name-lists as sent), with the HASSH
// fingerprint (MD5 of "kex;enc;mac;cmp", https://github.com/salesforce/hassh),
// which tells the bots' SSH libraries apart.
// On client.fingerprint: the offered key. On direct-tcpip.request: the
// target. On file.upload: the file's SHA-256 (for scp and sftp, its
// sample's name) and size; the path is Download's filename and the way it
// came (scp, sftp, shell) its tool.
type SSH struct {
	ClientVersion   Text   `json:"client_version,omitempty"`
	HASSH           string `json:"hassh,omitempty"`
	HASSHAlgorithms Text   `json:"hassh_algorithms,omitempty"`
	KexAlgs         Text   `json:"kex_algs,omitempty"`
	KeyType         Text   `json:"key_type,omitempty"`
	KeyFingerprint  string `json:"key_fingerprint,omitempty"`
	TargetHost      Text   `json:"target_host,omitempty"`
	TargetPort      int    `json:"target_port,omitempty"`
	SHA256          string `json:"sha256,omitempty"`
	UploadSize      int64  `json:"upload_size,omitempty"`
}

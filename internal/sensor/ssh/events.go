package ssh

import (
	"encoding/json"

	xssh "golang.org/x/crypto/ssh"

	"github.com/honeygate/honeygate/internal/event"
	"github.com/honeygate/honeygate/internal/sensor/busybox"
)

// TEMPORARY until the event group lands in internal/event (after 14:50):
// the SSH fields travel as JSON in Message.
type sshFields struct {
	ClientVersion   string `json:"client_version,omitempty"`
	HASSH           string `json:"hassh,omitempty"`
	HASSHAlgorithms string `json:"hassh_algorithms,omitempty"`
	KexAlgs         string `json:"kex_algs,omitempty"`
	KeyType         string `json:"key_type,omitempty"`
	KeyFingerprint  string `json:"key_fingerprint,omitempty"`
	TargetHost      string `json:"target_host,omitempty"`
	TargetPort      int    `json:"target_port,omitempty"`
	SHA256          string `json:"sha256,omitempty"`
	Size            int64  `json:"upload_size,omitempty"`
}

func setFields(e *event.Event, f sshFields) *event.Event {
	b, _ := json.Marshal(f)
	e.Message = event.Text(b)
	return e
}

// maxListText bounds each algorithm list kept in an event.
const maxListText = 4096

// connectEvent fills session.connect with the client's hello.
func connectEvent(e *event.Event, h *hello) *event.Event {
	f := sshFields{ClientVersion: h.Version}
	if h.Kex != nil {
		// The hash covers the lists as sent; the event keeps a bounded
		// copy (a real client's lists are a few hundred bytes, a packet
		// may carry 35,000).
		f.HASSH = h.Kex.HASSH()
		f.HASSHAlgorithms = event.Truncate(h.Kex.HASSHAlgorithms(), maxListText)
		f.KexAlgs = event.Truncate(h.Kex.Kex, maxListText)
	}
	return setFields(e, f)
}

// keyEvent fills client.fingerprint with an offered public key.
func keyEvent(e *event.Event, user string, key xssh.PublicKey) *event.Event {
	e.Username = event.Text(user)
	return setFields(e, sshFields{KeyType: key.Type(), KeyFingerprint: xssh.FingerprintSHA256(key)})
}

// tunnelEvent fills direct-tcpip.request with the target asked for.
func tunnelEvent(e *event.Event, t tunnelRequest) *event.Event {
	return setFields(e, sshFields{TargetHost: t.Host, TargetPort: int(t.Port)})
}

// uploadEvent fills file.upload.
func uploadEvent(e *event.Event, tool, name string, st stored) *event.Event {
	e.Tool, e.Filename = event.Text(tool), event.Text(name)
	return setFields(e, sshFields{SHA256: st.SHA256, Size: st.Size})
}

// downloadEvent fills file.download.
func downloadEvent(e *event.Event, d busybox.Download) *event.Event {
	e.URL, e.Tool, e.Filename = event.Text(d.URL), event.Text(d.Tool), event.Text(d.Filename)
	return e
}

// The kinds SSH adds to the catalogue.
const (
	kindKey    = event.Kind("client.fingerprint")
	kindTunnel = event.Kind("direct-tcpip.request")
	kindUpload = event.Kind("file.upload")
)

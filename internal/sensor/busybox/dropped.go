package busybox

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
)

// Dropped is a program the attacker wrote onto the device in the shell
// (echo -ne '\x7fELF...' > f, printf, a heredoc: what an echo loader does
// when the device has no wget or tftp, and Hajime's .s stage always) and
// then ran. It is the payload itself, where a Download is only its URL:
// its hash is evidence for the intel side. The bytes stay in the session's
// overlay; only the hash and size leave the shell.
type Dropped struct {
	Path   string // where it was run from
	SHA256 string
	Size   int64
}

// maxDropped bounds the programs recorded per session: a bot that runs
// thousands of variants gives the first few, and the map stays small.
const maxDropped = 16

// dropped records data, run from p, when the attacker wrote it: a file of
// the overlay that is neither a file of the device as shipped (nor a copy
// of one, as cp /bin/echo dvrHelper makes) nor the placeholder a fake
// download leaves (the start of the device's busybox). A program run
// twice, or from two names, is recorded once per session; a command that
// did not run (a dry run) records nothing.
func (sh *Shell) dropped(p string, data []byte) {
	if sh.dry || len(data) == 0 || len(sh.droppedSeen) >= maxDropped {
		return
	}
	if _, ok := sh.fs.ov[p]; !ok {
		return // the device's own file
	}
	// At least an ELF header's worth of the device's busybox is a copy of
	// it (whole, a download's 256-byte placeholder, dd of its header);
	// fewer bytes are the attacker's own, whatever they share with it (the
	// first nine bytes of every little-endian 32-bit ELF are the same).
	if len(data) >= 52 && len(data) <= len(sh.dev.busybox) && bytes.Equal(data, sh.dev.busybox[:len(data)]) {
		return
	}
	for _, n := range sh.dev.fs.nodes {
		if n.kind == kindFile && len(n.data) == len(data) && bytes.Equal(n.data, data) {
			return // a copy of one of the device's files
		}
	}
	sum := sha256.Sum256(data)
	h := hex.EncodeToString(sum[:])
	if sh.droppedSeen[h] {
		return
	}
	if sh.droppedSeen == nil {
		sh.droppedSeen = make(map[string]bool)
	}
	sh.droppedSeen[h] = true
	sh.drops = append(sh.drops, Dropped{Path: p, SHA256: h, Size: int64(len(data))})
}

package ssh

import (
	xssh "golang.org/x/crypto/ssh"

	"github.com/honeygate/honeygate/internal/event"
)

// maxListText bounds each algorithm list kept in an event.
const maxListText = 4096

// connectEvent fills session.connect with the client's hello.
func connectEvent(e *event.Event, h *hello) *event.Event {
	e.ClientVersion = event.Text(h.Version)
	if h.Kex != nil {
		// The hash covers the lists as sent; the event keeps a bounded
		// copy (a real client's lists are a few hundred bytes, a packet
		// may carry 35,000).
		e.HASSH = h.Kex.HASSH()
		e.HASSHAlgorithms = event.Text(event.Truncate(h.Kex.HASSHAlgorithms(), maxListText))
		e.KexAlgs = event.Text(event.Truncate(h.Kex.Kex, maxListText))
	}
	return e
}

// keyEvent fills client.fingerprint with an offered public key.
func keyEvent(e *event.Event, user string, key xssh.PublicKey) *event.Event {
	e.Username = event.Text(user)
	e.KeyType = event.Text(key.Type())
	e.KeyFingerprint = xssh.FingerprintSHA256(key)
	return e
}

// tunnelEvent fills direct-tcpip.request with the target asked for.
func tunnelEvent(e *event.Event, t tunnelRequest) *event.Event {
	e.TargetHost = event.Text(event.Truncate(t.Host, 1024))
	e.TargetPort = int(t.Port)
	return e
}

// uploadEvent fills file.upload; a note on what became of the sample (not
// kept: too big, directory full) goes in the message.
func uploadEvent(e *event.Event, tool, name string, st stored) *event.Event {
	e.Tool, e.Filename = event.Text(tool), event.Text(name)
	e.SHA256, e.UploadSize = st.SHA256, st.Size
	e.Message = event.Text(st.Note)
	return e
}

package ssh

import (
	xssh "golang.org/x/crypto/ssh"

	"github.com/honeygate/honeygate/internal/event"
)

// connectEvent fills session.connect with the client's hello.
func connectEvent(e *event.Event, h *hello) *event.Event {
	e.Message = h.Version
	if h.Kex != nil {
		e.Message += " hassh=" + h.Kex.HASSH()
	}
	return e
}

// keyEvent fills client.fingerprint with an offered public key.
func keyEvent(e *event.Event, user string, key xssh.PublicKey) *event.Event {
	e.Username = user
	e.Message = key.Type() + " " + xssh.FingerprintSHA256(key)
	return e
}

// tunnelEvent fills direct-tcpip.request with the target asked for.
func tunnelEvent(e *event.Event, t tunnelRequest) *event.Event {
	e.Message = t.Host
	return e
}

// uploadEvent fills file.upload.
func uploadEvent(e *event.Event, tool, name string, st stored) *event.Event {
	e.Tool, e.Filename = tool, name
	e.Message = st.SHA256
	return e
}

// The kinds SSH adds to the catalogue.
const (
	kindKey    = event.Kind("client.fingerprint")
	kindTunnel = event.Kind("direct-tcpip.request")
	kindUpload = event.Kind("file.upload")
)

// downloadEvent fills file.download.
func downloadEvent(e *event.Event, d Download) *event.Event {
	e.URL, e.Tool, e.Filename = d.URL, d.Tool, d.Filename
	return e
}

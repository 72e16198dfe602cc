package ssh

import (
	"errors"

	xssh "golang.org/x/crypto/ssh"

	"github.com/honeygate/honeygate/internal/attrib"
	"github.com/honeygate/honeygate/internal/event"
)

var (
	errLoginFailed = errors.New("ssh: login incorrect")
	errKeyRefused  = errors.New("ssh: public key refused")
)

// password is the "password" method: one attempt under the login policy.
func (ss *session) password(meta xssh.ConnMetadata, pass []byte) (*xssh.Permissions, error) {
	return ss.login(meta.User(), string(pass))
}

// login judges one username/password pair, records it, and after the
// policy's last failed attempt closes the connection, as telnet does.
func (ss *session) login(user, pass string) (*xssh.Permissions, error) {
	ok := ss.s.checker.Accepts(user, pass)
	ss.mu.Lock()
	ss.observe(attrib.Observation{Username: user, Password: pass, Login: true})
	kind := event.LoginFailed
	if ok {
		kind = event.LoginSuccess
		ss.user = user
	}
	e := ss.event(kind)
	e.Username = event.Text(user)
	pw := event.Text(pass)
	e.Password = &pw
	ss.emit(e)
	ss.flushAttribution()
	if !ok {
		ss.failures++
	}
	last := !ok && ss.failures >= ss.s.cfg.Login.MaxAttempts
	ss.mu.Unlock()
	if ok {
		return &xssh.Permissions{}, nil
	}
	if last {
		ss.stop("too many login attempts")
	}
	return nil, errLoginFailed
}

// publicKey records the key a client offers and refuses it: no key opens
// the device, and a bot's key is a fingerprint of the bot.
func (ss *session) publicKey(meta xssh.ConnMetadata, key xssh.PublicKey) (*xssh.Permissions, error) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.keys < maxKeyEvents {
		ss.keys++
		ss.emit(keyEvent(ss.event(event.ClientFingerprint), meta.User(), key))
	}
	return nil, errKeyRefused
}

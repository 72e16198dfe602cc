package ssh

import (
	"errors"
	"math/rand/v2"
	"time"

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

// keyboardInteractive asks one "Password: " question and judges the
// answer as a password: bots (and sshpass) answer it as one.
func (ss *session) keyboardInteractive(meta xssh.ConnMetadata, challenge xssh.KeyboardInteractiveChallenge) (*xssh.Permissions, error) {
	answers, err := challenge("", "", []string{"Password: "}, []bool{false})
	if err != nil {
		return nil, err
	}
	if len(answers) != 1 {
		return nil, errLoginFailed
	}
	return ss.login(meta.User(), answers[0])
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
	ss.failPause()
	if last {
		ss.stop("too many login attempts")
	}
	return nil, errLoginFailed
}

// failPause is Dropbear's pause after a failed password (svr-auth.c,
// send_msg_userauth_failure: 300 ms +- 50, the whole process asleep, so
// the failure reaches the client then): x/crypto answers at once, and a
// brute-forcer timing its failures would see a server that is not the
// Dropbear its banner names. A session ending cuts it short.
func (ss *session) failPause() {
	d := failPauseMin + time.Duration(rand.Int64N(int64(failPauseSpread)))
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ss.ctx.Done():
	}
}

const (
	failPauseMin    = 250 * time.Millisecond
	failPauseSpread = 100 * time.Millisecond
)

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

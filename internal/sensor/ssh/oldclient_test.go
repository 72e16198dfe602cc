package ssh

import (
	"testing"

	xssh "golang.org/x/crypto/ssh"

	"github.com/honeygate/honeygate/internal/sensor"
)

// Bots built on old SSH libraries (libssh2 1.4, old paramiko) offer only
// SHA-1 era algorithms; the device must let them in, as Dropbear 2014 did.
func TestOldClientAlgorithms(t *testing.T) {
	ts := startServer(t, DefaultConfig(), sensor.DefaultLimits(), "")
	cc := clientConfig("root", xssh.Password("xc3511"))
	cc.KeyExchanges = []string{"diffie-hellman-group1-sha1"}
	cc.Ciphers = []string{"3des-cbc"}
	cc.MACs = []string{"hmac-sha1-96"}
	cc.HostKeyAlgorithms = []string{"ssh-rsa"}
	cl := dial(t, ts.addr, cc)
	if out, _ := run(t, cl, "echo old"); out != "old\n" {
		t.Errorf("output %q", out)
	}
}

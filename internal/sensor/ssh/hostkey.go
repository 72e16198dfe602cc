package ssh

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	xssh "golang.org/x/crypto/ssh"
)

// Host keys are made on first start and kept, so that a returning scanner
// (and a known_hosts file) sees the same device: a honeypot whose key changes
// on every restart is easy to spot. Dropbear offers an RSA and, since 2020,
// an Ed25519 key; the old Dropbear we claim to be would offer RSA (and DSS,
// which nothing we want to talk to needs).
const rsaBits = 2048

// hostKeyFiles names the key files under the sensor's key directory, in the
// order they are offered.
var hostKeyFiles = []struct {
	name string
	gen  func() (any, error)
}{
	{"ssh_host_rsa_key", func() (any, error) { return rsa.GenerateKey(rand.Reader, rsaBits) }},
	{"ssh_host_ed25519_key", func() (any, error) {
		_, k, err := ed25519.GenerateKey(rand.Reader)
		return k, err
	}},
}

// loadHostKeys reads the host keys from dir, creating dir and any missing
// key (OpenSSH private key format, mode 0600).
func loadHostKeys(dir string) ([]xssh.Signer, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("ssh: host key dir: %w", err)
	}
	var signers []xssh.Signer
	for _, f := range hostKeyFiles {
		path := filepath.Join(dir, f.name)
		b, err := os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			b, err = createHostKey(path, f.gen)
		}
		if err != nil {
			return nil, fmt.Errorf("ssh: host key %s: %w", path, err)
		}
		s, err := xssh.ParsePrivateKey(b)
		if err != nil {
			return nil, fmt.Errorf("ssh: host key %s: %w", path, err)
		}
		signers = append(signers, s)
	}
	return signers, nil
}

// createHostKey writes a new key to path atomically (a temporary file
// renamed into place) so that a crash never leaves half a key behind.
func createHostKey(path string, gen func() (any, error)) ([]byte, error) {
	k, err := gen()
	if err != nil {
		return nil, err
	}
	blk, err := xssh.MarshalPrivateKey(k, "honeygate ssh host key")
	if err != nil {
		return nil, err
	}
	b := pem.EncodeToMemory(blk)
	tmp, err := os.CreateTemp(filepath.Dir(path), ".hostkey-*")
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return nil, err
	}
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return nil, err
	}
	if err := tmp.Close(); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return nil, err
	}
	return b, nil
}

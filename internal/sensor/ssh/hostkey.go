//lint:file-ignore SA1019 Dropbear 2014 made ssh-dss host keys and offered them; the device imitates it, so the 1024-bit DSA key is deliberate (it authenticates a honeypot, nothing of value).

package ssh

import (
	"crypto/dsa"
	"crypto/rand"
	"crypto/rsa"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"

	xssh "golang.org/x/crypto/ssh"
)

// Host keys are made on first start and kept, so that a returning scanner
// (and a known_hosts file) sees the same device: a honeypot whose key changes
// on every restart is easy to spot.
//
// They are the keys the Dropbear we claim to be (2014.63, see kex.go) has on
// such a device: the RSA and DSS keys its init script makes with
// dropbearkey on first boot, offered as "ssh-rsa,ssh-dss" and nothing else.
// Dropbear had no Ed25519 until 2020 and no rsa-sha2-* signatures until
// 2020.79, so offering either would give the device away. A data dir from an
// older honeygate may still hold an ssh_host_ed25519_key; it is left alone
// and no longer offered.
// The DSS key is 1024-bit (dsa.L1024N160, FIPS 186-2), as dropbearkey made
// them.
const rsaBits = 2048 // dropbearkey's default RSA size

// hostKeyFiles names the key files under the sensor's key directory, in the
// order they are offered (Dropbear's order: ssh-rsa before ssh-dss).
var hostKeyFiles = []struct {
	name string
	gen  func() ([]byte, error) // a new key, PEM-encoded
	algo string                 // the one signature algorithm offered
}{
	{"ssh_host_rsa_key", newRSAKey, xssh.KeyAlgoRSA},
	{"ssh_host_dss_key", newDSSKey, xssh.InsecureKeyAlgoDSA},
}

func newRSAKey() ([]byte, error) {
	k, err := rsa.GenerateKey(rand.Reader, rsaBits)
	if err != nil {
		return nil, err
	}
	blk, err := xssh.MarshalPrivateKey(k, "honeygate ssh host key")
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(blk), nil
}

// newDSSKey makes a DSA key with its own parameters, as dropbearkey does,
// and writes it in OpenSSL's "DSA PRIVATE KEY" form (x/crypto reads it but
// has no writer for DSA).
func newDSSKey() ([]byte, error) {
	var k dsa.PrivateKey
	if err := dsa.GenerateParameters(&k.Parameters, rand.Reader, dsa.L1024N160); err != nil {
		return nil, err
	}
	if err := dsa.GenerateKey(&k, rand.Reader); err != nil {
		return nil, err
	}
	der, err := asn1.Marshal(struct {
		Version       int
		P, Q, G, Y, X *big.Int
	}{0, k.P, k.Q, k.G, k.Y, k.X})
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "DSA PRIVATE KEY", Bytes: der}), nil
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
		// x/crypto would offer an RSA key as rsa-sha2-256, rsa-sha2-512
		// and ssh-rsa; Dropbear 2014 knew only ssh-rsa.
		as, ok := s.(xssh.AlgorithmSigner)
		if !ok {
			return nil, fmt.Errorf("ssh: host key %s: %T cannot choose its algorithm", path, s)
		}
		ms, err := xssh.NewSignerWithAlgorithms(as, []string{f.algo})
		if err != nil {
			return nil, fmt.Errorf("ssh: host key %s: %w", path, err)
		}
		signers = append(signers, ms)
	}
	return signers, nil
}

// createHostKey writes a new key to path atomically (a temporary file
// renamed into place) so that a crash never leaves half a key behind.
func createHostKey(path string, gen func() ([]byte, error)) ([]byte, error) {
	b, err := gen()
	if err != nil {
		return nil, err
	}
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

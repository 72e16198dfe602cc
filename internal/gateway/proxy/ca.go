package proxy

import (
	"crypto/tls"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/honeygate/honeygate/internal/certs"
)

// CA is the local certificate authority of the decrypting mode: users who
// install its certificate see block pages inside HTTPS. Its key is the most
// sensitive secret honeygate holds: it is created with mode 0600 and never
// leaves its directory.
type CA struct {
	auth *certs.Authority
	pem  []byte

	mu     sync.Mutex
	leaves map[string]*tls.Certificate // by name; bounded (see leaf)
}

// CA file names in its directory.
const (
	CACertFile = "ca.pem"
	CAKeyFile  = "ca-key.pem"
	maxLeaves  = 10000
	leafLife   = 24 * time.Hour
)

// LoadOrCreateCA reads the CA from dir, creating it on first use.
func LoadOrCreateCA(dir string) (*CA, error) {
	certPath, keyPath := filepath.Join(dir, CACertFile), filepath.Join(dir, CAKeyFile)
	certPEM, err1 := os.ReadFile(certPath)
	keyPEM, err2 := os.ReadFile(keyPath)
	if errors.Is(err1, os.ErrNotExist) && errors.Is(err2, os.ErrNotExist) {
		if certPEM, keyPEM, err1 = newCA(); err1 != nil {
			return nil, err1
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("proxy: ca: %w", err)
		}
		if err := os.WriteFile(keyPath, keyPEM, 0o600); err != nil {
			return nil, fmt.Errorf("proxy: ca: %w", err)
		}
		if err := os.WriteFile(certPath, certPEM, 0o644); err != nil {
			return nil, fmt.Errorf("proxy: ca: %w", err)
		}
	} else if err := errors.Join(err1, err2); err != nil {
		return nil, fmt.Errorf("proxy: ca: %w", err)
	}
	auth, err := certs.ParseCA(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("proxy: ca %s: %w", dir, err)
	}
	return &CA{auth: auth, pem: certPEM, leaves: map[string]*tls.Certificate{}}, nil
}

func newCA() (certPEM, keyPEM []byte, err error) {
	auth, err := certs.NewCA("honeygate gateway CA", time.Now().AddDate(5, 0, 0))
	if err != nil {
		return nil, nil, fmt.Errorf("proxy: %w", err)
	}
	if keyPEM, err = certs.KeyPEM(auth.Key); err != nil {
		return nil, nil, fmt.Errorf("proxy: %w", err)
	}
	return certs.CertPEM(auth.Cert.Raw), keyPEM, nil
}

// CertPEM is the certificate users install.
func (ca *CA) CertPEM() []byte { return ca.pem }

// leaf returns a certificate for name signed by the CA, minted once a day.
func (ca *CA) leaf(name string) (*tls.Certificate, error) {
	ca.mu.Lock()
	defer ca.mu.Unlock()
	if c := ca.leaves[name]; c != nil && time.Now().Before(c.Leaf.NotAfter.Add(-time.Hour)) {
		return c, nil
	}
	if len(ca.leaves) >= maxLeaves {
		clear(ca.leaves)
	}
	// A site's leaf names the site alone, as a real one would.
	c, err := ca.auth.Server(pkix.Name{CommonName: name}, []string{name}, time.Now().Add(leafLife))
	if err != nil {
		return nil, err
	}
	ca.leaves[name] = c
	return c, nil
}

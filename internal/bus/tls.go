package bus

import (
	"crypto"
	"crypto/tls"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/honeygate/honeygate/internal/certs"
)

// TLS files in the directory LoadOrCreateTLS keeps them in. Remote sensors
// trust CAFile.
const (
	CAFile   = "ca.pem"
	certFile = "server.pem"
	keyFile  = "server-key.pem"
)

// LoadOrCreateTLS returns the TLS configuration of the bus listener from
// dir, creating on first use a private CA and a server certificate it signs
// for hosts (names or addresses) plus localhost. Remote sensors are given
// dir/ca.pem to trust. The CA's key is not kept: new server certificates
// come with a new CA (delete the directory to renew both).
func LoadOrCreateTLS(dir string, hosts []string) (*tls.Config, error) {
	certPath, keyPath := filepath.Join(dir, certFile), filepath.Join(dir, keyFile)
	if _, err := os.Stat(certPath); errors.Is(err, os.ErrNotExist) {
		if err := createTLS(dir, hosts); err != nil {
			return nil, fmt.Errorf("bus: tls: %w", err)
		}
	}
	return LoadTLS(certPath, keyPath)
}

// LoadTLS returns a server TLS configuration from PEM files (the operator's
// own certificate, from the config).
func LoadTLS(certPath, keyPath string) (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(certPath, keyPath)
	if err != nil {
		return nil, fmt.Errorf("bus: tls: %w", err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

func createTLS(dir string, hosts []string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	now := time.Now()
	ca, err := certs.NewCA("honeygate bus CA", now.AddDate(10, 0, 0))
	if err != nil {
		return err
	}
	names := []string{"localhost", "127.0.0.1", "::1"}
	if h, err := os.Hostname(); err == nil {
		names = append(names, h)
	}
	server, err := ca.Server(pkix.Name{CommonName: "honeygate bus", Organization: []string{certs.Organization}},
		append(names, hosts...), now.AddDate(5, 0, 0))
	if err != nil {
		return err
	}
	keyPEM, err := certs.KeyPEM(server.PrivateKey.(crypto.Signer))
	if err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		pem  []byte
		mode os.FileMode
	}{
		{CAFile, certs.CertPEM(ca.Cert.Raw), 0o644},
		{certFile, certs.CertPEM(server.Leaf.Raw), 0o644},
		{keyFile, keyPEM, 0o600},
	} {
		if err := os.WriteFile(filepath.Join(dir, f.name), f.pem, f.mode); err != nil {
			return err
		}
	}
	return nil
}

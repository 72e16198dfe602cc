// Package certs makes the certificates honeygate signs itself: a private
// certificate authority and the server certificates it signs (the bus
// listener's, and the decrypting proxy's certificate per site). Keys are
// ECDSA P-256; serial numbers are 127 random bits.
//
// It is not for trusting anything (the standard library's x509 does that)
// nor for storing keys: callers decide where the PEM goes and with which
// file mode. A leaf package: it imports nothing of honeygate.
package certs

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"time"
)

// Organization names the issuer in every certificate honeygate makes for
// itself (not in the per-site leaves, which stand for someone else's name).
const Organization = "honeygate"

// backdate is how far before now a certificate starts, so that a peer whose
// clock is a little behind accepts it.
const backdate = time.Hour

// Authority is a CA that signs server certificates.
type Authority struct {
	Cert *x509.Certificate
	Key  crypto.Signer
}

// NewCA creates a self-signed CA named commonName, valid until notAfter,
// that may sign leaves only (no intermediate CAs).
func NewCA(commonName string, notAfter time.Time) (*Authority, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("certs: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: commonName, Organization: []string{Organization}},
		NotBefore:             time.Now().Add(-backdate),
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("certs: ca: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("certs: ca: %w", err)
	}
	return &Authority{Cert: cert, Key: key}, nil
}

// ParseCA reads a CA from its PEM certificate and key (as written by
// CertPEM and KeyPEM, or an operator's own), refusing a certificate that is
// not a CA or a key that cannot sign.
func ParseCA(certPEM, keyPEM []byte) (*Authority, error) {
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("certs: ca: %w", err)
	}
	cert, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		return nil, fmt.Errorf("certs: ca: %w", err)
	}
	key, ok := pair.PrivateKey.(crypto.Signer)
	if !ok || !cert.IsCA {
		return nil, errors.New("certs: ca: not a CA certificate and signing key")
	}
	return &Authority{Cert: cert, Key: key}, nil
}

// Server signs a new server certificate for hosts (DNS names or IP
// addresses; empty and unspecified addresses are skipped) with subject,
// valid until notAfter. The result chains the leaf and the CA, with Leaf
// set, ready for a tls.Config.
func (a *Authority) Server(subject pkix.Name, hosts []string, notAfter time.Time) (*tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("certs: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      subject,
		NotBefore:    time.Now().Add(-backdate),
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, h := range hosts {
		switch ip := net.ParseIP(h); {
		case h == "":
		case ip == nil:
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		case !ip.IsUnspecified():
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, a.Cert, &key.PublicKey, a.Key)
	if err != nil {
		return nil, fmt.Errorf("certs: server %s: %w", subject.CommonName, err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("certs: server %s: %w", subject.CommonName, err)
	}
	return &tls.Certificate{Certificate: [][]byte{der, a.Cert.Raw}, PrivateKey: key, Leaf: leaf}, nil
}

// CertPEM encodes a DER certificate as PEM.
func CertPEM(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// KeyPEM encodes an ECDSA key (as made here) as an "EC PRIVATE KEY" PEM
// block.
func KeyPEM(key crypto.Signer) ([]byte, error) {
	ec, ok := key.(*ecdsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("certs: a %T is not an ECDSA key", key)
	}
	der, err := x509.MarshalECPrivateKey(ec)
	if err != nil {
		return nil, fmt.Errorf("certs: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}), nil
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	return n
}

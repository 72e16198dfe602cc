package certs_test

import (
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"testing"
	"time"

	"github.com/honeygate/honeygate/internal/certs"
)

func TestServerVerifiesAgainstItsCA(t *testing.T) {
	ca, err := certs.NewCA("test CA", time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	keyPEM, err := certs.KeyPEM(ca.Key)
	if err != nil {
		t.Fatal(err)
	}
	// A CA written as PEM and read back signs as well as the one made.
	again, err := certs.ParseCA(certs.CertPEM(ca.Cert.Raw), keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := again.Server(pkix.Name{CommonName: "srv"}, []string{"example.test", "192.0.2.1", "0.0.0.0", ""}, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(srv.Certificate) != 2 || srv.Leaf == nil {
		t.Fatalf("want the leaf and the CA in the chain, and Leaf set: %d, %v", len(srv.Certificate), srv.Leaf)
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca.Cert)
	for _, name := range []string{"example.test", "192.0.2.1"} {
		if _, err := srv.Leaf.Verify(x509.VerifyOptions{Roots: roots, DNSName: name}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if n := len(srv.Leaf.IPAddresses); n != 1 {
		t.Errorf("%d addresses, want 1 (the unspecified one skipped)", n)
	}
	if _, err := srv.Leaf.Verify(x509.VerifyOptions{Roots: roots, DNSName: "other.test"}); err == nil {
		t.Error("the leaf verifies for a name it was not made for")
	}

	// A leaf is no CA: ParseCA refuses it.
	leafKey, err := certs.KeyPEM(srv.PrivateKey.(crypto.Signer))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := certs.ParseCA(certs.CertPEM(srv.Leaf.Raw), leafKey); err == nil {
		t.Error("ParseCA took a leaf for a CA")
	}
}

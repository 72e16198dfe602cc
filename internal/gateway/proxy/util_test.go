package proxy

import (
	"crypto/x509"
	"net/http/httptest"
	"net/netip"
	"net/url"
)

func x509Pool(s *httptest.Server) *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(s.Certificate())
	return p
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

func netipMust(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }

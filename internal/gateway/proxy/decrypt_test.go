package proxy

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/honeygate/honeygate/internal/gateway"
)

func TestDecryptBlockOnly(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ca")
	ca, err := LoadOrCreateCA(dir)
	if err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(filepath.Join(dir, CAKeyFile)); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", st, err)
	}
	again, err := LoadOrCreateCA(dir)
	if err != nil || string(again.CertPEM()) != string(ca.CertPEM()) {
		t.Fatalf("reload: %v", err)
	}
	origin := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "untouched") }))
	defer origin.Close()

	f := startProxy(t, true, func(c *gateway.Config) { c.Default.Decrypt = "block-only" })
	f.srv.opt.CA = ca
	f.intel.Add("domain", "evil.test", "phishing")

	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(ca.CertPEM())
	roots.AddCert(origin.Certificate())
	client := func(roots *x509.CertPool) *http.Client {
		return &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(mustURL("http://" + f.addr)),
			TLSClientConfig: &tls.Config{RootCAs: roots}}}
	}

	// With the CA installed: the block page, inside HTTPS.
	req, _ := http.NewRequest("GET", "https://www.evil.test/login?x=1", nil)
	req.Header.Set("Accept-Language", "ja")
	resp, err := client(roots).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	ref := resp.Header.Get("X-Honeygate-Ref")
	if resp.StatusCode != 403 || ref == "" || !strings.Contains(string(body), ref) || !strings.Contains(string(body), "https://www.evil.test/login?x=1") ||
		resp.TLS == nil || resp.TLS.PeerCertificates[0].Issuer.CommonName != "honeygate gateway CA" {
		t.Fatalf("status %d ref %q tls %v body:\n%s", resp.StatusCode, ref, resp.TLS != nil, body)
	}
	if b := f.waitBlocks(t, 1); len(b) != 1 || b[0].Ref != ref {
		t.Fatalf("records %+v", b)
	}

	// An allowed HTTPS site is not decrypted: the origin's own certificate.
	resp, err = client(roots).Get(origin.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "untouched" || resp.TLS.PeerCertificates[0].Issuer.CommonName == "honeygate gateway CA" {
		t.Fatalf("allowed site: %q issuer %s", body, resp.TLS.PeerCertificates[0].Issuer)
	}

	// Without the CA: a TLS error, never the page.
	if _, err := client(x509.NewCertPool()).Get("https://evil.test/"); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("client without the CA: %v", err)
	}
}

package proxy

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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

func TestDecryptAll(t *testing.T) {
	ca, err := LoadOrCreateCA(filepath.Join(t.TempDir(), "ca"))
	if err != nil {
		t.Fatal(err)
	}
	trojan := []byte("MZ a trojaned build over https")
	origin := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/setup.exe" {
			_, _ = w.Write(trojan)
			return
		}
		_, _ = io.WriteString(w, "page "+r.URL.Path)
	}))
	defer origin.Close()
	f := startProxy(t, true, func(c *gateway.Config) { c.Default.Decrypt = "all" })
	f.srv.opt.CA = ca
	originRoots := x509.NewCertPool()
	originRoots.AddCert(origin.Certificate())
	f.srv.origins.roots = originRoots
	f.intel.Add("url", origin.URL+"/phish/login", "phishing")
	sum := sha256.Sum256(trojan)
	f.intel.Add("sha256", hex.EncodeToString(sum[:]), "malware-download")

	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(ca.CertPEM())
	cl := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(mustURL("http://" + f.addr)), TLSClientConfig: &tls.Config{RootCAs: roots}}}
	get := func(path string) (int, string) {
		resp, err := cl.Get(origin.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.TLS.PeerCertificates[0].Issuer.CommonName != "honeygate gateway CA" {
			t.Errorf("%s: not decrypted (issuer %s)", path, resp.TLS.PeerCertificates[0].Issuer)
		}
		return resp.StatusCode, string(b)
	}
	// Allowed pages pass, several on one connection.
	for _, p := range []string{"/a", "/b"} {
		if code, body := get(p); code != 200 || body != "page "+p {
			t.Fatalf("%s: %d %q", p, code, body)
		}
	}
	// A full HTTPS URL on the list: the block page.
	if code, body := get("/phish/login"); code != 403 || !strings.Contains(body, origin.URL+"/phish/login") {
		t.Fatalf("listed https URL: %d\n%s", code, body)
	}
	// An HTTPS download whose hash is listed.
	if code, body := get("/setup.exe"); code != 403 || !strings.Contains(body, "sha256") {
		t.Fatalf("trojan over https: %d\n%s", code, body)
	}

	// A client without the CA fails once, then passes through undecrypted.
	bare := x509.NewCertPool()
	bare.AddCert(origin.Certificate())
	cl2 := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(mustURL("http://" + f.addr)), TLSClientConfig: &tls.Config{RootCAs: bare}}}
	if _, err := cl2.Get(origin.URL + "/x"); err == nil {
		t.Fatal("a client without the CA was served decrypted")
	}
	// The proxy learns of the refusal when its side of the handshake ends,
	// which may be after the client gave up.
	deadline := time.Now().Add(5 * time.Second)
	for !f.srv.noDecrypt.has(netip.MustParseAddr("127.0.0.1"), "127.0.0.1") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	resp, err := cl2.Get(origin.URL + "/x")
	if err != nil {
		t.Fatalf("second try, passed through: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.TLS.PeerCertificates[0].Issuer.CommonName == "honeygate gateway CA" {
		t.Fatalf("pass-through: %d", resp.StatusCode)
	}
	cl.CloseIdleConnections()
	cl2.CloseIdleConnections()
}

package proxy

import (
	"crypto/tls"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/honeygate/honeygate/internal/gateway"
)

// A kill switch that a feed lists as malware (feeds do list WannaCry's) is
// still passed at the proxy, as the DNS filter resolves it: the worm that
// reaches it stops. The client is reported as likely infected, and no
// block is recorded.
func TestKillSwitchPassedAndReported(t *testing.T) {
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "sinkholed by a researcher") }))
	defer origin.Close()
	tlsOrigin := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "alive over TLS") }))
	defer tlsOrigin.Close()
	// localhost stands in for a kill switch whose origin answers (the
	// proxy resolves it to the loopback origin); WannaCry's own names do
	// not resolve here.
	f := startProxy(t, true, func(c *gateway.Config) { c.KillSwitches = append(c.KillSwitches, "localhost") })
	f.intel.Add("domain", "localhost", "malware")
	wannacry := gateway.WannaCryKillSwitches[0]
	f.intel.Add("domain", strings.TrimPrefix(wannacry, "www."), "malware")

	port := func(u string) string { return u[strings.LastIndex(u, ":")+1:] }
	resp, err := f.client().Get("http://localhost:" + port(origin.URL) + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "sinkholed by a researcher" {
		t.Errorf("kill switch with a live origin: status %d body %q, want the origin's answer", resp.StatusCode, body)
	}

	// The origin cannot be reached: the proxy answers it alive itself.
	resp, err = f.client().Get("http://" + wannacry + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "kill-switch") {
		t.Errorf("unreachable kill switch: status %d body %q, want a 200 sinkhole answer", resp.StatusCode, body)
	}

	// CONNECT to it is tunnelled, not 403'd.
	pu := mustURL("http://" + f.addr)
	tr := &http.Transport{Proxy: http.ProxyURL(pu), TLSClientConfig: &tls.Config{RootCAs: x509Pool(tlsOrigin), ServerName: "example.com"}}
	resp, err = (&http.Client{Transport: tr}).Get("https://localhost:" + port(tlsOrigin.URL) + "/")
	if err != nil {
		t.Fatalf("CONNECT to a kill switch: %v", err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "alive over TLS" {
		t.Errorf("through the tunnel: %q", body)
	}

	recs := f.waitBlocks(t, 3)
	if len(recs) != 3 {
		t.Fatalf("%d records, want 3: %+v", len(recs), recs)
	}
	for _, b := range recs {
		if b.Kind != gateway.KindInfected || b.Action != gateway.ActionResolve || b.Hit.Source != "kill-switch" || b.Client.Addr().String() != "127.0.0.1" {
			t.Errorf("record %+v, want an infected-host report", b)
		}
	}
	if recs[1].Hit.Value != wannacry {
		t.Errorf("kill switch %q, want %q", recs[1].Hit.Value, wannacry)
	}

	// A name that merely ends like one is judged as usual.
	f.intel.Add("domain", "notlocalhost.test", "malware")
	resp, err = f.client().Get("http://notlocalhost.test/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("a listed name that is no kill switch: status %d, want 403", resp.StatusCode)
	}
}

func TestKillSwitchSpellings(t *testing.T) {
	k := newKillSwitches(gateway.WannaCryKillSwitches)
	ws := gateway.WannaCryKillSwitches[0]
	for _, h := range []string{ws, strings.ToUpper(ws) + ".", "sub." + ws, ws + ":80"} {
		if k.match(h) != ws {
			t.Errorf("match(%q) = %q, want %q", h, k.match(h), ws)
		}
	}
	for _, h := range []string{"x" + ws, strings.TrimPrefix(ws, "www."), ""} {
		if got := k.match(h); got != "" {
			t.Errorf("match(%q) = %q, want none", h, got)
		}
	}
}

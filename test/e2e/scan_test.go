package e2e

import (
	"bufio"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/honeygate/honeygate/internal/crawl"
)

type scanOut struct {
	URL       string  `json:"url"`
	Verdict   string  `json:"verdict"`
	Score     float64 `json:"score"`
	Engine    string  `json:"engine"`
	Error     string  `json:"error"`
	Reasons   []struct{ Detector, Rule, Category, Evidence, Excerpt string }
	Redirects []struct{ From, To, Cause string }
	Resources []struct {
		URL, Type, SHA256 string
		Size              int64
	}
	Indicators []struct{ Type, Value, Category string }
	Behaviour  struct {
		Dialogs    []string `json:"dialogs"`
		WebSockets []string `json:"websockets"`
		Fullscreen int      `json:"fullscreen"`
	} `json:"behaviour"`
}

func scanJSON(t *testing.T, args ...string) []scanOut {
	t.Helper()
	// The test pages are on loopback: reachable only when allowed.
	out, code := runCLI(t, nil, append([]string{"scan", "--json", "--allow-private-upstream"}, args...)...)
	if code != 0 {
		t.Fatalf("scan exit %d:\n%s", code, out)
	}
	var res []scanOut
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 16<<20), 16<<20)
	for sc.Scan() {
		if !strings.HasPrefix(sc.Text(), "{") {
			continue
		}
		var r scanOut
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("%v: %s", err, sc.Text())
		}
		res = append(res, r)
	}
	return res
}

func rulesOf(r scanOut) string {
	var s []string
	for _, re := range r.Reasons {
		s = append(s, re.Detector+"/"+re.Rule)
	}
	return strings.Join(s, " ")
}

// wsMiner answers a WebSocket handshake and reads what the page sends, as a
// mining pool proxy would.
func wsMiner(w http.ResponseWriter, r *http.Request) {
	h := sha1.Sum([]byte(r.Header.Get("Sec-WebSocket-Key") + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	conn, buf, err := w.(http.Hijacker).Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	fmt.Fprintf(buf, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n", base64.StdEncoding.EncodeToString(h[:]))
	buf.Flush()
	conn.SetDeadline(time.Now().Add(3 * time.Second))
	b := make([]byte, 4096)
	conn.Read(b)
}

// The static and browser engines through `honeygate scan`, on pages whose
// malice shows in what they do: a scam that loops dialogs and asks for
// fullscreen, a self-hosted miner that talks stratum over a WebSocket, and a
// drive-by download.
func TestScanEngines(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/scam", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<html><body><p>Loading...</p><script>
var n = 0; function nag(){ if (n++ < 4) { alert("Your computer is infected! Call support now 1-888-555-0162"); setTimeout(nag, 10); } }
nag(); try { document.documentElement.requestFullscreen(); } catch (e) {}
for (var i = 0; i < 20; i++) history.pushState({}, "", "#p" + i);
</script></body></html>`)
	})
	mux.HandleFunc("/miner", func(w http.ResponseWriter, r *http.Request) {
		// No library name a rule knows: only its behaviour gives it away.
		fmt.Fprint(w, `<html><body><p>Gallery</p><script>
var s = new WebSocket("ws://" + location.host + "/proxy");
s.onopen = function () { s.send(JSON.stringify({type: "auth", params: {site_key: "k1", type: "anonymous", user: null}})); };
</script></body></html>`)
	})
	mux.HandleFunc("/proxy", wsMiner)
	mux.HandleFunc("/driveby", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<html><head><meta http-equiv="refresh" content="0;url=/get/update.exe"></head><body>Your download will begin shortly</body></html>`)
	})
	mux.HandleFunc("/get/update.exe", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Disposition", `attachment; filename="update.exe"`)
		w.Write([]byte("MZ\x90\x00 stand-in, never run"))
	})
	mux.HandleFunc("/plain", func(w http.ResponseWriter, r *http.Request) {
		w.Write(readTestdata(t, "benign/Types.html"))
	})
	base := serve(t, listenOn(t, "127.0.0.1"), mux)

	// The static engine sees the drive-by and leaves the plain page alone.
	res := scanJSON(t, "--engine", "static", base+"/driveby", base+"/plain")
	if len(res) != 2 {
		t.Fatalf("%d results", len(res))
	}
	if r := res[0]; r.Verdict != "malicious" || !strings.Contains(rulesOf(r), "behaviour/executable-download") || len(r.Redirects) == 0 || r.Redirects[0].Cause != "meta-refresh" {
		t.Errorf("drive-by (static): %s %s %+v", r.Verdict, rulesOf(r), r.Redirects)
	}
	if r := res[1]; r.Verdict != "clean" || r.URL != base+"/plain" {
		t.Errorf("plain page (static): %s %s", r.Verdict, rulesOf(r))
	}

	// The binary runs the browser crawl.FindChromium finds ($HONEYGATE_CHROMIUM,
	// the headless shell, a full Chromium): the test asks the same.
	if _, err := crawl.FindChromium(); err != nil {
		t.Skip("no chromium: the browser engine is not tested:", err)
	}
	res = scanJSON(t, "--engine", "browser", "--timeout", "20s", base+"/scam", base+"/miner", base+"/driveby")
	if len(res) != 3 {
		t.Fatalf("%d results", len(res))
	}
	if r := res[0]; r.Verdict != "malicious" || len(r.Behaviour.Dialogs) < 3 || r.Behaviour.Fullscreen == 0 ||
		!strings.Contains(rulesOf(r), "behaviour/scam-phone-dialog") || !strings.Contains(rulesOf(r), "behaviour/alert-loop") {
		t.Errorf("scam (browser): %s %s %+v", r.Verdict, rulesOf(r), r.Behaviour)
	}
	if r := res[1]; r.Verdict != "malicious" || len(r.Behaviour.WebSockets) != 1 || !strings.Contains(rulesOf(r), "behaviour/miner-websocket") {
		t.Errorf("miner (browser): %s %s %+v", r.Verdict, rulesOf(r), r.Behaviour)
	}
	if r := res[2]; r.Verdict != "malicious" || !strings.Contains(rulesOf(r), "behaviour/executable-download") {
		t.Errorf("drive-by (browser): %s %s", r.Verdict, rulesOf(r))
	}
	var hashed bool
	for _, rs := range res[2].Resources {
		hashed = hashed || (rs.Type == "download" && rs.SHA256 != "")
	}
	if !hashed {
		t.Errorf("the drive-by's download was not hashed: %+v", res[2].Resources)
	}
}

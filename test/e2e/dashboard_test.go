package e2e

import (
	"context"
	"fmt"
	"math"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromium finds Debian's headless Chromium, or skips the test.
func chromium(t *testing.T) string {
	t.Helper()
	for _, n := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	t.Skip("no chromium on this machine (apt-get install -y chromium)")
	return ""
}

// browser starts a fresh headless Chromium and collects its console:
// errors, uncaught exceptions and browser log errors (a Content-Security-
// Policy violation is one).
func browser(t *testing.T) (context.Context, func() []string) {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 120*time.Second)
	t.Cleanup(func() { cancelT(); cancelC(); cancelA() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	var mu sync.Mutex
	var errs []string
	msgs := chromedp.Console(ctx)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleException {
				mu.Lock()
				errs = append(errs, string(m.Type)+": "+m.Text)
				mu.Unlock()
			}
		}
	}()
	return ctx, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), errs...)
	}
}

func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	quality := 80
	if os.Getenv("HG_SHOTS") != "" {
		quality = 100 // PNG, to look at
	}
	img, err := chromedp.Run(ctx, chromedp.FullScreenshot(quality))
	if err != nil {
		t.Errorf("screenshot %s: %v", name, err)
		return
	}
	p := filepath.Join(t.TempDir(), name+".jpg")
	if err := os.WriteFile(p, img, 0o644); err != nil {
		t.Error(err)
	}
	t.Logf("screenshot: %s", p)
	if d := os.Getenv("HG_SHOTS"); d != "" {
		_ = os.WriteFile(filepath.Join(d, name+".jpg"), img, 0o644)
	}
}

const xssProbe = `window.__xss === undefined ? "none" : String(window.__xss)`

// xssSession logs in to the telnet honeypot with <script>-bearing
// credentials, then as a worm does, and types an <img onerror> command.
func xssSession(t *testing.T, addr string) int {
	w := dialWorm(t, addr)
	w.login(`<script>window.__xss=1</script>`, `"><img src=x onerror="window.__xss=2">`)
	w.expect("Login incorrect")
	w.login("root", "xc3511")
	w.expect("#")
	w.line(`echo <img src=x onerror="window.__xss=3"> <svg onload="window.__xss=4">`)
	w.line("/bin/busybox XSSX")
	w.expect("XSSX: applet not found")
	w.conn.Close()
	return w.localPort()
}

func TestDashboardInBrowser(t *testing.T) {
	chromium(t)
	srv := startServer(t, t.TempDir())
	scanPort := miraiScanner(t, srv.telnet(0))
	hajPort := hajime(t, srv.telnet(1))
	xssPort := xssSession(t, srv.telnet(0))
	waitFor(t, "the store to catch up with the bus", 20*time.Second, func() bool {
		st := srv.status()
		c := st.Bus.Consumers["store"]
		return c.Pending == 0 && c.AckPending == 0 && uint64(st.EventsStored) == st.Bus.Messages
	})
	_ = srv.sessionOf(scanPort)
	_ = srv.sessionOf(hajPort)
	xssID := srv.sessionOf(xssPort)

	// What the API says the rollup holds today, to compare with the bars.
	var daily struct {
		Days []struct {
			Day      string
			Family   string
			DstPort  int `json:"dst_port"`
			Sessions int64
		}
	}
	today := time.Now().UTC().Format(time.DateOnly)
	srv.get("/api/v1/stats/daily", url.Values{"from": {today}, "to": {today}}, testToken, &daily)
	want := map[string]int64{}
	for _, d := range daily.Days {
		want[d.Family] += d.Sessions
	}
	if len(want) == 0 {
		t.Fatalf("no sessions in the rollup today")
	}

	ctx, consoleErrors := browser(t)
	base := "http://" + srv.addrs["web"][0]
	// Sign in with the token.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/honeypot"),
		chromedp.WaitVisible(chromedp.ID("token")),
		chromedp.SendKeys(chromedp.ID("token"), testToken),
		chromedp.Submit(chromedp.ID("token")),
		chromedp.WaitVisible(chromedp.CSS("header.top")),
		chromedp.Navigate(base+"/honeypot"),
		chromedp.WaitVisible(chromedp.ID("chart-family")),
	); err != nil {
		t.Fatalf("sign in: %v", err)
	}
	screenshot(t, ctx, "honeypot")

	// The bars: today's value per family equals the rollup, and every
	// bar's height is its value times one scale.
	type bar struct {
		Label, Series string
		Value         int64
		H             float64
	}
	bars, err := chromedp.Run(ctx, chromedp.Evaluate[[]bar](`Array.from(document.querySelectorAll('#chart-family rect.bar')).map(r => ({Label: r.dataset.label, Series: r.dataset.series, Value: +r.dataset.value, H: r.height.baseVal.value}))`))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	scale := 0.0
	for _, b := range bars {
		if b.Label == today {
			got[b.Series] += b.Value
		}
		s := b.H / float64(b.Value)
		if scale == 0 {
			scale = s
		} else if math.Abs(s-scale) > 1e-6*scale {
			t.Errorf("bar %s/%s: %.3f px for %d, scale %.4f, others %.4f", b.Label, b.Series, b.H, b.Value, s, scale)
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("bars today by family %v, rollup says %v", got, want)
	}

	// The attacker's credentials are shown as text, and nothing of theirs ran.
	credText, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("creds")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(credText, `<script>window.__xss=1</script>`) || !strings.Contains(credText, "xc3511") {
		t.Errorf("credentials table: %q", credText)
	}
	if x, _ := chromedp.Run(ctx, chromedp.Evaluate[string](xssProbe)); x != "none" {
		t.Errorf("attacker script ran on /honeypot: window.__xss = %v", x)
	}

	// The transcript: shown as typed, replayed by the script, never run.
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/sessions/"+xssID), chromedp.WaitVisible(chromedp.ID("transcript"))); err != nil {
		t.Fatal(err)
	}
	transcript, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("transcript")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(transcript, `<img src=x onerror="window.__xss=3">`) {
		t.Errorf("transcript does not show the command as typed: %q", transcript)
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.ID("replay")), chromedp.Click(chromedp.ID("replay")), chromedp.Sleep(4*time.Second)); err != nil {
		t.Fatal(err)
	}
	if x, _ := chromedp.Run(ctx, chromedp.Evaluate[string](xssProbe)); x != "none" {
		t.Errorf("attacker markup ran in the session page: window.__xss = %v", x)
	}
	replayed, _ := chromedp.Run(ctx, chromedp.Text(chromedp.ID("transcript")))
	if !strings.Contains(replayed, `<img src=x onerror="window.__xss=3">`) {
		t.Errorf("after the replay the transcript reads %q", replayed)
	}
	screenshot(t, ctx, "session")

	// Every view renders without console errors.
	for _, p := range []string{"/", "/tampering", "/blocks", "/intel", "/watch"} {
		if err := chromedp.Do(ctx, chromedp.Navigate(base+p), chromedp.WaitVisible(chromedp.CSS("h1"))); err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		screenshot(t, ctx, "view"+strings.ReplaceAll(p, "/", "_"))
		if x, _ := chromedp.Run(ctx, chromedp.Evaluate[string](xssProbe)); x != "none" {
			t.Errorf("attacker markup ran on %s: window.__xss = %v", p, x)
		}
	}
	if errs := consoleErrors(); len(errs) > 0 {
		t.Errorf("console errors: %q", errs)
	}

	// The report of today from the same data dir, while the server runs.
	out := filepath.Join(t.TempDir(), "today.html")
	msg, code := runCLI(t, nil, "report", "--data", srv.data, "--from", today, "--to", today, "--out", out)
	if code != 0 {
		t.Fatalf("report: exit %d: %s", code, msg)
	}
	html, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for fam, n := range want {
		if !strings.Contains(string(html), fmt.Sprintf(`data-label="%s" data-series="%s" data-value="%d"`, today, fam, n)) {
			t.Errorf("report lacks today's bar of %d %s sessions", n, fam)
		}
	}
	if !strings.Contains(string(html), "&lt;script&gt;window.__xss=1&lt;/script&gt;") || strings.Contains(string(html), "<script>window") {
		t.Errorf("report does not show the attacker's username escaped")
	}
	for _, png := range []string{"today-sessions-by-family.png", "today-sessions-by-port.png", "today-tampering.png"} {
		if st, err := os.Stat(filepath.Join(filepath.Dir(out), png)); err != nil || st.Size() == 0 {
			t.Errorf("report chart %s: %v", png, err)
		}
	}
}

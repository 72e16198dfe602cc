package e2e

import (
	"fmt"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	mdns "github.com/miekg/dns"
)

// The blocks chart in a real browser, on blocks made by the DNS filter of
// the real binary: each day's bar is stacked by category, every segment's
// value is the store's count for that day and category (the API's
// by=category), its height that value on one scale, the segments sit on
// each other, and the legend names each category.
func TestDashboardBlocksStackedInBrowser(t *testing.T) {
	chromium(t)
	upstream := startResolver(t)
	data := t.TempDir()
	cfg := filepath.Join(data, "config.yaml")
	if err := os.WriteFile(cfg, []byte("gateway:\n  upstreams: [\""+upstream+"\"]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := startServer(t, data, "--config", cfg, "--listen", "web=127.0.0.1:0", "--listen", "telnet=127.0.0.1:0", "--listen", "dns=127.0.0.1:0")
	srv.addIndicator("domain", "c2-dash.test", "c2")
	srv.addIndicator("domain", "phish-dash.test", "phishing")
	ask := func(name string) bool {
		m := new(mdns.Msg)
		m.SetQuestion(name, mdns.TypeA)
		r, _, err := (&mdns.Client{Net: "udp", Timeout: 5 * time.Second}).Exchange(m, srv.dns())
		if err != nil {
			t.Fatal(err)
		}
		return r.Rcode == mdns.RcodeNameError || len(r.Answer) == 0 || r.Answer[0].(*mdns.A).A.String() != "192.0.2.1"
	}
	waitFor(t, "the indicators enforced", 10*time.Second, func() bool { return ask("w.c2-dash.test.") && ask("w.phish-dash.test.") })
	// Distinct names, so that no block waits in a fold.
	for i := range 5 {
		ask(fmt.Sprintf("h%d.c2-dash.test.", i))
	}
	for i := range 2 {
		ask(fmt.Sprintf("h%d.phish-dash.test.", i))
	}
	today := time.Now().UTC().Format(time.DateOnly)
	var daily struct {
		Days []struct {
			Day, Category string
			Blocks        int64
		}
	}
	want := map[string]int64{}
	waitFor(t, "the blocks counted", 30*time.Second, func() bool {
		srv.get("/api/v1/blocks/daily", url.Values{"from": {today}, "to": {today}, "by": {"category"}}, testToken, &daily)
		clear(want)
		for _, d := range daily.Days {
			want[d.Category] += d.Blocks
		}
		return want["c2"] >= 6 && want["phishing"] >= 3
	})

	ctx, consoleErrors := browser(t)
	base := "http://" + srv.addrs["web"][0]
	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/blocks"),
		chromedp.WaitVisible(chromedp.ID("token")),
		chromedp.SendKeys(chromedp.ID("token"), testToken),
		chromedp.Submit(chromedp.ID("token")),
		chromedp.WaitVisible(chromedp.CSS("header.top")),
		chromedp.Navigate(base+"/blocks?from="+today+"&to="+today),
		chromedp.WaitVisible(chromedp.CSS("svg.chart")),
	); err != nil {
		t.Fatalf("sign in: %v", err)
	}
	screenshot(t, ctx, "blocks-stacked")
	type seg struct {
		Label, Series string
		Value         int64
		Y, H          float64
	}
	segs, err := chromedp.Run(ctx, chromedp.Evaluate[[]seg](`Array.from(document.querySelectorAll('svg.chart rect.bar')).map(r => ({Label: r.dataset.label, Series: r.dataset.series, Value: +r.dataset.value, Y: r.y.baseVal.value, H: r.height.baseVal.value}))`))
	if err != nil {
		t.Fatal(err)
	}
	axisBottom, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`document.querySelector('svg.chart g.axis line').y2.baseVal.value`))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	scale := 0.0
	next := axisBottom
	for _, s := range segs {
		if s.Label != today {
			t.Errorf("a segment on %s, no blocks then", s.Label)
			continue
		}
		got[s.Series] += s.Value
		if sc := s.H / float64(s.Value); scale == 0 {
			scale = sc
		} else if math.Abs(sc-scale) > 1e-6*scale {
			t.Errorf("segment %s: %.3f px for %d, scale %.4f, others %.4f", s.Series, s.H, s.Value, sc, scale)
		}
		if math.Abs(s.Y+s.H-next) > 0.01 {
			t.Errorf("segment %s ends at %.2f, want %.2f (on the one below)", s.Series, s.Y+s.H, next)
		}
		next = s.Y
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("segments today by category %v, the store says %v", got, want)
	}
	legend, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('svg.chart rect.swatch')).map(r => r.dataset.series)`))
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(legend) != "[c2 phishing]" {
		t.Errorf("legend %v, want [c2 phishing] (the larger first)", legend)
	}
	if errs := consoleErrors(); len(errs) > 0 {
		t.Errorf("console errors: %v", errs)
	}
}

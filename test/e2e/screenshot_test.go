package e2e

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/honeygate/honeygate/internal/crawl"
	"github.com/honeygate/honeygate/internal/store/sqlite"
)

// A capture with a browser screenshot, seeded in the data dir as the
// crawler keeps it (the image content-addressed under DATA/captures, the
// capture referring to it): the cell view shows the image in a real
// browser, under the dashboard's policy, without console errors.
func TestCellScreenshotInBrowser(t *testing.T) {
	chromium(t)
	data := t.TempDir()
	day := time.Now().UTC().AddDate(0, 0, -1).Format(time.DateOnly)
	img := image.NewRGBA(image.Rect(0, 0, 64, 40))
	for y := range 40 {
		for x := range 64 {
			img.Set(x, y, color.RGBA{30, 90, 200, 255})
		}
	}
	var jb bytes.Buffer
	if err := jpeg.Encode(&jb, img, nil); err != nil {
		t.Fatal(err)
	}
	blobs := &crawl.Blobs{Dir: filepath.Join(data, "captures")}
	hash, err := blobs.Put(jb.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(filepath.Join(data, "honeygate.db"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := db.AddSite(ctx, crawl.Site{Name: "shop", URL: "http://127.0.0.1:9/", Profile: crawl.DefaultProfile}); err != nil {
		t.Fatal(err)
	}
	v := crawl.Visit{
		Capture: crawl.Capture{ID: "shot-e2e", Site: "shop", URL: "http://127.0.0.1:9/", FinalURL: "http://127.0.0.1:9/", Day: day, Time: time.Now().UTC().AddDate(0, 0, -1),
			Engine: "browser", Profile: crawl.DefaultProfile, Status: 200,
			Screenshot: &crawl.Screenshot{SHA256: hash, MIME: "image/jpeg", Width: 64, Height: 40, Size: int64(jb.Len())}},
		Verdict: crawl.Verdict{Verdict: crawl.Malicious, Score: 0.9, Reasons: []crawl.Reason{{Detector: "script", Rule: "injected-script", Score: 0.9, Evidence: "http://evil.example/j.js"}}},
	}
	if err := db.PutVisit(ctx, v); err != nil {
		t.Fatal(err)
	}
	db.Close()

	cfg := crawlConfig(t, t.TempDir(), "  rules_dir: "+filepath.Join(data, "rules")+"\n")
	srv := startServer(t, data, "--config", cfg, "--listen", "web=127.0.0.1:0", "--listen", "telnet=off")
	base := "http://" + srv.addrs["web"][0]
	bctx, consoleErrors := browser(t)
	if err := chromedp.Do(bctx,
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.ID("token")),
		chromedp.SendKeys(chromedp.ID("token"), testToken),
		chromedp.Submit(chromedp.ID("token")),
		chromedp.WaitVisible(chromedp.CSS("header.top")),
		chromedp.Navigate(base+"/tampering/cell?site=shop&day="+day),
		chromedp.WaitVisible(chromedp.CSS("#screenshot img")),
	); err != nil {
		t.Fatalf("cell view: %v", err)
	}
	// The image loaded and decoded: its natural size is the stored one.
	var size []int
	waitFor(t, "the screenshot to load", 10*time.Second, func() bool {
		size, _ = chromedp.Run(bctx, chromedp.Evaluate[[]int](`(() => { const i = document.querySelector('#screenshot img'); return i.complete ? [i.naturalWidth, i.naturalHeight] : [0, 0]; })()`))
		return len(size) == 2 && size[0] > 0
	})
	if size[0] != 64 || size[1] != 40 {
		t.Errorf("screenshot shown at %v, want 64x40", size)
	}
	screenshot(t, bctx, "cell-screenshot")
	if errs := consoleErrors(); len(errs) > 0 {
		t.Errorf("console errors: %q", errs)
	}
}

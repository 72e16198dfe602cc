package ui_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/honeygate/honeygate/internal/crawl"
	"github.com/honeygate/honeygate/internal/web/ui"
)

// testJPEG is a small red image, as the browser engine's screenshot.
func testJPEG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 32, 20))
	for y := range 20 {
		for x := range 32 {
			img.Set(x, y, color.RGBA{200, 30, 30, 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// A seeded capture with a screenshot: the cell view shows it, and the
// screenshot is served only to a signed-in browser, as an image with a
// policy that runs nothing; a capture whose "screenshot" is not an image
// type, or whose body no longer matches its hash, is not served.
func TestCellScreenshot(t *testing.T) {
	blobs := &crawl.Blobs{Dir: filepath.Join(t.TempDir(), "captures")}
	f := newFixture(t, func(o *ui.Options) { o.Crawl.Blob = blobs.Get })
	ctx := context.Background()
	shot := testJPEG(t)
	hash, err := blobs.Put(shot)
	if err != nil {
		t.Fatal(err)
	}
	// An attacker-served body kept in the same blobs: never served as a shot.
	page := []byte(`<script>alert(1)</script>`)
	pageHash, _ := blobs.Put(page)
	day := now.Format(time.DateOnly)
	put := func(site string, s *crawl.Screenshot) {
		if _, err := f.db.AddSite(ctx, crawl.Site{Name: site, URL: "https://" + site + ".example/", Profile: crawl.DefaultProfile}); err != nil {
			t.Fatal(err)
		}
		v := crawl.Visit{Capture: crawl.Capture{ID: site + day, Site: site, URL: "https://" + site + ".example/", FinalURL: "https://" + site + ".example/",
			Day: day, Time: now, Engine: "browser", Status: 200, Screenshot: s},
			Verdict: crawl.Verdict{Verdict: crawl.Malicious, Reasons: []crawl.Reason{{Detector: "script", Rule: "injected-script", Score: 0.9}}}}
		if err := f.db.PutVisit(ctx, v); err != nil {
			t.Fatal(err)
		}
	}
	put("shop", &crawl.Screenshot{SHA256: hash, MIME: "image/jpeg", Width: 32, Height: 20, Size: int64(len(shot))})
	put("html", &crawl.Screenshot{SHA256: pageHash, MIME: "text/html", Size: int64(len(page))})
	put("static", nil)

	// Not signed in: sent to the sign-in page, no image.
	res, err := f.c.Get(f.srv.URL + "/tampering/shot?site=shop&day=" + day)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.Request.URL.Path != "/login" || res.Header.Get("Content-Type") == "image/jpeg" {
		t.Fatalf("screenshot without a session: at %s, %s", res.Request.URL.Path, res.Header.Get("Content-Type"))
	}
	f.login(t, token)

	_, body, _ := f.get(t, "/tampering/cell?site=shop&day="+day)
	if !strings.Contains(body, `<img src="/tampering/shot?site=shop&amp;day=`+day+`"`) || !strings.Contains(body, `width="32" height="20"`) {
		t.Fatalf("cell view lacks the screenshot:\n%s", body)
	}
	code, got, hd := f.get(t, "/tampering/shot?site=shop&day="+day)
	if code != 200 || got != string(shot) {
		t.Fatalf("screenshot: %d, %d bytes, want the %d bytes stored", code, len(got), len(shot))
	}
	if hd.Get("Content-Type") != "image/jpeg" || hd.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(hd.Get("Content-Security-Policy"), "sandbox") {
		t.Errorf("screenshot headers: %v", hd)
	}

	for _, site := range []string{"html", "static", "nosuchsite"} {
		_, body, _ = f.get(t, "/tampering/cell?site="+site+"&day="+day)
		if strings.Contains(body, "/tampering/shot") {
			t.Errorf("%s: the cell view offers a screenshot", site)
		}
		if code, got, _ := f.get(t, "/tampering/shot?site="+site+"&day="+day); code != http.StatusNotFound || strings.Contains(got, "<script>") {
			t.Errorf("%s: screenshot %d %q, want 404", site, code, got)
		}
	}

	// The body changed under its name: refused, not served.
	p := filepath.Join(blobs.Dir, hash[:2], hash)
	if err := os.WriteFile(p, page, 0o644); err != nil {
		t.Fatal(err)
	}
	if code, got, _ := f.get(t, "/tampering/shot?site=shop&day="+day); code != http.StatusInternalServerError || strings.Contains(got, "<script>") {
		t.Errorf("tampered blob: %d %q", code, got)
	}
	// Pruned: 404.
	if err := os.Remove(p); err != nil {
		t.Fatal(err)
	}
	if code, _, _ := f.get(t, "/tampering/shot?site=shop&day="+day); code != http.StatusNotFound {
		t.Errorf("pruned screenshot: %d, want 404", code)
	}
}

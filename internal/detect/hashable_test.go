package detect

import (
	"testing"

	"github.com/honeygate/honeygate/internal/crawl"
)

// TestNoHashOfEmptyErrorOrOwnPage: reasons that point at an empty download,
// a 404 script, the page's document and its rendered DOM yield no sha256
// indicator; a judged payload with a body does (issue 8).
func TestNoHashOfEmptyErrorOrOwnPage(t *testing.T) {
	page := "http://shop.example/"
	c := &crawl.Capture{URL: page, FinalURL: page, Resources: []crawl.Resource{
		{URL: page, Type: crawl.TypeDocument, Status: 200, Size: 10, SHA256: crawl.Sum([]byte("0123456789"))},
		{URL: "http://ek.example/gate.php", Type: crawl.TypeIframe, Status: 200, Size: 0, SHA256: EmptySHA256},
		{URL: "http://ek.example/gone.js", Type: crawl.TypeScript, Status: 404, Size: 9, SHA256: crawl.Sum([]byte("not found"))},
		{URL: "http://ek.example/drop.exe", Type: crawl.TypeDownload, Status: 200, Size: 2, SHA256: crawl.Sum([]byte("MZ"))},
		{URL: page, Type: crawl.TypeDOM, Size: 5, SHA256: crawl.Sum([]byte("<dom>"))},
	}}
	var rs []crawl.Reason
	for _, r := range c.Resources {
		rs = append(rs, crawl.Reason{Detector: "behaviour", Rule: "x", Category: crawl.CatDownload, Score: 80, Evidence: r.URL})
	}
	in := &Input{C: c, Site: SiteOf("shop.example")}
	inds, _ := indicators(in, rs)
	var hashes []string
	for _, i := range inds {
		if i.Type == "sha256" {
			hashes = append(hashes, i.Value)
		}
	}
	if len(hashes) != 1 || hashes[0] != crawl.Sum([]byte("MZ")) {
		t.Fatalf("sha256 indicators %v, want only the download's %s", hashes, crawl.Sum([]byte("MZ")))
	}
}

package detect

import (
	"context"
	"flag"
	"fmt"
	"io/fs"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/honeygate/honeygate/internal/crawl"
)

// The detection-quality measurement: real malicious pages and scripts
// (testdata/web-malicious), served as they were met in the wild and injected
// into real benign pages, and real benign pages (Debian's HTML docs, Rust's
// documentation with its heavy JavaScript), all visited through an engine
// over loopback and judged. Slow; run with
//
//	go test ./internal/detect -run TestQuality -quality -v
var (
	quality        = flag.Bool("quality", false, "measure detection quality on the labelled set")
	qualityEngines = flag.String("quality.engines", "static", "comma-separated engines to measure (static, browser, auto)")
	qualityShow    = flag.Bool("quality.show", false, "list every miss and false alarm of the tuned families and the benign pages (never the held-out families': they stay unseen)")
	qualityMatch   = flag.String("quality.match", "", "only the cases whose description matches this regular expression (e.g. ^crimepack/)")
)

// holdout families were never looked at while writing rules and weights.
var holdout = map[string]bool{"neutrino": true, "misc": true, "bleeding life": true}

type malSample struct {
	name, family string
	script       bool // a .js file: an injected script, not a page
	body         []byte
}

func loadMalicious(t *testing.T) []malSample {
	root := "testdata/web-malicious/files"
	var out []malSample
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		name := d.Name()
		low := strings.ToLower(name)
		ext := filepath.Ext(low)
		if strings.Contains(low, "ignore") || strings.Contains(low, "deobfuscated") || (ext != ".html" && ext != ".htm" && ext != ".js") {
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		out = append(out, malSample{name: rel, family: strings.SplitN(rel, string(filepath.Separator), 2)[0], script: ext == ".js", body: b})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// benignRoots are trees of real benign HTML served as they are.
var benignRoots = []string{"/usr/share/doc", "/usr/share/javascript", "/root/.rustup/toolchains/stable-x86_64-unknown-linux-gnu/share/doc/rust/html"}

func loadBenign(t *testing.T) []string {
	var debian, rust []string
	for i, root := range benignRoots {
		filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(p, ".html") {
				return nil
			}
			if i == 2 {
				rust = append(rust, p)
			} else {
				debian = append(debian, p)
			}
			return nil
		})
	}
	sort.Strings(rust)
	// Every Nth page of Rust's docs: std API pages (rustdoc's search and
	// settings scripts), books (mdBook with its editor and highlighter).
	var pick []string
	if n := len(rust); n > 0 {
		step := max(1, n/250)
		for i := 0; i < n; i += step {
			pick = append(pick, rust[i])
		}
	}
	return append(debian, pick...)
}

func allowedPath(p string) bool {
	for _, r := range benignRoots {
		if strings.HasPrefix(p, r+"/") {
			return true
		}
	}
	return false
}

type qualityCase struct {
	url      string
	label    string // "benign", or the malicious sample's family
	holdout  bool
	what     string
	injected bool
}

func TestQuality(t *testing.T) {
	if !*quality {
		t.Skip("run with -quality")
	}
	mal := loadMalicious(t)
	benign := loadBenign(t)
	if len(benign) < 50 {
		t.Skip("no benign HTML on this machine (Debian's /usr/share/doc)")
	}
	// The attacker's server, on another loopback address when there is one,
	// so that it is a third party to the benign sites.
	evilLn, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		evilLn, _ = net.Listen("tcp", "127.0.0.1:0")
	}
	evil := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var i int
		if _, err := fmt.Sscanf(r.URL.Path[3:], "%d", &i); err != nil || i < 0 || i >= len(mal) {
			http.NotFound(w, r)
			return
		}
		if mal[i].script {
			w.Header().Set("Content-Type", "application/javascript")
		} else {
			w.Header().Set("Content-Type", "text/html")
		}
		w.Write(mal[i].body)
	}))
	evil.Listener = evilLn
	evil.Start()
	defer evil.Close()

	// The benign site: real files, and the same files with an injection.
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := filepath.Clean(r.URL.Path)
		real, err := filepath.EvalSymlinks(p)
		if err != nil || !allowedPath(p) || !allowedPath(real) {
			http.NotFound(w, r)
			return
		}
		b, err := os.ReadFile(real)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		if ct := mime.TypeByExtension(filepath.Ext(real)); ct != "" {
			w.Header().Set("Content-Type", ct)
		}
		if inj := r.URL.Query().Get("inject"); inj != "" {
			b = inject(b, inj, evil.URL, mal)
		}
		w.Write(b)
	}))
	defer site.Close()

	var cases []qualityCase
	for i, m := range mal {
		ho := holdout[m.family]
		page := benign[(i*7)%len(benign)]
		if m.script {
			cases = append(cases,
				qualityCase{url: site.URL + page + "?inject=src-" + fmt.Sprint(i), label: m.family, holdout: ho, what: m.name + " as a script from the attacker's host", injected: true},
				qualityCase{url: site.URL + benign[(i*13+5)%len(benign)] + "?inject=inline-" + fmt.Sprint(i), label: m.family, holdout: ho, what: m.name + " inline in a benign page", injected: true})
			continue
		}
		cases = append(cases,
			qualityCase{url: fmt.Sprintf("%s/m/%d", evil.URL, i), label: m.family, holdout: ho, what: m.name + " visited directly"},
			qualityCase{url: site.URL + page + "?inject=frame-" + fmt.Sprint(i), label: m.family, holdout: ho, what: m.name + " in an iframe injected into a benign page", injected: true})
	}
	for _, p := range benign {
		cases = append(cases, qualityCase{url: site.URL + p, label: "benign", what: p})
	}
	if *qualityMatch != "" {
		re := regexp.MustCompile(*qualityMatch)
		cases = slices.DeleteFunc(cases, func(c qualityCase) bool { return !re.MatchString(c.what) })
	}

	judge := newTestJudge(t)
	// Each engine's captures are recorded; auto, after static and browser
	// in the same run, replays them through the crawler's own decision
	// (Crawler.Scan) instead of visiting everything a third time.
	recorded := map[string]*recorder{}
	for _, engine := range strings.Split(*qualityEngines, ",") {
		t.Run(engine, func(t *testing.T) {
			static := &recorder{Engine: crawl.NewStatic(crawl.StaticOptions{Guard: &crawl.Guard{LoopbackOnly: true}})}
			cr := &crawl.Crawler{Static: static, Judge: judge}
			switch {
			case engine == crawl.EngineStatic:
				recorded[engine] = static
			case engine == crawl.EngineAuto && recorded[crawl.EngineStatic] != nil && recorded[crawl.EngineBrowser] != nil:
				cr.Static, cr.Browser = recorded[crawl.EngineStatic].replay(), recorded[crawl.EngineBrowser].replay()
			default:
				b := &recorder{Engine: qualityBrowser(t)}
				cr.Browser = b
				recorded[crawl.EngineBrowser] = b
			}
			measure(t, cr, engine, cases)
		})
	}
}

// recorder keeps the captures an engine made, by URL.
type recorder struct {
	crawl.Engine
	mu sync.Mutex
	m  map[string]*crawl.Capture
}

func (r *recorder) Visit(ctx context.Context, req crawl.Request) *crawl.Capture {
	c := r.Engine.Visit(ctx, req)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m == nil {
		r.m = map[string]*crawl.Capture{}
	}
	r.m[req.URL] = c
	return c
}

func (r *recorder) replay() crawl.Engine { return replayer{r} }

// replayer answers a visit with the recorded capture of its URL.
type replayer struct{ r *recorder }

func (p replayer) Name() string { return p.r.Name() }
func (p replayer) Close() error { return nil }
func (p replayer) Visit(_ context.Context, req crawl.Request) *crawl.Capture {
	p.r.mu.Lock()
	defer p.r.mu.Unlock()
	c := *p.r.m[req.URL]
	return &c
}

// inject returns page with the malicious sample spec ("src-N", "inline-N",
// "frame-N") inserted before </body> (or at the end), as injections are.
func inject(page []byte, spec, evil string, mal []malSample) []byte {
	kind, num, _ := strings.Cut(spec, "-")
	var i int
	fmt.Sscanf(num, "%d", &i)
	if i < 0 || i >= len(mal) {
		return page
	}
	var ins string
	switch kind {
	case "src":
		ins = fmt.Sprintf(`<script type="text/javascript" src="%s/m/%d"></script>`, evil, i)
	case "inline":
		ins = "<script>" + string(mal[i].body) + "</script>"
	case "frame":
		// Half hidden the classic way, half a visible frame: the verdict
		// must not rest on the frame's size alone.
		if i%2 == 0 {
			ins = fmt.Sprintf(`<iframe src="%s/m/%d" width="1" height="1" frameborder="0"></iframe>`, evil, i)
		} else {
			ins = fmt.Sprintf(`<iframe src="%s/m/%d" width="640" height="120" style="border:0"></iframe>`, evil, i)
		}
	}
	s := string(page)
	if j := max(strings.LastIndex(s, "</body>"), strings.LastIndex(s, "</BODY>")); j >= 0 {
		return []byte(s[:j] + ins + s[j:])
	}
	return []byte(s + ins)
}

type tally struct{ n, mal, sus int }

func measure(t *testing.T, cr *crawl.Crawler, engine string, cases []qualityCase) {
	type result struct {
		c qualityCase
		v crawl.Visit
	}
	results := make([]result, len(cases))
	var wg sync.WaitGroup
	next := make(chan int)
	start := time.Now()
	for range 4 {
		wg.Go(func() {
			for i := range next {
				results[i] = result{c: cases[i], v: cr.Scan(context.Background(), crawl.Request{URL: cases[i].url, Profile: mustProfile()}, engine, nil)}
			}
		})
	}
	for i := range cases {
		next <- i
	}
	close(next)
	wg.Wait()
	elapsed := time.Since(start)

	sets := map[string]*tally{}
	add := func(k string, v crawl.Verdict) {
		if sets[k] == nil {
			sets[k] = &tally{}
		}
		sets[k].n++
		switch v.Verdict {
		case crawl.Malicious:
			sets[k].mal++
		case crawl.Suspicious:
			sets[k].sus++
		}
	}
	// The benign pages' highest scores: how much room the thresholds have.
	var top []result
	for _, r := range results {
		if r.c.label == "benign" && r.v.Verdict.Score > 0 {
			top = append(top, r)
		}
	}
	sort.Slice(top, func(i, j int) bool { return top[i].v.Verdict.Score > top[j].v.Verdict.Score })
	for _, r := range top[:min(len(top), 5)] {
		var rs []string
		for _, re := range r.v.Verdict.Reasons {
			rs = append(rs, re.Detector+"/"+re.Rule)
		}
		t.Logf("benign high score %.0f %s %v", r.v.Verdict.Score, r.c.what, rs)
	}
	for _, r := range results {
		k := "benign"
		if r.c.label != "benign" {
			k = "tuned"
			if r.c.holdout {
				k = "holdout"
			}
			add(k+"/"+r.c.label, r.v.Verdict)
		}
		add(k, r.v.Verdict)
		bad := (k == "benign" && r.v.Verdict.Verdict == crawl.Malicious) || (k != "benign" && r.v.Verdict.Verdict != crawl.Malicious)
		if bad && *qualityShow && k != "holdout" {
			var rs []string
			for _, re := range r.v.Verdict.Reasons {
				rs = append(rs, re.Detector+"/"+re.Rule)
			}
			var res []string
			for _, x := range r.v.Capture.Resources {
				res = append(res, fmt.Sprintf("%s:%d:%dB%s", x.Type, x.Status, len(x.Body), map[bool]string{true: ":" + x.Error}[x.Error != ""]))
			}
			t.Logf("%s %s: %s %.0f %v err=%q %.1fs resources=%v", k, r.c.what, r.v.Verdict.Verdict, r.v.Verdict.Score, rs, r.v.Capture.Error, r.v.Capture.Duration, res)
		}
	}
	for _, k := range []string{"tuned", "holdout", "benign"} {
		if sets[k] == nil {
			sets[k] = &tally{}
		}
	}
	tp := sets["tuned"].mal + sets["holdout"].mal
	fp := sets["benign"].mal
	prec := 1.0
	if tp+fp > 0 {
		prec = float64(tp) / float64(tp+fp)
	}
	var keys []string
	for k := range sets {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	fmt.Fprintf(&b, "\nengine %s: %d visits in %.1fs\n| set | pages | malicious | suspicious | recall (malicious) |\n|---|---|---|---|---|\n", engine, len(cases), elapsed.Seconds())
	for _, k := range keys {
		s := sets[k]
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %.3f |\n", k, s.n, s.mal, s.sus, float64(s.mal)/float64(s.n))
	}
	fmt.Fprintf(&b, "precision (malicious verdicts that are malicious): %.4f (%d true, %d false)\n", prec, tp, fp)
	t.Log(b.String())
}

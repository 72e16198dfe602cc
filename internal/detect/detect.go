// Package detect judges captures of web pages: detectors (YARA rules,
// page structure, script obfuscation, browser behaviour, change against the
// site's known-good baseline) each give reasons, and weights kept as data
// (weights.yaml) combine them into a verdict with indicators.
//
// It does not fetch anything: it reads captures made by package crawl. It
// does not block anything: indicators leave in crawl.verdict events.
package detect

import (
	"context"
	"log/slog"
	"net/netip"
	"net/url"
	"sort"
	"strings"

	"github.com/honeygate/honeygate/internal/crawl"
)

// Detector looks at one capture and says what it finds suspicious. The
// Score of the reasons it returns is filled from the weights by the Judge.
// Detectors must be safe for concurrent use and bounded in time on hostile
// input.
type Detector interface {
	Name() string
	Detect(ctx context.Context, in *Input) []crawl.Reason
}

// Input is one capture being judged, with what detectors share.
type Input struct {
	C    *crawl.Capture
	Base *crawl.Baseline // nil: no known-good state
	// Site is the registrable part of the final URL's host ("example.com"),
	// to tell the site's own resources from third parties.
	Site string
	docs map[int]*crawl.Doc
}

// Doc returns the parsed HTML of resource i (a document or frame).
func (in *Input) Doc(i int) *crawl.Doc {
	if d, ok := in.docs[i]; ok {
		return d
	}
	r := &in.C.Resources[i]
	base, _ := url.Parse(r.URL)
	d := crawl.Parse(r.Body, base)
	if in.docs == nil {
		in.docs = map[int]*crawl.Doc{}
	}
	in.docs[i] = d
	return d
}

// ThirdParty reports whether a URL or host belongs to another site than the
// page's.
func (in *Input) ThirdParty(hostOrURL string) bool {
	h := hostOrURL
	if strings.Contains(h, "/") {
		u, err := url.Parse(h)
		if err != nil {
			return true
		}
		h = u.Host
	}
	return SiteOf(h) != in.Site
}

// Judge runs detectors and combines their reasons.
type Judge struct {
	Detectors []Detector
	Weights   *Weights
	Log       *slog.Logger
}

var _ crawl.Judge = (*Judge)(nil)

// New returns a judge with the built-in detectors (and yara, if given) and
// the weights (nil: the built-in weights).
func New(w *Weights, extra ...Detector) *Judge {
	if w == nil {
		w = DefaultWeights()
	}
	ds := []Detector{Structure{}, NewScript(), Behaviour{}, Change{}}
	ds = append(ds, extra...)
	return &Judge{Detectors: ds, Weights: w}
}

// Judge implements crawl.Judge.
func (j *Judge) Judge(ctx context.Context, c *crawl.Capture, base *crawl.Baseline) crawl.Verdict {
	final := c.FinalURL
	if final == "" {
		final = c.URL
	}
	in := &Input{C: c, Base: base, Site: SiteOf(hostOf(final))}
	var reasons []crawl.Reason
	for _, d := range j.Detectors {
		for _, r := range d.Detect(ctx, in) {
			r.Detector = d.Name()
			r.Score = j.Weights.Score(r.Detector, r.Rule, r.Score)
			if r.Score <= 0 {
				continue
			}
			r.Excerpt = clip(r.Excerpt, 200)
			reasons = append(reasons, r)
		}
	}
	sort.SliceStable(reasons, func(a, b int) bool { return reasons[a].Score > reasons[b].Score })
	return j.combine(in, reasons)
}

func (j *Judge) combine(in *Input, reasons []crawl.Reason) crawl.Verdict {
	v := crawl.Verdict{Verdict: crawl.Clean, Reasons: []crawl.Reason{}, Indicators: []crawl.Indicator{}}
	// One rule counts once per capture at its best: fifty copies of one
	// injected script are one finding, not fifty.
	// A reason the same detector gives twice for the same rule and evidence
	// (the browser engine has both the fetched document and its rendered DOM
	// under one URL) is listed once, at its best: reasons come sorted by
	// score, so the first seen is kept.
	seen := map[string]bool{}
	listed := map[string]bool{}
	for _, r := range reasons {
		key := r.Detector + "/" + r.Rule
		if !seen[key] {
			v.Score += r.Score
			seen[key] = true
		}
		lk := r.Detector + "\x00" + r.Rule + "\x00" + r.Evidence
		if listed[lk] {
			continue
		}
		listed[lk] = true
		v.Reasons = append(v.Reasons, r)
	}
	if len(v.Reasons) > 50 {
		v.Reasons = v.Reasons[:50]
	}
	v.Score = min(v.Score, 100)
	switch {
	case v.Score >= j.Weights.Malicious:
		v.Verdict = crawl.Malicious
	case v.Score >= j.Weights.Suspicious:
		v.Verdict = crawl.Suspicious
	}
	if v.Verdict != crawl.Clean {
		v.Indicators, v.Campaign = indicators(in, v.Reasons)
	}
	return v
}

// indicators extracts what the gateway could block and what ties sites of
// one campaign together: third-party hosts and URLs the reasons point at,
// hashes of the resources they matched, and the YARA rules that fired.
func indicators(in *Input, reasons []crawl.Reason) ([]crawl.Indicator, []string) {
	inds := []crawl.Indicator{}
	var camp []string
	seen := map[string]bool{}
	add := func(typ, val, cat string) {
		if val == "" || seen[typ+val] {
			return
		}
		seen[typ+val] = true
		inds = append(inds, crawl.Indicator{Type: typ, Value: val, Category: cat})
	}
	addCamp := func(k string) {
		if !seen["c"+k] {
			seen["c"+k] = true
			camp = append(camp, k)
		}
	}
	// The first resource of a URL wins: the browser engine adds the
	// rendered DOM under the page's own URL after the fetched document.
	byURL := map[string]*crawl.Resource{}
	for i := range in.C.Resources {
		if _, ok := byURL[in.C.Resources[i].URL]; !ok {
			byURL[in.C.Resources[i].URL] = &in.C.Resources[i]
		}
	}
	for _, r := range reasons {
		cat := r.Category
		if cat == "" {
			cat = crawl.CatInjected
		}
		if r.Detector == "yara" {
			addCamp("yara:" + r.Rule)
		}
		u, err := url.Parse(r.Evidence)
		if err != nil || u.Host == "" {
			continue
		}
		thirdParty := func(u *url.URL, raw string) {
			if !in.ThirdParty(u.Host) {
				return
			}
			typ := "domain"
			if _, err := netip.ParseAddr(u.Hostname()); err == nil {
				typ = "ip"
			}
			add(typ, u.Hostname(), cat)
			add("url", raw, cat)
			addCamp("host:" + u.Host)
		}
		thirdParty(u, r.Evidence)
		// A script the detectors judged that writes a frame or script into
		// the page (document.write('<iframe src=...>')): what it writes is
		// the injection's target. The browser engine sees the frame in the
		// DOM; the static engine only in the script's text.
		if res := byURL[r.Evidence]; res != nil && (res.Type == crawl.TypeInline || res.Type == crawl.TypeScript) && len(res.Body) > 0 {
			base, _ := url.Parse(res.Parent)
			if base == nil || base.Host == "" {
				base, _ = url.Parse(in.C.URL)
			}
			for _, w := range crawl.WrittenRefs(string(res.Body), base) {
				if wu, err := url.Parse(w.Src); err == nil && wu.Host != "" {
					thirdParty(wu, w.Src)
				}
			}
		}
		if res := byURL[r.Evidence]; res != nil && hashable(in, res) {
			add("sha256", res.SHA256, cat)
			addCamp("sha256:" + res.SHA256)
		}
	}
	// The page itself: what its own content is (a landing page, a scam, a
	// miner) when the strongest finding is on its own site, else a tampered
	// page that carries someone else's injection. A gateway may warn on it
	// while it is red.
	if len(in.C.Resources) > 0 {
		cat := crawl.CatInjected
		for _, r := range reasons { // strongest first
			if r.Category != "" && r.Category != crawl.CatInjected && r.Evidence != "" && !in.ThirdParty(r.Evidence) {
				cat = r.Category
				break
			}
		}
		add("url", in.C.URL, cat)
	}
	return inds, camp
}

// EmptySHA256 is the hash of zero bytes. It is never an indicator: a
// gateway blocking it would block every empty download.
const EmptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// hashable reports whether a resource's hash may become a sha256
// indicator: only a fetched payload (a script, a frame, a download) with a
// body, a successful status and no fetch error, never the page's own
// document or rendered DOM nor an inline script's text (those are the
// victim's page, not the attacker's file).
func hashable(in *Input, res *crawl.Resource) bool {
	switch {
	case res.SHA256 == "" || res.SHA256 == EmptySHA256 || res.Size <= 0:
		return false
	case res.Status >= 400 || res.Error != "":
		return false
	case res.Type == crawl.TypeDocument || res.Type == crawl.TypeInline || res.Type == crawl.TypeDOM:
		return false
	case res.URL == in.C.URL || res.URL == in.C.FinalURL:
		return false
	}
	return true
}

func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Host
}

// SiteOf returns the registrable part of a host (without port): the last
// two labels, or three under common two-level public suffixes; an IP
// address is its own site.
func SiteOf(host string) string {
	// ASCII only: host names are ASCII (IDNs travel as punycode), and
	// strings.ToLower would turn invalid bytes into longer U+FFFD.
	h := asciiLower(host)
	if strings.HasPrefix(h, "[") {
		if i := strings.Index(h, "]"); i > 0 {
			return h[1:i]
		}
	}
	if i := strings.LastIndexByte(h, ':'); i >= 0 && strings.Count(h, ":") == 1 {
		h = h[:i]
	}
	h = strings.TrimSuffix(h, ".")
	labels := strings.Split(h, ".")
	if len(labels) == 4 && allDigits(labels) {
		return h
	}
	n := 2
	if len(labels) >= 3 && twoLevel[labels[len(labels)-2]+"."+labels[len(labels)-1]] {
		n = 3
	}
	if len(labels) <= n {
		return h
	}
	return strings.Join(labels[len(labels)-n:], ".")
}

var twoLevel = map[string]bool{
	"co.uk": true, "org.uk": true, "ac.uk": true, "gov.uk": true, "com.au": true, "net.au": true, "org.au": true,
	"co.jp": true, "ne.jp": true, "or.jp": true, "com.br": true, "com.cn": true, "co.nz": true, "co.za": true,
	"com.tr": true, "com.mx": true, "co.in": true, "co.kr": true, "com.ar": true, "com.tw": true, "com.sg": true,
	"github.io": true, "blogspot.com": true, "herokuapp.com": true, "appspot.com": true,
}

func allDigits(ls []string) bool {
	for _, l := range ls {
		if l == "" {
			return false
		}
		for _, c := range l {
			if c < '0' || c > '9' {
				return false
			}
		}
	}
	return true
}

func clip(s string, n int) string {
	s = strings.ToValidUTF8(s, "?")
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8Start(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

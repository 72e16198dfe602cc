package intel

import (
	"fmt"
	"math/rand/v2"
	"net/url"
	"strings"
	"testing"
)

// agreesWithReference is the property the matcher's fast paths are held to:
// for the URL raw and an indicator set drawn at random (from seed) out of
// that URL's own expressions and names, with near misses and allow entries
// among them, MatchURL on the parsed URL (the proxy's path: canonicalized
// from the url.URL, hashed once, the Bloom filter, the label ranges, the
// prefetches and batched probes), MatchRawURL on its text, and an Overlay of
// the same set split in two all answer as referenceMatch does; and a hit
// names a listed blocking indicator by its id, type and value. It reports
// whether raw was usable (a URL with a host) and whether it was blocked.
func agreesWithReference(t *testing.T, raw string, seed uint64) (usable, blocked bool) {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || len(raw) > 2048 {
		return false, false
	}
	text := rawURL(u) // what MatchURL canonicalizes
	c, err := parseCanonical(text)
	if err != nil {
		return false, false
	}
	// Both ways into canonicalization give one expression.
	var buf [512]byte
	if cu, err := canonicalFromURL(buf[:0], u); err != nil || cu.full != c.full {
		t.Fatalf("%q: canonical from url.URL %q (%v), from text %q", raw, cu.full, err, c.full)
	}
	inds := drawIndicators(rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), &c, text)
	want := referenceMatch(inds, text)
	check := func(how string, h Hit, ok bool) {
		t.Helper()
		if ok != want {
			t.Fatalf("%s(%q): %v, reference %v\ncanonical %q\nindicators %+v", how, raw, ok, want, c.full, inds)
		}
		if !ok {
			return
		}
		for _, ind := range inds {
			if ind.ID == h.ID && ind.Type == h.Type && ind.Value == h.Value && !ind.Allow() {
				return
			}
		}
		t.Fatalf("%s(%q): hit %+v is no listed blocking indicator\nindicators %+v", how, raw, h, inds)
	}
	s := Build(inds, testNow)
	h, ok := s.MatchURL(u)
	check("MatchURL", h, ok)
	h, ok = s.MatchRawURL(text)
	check("MatchRawURL", h, ok)
	// The same set as a base and a delta (what the Manager serves between
	// full builds), split at random.
	var base, delta []Indicator
	for _, ind := range inds {
		if seed&(1<<(ind.ID%64)) != 0 {
			delta = append(delta, ind)
		} else {
			base = append(base, ind)
		}
	}
	o := Overlay(Build(base, testNow), Build(delta, testNow), nil)
	h, ok = o.MatchURL(u)
	check("Overlay.MatchURL", h, ok)
	return true, want
}

// drawIndicators lists some of c's expressions and names as indicators of
// every URL and name type, with near misses (one more byte, another
// label), a quarter of them allow entries; what Normalize refuses (a
// public suffix as a domain, say) is left out.
func drawIndicators(rng *rand.Rand, c *canonURL, text string) []Indicator {
	exprs, _ := Expressions(text)
	var names []string
	if !c.ip {
		for h := c.host; ; {
			names = append(names, h)
			i := strings.IndexByte(h, '.')
			if i < 0 {
				break
			}
			h = h[i+1:]
		}
	}
	pick := func(l []string) string {
		v := l[rng.IntN(len(l))]
		switch rng.IntN(6) {
		case 0:
			return v + "z" // a near miss
		case 1:
			if !c.ip {
				return "x." + v // a name below the one looked up
			}
		}
		return v
	}
	var inds []Indicator
	for n := 1 + rng.IntN(10); len(inds) < n; {
		var ind Indicator
		switch k := rng.IntN(5); {
		case k == 0:
			v := c.host + c.path
			if c.hasQuery && rng.IntN(2) == 0 {
				v = c.full
			}
			ind = Indicator{Type: TypeURL, Value: "http://" + pick([]string{v})}
		case k == 1:
			ind = Indicator{Type: TypeURLPrefix, Value: "http://" + pick(exprs)}
		case k == 2 && len(names) > 0:
			ind = Indicator{Type: TypeDomain, Value: pick(names)}
		case k == 3 && len(names) > 0:
			ind = Indicator{Type: TypeHost, Value: pick(names)}
		default:
			// Something else entirely: a URL on another host.
			ind = Indicator{Type: TypeURLPrefix, Value: fmt.Sprintf("http://other%d.example/", rng.IntN(3))}
		}
		ind.ID, ind.Category, ind.Source = int64(len(inds)+1), "malware", "s"
		if rng.IntN(4) == 0 {
			ind.Category = CategoryAllow
		}
		v, err := Normalize(ind)
		if err != nil {
			n-- // refused: draw one fewer
			continue
		}
		inds = append(inds, v)
	}
	return inds
}

// FuzzMatchURLAgreesWithReference: the invariant of agreesWithReference,
// for any URL text and any draw of indicators.
func FuzzMatchURLAgreesWithReference(f *testing.F) {
	for i, raw := range []string{
		"http://www.evil.example/a/b/c.php?id=1",
		"HTTP://WWW.Evil.Example.:8080/a/../b//c/./d.sh#frag",
		"https://a.b.c.d.e.f.g.example/1/2/3/4/5/6.html?x=%41",
		"http://198.51.100.7:4444/bins/mirai.arm7",
		"http://3279880203/x",
		"http://[2001:db8::1]/p?q",
		"http://user:pw@host.example/%2e%2e/%3F?%23",
		"http://xn--bcher-kva.example/p/",
		"http://evil.co.uk/wp-content/uploads/2024/03/x.exe",
		"http://a.example/",
		"http://a.example?",
	} {
		f.Add(raw, uint64(i)*0x9e3779b97f4a7c15+1)
	}
	f.Fuzz(func(t *testing.T, raw string, seed uint64) {
		agreesWithReference(t, raw, seed)
	})
}

// The property over URLs generated in the shapes gateways see (names of one
// to eight labels in mixed case with ports and trailing dots, addresses,
// paths with dot segments, doubled slashes and escapes, queries and
// fragments), each with a few draws of indicators: more cases than the
// fuzz seeds cover in every plain test run.
func TestMatchURLAgreesWithReferenceRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	labels := []string{"a", "b", "www", "Evil", "cdn", "x-y", "co", "uk", "example", "com", "EXAMPLE", "xn--bcher-kva"}
	segs := []string{"a", "b", "..", ".", "", "wp-content", "x.sh", "%41", "%2e%2e", "c%2Fd", "q=1", "Z"}
	used, blocked := 0, 0
	for range 3000 {
		var host string
		switch rng.IntN(6) {
		case 0:
			host = fmt.Sprintf("%d.%d.%d.%d", rng.IntN(256), rng.IntN(256), rng.IntN(256), rng.IntN(256))
		default:
			var l []string
			for range 1 + rng.IntN(8) {
				l = append(l, labels[rng.IntN(len(labels))])
			}
			host = strings.Join(l, ".")
			if rng.IntN(8) == 0 {
				host += "."
			}
		}
		if rng.IntN(5) == 0 {
			host += fmt.Sprintf(":%d", rng.IntN(65536))
		}
		var path strings.Builder
		for range rng.IntN(7) {
			path.WriteString("/" + segs[rng.IntN(len(segs))])
		}
		raw := "http://" + host + path.String()
		if rng.IntN(3) == 0 {
			raw += "?id=" + segs[rng.IntN(len(segs))]
		}
		if rng.IntN(5) == 0 {
			raw += "#frag"
		}
		for range 4 {
			u, b := agreesWithReference(t, raw, rng.Uint64())
			if u {
				used++
			}
			if b {
				blocked++
			}
		}
	}
	// Both answers must be common, or the property says little.
	if used < 6000 || blocked < used/5 || blocked > used*4/5 {
		t.Fatalf("%d of 12000 cases usable, %d of them blocked: the generator is off", used, blocked)
	}
	t.Logf("%d cases, %d blocked", used, blocked)
}

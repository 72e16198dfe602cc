package intel

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// referenceMatch is the matching semantics written plainly, to hold the
// snapshot's tables (the Bloom filter, label ranges, tags) to.
func referenceMatch(inds []Indicator, raw string) bool {
	c, err := parseCanonical(raw)
	if err != nil {
		return false
	}
	exprs, _ := Expressions(raw)
	host, block, allow := c.host, false, false
	for _, ind := range inds {
		var hit bool
		switch ind.Type {
		case TypeURL:
			hit = ind.Value == c.host+c.path || c.hasQuery && ind.Value == c.full
		case TypeURLPrefix:
			hit = slices.Contains(exprs, ind.Value)
		case TypeDomain:
			hit = !c.ip && (host == ind.Value || strings.HasSuffix(host, "."+ind.Value))
		case TypeHost:
			hit = host == ind.Value
		}
		if hit {
			if ind.Allow() {
				allow = true
			} else {
				block = true
			}
		}
	}
	return block && !allow
}

func TestSnapshotAgreesWithReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	hosts := []string{"a.example", "b.a.example", "c.b.a.example", "x.test", "198.51.100.7"}
	paths := []string{"/", "/p/", "/p/q/", "/p/q/r.exe", "/p/s", "/t", "/p/q/r/s/", "/u?id=1", "/p/q/r.exe?x=2"}
	cats := []string{"malware", "malware", "malware", CategoryAllow}
	for round := range 2000 {
		var inds []Indicator
		for i := range 1 + rng.IntN(12) {
			h, p := hosts[rng.IntN(len(hosts))], paths[rng.IntN(len(paths))]
			var ind Indicator
			switch rng.IntN(4) {
			case 0:
				ind = Indicator{Type: TypeURL, Value: "http://" + h + p}
			case 1:
				ind = Indicator{Type: TypeURLPrefix, Value: "http://" + h + p}
			case 2:
				if h[0] >= '0' && h[0] <= '9' {
					continue
				}
				ind = Indicator{Type: TypeDomain, Value: h}
			default:
				if h[0] >= '0' && h[0] <= '9' {
					continue
				}
				ind = Indicator{Type: TypeHost, Value: h}
			}
			ind.ID, ind.Category, ind.Source = int64(i+1), cats[rng.IntN(len(cats))], "s"
			n, err := Normalize(ind)
			if err != nil {
				t.Fatal(err)
			}
			inds = append(inds, n)
		}
		s := Build(inds, time.Now())
		for _, h := range append(hosts, "www.c.b.a.example", "example") {
			for _, p := range append(paths, "/p/q/r.exe?y=3", "/p/other", "/v/w/x/y/z") {
				q := "http://" + h + p
				_, got := s.MatchRawURL(q)
				if want := referenceMatch(inds, q); got != want {
					t.Fatalf("round %d: %s: snapshot %v, reference %v\n%+v", round, q, got, want, inds)
				}
			}
		}
	}
}

// The snapshot against the reference where its filter is stressed: a host
// with hundreds of listed URLs (its Bloom block saturates, so every path
// is probed), url-prefixes on every suffix of a deep host (the host
// expressions of two to five labels, and one of six that Safe Browsing
// never looks up), allow entries among them, and queries on other paths
// and deeper hosts.
func TestSnapshotAgreesWithReferenceCrowded(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	deep := "a.b.c.d.e.example"
	var suffixes []string
	for h := deep; ; {
		suffixes = append(suffixes, h)
		i := strings.IndexByte(h, '.')
		if i < 0 {
			break
		}
		h = h[i+1:]
	}
	paths := []string{"/", "/k/", "/k/l/", "/k/l/m.exe", "/k/n", "/o?id=1", "/k/l/m.exe?x=2"}
	for round := range 50 {
		var inds []Indicator
		add := func(typ Type, value, cat string) {
			n, err := Normalize(Indicator{ID: int64(len(inds) + 1), Type: typ, Value: value, Category: cat, Source: "s"})
			if err != nil {
				t.Fatal(err)
			}
			inds = append(inds, n)
		}
		for i := range 300 { // the crowded host
			add(TypeURL, fmt.Sprintf("http://crowded.example/f/%d.sh", i), "malware")
		}
		for range 1 + rng.IntN(8) {
			typ := TypeURLPrefix
			if rng.IntN(3) == 0 {
				typ = TypeURL
			}
			cat := "malware"
			if rng.IntN(4) == 0 {
				cat = CategoryAllow
			}
			hosts := append(suffixes[:len(suffixes)-1:len(suffixes)-1], "crowded.example")
			add(typ, "http://"+hosts[rng.IntN(len(hosts))]+paths[rng.IntN(len(paths))], cat)
		}
		if rng.IntN(2) == 0 {
			add(TypeDomain, suffixes[rng.IntN(len(suffixes)-1)], "phishing")
		}
		s := Build(inds, time.Now())
		queryHosts := append([]string{"www." + deep, "crowded.example", "x.crowded.example"}, suffixes...)
		for _, h := range queryHosts {
			for _, p := range append(paths, "/f/7.sh", "/f/7.sh?q", "/f/9999.sh", "/k/l/m.exe/z", "/zz") {
				q := "http://" + h + p
				_, got := s.MatchRawURL(q)
				if want := referenceMatch(inds, q); got != want {
					t.Fatalf("round %d: %s: snapshot %v, reference %v", round, q, got, want)
				}
			}
		}
	}
}

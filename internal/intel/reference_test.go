package intel

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// referenceMatch is the matching semantics written plainly, to hold the
// snapshot's tables (fingerprints, depth bits, tags) to.
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

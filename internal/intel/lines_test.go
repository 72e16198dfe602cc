package intel

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// Every listed URL is found with its own attributes wherever its entry was
// put: in its host's line (hosts of one to four keys, runs of full lines,
// the wrap at the end of the array), or in the keyed table (hosts of more,
// ids that do not pack: negative or beyond 48 bits), with allow entries
// among them; other paths on the same hosts match nothing, and Len counts
// each indicator once.
func TestHostLinesPlacement(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	cats := []string{"malware", "phishing", "c2", CategoryAllow}
	type want struct {
		ind   Indicator
		query string
	}
	var inds []Indicator
	var wants []want
	id := int64(0)
	for h := range 3000 {
		host := fmt.Sprintf("h%d.example", h)
		if h%7 == 0 {
			host = fmt.Sprintf("198.51.%d.%d", h/250%250, h%250+1)
		}
		keys := 1 + rng.IntN(8) // more than four: the keyed table
		for k := range keys {
			id++
			ind := Indicator{ID: id, Type: TypeURL, Value: fmt.Sprintf("http://%s/p%d/x.sh", host, k),
				Category: cats[rng.IntN(len(cats))], Source: fmt.Sprintf("feed%d", rng.IntN(3))}
			switch rng.IntN(20) {
			case 0:
				ind.ID = -id
			case 1:
				ind.ID = 1<<48 + id
			}
			query := ind.Value + "?q=1"
			if k%3 == 0 {
				ind.Type = TypeURLPrefix
				ind.Value = fmt.Sprintf("http://%s/p%d/", host, k)
				query = ind.Value + "deeper/y.sh"
			}
			n, err := Normalize(ind)
			if err != nil {
				t.Fatal(err)
			}
			inds = append(inds, n)
			wants = append(wants, want{n, query})
		}
	}
	s := Build(inds, time.Now())
	if s.Len() != len(inds) {
		t.Errorf("Len %d, want %d", s.Len(), len(inds))
	}
	if len(s.urlLines.lines) == 0 || len(s.urls.slots) == 0 {
		t.Fatalf("lines %d, keyed slots %d: the test should fill both", len(s.urlLines.lines), len(s.urls.slots))
	}
	for _, w := range wants {
		h, ok := s.MatchRawURL(w.query)
		if w.ind.Allow() {
			if ok {
				t.Errorf("%s: allowed by %s, but hit %+v", w.query, w.ind.Value, h)
			}
			continue
		}
		if !ok {
			t.Errorf("%s: no hit, want %+v", w.query, w.ind)
			continue
		}
		if exp := (Hit{ID: w.ind.ID, Type: w.ind.Type, Value: w.ind.Value, Category: w.ind.Category, Source: w.ind.Source}); h != exp {
			t.Errorf("%s: hit %+v, want %+v", w.query, h, exp)
		}
	}
	for h := range 3000 {
		q := fmt.Sprintf("http://h%d.example/q/p0/x.sh", h)
		if hit, ok := s.MatchRawURL(q); ok {
			t.Errorf("%s: hit %+v, want none", q, hit)
		}
	}
}

// The same key listed twice keeps its first attributes, unless the second
// is an allow entry: in a line as in the keyed table.
func TestHostLinesDuplicate(t *testing.T) {
	for _, keys := range []int{1, lineKeysMax + 1} { // lined, keyed
		var inds []Indicator
		for k := 1; k < keys; k++ {
			inds = append(inds, Indicator{ID: int64(100 + k), Type: TypeURL, Value: fmt.Sprintf("dup.example/o%d", k)})
		}
		inds = append(inds,
			Indicator{ID: 1, Type: TypeURL, Value: "dup.example/x", Category: "malware"},
			Indicator{ID: 2, Type: TypeURL, Value: "dup.example/x", Category: "phishing"})
		s := Build(inds, time.Now())
		if h, ok := s.MatchRawURL("http://dup.example/x"); !ok || h.ID != 1 || h.Category != "malware" {
			t.Errorf("%d keys: %+v %v, want the first entry", keys, h, ok)
		}
		if s.Len() != keys {
			t.Errorf("%d keys: Len %d", keys, s.Len())
		}
		inds = append(inds, Indicator{ID: 3, Type: TypeURL, Value: "dup.example/x", Category: CategoryAllow})
		s = Build(inds, time.Now())
		if h, ok := s.MatchRawURL("http://dup.example/x"); ok {
			t.Errorf("%d keys: %+v, want the allow entry to win", keys, h)
		}
	}
}

// The sketch that sends hosts to the lines never counts a host low.
func TestHostCountsNeverLow(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var hosts []uint64
	exact := map[uint64]int{}
	for range 20000 {
		h := rng.Uint64()
		for range 1 + rng.IntN(6) {
			hosts = append(hosts, h)
			exact[h]++
		}
	}
	c := newHostCounts(len(hosts))
	for _, h := range hosts {
		c.add(h)
	}
	over := 0
	for h, n := range exact {
		got := c.count(h)
		if got < n {
			t.Fatalf("host %x: counted %d, has %d", h, got, n)
		}
		if n <= lineKeysMax && got > lineKeysMax {
			over++
		}
	}
	// A small host called big costs speed, not correctness; it must be rare.
	if over > len(exact)/100 {
		t.Errorf("%d of %d hosts counted over the line limit by collisions", over, len(exact))
	}
}

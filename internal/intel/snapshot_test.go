package intel

import (
	"net/netip"
	"net/url"
	"sync"
	"testing"
	"time"
)

func mustNorm(t testing.TB, typ Type, v, cat string, id int64) Indicator {
	t.Helper()
	ind, err := Normalize(Indicator{ID: id, Type: typ, Value: v, Category: cat, Source: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return ind
}

func TestSnapshotMatch(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	inds := []Indicator{
		mustNorm(t, TypeDomain, "evil.example", "malware", 1),
		mustNorm(t, TypeHost, "exact.bad.example", "phishing", 2),
		mustNorm(t, TypeURL, "http://EVIL.example.com./a/../b?x", "malware-download", 3),
		mustNorm(t, TypeURLPrefix, "http://drop.example/payloads/", "malware-download", 4),
		mustNorm(t, TypeIP, "192.0.2.66", "c2", 5),
		mustNorm(t, TypeCIDR, "198.51.100.0/24", "c2", 6),
		mustNorm(t, TypeCIDR, "2001:db8:bad::/48", "c2", 7),
		mustNorm(t, TypeSHA256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "malware", 8),
		mustNorm(t, TypeDomain, "good.evil.example", CategoryAllow, 9),
		mustNorm(t, TypeURL, "http://plain.example/only/this", "scam", 10),
		{ID: 11, Type: TypeDomain, Value: "gone.example", Category: "malware", Source: "t", Expires: now.Add(-time.Second)},
		{ID: 12, Type: TypeDomain, Value: "Later.Example.", Category: "miner", Source: "t", Expires: now.Add(time.Hour)},
		mustNorm(t, TypeURLPrefix, "http://allowed-path.example/", "phishing", 13),
		mustNorm(t, TypeURLPrefix, "http://allowed-path.example/ok/", CategoryAllow, 14),
	}
	s := Build(inds, now)
	if s.Len() != 13 {
		t.Errorf("Len = %d, want 13 (one expired)", s.Len())
	}
	if got := s.NextExpiry(); !got.Equal(now.Add(time.Hour)) {
		t.Errorf("NextExpiry = %v", got)
	}
	host := []struct {
		in     string
		wantID int64
		value  string
	}{
		{"evil.example", 1, "evil.example"},
		{"A.B.EVIL.example.", 1, "evil.example"},
		{"notevil.example", 0, ""},
		{"example", 0, ""},
		{"exact.bad.example", 2, "exact.bad.example"},
		{"sub.exact.bad.example", 0, ""},
		{"good.evil.example", 0, ""},    // allowlisted
		{"x.good.evil.example", 0, ""},  // allowlisted below too
		{"192.0.2.66", 5, "192.0.2.66"}, // an IP literal goes to ip rules
		{"198.51.100.9", 6, "198.51.100.0/24"},
		{"[2001:db8:bad::1]", 7, "2001:db8:bad::/48"},
		{"gone.example", 0, ""},
		{"later.example", 12, "later.example"},
		{"", 0, ""},
		{"evil.example:443", 1, "evil.example"},
		{"[2001:db8:bad::1]:443", 7, "2001:db8:bad::/48"},
		{"192.0.2.66:8080", 5, "192.0.2.66"},
		{"2001:db8:bad::2", 7, "2001:db8:bad::/48"},
	}
	for _, tc := range host {
		h, ok := s.MatchHost(tc.in)
		if ok != (tc.wantID != 0) || h.ID != tc.wantID || h.Value != tc.value {
			t.Errorf("MatchHost(%q) = %+v, %v; want id %d value %q", tc.in, h, ok, tc.wantID, tc.value)
		}
		if ok && (h.Source != "test" && h.Source != "t" || h.Category == "") {
			t.Errorf("MatchHost(%q) = %+v: category/source lost", tc.in, h)
		}
	}
	urls := []struct {
		in     string
		wantID int64
		value  string
	}{
		{"http://evil.example.com/b?x", 3, "evil.example.com/b?x"},
		{"HTTP://EVIL.example.com./a/../b?x#frag", 3, "evil.example.com/b?x"},
		{"http://evil.example.com/b?y", 0, ""},     // listed with a query: that query only
		{"http://sub.evil.example.com/b?x", 0, ""}, // url is exact on the host
		{"http://plain.example/only/this?any=1", 10, "plain.example/only/this"},
		{"http://plain.example/only/this/deeper", 0, ""},
		{"http://drop.example/payloads/x86", 4, "drop.example/payloads/"},
		{"https://cdn.drop.example/payloads/arm7?x=1", 4, "drop.example/payloads/"},
		{"http://drop.example/other", 0, ""},
		{"http://www.evil.example/anything", 1, "evil.example"}, // host rules after URL rules
		{"http://192.0.2.66/bins.sh", 5, "192.0.2.66"},
		{"http://3221226050/bins.sh", 5, "192.0.2.66"}, // the same address, inet_aton spelled
		{"http://allowed-path.example/bad", 13, "allowed-path.example/"},
		{"http://allowed-path.example/ok/fine", 0, ""},
		{"http://good.evil.example/x", 0, ""},
	}
	for _, tc := range urls {
		u, err := url.Parse(tc.in)
		if err != nil {
			// Not every raw form parses with net/url; MatchRawURL takes it.
			h, ok := s.MatchRawURL(tc.in)
			if ok != (tc.wantID != 0) || h.ID != tc.wantID {
				t.Errorf("MatchRawURL(%q) = %+v, %v; want %d", tc.in, h, ok, tc.wantID)
			}
			continue
		}
		h, ok := s.MatchURL(u)
		if ok != (tc.wantID != 0) || h.ID != tc.wantID || h.Value != tc.value {
			t.Errorf("MatchURL(%q) = %+v, %v; want id %d value %q", tc.in, h, ok, tc.wantID, tc.value)
		}
	}
	if h, ok := s.MatchIP(netip.MustParseAddr("::ffff:198.51.100.1")); !ok || h.ID != 6 {
		t.Errorf("MatchIP(mapped) = %+v, %v", h, ok)
	}
	if h, ok := s.MatchHash("BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"); !ok || h.ID != 8 || h.Type != TypeSHA256 {
		t.Errorf("MatchHash = %+v, %v", h, ok)
	}
	if _, ok := s.MatchHash("00"); ok {
		t.Error("MatchHash(short) matched")
	}
}

func TestNilAndEmpty(t *testing.T) {
	var s *Snapshot
	if _, ok := s.MatchHost("evil.example"); ok {
		t.Error("nil snapshot matched")
	}
	l := NewLive()
	if l.Snapshot() == nil || l.Snapshot().Len() != 0 {
		t.Error("NewLive: not an empty snapshot")
	}
	var zero Live
	if zero.Snapshot() == nil {
		t.Error("zero Live: nil snapshot")
	}
	if _, ok := zero.Snapshot().MatchURL(&url.URL{Scheme: "http", Host: "x", Path: "/"}); ok {
		t.Error("empty snapshot matched")
	}
}

// Readers never block and always see a whole snapshot, old or new.
func TestLiveSwapConcurrent(t *testing.T) {
	l := NewLive()
	a := Build([]Indicator{{Type: TypeDomain, Value: "a.example", Category: "c", Source: "s"}}, time.Now())
	b := Build([]Indicator{{Type: TypeDomain, Value: "b.example", Category: "c", Source: "s"}}, time.Now())
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				s := l.Snapshot()
				_, okA := s.MatchHost("a.example")
				_, okB := s.MatchHost("b.example")
				if okA && okB {
					t.Error("saw both snapshots at once")
					return
				}
			}
		}()
	}
	for i := range 1000 {
		if i%2 == 0 {
			l.Swap(a)
		} else {
			l.Swap(b)
		}
	}
	close(stop)
	wg.Wait()
}

var testNow = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

// A name can be a domain, a host and the host of URL indicators at once, in
// any order of arrival; each keeps its own meaning.
func TestSnapshotSameName(t *testing.T) {
	for _, order := range [][]int{{0, 1, 2}, {1, 0, 2}, {2, 1, 0}, {2, 0, 1}} {
		all := []Indicator{
			mustNorm(t, TypeDomain, "both.example", "malware", 1),
			mustNorm(t, TypeHost, "both.example", "phishing", 2),
			mustNorm(t, TypeURL, "http://both.example/x", "malware-download", 3),
		}
		var inds []Indicator
		for _, i := range order {
			inds = append(inds, all[i])
		}
		s := Build(inds, testNow)
		if s.Len() != 3 {
			t.Errorf("%v: Len %d", order, s.Len())
		}
		if h, ok := s.MatchHost("both.example"); !ok || h.ID != 2 {
			t.Errorf("%v: exact name = %+v (want the host indicator)", order, h)
		}
		if h, ok := s.MatchHost("a.both.example"); !ok || h.ID != 1 {
			t.Errorf("%v: subdomain = %+v (want the domain indicator)", order, h)
		}
		if h, ok := s.MatchRawURL("http://both.example/x"); !ok || h.ID != 3 {
			t.Errorf("%v: url = %+v", order, h)
		}
		if h, ok := s.MatchRawURL("http://both.example/y"); !ok || h.ID != 2 {
			t.Errorf("%v: other path = %+v (want the host indicator)", order, h)
		}
	}
	// An allow entry for a name wins over a block of the same kind.
	s := Build([]Indicator{
		mustNorm(t, TypeDomain, "x.example", "malware", 1),
		mustNorm(t, TypeDomain, "x.example", CategoryAllow, 2),
	}, testNow)
	if h, ok := s.MatchHost("x.example"); ok {
		t.Errorf("allowlisted = %+v", h)
	}
}

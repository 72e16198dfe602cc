package intel

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/honeygate/honeygate/internal/event"
)

// waitMatch polls the live snapshot until host matches (or not) or the
// deadline passes; it returns how long it took.
func waitMatch(t *testing.T, l *Live, host string, want bool, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		if _, ok := l.Snapshot().MatchHost(host); ok == want {
			return time.Since(start)
		}
		if time.Since(start) > within {
			t.Fatalf("%s: match=%v not reached within %v", host, want, within)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func startManager(t *testing.T, o ManagerOptions) *Manager {
	t.Helper()
	if o.Store == nil {
		o.Store = NewMemStore()
	}
	m := NewManager(o)
	if err := m.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := m.Stop(ctx); err != nil {
			t.Error(err)
		}
		m.Stop(ctx) // idempotent
	})
	return m
}

func TestManagerEnforcesWithinOneSecond(t *testing.T) {
	st := NewMemStore()
	st.UpsertIndicators(context.Background(), []Indicator{mustNorm(t, TypeDomain, "stored.example", "malware", 0)})
	m := startManager(t, ManagerOptions{Store: st})
	// Start built the first snapshot before returning.
	if _, ok := m.Live().Snapshot().MatchHost("stored.example"); !ok {
		t.Fatal("stored indicator not enforced after Start")
	}
	if _, err := m.Add(context.Background(), []Indicator{{Type: TypeDomain, Value: "New.Example"}}); err != nil {
		t.Fatal(err)
	}
	took := waitMatch(t, m.Live(), "www.new.example", true, time.Second)
	t.Logf("enforced %v after the add", took)
	if n, err := m.Delete(context.Background(), Filter{Value: "new.example"}); err != nil || n != 1 {
		t.Fatalf("delete: %d %v", n, err)
	}
	waitMatch(t, m.Live(), "www.new.example", false, time.Second)
	if _, err := m.Add(context.Background(), []Indicator{{Type: "bogus", Value: "x"}}); err == nil {
		t.Error("a bad indicator was added")
	}
	if s := m.Stats(); s.Indicators != 1 || s.Err != "" {
		t.Errorf("stats %+v", s)
	}
}

func TestManagerRebuildsAtExpiry(t *testing.T) {
	m := startManager(t, ManagerOptions{})
	exp := time.Now().Add(300 * time.Millisecond)
	if _, err := m.Add(context.Background(), []Indicator{{Type: TypeHost, Value: "short.example", Expires: exp}}); err != nil {
		t.Fatal(err)
	}
	waitMatch(t, m.Live(), "short.example", true, time.Second)
	waitMatch(t, m.Live(), "short.example", false, 2*time.Second)
}

// A subscribed feed is read at start and again on its schedule, from a
// loopback HTTP server and from a path; a refresh replaces the feed's set,
// and a broken refresh keeps the previous one.
func TestManagerFeeds(t *testing.T) {
	var body atomic.Value
	body.Store("||one.example^\n||two.example^\n")
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if strings.Contains(body.Load().(string), "FAIL") {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte(body.Load().(string)))
	}))
	defer srv.Close()
	dir := t.TempDir()
	path := filepath.Join(dir, "list.txt")
	os.WriteFile(path, []byte("file.example\nbad line here\n"), 0o644)

	m := startManager(t, ManagerOptions{Feeds: []FeedConfig{
		{Name: "adb", Format: FormatAdblock, URL: srv.URL + "/list", Every: 100 * time.Millisecond},
		{Name: "local", Format: FormatDomains, URL: path, Every: time.Hour, Category: "phishing"},
	}})
	l := m.Live()
	waitMatch(t, l, "a.one.example", true, 2*time.Second)
	waitMatch(t, l, "file.example", true, 2*time.Second)
	if h, _ := l.Snapshot().MatchHost("file.example"); h.Source != "local" || h.Category != "phishing" {
		t.Errorf("feed hit %+v", h)
	}
	body.Store("||two.example^\n||three.example^\n")
	waitMatch(t, l, "three.example", true, 2*time.Second)
	waitMatch(t, l, "one.example", false, 2*time.Second)
	body.Store("FAIL")
	n := hits.Load()
	for hits.Load() < n+2 {
		time.Sleep(10 * time.Millisecond)
	}
	if _, ok := l.Snapshot().MatchHost("three.example"); !ok {
		t.Error("a failed refresh dropped the feed's indicators")
	}
	var local FeedStatus
	for _, f := range m.Feeds() {
		if f.Feed.Name == "local" {
			local = f
		}
	}
	if local.Good != 1 || local.Bad != 1 || local.Errors[0].Line != 2 {
		t.Errorf("local feed status %+v", local)
	}
}

type recAdder struct{ got []Indicator }

func (r *recAdder) Add(_ context.Context, inds []Indicator) (UpsertResult, error) {
	r.got = append(r.got, inds...)
	return UpsertResult{Added: len(inds)}, nil
}

func TestConsumerDownloads(t *testing.T) {
	at := time.Date(2026, 11, 30, 13, 0, 0, 0, time.UTC)
	evs := []event.Event{
		{ID: "e1", Kind: event.FileDownload, Time: at, Download: event.Download{URL: "http://45.15.143.158/bins.sh"}},
		{ID: "e2", Kind: event.FileDownload, Time: at, Download: event.Download{URL: "http://dl.example/x86"}},
		{ID: "e3", Kind: event.FileDownload, Time: at, Download: event.Download{URL: "http://$SERVER/`id`"}},
		{ID: "e5", Kind: event.FileDownload, Time: at, Download: event.Download{URL: "http://192.168.1.1:8088/i"}}, // the victim's own LAN
		{ID: "e6", Kind: event.FileDownload, Time: at, Download: event.Download{URL: "http://127.0.0.1/x"}},
		{ID: "e4", Kind: event.CommandInput, Time: at, Shell: event.Shell{Input: "wget http://ignored.example/"}},
	}
	for _, tc := range []struct {
		policy HostPolicy
		want   []string
	}{
		{HostsNone, []string{"url 45.15.143.158/bins.sh", "url dl.example/x86"}},
		{HostsIP, []string{"url 45.15.143.158/bins.sh", "ip 45.15.143.158", "url dl.example/x86"}},
		{HostsAll, []string{"url 45.15.143.158/bins.sh", "ip 45.15.143.158", "url dl.example/x86", "host dl.example"}},
	} {
		var r recAdder
		if err := NewConsumer(&r, tc.policy, nil).Events(context.Background(), evs); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, ind := range r.got {
			got = append(got, string(ind.Type)+" "+ind.Value)
			if ind.Source != SourceHoneypot || ind.Category != CategoryMalwareDownload || len(ind.Refs) != 1 || !ind.FirstSeen.Equal(at) {
				t.Errorf("%s: %+v", tc.policy, ind)
			}
		}
		if strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("%s: got %v, want %v", tc.policy, got, tc.want)
		}
	}
}

// slowStore makes a full scan slow, as 2,000,000 rows in SQLite are.
type slowStore struct {
	*MemStore
	delay time.Duration
}

func (s slowStore) EachIndicator(ctx context.Context, now time.Time, fn func(*Indicator) error) error {
	time.Sleep(s.delay)
	return s.MemStore.EachIndicator(ctx, now, fn)
}

// While a full rebuild reads a slow store, a change is still enforced
// within a second (as a delta over the previous base).
func TestManagerChangeDuringSlowFullRebuild(t *testing.T) {
	st := slowStore{NewMemStore(), 1500 * time.Millisecond}
	m := startManager(t, ManagerOptions{Store: st})
	m.needFull()
	m.Changed() // the loop starts a full rebuild (1.5s) in the background
	time.Sleep(200 * time.Millisecond)
	if !m.fullBusy.Load() {
		t.Fatal("no full rebuild running")
	}
	if _, err := m.Add(context.Background(), []Indicator{{Type: TypeDomain, Value: "during.example"}}); err != nil {
		t.Fatal(err)
	}
	took := waitMatch(t, m.Live(), "during.example", true, time.Second)
	t.Logf("enforced %v after the add, a full rebuild running", took)
	// And it stays enforced once the full rebuild lands.
	for m.fullBusy.Load() {
		time.Sleep(10 * time.Millisecond)
	}
	waitMatch(t, m.Live(), "during.example", true, time.Second)
	if m.Stats().Kind == "" {
		t.Error("no stats")
	}
}

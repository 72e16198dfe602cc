package bus

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/honeygate/honeygate/internal/event"
)

// killChildEnv makes the test binary act as the publisher child of
// TestKillDurability instead of running tests; its value is the StoreDir.
const killChildEnv = "HONEYGATE_BUS_KILL_CHILD"

func TestMain(m *testing.M) {
	if dir := os.Getenv(killChildEnv); dir != "" {
		killChild(dir)
		return
	}
	os.Exit(m.Run())
}

func testLogger(t testing.TB) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	return slog.New(slog.DiscardHandler)
}

// testOptions keeps the stream small so tests do not reserve 10 GiB.
func testOptions(dir string) Options {
	return Options{StoreDir: dir, MaxBytes: 256 << 20}
}

func openBus(t testing.TB, o Options) *Bus {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	b, err := Open(ctx, o, testLogger(t))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return b
}

var kinds = []event.Kind{event.SessionConnect, event.LoginFailed, event.CommandInput, event.FileDownload}

func newEvent(i int) event.Event {
	pw := event.Text(fmt.Sprintf("pw%d", i))
	return event.Event{
		ID:      event.NewID(),
		Time:    time.Now().UTC().Round(0),
		Kind:    kinds[i%len(kinds)],
		Sensor:  "test",
		Proto:   "telnet",
		SrcIP:   "192.0.2.1",
		SrcPort: 40000 + i%20000,
		DstPort: 23,
		Session: event.NewSessionID(),
		Login:   event.Login{Username: "root", Password: &pw},
		Shell:   event.Shell{Input: event.Text(fmt.Sprintf("echo %d", i))},
	}
}

// sink is an idempotent store keyed by event id, as the real store is.
type sink struct {
	mu    sync.Mutex
	evs   map[string]event.Event
	order []string // first-seen order
	calls int
	dups  int
	ch    chan struct{} // signalled after every stored batch
}

func newSink() *sink { return &sink{evs: map[string]event.Event{}, ch: make(chan struct{}, 1)} }

func (s *sink) store(_ context.Context, evs []event.Event) error {
	s.mu.Lock()
	s.calls++
	for _, e := range evs {
		if _, ok := s.evs[e.ID]; ok {
			s.dups++
			continue
		}
		s.evs[e.ID] = e
		s.order = append(s.order, e.ID)
	}
	s.mu.Unlock()
	select {
	case s.ch <- struct{}{}:
	default:
	}
	return nil
}

func (s *sink) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.evs)
}

func (s *sink) has(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.evs[id]
	return ok
}

// waitFor polls cond until it holds or d passes.
func waitFor(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// consume runs b.Consume in the background until the test ends or the
// returned stop function is called; stop returns Consume's error.
func consume(t testing.TB, b *Bus, durable string, batch int, h Handler) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Consume(ctx, durable, batch, h) }()
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case err = <-done:
			case <-time.After(10 * time.Second):
				err = errors.New("Consume did not return after cancel")
			}
		})
		return err
	}
	t.Cleanup(func() { _ = stop() })
	return stop
}

func publishN(t testing.TB, b *Bus, n int) []event.Event {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	evs := make([]event.Event, n)
	for i := range evs {
		evs[i] = newEvent(i)
		if err := b.Publish(ctx, &evs[i]); err != nil {
			t.Fatalf("Publish %d: %v", i, err)
		}
	}
	return evs
}

func streamMsgs(t testing.TB, b *Bus) uint64 {
	t.Helper()
	info, err := b.stream.Info(context.Background())
	if err != nil {
		t.Fatalf("stream info: %v", err)
	}
	return info.State.Msgs
}

func TestRoundTrip(t *testing.T) {
	b := openBus(t, testOptions(t.TempDir()))
	if b.ClientURL() != "" {
		t.Errorf("ClientURL without Listen = %q, want empty", b.ClientURL())
	}
	evs := publishN(t, b, 100)

	// Re-publishing the same event (a retry after a lost ack) is
	// deduplicated by the server through Nats-Msg-Id.
	if err := b.Publish(context.Background(), &evs[0]); err != nil {
		t.Fatalf("re-Publish: %v", err)
	}
	if got := streamMsgs(t, b); got != 100 {
		t.Errorf("stream holds %d messages after a duplicate publish, want 100", got)
	}

	s := newSink()
	stop := consume(t, b, "store", 32, Handler{Events: s.store})
	waitFor(t, 5*time.Second, "100 events", func() bool { return s.len() == 100 })
	if err := stop(); err != nil {
		t.Fatalf("Consume returned %v after cancel, want nil", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, e := range evs {
		if s.order[i] != e.ID {
			t.Fatalf("event %d out of stream order", i)
		}
		got := s.evs[e.ID]
		if want, _ := event.Marshal(&e); string(got.Raw) != string(want) {
			t.Fatalf("event %d: Raw is not the published encoding:\n got %s\nwant %s", i, got.Raw, want)
		}
		got.Raw = nil // delivery metadata, not part of the event
		if !reflect.DeepEqual(got, e) {
			t.Fatalf("event %d changed in transit:\n got %+v\nwant %+v", i, got, e)
		}
	}
	if s.dups != 0 {
		t.Errorf("%d duplicate deliveries without failures", s.dups)
	}
}

func TestPublishInvalid(t *testing.T) {
	b := openBus(t, testOptions(t.TempDir()))
	e := newEvent(0)
	e.Kind = "bad kind>"
	if err := b.Publish(context.Background(), &e); err == nil {
		t.Fatal("Publish accepted an event with an invalid kind")
	}
}

func TestRedeliveryOnHandlerError(t *testing.T) {
	b := openBus(t, testOptions(t.TempDir()))
	evs := publishN(t, b, 200)

	s := newSink()
	var failures atomic.Int32
	h := Handler{Events: func(ctx context.Context, batch []event.Event) error {
		// The first three batches fail after "storing" half of the batch, as
		// a store whose transaction broke half-way might; nothing of them may
		// be acknowledged.
		if failures.Load() < 3 {
			failures.Add(1)
			_ = s.store(ctx, batch[:len(batch)/2])
			return errors.New("store unavailable")
		}
		return s.store(ctx, batch)
	}}
	consume(t, b, "store", 50, h)
	waitFor(t, 10*time.Second, "all events after failures", func() bool { return s.len() == len(evs) })
	for _, e := range evs {
		if !s.has(e.ID) {
			t.Fatalf("event %s lost", e.ID)
		}
	}
	if failures.Load() != 3 {
		t.Errorf("handler failed %d times, want 3", failures.Load())
	}
	s.mu.Lock()
	dups := s.dups
	s.mu.Unlock()
	if dups == 0 {
		t.Errorf("no redelivery was seen by the idempotent sink")
	}
	waitFor(t, 5*time.Second, "no pending acks", func() bool { return pendingAcks(t, b, "store") == 0 })
}

func pendingAcks(t testing.TB, b *Bus, durable string) int {
	t.Helper()
	c, err := b.stream.Consumer(context.Background(), durable)
	if err != nil {
		t.Fatalf("consumer %s: %v", durable, err)
	}
	info, err := c.Info(context.Background())
	if err != nil {
		t.Fatalf("consumer info: %v", err)
	}
	return info.NumAckPending + int(info.NumPending)
}

func TestBadMessage(t *testing.T) {
	b := openBus(t, testOptions(t.TempDir()))
	ctx := context.Background()
	publishN(t, b, 5)
	junk := []byte(`{"id": "x", not json`)
	if _, err := b.js.Publish(ctx, SubjectPrefix+"junk", junk); err != nil {
		t.Fatal(err)
	}
	invalid := []byte(`{"id":"","kind":"login.failed"}`) // decodes, fails validation
	if _, err := b.js.Publish(ctx, SubjectPrefix+"login.failed", invalid); err != nil {
		t.Fatal(err)
	}
	publishN(t, b, 5)

	s := newSink()
	var mu sync.Mutex
	bad := map[string][]byte{}
	var badFailed atomic.Bool
	h := Handler{
		Events: s.store,
		Bad: func(_ context.Context, subject string, data []byte, err error) error {
			if err == nil {
				t.Error("Bad called with a nil error")
			}
			// Fail the first dead-lettering: the message must come back.
			if badFailed.CompareAndSwap(false, true) {
				return errors.New("dead-letter table locked")
			}
			mu.Lock()
			bad[subject] = append([]byte(nil), data...)
			mu.Unlock()
			return nil
		},
	}
	consume(t, b, "store", 100, h)
	waitFor(t, 5*time.Second, "good and bad messages", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return s.len() == 10 && len(bad) == 2
	})
	mu.Lock()
	if string(bad[SubjectPrefix+"junk"]) != string(junk) || string(bad[SubjectPrefix+"login.failed"]) != string(invalid) {
		t.Errorf("Bad got %q", bad)
	}
	mu.Unlock()
	waitFor(t, 5*time.Second, "no pending acks", func() bool { return pendingAcks(t, b, "store") == 0 })
}

func TestTwoDurables(t *testing.T) {
	b := openBus(t, testOptions(t.TempDir()))
	store, jl := newSink(), newSink()
	consume(t, b, "store", 64, Handler{Events: store.store})
	consume(t, b, "jsonlog", 16, Handler{Events: jl.store})
	evs := publishN(t, b, 300)
	waitFor(t, 5*time.Second, "both durables", func() bool { return store.len() == 300 && jl.len() == 300 })
	for _, e := range evs {
		if !store.has(e.ID) || !jl.has(e.ID) {
			t.Fatalf("event %s missing from a durable", e.ID)
		}
	}
}

func TestReopenResumes(t *testing.T) {
	dir := t.TempDir()
	b := openBus(t, testOptions(dir))
	first := publishN(t, b, 50)
	s := newSink()
	stop := consume(t, b, "store", 20, Handler{Events: s.store})
	waitFor(t, 5*time.Second, "first events", func() bool { return s.len() == 50 })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	second := publishN(t, b, 30) // never consumed before the restart
	if err := b.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := b.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if err := b.Publish(context.Background(), &first[0]); !errors.Is(err, ErrClosed) {
		t.Errorf("Publish after Close = %v, want ErrClosed", err)
	}
	if err := b.Consume(context.Background(), "store", 1, Handler{Events: s.store}); !errors.Is(err, ErrClosed) {
		t.Errorf("Consume after Close = %v, want ErrClosed", err)
	}

	b2 := openBus(t, testOptions(dir))
	if got := streamMsgs(t, b2); got != 80 {
		t.Errorf("stream holds %d messages after reopen, want 80 (acknowledged ones are kept)", got)
	}
	s2 := newSink()
	consume(t, b2, "store", 20, Handler{Events: s2.store})
	waitFor(t, 5*time.Second, "unconsumed events after reopen", func() bool { return s2.len() >= 30 })
	time.Sleep(200 * time.Millisecond) // give stray redeliveries a chance to show
	if s2.len() != 30 {
		t.Errorf("after reopen the durable delivered %d events, want the 30 unconsumed ones", s2.len())
	}
	for _, e := range second {
		if !s2.has(e.ID) {
			t.Fatalf("unconsumed event %s lost across reopen", e.ID)
		}
	}
	// A new durable starts from the beginning of the retained stream.
	s3 := newSink()
	consume(t, b2, "rebuild", 100, Handler{Events: s3.store})
	waitFor(t, 5*time.Second, "rebuild from the stream", func() bool { return s3.len() == 80 })
}

// TestCloseWhileConsuming checks that Close stops Consume (which then
// reports ErrClosed) and hands prefetched, unhandled messages back.
func TestCloseWhileConsuming(t *testing.T) {
	b := openBus(t, testOptions(t.TempDir()))
	publishN(t, b, 20)
	release := make(chan struct{})
	var once sync.Once
	done := make(chan error, 1)
	go func() {
		done <- b.Consume(context.Background(), "store", 5, Handler{Events: func(ctx context.Context, _ []event.Event) error {
			once.Do(func() { close(release) })
			<-ctx.Done() // a store honouring cancellation
			return ctx.Err()
		}})
	}()
	<-release
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, ErrClosed) {
		t.Fatalf("Consume after Close = %v, want ErrClosed", err)
	}
}

func TestConcurrentPublishConsume(t *testing.T) {
	b := openBus(t, testOptions(t.TempDir()))
	store, jl := newSink(), newSink()
	consume(t, b, "store", 200, Handler{Events: store.store})
	consume(t, b, "jsonlog", 100, Handler{Events: jl.store})

	const workers, per = 64, 50
	ids := make(chan string, workers*per)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range per {
				e := newEvent(w*per + i)
				if err := b.Publish(context.Background(), &e); err != nil {
					t.Errorf("Publish: %v", err)
					return
				}
				ids <- e.ID
			}
		})
	}
	wg.Wait()
	close(ids)
	waitFor(t, 10*time.Second, "all concurrent events", func() bool {
		return store.len() == workers*per && jl.len() == workers*per
	})
	for id := range ids {
		if !store.has(id) || !jl.has(id) {
			t.Fatalf("event %s missing", id)
		}
	}
}

// TestListenAndExternal exposes the embedded server on loopback and uses it
// as the "external" server of a second bus, as a remote sensor would.
func TestListenAndExternal(t *testing.T) {
	o := testOptions(t.TempDir())
	o.Listen = "127.0.0.1:0"
	o.Accounts = &Accounts{Hub: "hub-secret", Sensor: "sensor-secret", Gateway: "gateway-secret"}
	hub := openBus(t, o)
	u := hub.ClientURL()
	if !strings.HasPrefix(u, "nats://127.0.0.1:") {
		t.Fatalf("ClientURL = %q", u)
	}
	// A second process with the hub's credential (it manages the stream).
	u = strings.Replace(u, "nats://", "nats://hub:hub-secret@", 1)
	sensor := openBus(t, Options{URL: u, MaxBytes: o.MaxBytes})
	if sensor.ClientURL() != u {
		t.Errorf("external ClientURL = %q, want %q", sensor.ClientURL(), u)
	}
	s := newSink()
	consume(t, hub, "store", 10, Handler{Events: s.store})
	evs := publishN(t, sensor, 25)
	waitFor(t, 5*time.Second, "events from the remote publisher", func() bool { return s.len() == 25 })
	for _, e := range evs {
		if !s.has(e.ID) {
			t.Fatalf("event %s missing", e.ID)
		}
	}
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	if _, err := Open(ctx, Options{}, nil); err == nil {
		t.Error("Open without URL or StoreDir succeeded")
	}
	if _, err := Open(ctx, Options{StoreDir: t.TempDir(), Listen: "nonsense"}, nil); err == nil {
		t.Error("Open with a bad Listen address succeeded")
	}
	// A port already taken: the server's fatal error must come back from Open.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if _, err := Open(ctx, Options{StoreDir: t.TempDir(), Listen: l.Addr().String(), Accounts: &Accounts{Hub: "h", Sensor: "s", Gateway: "g"}}, nil); err == nil {
		t.Error("Open on a busy port succeeded")
	}
	// A store dir that cannot be created.
	f := t.TempDir() + "/file"
	if err := os.WriteFile(f, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, Options{StoreDir: f + "/sub"}, nil); err == nil {
		t.Error("Open with an unusable StoreDir succeeded")
	}
}

// TestExternalServerRestart runs a standalone server, restarts it under a
// running consumer and a publisher, and expects both to carry on.
func TestExternalServerRestart(t *testing.T) {
	dir := t.TempDir()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	start := func() *server.Server {
		srv, err := server.NewServer(&server.Options{
			Host: "127.0.0.1", Port: port, JetStream: true, StoreDir: dir,
			JetStreamMaxStore: 1 << 30, NoSigs: true, NoLog: true,
		})
		if err != nil {
			t.Fatal(err)
		}
		srv.Start()
		if !srv.ReadyForConnections(5 * time.Second) {
			t.Fatal("server not ready")
		}
		return srv
	}
	srv := start()
	b := openBus(t, Options{URL: fmt.Sprintf("nats://127.0.0.1:%d", port), MaxBytes: 64 << 20})
	s := newSink()
	consume(t, b, "store", 10, Handler{Events: s.store})
	publishN(t, b, 10)
	waitFor(t, 5*time.Second, "events before restart", func() bool { return s.len() == 10 })

	srv.Shutdown()
	srv.WaitForShutdown()
	// Publish while the server is down: Publish retries until it is back.
	pubDone := make(chan []event.Event)
	go func() { pubDone <- publishN(t, b, 10) }()
	time.Sleep(300 * time.Millisecond)
	srv = start()
	defer func() { srv.Shutdown(); srv.WaitForShutdown() }()
	later := <-pubDone
	waitFor(t, 10*time.Second, "events after restart", func() bool { return s.len() == 20 })
	for _, e := range later {
		if !s.has(e.ID) {
			t.Fatalf("event %s published across the restart is missing", e.ID)
		}
	}
	_ = b.Close() // before the server goes, so the drain is quick
}

// TestKillDurability re-runs this test binary as a child that publishes in
// a loop and prints each acknowledged id, kills it with SIGKILL mid-stream,
// reopens the bus on the same StoreDir and checks every acknowledged id is
// in the stream.
func TestKillDurability(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), killChildEnv+"="+dir)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked := map[string]bool{}
	r := bufio.NewReader(out)
	killAt := 3000
	deadline := time.AfterFunc(20*time.Second, func() { _ = cmd.Process.Kill() })
	defer deadline.Stop()
	killed := false
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			// A partial last line was cut by the kill: its publish may or may
			// not have been acknowledged, so it proves nothing.
			if !errors.Is(err, io.EOF) {
				t.Fatalf("reading child: %v", err)
			}
			break
		}
		acked[strings.TrimSuffix(line, "\n")] = true
		if len(acked) == killAt && !killed {
			killed = true
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
		}
	}
	err = cmd.Wait()
	if !killed {
		t.Fatalf("child ended before %d acks (got %d): %v", killAt, len(acked), err)
	}
	t.Logf("child killed after %d acknowledged publishes", len(acked))

	b := openBus(t, testOptions(dir))
	total := streamMsgs(t, b)
	s := newSink()
	consume(t, b, "verify", 500, Handler{Events: s.store})
	// Read the whole stream back (it may hold more than was printed: events
	// acknowledged after the child's last complete line).
	waitFor(t, 10*time.Second, "the whole stream", func() bool { return uint64(s.len()) >= total })
	missing := 0
	for id := range acked {
		if !s.has(id) {
			missing++
		}
	}
	if missing > 0 {
		t.Fatalf("%d of %d acknowledged events are missing after kill -9 and restart", missing, len(acked))
	}
	t.Logf("stream holds %d events (%d acknowledged before the kill)", total, len(acked))
}

// killChild is the child side of TestKillDurability: publish from many
// goroutines until killed, printing the id of each acknowledged event.
func killChild(dir string) {
	ctx := context.Background()
	b, err := Open(ctx, testOptions(dir), slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})))
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(2)
	}
	var mu sync.Mutex
	for w := range 16 {
		go func() {
			for i := 0; ; i++ {
				e := newEvent(w*1_000_000 + i)
				if err := b.Publish(ctx, &e); err != nil {
					fmt.Fprintln(os.Stderr, "child publish:", err)
					continue
				}
				// One write per line: a pipe write under PIPE_BUF is atomic,
				// so lines never interleave.
				mu.Lock()
				_, _ = os.Stdout.WriteString(e.ID + "\n")
				mu.Unlock()
			}
		}()
	}
	select {}
}

// An embedded server exposed on the network speaks TLS only, refuses
// clients without credentials, and gives a sensor's credential the right to
// publish events and nothing else: no purge, no delete, no reading.
func TestListenAccounts(t *testing.T) {
	dir := t.TempDir()
	acc, err := LoadOrCreateAccounts(filepath.Join(dir, "creds", "nats.json"))
	if err != nil {
		t.Fatal(err)
	}
	again, err := LoadOrCreateAccounts(filepath.Join(dir, "creds", "nats.json"))
	if err != nil || *again != *acc {
		t.Fatalf("accounts not kept: %v", err)
	}
	tlsCfg, err := LoadOrCreateTLS(filepath.Join(dir, "tls"), []string{"127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	o := testOptions(filepath.Join(dir, "nats"))
	o.Listen, o.Accounts, o.TLS = "127.0.0.1:0", acc, tlsCfg
	b := openBus(t, o)
	cu, err := url.Parse(b.ClientURL())
	if err != nil || cu.Host == "" {
		t.Fatalf("client URL %q", b.ClientURL())
	}
	addr := cu.Host
	ca := nats.RootCAs(filepath.Join(dir, "tls", CAFile))

	if nc, err := nats.Connect("tls://"+addr, ca, nats.MaxReconnects(0)); err == nil {
		nc.Close()
		t.Fatal("connected without credentials")
	}
	if nc, err := nats.Connect("nats://"+addr, nats.UserInfo(UserSensor, acc.Sensor), nats.MaxReconnects(0)); err == nil {
		nc.Close()
		t.Fatal("connected without TLS")
	}
	nc, err := nats.Connect("tls://"+addr, ca, nats.UserInfo(UserSensor, acc.Sensor), nats.MaxReconnects(0))
	if err != nil {
		t.Fatalf("sensor credential over TLS: %v", err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	e := newEvent(7)
	data, _ := event.Marshal(&e)
	if _, err := js.Publish(ctx, SubjectPrefix+string(e.Kind), data); err != nil {
		t.Fatalf("a sensor cannot publish an event: %v", err)
	}
	short, cancel2 := context.WithTimeout(ctx, 2*time.Second)
	defer cancel2()
	if err := js.DeleteStream(short, StreamName); err == nil {
		t.Error("a sensor deleted the stream")
	}
	if _, err := js.Stream(short, StreamName); err == nil {
		t.Error("a sensor read the stream")
	}
	if err := nc.Publish("$JS.API.STREAM.PURGE."+StreamName, nil); err == nil {
		nc.Flush()
		if st, _ := b.Stats(ctx); st.Messages != 1 {
			t.Errorf("stream holds %d messages after a sensor's purge attempt", st.Messages)
		}
	}
	if st, err := b.Stats(ctx); err != nil || st.Messages != 1 {
		t.Errorf("stream after the sensor's attempts: %+v %v", st, err)
	}
}

// A deleted stream (an operator's mistake, or an attacker with
// credentials) is recreated by the next publish at once, not after the
// publish timeout, and consumers go on from the new stream.
func TestDeletedStreamRecreated(t *testing.T) {
	b := openBus(t, testOptions(t.TempDir()))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	got := make(chan event.Event, 100)
	go func() {
		_ = b.Consume(ctx, "store", 10, Handler{Events: func(_ context.Context, evs []event.Event) error {
			for _, e := range evs {
				got <- e
			}
			return nil
		}})
	}()
	first := newEvent(1)
	if err := b.Publish(ctx, &first); err != nil {
		t.Fatal(err)
	}
	<-got

	if err := b.js.DeleteStream(ctx, StreamName); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	e := newEvent(2)
	if err := b.Publish(ctx, &e); err != nil {
		t.Fatalf("publish after the stream was deleted: %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("publish took %v after the stream was deleted", d)
	}
	if b.Recreated() != 1 || b.Lost() != 0 {
		t.Errorf("recreated %d, lost %d", b.Recreated(), b.Lost())
	}
	select {
	case g := <-got:
		if g.ID != e.ID {
			t.Errorf("consumer got %s, want %s", g.ID, e.ID)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the consumer did not resume on the recreated stream")
	}
	if _, err := b.Stats(ctx); err != nil {
		t.Errorf("stats after recreation: %v", err)
	}
}

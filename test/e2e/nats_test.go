package e2e

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// TestExternalNATS runs honeygate against a NATS server with JetStream that
// it does not own (--nats), as on a site with an existing cluster.
func TestExternalNATS(t *testing.T) {
	ns, err := natsserver.NewServer(&natsserver.Options{
		Host: "127.0.0.1", Port: natsserver.RANDOM_PORT, JetStream: true, StoreDir: t.TempDir(), NoSigs: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	ns.Start()
	t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats-server did not start")
	}

	srv := startServer(t, t.TempDir(), append([]string{"--nats", ns.ClientURL()}, defaultListen...)...)
	port := miraiScanner(t, srv.telnet(0))
	id := srv.sessionOf(port)
	if got := srv.events(url.Values{"session": {id}, "kind": {"login.success"}}); len(got) != 1 || got[0].Username != "root" {
		t.Errorf("login through the external bus: %+v", got)
	}
	var st apiStatus
	waitFor(t, "the store to catch up with the external stream", 20*time.Second, func() bool {
		st = srv.status()
		return st.Bus.Messages > 0 && uint64(st.EventsStored) == st.Bus.Messages
	})
	// The stream lives on the external server, not in the data dir.
	jsz, err := ns.Jsz(&natsserver.JSzOptions{Streams: true})
	if err != nil || jsz.Streams != 1 || jsz.Messages != st.Bus.Messages {
		t.Errorf("external server holds %d streams, %d messages (%v); status says %d", jsz.Streams, jsz.Messages, err, st.Bus.Messages)
	}
}

// A stream deleted under a running honeygate is recreated: the next worm is
// answered without the publish timeout's stall, its events are stored, the
// recreation shows in /metrics, and /healthz stays honest.
func TestDeletedStreamRecreated(t *testing.T) {
	ns, err := natsserver.NewServer(&natsserver.Options{
		Host: "127.0.0.1", Port: natsserver.RANDOM_PORT, JetStream: true, StoreDir: t.TempDir(), NoSigs: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	ns.Start()
	t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats-server did not start")
	}
	srv := startServer(t, t.TempDir(), append([]string{"--nats", ns.ClientURL()}, defaultListen...)...)
	miraiScanner(t, srv.telnet(0))

	nc, err := nats.Connect(ns.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	if err := js.DeleteStream(context.Background(), "HONEYGATE_EVENTS"); err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	port := miraiScanner(t, srv.telnet(0))
	if d := time.Since(start); d > 4*time.Second {
		t.Errorf("a worm session took %v after the stream was deleted (stalled on publishes)", d)
	}
	id := srv.sessionOf(port)
	if got := srv.events(url.Values{"session": {id}, "kind": {"login.success"}}); len(got) != 1 {
		t.Errorf("login after the stream was recreated: %+v", got)
	}
	resp, err := http.Get("http://" + srv.addrs["web"][0] + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), "honeygate_bus_stream_recreated_total 1") || !strings.Contains(string(body), "honeygate_events_lost_total") {
		t.Errorf("metrics do not show the recreation:\n%s", grepLines(string(body), "honeygate_"))
	}
	resp, err = http.Get("http://" + srv.addrs["web"][0] + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	// Nothing was lost (the stream came back before any publish gave up).
	if resp.StatusCode != http.StatusOK {
		t.Errorf("/healthz = %d with no event lost", resp.StatusCode)
	}

	// Now the bus goes away altogether: events are lost, counted, and
	// /healthz says so.
	ns.Shutdown()
	ns.WaitForShutdown()
	w, err := tryDial(srv.telnet(0))
	if err == nil {
		w.conn.Close() // its session.connect cannot be published
	}
	waitFor(t, "/healthz to report the loss", 60*time.Second, func() bool {
		resp, err := http.Get("http://" + srv.addrs["web"][0] + "/healthz")
		if err != nil {
			return false
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp.StatusCode == http.StatusServiceUnavailable && strings.Contains(string(b), "lost")
	})
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

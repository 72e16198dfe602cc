package e2e

import (
	"net/url"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
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

package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/honeygate/honeygate/internal/event"
	"github.com/honeygate/honeygate/internal/testkit/eventkit"
)

// A remote sensor's credential, over TLS, publishes events and nothing
// else: a forged event dated 2199 is kept aside, not stored; purging or
// deleting the stream is refused; the API token is not a bus credential.
func TestRemoteSensorCredential(t *testing.T) {
	data := t.TempDir()
	srv := startServer(t, data, append([]string{"--listen", "nats=127.0.0.1:0"}, defaultListen...)...)
	u, err := url.Parse(srv.addrs["nats"][0])
	if err != nil || u.Scheme != "tls" {
		t.Fatalf("nats listener %v: want a tls:// URL", srv.addrs["nats"])
	}
	var creds struct{ Sensor string }
	b, err := os.ReadFile(filepath.Join(data, "credentials", "nats.json"))
	if err != nil || json.Unmarshal(b, &creds) != nil || creds.Sensor == "" {
		t.Fatalf("sensor credential: %v %s", err, b)
	}
	ca := nats.RootCAs(filepath.Join(data, "tls", "ca.pem"))

	if nc, err := nats.Connect("tls://"+u.Host, ca, nats.UserInfo("sensor", testToken), nats.MaxReconnects(0)); err == nil {
		nc.Close()
		t.Error("the API token opened the bus")
	}
	nc, err := nats.Connect("tls://"+u.Host, ca, nats.UserInfo("sensor", creds.Sensor), nats.MaxReconnects(0))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	publish := func(e event.Event) {
		b, _ := event.Marshal(&e)
		if _, err := js.Publish(ctx, "honeygate.events."+string(e.Kind), b); err != nil {
			t.Fatalf("publish %s: %v", e.ID, err)
		}
	}
	good := eventkit.New(event.NewSessionID(), "192.0.2.77", 23, time.Now().UTC(),
		eventkit.Sensor("remote-1"), eventkit.SrcPort(4242), eventkit.RandomIDs()).LoginNoPassword(0, "remote-root", true)
	forged := good
	forged.ID, forged.Time, forged.Session = event.NewID(), time.Date(2199, 1, 1, 0, 0, 0, 0, time.UTC), event.NewSessionID()
	forged.Username = "forged"
	publish(good)
	publish(forged)

	short, c2 := context.WithTimeout(ctx, 3*time.Second)
	defer c2()
	if err := js.DeleteStream(short, "HONEYGATE_EVENTS"); err == nil {
		t.Error("the sensor credential deleted the stream")
	}
	if _, err := nc.Request("$JS.API.STREAM.PURGE.HONEYGATE_EVENTS", nil, time.Second); err == nil {
		t.Error("the sensor credential purged the stream")
	}

	waitFor(t, "the remote event to be stored", 20*time.Second, func() bool {
		return len(srv.events(url.Values{"session": {good.Session}})) == 1
	})
	waitFor(t, "the forged event to be refused", 20*time.Second, func() bool {
		resp, err := http.Get("http://" + srv.addrs["web"][0] + "/metrics")
		if err != nil {
			return false
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return strings.Contains(string(body), `honeygate_events_refused_total{reason="time"} 1`)
	})
	if got := srv.events(url.Values{"session": {forged.Session}}); len(got) != 0 {
		t.Errorf("the forged event was stored: %+v", got)
	}
	if first := srv.events(url.Values{"limit": {"1"}}); len(first) == 1 && first[0].Username == "forged" {
		t.Error("the forged event sorts first")
	}
}

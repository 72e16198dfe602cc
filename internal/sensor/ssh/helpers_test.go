package ssh

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	xssh "golang.org/x/crypto/ssh"

	"github.com/honeygate/honeygate/internal/sensor"
	"github.com/honeygate/honeygate/internal/testkit/eventkit"
)

// testServer is a sensor behind a real sensor.Server on a loopback port.
type testServer struct {
	s    *Sensor
	pub  *eventkit.Recorder
	addr string
	dir  string
}

func startServer(t *testing.T, cfg Config, lim sensor.Limits, dir string) *testServer {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	pub := &eventkit.Recorder{}
	s, err := New(cfg, Options{Publisher: pub, Sensor: "test", Limits: lim, DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv := &sensor.Server{Handler: s, Limits: lim}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ctx, ln); err != nil {
			t.Error(err)
		}
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return &testServer{s: s, pub: pub, addr: ln.Addr().String(), dir: dir}
}

func clientConfig(user string, auth ...xssh.AuthMethod) *xssh.ClientConfig {
	return &xssh.ClientConfig{
		User:            user,
		Auth:            auth,
		HostKeyCallback: xssh.InsecureIgnoreHostKey(),
		Timeout:         5 * time.Second,
	}
}

func dial(t *testing.T, addr string, cc *xssh.ClientConfig) *xssh.Client {
	t.Helper()
	c, err := xssh.Dial("tcp", addr, cc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// run runs cmd over exec and returns its output and exit status.
func run(t *testing.T, c *xssh.Client, cmd string) (string, int) {
	t.Helper()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	out, err := sess.CombinedOutput(cmd)
	var ee *xssh.ExitError
	if errors.As(err, &ee) {
		return string(out), ee.ExitStatus()
	}
	if err != nil {
		t.Fatalf("exec %q: %v", cmd, err)
	}
	return string(out), 0
}

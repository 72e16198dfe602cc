package proxy

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"testing"
)

// TestBlockDestinationPort: a block record, and the gateway.block event
// made from it, carry the port the client asked for: the URL's, the
// scheme's default, or the CONNECT's.
func TestBlockDestinationPort(t *testing.T) {
	f := startProxy(t, true, nil)
	f.intel.Add("domain", "blocked.test", "c2")
	for i, u := range []string{"http://blocked.test/a", "http://blocked.test:8081/b"} {
		resp, err := f.client().Get(u)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("%s: status %d", u, resp.StatusCode)
		}
		f.waitBlocks(t, i+1)
	}
	c, err := net.Dial("tcp", f.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "CONNECT blocked.test:8443 HTTP/1.1\r\nHost: blocked.test:8443\r\n\r\n")
	if resp, err := http.ReadResponse(bufio.NewReader(c), &http.Request{Method: http.MethodConnect}); err != nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("CONNECT: %v %v", resp, err)
	}
	b := f.waitBlocks(t, 3)
	if len(b) != 3 {
		t.Fatalf("%d records", len(b))
	}
	for i, want := range []int{80, 8081, 8443} {
		if b[i].Port != want {
			t.Errorf("record %d (%s %s): port %d, want %d", i, b[i].Host, b[i].URL, b[i].Port, want)
		}
		if e := b[i].Event("gw"); e.DstPort != want {
			t.Errorf("event %d: dst_port %d, want %d", i, e.DstPort, want)
		}
	}
}

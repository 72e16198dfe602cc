package proxy

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"testing"

	"github.com/honeygate/honeygate/internal/gateway"
)

// TestKillSwitchReportPorts: the infected-host report the proxy raises for
// a kill switch carries the client's source port and the destination port
// (the URL's, the scheme's default, or the CONNECT's), as its blocks do.
func TestKillSwitchReportPorts(t *testing.T) {
	f := startProxy(t, true, nil)
	ks := gateway.WannaCryKillSwitches[0]
	reqs := []struct {
		head string
		want int
	}{
		{"GET http://" + ks + "/ HTTP/1.1\r\nHost: " + ks + "\r\n\r\n", 80},
		{"GET http://" + ks + ":8080/x HTTP/1.1\r\nHost: " + ks + ":8080\r\n\r\n", 8080},
		{"CONNECT " + ks + ":8443 HTTP/1.1\r\nHost: " + ks + ":8443\r\n\r\n", 8443},
	}
	var srcPorts []int
	for i, rq := range reqs {
		c, err := net.Dial("tcp", f.addr)
		if err != nil {
			t.Fatal(err)
		}
		srcPorts = append(srcPorts, c.LocalAddr().(*net.TCPAddr).Port)
		fmt.Fprint(c, rq.head)
		// The kill switch does not resolve here: a plain request gets the
		// proxy's own 200, a CONNECT a 502; either way it is reported.
		method := http.MethodGet
		if i == 2 {
			method = http.MethodConnect
		}
		resp, err := http.ReadResponse(bufio.NewReader(c), &http.Request{Method: method})
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		resp.Body.Close()
		c.Close()
		f.waitBlocks(t, i+1)
	}
	recs := f.waitBlocks(t, len(reqs))
	if len(recs) != len(reqs) {
		t.Fatalf("%d records, want %d: %+v", len(recs), len(reqs), recs)
	}
	for i, b := range recs {
		if b.Kind != gateway.KindInfected {
			t.Errorf("record %d: kind %q, want an infected-host report", i, b.Kind)
		}
		e := b.Event("gw")
		if b.Port != reqs[i].want || e.DstPort != reqs[i].want {
			t.Errorf("record %d: port %d, event dst_port %d, want %d", i, b.Port, e.DstPort, reqs[i].want)
		}
		if e.SrcPort != srcPorts[i] || e.SrcPort == 0 {
			t.Errorf("record %d: event src_port %d, want the client's %d", i, e.SrcPort, srcPorts[i])
		}
	}
}

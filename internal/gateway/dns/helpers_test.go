package dns

import (
	"context"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	mdns "github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/honeygate/honeygate/internal/gateway"
	"github.com/honeygate/honeygate/internal/gateway/gatewaytest"
)

// fakeUpstream is a resolver on loopback: every name under "nx." is
// NXDOMAIN, "alias.example." is a CNAME to "hidden.evil.test.", everything
// else gets A 192.0.2.1 with TTL 300.
type fakeUpstream struct {
	addr    string
	queries atomic.Int64
}

func startUpstream(t *testing.T) *fakeUpstream {
	t.Helper()
	u := &fakeUpstream{}
	pc, l, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u.addr = pc.LocalAddr().String()
	h := mdns.HandlerFunc(func(w mdns.ResponseWriter, r *mdns.Msg) {
		u.queries.Add(1)
		m := new(mdns.Msg)
		m.SetReply(r)
		q := r.Question[0]
		name := strings.ToLower(q.Name)
		switch {
		case strings.HasSuffix(name, "nx."):
			m.Rcode = mdns.RcodeNameError
			m.Ns = []mdns.RR{&mdns.SOA{Hdr: mdns.RR_Header{Name: "nx.", Rrtype: mdns.TypeSOA, Class: mdns.ClassINET, Ttl: 60}, Ns: "ns.nx.", Mbox: "h.nx.", Minttl: 30}}
		case name == "alias.example.":
			m.Answer = []mdns.RR{&mdns.CNAME{Hdr: mdns.RR_Header{Name: q.Name, Rrtype: mdns.TypeCNAME, Class: mdns.ClassINET, Ttl: 300}, Target: "hidden.evil.test."}}
		case (q.Qtype == mdns.TypeHTTPS || q.Qtype == mdns.TypeSVCB) && strings.HasPrefix(name, "svcb."):
			// "svcb.ok.test.": ipv4hint 198.51.100.66 and ipv6hint
			// 2001:db8::66, target "."; "svcb.alias.test.": target
			// "hidden.evil.test." and no hints.
			svcb := mdns.SVCB{Hdr: mdns.RR_Header{Name: q.Name, Rrtype: q.Qtype, Class: mdns.ClassINET, Ttl: 300}, Priority: 1, Target: "."}
			if name == "svcb.alias.test." {
				svcb.Target = "hidden.evil.test."
			} else {
				svcb.Value = []mdns.SVCBKeyValue{
					&mdns.SVCBIPv4Hint{Hint: []net.IP{net.IPv4(198, 51, 100, 66).To4()}},
					&mdns.SVCBIPv6Hint{Hint: []net.IP{net.ParseIP("2001:db8::66")}},
				}
			}
			if q.Qtype == mdns.TypeHTTPS {
				m.Answer = []mdns.RR{&mdns.HTTPS{SVCB: svcb}}
			} else {
				m.Answer = []mdns.RR{&svcb}
			}
		case q.Qtype == mdns.TypeA:
			m.Answer = []mdns.RR{&mdns.A{Hdr: mdns.RR_Header{Name: q.Name, Rrtype: mdns.TypeA, Class: mdns.ClassINET, Ttl: 300}, A: net.IPv4(192, 0, 2, 1)}}
		}
		_ = w.WriteMsg(m)
	})
	us := &mdns.Server{PacketConn: pc, Handler: h}
	ts := &mdns.Server{Listener: l, Handler: h}
	go func() { _ = us.ActivateAndServe() }()
	go func() { _ = ts.ActivateAndServe() }()
	t.Cleanup(func() { _ = us.Shutdown(); _ = ts.Shutdown() })
	return u
}

type fixture struct {
	reg   *prometheus.Registry
	intel *gatewaytest.Intel
	rec   *gatewaytest.Recorder
	srv   *Server
	addr  string
	up    *fakeUpstream
}

func startFilter(t *testing.T, edit func(*gateway.Config)) *fixture {
	t.Helper()
	f := &fixture{reg: prometheus.NewRegistry(), intel: gatewaytest.NewIntel(), rec: &gatewaytest.Recorder{}, up: startUpstream(t)}
	cfg := gateway.DefaultConfig()
	cfg.Upstreams = []string{f.up.addr}
	if edit != nil {
		edit(&cfg)
	}
	if err := cfg.Validate().Err(); err != nil {
		t.Fatal(err)
	}
	chain, err := gateway.NewChain(&cfg, f.intel)
	if err != nil {
		t.Fatal(err)
	}
	f.srv, err = New(Options{Chain: chain, Recorder: f.rec, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Config: cfg,
		Metrics: gateway.NewMetrics(f.reg)})
	if err != nil {
		t.Fatal(err)
	}
	pc, l, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f.addr = pc.LocalAddr().String()
	go func() { _ = f.srv.Serve(pc, l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = f.srv.Shutdown(ctx)
	})
	return f
}

func (f *fixture) query(t *testing.T, network, name string, qtype uint16) *mdns.Msg {
	t.Helper()
	c := &mdns.Client{Net: network, Timeout: 3 * time.Second}
	q := new(mdns.Msg)
	q.SetQuestion(mdns.Fqdn(name), qtype)
	var r *mdns.Msg
	var err error
	for i := 0; i < 20; i++ { // the server may still be starting
		if r, _, err = c.Exchange(q, f.addr); err == nil {
			return r
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("query %s %s: %v", network, name, err)
	return nil
}

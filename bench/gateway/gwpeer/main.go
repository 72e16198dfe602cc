// Command gwpeer is the loopback counterpart of the gateway benchmark: an
// HTTP origin that answers every request with the same 1 KiB body (what
// wrk fetches directly and through each proxy), an authoritative-style DNS
// server that answers every A query with 192.0.2.1 and a one-hour TTL (the
// upstream of honeygate's DNS filter and of dnsmasq, so both answer from
// their cache), and a list generator for the 1,000,000-domain blocklist.
//
//	gwpeer serve -http 127.0.0.1:18080 -dns 127.0.0.1:18053
//	gwpeer list -n 1000000 -queries 10000 -out DIR
//
// It refuses any address that is not loopback: benchmarks never leave the
// machine.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	mdns "github.com/miekg/dns"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: gwpeer serve|list|body [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "serve":
		err = serve(os.Args[2:])
	case "list":
		err = list(os.Args[2:])
	case "body":
		_, err = os.Stdout.Write(originBody())
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gwpeer:", err)
		os.Exit(1)
	}
}

func loopback(addr string) error {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil || !ap.Addr().IsLoopback() {
		return fmt.Errorf("%q is not a loopback IP:PORT", addr)
	}
	return nil
}

// originBody is the 1 KiB every origin of the benchmark answers with.
func originBody() []byte {
	body := make([]byte, 1024)
	for i := range body {
		body[i] = 'a' + byte(i%26)
	}
	return body
}

func serve(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ExitOnError)
	httpAddr := fs.String("http", "127.0.0.1:18080", "HTTP origin address")
	dnsAddr := fs.String("dns", "127.0.0.1:18053", "DNS upstream address (UDP)")
	_ = fs.Parse(args)
	for _, a := range []string{*httpAddr, *dnsAddr} {
		if err := loopback(a); err != nil {
			return err
		}
	}
	body := originBody()
	hl, err := net.Listen("tcp", *httpAddr)
	if err != nil {
		return err
	}
	go serveHTTP(hl, body)
	dh := mdns.HandlerFunc(func(w mdns.ResponseWriter, r *mdns.Msg) {
		m := new(mdns.Msg)
		m.SetReply(r)
		m.Authoritative = true
		if q := r.Question[0]; q.Qtype == mdns.TypeA {
			m.Answer = []mdns.RR{&mdns.A{Hdr: mdns.RR_Header{Name: q.Name, Rrtype: mdns.TypeA, Class: mdns.ClassINET, Ttl: 3600}, A: net.IPv4(192, 0, 2, 1)}}
		}
		_ = w.WriteMsg(m)
	})
	ds := &mdns.Server{Addr: *dnsAddr, Net: "udp", Handler: dh}
	go func() {
		if err := ds.ListenAndServe(); err != nil {
			fmt.Fprintln(os.Stderr, "gwpeer: dns:", err)
			os.Exit(1)
		}
	}()
	fmt.Printf("gwpeer: http %s dns %s\n", hl.Addr(), *dnsAddr)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	<-sig
	return nil
}

// list writes the blocklist in the forms each peer reads, and a dnsperf
// query file of names that are not on the list (so every peer forwards
// them once and then answers from cache) plus one in a hundred that are (blocked).
func list(args []string) error {
	fs := flag.NewFlagSet("list", flag.ExitOnError)
	n := fs.Int("n", 1_000_000, "domains on the blocklist")
	nq := fs.Int("queries", 10_000, "distinct names in the dnsperf query file")
	out := fs.String("out", ".", "output directory")
	seed := fs.Uint64("seed", 1, "random seed")
	_ = fs.Parse(args)
	rng := rand.New(rand.NewPCG(*seed, 2))
	tlds := []string{"com", "net", "org", "info", "xyz", "top", "ru", "cn", "jp", "io", "biz", "online"}
	name := func() string {
		l := 6 + rng.IntN(14)
		b := make([]byte, l)
		for i := range b {
			b[i] = "abcdefghijklmnopqrstuvwxyz0123456789"[rng.IntN(36)]
		}
		return string(b) + "." + tlds[rng.IntN(len(tlds))]
	}
	files := map[string]*bufio.Writer{}
	for _, f := range []string{"domains.txt", "squid.acl", "dnsmasq.conf", "queries.txt"} {
		fh, err := os.Create(filepath.Join(*out, f))
		if err != nil {
			return err
		}
		defer fh.Close()
		w := bufio.NewWriterSize(fh, 1<<20)
		defer w.Flush()
		files[f] = w
	}
	seen := make(map[string]bool, *n)
	var listed []string
	for len(seen) < *n {
		d := name()
		if seen[d] {
			continue
		}
		seen[d] = true
		if len(listed) < *nq/100 {
			listed = append(listed, d)
		}
		fmt.Fprintln(files["domains.txt"], d)
		fmt.Fprintln(files["squid.acl"], "."+d)
		fmt.Fprintf(files["dnsmasq.conf"], "address=/%s/\n", d)
	}
	for i := 0; i < *nq; i++ {
		if i%100 == 0 && len(listed) > 0 {
			fmt.Fprintf(files["queries.txt"], "%s A\n", listed[(i/100)%len(listed)])
			continue
		}
		fmt.Fprintf(files["queries.txt"], "clean%d.example A\n", i)
	}
	return nil
}

package dns

import (
	"context"
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"

	mdns "github.com/miekg/dns"

	"github.com/honeygate/honeygate/internal/gateway"
)

// ServeDNS answers one query. The order: client network (refuse outsiders),
// kill switches (must resolve, whatever any list says), the policy chain,
// then cache and upstream, whose answer's CNAME targets and addresses are
// judged too (a listed name hidden behind an innocent alias is blocked).
func (s *Server) ServeDNS(w mdns.ResponseWriter, r *mdns.Msg) {
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("dns: panic answering a query", "panic", p)
			m := new(mdns.Msg)
			m.SetRcode(r, mdns.RcodeServerFailure)
			_ = w.WriteMsg(m)
		}
	}()
	client := addrPort(w.RemoteAddr())
	if len(r.Question) != 1 {
		// A header that promises a question the message lacks (or several,
		// which no resolver sends): malformed, answered before anything
		// reads the question.
		m := new(mdns.Msg)
		m.SetRcode(r, mdns.RcodeFormatError)
		s.reply(w, r, m)
		return
	}
	if m := ednsError(r); m != nil {
		s.reply(w, r, m)
		return
	}
	q := r.Question[0]
	if q.Qclass != mdns.ClassINET && q.Qclass != mdns.ClassANY {
		// Only the Internet class is judged, so only it is served: a
		// blocked name asked in CH or HS must not reach the upstream.
		m := new(mdns.Msg)
		m.SetRcode(r, mdns.RcodeNotImplemented)
		s.reply(w, r, m)
		return
	}
	name := strings.ToLower(q.Name)
	host := strings.TrimSuffix(name, ".")

	if !s.opt.Chain.ClientAllowed(client.Addr()) {
		s.opt.Metrics.Observe(gateway.EnforcerDNS, gateway.Decision{Verdict: gateway.Refused, Reason: gateway.ReasonClientRefused})
		if s.reported.Allow(client.Addr()) {
			s.record(&gateway.Block{Kind: gateway.KindBlock, Client: client, Host: host, Ref: gateway.NewRef(),
				Action: gateway.ActionRefuse, Reason: gateway.ReasonClientRefused})
		} else {
			s.opt.Metrics.Suppressed(gateway.EnforcerDNS)
		}
		s.reply(w, r, refused(r))
		return
	}
	if q.Qtype == mdns.TypeAXFR || q.Qtype == mdns.TypeIXFR {
		// A zone transfer is no one's lookup and never served, as Unbound
		// refuses it: forwarded, it would reach an upstream that may be an
		// operator's own authoritative server allowing transfers to us.
		s.reply(w, r, refused(r))
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	if s.isKillSwitch(name) {
		s.record(&gateway.Block{Kind: gateway.KindInfected, Client: client, Host: host, Ref: gateway.NewRef(),
			Action: gateway.ActionResolve, Hit: gateway.Hit{Type: "domain", Value: host, Category: "malware", Source: "kill-switch"}})
		s.reply(w, r, s.resolveKillSwitch(ctx, r, name, q))
		return
	}

	nameClean := false // intel was asked about the name and listed nothing
	if q.Qclass == mdns.ClassINET || q.Qclass == mdns.ClassANY {
		cur := s.opt.Chain.Matcher()
		d := s.opt.Chain.Decide(&gateway.Query{Client: client.Addr(), Host: host})
		s.opt.Metrics.Observe(gateway.EnforcerDNS, d)
		if d.Verdict != gateway.Allowed {
			s.reply(w, r, s.block(r, client, host, d))
			// The next such question over UDP is answered by the readers.
			s.keepBlock(keyOf(r, name), d, cur)
			return
		}
		nameClean = d.Reason == gateway.ReasonNoMatch
	}

	k := keyOf(r, name)
	var m *mdns.Msg
	if e, age := s.cache.lookup(k); e != nil {
		if d, target, ok := s.judgeAnswer(client.Addr(), e, e.msg, nameClean); ok {
			s.reply(w, r, s.block(r, client, target, d))
			return
		}
		if s.writeWire(w, r, e, age) {
			return
		}
		m = aged(e.msg, age)
	} else {
		up, err := s.up.resolve(ctx, k)
		if err != nil {
			s.log.Debug("dns: upstream failed", "name", host, "err", err)
			fail := new(mdns.Msg)
			fail.SetRcode(r, mdns.RcodeServerFailure)
			s.reply(w, r, fail)
			return
		}
		e := s.cache.put(k, up)
		if d, target, ok := s.judgeAnswer(client.Addr(), e, up, nameClean); ok {
			s.reply(w, r, s.block(r, client, target, d))
			return
		}
		m = up.Copy()
	}
	m.Id = r.Id
	m.Response, m.RecursionAvailable = true, true
	// RD and CD as asked (RFC 1035 4.1.1; the upstream saw RD set), as the
	// readers' packed answers have them.
	m.RecursionDesired, m.CheckingDisabled = r.RecursionDesired, r.CheckingDisabled
	m.Question = r.Question // the client's spelling (0x20 case randomization)
	s.reply(w, r, m)
}

var wirePool = sync.Pool{New: func() any { b := make([]byte, 0, 1232); return &b }}

// writeWire answers from the entry's packed form when it fits the client
// (UDP size) and the name can be written back as the client spelled it.
func (s *Server) writeWire(w mdns.ResponseWriter, r *mdns.Msg, e *cacheEntry, age time.Duration) bool {
	wa := e.wireFor()
	if wa == nil {
		return false
	}
	if _, udp := w.RemoteAddr().(*net.UDPAddr); udp {
		size := mdns.MinMsgSize
		if opt := r.IsEdns0(); opt != nil {
			size = max(int(opt.UDPSize()), mdns.MinMsgSize)
		}
		if len(wa.b) > min(size, 4096) {
			return false
		}
	}
	bp := wirePool.Get().(*[]byte)
	defer wirePool.Put(bp)
	b, ok := wa.render(*bp, r.Id, r.Question[0].Name, age)
	*bp = b[:0]
	if !ok {
		return false
	}
	if r.RecursionDesired {
		b[2] |= 1 // RD echoes the query's
	} else {
		b[2] &^= 1
	}
	if r.CheckingDisabled {
		b[3] |= 0x10
	} else {
		b[3] &^= 0x10
	}
	_, _ = w.Write(b)
	return true
}

// judgeAnswer asks the chain about every CNAME target and address in e's
// answer. When nothing in it matched intel at all, e is marked clean under
// the current snapshot, and later hits skip the judging (a hit is judged
// per client, since policies differ); nameClean (intel listed nothing for
// the question's name either) goes into the mark.
func (s *Server) judgeAnswer(client netip.Addr, e *cacheEntry, m *mdns.Msg, nameClean bool) (gateway.Decision, string, bool) {
	cur := s.opt.Chain.Matcher()
	if e != nil && cur != nil {
		if v, ok := e.cleanFor.Load().(cleanMark); ok && v.m == any(cur) && (v.name || !nameClean) {
			return gateway.Decision{}, "", false
		}
	}
	anyHit := false
	for _, rr := range m.Answer {
		var q gateway.Query
		var what string
		switch v := rr.(type) {
		case *mdns.CNAME:
			what = strings.TrimSuffix(strings.ToLower(v.Target), ".")
			q = gateway.Query{Client: client, Host: what}
		case *mdns.A:
			a, _ := netip.AddrFromSlice(v.A.To4())
			what, q = a.String(), gateway.Query{Client: client, Addr: a}
		case *mdns.AAAA:
			a, _ := netip.AddrFromSlice(v.AAAA)
			what, q = a.String(), gateway.Query{Client: client, Addr: a}
		case *mdns.SVCB:
			if d, what, ok := s.judgeSVCB(client, v, &anyHit); ok {
				return d, what, true
			}
			continue
		case *mdns.HTTPS:
			if d, what, ok := s.judgeSVCB(client, &v.SVCB, &anyHit); ok {
				return d, what, true
			}
			continue
		default:
			continue
		}
		d := s.opt.Chain.Decide(&q)
		if d.Hit.Type != "" {
			anyHit = true
		}
		if d.Verdict == gateway.Blocked && d.Hit.Type != "" {
			return d, what, true
		}
	}
	if e != nil && cur != nil && !anyHit {
		e.cleanFor.Store(cleanMark{m: cur, name: nameClean})
	}
	return gateway.Decision{}, "", false
}

// judgeSVCB judges an SVCB or HTTPS record as the client would use it:
// its target name like a CNAME's (unless "." , the owner itself), and
// every ipv4hint and ipv6hint address like an A or AAAA answer, since a
// client may connect to a hint without asking for A or AAAA at all.
func (s *Server) judgeSVCB(client netip.Addr, v *mdns.SVCB, anyHit *bool) (gateway.Decision, string, bool) {
	judge := func(q gateway.Query, what string) (gateway.Decision, string, bool) {
		d := s.opt.Chain.Decide(&q)
		if d.Hit.Type != "" {
			*anyHit = true
		}
		return d, what, d.Verdict == gateway.Blocked && d.Hit.Type != ""
	}
	if t := strings.TrimSuffix(strings.ToLower(v.Target), "."); t != "" {
		if d, what, ok := judge(gateway.Query{Client: client, Host: t}, t); ok {
			return d, what, true
		}
	}
	for _, kv := range v.Value {
		var ips []net.IP
		switch h := kv.(type) {
		case *mdns.SVCBIPv4Hint:
			ips = h.Hint
		case *mdns.SVCBIPv6Hint:
			ips = h.Hint
		default:
			continue
		}
		for _, ip := range ips {
			a, ok := netip.AddrFromSlice(ip)
			if !ok {
				continue
			}
			a = a.Unmap()
			if d, what, ok := judge(gateway.Query{Client: client, Addr: a}, a.String()); ok {
				return d, what, true
			}
		}
	}
	return gateway.Decision{}, "", false
}

// ednsError answers what RFC 6891 says a query's EDNS must get before
// anything else: FORMERR for more than one OPT record (6.1.1), BADVERS for
// an EDNS version above ours, 0 (6.1.3). nil when the EDNS is fine.
func ednsError(r *mdns.Msg) *mdns.Msg {
	var opt *mdns.OPT
	for _, rr := range r.Extra {
		o, ok := rr.(*mdns.OPT)
		if !ok {
			continue
		}
		if opt != nil {
			m := new(mdns.Msg)
			m.SetRcode(r, mdns.RcodeFormatError)
			return m
		}
		opt = o
	}
	if opt != nil && opt.Version() > 0 {
		// The extended RCODE lives in our OPT, which reply adds (version
		// 0, telling the client what we speak).
		m := new(mdns.Msg)
		m.SetRcode(r, mdns.RcodeBadVers)
		return m
	}
	return nil
}

// block builds the NXDOMAIN or sinkhole answer and records the block.
func (s *Server) block(r *mdns.Msg, client netip.AddrPort, host string, d gateway.Decision) *mdns.Msg {
	m, action := s.blockMsg(r)
	s.recordBlock(client, host, d, action)
	return m
}

// recordBlock records one block of host for client.
func (s *Server) recordBlock(client netip.AddrPort, host string, d gateway.Decision, action string) {
	s.record(&gateway.Block{Kind: gateway.KindBlock, Client: client, Host: host, Hit: d.Hit, Ref: gateway.NewRef(),
		Action: action, Reason: d.Reason, Policy: d.Policy})
}

// blockMsg is the NXDOMAIN or sinkhole answer to r, and which it is.
func (s *Server) blockMsg(r *mdns.Msg) (*mdns.Msg, string) {
	q := r.Question[0]
	m := new(mdns.Msg)
	m.SetReply(r)
	m.RecursionAvailable = true
	action := gateway.ActionNXDomain
	hdr := mdns.RR_Header{Name: q.Name, Class: mdns.ClassINET, Ttl: s.blockTTL}
	switch {
	case q.Qtype == mdns.TypeA && s.sink4.IsValid():
		hdr.Rrtype = mdns.TypeA
		m.Answer = []mdns.RR{&mdns.A{Hdr: hdr, A: s.sink4.AsSlice()}}
		action = gateway.ActionSinkhole
	case q.Qtype == mdns.TypeAAAA && s.sink6.IsValid():
		hdr.Rrtype = mdns.TypeAAAA
		m.Answer = []mdns.RR{&mdns.AAAA{Hdr: hdr, AAAA: s.sink6.AsSlice()}}
		action = gateway.ActionSinkhole
	case s.sink4.IsValid() || s.sink6.IsValid():
		// Sinkholing, but not this type: the name exists, with no such data.
		m.Ns = []mdns.RR{s.soa(q.Name)}
		action = gateway.ActionSinkhole
	default:
		m.Rcode = mdns.RcodeNameError
		m.Ns = []mdns.RR{s.soa(q.Name)}
	}
	return m, action
}

// soa is the authority record of a synthesized negative answer; its minimum
// is the block TTL, so resolvers behind us cache the block that long.
func (s *Server) soa(name string) mdns.RR {
	return &mdns.SOA{Hdr: mdns.RR_Header{Name: name, Rrtype: mdns.TypeSOA, Class: mdns.ClassINET, Ttl: s.blockTTL},
		Ns: "blocked.honeygate.invalid.", Mbox: "abuse.honeygate.invalid.", Serial: 1, Refresh: 3600, Retry: 600, Expire: 86400, Minttl: s.blockTTL}
}

// resolveKillSwitch forwards a kill switch upstream and, when that yields no
// address, answers kill_switch_address so the worm sees its switch alive.
func (s *Server) resolveKillSwitch(ctx context.Context, r *mdns.Msg, name string, q mdns.Question) *mdns.Msg {
	k := keyOf(r, name)
	m := s.cache.get(k)
	if m == nil {
		if up, err := s.up.resolve(ctx, k); err == nil {
			s.cache.put(k, up)
			m = up.Copy()
		}
	}
	if m != nil && m.Rcode == mdns.RcodeSuccess && hasAddress(m) {
		m.Id = r.Id
		m.Response, m.RecursionAvailable = true, true
		m.Question = r.Question
		return m
	}
	out := new(mdns.Msg)
	out.SetReply(r)
	out.RecursionAvailable = true
	hdr := mdns.RR_Header{Name: q.Name, Class: mdns.ClassINET, Ttl: 300}
	switch {
	case q.Qtype == mdns.TypeA && s.killAddr.Is4():
		hdr.Rrtype = mdns.TypeA
		out.Answer = []mdns.RR{&mdns.A{Hdr: hdr, A: s.killAddr.AsSlice()}}
	case q.Qtype == mdns.TypeAAAA && s.killAddr.Is6():
		hdr.Rrtype = mdns.TypeAAAA
		out.Answer = []mdns.RR{&mdns.AAAA{Hdr: hdr, AAAA: s.killAddr.AsSlice()}}
	case m != nil:
		m.Id = r.Id
		m.Question = r.Question
		return m
	default:
		out.Rcode = mdns.RcodeServerFailure
	}
	return out
}

func hasAddress(m *mdns.Msg) bool {
	for _, rr := range m.Answer {
		switch rr.(type) {
		case *mdns.A, *mdns.AAAA:
			return true
		}
	}
	return false
}

// isKillSwitch reports whether name is a kill switch or under one.
func (s *Server) isKillSwitch(name string) bool {
	if len(s.kill) == 0 {
		return false
	}
	for {
		if s.kill[name] {
			return true
		}
		i := strings.IndexByte(name, '.')
		if i < 0 || i == len(name)-1 {
			return false
		}
		name = name[i+1:]
	}
}

// reply fixes up EDNS and size and writes m. The upstream's OPT record is
// never passed on: ours says what we accept. A UDP answer larger than the
// client can take is truncated (TC set), so the client retries over TCP.
func (s *Server) reply(w mdns.ResponseWriter, r, m *mdns.Msg) {
	_, udp := w.RemoteAddr().(*net.UDPAddr)
	s.finish(r, m, udp)
	if err := w.WriteMsg(m); err != nil {
		s.log.Debug("dns: write", "err", err)
	}
}

// finish puts our OPT into m when r has one, and over UDP truncates m to
// what the client takes.
func (s *Server) finish(r, m *mdns.Msg, udp bool) {
	extra := m.Extra[:0:0]
	for _, rr := range m.Extra {
		if rr.Header().Rrtype != mdns.TypeOPT {
			extra = append(extra, rr)
		}
	}
	m.Extra = extra
	size := mdns.MinMsgSize
	if opt := r.IsEdns0(); opt != nil {
		size = max(int(opt.UDPSize()), mdns.MinMsgSize)
		m.SetEdns0(1232, opt.Do())
	}
	if udp {
		m.Truncate(min(size, 4096))
	}
}

func (s *Server) record(b *gateway.Block) {
	if s.opt.Recorder == nil {
		return
	}
	b.Time = time.Now().UTC()
	b.Enforcer = "dns"
	s.opt.Recorder.Record(b)
}

func refused(r *mdns.Msg) *mdns.Msg {
	m := new(mdns.Msg)
	m.SetRcode(r, mdns.RcodeRefused)
	return m
}

func keyOf(r *mdns.Msg, name string) cacheKey {
	k := cacheKey{name: name, qtype: r.Question[0].Qtype, qclass: r.Question[0].Qclass, cd: r.CheckingDisabled}
	if opt := r.IsEdns0(); opt != nil {
		k.do, k.edns = opt.Do(), true
	}
	return k
}

func addrPort(a net.Addr) netip.AddrPort {
	var ap netip.AddrPort
	switch v := a.(type) {
	case *net.UDPAddr:
		ap = v.AddrPort()
	case *net.TCPAddr:
		ap = v.AddrPort()
	default:
		ap, _ = netip.ParseAddrPort(a.String())
	}
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}

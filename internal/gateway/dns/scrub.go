package dns

import (
	"strings"

	mdns "github.com/miekg/dns"
)

// scrub cuts an upstream answer down to what answers the question, before
// it is judged or cached: the answer section keeps the CNAME chain that
// starts at the question name (and the DNAMEs and signatures that go with
// it), the authority section keeps only what proves a negative answer or a
// wildcard (SOA, NSEC, NSEC3 and their signatures, within the zone that
// owns the name), and the additional section keeps nothing but OPT.
//
// Why: whatever an upstream adds beyond that (an address for some other
// name, NS records for another zone, glue) is exactly what cache poisoning
// rides on, a stub resolver behind us needs none of it, and judging it
// could block an innocent name for a listed one that merely came along.
// The CNAME chain itself is kept whole, so that a listed name anywhere in
// it is judged (and blocks the answer).
func scrub(m *mdns.Msg, qname string, qtype uint16) {
	chain := chainOf(m.Answer, qname)
	inChain := func(name string) bool {
		name = strings.ToLower(name)
		for _, c := range chain {
			if c == name {
				return true
			}
		}
		return false
	}
	// above: the name is a DNAME owner over some name of the chain.
	above := func(name string) bool {
		for _, c := range chain {
			if mdns.IsSubDomain(name, c) && !strings.EqualFold(name, c) {
				return true
			}
		}
		return false
	}
	var zones []string // signers and SOA owners, for the authority section
	answer := m.Answer[:0]
	for _, rr := range m.Answer {
		h := rr.Header()
		keep := false
		switch v := rr.(type) {
		case *mdns.DNAME:
			keep = above(h.Name)
		case *mdns.RRSIG:
			keep = inChain(h.Name) || (v.TypeCovered == mdns.TypeDNAME && above(h.Name))
			if keep && mdns.IsSubDomain(v.SignerName, h.Name) {
				zones = append(zones, strings.ToLower(v.SignerName))
			}
		default:
			keep = inChain(h.Name) && (h.Rrtype == qtype || h.Rrtype == mdns.TypeCNAME || qtype == mdns.TypeANY)
		}
		if keep {
			answer = append(answer, rr)
		}
	}
	m.Answer = answer

	last := chain[len(chain)-1]
	for _, rr := range m.Ns {
		if soa, ok := rr.(*mdns.SOA); ok && mdns.IsSubDomain(soa.Hdr.Name, last) {
			zones = append(zones, strings.ToLower(soa.Hdr.Name))
		}
	}
	inZone := func(name string) bool {
		for _, z := range zones {
			if mdns.IsSubDomain(z, name) {
				return true
			}
		}
		return false
	}
	ns := m.Ns[:0]
	for _, rr := range m.Ns {
		h := rr.Header()
		switch h.Rrtype {
		case mdns.TypeSOA:
			if !mdns.IsSubDomain(h.Name, last) {
				continue
			}
		case mdns.TypeNSEC, mdns.TypeNSEC3, mdns.TypeRRSIG:
			if !inZone(h.Name) {
				continue
			}
		default: // NS and anything else: a stub has no use for referrals
			continue
		}
		ns = append(ns, rr)
	}
	m.Ns = ns

	extra := m.Extra[:0]
	for _, rr := range m.Extra {
		if rr.Header().Rrtype == mdns.TypeOPT {
			extra = append(extra, rr)
		}
	}
	m.Extra = extra
}

// maxChain bounds the CNAME chain followed (resolvers give up near 8-16).
const maxChain = 16

// chainOf returns the lower-case names of the CNAME chain that starts at
// qname in answer, qname first, following CNAMEs in any order and stopping
// at a loop or after maxChain hops.
func chainOf(answer []mdns.RR, qname string) []string {
	chain := []string{strings.ToLower(qname)}
	for len(chain) <= maxChain {
		cur := chain[len(chain)-1]
		next := ""
		for _, rr := range answer {
			if c, ok := rr.(*mdns.CNAME); ok && strings.EqualFold(c.Hdr.Name, cur) {
				next = strings.ToLower(c.Target)
				break
			}
		}
		if next == "" {
			break
		}
		for _, c := range chain {
			if c == next {
				return chain // a loop
			}
		}
		chain = append(chain, next)
	}
	return chain
}

package dns

import (
	"testing"

	mdns "github.com/miekg/dns"
)

// A zone transfer (AXFR, IXFR) is never served by a filtering resolver:
// Unbound answers REFUSED, and so does the filter now, over UDP and TCP,
// for a listed name as for any other, without asking the upstream (which
// might be an operator's own authoritative server that allows transfers to
// the filter's address) and without a block event (it is no one's lookup).
func TestZoneTransferRefused(t *testing.T) {
	f := startFilter(t, nil)
	f.intel.Add("domain", "evil.test", "malware")
	for _, network := range []string{"udp", "tcp"} {
		for _, qt := range []uint16{mdns.TypeAXFR, mdns.TypeIXFR} {
			for _, name := range []string{"ok.test", "evil.test"} {
				before := f.up.queries.Load()
				r := f.query(t, network, name, qt)
				if r.Rcode != mdns.RcodeRefused || len(r.Answer) != 0 {
					t.Errorf("%s %s %s: rcode %s, %d answers; want REFUSED and none", network, mdns.TypeToString[qt], name, mdns.RcodeToString[r.Rcode], len(r.Answer))
				}
				if n := f.up.queries.Load() - before; n != 0 {
					t.Errorf("%s %s %s: %d queries went upstream", network, mdns.TypeToString[qt], name, n)
				}
			}
		}
	}
	if b := f.rec.Blocks(); len(b) != 0 {
		t.Errorf("%d block events for transfers, want none: %+v", len(b), b)
	}
}

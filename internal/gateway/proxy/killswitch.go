package proxy

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/honeygate/honeygate/internal/gateway"
	"github.com/honeygate/honeygate/internal/intel"
)

// Kill switches (WannaCry's domains, gateway.Config.KillSwitches) are
// treated at the proxy as the DNS filter treats them: never judged, never
// blocked, whatever a list says of them, because a worm that reaches its
// kill switch stops; and the client that asked is reported as a likely
// infected host (gateway.infected_host), once per request. When the origin
// cannot be reached the proxy answers the kill switch itself with a 200 (a
// sinkhole page), as the DNS filter answers with kill_switch_address: the
// worm must see it alive.

// killSwitches holds the names in canonical form; a name under one counts.
type killSwitches map[string]bool

func newKillSwitches(names []string) killSwitches {
	k := killSwitches{}
	for _, n := range names {
		if c := intel.CanonicalHost(n); c != "" {
			k[c] = true
		}
	}
	return k
}

// match returns the kill switch host is or is under, or "".
func (k killSwitches) match(host string) string {
	if len(k) == 0 || host == "" {
		return ""
	}
	name := intel.CanonicalHost(host)
	for {
		if k[name] {
			return name
		}
		i := strings.IndexByte(name, '.')
		if i < 0 {
			return ""
		}
		name = name[i+1:]
	}
}

// killSwitch reports a request for a kill switch (by its host, or the SNI
// of a CONNECT) and says whether it was one: the caller then passes it on
// without asking the policy chain. port is the destination port (destPort),
// carried by the report as by the proxy's blocks.
func (s *Server) killSwitch(ci *connInfo, host, sni string, port int, u *url.URL) bool {
	ks := s.kill.match(host)
	if ks == "" && sni != "" {
		ks = s.kill.match(sni)
	}
	if ks == "" {
		return false
	}
	rawURL := ""
	if u != nil {
		rawURL = u.String()
	}
	s.record(&gateway.Block{Kind: gateway.KindInfected, Client: ci.client, Host: host, Port: port, SNI: sni, URL: rawURL, Ref: gateway.NewRef(),
		Action: gateway.ActionResolve, Hit: gateway.Hit{Type: intel.TypeDomain, Value: ks, Category: intel.CategoryMalware, Source: "kill-switch"}})
	return true
}

// killSwitchAlive answers a kill switch whose origin could not be reached.
func killSwitchAlive(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte("honeygate: this is a malware kill-switch domain, answered by the gateway so that the worm stops.\n"))
}

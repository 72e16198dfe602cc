package proxy

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/honeygate/honeygate/internal/gateway"
)

// connectPortAllowed reports whether CONNECT may open a tunnel to port:
// one of Options.ConnectPorts (gateway.connect_ports), or any port when
// the Server was built without a list (library use and unit tests; the
// application always passes the validated config, default 443).
func (s *Server) connectPortAllowed(port int) bool {
	return s.opt.ConnectPorts == nil || slices.Contains(s.opt.ConnectPorts, port)
}

// refusePort answers a CONNECT to a port outside connect_ports, as Squid's
// "http_access deny CONNECT !SSL_ports" does: 403 with a page saying why
// and what to ask for. It is policy, not intel: no block event (the
// daily block counts are malware blocks), its own metric reason.
func (s *Server) refusePort(w http.ResponseWriter, ci *connInfo, host string, port int) {
	s.opt.Metrics.Observe(gateway.EnforcerProxy, gateway.Decision{Verdict: gateway.Refused, Reason: gateway.ReasonConnectPort})
	s.log.Debug("proxy: CONNECT to a port outside connect_ports refused", "client", ci.client, "host", host, "port", port)
	ports := make([]string, len(s.opt.ConnectPorts))
	for i, p := range s.opt.ConnectPorts {
		ports[i] = strconv.Itoa(p)
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("X-Honeygate-Reason", gateway.ReasonConnectPort)
	w.WriteHeader(http.StatusForbidden)
	fmt.Fprintf(w, "honeygate: CONNECT to port %d refused\n\n"+
		"This gateway opens encrypted tunnels (CONNECT) only to ports %s, as\n"+
		"HTTPS uses; a tunnel to any other port could carry mail, remote logins\n"+
		"or anything else past the gateway unseen. Nothing about %s was judged\n"+
		"malicious. If this port is needed, ask the gateway's administrator to\n"+
		"add it to gateway.connect_ports.\n", port, strings.Join(ports, ", "), host)
}

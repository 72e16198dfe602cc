package config

// NoUpstreams is the warning for a DNS filter with nothing to forward to.
const NoUpstreams = "gateway.upstreams is empty but the dns listener is on: every name that is not blocked is answered SERVFAIL; " +
	"name the resolvers to forward to, e.g. gateway: {upstreams: [\"192.0.2.53:53\"]}"

// Warnings lists settings that are valid but almost certainly not what the
// operator meant; validate prints them, and the part they concern logs
// its own at start. Unlike Validate's errors, none stops a start.
func (c Config) Warnings() []string {
	var w []string
	if len(c.Addrs("dns")) > 0 && len(c.Gateway.Upstreams) == 0 {
		w = append(w, NoUpstreams)
	}
	return w
}

package intel

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// ExportOptions labels an export.
type ExportOptions struct {
	Now  time.Time // expired indicators are left out; default time.Now
	Zone string    // rpz: the zone's origin; default "rpz.honeygate."
	SID  int       // suricata: the first rule id; default 9100000
}

// Export writes the indicators that format f can express so a resolver,
// Squid, Suricata or a TAXII consumer enforces the same list:
//   - hosts: "0.0.0.0 name" and ":: name" for domains and hosts (a hosts
//     file cannot say "and subdomains": a domain sinks only its own name);
//   - rpz: a response policy zone answering NXDOMAIN for domains (with their
//     subdomains), hosts and addresses (rpz-ip);
//   - squid: a dstdomain ACL file (".name" for a domain and its subdomains);
//   - dnsmasq: "address=/name/" (NXDOMAIN for the name and its subdomains);
//   - suricata: alert rules on DNS queries, TLS SNI, HTTP host and URI, and
//     IP addresses;
//   - stix: a STIX 2.1 bundle of indicators (every type; allow entries are
//     labelled benign);
//   - csv: every field, what import --format csv reads back.
//
// Allow entries win in every format, as they do in the matcher: stix and
// csv carry them labelled; rpz answers them rpz-passthru (placed so they
// win, see exportRPZ), dnsmasq forwards them to the normal upstreams
// (server=/name/#), squid denies the block ACL only for names outside the
// allow ACL; hosts and suricata, which cannot say "except", leave out the
// blocked names an allow entry covers.
func Export(w io.Writer, f Format, inds []Indicator, opt ExportOptions) error {
	if opt.Now.IsZero() {
		opt.Now = time.Now().UTC()
	}
	live := make([]Indicator, 0, len(inds))
	var allow []Indicator
	for _, ind := range inds {
		if ind.Expired(opt.Now) {
			continue
		}
		if ind.Allow() && f != FormatSTIX && f != FormatCSV {
			allow = append(allow, ind)
			continue
		}
		live = append(live, ind)
	}
	if f != FormatSTIX && f != FormatCSV {
		// A hosts file names exact names only: one allowed exactly is
		// left out even when it is also blocked as a domain.
		live = newAllowSet(allow).drop(live, f == FormatHosts)
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	var err error
	switch f {
	case FormatHosts:
		err = exportHosts(bw, live, opt)
	case FormatRPZ:
		err = exportRPZ(bw, live, allow, opt)
	case FormatSquid:
		err = exportSquid(bw, live, allow, opt)
	case FormatDnsmasq:
		err = exportDnsmasq(bw, live, allow, opt)
	case FormatSuricata:
		err = exportSuricata(bw, live, opt)
	case FormatSTIX:
		err = exportSTIX(bw, live, opt)
	case FormatCSV:
		err = exportCSV(bw, live)
	default:
		return fmt.Errorf("intel: export format %q unknown (want one of %v)", f, ExportFormats)
	}
	if err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("intel: export: %w", err)
	}
	return nil
}

func isName(t Type) bool { return t == TypeDomain || t == TypeHost }

func header(w io.Writer, comment string, opt ExportOptions, n int) {
	fmt.Fprintf(w, "%s honeygate intel export, %s, %d entries\n", comment, opt.Now.Format(time.RFC3339), n)
}

// exportHosts sinks each name for both families: a resolver that reads hosts
// files (dnsmasq's --addn-hosts) answers only the family a line gives and
// forwards the other, so with 0.0.0.0 alone an IPv6 client would get the
// real AAAA past the block.
func exportHosts(w *bufio.Writer, inds []Indicator, opt ExportOptions) error {
	header(w, "#", opt, countNames(inds))
	for _, ind := range inds {
		if isName(ind.Type) {
			fmt.Fprintf(w, "0.0.0.0 %s\n:: %s\n", ind.Value, ind.Value)
		}
	}
	return nil
}

func countNames(inds []Indicator) int {
	n := 0
	for _, ind := range inds {
		if isName(ind.Type) {
			n++
		}
	}
	return n
}

// exportRPZ writes a response policy zone. Allow entries become
// rpz-passthru records, which win over the blocks by BIND's (and Unbound's)
// rules for one zone: a QNAME trigger beats an IP trigger; among QNAME
// triggers an exact owner name beats a wildcard, and a longer wildcard
// (*.good.evil.example) beats a shorter one (*.evil.example); among IP
// triggers the longest prefix wins. A name both allowed exactly (a host)
// and blocked as a domain keeps only the wildcard block, so its
// subdomains stay blocked.
//
// A record the resolvers would refuse is left out and counted in a closing
// comment, because both BIND and Unbound refuse the whole zone for one bad
// owner name (and then enforce nothing): an owner longer than DNS's 255
// octets once the origin is appended (a valid 240-character domain is,
// as *.name.rpz.honeygate.). A name whose last label is an RPZ trigger
// keyword (rpz-ip, rpz-nsdname, ...) is left out too: no such top-level
// domain exists, and the resolver would read the record as an address or
// name-server trigger instead, blocking (or passing) whatever it spells.
func exportRPZ(w *bufio.Writer, inds, allow []Indicator, opt ExportOptions) error {
	zone := opt.Zone
	if zone == "" {
		zone = "rpz.honeygate."
	}
	if !strings.HasSuffix(zone, ".") {
		zone += "."
	}
	fmt.Fprintf(w, "; honeygate intel export, %s\n$ORIGIN %s\n$TTL 60\n@ IN SOA localhost. hostmaster.localhost. %d 3600 600 86400 60\n@ IN NS localhost.\n",
		opt.Now.Format(time.RFC3339), zone, opt.Now.Unix())
	left := 0
	rec := func(owner, action string) {
		// wire length: each label's length octet and bytes, and the root
		if len(owner)+1+len(zone)+1 > 255 {
			left++
			return
		}
		fmt.Fprintf(w, "%s CNAME %s\n", owner, action)
	}
	name := func(ind Indicator) bool {
		if rpzTriggers[ind.Value[strings.LastIndexByte(ind.Value, '.')+1:]] {
			left++
			return false
		}
		return true
	}
	exact := map[string]bool{}
	for _, a := range allow {
		if isName(a.Type) {
			exact[a.Value] = true
		}
	}
	for _, ind := range inds {
		switch ind.Type {
		case TypeDomain:
			if !name(ind) {
				continue
			}
			if !exact[ind.Value] {
				rec(ind.Value, ".")
			}
			rec("*."+ind.Value, ".")
		case TypeHost:
			if name(ind) {
				rec(ind.Value, ".")
			}
		case TypeIP, TypeCIDR:
			if p, ok := parsePrefix(ind.Value); ok {
				rec(rpzIP(p)+".rpz-ip", ".")
			}
		}
	}
	if len(allow) > 0 {
		fmt.Fprintln(w, "; allowlist: never blocked (more specific than any block above)")
	}
	for _, a := range allow {
		switch a.Type {
		case TypeDomain:
			if name(a) {
				rec(a.Value, "rpz-passthru.")
				rec("*."+a.Value, "rpz-passthru.")
			}
		case TypeHost:
			if name(a) {
				rec(a.Value, "rpz-passthru.")
			}
		case TypeIP, TypeCIDR:
			if p, ok := parsePrefix(a.Value); ok {
				rec(rpzIP(p)+".rpz-ip", "rpz-passthru.")
			}
		}
	}
	if left > 0 {
		fmt.Fprintf(w, "; %d entries left out: an owner name longer than 255 octets under %s, or a name ending in an RPZ trigger label\n", left, zone)
	}
	return nil
}

// rpzTriggers are the labels that, last before the origin, make an owner
// name an address, name-server or client trigger rather than a QNAME one.
var rpzTriggers = map[string]bool{"rpz-ip": true, "rpz-nsip": true, "rpz-nsdname": true, "rpz-client-ip": true}

// rpzIP writes a prefix as RPZ wants it: the prefix length, then the address
// reversed (IPv4 by octet, IPv6 by 16-bit group with "zz" for the longest
// run of zeros).
func rpzIP(p netip.Prefix) string {
	a := p.Addr()
	var parts []string
	if a.Is4() {
		b := a.As4()
		for i := 3; i >= 0; i-- {
			parts = append(parts, strconv.Itoa(int(b[i])))
		}
	} else {
		s := a.String() // "::" already marks the zero run
		groups := strings.Split(s, ":")
		for i := len(groups) - 1; i >= 0; i-- {
			g := groups[i]
			if g == "" {
				if len(parts) > 0 && parts[len(parts)-1] == "zz" {
					continue
				}
				g = "zz"
			}
			parts = append(parts, g)
		}
	}
	return strconv.Itoa(p.Bits()) + "." + strings.Join(parts, ".")
}

// exportSquid writes a squid.conf fragment to include before the
// configuration's own "http_access allow" lines: the block ACL, the allow
// ACL, and one rule denying what is blocked unless it is allowed. The
// allowlist is an exception to the deny, not an "http_access allow" of its
// own, which would let any client reach allowlisted sites past the
// configuration's other rules (its client networks among them).
func exportSquid(w *bufio.Writer, inds, allow []Indicator, opt ExportOptions) error {
	header(w, "#", opt, countNames(inds))
	fmt.Fprintln(w, "# include this file in squid.conf above your own http_access lines")
	squidACL(w, "honeygate_allow", allow)
	nBlock := squidACL(w, "honeygate_block", inds)
	switch {
	case nBlock == 0:
	case countNames(allow) == 0:
		fmt.Fprintln(w, "http_access deny honeygate_block")
	default:
		fmt.Fprintln(w, "http_access deny honeygate_block !honeygate_allow")
	}
	return nil
}

// squidACL writes the names of inds as dstdomain ACL name (".name" for a
// domain and its subdomains) and returns how many. A name under another
// listed domain is left out: Squid warns about (and drops) it anyway.
func squidACL(w *bufio.Writer, name string, inds []Indicator) int {
	doms := map[string]bool{}
	for _, ind := range inds {
		if ind.Type == TypeDomain {
			doms[ind.Value] = true
		}
	}
	n := 0
	for _, ind := range inds {
		if !isName(ind.Type) || underAny(doms, ind.Value, ind.Type == TypeHost) {
			continue
		}
		v := ind.Value
		if ind.Type == TypeDomain {
			v = "." + v
		}
		fmt.Fprintf(w, "acl %s dstdomain %s\n", name, v)
		n++
	}
	return n
}

// exportDnsmasq writes address=/name/ (NXDOMAIN for the name and its
// subdomains) for blocked names and server=/name/# for allowed ones:
// dnsmasq takes the longest matching domain, so an allowed subdomain of a
// blocked domain goes to the normal upstreams. dnsmasq has no exact-name
// form, so an allowed host is allowed with its subdomains.
func exportDnsmasq(w *bufio.Writer, inds, allow []Indicator, opt ExportOptions) error {
	header(w, "#", opt, countNames(inds))
	for _, ind := range inds {
		if isName(ind.Type) {
			fmt.Fprintf(w, "address=/%s/\n", ind.Value)
		}
	}
	for _, a := range allow {
		if isName(a.Type) {
			fmt.Fprintf(w, "server=/%s/#\n", a.Value)
		}
	}
	return nil
}

// suricataContent escapes a content string: '"', ';', '\' and bytes outside
// printable ASCII as |hex|.
func suricataContent(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '"' || c == ';' || c == '\\' || c == '|' || c < 0x20 || c >= 0x7f {
			fmt.Fprintf(&b, "|%02X|", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

func exportSuricata(w *bufio.Writer, inds []Indicator, opt ExportOptions) error {
	header(w, "#", opt, len(inds))
	sid := opt.SID
	if sid <= 0 {
		sid = 9100000
	}
	msg := func(ind Indicator) string {
		return suricataContent(fmt.Sprintf("honeygate intel %s %s %s", ind.Category, ind.Type, ind.Value))
	}
	rule := func(format string, args ...any) {
		fmt.Fprintf(w, format, args...)
		fmt.Fprintf(w, " sid:%d; rev:1;)\n", sid)
		sid++
	}
	for _, ind := range inds {
		switch ind.Type {
		case TypeDomain, TypeHost:
			v := suricataContent(ind.Value)
			match := "bsize:" + strconv.Itoa(len(ind.Value)) + ";"
			if ind.Type == TypeDomain {
				// the name itself or any name ending in ".name"
				match = "pcre:\"/(^|\\.)" + pcreQuote(ind.Value) + "$/i\";"
			}
			rule(`alert dns any any -> any any (msg:"%s"; dns.query; content:"%s"; nocase; endswith; %s`, msg(ind), v, match)
			rule(`alert tls any any -> any any (msg:"%s"; tls.sni; content:"%s"; nocase; endswith; %s`, msg(ind), v, match)
			rule(`alert http any any -> any any (msg:"%s"; http.host; content:"%s"; nocase; endswith; %s`, msg(ind), v, match)
		case TypeURL, TypeURLPrefix:
			host, path, _ := strings.Cut(ind.Value, "/")
			path = "/" + path
			uri := `content:"` + suricataContent(path) + `"; startswith;`
			if ind.Type == TypeURL {
				uri += " bsize:" + strconv.Itoa(len(path)) + ";"
			}
			rule(`alert http any any -> any any (msg:"%s"; http.host; content:"%s"; nocase; endswith; http.uri; %s`, msg(ind), suricataContent(host), uri)
		case TypeIP, TypeCIDR:
			rule(`alert ip any any -> [%s] any (msg:"%s";`, ind.Value, msg(ind))
		}
	}
	return nil
}

func pcreQuote(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if strings.IndexByte(`\^$.|?*+()[]{}/"`, c) >= 0 {
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	return b.String()
}

// stixNamespace makes indicator ids deterministic: the same indicator
// exported twice keeps its id, so a TAXII consumer updates rather than
// duplicates.
var stixNamespace = uuid.MustParse("6f1d3c2a-2b4e-4d7c-9a51-0c1e6b7f9a10")

type stixOut struct {
	Type           string   `json:"type"`
	SpecVersion    string   `json:"spec_version"`
	ID             string   `json:"id"`
	Created        string   `json:"created"`
	Modified       string   `json:"modified"`
	Name           string   `json:"name,omitempty"`
	IndicatorTypes []string `json:"indicator_types"`
	Labels         []string `json:"labels,omitempty"`
	Pattern        string   `json:"pattern"`
	PatternType    string   `json:"pattern_type"`
	ValidFrom      string   `json:"valid_from"`
	ValidUntil     string   `json:"valid_until,omitempty"`
}

func stixQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// stixPattern writes the pattern for one indicator. url and url-prefix carry
// the canonical URL (with http://); a url-prefix becomes a url too, as STIX
// has no prefix match, with the label "url-prefix" so our import restores
// the type.
func stixPattern(ind Indicator) string {
	switch ind.Type {
	case TypeDomain, TypeHost:
		return "[domain-name:value = " + stixQuote(ind.Value) + "]"
	case TypeURL, TypeURLPrefix:
		return "[url:value = " + stixQuote("http://"+ind.Value) + "]"
	case TypeIP, TypeCIDR:
		if strings.Contains(ind.Value, ":") {
			return "[ipv6-addr:value = " + stixQuote(ind.Value) + "]"
		}
		return "[ipv4-addr:value = " + stixQuote(ind.Value) + "]"
	case TypeSHA256:
		return "[file:hashes.'SHA-256' = " + stixQuote(ind.Value) + "]"
	}
	return ""
}

func exportSTIX(w *bufio.Writer, inds []Indicator, opt ExportOptions) error {
	stamp := func(t time.Time) string {
		if t.IsZero() {
			t = opt.Now
		}
		return t.UTC().Format("2006-01-02T15:04:05.000Z")
	}
	now := stamp(opt.Now)
	bundleID := uuid.NewSHA1(stixNamespace, []byte(now)).String()
	if len(inds) == 0 {
		// STIX 2.1 prohibits an empty list (2.7), and the stix2 library a
		// TAXII consumer parses with refuses one: "objects" is left out.
		fmt.Fprintf(w, "{\"type\":\"bundle\",\"id\":\"bundle--%s\"}\n", bundleID)
		return nil
	}
	fmt.Fprintf(w, "{\"type\":\"bundle\",\"id\":\"bundle--%s\",\"objects\":[", bundleID)
	for i, ind := range inds {
		types := []string{"malicious-activity"}
		if ind.Allow() {
			types = []string{"benign"}
		}
		labels := []string{ind.Category, "source:" + ind.Source}
		if ind.Type == TypeHost || ind.Type == TypeURLPrefix {
			labels = append(labels, "type:"+string(ind.Type))
		}
		o := stixOut{
			Type: "indicator", SpecVersion: "2.1",
			ID:      "indicator--" + uuid.NewSHA1(stixNamespace, []byte(string(ind.Type)+"\x00"+ind.Value)).String(),
			Created: stamp(ind.FirstSeen), Modified: stamp(ind.LastSeen),
			Name:           string(ind.Type) + " " + ind.Value,
			IndicatorTypes: types, Labels: labels,
			Pattern: stixPattern(ind), PatternType: "stix",
			ValidFrom: stamp(ind.FirstSeen),
		}
		if !ind.Expires.IsZero() {
			o.ValidUntil = stamp(ind.Expires)
		}
		b, err := json.Marshal(o)
		if err != nil {
			return fmt.Errorf("intel: export stix: %w", err)
		}
		if i > 0 {
			w.WriteByte(',')
		}
		w.WriteString("\n")
		w.Write(b)
	}
	w.WriteString("\n]}\n")
	return nil
}

func exportCSV(w *bufio.Writer, inds []Indicator) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvColumns); err != nil {
		return fmt.Errorf("intel: export csv: %w", err)
	}
	ts := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	for _, ind := range inds {
		rec := []string{strconv.FormatInt(ind.ID, 10), string(ind.Type), ind.Value, ind.Category, ind.Source,
			ts(ind.FirstSeen), ts(ind.LastSeen), ts(ind.Expires), strings.Join(ind.Refs, " ")}
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("intel: export csv: %w", err)
		}
	}
	cw.Flush()
	return cw.Error()
}

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
//   - hosts: "0.0.0.0 name" for domains and hosts (a hosts file cannot say
//     "and subdomains");
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
// Allow entries are left out of every format but stix and csv, which carry
// them labelled.
func Export(w io.Writer, f Format, inds []Indicator, opt ExportOptions) error {
	if opt.Now.IsZero() {
		opt.Now = time.Now().UTC()
	}
	live := make([]Indicator, 0, len(inds))
	for _, ind := range inds {
		if ind.Expired(opt.Now) {
			continue
		}
		if ind.Allow() && f != FormatSTIX && f != FormatCSV {
			continue
		}
		live = append(live, ind)
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	var err error
	switch f {
	case FormatHosts:
		err = exportHosts(bw, live, opt)
	case FormatRPZ:
		err = exportRPZ(bw, live, opt)
	case FormatSquid:
		err = exportSquid(bw, live, opt)
	case FormatDnsmasq:
		err = exportDnsmasq(bw, live, opt)
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

func exportHosts(w *bufio.Writer, inds []Indicator, opt ExportOptions) error {
	header(w, "#", opt, countNames(inds))
	for _, ind := range inds {
		if isName(ind.Type) {
			fmt.Fprintf(w, "0.0.0.0 %s\n", ind.Value)
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

func exportRPZ(w *bufio.Writer, inds []Indicator, opt ExportOptions) error {
	zone := opt.Zone
	if zone == "" {
		zone = "rpz.honeygate."
	}
	if !strings.HasSuffix(zone, ".") {
		zone += "."
	}
	fmt.Fprintf(w, "; honeygate intel export, %s\n$ORIGIN %s\n$TTL 60\n@ IN SOA localhost. hostmaster.localhost. %d 3600 600 86400 60\n@ IN NS localhost.\n",
		opt.Now.Format(time.RFC3339), zone, opt.Now.Unix())
	for _, ind := range inds {
		switch ind.Type {
		case TypeDomain:
			fmt.Fprintf(w, "%s CNAME .\n*.%s CNAME .\n", ind.Value, ind.Value)
		case TypeHost:
			fmt.Fprintf(w, "%s CNAME .\n", ind.Value)
		case TypeIP, TypeCIDR:
			if p, ok := parsePrefix(ind.Value); ok {
				fmt.Fprintf(w, "%s.rpz-ip CNAME .\n", rpzIP(p))
			}
		}
	}
	return nil
}

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

func exportSquid(w *bufio.Writer, inds []Indicator, opt ExportOptions) error {
	header(w, "#", opt, countNames(inds))
	fmt.Fprintln(w, "# acl honeygate_block dstdomain \"/path/to/this/file\"")
	for _, ind := range inds {
		switch ind.Type {
		case TypeDomain:
			fmt.Fprintf(w, ".%s\n", ind.Value)
		case TypeHost:
			fmt.Fprintf(w, "%s\n", ind.Value)
		}
	}
	return nil
}

func exportDnsmasq(w *bufio.Writer, inds []Indicator, opt ExportOptions) error {
	header(w, "#", opt, countNames(inds))
	for _, ind := range inds {
		if isName(ind.Type) {
			fmt.Fprintf(w, "address=/%s/\n", ind.Value)
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

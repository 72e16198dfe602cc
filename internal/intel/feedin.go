package intel

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// Format names a feed format, for import and export.
type Format string

// Feed formats. Import takes domains, hosts, urlhaus, phishtank, adblock, stix
// and csv; export writes hosts, rpz, squid, dnsmasq, suricata, stix and csv.
const (
	FormatDomains   Format = "domains"   // one domain a line, '#' comments
	FormatHosts     Format = "hosts"     // /etc/hosts style: "0.0.0.0 name [name...]"
	FormatURLhaus   Format = "urlhaus"   // URLhaus CSV (id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter)
	FormatPhishTank Format = "phishtank" // PhishTank CSV (phish_id,url,phish_detail_url,submission_time,...)
	FormatAdblock   Format = "adblock"   // AdBlock-style ||domain^ and @@||domain^ rules
	FormatSTIX      Format = "stix"      // a STIX 2.1 bundle of indicators
	FormatCSV       Format = "csv"       // honeygate's own CSV (what export --format csv writes)
	FormatRPZ       Format = "rpz"       // export only: a DNS response policy zone
	FormatSquid     Format = "squid"     // export only: a Squid dstdomain ACL file
	FormatDnsmasq   Format = "dnsmasq"   // export only: dnsmasq address=/name/ lines
	FormatSuricata  Format = "suricata"  // export only: Suricata rules
)

// ImportFormats and ExportFormats list what Parse and Export accept.
var (
	ImportFormats = []Format{FormatDomains, FormatHosts, FormatURLhaus, FormatPhishTank, FormatAdblock, FormatSTIX, FormatCSV}
	ExportFormats = []Format{FormatHosts, FormatRPZ, FormatSquid, FormatDnsmasq, FormatSuricata, FormatSTIX, FormatCSV}
)

// ParseOptions says how to label what a feed yields and how much to read.
type ParseOptions struct {
	Source   string        // the feed's name; default "feed:<format>"
	Category string        // for formats that carry none; default per format
	Now      time.Time     // first/last seen for entries that carry no date; default time.Now
	TTL      time.Duration // if > 0, entries expire this long after Now
	MaxBytes int64         // default 256 MiB; a larger feed is an error
	// MaxIndicators bounds what one feed may yield (default 5,000,000, a
	// few GB held at once): a feed of one short line repeated yields an
	// indicator per six bytes, and the byte bound alone let 256 MiB of it
	// take 24 GB. A feed over it is an error (ErrTooMany).
	MaxIndicators int
	// Limits refuse over-broad entries (counted as bad lines); the zero
	// value is the defaults. Expiries are checked against Now.
	Limits Limits
}

// LineError is one rejected line (or, for STIX, one rejected object, at the
// line it starts on).
type LineError struct {
	Line int    `json:"line"`
	Text string `json:"text"` // the line, cut to 120 bytes
	Err  string `json:"error"`
}

// ParseResult is what a feed yielded: the good indicators (normalized), and
// the bad lines. Errors keeps the first maxLineErrors; Bad counts them all.
// Good counts indicators, Lines the good lines they came from: a hosts
// line may name several hosts.
type ParseResult struct {
	Indicators []Indicator `json:"-"`
	Good       int         `json:"good"`
	Lines      int         `json:"lines"` // good lines that yielded indicators; 0 for STIX, which has none
	Bad        int         `json:"bad"`
	Errors     []LineError `json:"errors,omitempty"`
}

const (
	maxLineErrors   = 100
	maxLineLen      = 64 << 10
	defaultMaxBytes = 256 << 20
	// defaultMaxIndicators: at a few hundred bytes each while a feed is
	// parsed and stored, 5 M is a few GB; URLhaus's full dump is under 4 M.
	defaultMaxIndicators = 5_000_000
)

// ErrTooLarge is returned when a feed exceeds ParseOptions.MaxBytes.
var ErrTooLarge = errors.New("intel: feed larger than the limit")

// ErrTooMany is returned when a feed yields more than
// ParseOptions.MaxIndicators.
var ErrTooMany = errors.New("intel: feed yields more indicators than the limit")

// ErrHTML is returned for a feed that is an HTML page.
var ErrHTML = errors.New("intel: the feed is an HTML page")

// isHTML reports whether a feed starts (after a byte order mark and blank
// space) with an HTML document's first tag, which no feed format does.
func isHTML(br *bufio.Reader) bool {
	head, _ := br.Peek(512)
	head = bytes.TrimPrefix(head, []byte("\uFEFF"))
	head = bytes.TrimLeft(head, " \t\r\n")
	for _, tag := range []string{"<!doctype html", "<html"} {
		if len(head) >= len(tag) && bytes.EqualFold(head[:len(tag)], []byte(tag)) {
			return true
		}
	}
	return false
}

func (r *ParseResult) bad(line int, text string, err error) {
	r.Bad++
	if len(r.Errors) < maxLineErrors {
		if len(text) > 120 {
			text = text[:120]
		}
		r.Errors = append(r.Errors, LineError{Line: line, Text: strings.ToValidUTF8(text, "\uFFFD"), Err: err.Error()})
	}
}

func (r *ParseResult) add(ind Indicator, now time.Time, lim Limits) error {
	n, err := NormalizeAt(ind, now, lim)
	if err != nil {
		return err
	}
	r.Indicators = append(r.Indicators, n)
	r.Good++
	return nil
}

// Parse reads a feed. Bad lines are counted and reported with their numbers
// and the good ones load; the error is for the whole feed (unknown format,
// I/O, over MaxBytes, a STIX document that is not JSON).
func Parse(r io.Reader, f Format, opt ParseOptions) (*ParseResult, error) {
	if opt.Source == "" {
		opt.Source = "feed:" + string(f)
	}
	if opt.Now.IsZero() {
		opt.Now = time.Now().UTC()
	}
	if opt.MaxBytes <= 0 {
		opt.MaxBytes = defaultMaxBytes
	}
	if opt.MaxIndicators <= 0 {
		opt.MaxIndicators = defaultMaxIndicators
	}
	r, err := expand(r, opt.MaxBytes)
	if err != nil {
		return &ParseResult{}, err
	}
	br := bufio.NewReader(r)
	if isHTML(br) {
		// A feed server's error, maintenance, login or CDN challenge page
		// comes with a 200 as often as not; a line of it may parse (a
		// URL), and a refresh would replace the feed's set with that.
		return &ParseResult{}, fmt.Errorf("%w, not a %s list (an error, login or challenge page?)", ErrHTML, f)
	}
	lr := &limitReader{r: br, n: opt.MaxBytes}
	p := &parser{opt: opt, res: &ParseResult{}}
	switch f {
	case FormatDomains:
		err = p.lines(lr, p.domainLine)
	case FormatHosts:
		err = p.lines(lr, p.hostsLine)
	case FormatAdblock:
		err = p.lines(lr, p.adblockLine)
		p.adblockEnd()
	case FormatURLhaus:
		err = p.lines(lr, p.urlhausLine)
	case FormatPhishTank:
		err = p.lines(lr, p.phishtankLine)
	case FormatCSV:
		err = p.lines(lr, p.csvLine)
	case FormatSTIX:
		err = p.stix(lr)
	default:
		return nil, fmt.Errorf("intel: import format %q unknown (want one of %v)", f, ImportFormats)
	}
	if lr.over {
		return p.res, ErrTooLarge
	}
	if p.tooMany {
		return p.res, fmt.Errorf("%w (%d)", ErrTooMany, opt.MaxIndicators)
	}
	return p.res, err
}

type limitReader struct {
	r    io.Reader
	n    int64
	over bool
}

func (l *limitReader) Read(b []byte) (int, error) {
	if l.n <= 0 {
		l.over = true
		return 0, ErrTooLarge
	}
	if int64(len(b)) > l.n {
		b = b[:l.n]
	}
	n, err := l.r.Read(b)
	l.n -= int64(n)
	return n, err
}

type parser struct {
	opt    ParseOptions
	res    *ParseResult
	header []string // csv column names, when the feed has a header line
	// adblock: each indicator's rule (its text with its modifiers sorted,
	// by index in res.Indicators), and the rules $badfilter withdrew.
	rules      []string
	badfilters map[string]bool
	tooMany    bool // past opt.MaxIndicators: the rest is skipped
}

// add normalizes ind with the feed's limits as of its Now.
func (p *parser) add(ind Indicator) error {
	if p.res.Good >= p.opt.MaxIndicators {
		p.tooMany = true
		return nil
	}
	return p.res.add(ind, p.opt.Now, p.opt.Limits)
}

func (p *parser) base(t Type, value, cat string) Indicator {
	if p.opt.Category != "" {
		cat = p.opt.Category
	}
	ind := Indicator{Type: t, Value: value, Category: cat, Source: p.opt.Source, FirstSeen: p.opt.Now, LastSeen: p.opt.Now}
	if p.opt.TTL > 0 {
		ind.Expires = p.opt.Now.Add(p.opt.TTL)
	}
	return ind
}

// lines feeds each line (without its end) to fn; a line longer than
// maxLineLen is a bad line and is skipped whole.
func (p *parser) lines(r io.Reader, fn func(line string) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	n := 0
	for {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			n++
			p.res.bad(n, string(line), fmt.Errorf("line longer than %d bytes", maxLineLen))
			for errors.Is(err, bufio.ErrBufferFull) {
				_, err = br.ReadSlice('\n')
			}
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			continue
		}
		if p.tooMany {
			return nil
		}
		if len(line) > 0 {
			n++
			s := string(bytes.TrimRight(line, "\r\n"))
			if n == 1 {
				s = strings.TrimPrefix(s, "\uFEFF")
			}
			before := p.res.Good
			if ferr := fn(s); ferr != nil {
				p.res.bad(n, s, ferr)
			} else if p.res.Good > before {
				p.res.Lines++
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("intel: reading feed: %w", err)
		}
	}
}

// stripComment drops a '#' comment and surrounding space.
func stripComment(s string) string {
	if i := strings.IndexByte(s, '#'); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSpace(s)
}

func (p *parser) domainLine(s string) error {
	s = stripComment(s)
	if s == "" {
		return nil
	}
	if strings.ContainsAny(s, " \t") {
		return errors.New("more than one field (a hosts file? use --format hosts)")
	}
	return p.add(p.base(TypeDomain, s, CategoryMalware))
}

// hostsNames are the names a hosts file maps for the machine itself.
var hostsNames = map[string]bool{
	"localhost": true, "localhost.localdomain": true, "local": true, "broadcasthost": true,
	"ip6-localhost": true, "ip6-loopback": true, "ip6-localnet": true, "ip6-mcastprefix": true,
	"ip6-allnodes": true, "ip6-allrouters": true, "ip6-allhosts": true, "0.0.0.0": true,
	// Red Hat's and Fedora's /etc/hosts, which lists copy.
	"localhost4": true, "localhost4.localdomain4": true, "localhost6": true, "localhost6.localdomain6": true,
}

func (p *parser) hostsLine(s string) error {
	s = stripComment(s)
	if s == "" {
		return nil
	}
	f := strings.Fields(s)
	if len(f) < 2 {
		return errors.New("want an address and a name")
	}
	if _, err := CanonicalValue(TypeIP, f[0]); err != nil {
		return fmt.Errorf("first field %q is not an address", f[0])
	}
	var errs []string
	for _, name := range f[1:] {
		if hostsNames[strings.TrimRight(strings.ToLower(name), ".")] { // "localhost." is localhost
			continue
		}
		if strings.HasPrefix(name, "*") {
			// No resolver reads a wildcard from a hosts file; loaded as
			// the exact host after "*." it would block the one name the
			// list did not mean and none of those it did.
			errs = append(errs, fmt.Sprintf("%q: a wildcard cannot be in a hosts file (list it as ||name^ with --format adblock, or as a domain)", name))
			continue
		}
		if err := p.add(p.base(TypeHost, name, CategoryMalware)); err != nil {
			errs = append(errs, err.Error())
		}
	}
	if errs != nil {
		return errors.New(strings.Join(errs, "; "))
	}
	return nil
}

// adblockLine takes the rules a DNS-level blocker can enforce: ||name^ (the
// name and its subdomains), @@||name^ (an exception: allowlisted) and
// ||name/path (a URL prefix). Cosmetic rules, regexes and bare substrings
// cannot be matched on a name and are reported.
//
// Modifiers: $important only orders rules and $all covers every request,
// so a rule with just those loads. $badfilter withdraws the rule it names
// (the same rule without it; see adblockEnd). Any other modifier narrows the
// rule to some pages, clients, record types or request kinds ($domain=,
// $third-party, $client=, $denyallow=, $dnstype=, $script, ...) or turns it
// into something other than a block ($dnsrewrite=): enforced as a plain
// ||name^ it would block the whole site for every client
// (||google.com^$domain=evil.example blocks Google), so the line is
// reported instead, as AdGuard Home discards such rules for DNS.
func (p *parser) adblockLine(s string) error {
	s = strings.TrimSpace(s)
	if s != "" && isCosmetic(s) {
		return errCosmetic
	}
	if s == "" || s[0] == '!' || s[0] == '[' || s[0] == '#' {
		return nil
	}
	cat := CategoryMalware
	rule := s
	if strings.HasPrefix(s, "@@") {
		cat, s = CategoryAllow, s[2:]
	}
	if !strings.HasPrefix(s, "||") {
		return errors.New("unsupported rule (only ||name^, @@||name^ and ||name/path can be enforced)")
	}
	s = strings.TrimPrefix(s[2:], "*.") // ||*.name^ is ||name^
	badfilter := false
	if i := strings.IndexByte(s, '$'); i >= 0 {
		var opts []string
		for _, o := range strings.Split(s[i+1:], ",") {
			switch o = strings.ToLower(strings.TrimSpace(o)); o {
			case "":
				// "||name^$" or a stray comma: no modifier
			case "important", "all":
				opts = append(opts, o)
			case "badfilter":
				badfilter = true
			default:
				name, _, _ := strings.Cut(o, "=")
				return fmt.Errorf("unsupported rule (modifier $%s narrows or rewrites it; a host indicator would block the name for every client and request)", name)
			}
		}
		s = s[:i]
		slices.Sort(opts)
		rule = rule[:strings.IndexByte(rule, '$')] + "$" + strings.Join(opts, ",")
	} else {
		rule += "$"
	}
	s = strings.TrimSuffix(s, "|")
	s = strings.TrimSuffix(s, "^")
	if s == "" || strings.ContainsAny(s, "*^|") {
		return errors.New("unsupported rule (wildcards and separators inside a name)")
	}
	if badfilter {
		if p.badfilters == nil {
			p.badfilters = map[string]bool{}
		}
		p.badfilters[rule] = true
		return nil
	}
	ind := p.base(TypeDomain, s, cat)
	if cat == CategoryAllow {
		ind.Category = CategoryAllow // an exception stays one whatever --category says
	}
	if strings.IndexByte(s, '/') >= 0 {
		ind.Type = TypeURLPrefix
	}
	if err := p.add(ind); err != nil || p.tooMany {
		return err // p.rules stays one per indicator
	}
	p.rules = append(p.rules, rule)
	return nil
}

// adblockEnd drops the indicators of rules a $badfilter rule withdrew: the
// same rule text with the same other modifiers, wherever in the list it is.
func (p *parser) adblockEnd() {
	if len(p.badfilters) == 0 {
		return
	}
	kept := p.res.Indicators[:0]
	for i, ind := range p.res.Indicators {
		if p.badfilters[p.rules[i]] {
			p.res.Good-- // each rule line yields one indicator
			p.res.Lines--
			continue
		}
		kept = append(kept, ind)
	}
	p.res.Indicators = kept
}

var errCosmetic = errors.New("cosmetic rule: it hides page elements, nothing a gateway can block")

// isCosmetic says whether an adblock line is an element-hiding or scriptlet
// rule (##, #@#, #?#, #$#, #%#, with or without domains before it). A
// generic one starts with '#', like the comments some lists carry ("# ..."),
// so it was once skipped as one; the doc promises cosmetic rules are reported.
func isCosmetic(s string) bool {
	if strings.HasPrefix(s, "||") || strings.HasPrefix(s, "@@") {
		return false
	}
	for _, sep := range []string{"##", "#@#", "#?#", "#$#", "#%#", "#@?#", "#@$#", "#@%#"} {
		if s[0] == '#' && strings.HasPrefix(s, sep) || s[0] != '#' && strings.Contains(s, sep) {
			return true
		}
	}
	return false
}

// splitCSV parses one CSV record; feeds put one record a line.
func splitCSV(s string) ([]string, error) {
	r := csv.NewReader(strings.NewReader(s))
	r.FieldsPerRecord = -1
	rec, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("csv: %w", err)
	}
	return rec, nil
}

// feedTime reads the date formats feeds use; zero when there is none.
func feedTime(s string) time.Time {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

// urlhausLine reads URLhaus's CSV export
// (id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter)
// and its plain-text list, one URL a line: a line that starts with a
// scheme is a URL (a CSV line starts with its quoted id).
func (p *parser) urlhausLine(s string) error {
	s = strings.TrimSpace(s)
	if s == "" || strings.HasPrefix(s, "#") {
		return nil
	}
	if i := strings.Index(s, "://"); i > 0 && isScheme(s[:i]) {
		return p.add(p.base(TypeURL, s, CategoryMalwareDownload))
	}
	rec, err := splitCSV(s)
	if err != nil {
		return err
	}
	if len(rec) < 3 {
		return fmt.Errorf("want a URL, or a CSV line of at least 3 fields (id,dateadded,url), got %d", len(rec))
	}
	if rec[0] == "id" {
		return nil // a header without '#'
	}
	cat := CategoryMalwareDownload
	if len(rec) > 5 && rec[5] != "" && rec[5] != "malware_download" {
		cat = strings.ReplaceAll(strings.ToLower(rec[5]), "_", "-")
	}
	ind := p.base(TypeURL, rec[2], cat)
	if t := feedTime(rec[1]); !t.IsZero() {
		ind.FirstSeen = t
	}
	if len(rec) > 4 {
		if t := feedTime(rec[4]); !t.IsZero() {
			ind.LastSeen = t
		}
	}
	return p.add(ind)
}

// isScheme reports whether s is a URL scheme (RFC 3986: a letter, then
// letters, digits, '+', '-' or '.').
func isScheme(s string) bool {
	for i, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return s != ""
}

// phishtankLine reads PhishTank's CSV:
// phish_id,url,phish_detail_url,submission_time,verified,verification_time,online,target.
func (p *parser) phishtankLine(s string) error {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	rec, err := splitCSV(s)
	if err != nil {
		return err
	}
	if len(rec) < 2 {
		return fmt.Errorf("want at least 2 fields (phish_id,url), got %d", len(rec))
	}
	if rec[0] == "phish_id" {
		return nil
	}
	if len(rec) > 4 && strings.EqualFold(rec[4], "no") {
		return nil // unverified: not yet a phish
	}
	ind := p.base(TypeURL, rec[1], CategoryPhishing)
	if len(rec) > 3 {
		if t := feedTime(rec[3]); !t.IsZero() {
			ind.FirstSeen = t
		}
	}
	return p.add(ind)
}

// csvColumns is honeygate's own CSV layout (export --format csv).
var csvColumns = []string{"id", "type", "value", "category", "source", "first_seen", "last_seen", "expires", "refs"}

func (p *parser) csvLine(s string) error {
	if strings.TrimSpace(s) == "" || strings.HasPrefix(s, "#") {
		return nil
	}
	rec, err := splitCSV(s)
	if err != nil {
		return err
	}
	if p.header == nil && len(rec) > 0 && rec[0] == "id" {
		p.header = rec
		return nil
	}
	cols := p.header
	if cols == nil {
		cols = csvColumns
	}
	get := func(name string) string {
		for i, c := range cols {
			if c == name && i < len(rec) {
				return rec[i]
			}
		}
		return ""
	}
	if get("type") == "" || get("value") == "" {
		return errors.New("want type and value columns")
	}
	ind := Indicator{Type: Type(get("type")), Value: get("value"), Category: get("category"), Source: get("source"),
		FirstSeen: feedTime(get("first_seen")), LastSeen: feedTime(get("last_seen")), Expires: feedTime(get("expires"))}
	if p.opt.Category != "" {
		ind.Category = p.opt.Category
	}
	if ind.Source == "" {
		ind.Source = p.opt.Source
	}
	if ind.FirstSeen.IsZero() {
		ind.FirstSeen = p.opt.Now
	}
	if ind.LastSeen.IsZero() {
		ind.LastSeen = ind.FirstSeen
	}
	if refs := get("refs"); refs != "" {
		ind.Refs = strings.Split(refs, " ")
	}
	return p.add(ind)
}

package intel

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// stixIndicator is the part of a STIX 2.1 indicator object we read.
type stixIndicator struct {
	Type           string    `json:"type"`
	ID             string    `json:"id"`
	Pattern        string    `json:"pattern"`
	PatternType    string    `json:"pattern_type"`
	ValidFrom      time.Time `json:"valid_from"`
	ValidUntil     time.Time `json:"valid_until"`
	Modified       time.Time `json:"modified"`
	IndicatorTypes []string  `json:"indicator_types"`
	Labels         []string  `json:"labels"`
	Revoked        bool      `json:"revoked"`
}

// stix reads a bundle ({"type":"bundle","objects":[...]}), or a bare array of
// objects. Objects other than indicators are skipped; an indicator whose
// pattern we cannot enforce is reported at the line its object starts on.
//
// A bundle may hold several versions of one indicator (one id): only the
// latest "modified" is current (STIX 2.1, 3.6; the last one in the bundle
// on a tie), and a revoked one has been withdrawn by its producer (3.2), so
// neither an outdated version nor a revoked indicator is loaded, and
// neither is a bad line.
func (p *parser) stix(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("intel: reading STIX: %w", err)
	}
	// A byte order mark (a Windows tool's UTF-8) is not JSON; RFC 8259
	// lets a parser ignore it. Blanked in place, so offsets stay the file's.
	if bytes.HasPrefix(data, []byte("\uFEFF")) {
		copy(data, "   ")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return fmt.Errorf("intel: STIX: not JSON: %w", err)
	}
	if tok == json.Delim('{') {
		found, bundle := false, false
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return fmt.Errorf("intel: STIX: %w", err)
			}
			if k == "objects" {
				found = true
				break
			}
			var v json.RawMessage
			if err := dec.Decode(&v); err != nil {
				return fmt.Errorf("intel: STIX: %w", err)
			}
			if k == "type" {
				bundle = string(v) == `"bundle"`
			}
		}
		if !found {
			if bundle {
				// "objects" is optional, and left out when there are
				// none (STIX 2.1 prohibits an empty list).
				return nil
			}
			return errors.New("intel: STIX: a bundle without objects")
		}
		if tok, err = dec.Token(); err != nil {
			return fmt.Errorf("intel: STIX: %w", err)
		}
	}
	if tok != json.Delim('[') {
		return errors.New("intel: STIX: want a bundle or an array of objects")
	}
	type found struct {
		obj  stixIndicator
		line int
	}
	var inds []found
	latest := map[string]int{} // id -> index in inds of its current version
	// Lines are counted from the previous object on, not from the start
	// each time: a 256 MiB bundle of a million objects would otherwise
	// scan terabytes.
	var lastOff int64
	lastLine := 1
	for dec.More() {
		off := dec.InputOffset()
		lastLine += bytes.Count(data[lastOff:off], []byte{'\n'})
		lastOff = off
		line := lastLine
		// InputOffset is before the separator and whitespace; count the
		// newlines up to the object's brace instead.
		rest := data[off:]
		if i := bytes.IndexByte(rest, '{'); i >= 0 {
			line += bytes.Count(rest[:i], []byte{'\n'})
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return fmt.Errorf("intel: STIX: line %d: %w", line, err)
		}
		var obj stixIndicator
		if err := json.Unmarshal(raw, &obj); err != nil {
			p.res.bad(line, string(raw), fmt.Errorf("STIX object: %w", err))
			continue
		}
		if obj.Type != "indicator" {
			continue
		}
		if i, ok := latest[obj.ID]; ok && obj.ID != "" && obj.Modified.Before(inds[i].obj.Modified) {
			continue // an older version than one already read
		}
		latest[obj.ID] = len(inds)
		inds = append(inds, found{obj, line})
	}
	for i, f := range inds {
		if f.obj.ID != "" && latest[f.obj.ID] != i {
			continue // superseded by a later version
		}
		if f.obj.Revoked {
			continue
		}
		if err := p.stixIndicator(f.obj); err != nil {
			p.res.bad(f.line, f.obj.Pattern, err)
		}
	}
	return nil
}

func (p *parser) stixIndicator(obj stixIndicator) error {
	if obj.PatternType != "" && obj.PatternType != "stix" {
		return fmt.Errorf("pattern_type %q (only stix)", obj.PatternType)
	}
	terms, err := parseSTIXPattern(obj.Pattern)
	if err != nil {
		return err
	}
	cat := stixCategory(append(obj.IndicatorTypes, obj.Labels...))
	var errs []string
	for _, t := range terms {
		// Our own export labels what STIX cannot say: an exact host, a prefix.
		for _, l := range obj.Labels {
			switch {
			case l == "type:host" && t.typ == TypeDomain:
				t.typ = TypeHost
			case l == "type:url-prefix" && t.typ == TypeURL:
				t.typ = TypeURLPrefix
			}
		}
		ind := p.base(t.typ, t.value, cat)
		if cat == CategoryAllow {
			ind.Category = CategoryAllow
		}
		if !obj.ValidFrom.IsZero() {
			ind.FirstSeen = obj.ValidFrom.UTC()
		}
		if !obj.Modified.IsZero() {
			ind.LastSeen = obj.Modified.UTC()
		}
		if !obj.ValidUntil.IsZero() {
			ind.Expires = obj.ValidUntil.UTC()
		}
		if err := p.add(ind); err != nil {
			errs = append(errs, err.Error())
		}
	}
	if errs != nil {
		return errors.New(strings.Join(errs, "; "))
	}
	return nil
}

// stixCategory maps STIX indicator_types and labels onto our categories:
// one of ours if named, "benign" as an allow entry, otherwise malware.
func stixCategory(labels []string) string {
	for _, l := range labels {
		switch l = strings.ToLower(l); l {
		case CategoryMalwareDownload, CategoryExploitKit, CategoryPhishing, CategoryScam, CategoryMiner, CategoryC2, CategoryAllow:
			return l
		case "benign":
			return CategoryAllow
		}
	}
	return CategoryMalware
}

type stixTerm struct {
	typ   Type
	value string
}

// stixPaths maps the object paths we can enforce onto indicator types.
// network-traffic:dst_ref.value is how MISP writes an ip-dst attribute
// (with dst_ref.type beside it).
var stixPaths = map[string]Type{
	"url:value":                     TypeURL,
	"domain-name:value":             TypeDomain,
	"ipv4-addr:value":               TypeCIDR,
	"ipv6-addr:value":               TypeCIDR,
	"network-traffic:dst_ref.value": TypeCIDR,
	"file:hashes.'sha-256'":         TypeSHA256,
	"file:hashes.sha-256":           TypeSHA256,
	"file:hashes.sha256":            TypeSHA256,
	"artifact:hashes.'sha-256'":     TypeSHA256,
}

// stixDescribes reports a comparison that only describes the object an
// enforceable comparison beside it (joined by AND) names, so enforcing
// that one alone blocks no more than the producer meant: the address's
// type, the file's name, size, media type or other hashes (the SHA-256
// names the content whatever its name), and what a name resolved to (MISP's
// domain|ip: the name is the indicator).
func stixDescribes(path, value string) bool {
	switch {
	case path == "network-traffic:dst_ref.type":
		return value == "ipv4-addr" || value == "ipv6-addr"
	case path == "file:name", path == "file:size", path == "file:mime_type",
		path == "domain-name:resolves_to_refs[*].value":
		return true
	case strings.HasPrefix(path, "file:hashes."):
		return stixPaths[path] != TypeSHA256
	}
	return false
}

const maxPatternLen = 64 << 10

type stixComparison struct {
	path, op, value string
}

// parseSTIXPattern accepts observation expressions joined by OR (grouped in
// parentheses or not), each a set of comparisons joined by AND and OR (AND
// binds tighter):
//
//	[url:value = 'http://x/'] OR [domain-name:value = 'a.example' OR domain-name:value = 'b.example']
//	[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '192.0.2.1']
//
// Each AND group must name exactly one value we can enforce, with '=', the
// rest only describing the same object (stixDescribes); the groups of an OR
// we cannot enforce are left out when another one can be (enforcing part
// of an OR never blocks more than it says). AND and FOLLOWEDBY between
// observations, qualifiers, and comparisons that narrow (a port, a second
// value) are refused: the gateway cannot enforce them on one request.
func parseSTIXPattern(s string) ([]stixTerm, error) {
	if len(s) > maxPatternLen {
		return nil, errors.New("pattern longer than 64 KiB")
	}
	var out []stixTerm
	var firstErr error
	sc := &patScanner{s: s}
	depth := 0 // open parentheses: with OR alone, grouping changes nothing
	for {
		sc.space()
		for sc.eat("(") {
			depth++
			sc.space()
		}
		if !sc.eat("[") {
			return nil, fmt.Errorf("pattern: want '[' at %d", sc.i)
		}
		var group []stixComparison
		for {
			sc.space()
			path := strings.ToLower(sc.until(" =!<>"))
			sc.space()
			op := sc.operator()
			sc.space()
			v, err := sc.value()
			if err != nil {
				return nil, err
			}
			group = append(group, stixComparison{path, op, v})
			sc.space()
			if sc.eat("]") || sc.eatWord("OR") {
				t, err := stixGroup(group)
				if err == nil {
					out = append(out, t)
				} else if firstErr == nil {
					firstErr = err
				}
				group = group[:0]
				if sc.s[sc.i-1] == ']' {
					break
				}
				continue
			}
			if !sc.eatWord("AND") {
				return nil, fmt.Errorf("pattern: want AND, OR or ']' at %d", sc.i)
			}
		}
		sc.space()
		for sc.eat(")") {
			if depth--; depth < 0 {
				return nil, fmt.Errorf("pattern: unbalanced ')' at %d", sc.i-1)
			}
			sc.space()
		}
		if sc.i == len(sc.s) {
			if depth != 0 {
				return nil, errors.New("pattern: unbalanced '('")
			}
			if len(out) == 0 {
				return nil, firstErr
			}
			return out, nil
		}
		if !sc.eatWord("OR") {
			return nil, fmt.Errorf("pattern: only OR can join observations (at %d)", sc.i)
		}
	}
}

// stixGroup is the one enforceable value of comparisons joined by AND.
func stixGroup(group []stixComparison) (stixTerm, error) {
	var term stixTerm
	found := false
	for _, c := range group {
		if c.op != "=" {
			return stixTerm{}, fmt.Errorf("pattern: only '=' comparisons can be enforced (%s %s)", c.path, c.op)
		}
		if t, ok := stixPaths[c.path]; ok {
			if found {
				return stixTerm{}, errors.New("pattern: an AND of two values cannot be enforced on one request")
			}
			if t == TypeCIDR && !strings.Contains(c.value, "/") {
				t = TypeIP
			}
			term, found = stixTerm{t, c.value}, true
			continue
		}
		if len(group) == 1 || !stixDescribes(c.path, c.value) {
			return stixTerm{}, fmt.Errorf("pattern: object path %q cannot be enforced", c.path)
		}
	}
	if !found {
		return stixTerm{}, fmt.Errorf("pattern: object path %q cannot be enforced", group[0].path)
	}
	// STIX evaluates one observation's comparisons against one object: an
	// AND across object types (a domain AND a file's name) matches
	// nothing, and its enforceable half alone would block the whole value.
	obj, _, _ := strings.Cut(group[0].path, ":")
	for _, c := range group[1:] {
		if o, _, _ := strings.Cut(c.path, ":"); o != obj {
			return stixTerm{}, fmt.Errorf("pattern: an AND of %s and %s comparisons names two objects", obj, o)
		}
	}
	return term, nil
}

type patScanner struct {
	s string
	i int
}

func (p *patScanner) space() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n' || p.s[p.i] == '\r') {
		p.i++
	}
}

func (p *patScanner) eat(tok string) bool {
	if strings.HasPrefix(p.s[p.i:], tok) {
		p.i += len(tok)
		return true
	}
	return false
}

func (p *patScanner) eatWord(w string) bool {
	if len(p.s)-p.i >= len(w) && strings.EqualFold(p.s[p.i:p.i+len(w)], w) {
		p.i += len(w)
		return true
	}
	return false
}

// until reads up to one of the stop bytes, honouring single quotes (a hash
// name is quoted: file:hashes.'SHA-256').
func (p *patScanner) until(stop string) string {
	start := p.i
	inq := false
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c == '\'' {
			inq = !inq
		} else if !inq && strings.IndexByte(stop, c) >= 0 {
			break
		}
		p.i++
	}
	return p.s[start:p.i]
}

// operator reads a comparison operator: a run of '=', '!', '<', '>', or a
// word (LIKE, MATCHES, IN, ISSUBSET, ...).
func (p *patScanner) operator() string {
	start := p.i
	sym := p.i < len(p.s) && strings.IndexByte("=!<>", p.s[p.i]) >= 0
	for p.i < len(p.s) {
		c := p.s[p.i]
		if sym && strings.IndexByte("=!<>", c) < 0 || !sym && !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
			break
		}
		p.i++
	}
	return p.s[start:p.i]
}

// value reads a comparison's value: a string literal, or a bare token (a
// number, a boolean) up to a space or ']'.
func (p *patScanner) value() (string, error) {
	if p.i < len(p.s) && p.s[p.i] == '\'' {
		return p.quoted()
	}
	start := p.i
	for p.i < len(p.s) && p.s[p.i] != ' ' && p.s[p.i] != ']' && p.s[p.i] != '\t' && p.s[p.i] != '\n' && p.s[p.i] != '\r' {
		p.i++
	}
	if p.i == start {
		return "", fmt.Errorf("pattern: want a value at %d", p.i)
	}
	return p.s[start:p.i], nil
}

// quoted reads a STIX string literal: single quotes, with \' and \\.
func (p *patScanner) quoted() (string, error) {
	if !p.eat("'") {
		return "", fmt.Errorf("pattern: want a quoted string at %d", p.i)
	}
	var b strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		p.i++
		switch c {
		case '\\':
			if p.i == len(p.s) || p.s[p.i] != '\'' && p.s[p.i] != '\\' {
				return "", fmt.Errorf("pattern: bad escape at %d", p.i)
			}
			b.WriteByte(p.s[p.i])
			p.i++
		case '\'':
			return b.String(), nil
		default:
			b.WriteByte(c)
		}
	}
	return "", errors.New("pattern: unterminated string")
}

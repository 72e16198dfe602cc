package intel

// Safe Browsing looks a URL up as a set of host-suffix/path-prefix
// expressions: the exact host and up to four suffixes formed from its last
// five labels (never the top-level label alone; an IP address only as is),
// combined with the exact path and query, the exact path, and up to four
// path prefixes from the root (each ending in '/'). At most 5 x 6 = 30
// expressions, which bounds the work per URL.
//
// A name's suffix that reads as an address ("0.0.0.0" of "0.0.0.0.0", a
// name no browser would look up: its last label is numeric) is not a host
// expression: an address is looked up only as itself, and an indicator on
// one must not match names.

// quadSuffix reports whether the suffix of host at i, of k labels, is a
// dotted quad (only one of four labels can be).
func quadSuffix(host string, i, k int) bool {
	return k == 4 && isNumericHost(host) && canonicalQuad(host[i:])
}

const (
	maxHostSuffixes = 5
	maxPathPrefixes = 4
)

// hostStarts returns the offsets in host where each host expression starts,
// most specific first.
func hostStarts(host string, isIP bool, buf []int) []int {
	buf = append(buf[:0], 0)
	if isIP {
		return buf
	}
	// starts[k] is where the suffix of k labels begins (k = 2..5): one past
	// the k-th dot from the right.
	var starts [maxHostSuffixes + 1]int
	k := 0
	for i := len(host) - 1; i >= 0 && k < maxHostSuffixes; i-- {
		if host[i] == '.' {
			k++
			starts[k] = i + 1
		}
	}
	for ; k >= 2; k-- {
		if !quadSuffix(host, starts[k], k) {
			buf = append(buf, starts[k])
		}
	}
	return buf
}

// pathEnds returns, for the expression string host+path[?query], the end
// offsets of each path expression, most specific first: the whole thing, the
// path without the query, then the path prefixes from the deepest allowed
// down to the root.
func pathEnds(c *canonURL, buf []int) []int {
	hl := len(c.host)
	pathEnd := hl + len(c.path)
	buf = buf[:0]
	if c.hasQuery {
		buf = append(buf, pathEnd+1+len(c.query))
	}
	buf = append(buf, pathEnd)
	var pre [maxPathPrefixes]int
	n := 0
	for i := 0; i < len(c.path) && n < maxPathPrefixes; i++ {
		if c.path[i] == '/' {
			pre[n] = hl + i + 1
			n++
		}
	}
	for k := n - 1; k >= 0; k-- {
		if pre[k] != pathEnd {
			buf = append(buf, pre[k])
		}
	}
	return buf
}

// Expressions returns the Safe Browsing lookup expressions of raw, most
// specific first.
func Expressions(raw string) ([]string, error) {
	c, err := parseCanonical(raw)
	if err != nil {
		return nil, err
	}
	full := c.expr()
	var hb, pb [8]int
	var out []string
	for _, hs := range hostStarts(c.host, c.isIP(), hb[:0]) {
		for _, pe := range pathEnds(&c, pb[:0]) {
			out = append(out, full[hs:pe])
		}
	}
	return out, nil
}

package iothttp

import (
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
)

// Command injection into other router CGIs (GPON's diag_Form, JAWS's
// /shell, Netgear's setup.cgi, ...): the sensor has no page for them, but
// a parameter that is a shell line, or smuggles one, is an exploit all the
// same; its commands run like the others'.

// shellStart matches a value that is itself a command line.
var shellStart = regexp.MustCompile(`^\s*(?:cd|wget|curl|tftp|ftpget|busybox|/bin/busybox|sh|chmod|rm|echo|nc)\s`)

// shellInside matches a value that smuggles a command after a separator.
var shellInside = regexp.MustCompile("(?:[;&|`\n]|\\$\\()\\s*(?:cd|wget|curl|tftp|ftpget|busybox|/bin/busybox|sh|chmod|rm|echo|nc)\\s")

// knownCGI names the CVE of a CGI whose injection is well known.
var knownCGI = map[string]string{
	"/GponForm/diag_Form": "CVE-2018-10562",
}

// maxGenericValues bounds the parameters looked at in one request.
const maxGenericValues = 64

// genericInjections returns the commands smuggled in r's query and form
// parameters (names too: JAWS's "/shell?cd+/tmp;wget+..." has no "=").
func genericInjections(r *http.Request, body []byte) []injection {
	var vals []struct{ name, v string }
	add := func(q url.Values) {
		keys := make([]string, 0, len(q))
		for k := range q {
			keys = append(keys, k)
		}
		sort.Strings(keys) // one order, so that commands run in one order
		for _, k := range keys {
			vs := q[k]
			if len(vals) >= maxGenericValues {
				return
			}
			vals = append(vals, struct{ name, v string }{k, k})
			for _, v := range vs {
				vals = append(vals, struct{ name, v string }{k, v})
			}
		}
	}
	add(lenientQuery(r.URL.RawQuery))
	if ct := r.Header.Get("Content-Type"); len(body) > 0 && (ct == "" || strings.HasPrefix(ct, "application/x-www-form-urlencoded")) {
		add(lenientQuery(string(body)))
	}
	var out []injection
	n := 0
	for _, nv := range vals {
		var spans []string
		switch {
		case shellStart.MatchString(nv.v):
			spans = []string{nv.v}
		case shellInside.MatchString(nv.v):
			spans = injections(nv.v)
		default:
			continue
		}
		inj := injection{Param: nv.name, Value: nv.v}
		for _, span := range spans {
			cmds := splitCommands(span, maxCommands-n)
			n += len(cmds)
			inj.Commands = append(inj.Commands, cmds...)
		}
		if len(inj.Commands) > 0 {
			out = append(out, inj)
		}
	}
	return out
}

// lenientQuery parses a query as the device's CGI does: pairs split at
// "&" only (url.ParseQuery refuses the ";" every injection has), values
// unescaped where they can be and kept as sent where they cannot.
func lenientQuery(q string) url.Values {
	v := url.Values{}
	for n := 0; q != "" && n < maxGenericValues; n++ {
		var pair string
		pair, q, _ = strings.Cut(q, "&")
		k, val, _ := strings.Cut(pair, "=")
		v[unescape(k)] = append(v[unescape(k)], unescape(val))
	}
	return v
}

func unescape(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return strings.ReplaceAll(s, "+", " ")
}

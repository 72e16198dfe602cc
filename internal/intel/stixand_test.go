package intel

import "testing"

// An AND group loads as a whole-value block only when every comparison
// beside the enforceable one describes that same object. STIX 2.1
// (section 9.5) evaluates the comparisons of one observation expression
// against one object, so an AND across object types matches nothing the
// producer could have seen; loading its one enforceable value would block
// the whole domain, address or URL on a pattern that narrowed it away.
func TestSTIXAndAcrossObjectsRefused(t *testing.T) {
	for _, p := range []string{
		"[domain-name:value = 'evil.example' AND file:name = 'setup.exe']",
		"[url:value = 'http://evil.example/a' AND file:size = 1024]",
		"[ipv4-addr:value = '192.0.2.1' AND network-traffic:dst_ref.type = 'ipv4-addr']",
		"[url:value = 'http://evil.example/a' AND domain-name:resolves_to_refs[*].value = '192.0.2.1']",
		"[artifact:hashes.'SHA-256' = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' AND file:name = 'x']",
		"[network-traffic:dst_ref.value = '192.0.2.1' AND file:hashes.MD5 = 'cd']",
		// Narrowing terms in other spellings.
		"[network-traffic:dst_ref.value = '192.0.2.1' AND network-traffic:dst_port = 443]",
		"[domain-name:value = 'evil.example' AND x-custom:client = 'a']",
		"[domain-name:value = 'evil.example' AND domain-name:x_seen_on = 'b']",
	} {
		if terms, err := parseSTIXPattern(p); err == nil {
			t.Errorf("%s: loaded %+v, want it refused", p, terms)
		}
	}
	// What the same-object rule keeps: MISP's ip-dst, filename|sha256,
	// domain|ip, OpenCTI's other hashes.
	for _, p := range []string{
		"[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '192.0.2.1']",
		"[file:name = 'x.exe' AND file:hashes.'SHA-256' = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa']",
		"[domain-name:value = 'evil.example' AND domain-name:resolves_to_refs[*].value = '192.0.2.1']",
		"[file:hashes.MD5 = 'cd' AND file:hashes.'SHA-256' = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa']",
	} {
		if terms, err := parseSTIXPattern(p); err != nil || len(terms) != 1 {
			t.Errorf("%s: %+v, %v; want one term", p, terms, err)
		}
	}
}

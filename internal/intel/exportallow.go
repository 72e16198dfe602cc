package intel

import "strings"

// allowSet is the allowlist of an export, for the formats that cannot say
// "except" (and to leave out blocks an allow entry fully covers).
type allowSet struct {
	domains map[string]bool // a name and every name below it
	hosts   map[string]bool // that name only
}

func newAllowSet(allow []Indicator) allowSet {
	a := allowSet{domains: map[string]bool{}, hosts: map[string]bool{}}
	for _, ind := range allow {
		switch ind.Type {
		case TypeDomain:
			a.domains[ind.Value] = true
		case TypeHost:
			a.hosts[ind.Value] = true
		}
	}
	return a
}

// drop returns inds without the blocked names the allowlist covers whole: a
// domain at or under an allowed domain, a host at or under an allowed
// domain or allowed exactly. A domain allowed only as a host stays (its
// subdomains are still blocked) unless exact, for formats that list exact
// names only; each other format handles that name itself.
func (a allowSet) drop(inds []Indicator, exact bool) []Indicator {
	if len(a.domains) == 0 && len(a.hosts) == 0 {
		return inds
	}
	out := inds[:0:0]
	for _, ind := range inds {
		if isName(ind.Type) && (underAny(a.domains, ind.Value, true) || (ind.Type == TypeHost || exact) && a.hosts[ind.Value]) {
			continue
		}
		out = append(out, ind)
	}
	return out
}

// underAny reports whether name is below one of doms, or is one when
// orSelf.
func underAny(doms map[string]bool, name string, orSelf bool) bool {
	if len(doms) == 0 {
		return false
	}
	if orSelf && doms[name] {
		return true
	}
	for i := strings.IndexByte(name, '.'); i >= 0; i = strings.IndexByte(name, '.') {
		name = name[i+1:]
		if doms[name] {
			return true
		}
	}
	return false
}

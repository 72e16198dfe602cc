package event

// Kind names what an event observed.
type Kind string

// domains lists each domain's kinds; a new domain declares its kinds in its
// own file (honeypot.go is the model) and adds one line here.
var domains = [][]Kind{
	honeypotKinds,
	reflectKinds,
	attackKinds,
	sshKinds,
	gatewayKinds,
	crawlKinds,
	exploitKinds,
}

// Kinds lists every kind in the catalogue, in a stable order.
var Kinds = func() []Kind {
	var all []Kind
	for _, d := range domains {
		all = append(all, d...)
	}
	return all
}()

var known = func() map[Kind]bool {
	m := make(map[Kind]bool, len(Kinds))
	for _, k := range Kinds {
		m[k] = true
	}
	return m
}()

// Known reports whether k is in the catalogue.
func (k Kind) Known() bool { return known[k] }

// FamilyUnknown is the family of a session no attribution rule matched. It
// is the one spelling of "unknown" across sensors, attribution, stores and
// the API.
const FamilyUnknown = "unknown"

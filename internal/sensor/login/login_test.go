package login

import "testing"

func TestChecker(t *testing.T) {
	cases := []struct {
		name       string
		p          Policy
		user, pass string
		want       bool
	}{
		{"default accepts mirai", DefaultPolicy(), "root", "xc3511", true},
		{"default accepts empty root", DefaultPolicy(), "root", "", true},
		{"default rejects other", DefaultPolicy(), "root", "hunter2", false},
		{"default adds accept", Policy{Mode: ModeDefault, Accept: []Credential{{"bob", "x"}}, MaxAttempts: 3}, "bob", "x", true},
		{"list only", Policy{Mode: ModeList, Accept: []Credential{{"bob", "x"}}, MaxAttempts: 3}, "root", "xc3511", false},
		{"list accepts", Policy{Mode: ModeList, Accept: []Credential{{"bob", "x"}}, MaxAttempts: 3}, "bob", "x", true},
		{"any", Policy{Mode: ModeAny, MaxAttempts: 3}, "zz", "yy", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if errs := c.p.Validate(); len(errs) > 0 {
				t.Fatal(errs)
			}
			if got := NewChecker(c.p).Accepts(c.user, c.pass); got != c.want {
				t.Errorf("Accepts(%q, %q) = %v, want %v", c.user, c.pass, got, c.want)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	cases := []struct {
		p    Policy
		want string
	}{
		{Policy{Mode: "maybe", MaxAttempts: 3}, "mode"},
		{Policy{Mode: ModeList, MaxAttempts: 3}, "accept"},
		{Policy{Mode: ModeAny, MaxAttempts: 0}, "max_attempts"},
		{Policy{Mode: ModeAny, MaxAttempts: 3, Accept: []Credential{{"", "x"}}}, "accept[0]"},
	}
	for _, c := range cases {
		errs := c.p.Validate()
		if len(errs) != 1 || errs[0].Path != c.want {
			t.Errorf("Validate(%+v) = %v, want one error at %q", c.p, errs, c.want)
		}
	}
}

// The table holds the pairs as Mirai's bytes decode, beside the ones its
// comments claim.
func TestCredentialTable(t *testing.T) {
	c := NewChecker(DefaultPolicy())
	for _, cr := range []Credential{{"root", "xc3511"}, {"root", ""}, {"admin", ""}, {"Administrator", "meinsm"}, {"admin", "4321"}, {"mother", "fucker"}, {"root", "7ujMko0admin"}} {
		if !c.Accepts(cr.Username, cr.Password) {
			t.Errorf("%v missing", cr)
		}
	}
	if c.Accepts("root", "hunter2") {
		t.Error("root/hunter2 accepted")
	}
}

package config

import (
	"errors"
	"strings"
	"testing"
)

// Dashboard users: a hash that is not bcrypt (a password in plain text),
// a weak cost, a duplicate or reserved name and an unknown role are each
// reported on their own line; a good user is accepted.
func TestWebUsers(t *testing.T) {
	good := "$2a$10$C6UzMDM.H6dfI/f/IKcEeO5ywGe9x3o3XhLAq9GmnbtvQx3Zkp5Oa" // bcrypt of "password", cost 10
	c, err := Parse([]byte("web:\n  users:\n    - name: alice\n      password_hash: \"" + good + "\"\n      role: read-only\n"))
	if err != nil {
		t.Fatalf("a good user: %v", err)
	}
	if len(c.Web.Users) != 1 || c.Web.Users[0].Name != "alice" || c.Web.Users[0].Role != "read-only" {
		t.Fatalf("users %+v", c.Web.Users)
	}
	doc := `web:
  users:
    - name: alice
      password_hash: "hunter2hunter2"
    - name: alice
      password_hash: "$2a$04$C6UzMDM.H6dfI/f/IKcEeO5ywGe9x3o3XhLAq9GmnbtvQx3Zkp5Oa"
    - name: token
      password_hash: "` + good + `"
      role: root
`
	_, err = Parse([]byte(doc))
	var es Errors
	if !errors.As(err, &es) {
		t.Fatalf("want Errors, got %v", err)
	}
	got := es.Error()
	for _, want := range []string{"line 4: web.users[0].password_hash: not a bcrypt hash", "line 5: web.users[1].name: \"alice\" is configured twice",
		"line 6: web.users[1].password_hash: bcrypt cost 4", "line 7: web.users[2].name", "line 9: web.users[2].role"} {
		if !strings.Contains(got, want) {
			t.Errorf("errors lack %q:\n%s", want, got)
		}
	}
}

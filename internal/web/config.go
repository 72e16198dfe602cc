package web

import (
	"github.com/honeygate/honeygate/internal/schema"
	"github.com/honeygate/honeygate/internal/web/ui"
)

// Config is the web section: the listener of the API and the dashboard,
// and who may sign in to the dashboard besides the API token's holder.
//
//	web:
//	  users:
//	    - name: alice
//	      password_hash: "$2a$12$..."   # honeygate user hash
//	      role: admin                    # or read-only
type Config struct {
	Users []ui.User `yaml:"users"`
}

// DefaultConfig has no users: only the API token signs in.
func DefaultConfig() Config { return Config{} }

// Validate implements schema.Section.
func (c Config) Validate() schema.Errors { return ui.ValidateUsers(c.Users) }

// Listeners implements schema.Section.
func (Config) Listeners() []schema.Listener {
	return []schema.Listener{{Name: "web", Net: schema.TCP, Default: []string{"127.0.0.1:8080"}, Help: "the JSON API, the dashboard and /metrics"}}
}

var _ schema.Section = Config{}

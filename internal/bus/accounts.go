package bus

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/nats-io/nats-server/v2/server"
)

// User names of the embedded server's accounts.
const (
	UserHub     = "hub"     // this process: every right
	UserSensor  = "sensor"  // a remote sensor: publishes events, nothing else
	UserGateway = "gateway" // a remote gateway: publishes its own events (blocks), nothing else
)

// Accounts are the passwords of the embedded server's users. Each remote
// role gets the least it needs: a sensor's credential, if stolen, lets its
// holder publish events (which the store checks) but not read, purge or
// delete the stream, and it is not the API token.
type Accounts struct {
	Hub     string `json:"hub"`
	Sensor  string `json:"sensor"`
	Gateway string `json:"gateway"`
}

// LoadOrCreateAccounts reads the accounts kept at path, generating them
// (random passwords, file mode 0600) on first use.
func LoadOrCreateAccounts(path string) (*Accounts, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		var a Accounts
		if err := json.Unmarshal(b, &a); err != nil || a.Hub == "" || a.Sensor == "" || a.Gateway == "" {
			return nil, fmt.Errorf("bus: accounts file %s is damaged; delete it to generate new credentials", path)
		}
		return &a, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("bus: accounts: %w", err)
	}
	a := &Accounts{Hub: secret(), Sensor: secret(), Gateway: secret()}
	b, _ = json.MarshalIndent(a, "", "  ")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("bus: accounts: %w", err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o600); err != nil {
		return nil, fmt.Errorf("bus: accounts: %w", err)
	}
	return a, nil
}

func secret() string {
	var b [24]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// users are the server's users with their permissions. A JetStream publish
// with acknowledgement needs to publish on the event subjects and to
// receive the server's reply in the client's inbox; the JetStream API
// ($JS.API.>: stream and consumer management, purge, delete, reads) is the
// hub's alone.
func (a *Accounts) users() []*server.User {
	inbox := &server.SubjectPermission{Allow: []string{"_INBOX.>"}}
	return []*server.User{
		{Username: UserHub, Password: a.Hub},
		{Username: UserSensor, Password: a.Sensor, Permissions: &server.Permissions{
			Publish:   &server.SubjectPermission{Allow: []string{subjects}},
			Subscribe: inbox,
		}},
		{Username: UserGateway, Password: a.Gateway, Permissions: &server.Permissions{
			Publish:   &server.SubjectPermission{Allow: []string{SubjectPrefix + "gateway.>"}},
			Subscribe: inbox,
		}},
	}
}

package telnet

import (
	"fmt"

	"github.com/honeygate/honeygate/internal/schema"
	"github.com/honeygate/honeygate/internal/sensor/busybox"
)

// Config is the telnet sensor's configuration.
type Config struct {
	// Profile is the device the sensor pretends to be.
	Profile busybox.Profile `yaml:"profile"`
	Login   LoginPolicy     `yaml:"login"`
}

// Login modes.
const (
	LoginDefault = "default" // accept the IoT worms' default credentials, reject the rest
	LoginAny     = "any"     // accept anything
	LoginList    = "list"    // accept only LoginPolicy.Accept
)

// LoginPolicy decides which credentials open a shell.
type LoginPolicy struct {
	Mode        string       `yaml:"mode"`
	Accept      []Credential `yaml:"accept"`       // extra pairs for "default", the only ones for "list"
	MaxAttempts int          `yaml:"max_attempts"` // failed logins before the connection is closed
}

// DefaultConfig is busybox's default device (a Hisilicon-based DVR of the
// kind Mirai spread through) accepting the IoT worms' default credentials.
func DefaultConfig() Config {
	return Config{
		Profile: busybox.DefaultProfile(),
		Login:   LoginPolicy{Mode: LoginDefault, MaxAttempts: 3},
	}
}

var _ schema.Section = Config{}

// Listeners implements schema.Section: the telnet honeypot listens on the
// unprivileged ports that 23 is redirected to (2223) and on the worm ports
// 2323 and 5358 as they are.
func (Config) Listeners() []schema.Listener {
	return []schema.Listener{{
		Name: "telnet", Net: schema.TCP, Repeatable: true,
		Default: []string{"0.0.0.0:2223", "0.0.0.0:2323", "0.0.0.0:5358"},
		Help:    "the IoT telnet honeypot",
	}}
}

// Validate implements schema.Section: every field that cannot work, by its
// yaml path.
func (c Config) Validate() schema.Errors {
	var errs schema.Errors
	for _, fe := range c.Profile.Validate() {
		errs.Add("profile."+fe.Field, "%s", fe.Message)
	}
	l := c.Login
	switch l.Mode {
	case LoginDefault, LoginAny:
	case LoginList:
		if len(l.Accept) == 0 {
			errs.Add("login.accept", `mode "list" needs at least one credential`)
		}
	default:
		errs.Add("login.mode", `%q is not one of "default", "any", "list"`, l.Mode)
	}
	for i, cr := range l.Accept {
		if cr.Username == "" || len(cr.Username) > 128 || len(cr.Password) > 128 {
			errs.Add(fmt.Sprintf("login.accept[%d]", i), "username empty, or username or password longer than 128 bytes")
		}
	}
	if l.MaxAttempts < 1 || l.MaxAttempts > 100 {
		errs.Add("login.max_attempts", "%d is not within 1-100", l.MaxAttempts)
	}
	return errs
}

package telnet

import (
	"errors"
	"fmt"

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

// Validate reports every field that cannot work, by its yaml name.
func (c Config) Validate() error {
	var errs []error
	for _, fe := range c.Profile.Validate() {
		errs = append(errs, fmt.Errorf("profile.%s: %s", fe.Field, fe.Message))
	}
	l := c.Login
	switch l.Mode {
	case LoginDefault, LoginAny:
	case LoginList:
		if len(l.Accept) == 0 {
			errs = append(errs, errors.New(`login.accept: mode "list" needs at least one credential`))
		}
	default:
		errs = append(errs, fmt.Errorf(`login.mode: %q is not one of "default", "any", "list"`, l.Mode))
	}
	for i, cr := range l.Accept {
		if cr.Username == "" || len(cr.Username) > 128 || len(cr.Password) > 128 {
			errs = append(errs, fmt.Errorf("login.accept[%d]: username empty, or username or password longer than 128 bytes", i))
		}
	}
	if l.MaxAttempts < 1 || l.MaxAttempts > 100 {
		errs = append(errs, fmt.Errorf("login.max_attempts: %d is not within 1-100", l.MaxAttempts))
	}
	if len(errs) > 0 {
		return fmt.Errorf("telnet: invalid config: %w", errors.Join(errs...))
	}
	return nil
}

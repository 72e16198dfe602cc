package telnet

import (
	"github.com/honeygate/honeygate/internal/schema"
	"github.com/honeygate/honeygate/internal/sensor/busybox"
	"github.com/honeygate/honeygate/internal/sensor/login"
)

// Config is the telnet sensor's configuration.
type Config struct {
	// Profile is the device the sensor pretends to be.
	Profile busybox.Profile `yaml:"profile"`
	Login   LoginPolicy     `yaml:"login"`
}

// The login policy is package login's, shared with the ssh sensor: one
// credential table for both doors.
type (
	LoginPolicy = login.Policy
	Credential  = login.Credential
)

// Login modes.
const (
	LoginDefault = login.ModeDefault
	LoginAny     = login.ModeAny
	LoginList    = login.ModeList
)

// DefaultConfig is busybox's default device (a Hisilicon-based DVR of the
// kind Mirai spread through) accepting the IoT worms' default credentials.
func DefaultConfig() Config {
	return Config{
		Profile: busybox.DefaultProfile(),
		Login:   login.DefaultPolicy(),
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
	errs.Nest("login", c.Login.Validate())
	return errs
}

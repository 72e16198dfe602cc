package ssh

import (
	"strings"

	"github.com/honeygate/honeygate/internal/schema"
	"github.com/honeygate/honeygate/internal/sensor/busybox"
	"github.com/honeygate/honeygate/internal/sensor/login"
)

// Config is the ssh sensor's configuration.
type Config struct {
	// Profile is the device behind the door. Its default is telnet's, so
	// that with the defaults both doors lead to the same device (same
	// facts too: both seed them with the sensor name).
	Profile busybox.Profile `yaml:"profile"`
	// ServerVersion is the identification line the server sends, as the
	// device's SSH server would: the Dropbear builds on IoT devices.
	ServerVersion string `yaml:"server_version"`
	// Login is the same policy as telnet's: one credential table for both
	// doors.
	Login login.Policy `yaml:"login"`
	// KeyboardInteractive offers the keyboard-interactive method beside
	// password (one "Password: " question, judged as a password), as many
	// bots and sshpass log in with it. Dropbear's own server has only
	// publickey and password, so false makes the offered method list
	// exactly Dropbear's names, at the cost of the bots that insist on it.
	KeyboardInteractive bool `yaml:"keyboard_interactive"`
	// MaxSampleBytes bounds one uploaded file kept as a sample; a larger
	// upload is hashed and recorded but not kept.
	MaxSampleBytes int64 `yaml:"max_sample_bytes"`
	// MaxSamplesBytes bounds all the samples kept in the data dir together;
	// once reached, uploads are recorded but no longer kept.
	MaxSamplesBytes int64 `yaml:"max_samples_bytes"`
}

// DefaultVersion is Dropbear 2014.63, the SSH server of many of the
// Hisilicon DVRs and cameras of the default device profile.
const DefaultVersion = "SSH-2.0-dropbear_2014.63"

// DefaultConfig is a Dropbear server with the default login policy.
func DefaultConfig() Config {
	return Config{
		Profile:             busybox.DefaultProfile(),
		ServerVersion:       DefaultVersion,
		Login:               login.DefaultPolicy(),
		KeyboardInteractive: true,
		MaxSampleBytes:      4 << 20,
		MaxSamplesBytes:     1 << 30,
	}
}

var _ schema.Section = Config{}

// Listeners implements schema.Section: the SSH honeypot listens on the
// unprivileged port that 22 is redirected to (2222, also a port bots scan
// as it is).
func (Config) Listeners() []schema.Listener {
	return []schema.Listener{{
		Name: "ssh", Net: schema.TCP, Repeatable: true,
		Default: []string{"0.0.0.0:2222"},
		Help:    "the IoT SSH honeypot (a Dropbear server in front of the telnet device)",
	}}
}

// Validate implements schema.Section: every field that cannot work, by its
// yaml path.
func (c Config) Validate() schema.Errors {
	var errs schema.Errors
	for _, fe := range c.Profile.Validate() {
		errs.Add("profile."+fe.Field, "%s", fe.Message)
	}
	v := c.ServerVersion
	if !strings.HasPrefix(v, "SSH-2.0-") || len(v) > maxLineBytes-2 || hasControl(v) {
		errs.Add("server_version", "%q must start with SSH-2.0-, be at most 253 bytes and have no control characters", v)
	}
	errs.Nest("login", c.Login.Validate())
	if c.MaxSampleBytes < 1 || c.MaxSampleBytes > 1<<30 {
		errs.Add("max_sample_bytes", "%d is not within 1-1073741824", c.MaxSampleBytes)
	}
	if c.MaxSamplesBytes < c.MaxSampleBytes {
		errs.Add("max_samples_bytes", "%d is less than max_sample_bytes", c.MaxSamplesBytes)
	}
	return errs
}

func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return true
		}
	}
	return false
}

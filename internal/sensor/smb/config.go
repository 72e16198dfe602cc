package smb

import (
	"regexp"

	"github.com/honeygate/honeygate/internal/schema"
)

// Config is the SMB sensor's configuration: the host it claims to be.
type Config struct {
	// ServerName is the NetBIOS computer name (NEGOTIATE, NTLM target info).
	ServerName string `yaml:"server_name"`
	// Workgroup is the NetBIOS domain or workgroup.
	Workgroup string `yaml:"workgroup"`
	// NativeOS and NativeLanMan are what SESSION_SETUP answers carry and
	// what nmap's smb-os-discovery reports.
	NativeOS     string `yaml:"native_os"`
	NativeLanMan string `yaml:"native_lanman"`
	// MaxBytesIn is what one SMB session may send (limits.max_bytes_in for
	// the other sensors): a DoublePulsar payload upload is megabytes.
	MaxBytesIn int64 `yaml:"max_bytes_in"`
	// MaxSampleBytes bounds the bytes of one session kept as a sample, and
	// of one payload extracted.
	MaxSampleBytes int `yaml:"max_sample_bytes"`
	// MaxHeldBytes bounds the session bytes and payloads all open sessions
	// hold in memory together; beyond it samples are cut short.
	MaxHeldBytes int64 `yaml:"max_held_bytes"`
	// MaxSamplesBytes bounds the samples directory as a whole (shared with
	// the other sensors' samples); beyond it samples are hashed, not kept.
	MaxSamplesBytes int64 `yaml:"max_samples_bytes"`
}

// DefaultConfig is an unpatched Windows 7 SP1 in a workgroup: the host
// WannaCry and the MS17-010 scanners look for.
func DefaultConfig() Config {
	return Config{
		ServerName:      "WIN-7PC01",
		Workgroup:       "WORKGROUP",
		NativeOS:        "Windows 7 Professional 7601 Service Pack 1",
		NativeLanMan:    "Windows 7 Professional 6.1",
		MaxBytesIn:      8 << 20,
		MaxSampleBytes:  8 << 20,
		MaxHeldBytes:    256 << 20,
		MaxSamplesBytes: 1 << 30,
	}
}

var _ schema.Section = Config{}

// Listeners implements schema.Section: the SMB honeypot is off unless a
// listener is given; in production it faces 445/tcp (directly, or through
// a redirect as telnet's 23 is).
func (Config) Listeners() []schema.Listener {
	return []schema.Listener{{
		Name: "smb", Net: schema.TCP, Repeatable: true,
		Help: "the SMB honeypot (an unpatched Windows 7 for MS17-010 worms; 445/tcp in production)",
	}}
}

var netbiosRE = regexp.MustCompile(`^[A-Za-z0-9!@#$%^&()._'{}~-]{1,15}$`)

// Validate implements schema.Section: every field that cannot work, by its
// yaml name.
func (c Config) Validate() schema.Errors {
	var errs schema.Errors
	if !netbiosRE.MatchString(c.ServerName) {
		errs.Add("server_name", "%q is not a NetBIOS name (1-15 letters, digits or punctuation)", c.ServerName)
	}
	if !netbiosRE.MatchString(c.Workgroup) {
		errs.Add("workgroup", "%q is not a NetBIOS name (1-15 letters, digits or punctuation)", c.Workgroup)
	}
	if v := c.NativeOS; v == "" || len(v) > 128 || hasControl(v) {
		errs.Add("native_os", "empty, longer than 128 bytes or has control characters")
	}
	if v := c.NativeLanMan; v == "" || len(v) > 128 || hasControl(v) {
		errs.Add("native_lanman", "empty, longer than 128 bytes or has control characters")
	}
	if c.MaxSampleBytes < 1<<10 || c.MaxSampleBytes > 64<<20 {
		errs.Add("max_sample_bytes", "%d is not within 1 KiB-64 MiB", c.MaxSampleBytes)
	}
	if c.MaxBytesIn < 1<<10 || c.MaxBytesIn > 1<<30 {
		errs.Add("max_bytes_in", "%d is not within 1 KiB-1 GiB", c.MaxBytesIn)
	}
	if c.MaxHeldBytes < int64(c.MaxSampleBytes) {
		errs.Add("max_held_bytes", "%d is less than max_sample_bytes", c.MaxHeldBytes)
	}
	if c.MaxSamplesBytes < int64(c.MaxSampleBytes) {
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

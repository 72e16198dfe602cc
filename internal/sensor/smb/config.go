package smb

import (
	"errors"
	"fmt"
	"regexp"
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
	// MaxSampleBytes bounds the bytes of one session kept as a sample.
	MaxSampleBytes int `yaml:"max_sample_bytes"`
}

// DefaultConfig is an unpatched Windows 7 SP1 in a workgroup: the host
// WannaCry and the MS17-010 scanners look for.
func DefaultConfig() Config {
	return Config{
		ServerName:     "WIN-7PC01",
		Workgroup:      "WORKGROUP",
		NativeOS:       "Windows 7 Professional 7601 Service Pack 1",
		NativeLanMan:   "Windows 7 Professional 6.1",
		MaxSampleBytes: 4 << 20,
	}
}

var netbiosRE = regexp.MustCompile(`^[A-Za-z0-9!@#$%^&()._'{}~-]{1,15}$`)

// Validate reports every field that cannot work, by its yaml name.
func (c Config) Validate() error {
	var errs []error
	if !netbiosRE.MatchString(c.ServerName) {
		errs = append(errs, fmt.Errorf("server_name: %q is not a NetBIOS name (1-15 letters, digits or punctuation)", c.ServerName))
	}
	if !netbiosRE.MatchString(c.Workgroup) {
		errs = append(errs, fmt.Errorf("workgroup: %q is not a NetBIOS name (1-15 letters, digits or punctuation)", c.Workgroup))
	}
	for name, v := range map[string]string{"native_os": c.NativeOS, "native_lanman": c.NativeLanMan} {
		if v == "" || len(v) > 128 || hasControl(v) {
			errs = append(errs, fmt.Errorf("%s: empty, longer than 128 bytes or has control characters", name))
		}
	}
	if c.MaxSampleBytes < 1<<10 || c.MaxSampleBytes > 64<<20 {
		errs = append(errs, fmt.Errorf("max_sample_bytes: %d is not within 1 KiB-64 MiB", c.MaxSampleBytes))
	}
	if len(errs) > 0 {
		return fmt.Errorf("smb: invalid config: %w", errors.Join(errs...))
	}
	return nil
}

func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return true
		}
	}
	return false
}

package telnet

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/honeygate/honeygate/internal/schema"
)

// Config is the telnet sensor's configuration.
type Config struct {
	Profile Profile     `yaml:"profile"`
	Login   LoginPolicy `yaml:"login"`
}

// Profile is the device the sensor pretends to be.
type Profile struct {
	Hostname       string `yaml:"hostname"`        // shown in the login prompt and by uname -n
	Banner         string `yaml:"banner"`          // printed once before the first login prompt (/etc/issue.net)
	BusyBoxVersion string `yaml:"busybox_version"` // e.g. "1.20.2"
	BusyBoxBuild   string `yaml:"busybox_build"`   // build date as BusyBox prints it, e.g. "2016-03-18 10:31:07 CST"
	Arch           string `yaml:"arch"`            // one of Arches
	Kernel         string `yaml:"kernel"`          // kernel release, e.g. "3.0.8"
	KernelBuild    string `yaml:"kernel_build"`    // uname -v, e.g. "#1 Fri Mar 18 10:32:18 CST 2016"
	// Prompt, when set, is the fixed shell prompt; empty means ash's default
	// for root ("~ # " at home, "/tmp # " elsewhere).
	Prompt string `yaml:"prompt"`
	// Processes are the device's own programs, added to ps after the kernel
	// threads and init.
	Processes []string `yaml:"processes"`
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

// Arches returns the CPU architectures a profile may claim; each has its ELF
// header, uname -m and /proc/cpuinfo.
func Arches() []string {
	return []string{"arm", "armv7", "mips", "mipsel", "x86", "x86_64", "powerpc", "sh4", "m68k", "sparc"}
}

// DefaultConfig is a Hisilicon-based DVR of the kind Mirai spread through:
// ARMv5, BusyBox 1.20, a 3.0 kernel, root shell on login.
func DefaultConfig() Config {
	return Config{
		Profile: Profile{
			Hostname:       "LocalHost",
			Banner:         "",
			BusyBoxVersion: "1.20.2",
			BusyBoxBuild:   "2016-03-18 10:31:07 CST",
			Arch:           "arm",
			Kernel:         "3.0.8",
			KernelBuild:    "#1 Fri Mar 18 10:32:18 CST 2016",
			Processes:      []string{"/usr/sbin/telnetd", "/var/Sofia", "/usr/bin/dvrhelper_wd"},
		},
		Login: LoginPolicy{Mode: LoginDefault, MaxAttempts: 3},
	}
}

var (
	hostnameRE = regexp.MustCompile(`^[A-Za-z0-9()._-]{1,64}$`)
	versionRE  = regexp.MustCompile(`^[0-9]+(\.[0-9]+){1,3}$`)
	kernelRE   = regexp.MustCompile(`^[0-9]+\.[0-9]+[A-Za-z0-9._+-]{0,60}$`)
)

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
	p := c.Profile
	if !hostnameRE.MatchString(p.Hostname) {
		errs.Add("profile.hostname", "%q must be 1-64 letters, digits or ()._-", p.Hostname)
	}
	if len(p.Banner) > 4096 {
		errs.Add("profile.banner", "longer than 4096 bytes")
	}
	if !versionRE.MatchString(p.BusyBoxVersion) {
		errs.Add("profile.busybox_version", "%q is not a version like 1.20.2", p.BusyBoxVersion)
	}
	if len(p.BusyBoxBuild) > 64 || hasControl(p.BusyBoxBuild) {
		errs.Add("profile.busybox_build", "longer than 64 bytes or has control characters")
	}
	if !slices.Contains(Arches(), p.Arch) {
		errs.Add("profile.arch", "%q is not one of %s", p.Arch, strings.Join(Arches(), ", "))
	}
	if !kernelRE.MatchString(p.Kernel) {
		errs.Add("profile.kernel", "%q is not a kernel release like 3.0.8", p.Kernel)
	}
	if len(p.KernelBuild) > 128 || hasControl(p.KernelBuild) {
		errs.Add("profile.kernel_build", "longer than 128 bytes or has control characters")
	}
	if len(p.Prompt) > 64 || hasControl(p.Prompt) {
		errs.Add("profile.prompt", "longer than 64 bytes or has control characters")
	}
	if len(p.Processes) > 64 {
		errs.Add("profile.processes", "more than 64")
	}
	for i, name := range p.Processes {
		if name == "" || len(name) > 128 || hasControl(name) {
			errs.Add(fmt.Sprintf("profile.processes[%d]", i), "empty, longer than 128 bytes or has control characters")
		}
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

func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return true
		}
	}
	return false
}

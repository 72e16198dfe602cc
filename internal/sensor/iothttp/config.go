package iothttp

import (
	"github.com/honeygate/honeygate/internal/schema"
	"github.com/honeygate/honeygate/internal/sensor/busybox"
)

// Config is the IoT-HTTP sensor's configuration.
type Config struct {
	// Server is the Server header of the router login pages.
	Server string `yaml:"server"`
	// Title is the login page's title: the router model shown.
	Title string `yaml:"title"`
	// MaxBody bounds the request body read (exploit bodies are < 2 KiB).
	MaxBody int64 `yaml:"max_body"`
	// Profile is the device injected commands run on.
	Profile busybox.Profile `yaml:"profile"`
}

// DefaultConfig is a home router of the kind Satori swept: a Huawei HG532
// (a MIPS board, which is why Satori fetched okiru.mips) answering its
// UPnP port, with a Realtek-SDK UPnP daemon and a login page.
func DefaultConfig() Config {
	p := busybox.DefaultProfile()
	p.Hostname = "HG532e"
	p.Arch = "mips"
	p.BusyBoxVersion = "1.18.5"
	p.BusyBoxBuild = "2014-07-23 17:02:38 CST"
	p.Kernel = "2.6.36"
	p.KernelBuild = "#1 Wed Jul 23 17:08:12 CST 2014"
	p.Processes = []string{"/bin/cms", "/bin/upnp", "/bin/web", "/bin/igmpproxy"}
	return Config{
		Server:  "mini_httpd/1.19 19dec2003",
		Title:   "HG532e Home Gateway",
		MaxBody: 64 << 10,
		Profile: p,
	}
}

var _ schema.Section = Config{}

// Listeners implements schema.Section: off unless given; in production the
// worms' ports 37215 (HG532), 52869 (miniigd), 80 and 8080.
func (Config) Listeners() []schema.Listener {
	return []schema.Listener{{
		Name: "iot-http", Net: schema.TCP, Repeatable: true,
		Help: "the IoT router HTTP honeypot (HG532 UPnP, Realtek miniigd, login page; 37215, 52869, 80, 8080 in production)",
	}}
}

// Validate implements schema.Section: every field that cannot work, by its
// yaml path.
func (c Config) Validate() schema.Errors {
	var errs schema.Errors
	if c.Server == "" || len(c.Server) > 128 || hasControl(c.Server) {
		errs.Add("server", "empty, longer than 128 bytes or has control characters")
	}
	if c.Title == "" || len(c.Title) > 128 || hasControl(c.Title) {
		errs.Add("title", "empty, longer than 128 bytes or has control characters")
	}
	if c.MaxBody < 1<<10 || c.MaxBody > 1<<20 {
		errs.Add("max_body", "%d is not within 1 KiB-1 MiB", c.MaxBody)
	}
	for _, fe := range c.Profile.Validate() {
		errs.Add("profile."+fe.Field, "%s", fe.Message)
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

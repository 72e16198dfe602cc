package intel

import (
	"fmt"
	"time"

	"github.com/honeygate/honeygate/internal/schema"
)

// Config is the intel section of the configuration: the subscribed feeds,
// whether a payload URL's host is blocked too, and how long a change waits
// before the matcher is rebuilt.
type Config struct {
	// Feeds are read at start and then every feed's `every`.
	Feeds []FeedConfig `yaml:"feeds"`
	// DownloadHosts: none, ip (default) or all. See HostPolicy.
	DownloadHosts HostPolicy `yaml:"download_hosts"`
	// Honeypot holds honeypot downloads from popular sites until
	// corroborated (honeypot.go).
	Honeypot HoneypotPolicy `yaml:"honeypot"`
	// Debounce is how long a change waits for more before the rebuild;
	// at most 900ms, so that a change is enforced within a second.
	Debounce time.Duration `yaml:"debounce"`
	// MinPrefixV4 and MinPrefixV6 are the shortest CIDRs an indicator may
	// have (0: 8 and 32); a wider one is refused as over-broad.
	MinPrefixV4 int `yaml:"min_prefix_v4"`
	MinPrefixV6 int `yaml:"min_prefix_v6"`
}

// Limits returns the indicator limits the section configures.
func (c Config) Limits() Limits {
	return Limits{MinPrefixV4: c.MinPrefixV4, MinPrefixV6: c.MinPrefixV6}
}

// DefaultConfig subscribes to nothing, blocks payload servers that are
// addresses, and rebuilds 100ms after a change.
func DefaultConfig() Config {
	return Config{DownloadHosts: HostsIP, Honeypot: DefaultHoneypotPolicy(), Debounce: 100 * time.Millisecond,
		MinPrefixV4: DefaultMinPrefixV4, MinPrefixV6: DefaultMinPrefixV6}
}

// Validate implements schema.Section.
func (c Config) Validate() schema.Errors {
	var errs schema.Errors
	if !c.DownloadHosts.Valid() {
		errs.Add("download_hosts", "%q: want none, ip or all", c.DownloadHosts)
	}
	errs.Nest("honeypot", c.Honeypot.Validate())
	if c.Debounce < 0 || c.Debounce > 900*time.Millisecond {
		errs.Add("debounce", "%v: want 0 to 900ms (a change must be enforced within a second)", c.Debounce)
	}
	if c.MinPrefixV4 < 0 || c.MinPrefixV4 > 32 {
		errs.Add("min_prefix_v4", "%d: want 1 to 32 (0: the default, 8)", c.MinPrefixV4)
	}
	if c.MinPrefixV6 < 0 || c.MinPrefixV6 > 128 {
		errs.Add("min_prefix_v6", "%d: want 1 to 128 (0: the default, 32)", c.MinPrefixV6)
	}
	names := map[string]bool{}
	for i, f := range c.Feeds {
		path := fmt.Sprintf("feeds[%d]", i)
		errs.Nest(path, f.Validate())
		if names[f.Name] {
			errs.Add(path+".name", "%q: used by another feed (a feed's name is the source its refresh replaces)", f.Name)
		}
		names[f.Name] = true
		if f.Name == SourceHoneypot || f.Name == SourceCrawl || f.Name == SourceManual {
			errs.Add(path+".name", "%q: reserved for honeygate's own intel", f.Name)
		}
	}
	return errs
}

// Listeners implements schema.Section: intel serves nothing of its own.
func (c Config) Listeners() []schema.Listener { return nil }

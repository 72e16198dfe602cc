package crawl

import (
	"fmt"
	"strings"
	"time"

	"github.com/honeygate/honeygate/internal/schema"
)

// Config is the crawl section of the configuration: the client honeypot's
// daily round, its engines and their bounds, and the matrix thresholds.
type Config struct {
	// Enabled runs the crawler in `honeygate serve` (the API's watch list,
	// crawl and tampering routes, and the daily round).
	Enabled bool `yaml:"enabled"`
	// Engine of the daily round: static, browser or auto.
	Engine string `yaml:"engine"`
	// Schedule is the UTC time of day of the daily round ("03:00"), or "off".
	Schedule string `yaml:"schedule"`
	// Concurrency is how many sites are visited at once.
	Concurrency int `yaml:"concurrency"`
	// HostDelay is the pause between two visits to one host.
	HostDelay time.Duration `yaml:"host_delay"`
	// AllowPrivateUpstream lets crawled pages load from loopback,
	// link-local and private addresses. Without it, a watched URL on a
	// private address may load from the private ranges but not from the
	// host itself (loopback); honeygate's own listeners are never reached.
	AllowPrivateUpstream bool `yaml:"allow_private_upstream"`
	// RulesDir holds the operator's YARA rules (*.yar, *.yara); default
	// DATA/rules.
	RulesDir string `yaml:"rules_dir"`
	// Weights is a file of detector weights and verdict thresholds in the
	// format of detect's weights.yaml; empty uses the built-in weights.
	Weights string `yaml:"weights"`
	// RetentionDays keeps captures this many days (0 keeps them all).
	RetentionDays int `yaml:"retention_days"`
	// Timeout bounds one visit.
	Timeout time.Duration `yaml:"timeout"`
	// MaxBody bounds the bytes kept of one resource.
	MaxBody int64 `yaml:"max_body"`
	// MaxResources bounds the resources of one page.
	MaxResources int `yaml:"max_resources"`
	// Tabs is the browser engine's pool of tabs.
	Tabs int `yaml:"tabs"`
	// Chromium is the browser binary (default: $HONEYGATE_CHROMIUM, else
	// Chromium's headless shell, else a full Chromium; see FindChromium).
	Chromium string `yaml:"chromium"`
	// BrowserHeapMB bounds each page's JavaScript heap.
	BrowserHeapMB int `yaml:"browser_heap_mb"`
	// PersistDays: a site red on this many consecutive days is persistent.
	PersistDays int `yaml:"persist_days"`
	// CampaignSites: this many sites red on one day with a shared injected
	// indicator are a campaign.
	CampaignSites int `yaml:"campaign_sites"`
}

// DefaultConfig returns the crawl section's defaults.
func DefaultConfig() Config {
	return Config{
		Enabled: true, Engine: EngineAuto, Schedule: "03:00", Concurrency: 4, HostDelay: 2 * time.Second,
		RetentionDays: 90, Timeout: 30 * time.Second, MaxBody: 2 << 20, MaxResources: 64, Tabs: 4,
		BrowserHeapMB: 256, PersistDays: 3, CampaignSites: 3,
	}
}

var _ schema.Section = Config{}

// Listeners implements schema.Section: the crawler listens on nothing (its
// API is on the web listener).
func (Config) Listeners() []schema.Listener { return nil }

// ScheduleOffset parses Schedule: the time of day as an offset from
// midnight UTC, and false for "off".
func (c Config) ScheduleOffset() (time.Duration, bool, error) {
	if strings.EqualFold(c.Schedule, "off") || c.Schedule == "" {
		return 0, false, nil
	}
	t, err := time.Parse("15:04", c.Schedule)
	if err != nil {
		return 0, false, fmt.Errorf("want HH:MM (UTC) or off, have %q", c.Schedule)
	}
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, true, nil
}

// Validate implements schema.Section.
func (c Config) Validate() schema.Errors {
	var ps schema.Errors
	add := ps.Add
	switch c.Engine {
	case EngineStatic, EngineBrowser, EngineAuto:
	default:
		add("engine", "want static, browser or auto, have %q", c.Engine)
	}
	if _, _, err := c.ScheduleOffset(); err != nil {
		add("schedule", "%v", err)
	}
	if c.Concurrency < 1 || c.Concurrency > 256 {
		add("concurrency", "want 1 to 256, have %d", c.Concurrency)
	}
	if c.HostDelay < 0 || c.HostDelay > time.Hour {
		add("host_delay", "want 0 to 1h, have %v", c.HostDelay)
	}
	if c.RetentionDays < 0 {
		add("retention_days", "%d must not be negative", c.RetentionDays)
	}
	if c.Timeout < time.Second || c.Timeout > 10*time.Minute {
		add("timeout", "want 1s to 10m, have %v", c.Timeout)
	}
	if c.MaxBody < 1<<10 || c.MaxBody > 256<<20 {
		add("max_body", "want 1 KiB to 256 MiB, have %d", c.MaxBody)
	}
	if c.MaxResources < 1 || c.MaxResources > 10000 {
		add("max_resources", "want 1 to 10000, have %d", c.MaxResources)
	}
	if c.Tabs < 1 || c.Tabs > 64 {
		add("tabs", "want 1 to 64, have %d", c.Tabs)
	}
	if c.BrowserHeapMB < 16 || c.BrowserHeapMB > 8192 {
		add("browser_heap_mb", "want 16 to 8192, have %d", c.BrowserHeapMB)
	}
	if c.PersistDays < 1 {
		add("persist_days", "want 1 or more, have %d", c.PersistDays)
	}
	if c.CampaignSites < 2 {
		add("campaign_sites", "want 2 or more, have %d", c.CampaignSites)
	}
	return ps
}

// Limits are the section's bounds of one visit.
func (c Config) Limits() Limits {
	return Limits{MaxBody: c.MaxBody, MaxResources: c.MaxResources, Timeout: c.Timeout}.WithDefaults()
}

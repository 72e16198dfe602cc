package reflect

import (
	"fmt"

	"github.com/honeygate/honeygate/internal/schema"
	"github.com/honeygate/honeygate/internal/sensor"
)

// Config is the reflectors' section of the configuration.
type Config struct {
	// Limits apply to each reflector; the send budget is shared by all.
	Limits    sensor.PacketLimits `yaml:"limits"`
	DNS       DNSConfig           `yaml:"dns"`
	NTP       NTPConfig           `yaml:"ntp"`
	SSDP      SSDPConfig          `yaml:"ssdp"`
	CharGen   CharGenConfig       `yaml:"chargen"`
	Memcached MemcachedConfig     `yaml:"memcached"`
}

// DefaultConfig returns the defaults of every reflector.
func DefaultConfig() Config {
	return Config{
		Limits:    sensor.DefaultPacketLimits(),
		DNS:       DefaultDNSConfig(),
		NTP:       DefaultNTPConfig(),
		SSDP:      DefaultSSDPConfig(),
		CharGen:   DefaultCharGenConfig(),
		Memcached: DefaultMemcachedConfig(),
	}
}

var _ schema.Section = Config{}

// Validate implements schema.Section: every setting that cannot work, by
// its yaml path within the section.
func (c Config) Validate() schema.Errors {
	var es schema.Errors
	es.Nest("limits", c.Limits.Validate())
	c.DNS.validate(&es)
	c.NTP.validate(&es)
	c.SSDP.validate(&es)
	c.CharGen.validate(&es)
	c.Memcached.validate(&es)
	return es
}

// Listeners implements schema.Section: one UDP listener per reflector, all
// off by default. A reflector sends traffic to whoever the source address
// names, however little; running one is the operator's choice.
func (Config) Listeners() []schema.Listener {
	out := make([]schema.Listener, len(Protocols))
	for i, p := range Protocols {
		out[i] = schema.Listener{
			Name: p.Listener, Net: schema.UDP, Repeatable: true,
			Help: fmt.Sprintf("the %s amplification reflector (%d in production)", p.Name, p.Port),
		}
	}
	return out
}

// Protocol is one reflector: its listener name, its well-known port and how
// to build its handler.
type Protocol struct {
	Name     string // "DNS"
	Listener string // "reflect-dns"
	Port     int    // the port it serves in production
	New      func(c Config, sensorName string) sensor.PacketHandler
}

// Protocols lists the reflectors in a stable order.
var Protocols = []Protocol{
	{"DNS", "reflect-dns", 53, func(c Config, _ string) sensor.PacketHandler { return NewDNS(c.DNS) }},
	{"NTP", "reflect-ntp", 123, func(c Config, _ string) sensor.PacketHandler { return NewNTP(c.NTP) }},
	{"SSDP", "reflect-ssdp", 1900, func(c Config, name string) sensor.PacketHandler { return NewSSDP(c.SSDP, name) }},
	{"CharGen", "reflect-chargen", 19, func(c Config, _ string) sensor.PacketHandler { return NewCharGen(c.CharGen) }},
	{"memcached", "reflect-memcached", 11211, func(c Config, _ string) sensor.PacketHandler { return NewMemcached(c.Memcached) }},
}

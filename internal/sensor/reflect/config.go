package reflect

import (
	"fmt"

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

// errs collects validation problems with their paths.
type errs []error

func (e *errs) add(path, format string, args ...any) {
	*e = append(*e, fmt.Errorf("%s: %s", path, fmt.Sprintf(format, args...)))
}

// Protocol is one reflector: its listener name, its well-known port and how
// to build its handler.
type Protocol struct {
	Listener string // "reflect-dns"
	Port     int    // the port it serves in production
	New      func(c Config, sensorName string) sensor.PacketHandler
}

// Protocols lists the reflectors in a stable order.
var Protocols = []Protocol{
	{"reflect-dns", 53, func(c Config, _ string) sensor.PacketHandler { return NewDNS(c.DNS) }},
	{"reflect-ntp", 123, func(c Config, _ string) sensor.PacketHandler { return NewNTP(c.NTP) }},
	{"reflect-ssdp", 1900, func(c Config, name string) sensor.PacketHandler { return NewSSDP(c.SSDP, name) }},
	{"reflect-chargen", 19, func(c Config, _ string) sensor.PacketHandler { return NewCharGen(c.CharGen) }},
	{"reflect-memcached", 11211, func(c Config, _ string) sensor.PacketHandler { return NewMemcached(c.Memcached) }},
}

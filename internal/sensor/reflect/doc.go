// Package reflect holds the amplification reflector sensors, as AmpPot
// built them: an open DNS resolver, an NTP server with monlist and mode 6
// control, an SSDP device, CharGen and memcached over UDP. Each looks like
// the service attackers abuse for reflection, so that they pick this host as
// a reflector; the requests it then receives carry the spoofed address of the
// victim and show a DDoS attack in progress.
//
// Each protocol is a sensor.PacketHandler: it parses one request datagram
// (bounded, never trusting a length field) and proposes the reply the real
// service would send. Whether the reply goes out is decided by
// sensor.PacketServer, which never amplifies (per-source reply limits, a
// global send budget, bytes out below bytes in) and turns the traffic into
// reflect.attack and reflect.scan events.
//
// Not here: sockets, limits and records (internal/sensor), storage of
// attacks (Store, implemented in internal/store/sqlite). Nothing in this
// package ever opens a connection: the DNS resolver answers from a fixed
// zone and never recurses.
package reflect

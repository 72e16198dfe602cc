package reflect

import (
	"encoding/binary"
	"time"
)

// Requests the reflectors are sent, written from each protocol's
// specification and from what the tools that send them put on the wire
// (dig, ntpdc, ntpq, nmap's payloads and scripts, the public attack
// scripts' well-known packets). They seed the golden tests and the fuzz
// corpora.

// dnsQuery builds a query for name (dotted, no trailing dot) with the given
// type and class; edns > 0 adds an OPT record with that payload size.
func dnsQuery(id uint16, name string, qtype, qclass uint16, rd bool, edns uint16) []byte {
	b := binary.BigEndian.AppendUint16(nil, id)
	flags := uint16(0)
	if rd {
		flags |= 0x0100
	}
	b = binary.BigEndian.AppendUint16(b, flags)
	ar := uint16(0)
	if edns > 0 {
		ar = 1
	}
	b = append(b, 0, 1, 0, 0, 0, 0, byte(ar>>8), byte(ar))
	b = appendName(b, name)
	b = binary.BigEndian.AppendUint16(b, qtype)
	b = binary.BigEndian.AppendUint16(b, qclass)
	if edns > 0 {
		b = append(b, 0, 0, typeOPT)
		b = binary.BigEndian.AppendUint16(b, edns)
		b = append(b, 0, 0, 0x80, 0, 0, 0) // DO set, no options
	}
	return b
}

func appendName(b []byte, name string) []byte {
	start := 0
	for i := 0; i <= len(name); i++ {
		if i == len(name) || name[i] == '.' {
			if i > start {
				b = append(b, byte(i-start))
				b = append(b, name[start:i]...)
			}
			start = i + 1
		}
	}
	return append(b, 0)
}

// ntpMonlist is the MON_GETLIST_1 request of ntpdc -c monlist (version 2,
// implementation XNTPD), padded to 48 bytes as the attack scripts send it.
func ntpMonlist() []byte {
	b := make([]byte, 48)
	copy(b, []byte{0x17, 0x00, 0x03, 0x2a})
	return b
}

// ntpMonlistShort is the 8-byte form some attack tools send.
func ntpMonlistShort() []byte { return []byte{0x17, 0x00, 0x03, 0x2a, 0, 0, 0, 0} }

// ntpReadVar is ntpq's "rv" (mode 6 READVAR, association 0), version 2.
func ntpReadVar(vars string) []byte {
	b := []byte{0x16, 0x02, 0x00, 0x01, 0, 0, 0, 0, 0, 0}
	b = binary.BigEndian.AppendUint16(b, uint16(len(vars)))
	b = append(b, vars...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

// ntpReadStat is ntpq's association list (mode 6 READSTAT).
func ntpReadStat() []byte { return []byte{0x16, 0x01, 0x00, 0x02, 0, 0, 0, 0, 0, 0, 0, 0} }

// ntpClient is a version 4 client request (mode 3) with a transmit time,
// as nmap's NTP payload and ntpdate send it.
func ntpClient(t time.Time) []byte {
	b := make([]byte, 48)
	b[0] = 0xe3 // LI 3 (unsynchronised), version 4, mode 3
	b[2], b[3] = 0x04, 0xfa
	copy(b[40:], ntpTime(nil, t))
	return b
}

// ssdpSearch is an M-SEARCH as nmap's payload and SSDP scanners send it.
func ssdpSearch(st string) []byte {
	return []byte("M-SEARCH * HTTP/1.1\r\nHost: 239.255.255.250:1900\r\nMan: \"ssdp:discover\"\r\nMX: 5\r\nST: " + st + "\r\n\r\n")
}

// mcRequest frames a memcached text command for UDP.
func mcRequest(id uint16, cmd string) []byte {
	b := binary.BigEndian.AppendUint16(nil, id)
	b = append(b, 0, 0, 0, 1, 0, 0)
	return append(b, cmd...)
}

// goldenRequests are the requests with golden replies, by name.
var goldenRequests = []struct {
	name  string
	proto string
	req   []byte
}{
	{"dns_any_rd", "dns", dnsQuery(0x1a2b, "isc.org", typeANY, classIN, true, 0)},
	{"dns_any_edns4096", "dns", dnsQuery(0x0101, "example.com", typeANY, classIN, true, 4096)},
	{"dns_a", "dns", dnsQuery(0x4242, "www.Example.net", typeA, classIN, true, 0)},
	{"dns_aaaa_edns", "dns", dnsQuery(0x4243, "example.net", typeAAAA, classIN, true, 1232)},
	{"dns_mx", "dns", dnsQuery(7, "example.org", typeMX, classIN, true, 0)},
	{"dns_txt", "dns", dnsQuery(8, "example.org", typeTXT, classIN, true, 0)},
	{"dns_nodata_srv", "dns", dnsQuery(9, "_sip._udp.example.org", 33, classIN, true, 0)},
	{"dns_version_bind", "dns", dnsQuery(0x0006, "version.bind", typeTXT, classCH, false, 0)}, // nmap DNSVersionBindReq
	{"dns_chaos_other", "dns", dnsQuery(0x0007, "authors.bind", typeTXT, classCH, false, 0)},
	{"dns_axfr", "dns", dnsQuery(10, "example.org", typeAXFR, classIN, false, 0)},
	{"dns_status_opcode", "dns", []byte{0x00, 0x00, 0x10, 0x00, 0, 0, 0, 0, 0, 0, 0, 0}}, // nmap DNSStatusRequest
	{"dns_badvers", "dns", func() []byte { q := dnsQuery(11, "example.org", typeA, classIN, true, 1232); q[len(q)-5] = 1; return q }()},
	{"dns_two_questions", "dns", []byte{0, 12, 1, 0, 0, 2, 0, 0, 0, 0, 0, 0, 1, 'a', 0, 0, 1, 0, 1, 1, 'b', 0, 0, 1, 0, 1}},
	{"dns_response_ignored", "dns", []byte{0, 13, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 1, 'a', 0, 0, 1, 0, 1}},
	{"dns_truncated_edns512", "dns", func() []byte {
		// An ANY query for a long name with a 512-byte buffer still fits; a
		// name near the limit does not.
		name := "a123456789012345678901234567890123456789012345678901234567890.b123456789012345678901234567890123456789012345678901234567890.c123456789012345678901234567890123456789012345678901234567890.d1234567890123456789012345678901234567890123456789012345"
		return dnsQuery(14, name, typeANY, classIN, true, 512)
	}()},
	{"ntp_monlist", "ntp", ntpMonlist()},
	{"ntp_monlist_short", "ntp", ntpMonlistShort()},
	{"ntp_mon_getlist_old", "ntp", []byte{0x17, 0x00, 0x03, 0x14, 0, 0, 0, 0}},
	{"ntp_mode7_peerlist", "ntp", []byte{0x17, 0x00, 0x03, 0x00, 0, 0, 0, 0}},
	{"ntp_mode7_bad_impl", "ntp", []byte{0x17, 0x00, 0x09, 0x2a, 0, 0, 0, 0}},
	{"ntp_readvar", "ntp", ntpReadVar("")},
	{"ntp_readvar_some", "ntp", ntpReadVar("version,stratum, refid")},
	{"ntp_readstat", "ntp", ntpReadStat()},
	{"ntp_readvar_assoc", "ntp", []byte{0x16, 0x02, 0x00, 0x03, 0, 0, 0x96, 0x8d, 0, 0, 0, 0}},
	{"ntp_mode6_bad_op", "ntp", []byte{0x16, 0x0a, 0x00, 0x04, 0, 0, 0, 0, 0, 0, 0, 0}},
	{"ntp_client", "ntp", ntpClient(time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC))},
	{"ntp_server_ignored", "ntp", func() []byte { b := ntpClient(time.Unix(0, 0)); b[0] = 0x24; return b }()},
	{"ntp_symmetric_ignored", "ntp", []byte("\xd9\x00\x0a\xfa\x00\x00\x00\x00\x00\x01\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\xc6\xf1\x5e\xdb\x78\x00\x00\x00")},
	{"ssdp_all", "ssdp", ssdpSearch("ssdp:all")},
	{"ssdp_rootdevice", "ssdp", ssdpSearch("upnp:rootdevice")},
	{"ssdp_igd", "ssdp", ssdpSearch("urn:schemas-upnp-org:device:InternetGatewayDevice:1")},
	{"ssdp_unknown_target", "ssdp", ssdpSearch("urn:schemas-upnp-org:device:MediaRenderer:1")},
	{"ssdp_lf_no_final_line", "ssdp", []byte("M-SEARCH * HTTP/1.1\nHOST:239.255.255.250:1900\nMAN:\"ssdp:discover\"\nMX:1\nST:ssdp:all")},
	{"ssdp_notify_ignored", "ssdp", []byte("NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nNT: upnp:rootdevice\r\nNTS: ssdp:alive\r\n\r\n")},
	{"ssdp_no_man", "ssdp", []byte("M-SEARCH * HTTP/1.1\r\nST: ssdp:all\r\n\r\n")},
	{"chargen_one_byte", "chargen", []byte{0}},
	{"chargen_text", "chargen", []byte("hello\r\n")},
	{"mc_stats", "memcached", mcRequest(0x0001, "stats\r\n")},
	{"mc_stats_settings", "memcached", mcRequest(0x0002, "stats settings\r\n")},
	{"mc_version", "memcached", mcRequest(0x0100, "version\r\n")}, // nmap's payload
	{"mc_get", "memcached", mcRequest(0x1234, "get injected\r\n")},
	{"mc_gets_many", "memcached", mcRequest(0x1235, "gets a b c d\r\n")},
	{"mc_set_then_get", "memcached", mcRequest(0x0bad, "set injected 0 3600 10\r\n0123456789\r\nget injected\r\n")},
	{"mc_set_bad_length", "memcached", mcRequest(0x0bae, "set k 0 0 100\r\nshort\r\n")},
	{"mc_set_noreply", "memcached", mcRequest(0x0baf, "set k 0 0 2 noreply\r\nab\r\n")},
	{"mc_unknown", "memcached", mcRequest(0x0003, "hello\r\n")},
	{"mc_multi_datagram_ignored", "memcached", []byte{0, 4, 0, 0, 0, 2, 0, 0, 's', 't', 'a', 't', 's', '\r', '\n'}},
	{"mc_no_line_ignored", "memcached", mcRequest(0x0005, "stats")},
}

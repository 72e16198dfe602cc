package smb

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"sort"
)

// stream is the client-to-server bytes of one TCP connection of a capture,
// reassembled by sequence number (retransmissions dropped).
type stream struct {
	Name  string // client address:port -> server address:port
	Bytes []byte
}

type segment struct {
	seq  uint32
	data []byte
}

type flow struct {
	name string
	isn  uint32
	segs []segment
	idx  int // order of the SYN
}

// readStreams reads a classic pcap file (Ethernet or raw IPv4 link types)
// and returns the client bytes of every TCP connection whose SYN it holds,
// in the order the connections started. It is a test helper: a few dozen
// lines instead of a dependency on gopacket.
func readStreams(path string) ([]stream, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(b) < 24 {
		return nil, errors.New("pcap: short file")
	}
	var bo binary.ByteOrder
	switch binary.LittleEndian.Uint32(b) {
	case 0xa1b2c3d4, 0xa1b23c4d:
		bo = binary.LittleEndian
	case 0xd4c3b2a1, 0x4d3cb2a1:
		bo = binary.BigEndian
	default:
		return nil, errors.New("pcap: not a pcap file")
	}
	link := bo.Uint32(b[20:])
	flows := map[string]*flow{}
	var order []*flow
	for off := 24; off+16 <= len(b); {
		incl := int(bo.Uint32(b[off+8:]))
		off += 16
		if off+incl > len(b) {
			break
		}
		pkt := b[off : off+incl]
		off += incl
		switch link {
		case 1: // Ethernet
			if len(pkt) < 14 {
				continue
			}
			et := binary.BigEndian.Uint16(pkt[12:])
			pkt = pkt[14:]
			if et == 0x8100 && len(pkt) >= 4 {
				et = binary.BigEndian.Uint16(pkt[2:])
				pkt = pkt[4:]
			}
			if et != 0x0800 {
				continue
			}
		case 101, 228: // raw IPv4
		default:
			return nil, fmt.Errorf("pcap: link type %d not supported", link)
		}
		if len(pkt) < 20 || pkt[0]>>4 != 4 || pkt[9] != 6 {
			continue
		}
		ihl := int(pkt[0]&0xf) * 4
		total := int(binary.BigEndian.Uint16(pkt[2:]))
		if total > len(pkt) || ihl+20 > total {
			continue
		}
		src := fmt.Sprintf("%d.%d.%d.%d", pkt[12], pkt[13], pkt[14], pkt[15])
		dst := fmt.Sprintf("%d.%d.%d.%d", pkt[16], pkt[17], pkt[18], pkt[19])
		tcp := pkt[ihl:total]
		sport, dport := binary.BigEndian.Uint16(tcp), binary.BigEndian.Uint16(tcp[2:])
		seq := binary.BigEndian.Uint32(tcp[4:])
		doff := int(tcp[12]>>4) * 4
		flags := tcp[13]
		if doff > len(tcp) {
			continue
		}
		key := fmt.Sprintf("%s:%d -> %s:%d", src, sport, dst, dport)
		if flags&0x02 != 0 && flags&0x10 == 0 { // SYN without ACK: a client opens
			f := &flow{name: key, isn: seq + 1, idx: len(order)}
			flows[key] = f
			order = append(order, f)
			continue
		}
		f := flows[key]
		if f == nil || len(tcp) == doff {
			continue
		}
		f.segs = append(f.segs, segment{seq: seq, data: tcp[doff:]})
	}
	var out []stream
	for _, f := range order {
		sort.SliceStable(f.segs, func(i, j int) bool { return f.segs[i].seq-f.isn < f.segs[j].seq-f.isn })
		var data []byte
		for _, s := range f.segs {
			rel := int(s.seq - f.isn)
			if rel+len(s.data) <= len(data) {
				continue // retransmission
			}
			if rel > len(data) {
				break // a gap: the capture lost bytes
			}
			data = append(data, s.data[len(data)-rel:]...)
		}
		out = append(out, stream{Name: f.name, Bytes: data})
	}
	return out, nil
}

package smb

import (
	"bytes"
	"encoding/binary"
)

// DCE/RPC over the srvsvc pipe (C706 chapter 12; MS-SRVS 3.1.4.8): enough
// of a server that a client listing shares (smbclient -L, nmap
// smb-enum-shares, worms looking for writable shares) sees the shares of
// a Windows 7 host: IPC$, ADMIN$ and C$. Other calls are rejected as
// srv.sys rejects unknown operations.

const (
	rpcRequest  = 0
	rpcResponse = 2
	rpcFault    = 3
	rpcBind     = 11
	rpcBindAck  = 12
	rpcAlter    = 14
	rpcAlterRsp = 15

	opNetrShareEnum = 15

	maxRPCContexts  = 8
	rpcFaultOpRange = 0x1c010002 // nca_op_rng_error
)

// ndr32 is the NDR transfer syntax, the only one the sensor speaks.
var ndr32 = []byte{0x04, 0x5d, 0x88, 0x8a, 0xeb, 0x1c, 0xc9, 0x11, 0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60, 2, 0, 0, 0}

// share is one entry of the share list.
type share struct {
	name, remark string
	typ          uint32
}

var shares = []share{
	{"ADMIN$", "Remote Admin", 0x80000000},
	{"C$", "Default share", 0x80000000},
	{"IPC$", "Remote IPC", 0x80000003},
}

// rpcHeader is the common header of a connection-oriented PDU.
func rpcHeader(ptype byte, callID uint32, body []byte) []byte {
	b := []byte{5, 0, ptype, 0x03, 0x10, 0, 0, 0} // first+last fragment, little-endian
	b = binary.LittleEndian.AppendUint16(b, uint16(16+len(body)))
	b = binary.LittleEndian.AppendUint16(b, 0)
	b = binary.LittleEndian.AppendUint32(b, callID)
	return append(b, body...)
}

// rpcCall answers one PDU written to a pipe; nil means no answer (not
// DCE/RPC, or a PDU that needs none).
func rpcCall(pipe string, pdu []byte) []byte {
	if len(pdu) < 16 || pdu[0] != 5 || pdu[4]&0xf0 != 0x10 {
		return nil
	}
	ptype := pdu[2]
	callID := binary.LittleEndian.Uint32(pdu[12:])
	switch ptype {
	case rpcBind, rpcAlter:
		return rpcBindAckPDU(pipe, pdu, callID, ptype == rpcAlter)
	case rpcRequest:
		if len(pdu) < 24 {
			return nil
		}
		ctx := binary.LittleEndian.Uint16(pdu[20:])
		opnum := binary.LittleEndian.Uint16(pdu[22:])
		if !bytes.EqualFold([]byte(pipe), []byte("srvsvc")) || opnum != opNetrShareEnum {
			body := le{}.u32(32).u16(ctx).u8(0).u8(0).u32(rpcFaultOpRange).u32(0)
			return rpcHeader(rpcFault, callID, body)
		}
		stub := shareEnumStub()
		body := le{}.u32(uint32(len(stub))).u16(ctx).u8(0).u8(0)
		return rpcHeader(rpcResponse, callID, append(body, stub...))
	}
	return nil
}

// rpcBindAckPDU accepts every presentation context proposing NDR32 and
// refuses the rest (NDR64, bind-time feature negotiation).
func rpcBindAckPDU(pipe string, pdu []byte, callID uint32, alter bool) []byte {
	if len(pdu) < 29 {
		return nil
	}
	assoc := binary.LittleEndian.Uint32(pdu[20:])
	if assoc == 0 {
		assoc = 0x5391
	}
	n := int(pdu[24])
	body := le{}.u16(4280).u16(4280).u32(assoc)
	if alter {
		body = body.u16(0)
	} else {
		addr := `\PIPE\` + pipe + "\x00"
		body = body.u16(uint16(len(addr)))
		body = append(body, addr...)
	}
	for len(body)%4 != 0 {
		body = append(body, 0)
	}
	var results []byte
	off := 28
	count := 0
	for i := 0; i < n && i < maxRPCContexts; i++ {
		if off+4+20 > len(pdu) {
			break
		}
		nts := int(pdu[off+2])
		accepted := false
		for j := 0; j < nts; j++ {
			ts := off + 24 + 20*j
			if ts+20 <= len(pdu) && bytes.Equal(pdu[ts:ts+20], ndr32) {
				accepted = true
			}
		}
		if accepted {
			results = le(results).u16(0).u16(0)
			results = append(results, ndr32...)
		} else {
			results = le(results).u16(2).u16(2) // provider rejection: transfer syntaxes not supported
			results = append(results, make([]byte, 20)...)
		}
		count++
		off += 24 + 20*nts
	}
	body = append(body, byte(count), 0, 0, 0)
	body = append(body, results...)
	ptype := byte(rpcBindAck)
	if alter {
		ptype = rpcAlterRsp
	}
	return rpcHeader(ptype, callID, body)
}

// shareEnumStub is the NDR of a NetrShareEnum answer at level 1
// (MS-SRVS 2.2.4.23): the SHARE_INFO_1 of every share, TotalEntries, a
// resume handle and success.
func shareEnumStub() []byte {
	b := le{}.u32(1).u32(1).u32(0x00020000). // level, union switch, container pointer
							u32(uint32(len(shares))).u32(0x00020004). // EntriesRead, array pointer
							u32(uint32(len(shares)))                  // conformant array size
	ref := uint32(0x00020008)
	for _, s := range shares {
		b = b.u32(ref).u32(s.typ).u32(ref + 4)
		ref += 8
	}
	str := func(b le, s string) le {
		u := encodeUTF16(s + "\x00")
		b = b.u32(uint32(len(u) / 2)).u32(0).u32(uint32(len(u) / 2))
		b = append(b, u...)
		for len(b)%4 != 0 {
			b = append(b, 0)
		}
		return b
	}
	for _, s := range shares {
		b = str(b, s.name)
		b = str(b, s.remark)
	}
	return b.u32(uint32(len(shares))).u32(0x0002000c + 8*uint32(len(shares))).u32(0).u32(0)
}

package smb

import (
	"strings"

	"github.com/honeygate/honeygate/internal/attrib"
	"github.com/honeygate/honeygate/internal/event"
)

// treeConnect handles TREE_CONNECT_ANDX (MS-CIFS 2.2.4.55, MS-SMB 2.2.4.7).
func (ss *session) treeConnect(m *message, w *builder) (uint32, le, []byte) {
	uni := m.unicode()
	r := reader{b: m.Bytes, base: m.Off}
	r.bytes(int(m.word(6))) // password
	path := r.str(uni)
	service := r.str(false)
	e := ss.event(event.SMBTreeConnect)
	e.SMB.Tree = text(path, 512)
	e.SMB.Service = text(service, 16)
	status := ss.shareStatus(path)
	if status == statusSuccess && m.UID != ss.uid && !m.chained {
		status = statusBadUID
	}
	e.SMB.Status = statusName(status)
	ss.emit(e)
	ss.observeTree(path)
	if status != statusSuccess {
		return status, nil, nil
	}
	if len(ss.trees) >= maxTrees {
		return statusInsuffServerResources, nil, nil
	}
	tid := ss.nextTID
	ss.nextTID++
	ss.trees[tid] = shareName(path)
	w.setTID(tid)
	words := le{andxNone, 0}.u16(0).u16(0x0001) // optional support: search bits
	if m.word(4)&0x0008 != 0 {                  // TREE_CONNECT_ANDX_EXTENDED_RESPONSE
		words = words.u32(0x001f01ff).u32(0)
	}
	data := []byte("IPC\x00")
	if uni {
		// NativeFileSystem, empty, after alignment.
		if (len(w.b)+1+len(words)+2+len(data))%2 == 1 {
			data = append(data, 0)
		}
		data = append(data, 0, 0)
	} else {
		data = append(data, 0)
	}
	return statusSuccess, words, data
}

// shareName is the share part of a UNC path, upper-cased.
func shareName(path string) string {
	if i := strings.LastIndexByte(path, '\\'); i >= 0 {
		path = path[i+1:]
	}
	return strings.ToUpper(path)
}

// shareStatus decides a tree connect: IPC$ is open to the null session
// (what MS17-010 scanners and worms need); the administrative shares exist
// but refuse it; anything else does not exist.
func (ss *session) shareStatus(path string) uint32 {
	if !ss.loggedOn {
		return statusAccessDenied
	}
	switch share := shareName(path); {
	case share == "IPC$":
		return statusSuccess
	case share == "ADMIN$" || share == "C$":
		return statusAccessDenied
	}
	return statusBadNetworkName
}

// observeTree feeds a tree path to attribution.
func (ss *session) observeTree(path string) { ss.observe(attrib.Observation{Tree: path}) }

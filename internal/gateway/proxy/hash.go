package proxy

import (
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"sync"
)

const bufSize = 32 << 10

// hasher hashes a body as it streams, with two alternating buffers: one
// being read into while the other is held back (see streamBody).
type hasher struct {
	h    hash.Hash
	bufs [2][]byte
	i    int
}

var hasherPool = sync.Pool{New: func() any {
	return &hasher{h: sha256.New(), bufs: [2][]byte{make([]byte, bufSize), make([]byte, bufSize)}}
}}

func newHasher() *hasher {
	h := hasherPool.Get().(*hasher)
	h.h.Reset()
	return h
}

func (h *hasher) release() { hasherPool.Put(h) }

// next returns the buffer not currently held back.
func (h *hasher) next() []byte {
	h.i ^= 1
	return h.bufs[h.i]
}

func (h *hasher) write(p []byte) { h.h.Write(p) }

func (h *hasher) sum() string {
	var b [sha256.Size]byte
	return hex.EncodeToString(h.h.Sum(b[:0]))
}

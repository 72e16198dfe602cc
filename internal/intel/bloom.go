package intel

import "math/bits"

// bloom is a split-block Bloom filter (as Parquet and Impala use): a key
// picks one 32-byte block and sets one bit in each of its eight 32-bit
// words, so a query reads half a cache line however many bits it tests.
//
// The snapshot keeps one over the hosts of its URL indicators and their
// keys (a url's, a url-prefix's), partitioned by host: a key's bits go into
// the block its host's hash picks, so the one block read to learn whether a
// host has listed URLs also answers for each of its path expressions. A
// URL lookup asks it which of its up to 5 x 6 host-suffix/path-prefix
// expressions can be in the URL table at all: the filter (10 bits a key,
// 2.5 MB for a million URL indicators on a million hosts) is far more
// likely in the caches than the tables (tens of megabytes), and another
// path on a listed host, or a host with no listed URL, costs no read of
// the tables. A false positive (one or two in a hundred where hosts have a
// URL each; a few in a hundred where they have ten, as a host's keys all
// fall in one block) costs hashing a host's paths against the block read
// already, and a probe that finds nothing if a path passes too; there are
// no false negatives, so matching is unchanged.
type bloom struct {
	blocks [][8]uint32
}

// bloomBitsPerKey sizes the filter: a false positive rate of 1 to 2% for the
// split-block layout (1.6% measured, hosts of one URL each).
const bloomBitsPerKey = 10

// bloomSalts are odd multipliers, one per word of a block, that spread the
// key's low 32 bits over each word's 32 bit positions.
var bloomSalts = [8]uint32{0x47b6137b, 0x44974d91, 0x8824ad5b, 0xa2b7289d, 0x705495c7, 0x2df1424b, 0x9efc4947, 0x5c6bfb31}

func newBloom(keys int) bloom {
	if keys == 0 {
		return bloom{}
	}
	return bloom{blocks: make([][8]uint32, (keys*bloomBitsPerKey+255)/256)}
}

// block picks the block of a host's hash from its high bits (the low ones
// pick the bits); nil when the filter is empty.
func (b *bloom) block(host uint64) *[8]uint32 {
	if len(b.blocks) == 0 {
		return nil
	}
	hi, _ := bits.Mul64(host, uint64(len(b.blocks)))
	return &b.blocks[hi]
}

// bloomAdd sets h's bits in blk.
func bloomAdd(blk *[8]uint32, h uint64) {
	for i, salt := range bloomSalts {
		blk[i] |= 1 << (uint32(h) * salt >> 27)
	}
}

// bloomHas reports whether h may have been added to blk; false is certain.
func bloomHas(blk *[8]uint32, h uint64) bool {
	x := uint32(h)
	// Every word is tested without an early exit: the block is one load,
	// and eight predictable ANDs cost less than a mispredicted branch.
	ok := blk[0] >> (x * bloomSalts[0] >> 27)
	ok &= blk[1] >> (x * bloomSalts[1] >> 27)
	ok &= blk[2] >> (x * bloomSalts[2] >> 27)
	ok &= blk[3] >> (x * bloomSalts[3] >> 27)
	ok &= blk[4] >> (x * bloomSalts[4] >> 27)
	ok &= blk[5] >> (x * bloomSalts[5] >> 27)
	ok &= blk[6] >> (x * bloomSalts[6] >> 27)
	ok &= blk[7] >> (x * bloomSalts[7] >> 27)
	return ok&1 != 0
}

func (b *bloom) bytes() int { return 32 * len(b.blocks) }

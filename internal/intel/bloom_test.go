package intel

import (
	"math/rand/v2"
	"testing"
)

// The filter may say yes to a key never added (a wasted probe) but never
// no to one that was (a missed match): every added key is found, in its
// host's block, also when a block holds far more keys than its share.
func TestBloomNoFalseNegatives(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const hosts, perHost = 2000, 10
	b := newBloom(hosts * (perHost + 1))
	type kv struct{ host, key uint64 }
	var added []kv
	for range hosts {
		h := rng.Uint64()
		for range perHost {
			k := rng.Uint64()
			blk := b.block(h)
			bloomAdd(blk, h)
			bloomAdd(blk, k)
			added = append(added, kv{h, k})
		}
	}
	crowded := rng.Uint64() // one host with 500 keys: its block saturates
	for range 500 {
		k := rng.Uint64()
		bloomAdd(b.block(crowded), crowded)
		bloomAdd(b.block(crowded), k)
		added = append(added, kv{crowded, k})
	}
	for _, a := range added {
		blk := b.block(a.host)
		if !bloomHas(blk, a.host) || !bloomHas(blk, a.key) {
			t.Fatalf("added key %x of host %x not found", a.key, a.host)
		}
	}
	var empty bloom
	if empty.block(1) != nil {
		t.Error("an empty filter has a block")
	}
}

// The sizing's purpose: 1 to 2% false positives (at 10 bits a key) for
// hosts never added, where each listed host has one URL; a loose bound, so
// a broken bit spread shows and chance does not. (Hosts with many URLs
// fill their blocks more unevenly: 2,000 hosts of ten URLs each measure
// about 4%, a false positive that costs hashing the paths of a host whose
// block is read already, and no probe of the tables unless a path passes
// too.)
func TestBloomFalsePositiveRate(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	const hosts = 20000
	b := newBloom(2 * hosts)
	for range hosts {
		h := rng.Uint64()
		bloomAdd(b.block(h), h)
		bloomAdd(b.block(h), rng.Uint64())
	}
	fp := 0
	const tries = 100000
	for range tries {
		h := rng.Uint64()
		if bloomHas(b.block(h), h) {
			fp++
		}
	}
	if fp > tries*3/100 {
		t.Errorf("false positive rate %.2f%%, want 1 to 2%%", 100*float64(fp)/tries)
	}
	t.Logf("false positive rate %.2f%%", 100*float64(fp)/tries)
}

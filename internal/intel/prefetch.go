//go:build amd64 || arm64

package intel

import "unsafe"

// prefetch asks the CPU to bring the cache line at addr in without waiting
// for it (PREFETCHT0 on amd64, PRFM on arm64, nothing elsewhere). Unlike a
// load, it never stalls the instructions behind it and never faults, so a
// lookup can start the memory read of a table slot or a host line it may
// need before it knows whether it does (see Snapshot.urlKeys and
// suffixProbe.touch).
//
//go:noescape
func prefetch(addr unsafe.Pointer)

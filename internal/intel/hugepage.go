package intel

import "unsafe"

// The matcher's tables are tens of megabytes probed at random: on 4 KiB
// pages nearly every probe also misses the TLB, and the page walk that
// follows is another trip to memory on the lookup's critical path (the
// second-level TLB covers about 8 MB). Backed by 2 MiB pages, the same
// tables need a few dozen TLB entries. Linux backs anonymous memory with
// huge pages only where asked (transparent_hugepage=madvise, the common
// default), so the large arrays are allocated through hugeSlice, which
// asks; elsewhere it is a plain make.

// hugeMin is the size from which an array is worth huge pages: below it the
// TLB covers it anyway, and the advice would split the heap's mappings for
// nothing.
const hugeMin = 4 << 20

// hugeSlice is make([]T, n), its memory advised to be backed by huge pages
// when it is large. The advice is taken at the first touch of each page, so
// it is given before anything is written (a fresh large allocation is not
// touched by make).
func hugeSlice[T any](n int) []T {
	s := make([]T, n)
	size := uintptr(n) * unsafe.Sizeof(*new(T))
	if size >= hugeMin {
		adviseHuge(unsafe.Pointer(unsafe.SliceData(s)), size)
	}
	return s
}

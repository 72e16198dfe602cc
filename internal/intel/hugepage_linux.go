//go:build linux

package intel

import (
	"syscall"
	"unsafe"
)

// madvHugepage is MADV_HUGEPAGE, the same on every Linux architecture
// (syscall names it for some only).
const madvHugepage = 14

// adviseHuge asks for huge pages over the whole 2 MiB pages inside
// [p, p+size). The advice is a hint: an error (a kernel without THP) leaves
// the memory on small pages, which only costs speed.
func adviseHuge(p unsafe.Pointer, size uintptr) {
	const huge = 2 << 20
	lo := (uintptr(p) + huge - 1) &^ (huge - 1)
	hi := (uintptr(p) + size) &^ (huge - 1)
	if hi <= lo {
		return
	}
	_, _, _ = syscall.Syscall(syscall.SYS_MADVISE, lo, hi-lo, madvHugepage)
}

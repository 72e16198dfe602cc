//go:build !linux

package intel

import "unsafe"

// adviseHuge is a no-op where the kernel is not asked for huge pages.
func adviseHuge(unsafe.Pointer, uintptr) {}

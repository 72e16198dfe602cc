//go:build !amd64 && !arm64

package intel

import "unsafe"

func prefetch(unsafe.Pointer) {}

//go:build !amd64 && !arm64

package intel

func prefetch(*slot) {}

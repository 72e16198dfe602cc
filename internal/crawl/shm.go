package crawl

import "syscall"

// devShmUsable reports whether /dev/shm is a file system with room for
// Chromium's shared memory (tabs, rasterised tiles, IPC buffers): 512 MiB
// free is plenty for the pool of tabs the engine runs.
func devShmUsable() bool {
	var st syscall.Statfs_t
	if err := syscall.Statfs("/dev/shm", &st); err != nil {
		return false
	}
	return uint64(st.Bavail)*uint64(st.Bsize) >= 512<<20
}

package crawl

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// treeCPUBy is treeCPU split by process kind: "go" (this process alone)
// and each Chromium process type ("browser", "renderer", "zygote" with the
// exited renderers it reaped, "gpu-process", "utility"), so a benchmark can
// say where a visit's CPU goes.
func treeCPUBy() map[string]time.Duration {
	tick := time.Second / 100 // USER_HZ
	self := os.Getpid()
	type proc struct {
		ppid       int
		own, child int64
		kind       string
	}
	procs := map[int]proc{}
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		pid, _ := strconv.Atoi(filepath.Base(d))
		st, err := os.ReadFile(filepath.Join(d, "stat"))
		if err != nil {
			continue
		}
		s := string(st)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(s[i+1:])
		if len(f) < 15 {
			continue
		}
		ppid, _ := strconv.Atoi(f[1])
		ut, _ := strconv.ParseInt(f[11], 10, 64)
		stt, _ := strconv.ParseInt(f[12], 10, 64)
		cut, _ := strconv.ParseInt(f[13], 10, 64)
		cst, _ := strconv.ParseInt(f[14], 10, 64)
		kind := "other"
		if pid == self {
			kind = "go"
		} else if cmd, err := os.ReadFile(filepath.Join(d, "cmdline")); err == nil {
			kind = "browser"
			// Chromium rewrites its children's argv into one
			// space-separated title: split on both.
			for _, a := range strings.FieldsFunc(string(cmd), func(r rune) bool { return r == 0 || r == ' ' }) {
				if t, ok := strings.CutPrefix(a, "--type="); ok {
					kind = t
				}
			}
		}
		procs[pid] = proc{ppid: ppid, own: ut + stt, child: cut + cst, kind: kind}
	}
	out := map[string]time.Duration{}
	for pid, p := range procs {
		for q, n := pid, 0; q > 1 && n < 64; n++ {
			if q == self {
				if pid == self {
					out["go"] += time.Duration(p.own) * tick
				} else {
					out[p.kind] += time.Duration(p.own+p.child) * tick
				}
				break
			}
			q = procs[q].ppid
		}
	}
	return out
}

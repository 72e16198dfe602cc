package busybox

import (
	"fmt"
	"strings"
	"time"
)

// System applets: what the device is, what runs on it and its network.
// Their numbers come from the profile's facts, so that two deployments
// differ.

func (sh *Shell) psApplet(_ []string, io *stdio) int {
	io.out.WriteString(sh.ps(sh.argv))
	return 0
}

func (sh *Shell) pwd(_ []string, io *stdio) int {
	io.out.WriteString(sh.cwd + "\n")
	return 0
}

func (sh *Shell) yes(args []string, io *stdio) int {
	y := "y"
	if len(args) > 1 {
		y = strings.Join(args[1:], " ")
	}
	if len(y) < maxOutput {
		io.out.WriteString(strings.Repeat(y+"\n", maxOutput/(len(y)+1)+1)[:maxOutput])
	}
	return 0
}

func (sh *Shell) whoami(_ []string, io *stdio) int {
	io.out.WriteString("root\n")
	return 0
}

func (sh *Shell) hostname(_ []string, io *stdio) int {
	io.out.WriteString(sh.dev.p.Hostname + "\n")
	return 0
}

// free is BusyBox 1.20's free (kB, or MB with -m, with the -/+ buffers
// line).
func (sh *Shell) free(args []string, io *stdio) int {
	m := sh.dev.mem()
	if fl, _ := flags(args); strings.Contains(fl, "m") {
		m = memInfo{total: m.total >> 10, free: m.free >> 10, buffers: m.buffers >> 10, cached: m.cached >> 10}
	}
	used := m.total - m.free
	fmt.Fprintf(io.out, "             total         used         free       shared      buffers\n"+
		"Mem:      %8d     %8d     %8d     %8d     %8d\n"+
		"-/+ buffers:           %8d     %8d\n"+
		"Swap:     %8d     %8d     %8d\n",
		m.total, used, m.free, 0, m.buffers, used-m.buffers, m.free+m.buffers, 0, 0, 0)
	return 0
}

func (sh *Shell) df(args []string, io *stdio) int {
	fl, _ := flags(args)
	io.out.WriteString(sh.dev.dfOutput(strings.Contains(fl, "h")))
	return 0
}

func (sh *Shell) mount(args []string, io *stdio) int {
	if len(args) == 1 {
		io.out.WriteString(procMounts)
		return 0
	}
	// The root file system is squashfs: it cannot become writable, and
	// nothing else is there to mount.
	dev, dir := "/dev/root", "/"
	var ops []string
	for i := 1; i < len(args); i++ {
		switch a := args[i]; {
		case a == "-o" || a == "-t":
			i++ // the option's value
		case strings.HasPrefix(a, "-"):
		default:
			ops = append(ops, a)
		}
	}
	if len(ops) > 0 {
		dir = ops[len(ops)-1]
		if len(ops) > 1 {
			dev = ops[0]
		}
	}
	io.err.WriteString("mount: mounting " + dev + " on " + dir + " failed: Invalid argument\n")
	return 1
}

func (sh *Shell) umount(args []string, io *stdio) int {
	if len(args) < 2 {
		return sh.usage(io, "umount", "[OPTIONS] FILESYSTEM|DIRECTORY")
	}
	io.err.WriteString("umount: can't umount " + args[len(args)-1] + ": Device or resource busy\n")
	return 1
}

func (sh *Shell) killall(args []string, io *stdio) int {
	if len(args) > 1 && !strings.Contains(sh.ps(nil), args[len(args)-1]) {
		io.err.WriteString("killall: " + args[len(args)-1] + ": no process killed\n")
		return 1
	}
	return 0
}

func (sh *Shell) which(args []string, io *stdio) int {
	st := 1
	for _, a := range args[1:] {
		if dir, ok := sh.dev.applets[a]; ok {
			io.out.WriteString(dir + "/" + a + "\n")
			st = 0
		}
	}
	return st
}

func (sh *Shell) date(_ []string, io *stdio) int {
	io.out.WriteString(sh.dev.now().UTC().Format("Mon Jan _2 15:04:05 UTC 2006") + "\n")
	return 0
}

func (sh *Shell) uptime(_ []string, io *stdio) int {
	// BusyBox's format: days if any, then H:MM or "N min".
	up := sh.dev.uptime()
	mins := int(up / time.Minute)
	days, hours := mins/(24*60), (mins/60)%24
	var sb strings.Builder
	sb.WriteString(sh.dev.now().UTC().Format(" 15:04:05") + " up ")
	if days > 0 {
		fmt.Fprintf(&sb, "%d day%s, ", days, map[bool]string{true: "s", false: ""}[days != 1])
	}
	if hours > 0 {
		fmt.Fprintf(&sb, "%2d:%02d, ", hours, mins%60)
	} else {
		fmt.Fprintf(&sb, "%d min, ", mins%60)
	}
	sb.WriteString(" load average: 0.31, 0.22, 0.19\n")
	io.out.WriteString(sb.String())
	return 0
}

func (sh *Shell) env(_ []string, io *stdio) int {
	for _, k := range sh.envNames() {
		v, _ := sh.lookup(k)
		sh.work += int64(len(v))
		io.out.WriteString(k + "=" + v + "\n")
	}
	return 0
}

func (sh *Shell) ifconfig(_ []string, io *stdio) int {
	io.out.WriteString(sh.dev.ifconfigOutput())
	return 0
}

func (sh *Shell) netstat(_ []string, io *stdio) int {
	io.out.WriteString(sh.dev.netstatOutput())
	return 0
}

func (sh *Shell) telnet(args []string, io *stdio) int {
	if len(args) > 1 {
		io.err.WriteString("telnet: can't connect to remote host (" + args[1] + "): Connection refused\n")
	}
	return 1
}

// nohup as an applet (the shell strips a leading nohup before it gets
// here, so this is "busybox nohup" or /usr/bin/nohup).
func (sh *Shell) nohup(args []string, io *stdio) int {
	if len(args) < 2 {
		return sh.usage(io, "nohup", "PROG ARGS")
	}
	return sh.exec(args[1:], io)
}

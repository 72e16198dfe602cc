package busybox

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Device is the emulated device a Profile describes: its filesystem, its
// applets, its processes and its facts. It is built once per sensor and
// shared read-only by the sessions' shells, which only add their own
// copy-on-write overlay; it is safe for concurrent use.
type Device struct {
	p       Profile
	lim     Limits
	f       facts
	arch    archInfo
	busybox []byte            // the start of /bin/busybox, shared by every applet link
	applets map[string]string // applet name -> directory it is linked in
	fs      *baseFS
	ps      string // ps output up to the login shell's row
	shPID   int    // the login shell's pid
	// pool is the overlay byte budget shared by every session.
	pool *overlayPool
	// clock tells date and uptime the time; nil is time.Now.
	clock func() time.Time
	boot  time.Time // when the "device" booted: the sensor's start less its facts' bootAge
}

// WithClock returns a copy of the device whose date and uptime read now:
// a fixed clock makes replays and golden transcripts reproducible. The
// copy shares the filesystem base and the overlay pool.
func (d *Device) WithClock(now func() time.Time) *Device {
	c := *d
	c.clock = now
	c.boot = now().Add(-d.f.bootAge)
	return &c
}

func (d *Device) now() time.Time {
	if d.clock != nil {
		return d.clock()
	}
	return time.Now()
}

// NewDevice validates p and lim (zero fields of lim take their defaults)
// and builds the device.
func NewDevice(p Profile, lim Limits) (*Device, error) {
	if es := p.Validate(); len(es) > 0 {
		return nil, fmt.Errorf("busybox: invalid profile: %w", es)
	}
	lim = lim.withDefaults()
	if es := lim.Validate(); len(es) > 0 {
		return nil, fmt.Errorf("busybox: invalid limits: %w", es)
	}
	return newDevice(p, lim), nil
}

// Profile returns the profile the device was built from.
func (d *Device) Profile() Profile { return d.p }

// Limits returns the limits the device's shells run under.
func (d *Device) Limits() Limits { return d.lim }

// NewShell starts the login shell of one session. ctx bounds every line it
// runs (a sleep, a loop); the caller must Close the shell when the session
// ends, to give its filesystem bytes back to the device.
func (d *Device) NewShell(ctx context.Context) *Shell {
	return d.NewShellFrom(ctx, "")
}

// NewShellFrom is NewShell for a session from source (an attacker's
// address, or its IPv6 /64): the sessions of one source share a part of the
// device's overlay pool, so that one attacker cannot fill it for all.
func (d *Device) NewShellFrom(ctx context.Context, source string) *Shell {
	sh := newShell(d)
	sh.ctx = ctx
	sh.fs.src = source
	return sh
}

// busyboxSize is the size ls shows for /bin/busybox: a typical static build.
const busyboxSize = 612376

// writableMounts are the read-write mounts of the device; Mirai's loader
// probes each with an echo to pick where to drop its binary.
func writableMounts() []string { return []string{"/dev", "/tmp", "/var", "/dev/shm", "/mnt/mtd"} }

// newDevice builds a device from a valid profile and complete limits.
func newDevice(p Profile, lim Limits) *Device {
	d := &Device{p: p, lim: lim, f: deriveFacts(p), arch: archOf(p.Arch)}
	d.busybox = elfImage(d.arch, 1024)
	// The applets our BusyBox build has, by directory, as `busybox
	// --list-full` would place them; curl is deliberately absent, as on the
	// devices worms target.
	d.applets = make(map[string]string, len(appletTable))
	for name, def := range appletTable {
		d.applets[name] = def.dir
	}
	d.fs = d.buildFS()
	d.ps, d.shPID = d.buildPS()
	d.addProcDirs()
	d.pool = newOverlayPool(lim.PoolBytes)
	d.boot = time.Now().Add(-d.f.bootAge)
	return d
}

// uptime is how long the device has been up.
func (d *Device) uptime() time.Duration { return max(d.now().Sub(d.boot), 0) }

func (d *Device) machine() string { return d.arch.uname }

// bannerLine is BusyBox's first line in `busybox` and in the shell banner.
func (d *Device) bannerLine() string {
	return fmt.Sprintf("BusyBox v%s (%s) multi-call binary.", d.p.BusyBoxVersion, d.p.BusyBoxBuild)
}

func (d *Device) procVersion() string {
	gcc := "gcc version 4.6.3 (Buildroot 2012.11.1)"
	if d.p.Arch == "arm" || d.p.Arch == "armv7" {
		gcc = "gcc version 4.4.1 (Hisilicon_v100(gcc4.4-290+uclibc_0.9.32.1+eabi+linuxpthread))"
	}
	return fmt.Sprintf("Linux version %s (root@localhost.localdomain) (%s ) %s\n", d.p.Kernel, gcc, d.p.KernelBuild)
}

func (d *Device) unameAll() string {
	return fmt.Sprintf("Linux %s %s %s %s GNU/Linux", d.p.Hostname, d.p.Kernel, d.p.KernelBuild, d.machine())
}

const procMounts = `rootfs / rootfs ro 0 0
/dev/root / squashfs ro,relatime 0 0
proc /proc proc rw,relatime 0 0
sysfs /sys sysfs rw,relatime 0 0
tmpfs /dev tmpfs rw,relatime,mode=755 0 0
devpts /dev/pts devpts rw,relatime,mode=600 0 0
tmpfs /tmp tmpfs rw,relatime 0 0
tmpfs /var tmpfs rw,relatime 0 0
tmpfs /dev/shm tmpfs rw,relatime 0 0
/dev/mtdblock3 /mnt/mtd jffs2 rw,relatime 0 0
`

// procCmdline is the kernel command line of a 64 MiB DVR booting from
// SPI flash.
const procCmdline = "mem=64M console=ttyAMA0,115200 root=/dev/mtdblock2 rootfstype=squashfs mtdparts=hi_sfc:256K(boot),3M(kernel),10M(romfs),3328K(mtd)\n"

const procMtd = `dev:    size   erasesize  name
mtd0: 00040000 00010000 "boot"
mtd1: 00300000 00010000 "kernel"
mtd2: 00a00000 00010000 "romfs"
mtd3: 00340000 00010000 "mtd"
`

const procPartitions = `major minor  #blocks  name

  31        0        256 mtdblock0
  31        1       3072 mtdblock1
  31        2      10240 mtdblock2
  31        3       3328 mtdblock3
`

// procNetTCP lists the listeners netstat shows (23, 80, 34567).
const procNetTCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:0017 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1021 1 c3a1e000 300 0 0 2 -1
   1: 00000000:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1133 1 c3a1e4c0 300 0 0 2 -1
   2: 00000000:8707 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1134 1 c3a1e980 300 0 0 2 -1
`

// xmDep2 is the start-up script of XiongMai's DVR firmware.
const xmDep2 = `#!/bin/sh
# XDVR application start-up
export PATH=/bin:/sbin:/usr/bin:/usr/sbin:/mnt/mtd
ulimit -s 1024
cd /usr/bin
/usr/bin/dvrhelper_wd &
cd /var
./Sofia &
`

const xmAccount = `{ "Groups" : [ { "AuthorityList" : [ "ShutDown", "ChannelTitle", "RecordConfig" ], "Memo" : "administrator group", "Name" : "admin" } ],
"Users" : [ { "AuthorityList" : [ "ShutDown", "ChannelTitle", "RecordConfig" ], "Group" : "admin", "Memo" : "admin 's account", "Name" : "admin", "Password" : "tlJwpbo6", "Reserved" : true, "Sharable" : true } ] }
`

const xmProduct = `{ "Product" : "XDVR", "Vendor" : "XM", "Hardware" : "HI3518E_V100", "Channels" : 8 }
`

const etcPasswd = `root:x:0:0:root:/:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
bin:x:2:2:bin:/bin:/bin/false
nobody:x:99:99:nobody:/home:/bin/false
`

const etcShadow = `root:$1$RYIwEiRA$d71Y6rn9x.fTC6LBvMNvS0:0:0:99999:7:::
`

func (d *Device) buildFS() *baseFS {
	b := newBaseFS(writableMounts())
	dir := func(p string) { b.add(p, &node{kind: kindDir, mode: 0o755}) }
	file := func(p, content string) { b.add(p, &node{kind: kindFile, mode: 0o644, data: []byte(content)}) }
	dev := func(p string) { b.add(p, &node{kind: kindDev, mode: 0o666}) }
	for _, p := range []string{"/bin", "/dev/pts", "/dev/shm", "/etc", "/home", "/lib", "/mnt/mtd", "/proc/self", "/proc/net", "/sys/class/net/eth0", "/root", "/sbin", "/tmp", "/usr/bin", "/usr/sbin", "/var/run", "/var/tmp", "/var/log", "/var/lock"} {
		dir(p)
	}
	b.add("/bin/busybox", &node{kind: kindFile, mode: 0o755, data: d.busybox, size: busyboxSize})
	for name, dirPath := range d.applets {
		if name == "busybox" {
			continue
		}
		target := "/bin/busybox"
		if dirPath == "/bin" {
			target = "busybox"
		}
		b.add(dirPath+"/"+name, &node{kind: kindFile, mode: 0o777, data: d.busybox, size: busyboxSize, link: target})
	}
	b.add("/proc/self/exe", &node{kind: kindFile, mode: 0o777, data: d.busybox, size: busyboxSize, link: "/bin/busybox"})
	b.add("/lib/libc.so.0", &node{kind: kindFile, mode: 0o755, data: d.busybox[:64:64], size: 315604})
	b.add("/lib/ld-uClibc.so.0", &node{kind: kindFile, mode: 0o755, data: d.busybox[:64:64], size: 24260})
	for _, p := range []string{"/dev/null", "/dev/zero", "/dev/urandom", "/dev/random", "/dev/console", "/dev/tty", "/dev/ttyS0", "/dev/watchdog", "/dev/mtdblock0", "/dev/mtdblock1", "/dev/mtdblock2", "/dev/mtdblock3"} {
		dev(p)
	}
	file("/etc/passwd", etcPasswd)
	file("/etc/shadow", etcShadow)
	file("/etc/group", "root:x:0:\ndaemon:x:1:\nnobody:x:99:\n")
	file("/etc/hostname", d.p.Hostname+"\n")
	file("/etc/hosts", "127.0.0.1\tlocalhost\n")
	file("/etc/issue", d.p.Banner)
	file("/etc/inittab", "::sysinit:/etc/init.d/rcS\n::respawn:-/bin/sh\n::restart:/sbin/init\n")
	file("/etc/profile", "export PATH=/bin:/sbin:/usr/bin:/usr/sbin\nexport PS1='\\w # '\n")
	file("/etc/resolv.conf", "nameserver 8.8.8.8\n")
	file("/proc/cpuinfo", d.arch.cpuinfo)
	file("/proc/version", d.procVersion())
	file("/proc/mounts", procMounts)
	file("/proc/self/mounts", procMounts)
	file("/proc/meminfo", d.procMeminfo())
	file("/proc/net/arp", d.procNetArp())
	file("/sys/class/net/eth0/address", d.f.mac.String()+"\n")
	file("/proc/uptime", "") // read from the device's clock (readPath)
	file("/proc/loadavg", "0.31 0.22 0.19 1/48 1178\n")
	file("/proc/cmdline", procCmdline)
	file("/proc/modules", procModules)
	file("/proc/mtd", procMtd)
	file("/proc/partitions", procPartitions)
	file("/proc/filesystems", "nodev\tsysfs\nnodev\trootfs\nnodev\tramfs\nnodev\tproc\nnodev\ttmpfs\nnodev\tdevpts\n\tsquashfs\n\tjffs2\n")
	file("/proc/net/dev", d.procNetDev())
	file("/proc/net/route", d.procNetRoute())
	file("/proc/net/tcp", procNetTCP)
	// What a XiongMai (HiSilicon) DVR keeps on its flash: the start-up
	// script bots fgrep for "XDVR", the settings, the product definition.
	dir("/mnt/mtd/Config")
	dir("/mnt/mtd/Log")
	dir("/mnt/custom")
	dir("/usr/etc")
	b.add("/mnt/mtd/dep2.sh", &node{kind: kindFile, mode: 0o755, data: []byte(xmDep2)})
	file("/mnt/mtd/Config/Account1", xmAccount)
	file("/mnt/mtd/Config/network", "")
	file("/mnt/mtd/Log/Log", "")
	file("/mnt/custom/ProductDefinition", xmProduct)
	file("/usr/etc/passwd", etcPasswd)
	b.add("/var/Sofia", &node{kind: kindFile, mode: 0o755, data: d.busybox[:256:256], size: 8126464})
	b.add("/usr/bin/dvrhelper_wd", &node{kind: kindFile, mode: 0o755, data: d.busybox[:256:256], size: 9820})
	file("/var/run/telnetd.pid", "611\n")

	return b
}

// addProcDirs gives every process ps shows its /proc/PID directory with
// cmdline and exe, as ls /proc and cat /proc/PID/cmdline expect.
func (d *Device) addProcDirs() {
	for _, l := range strings.Split(strings.TrimSpace(d.ps), "\n")[1:] {
		f := strings.Fields(l)
		if len(f) < 5 {
			continue
		}
		dir := "/proc/" + f[0]
		if _, ok := d.fs.nodes[dir]; !ok {
			d.fs.add(dir, &node{kind: kindDir, mode: 0o555})
		}
		cmd := strings.Join(f[4:], " ")
		if !strings.HasPrefix(cmd, "[") { // kernel threads have an empty cmdline
			d.fs.add(dir+"/cmdline", &node{kind: kindFile, mode: 0o444, data: []byte(strings.ReplaceAll(cmd, " ", "\x00") + "\x00")})
		} else {
			d.fs.add(dir+"/cmdline", &node{kind: kindFile, mode: 0o444})
		}
	}
	// The login shell of every session.
	sh := fmt.Sprintf("/proc/%d", d.shPID)
	d.fs.add(sh, &node{kind: kindDir, mode: 0o555})
	d.fs.add(sh+"/cmdline", &node{kind: kindFile, mode: 0o444, data: []byte("-sh\x00")})
}

// buildPS renders ps in BusyBox's format, up to the login shell, whose pid
// it returns. Mirai's loader parses it and kills a second "init" and any
// process over pid 400 whose name is all digits, so neither may appear.
func (d *Device) buildPS() (string, int) {
	var sb strings.Builder
	sb.WriteString("  PID USER       VSZ STAT COMMAND\n")
	row := func(pid int, vsz, stat, cmd string) {
		fmt.Fprintf(&sb, "%5d root     %5s %-4s %s\n", pid, vsz, stat, cmd)
	}
	row(1, "1496", "S", "init")
	for i, k := range []string{"[kthreadd]", "[ksoftirqd/0]", "[events/0]", "[khelper]", "[sync_supers]", "[bdi-default]", "[kblockd/0]", "[kswapd0]", "[mtdblock0]", "[mtdblock1]", "[mtdblock2]", "[mtdblock3]"} {
		row(2+i, "0", "SW", k)
	}
	pid := 540
	for _, name := range d.p.Processes {
		row(pid, "2324", "S", name)
		pid += 37
	}
	return sb.String(), pid
}

// psRow is one line of ps for a process of ours.
func psRow(pid int, vsz, stat, cmd string) string {
	return fmt.Sprintf("%5d root     %5s %-4s %s\n", pid, vsz, stat, cmd)
}

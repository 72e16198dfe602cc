package busybox

import (
	"fmt"
	"hash/fnv"
	"net"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Profile is the device a sensor pretends to be. Its yaml keys are those of
// the telnet section's `profile` (a config file that validated before the
// device became its own package still does).
//
// The device facts (MAC, addresses, memory, flash, traffic counters) are
// optional: left empty they are derived from Seed (or, without one, from
// Hostname), so two deployments answer ifconfig, free, df and arp
// differently while one deployment answers the same way every time.
type Profile struct {
	Hostname       string `yaml:"hostname"`        // shown in the login prompt and by uname -n
	Banner         string `yaml:"banner"`          // printed once before the first login prompt (/etc/issue.net)
	BusyBoxVersion string `yaml:"busybox_version"` // e.g. "1.20.2"
	BusyBoxBuild   string `yaml:"busybox_build"`   // build date as BusyBox prints it, e.g. "2016-03-18 10:31:07 CST"
	Arch           string `yaml:"arch"`            // one of Arches
	Kernel         string `yaml:"kernel"`          // kernel release, e.g. "3.0.8"
	KernelBuild    string `yaml:"kernel_build"`    // uname -v, e.g. "#1 Fri Mar 18 10:32:18 CST 2016"
	// Prompt, when set, is the fixed shell prompt; empty means ash's default
	// for root ("~ # " at home, "/tmp # " elsewhere).
	Prompt string `yaml:"prompt"`
	// Processes are the device's own programs, added to ps after the kernel
	// threads and init.
	Processes []string `yaml:"processes"`

	// Seed makes the derived facts of this deployment its own; empty means
	// the hostname (the telnet sensor passes its sensor name).
	Seed string `yaml:"seed"`
	// MAC of eth0, e.g. "00:12:12:3a:5c:8e"; empty: derived.
	MAC string `yaml:"mac"`
	// Address of eth0 with its prefix, e.g. "192.168.1.10/24"; empty: derived.
	Address string `yaml:"address"`
	// Gateway is the default route and the one arp entry; empty: the first
	// host of Address's network.
	Gateway string `yaml:"gateway"`
	// MemoryKB is MemTotal in kB (free, /proc/meminfo); 0: derived near 64 MiB.
	MemoryKB int `yaml:"memory_kb"`
	// FlashKB is the size of the writable flash partition mounted on
	// /mnt/mtd (df); 0: derived.
	FlashKB int `yaml:"flash_kb"`
}

// Arches returns the CPU architectures a profile may claim; each has its ELF
// header, uname -m and /proc/cpuinfo.
func Arches() []string {
	return []string{"arm", "armv7", "mips", "mipsel", "x86", "x86_64", "powerpc", "sh4", "m68k", "sparc"}
}

// DefaultProfile is a Hisilicon-based DVR of the kind Mirai spread through:
// ARMv5, BusyBox 1.20, a 3.0 kernel, root shell on login.
func DefaultProfile() Profile {
	return Profile{
		Hostname:       "LocalHost",
		BusyBoxVersion: "1.20.2",
		BusyBoxBuild:   "2016-03-18 10:31:07 CST",
		Arch:           "arm",
		Kernel:         "3.0.8",
		KernelBuild:    "#1 Fri Mar 18 10:32:18 CST 2016",
		Processes:      []string{"/usr/sbin/telnetd", "/var/Sofia", "/usr/bin/dvrhelper_wd"},
	}
}

// FieldError is one problem with one field of a Profile or Limits, named by
// its yaml key relative to the section.
type FieldError struct {
	Field   string
	Message string
}

func (e FieldError) Error() string { return e.Field + ": " + e.Message }

// Errors are all the problems found by a Validate; nil means none.
type Errors []FieldError

func (es Errors) Error() string {
	msgs := make([]string, len(es))
	for i, e := range es {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "; ")
}

// Err returns es as an error, or nil when it is empty (a nil Errors in an
// error interface would not be nil).
func (es Errors) Err() error {
	if len(es) == 0 {
		return nil
	}
	return es
}

var (
	hostnameRE = regexp.MustCompile(`^[A-Za-z0-9()._-]{1,64}$`)
	versionRE  = regexp.MustCompile(`^[0-9]+(\.[0-9]+){1,3}$`)
	kernelRE   = regexp.MustCompile(`^[0-9]+\.[0-9]+[A-Za-z0-9._+-]{0,60}$`)
)

// Validate reports every field that cannot work, by its yaml name.
func (p Profile) Validate() Errors {
	var es Errors
	add := func(field, format string, a ...any) {
		es = append(es, FieldError{field, fmt.Sprintf(format, a...)})
	}
	if !hostnameRE.MatchString(p.Hostname) {
		add("hostname", "%q must be 1-64 letters, digits or ()._-", p.Hostname)
	}
	if len(p.Banner) > 4096 {
		add("banner", "longer than 4096 bytes")
	}
	if !versionRE.MatchString(p.BusyBoxVersion) {
		add("busybox_version", "%q is not a version like 1.20.2", p.BusyBoxVersion)
	}
	if len(p.BusyBoxBuild) > 64 || hasControl(p.BusyBoxBuild) {
		add("busybox_build", "longer than 64 bytes or has control characters")
	}
	if !slices.Contains(Arches(), p.Arch) {
		add("arch", "%q is not one of %s", p.Arch, strings.Join(Arches(), ", "))
	}
	if !kernelRE.MatchString(p.Kernel) {
		add("kernel", "%q is not a kernel release like 3.0.8", p.Kernel)
	}
	if len(p.KernelBuild) > 128 || hasControl(p.KernelBuild) {
		add("kernel_build", "longer than 128 bytes or has control characters")
	}
	if len(p.Prompt) > 64 || hasControl(p.Prompt) {
		add("prompt", "longer than 64 bytes or has control characters")
	}
	if len(p.Processes) > 64 {
		add("processes", "more than 64")
	}
	for i, name := range p.Processes {
		if name == "" || len(name) > 128 || hasControl(name) {
			add(fmt.Sprintf("processes[%d]", i), "empty, longer than 128 bytes or has control characters")
		}
	}
	if len(p.Seed) > 256 {
		add("seed", "longer than 256 bytes")
	}
	if p.MAC != "" {
		if hw, err := net.ParseMAC(p.MAC); err != nil || len(hw) != 6 {
			add("mac", "%q is not a MAC like 00:12:12:3a:5c:8e", p.MAC)
		}
	}
	if p.Address != "" {
		if pf, err := netip.ParsePrefix(p.Address); err != nil || !pf.Addr().Is4() || pf.Bits() < 8 || pf.Bits() > 30 {
			add("address", "%q is not an IPv4 address with a prefix of 8-30 bits like 192.168.1.10/24", p.Address)
		}
	}
	if p.Gateway != "" {
		if a, err := netip.ParseAddr(p.Gateway); err != nil || !a.Is4() {
			add("gateway", "%q is not an IPv4 address", p.Gateway)
		}
	}
	if p.MemoryKB != 0 && (p.MemoryKB < 8<<10 || p.MemoryKB > 4<<20) {
		add("memory_kb", "%d is not within 8192-4194304", p.MemoryKB)
	}
	if p.FlashKB != 0 && (p.FlashKB < 64 || p.FlashKB > 1<<20) {
		add("flash_kb", "%d is not within 64-1048576", p.FlashKB)
	}
	return es
}

func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return true
		}
	}
	return false
}

// facts are the device's numbers, from the profile or derived.
type facts struct {
	mac       net.HardwareAddr
	addr      netip.Prefix
	gateway   netip.Addr
	gwMAC     net.HardwareAddr
	memKB     int
	flashKB   int
	flashUsed int
	rxPackets uint64
	txPackets uint64
	rxBytes   uint64
	txBytes   uint64
	bootAge   time.Duration // how long the device had been up when the sensor started
}

// deriveFacts fills what the profile leaves empty from a hash of the seed.
// The choices stay within what such DVRs show: a vendor MAC prefix, a home
// LAN address, 64 MiB of RAM less what the kernel keeps, a small jffs2.
func deriveFacts(p Profile) facts {
	seed := p.Seed
	if seed == "" {
		seed = p.Hostname
	}
	h := fnv.New64a()
	h.Write([]byte("busybox-facts\x00" + seed))
	v := h.Sum64()
	next := func(n uint64) uint64 { // a new draw from the seed
		v ^= v >> 33
		v *= 0xff51afd7ed558ccd
		v ^= v >> 33
		return v % n
	}
	var f facts
	// 00:12:12 is the prefix the XiongMai/HiSilicon DVRs we imitate ship with.
	f.mac = net.HardwareAddr{0x00, 0x12, 0x12, byte(next(256)), byte(next(256)), byte(next(256))}
	if hw, err := net.ParseMAC(p.MAC); err == nil && len(hw) == 6 {
		f.mac = hw
	}
	lans := []netip.Prefix{
		netip.MustParsePrefix("192.168.1.0/24"), netip.MustParsePrefix("192.168.0.0/24"),
		netip.MustParsePrefix("192.168.2.0/24"), netip.MustParsePrefix("10.0.0.0/24"),
		netip.MustParsePrefix("192.168.10.0/24"), netip.MustParsePrefix("192.168.100.0/24"),
	}
	lan := lans[next(uint64(len(lans)))]
	b := lan.Addr().As4()
	b[3] = byte(2 + next(240))
	f.addr = netip.PrefixFrom(netip.AddrFrom4(b), lan.Bits())
	if pf, err := netip.ParsePrefix(p.Address); err == nil && pf.Addr().Is4() {
		f.addr = pf
	}
	gw := f.addr.Masked().Addr().As4()
	gw[3]++
	f.gateway = netip.AddrFrom4(gw)
	if a, err := netip.ParseAddr(p.Gateway); err == nil && a.Is4() {
		f.gateway = a
	}
	// A router's MAC: a locally plausible vendor prefix (TP-Link's 14:cc:20).
	f.gwMAC = net.HardwareAddr{0x14, 0xcc, 0x20, byte(next(256)), byte(next(256)), byte(next(256))}
	f.memKB = 59840 - 4*int(next(64))
	if p.MemoryKB != 0 {
		f.memKB = p.MemoryKB
	}
	f.flashKB = []int{1024, 2048, 1536, 3072}[next(4)]
	if p.FlashKB != 0 {
		f.flashKB = p.FlashKB
	}
	f.flashUsed = f.flashKB/4 + int(next(uint64(f.flashKB/4+1)))
	f.rxPackets = 1_000_000 + next(4_000_000)
	f.txPackets = f.rxPackets/2 + next(f.rxPackets/2)
	f.rxBytes = f.rxPackets * (200 + next(600))
	f.txBytes = f.txPackets * (300 + next(900))
	f.bootAge = time.Duration(1+next(60*24*60)) * time.Minute // up to 60 days
	return f
}

// broadcast is the last address of the prefix.
func broadcast(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().As4()
	host := uint32(1)<<(32-p.Bits()) - 1
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3]) | host
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

func netmask(p netip.Prefix) string {
	m := net.CIDRMask(p.Bits(), 32)
	return net.IP(m).String()
}

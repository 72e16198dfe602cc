package busybox

import "encoding/binary"

// archInfo is what an architecture looks like from a shell: the ELF header
// of its binaries, uname -m and /proc/cpuinfo.
type archInfo struct {
	class64 bool
	big     bool   // EI_DATA: ELFDATA2MSB
	machine uint16 // e_machine
	flags   uint32 // e_flags
	vaddr   uint64 // load address of the text segment
	uname   string // uname -m
	cpuinfo string
}

func archOf(name string) archInfo {
	switch name {
	case "armv7":
		return archInfo{machine: 40, flags: 0x05000002, vaddr: 0x8000, uname: "armv7l", cpuinfo: cpuinfoARMv7}
	case "mips":
		return archInfo{big: true, machine: 8, flags: 0x00001007, vaddr: 0x400000, uname: "mips", cpuinfo: cpuinfoMIPS}
	case "mipsel":
		return archInfo{machine: 8, flags: 0x00001007, vaddr: 0x400000, uname: "mips", cpuinfo: cpuinfoMIPSEL}
	case "x86":
		return archInfo{machine: 3, vaddr: 0x8048000, uname: "i686", cpuinfo: cpuinfoX86}
	case "x86_64":
		return archInfo{class64: true, machine: 62, vaddr: 0x400000, uname: "x86_64", cpuinfo: cpuinfoX8664}
	case "powerpc":
		return archInfo{big: true, machine: 20, vaddr: 0x10000000, uname: "ppc", cpuinfo: cpuinfoPPC}
	case "sh4":
		return archInfo{machine: 42, flags: 0x9, vaddr: 0x400000, uname: "sh4", cpuinfo: cpuinfoSH4}
	case "m68k":
		return archInfo{big: true, machine: 4, vaddr: 0x80000000, uname: "m68k", cpuinfo: cpuinfoM68K}
	case "sparc":
		return archInfo{big: true, machine: 2, vaddr: 0x10000, uname: "sparc", cpuinfo: cpuinfoSPARC}
	default: // "arm": ARMv5, the Hisilicon DVR SoCs
		return archInfo{machine: 40, flags: 0x05000002, vaddr: 0x8000, uname: "armv5tejl", cpuinfo: cpuinfoARMv5}
	}
}

// elfImage returns the start of a statically linked executable for a: a
// correct ELF header and one PT_LOAD program header, followed by filler that
// looks like code. Loaders (Mirai's loader, Hajime) read e_ident and
// e_machine from `cat /bin/echo` to pick the binary they push, so those must
// be exact; nothing reads further.
func elfImage(a archInfo, size int) []byte {
	var bo binary.ByteOrder = binary.LittleEndian
	data := byte(1) // ELFDATA2LSB
	if a.big {
		bo, data = binary.BigEndian, 2
	}
	class, ehsize, phentsize, shentsize := byte(1), 52, 32, 40
	if a.class64 {
		class, ehsize, phentsize, shentsize = 2, 64, 56, 64
	}
	b := make([]byte, size)
	copy(b, []byte{0x7f, 'E', 'L', 'F', class, data, 1}) // EV_CURRENT, OSABI SYSV
	bo.PutUint16(b[16:], 2)                              // ET_EXEC
	bo.PutUint16(b[18:], a.machine)
	bo.PutUint32(b[20:], 1)
	entry := a.vaddr + uint64(ehsize+phentsize)
	p := 24
	if a.class64 {
		bo.PutUint64(b[p:], entry)
		bo.PutUint64(b[p+8:], uint64(ehsize)) // e_phoff
		bo.PutUint64(b[p+16:], 0)             // e_shoff: stripped
		p += 24
	} else {
		bo.PutUint32(b[p:], uint32(entry))
		bo.PutUint32(b[p+4:], uint32(ehsize))
		bo.PutUint32(b[p+8:], 0)
		p += 12
	}
	bo.PutUint32(b[p:], a.flags)
	bo.PutUint16(b[p+4:], uint16(ehsize))
	bo.PutUint16(b[p+6:], uint16(phentsize))
	bo.PutUint16(b[p+8:], 1) // e_phnum
	bo.PutUint16(b[p+10:], uint16(shentsize))
	// e_shnum and e_shstrndx stay 0.

	ph := b[ehsize:]
	if a.class64 {
		bo.PutUint32(ph[0:], 1) // PT_LOAD
		bo.PutUint32(ph[4:], 5) // PF_R|PF_X
		bo.PutUint64(ph[16:], a.vaddr)
		bo.PutUint64(ph[24:], a.vaddr)
		bo.PutUint64(ph[32:], uint64(size))
		bo.PutUint64(ph[40:], uint64(size))
		bo.PutUint64(ph[48:], 0x1000)
	} else {
		bo.PutUint32(ph[0:], 1)
		bo.PutUint32(ph[8:], uint32(a.vaddr))
		bo.PutUint32(ph[12:], uint32(a.vaddr))
		bo.PutUint32(ph[16:], uint32(size))
		bo.PutUint32(ph[20:], uint32(size))
		bo.PutUint32(ph[24:], 5)
		bo.PutUint32(ph[28:], 0x1000)
	}
	// Filler: a fixed xorshift stream, so every session and every run sees
	// the same "binary". Bytes that would confuse a reader scanning for the
	// header ('E' after 0x7f) or the telnet layer are avoided.
	x := uint32(0x2545f491) ^ uint32(a.machine)
	for i := ehsize + phentsize; i < size; i++ {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		c := byte(x)
		if c == 0x7f || c == 0xff || c == 'E' {
			c = 0
		}
		b[i] = c
	}
	return b
}

const cpuinfoARMv5 = `Processor	: ARM926EJ-S rev 5 (v5l)
BogoMIPS	: 218.72
Features	: swp half thumb fastmult edsp java 
CPU implementer	: 0x41
CPU architecture: 5TEJ
CPU variant	: 0x0
CPU part	: 0x926
CPU revision	: 5

Hardware	: hi3518
Revision	: 0000
Serial		: 0000000000000000
`

const cpuinfoARMv7 = `Processor	: ARMv7 Processor rev 1 (v7l)
processor	: 0
BogoMIPS	: 1196.03

Features	: swp half thumb fastmult vfp edsp neon vfpv3 tls vfpv4 idiva idivt 
CPU implementer	: 0x41
CPU architecture: 7
CPU variant	: 0x0
CPU part	: 0xc07
CPU revision	: 1

Hardware	: hi3516a
Revision	: 0000
Serial		: 0000000000000000
`

const cpuinfoMIPS = `system type		: Atheros AR9344 rev 2
machine			: TP-LINK TL-WR841N/ND v8
processor		: 0
cpu model		: MIPS 74Kc V4.12
BogoMIPS		: 278.93
wait instruction	: yes
microsecond timers	: yes
tlb_entries		: 32
extra interrupt vector	: yes
hardware watchpoint	: yes, count: 4, address/irw mask: [0x0ffc, 0x0ffc, 0x0ffb, 0x0ffb]
ASEs implemented	: mips16 dsp dsp2
shadow register sets	: 1
kscratch registers	: 0
core			: 0
VCED exceptions		: not available
VCEI exceptions		: not available
`

const cpuinfoMIPSEL = `system type		: Ralink MT7620A ver:2 eco:6
machine			: Ralink MT7620A evaluation board
processor		: 0
cpu model		: MIPS 24KEc V5.0
BogoMIPS		: 385.02
wait instruction	: yes
microsecond timers	: yes
tlb_entries		: 32
extra interrupt vector	: yes
hardware watchpoint	: yes, count: 4, address/irw mask: [0x0000, 0x0ff8, 0x0ff8, 0x0ff8]
ASEs implemented	: mips16 dsp
shadow register sets	: 1
kscratch registers	: 0
core			: 0
VCED exceptions		: not available
VCEI exceptions		: not available
`

const cpuinfoX86 = `processor	: 0
vendor_id	: GenuineIntel
cpu family	: 6
model		: 28
model name	: Intel(R) Atom(TM) CPU D525   @ 1.80GHz
stepping	: 10
cpu MHz		: 1800.000
cache size	: 512 KB
fpu		: yes
fpu_exception	: yes
cpuid level	: 10
wp		: yes
flags		: fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat clflush dts acpi mmx fxsr sse sse2 ss ht tm pbe nx lm constant_tsc pni monitor ssse3
bogomips	: 3600.00
`

const cpuinfoX8664 = `processor	: 0
vendor_id	: GenuineIntel
cpu family	: 6
model		: 55
model name	: Intel(R) Celeron(R) CPU  J1900  @ 1.99GHz
stepping	: 8
cpu MHz		: 1999.000
cache size	: 1024 KB
fpu		: yes
fpu_exception	: yes
cpuid level	: 11
wp		: yes
flags		: fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush dts acpi mmx fxsr sse sse2 ss ht tm pbe syscall nx rdtscp lm constant_tsc
bogomips	: 3998.00
`

const cpuinfoPPC = `processor	: 0
cpu		: e500v2
clock		: 800.000000MHz
revision	: 5.1 (pvr 8021 1051)
bogomips	: 100.00

total bogomips	: 100.00
timebase	: 50000000
platform	: P1010 RDB
model		: fsl,P1010RDB
`

const cpuinfoSH4 = `machine		: STB7100 Reference board
processor	: 0
cpu family	: sh4
cpu type	: ST40-300
cut		: 3.x
cpu flags	: fpu ptea
cache type	: split (harvard)
icache size	: 32KiB (2-way)
dcache size	: 32KiB (2-way)
bogomips	: 299.00
master_clk	: 266.66MHz
module_clk	: 66.66MHz
bus_clk		: 133.33MHz
cpu_clk		: 266.66MHz
`

const cpuinfoM68K = `CPU:		68040
MMU:		68040
FPU:		68040
Clocking:	25.0MHz
BogoMips:	16.53
Calibration:	82688 loops
`

const cpuinfoSPARC = `cpu		: Fujitsu MB86904
fpu		: Lsi Logic/Meiko L64804 or compatible
promlib		: Version 0 Revision 10
prom		: 2.25
type		: sun4m
ncpus probed	: 1
ncpus active	: 1
Cpu0Bogo	: 109.77
MMU type	: Fujitsu Swift
contexts	: 256
nocache total	: 147456
nocache used	: 6912
`

package busybox

import (
	"fmt"
	"net"
	"strings"
)

// What the device reports about itself, rendered from its facts.

// memInfo is the device's memory in kB.
type memInfo struct{ total, free, buffers, cached int }

func (d *Device) mem() memInfo {
	t := d.f.memKB
	// Proportions of a DVR running its recorder: about a fifth free.
	return memInfo{total: t, free: t * 19 / 100, buffers: t / 54, cached: t / 4}
}

func (d *Device) procMeminfo() string {
	m := d.mem()
	used := m.total - m.free - m.buffers - m.cached
	return fmt.Sprintf("MemTotal:       %8d kB\nMemFree:        %8d kB\nBuffers:        %8d kB\nCached:         %8d kB\n"+
		"SwapCached:            0 kB\nActive:         %8d kB\nInactive:       %8d kB\nSwapTotal:             0 kB\nSwapFree:              0 kB\n",
		m.total, m.free, m.buffers, m.cached, used+m.cached*2/3, m.cached/3+m.buffers)
}

// dfOutput is BusyBox df: the squashfs root is full, the tmpfs mounts are
// half of RAM each, the jffs2 partition holds the DVR's settings.
func (d *Device) dfOutput(human bool) string {
	tmp := d.f.memKB / 2
	var sb strings.Builder
	if human {
		sb.WriteString("Filesystem                Size      Used Available Use% Mounted on\n")
	} else {
		sb.WriteString("Filesystem           1K-blocks      Used Available Use% Mounted on\n")
	}
	row := func(fs string, size, used int, on string) {
		pct := 0
		if size > 0 {
			pct = (used*100 + size/2) / size // rounded, as BusyBox does
		}
		if human {
			fmt.Fprintf(&sb, "%-20s %9s %9s %9s %3d%% %s\n", fs, humanKB(size), humanKB(used), humanKB(size-used), pct, on)
			return
		}
		fmt.Fprintf(&sb, "%-20s %9d %9d %9d %3d%% %s\n", fs, size, used, size-used, pct, on)
	}
	row("/dev/root", 6400, 6400, "/")
	row("tmpfs", tmp, 0, "/dev")
	row("tmpfs", tmp, 84, "/tmp")
	row("tmpfs", tmp, 12, "/var")
	row("tmpfs", tmp, 0, "/dev/shm")
	row("/dev/mtdblock3", d.f.flashKB, d.f.flashUsed, "/mnt/mtd")
	return sb.String()
}

// ifconfigOutput is BusyBox ifconfig for eth0 and lo.
func (d *Device) ifconfigOutput() string {
	f := d.f
	a := f.addr
	return fmt.Sprintf("eth0      Link encap:Ethernet  HWaddr %s  \n"+
		"          inet addr:%s  Bcast:%s  Mask:%s\n"+
		"          UP BROADCAST RUNNING MULTICAST  MTU:1500  Metric:1\n"+
		"          RX packets:%d errors:0 dropped:0 overruns:0 frame:0\n"+
		"          TX packets:%d errors:0 dropped:0 overruns:0 carrier:0\n"+
		"          collisions:0 txqueuelen:1000 \n"+
		"          RX bytes:%d (%s)  TX bytes:%d (%s)\n"+
		"          Interrupt:59 \n\n"+
		"lo        Link encap:Local Loopback  \n"+
		"          inet addr:127.0.0.1  Mask:255.0.0.0\n"+
		"          UP LOOPBACK RUNNING  MTU:16436  Metric:1\n"+
		"          RX packets:%d errors:0 dropped:0 overruns:0 frame:0\n"+
		"          TX packets:%d errors:0 dropped:0 overruns:0 carrier:0\n"+
		"          collisions:0 txqueuelen:0 \n"+
		"          RX bytes:%d (%s)  TX bytes:%d (%s)\n\n",
		strings.ToUpper(f.mac.String()), a.Addr(), broadcast(a), netmask(a),
		f.rxPackets, f.txPackets, f.rxBytes, ifBytes(f.rxBytes), f.txBytes, ifBytes(f.txBytes),
		f.rxPackets/97, f.rxPackets/97, f.rxPackets/97*84, ifBytes(f.rxPackets/97*84), f.rxPackets/97*84, ifBytes(f.rxPackets/97*84))
}

// ifBytes is ifconfig's human-readable byte count ("1.2 GiB").
func ifBytes(v uint64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB"}
	f := float64(v)
	i := 0
	for f >= 1024 && i < len(units)-1 {
		f /= 1024
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%d.0 B", v)
	}
	return fmt.Sprintf("%.1f %s", f, units[i])
}

// netstatOutput lists the DVR's listeners (telnet, its web UI and the
// XiongMai media port 34567) and, with -n style, nothing established.
func (d *Device) netstatOutput() string {
	return "Active Internet connections (servers and established)\n" +
		"Proto Recv-Q Send-Q Local Address           Foreign Address         State       \n" +
		"tcp        0      0 0.0.0.0:23              0.0.0.0:*               LISTEN      \n" +
		"tcp        0      0 0.0.0.0:80              0.0.0.0:*               LISTEN      \n" +
		"tcp        0      0 0.0.0.0:34567           0.0.0.0:*               LISTEN      \n"
}

// procNetArp is /proc/net/arp with the gateway.
func (d *Device) procNetArp() string {
	return fmt.Sprintf("IP address       HW type     Flags       HW address            Mask     Device\n"+
		"%-16s 0x1         0x2         %s     *        eth0\n", d.f.gateway, d.f.gwMAC)
}

// routeOutput is BusyBox route; without -n the default route and the
// unset gateway are named.
func (d *Device) routeOutput(numeric bool) string {
	net := d.f.addr.Masked().Addr()
	dflt, none := "default", "*"
	if numeric {
		dflt, none = "0.0.0.0", "0.0.0.0"
	}
	return fmt.Sprintf("Kernel IP routing table\n"+
		"Destination     Gateway         Genmask         Flags Metric Ref    Use Iface\n"+
		"%-15s %-15s %-15s UG    0      0        0 eth0\n"+
		"%-15s %-15s %-15s U     0      0        0 eth0\n",
		dflt, d.f.gateway, "0.0.0.0", net, none, netmask(d.f.addr))
}

// procNetRoute is /proc/net/route (hex, little-endian addresses).
func (d *Device) procNetRoute() string {
	hexLE := func(a [4]byte) string { return fmt.Sprintf("%02X%02X%02X%02X", a[3], a[2], a[1], a[0]) }
	mask := d.f.addr.Masked()
	m := net.CIDRMask(d.f.addr.Bits(), 32)
	return "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n" +
		fmt.Sprintf("eth0\t00000000\t%s\t0003\t0\t0\t0\t00000000\t0\t0\t0\n", hexLE(d.f.gateway.As4())) +
		fmt.Sprintf("eth0\t%s\t00000000\t0001\t0\t0\t0\t%s\t0\t0\t0\n", hexLE(mask.Addr().As4()), hexLE([4]byte{m[0], m[1], m[2], m[3]}))
}

// procNetDev is /proc/net/dev with the interface counters.
func (d *Device) procNetDev() string {
	f := d.f
	lo := f.rxPackets / 97
	return "Inter-|   Receive                                                |  Transmit\n" +
		" face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n" +
		fmt.Sprintf("    lo:%8d %7d    0    0    0     0          0         0 %8d %7d    0    0    0     0       0          0\n", lo*84, lo, lo*84, lo) +
		fmt.Sprintf("  eth0:%8d %7d    0    0    0     0          0         0 %8d %7d    0    0    0     0       0          0\n", f.rxBytes, f.rxPackets, f.txBytes, f.txPackets)
}

// cpuName is the processor dmesg names.
func (d *Device) cpuName() string {
	for _, l := range strings.Split(d.arch.cpuinfo, "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && (strings.TrimSpace(k) == "Processor" || strings.TrimSpace(k) == "cpu model" || strings.TrimSpace(k) == "model name" || strings.TrimSpace(k) == "cpu") {
			return strings.TrimSpace(v)
		}
	}
	return d.arch.uname
}

// humanKB is df -h's size: 0, or one decimal below 10 with a unit.
func humanKB(kb int) string {
	if kb == 0 {
		return "0"
	}
	v := float64(kb)
	units := "KMGT"
	i := 0
	for v >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	if v < 10 && i > 0 {
		return fmt.Sprintf("%.1f%c", v, units[i])
	}
	return fmt.Sprintf("%.0f%c", v, units[i])
}

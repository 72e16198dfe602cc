package busybox

import (
	"fmt"
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
func (d *Device) dfOutput() string {
	tmp := d.f.memKB / 2
	var sb strings.Builder
	sb.WriteString("Filesystem           1K-blocks      Used Available Use% Mounted on\n")
	row := func(fs string, size, used int, on string) {
		pct := 0
		if size > 0 {
			pct = (used*100 + size/2) / size // rounded, as BusyBox does
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

// routeOutput is BusyBox route (-n or not: the names are addresses).
func (d *Device) routeOutput() string {
	net := d.f.addr.Masked().Addr()
	return fmt.Sprintf("Kernel IP routing table\n"+
		"Destination     Gateway         Genmask         Flags Metric Ref    Use Iface\n"+
		"%-15s %-15s %-15s U     0      0        0 eth0\n"+
		"%-15s %-15s %-15s UG    0      0        0 eth0\n",
		net, "0.0.0.0", netmask(d.f.addr), "0.0.0.0", d.f.gateway, "0.0.0.0")
}

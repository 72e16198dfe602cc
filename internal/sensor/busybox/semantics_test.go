package busybox

import (
	"context"
	"os/exec"
	"testing"
)

// TestShellAgreesWithAsh runs lines of shell builtins only (expansions,
// arithmetic, case, loops, functions, test, printf, read) in our shell
// and in real ash (Debian's busybox sh -c: these lines touch nothing but
// the shell) and compares the answers. Skipped without busybox.
func TestShellAgreesWithAsh(t *testing.T) {
	bb, err := exec.LookPath("busybox")
	if err != nil {
		t.Skip("no busybox (apt-get install -y busybox)")
	}
	for _, l := range []string{
		`echo $((1+2*3)) $((7/2)) $((-7%3)) $((1<<4)) $((3>2&&1)) $((0||0)) $((5&3)) $((x=4)) $x`,
		`a=hello; echo ${#a} ${a%l*} ${a%%l*} ${a#*l} ${a##*l} ${a/l/L} ${a//l/L} ${a:1:3} ${a:2}`,
		`case abc in a?c) echo 1;; esac; case x in [a-z]) echo 2;; esac; case '*' in \*) echo 3;; esac`,
		`f() { echo $# "$1" "$@"; shift; echo $1; return 5; }; f a "b c" d; echo $?`,
		`for i in a b; do for j in 1 2; do [ $j = 2 ] && continue 2; echo $i$j; done; done`,
		`x=1; (x=2; echo $x); echo $x; { x=3; }; echo $x`,
		`echo "$(echo a; echo b)" $(echo c d)`,
		`printf '%s|%5s|%-3d|%x\n' a b 7 255`,
		`i=0; while [ $i -lt 3 ]; do i=$((i+1)); done; echo $i`,
		`echo ${u:-def} ${u-d2} ${e:+alt}; e=1; echo ${e:+alt}`,
		`set -- a b; echo $#`,
		`echo a\ b "c\$d" 'e\f'`,
		`x="a  b"; echo $x; echo "$x"`,
		"read a b <<EOF\n1 2 3\nEOF\necho $a/$b",
		"read x <<'EOF'\n$HOME\nEOF\necho \"$x\"",
		`false || echo or; true && echo and; ! true; echo $?`,
		`[ a -lt 3 ]; echo $?`, `[ 1 -lt 3 -a 2 -gt 1 ] && echo y; [ 1 -gt 3 -o 2 -gt 1 ] && echo y2; [ ! -e /nope ] && echo y3; test 5 -eq 5 && echo y4`,
		`echo -n a; echo -e 'b\tc\x41'; echo -ne '\0101\n'`,
		`x=abc; case $x in *b*) echo has-b;; esac; case "" in "") echo empty;; esac`,
		`n=0; until [ $n -ge 2 ]; do n=$((n+1)); echo $n; done`,
		`for x in 1 2 3; do [ $x = 2 ] && break; echo $x; done; echo after`,
		`echo $((0x10 + 010)) $(( (2+3)*4 )) $((10 > 9 ? 7 : 8))`,
		`g() { local v=1; echo $v; }; g`,
		`s='a b c'; set -- $s; echo $# $2`,
		`eval 'echo ev$((1+1))'`,
		`printf '%d%%\n' 50; printf '%c' abc; echo`,
		`echo "${x:-un}set"; x=; echo "${x-dash}" "${x:-colon}"`,
		`a=1; a=$a$a; echo $a ${#a}`,
		`x=$(false); echo $?`, `echo "a""b"'c'd`, `IFS=:; set -- a:b; echo $1`, `echo ${x:=5} $x`, `for i in "a b" c; do echo $i; done`,
		`echo $(( 2 ** 3 ))`, `i=1; echo $((i++)) $i $((++i))`, `[ -z "" ] && echo z`, `echo "\$HOME"`, `printf "%05.2f\n" 3.14159`,
		`x=1; echo $x$x"$x"`, `type echo; type cd`, `command -v echo`, `(exit 3); echo $?`, `break; echo after`,
		`echo a | while read l; do echo got $l; done`, `echo $(( 7 / 0 )); echo next`, `v=abc; echo ${v:-x}y`, `echo "$@" $#`,
		`f() { return 3; }; f || echo failed $?`, `echo $((  ))`, `echo ${#}`, `a=5; b=a; echo $(( $b + 1 ))`, `echo $(( a ))`,
		`printf '%s\n' a b c`, `printf '%3s|\n' ab`, `printf 'x\n' extra`, `echo -- -n`, `echo -n -e 'a\nb'; echo`,
		`true; echo $?; false; echo $?`, `echo ${HOME}x`, `x='*'; echo "$x"`, `exit 0; echo no`, `echo a >&2`,
		`i=0; while true; do i=$((i+1)); [ $i -gt 3 ] && break; done; echo $i`, `case 5 in [0-9]) echo digit;; esac`,
		`unset x; echo ${x-unset}`, `x=1; unset x; echo "[$x]"`, `readonly r=1; echo $r`, `echo $(echo $(echo deep))`,
		"echo `echo back`", `echo "$(printf 'a\n\n\n')"b`, `set a b c; shift; echo $@`, `echo ${#HOME}`,
	} {
		cmd := exec.Command(bb, "sh", "-c", l)
		cmd.Env = []string{"PATH=/nonexistent", "HOME=/"}
		out, _ := cmd.CombinedOutput()
		sh := newTestDevice(t, DefaultProfile(), Limits{}).NewShell(context.Background())
		got := string(sh.run(context.Background(), l))
		if got != string(out) {
			t.Errorf("%q\n real ash: %q\n ours:     %q", l, out, got)
		}
	}
}

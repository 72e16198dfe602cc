package busybox

import (
	"os/exec"
	"strings"
	"testing"
)

// TestSyntaxAgreesWithAsh parses hard cases with our parser and with real
// ash (Debian's busybox sh -n -c, which only parses): both must accept or
// both reject. Skipped without busybox on the machine.
func TestSyntaxAgreesWithAsh(t *testing.T) {
	bb, err := exec.LookPath("busybox")
	if err != nil {
		t.Skip("no busybox (apt-get install -y busybox)")
	}
	lines := []string{
		`echo a;;`, `echo )`, `(echo a`, `echo a |`, `| echo`, `echo a && && b`, `echo $((1+2)`, `echo $(( 1 + (2*3) ))`, `echo ${a`, `echo "a`, `echo 'a`, "echo `a", `if true; then; fi`, `if true; then echo; fi fi`,
		`for i in; do echo; done`, `for i do echo; done`, `for 1 in a; do echo; done`, `while; do echo; done`, `case a in esac`, `case a in a) ;; esac`, `case a in (a) echo;; esac`, `case a in a|b) echo;; *) ;; esac`,
		`case a in a) echo`, `f() echo`, `f() { echo; }`, `f ( ) { echo; }`, `function f { echo; }`, `{ echo; }`, `{echo; }`, `{ echo }`, `! echo`, `!echo`, `echo a >`, `echo a > ;`, `echo a <<`, `cat <<EOF`,
		`a=1 b=2`, `a=`, `=a`, `echo a & & b`, `echo a &; b`, `echo a ;& b`, `echo \`, `echo a \# b`, `echo # ;`, `echo $(echo $(echo a))`, "echo `echo \\`echo a\\``",
		`[ -f x ]`, `[[ -f x ]]`, `echo a 2>&1 >/dev/null`, `echo a >& 2`, `exec 3>&1`, `echo a | | b`, `echo a || || b`, `(( 1 + 1 ))`, `echo {a,b}`, `time echo`, `echo a; ;`, `;`, `&`, `&&`,
		`if`, `then`, `do`, `done`, `esac`, `}`, `)`, `(`, `{`, `until false; do break; done`, `select x in a; do echo; done`, `echo $[1+1]`, `echo ${#a}`, `echo ${a%b}`, `echo ${a/b/c}`,
		`echo ${x:-${y:-b}}`, `echo ${x:-"a b"}`, `echo ${x:}`, `echo ${!x}`, `echo ${}`, `! ! true`, `echo $(( $(echo 2) + 3 ))`, `echo ${x:-$(echo ")")}`,
		`echo ${x:-${y}`, "echo ${x:-`echo }`}", `echo ${x%\}}`, `echo $(echo $(echo $(echo $(echo a))))`, `cat <<< x`, `echo a > > b`, `ls >`, `echo ${a!b}`,
	}
	for _, l := range lines {
		real := exec.Command(bb, "sh", "-n", "-c", l).Run() == nil
		_, err := parseScript(l)
		if ours := err == nil; real != ours {
			out, _ := exec.Command(bb, "sh", "-n", "-c", l).CombinedOutput()
			t.Errorf("%q: real ash parses it: %v (%s); ours: %v (%v)", l, real, strings.TrimSpace(string(out)), ours, err)
		}
	}
}

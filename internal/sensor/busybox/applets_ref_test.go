package busybox

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestAppletsAgreeWithBusyBox runs the text applets bots pipe output
// through (awk, sed, cut, tr, od, hexdump, base64, wc, head, tail, grep,
// seq) on fixed input in our shell and with Debian's busybox (its PATH
// holds busybox alone, the lines touch no file), and compares. Skipped
// without busybox.
func TestAppletsAgreeWithBusyBox(t *testing.T) {
	bb, err := exec.LookPath("busybox")
	if err != nil {
		t.Skip("no busybox (apt-get install -y busybox)")
	}
	bin := t.TempDir()
	if err := os.Symlink(bb, filepath.Join(bin, "busybox")); err != nil {
		t.Fatal(err)
	}
	for _, l := range []string{
		`echo 'a b c' | busybox awk '{print $2}'`, `printf '1 2\n3 4\n' | busybox awk '{s+=$2} END {print s}'`, `printf 'x:y:z\n' | busybox awk -F: '{print $NF, NF}'`,
		`printf 'a\nb\nc\n' | busybox awk 'NR==2'`, `echo abc | busybox awk '{print length($0), substr($0,2,1), toupper($0)}'`,
		`echo 'a b' | busybox awk '{printf "%s-%s\n", $2, $1}'`, `printf '5\n3\n' | busybox awk '$1 > 4 {print "big", $1}'`,
		`echo hello | busybox sed 's/l/L/2'`, `printf 'a\nb\n' | busybox sed -n '2p'`, `printf 'a\nb\n' | busybox sed '1d'`, `echo abc | busybox sed 's/\(a\)\(b\)/\2\1/'`,
		`echo 'a:b:c' | busybox cut -d: -f1,3`, `echo abcdef | busybox cut -c1-3`, `echo 'a b' | busybox tr ' ' '\n'`, `echo aabbcc | busybox tr -s abc`, `echo Hello | busybox tr -d l`,
		`echo hi | busybox od -An -tx1`, `echo hi | busybox hexdump`, `echo test | busybox base64`, `printf 'a\nb\nc\n' | busybox wc -l`, `printf 'a b\n' | busybox wc`,
		`printf 'a\nb\nc\n' | busybox head -n 2`, `printf 'a\nb\nc\n' | busybox tail -n 1`, `printf 'x\ny\n' | busybox grep -n y`, `printf 'x\ny\n' | busybox grep -v x`, `busybox seq 3`,
		`echo 'a,b' | busybox awk -F, '{print $2 $1}'`, `echo '1 2 3' | busybox awk '{print $1+$2*$3}'`, `echo 'x' | busybox awk 'BEGIN{print "start"} {print} END{print "end"}'`,
		`printf 'a b\n' | busybox awk '{ $1 = "z"; print }'`, `echo 7 | busybox awk '{ if ($1 > 5) print "gt"; else print "le" }'`,
		`echo 'a:b:c' | busybox awk '{gsub(/:/," ")} 1'`, `echo aaa | busybox awk '{sub(/a/,"b"); print}'`,
		`echo 'x y' | busybox awk '{print sprintf("%s=%s", $1, $2)}'`, `echo 'a b c' | busybox awk '{n=split($0, arr); print n}'`,
		`echo abc | busybox awk '{gsub("b","[&]"); print}'`,
		`echo '1 2 3' | busybox awk '{for(i=1;i<=NF;i++) s+=$i} END{print s}'`,
		`printf 'a\nb\na\n' | busybox awk '{c[$1]++} END {for (k in c) print k, c[k]}'`,
		`echo 5 | busybox awk '{i=0; while (i < $1) i++; print i}'`,
		`echo 'x y z' | busybox awk '{for (i=NF; i>0; i--) printf "%s ", $i; print ""}'`,
		`echo -n abc | busybox md5sum`, `echo -n abc | busybox sha256sum`, `busybox expr 1 + 2 \* 3`, `busybox expr length abcd`,
		`busybox expr 7 % 3 = 1`, `busybox expr \( 2 + 3 \) \* 4`,
		`busybox printf '\x45\x4c\x46\n'`, `busybox printf '\105\114\106\n'`, `busybox printf '%b\n' '\x41'`,
		`busybox printf '%s %s\n' a`, `busybox printf '%d\n' abc; echo rc=$?`, `busybox echo -e '\0101'`,
		`busybox basename /a/b.sh .sh`, `busybox dirname /a/b/c`, `printf 'b\na\nb\n' | busybox sort`, `printf '10\n9\n' | busybox sort -n`,
		`printf 'a\na\nb\n' | busybox uniq -c`, `printf 'b\na\nb\n' | busybox sort -u`, `echo 1 2 | busybox xargs busybox echo x`,
		`printf 'c\nb\na\n' | busybox sort -r`,
	} {
		cmd := exec.Command(bb, "sh", "-c", l)
		cmd.Env = []string{"PATH=" + bin, "HOME=/"}
		cmd.Dir = t.TempDir()
		out, _ := cmd.CombinedOutput()
		sh := newTestDevice(t, DefaultProfile(), Limits{}).NewShell(context.Background())
		if got := string(sh.run(context.Background(), l)); got != string(out) {
			t.Errorf("%q\n busybox: %q\n ours:    %q", l, out, got)
		}
		sh.Close()
	}
}

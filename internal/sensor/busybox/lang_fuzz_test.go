package busybox

import (
	"context"
	"strings"
	"testing"
	"time"
)

// FuzzRun drives the public API as a transport does, one typed line at a
// time: continuations, here-documents, passwd's prompts and the line
// editor included; a line of a lone ^C (\x03) is the transport's
// Interrupt. Invariant: no panic; every answer bounded; a pending
// unfinished line never grows past maxScript; the overlay within its caps;
// while a line is still running (it hit a budget) no prompt shows and
// nothing typed runs or answers, until ^C.
func FuzzRun(f *testing.F) {
	for _, s := range shellSeeds {
		f.Add(s)
	}
	f.Add("echo \"{\n  \\\"a\\\":\\\"$(uname -m)\\\",\n}\"")
	f.Add("cat <<EOF\nx $HOME\nEOF\nfor i in 1 2; do\necho $i; done")
	f.Add("passwd\nabc\nabd\nf() { echo $1; }; f x; echo $((1<<62*4))")
	f.Add("case x in x) echo y;; esac\nsh -c 'sh -c \"sh -c id\"'\n\x1b[A -a")
	f.Add("while true; do wget -O /dev/null http://192.0.2.1/; done &\nwget a || tftp -r b -g c")
	f.Add("while true; do echo x; done\necho lost > /tmp/l\n\x03\ncat /tmp/l; echo $?")
	f.Add("cat <<EOF\n${x:-$(echo a)}\n$(( $(echo 1) + 1 ))\nEOF\nreadonly r=1\nr=2; echo no\necho $r")
	f.Add("exec >/tmp/o\necho hidden\nexec >/dev/tty\ncat /tmp/o\nexec sh\nexec true\necho gone")
	d, err := NewDevice(DefaultProfile(), Limits{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, input string) {
		if len(input) > 4*maxLine {
			input = input[:4*maxLine]
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		sh := d.NewShell(ctx)
		defer sh.Close()
		prev := ""
		for _, raw := range strings.SplitN(input, "\n", 12) {
			if raw == "\x03" {
				if out := sh.Interrupt(); len(out) > 3 || sh.Busy() {
					t.Fatalf("^C: %q, busy %v", out, sh.Busy())
				}
				continue
			}
			line, ok := EditLine(raw, prev)
			if !ok {
				continue
			}
			prev = line
			busy := sh.Busy()
			r := sh.Run(line)
			if busy && (len(r.Output) != 0 || !r.Running || r.Limit != "" || sh.Prompt() != "") {
				t.Fatalf("type-ahead %q answered %q (running %v, limit %q)", line, r.Output, r.Running, r.Limit)
			}
			if r.Running != sh.Busy() || (r.Running && sh.Prompt() != "") {
				t.Fatalf("%q: running %v, busy %v, prompt %q", line, r.Running, sh.Busy(), sh.Prompt())
			}
			if len(r.Output) > maxOutput {
				t.Fatalf("%d bytes of output", len(r.Output))
			}
			if len(r.Downloads)+len(r.Floods) > maxDownloads || len(r.Markers) > maxMarkers {
				t.Fatalf("%d downloads, %d floods, %d markers", len(r.Downloads), len(r.Floods), len(r.Markers))
			}
			if len(r.Dropped) > maxDropped || len(sh.droppedSeen) > maxDropped {
				t.Fatalf("%d programs dropped, %d seen", len(r.Dropped), len(sh.droppedSeen))
			}
			if len(sh.pending) > maxScript+maxLine {
				t.Fatalf("pending %d bytes", len(sh.pending))
			}
			if r.Exited {
				break
			}
		}
		if sh.fs.bytes > sh.fs.maxBytes || sh.fs.files > maxOverlayFiles {
			t.Fatalf("overlay %d bytes, %d files", sh.fs.bytes, sh.fs.files)
		}
	})
}

// FuzzArith: $(( )) over any expression. Invariant: no panic, and an
// expression that evaluates evaluates the same the second time (no hidden
// state but the variables it assigns).
func FuzzArith(f *testing.F) {
	for _, s := range []string{"1+2*3", "x=5, x*2", "(1<<63)/-1", "-9223372036854775807-1", "07+0x1F", "a?b:c", "x+=1", "!~-+1", "((((((1))))))", "1/0", "$x+${y}"} {
		f.Add(s)
	}
	d, _ := NewDevice(DefaultProfile(), Limits{})
	f.Fuzz(func(t *testing.T, expr string) {
		if len(expr) > maxArith {
			expr = expr[:maxArith]
		}
		sh := d.NewShell(context.Background())
		defer sh.Close()
		// What the parameters expand to is parsed: "-$0" is "--sh", a
		// decrement, as in ash.
		expanded := expandArithParams(sh, expr)
		v1, err1 := sh.arith(expr)
		if strings.Contains(expanded, "=") || strings.Contains(expanded, "++") || strings.Contains(expanded, "--") {
			return // assignments and increments change what the second run reads
		}
		v2, err2 := sh.arith(expr)
		if v1 != v2 || (err1 == nil) != (err2 == nil) {
			t.Fatalf("%q: %d/%v then %d/%v", expr, v1, err1, v2, err2)
		}
	})
}

// FuzzTextApplets: awk and sed programs, tr sets and cut lists over any
// input, expr over any words.
// Invariant: no panic, output bounded, the line's work budget respected.
func FuzzTextApplets(f *testing.F) {
	f.Add("{print $2}", "s/a/b/g", "a-z", "a b c\nd e f\n")
	f.Add("FNR == 2 {print $2;}", "/x/d;p", "[:upper:]", "x\ny\n")
	f.Add("{s+=$1} END {print s, NR}", "s/\\(a\\)/[\\1]/2", "\\0-\\377", "1\n2\n")
	f.Add("BEGIN{while(1)x++}", "q", "-d", "")
	d, _ := NewDevice(DefaultProfile(), Limits{})
	f.Fuzz(func(t *testing.T, prog, script, set, input string) {
		for _, p := range []*string{&prog, &script, &set, &input} {
			if len(*p) > 2048 {
				*p = (*p)[:2048]
			}
		}
		sh := d.NewShell(context.Background())
		defer sh.Close()
		for _, args := range [][]string{{"awk", prog}, {"sed", script}, {"tr", set, "x"}, {"cut", "-d", ":", "-f", set},
			append([]string{"expr"}, strings.Fields(input)...)} {
			out := &limitBuf{max: maxOutput}
			sh.work = 0
			sh.applet(args[0], args, &stdio{in: &pipeIn{b: []byte(input)}, out: out, err: out})
			if len(out.b) > maxOutput {
				t.Fatalf("%s: %d bytes", args[0], len(out.b))
			}
		}
	})
}

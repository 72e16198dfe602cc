// Command bbreplay replays recorded bot sessions (JSON lines, the format
// of ../shared/corpus/telnet-sessions) against honeygate's emulated
// BusyBox device and prints each transcript, the problems found (answers
// a real device would not give, syntax real ash judges otherwise, URLs not
// recorded, families that disagree with the markers) and a summary.
//
//	go run ./tools/bbreplay [-clip N] [-rules FILE] [-q] FILE.jsonl...
//
// Nothing is run on the host or fetched: the lines go to the emulated
// shell, and real ash (Debian's busybox, when installed) only parses them.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/honeygate/honeygate/internal/attrib"
	"github.com/honeygate/honeygate/internal/sensor/busybox"
	"github.com/honeygate/honeygate/internal/sensor/busybox/replay"
)

func main() {
	os.Exit(run())
}

func run() int {
	clip := flag.Int("clip", 300, "cut each answer at this many bytes in the transcripts")
	rulesFile := flag.String("rules", "", "attribution rules file (default: the embedded rules)")
	quiet := flag.Bool("q", false, "print the problems and the summary only")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: bbreplay [-clip N] [-rules FILE] [-q] FILE.jsonl...")
		return 2
	}
	rules := attrib.Default()
	if *rulesFile != "" {
		r, err := attrib.Load(*rulesFile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bbreplay:", err)
			return 1
		}
		rules = r
	}
	dev, err := busybox.NewDevice(busybox.DefaultProfile(), busybox.Limits{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "bbreplay:", err)
		return 1
	}
	orc, err := replay.NewOracle()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bbreplay:", err, "- syntax not judged")
	}
	applets := map[string]bool{}
	sh := dev.NewShell(context.Background())
	for _, a := range strings.Fields(string(sh.Run("busybox --list").Output)) {
		applets[a] = true
	}
	sh.Close()

	var sessions, lines, problems, downloads, floods, notRun int
	families := map[string]float64{}
	for _, path := range flag.Args() {
		f, err := os.Open(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bbreplay:", err)
			return 1
		}
		ss, err := replay.Load(f)
		f.Close()
		if err != nil {
			fmt.Fprintln(os.Stderr, "bbreplay:", err)
			return 1
		}
		for _, s := range ss {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			r := replay.Play(ctx, dev, rules, s)
			ps := replay.Check(ctx, r, orc)
			cancel()
			if want := replay.ExpectedFamily(s, applets); want != "" && want != r.Family {
				ps = append(ps, replay.Problem{Session: s.ID, What: fmt.Sprintf("family %s, markers say %s", r.Family, want)})
			}
			if !*quiet {
				fmt.Print(replay.Render(r, *clip))
			}
			for _, p := range ps {
				fmt.Println("PROBLEM", p)
			}
			if !*quiet {
				fmt.Println()
			}
			sessions++
			lines += len(r.Steps)
			problems += len(ps)
			families[r.Family] += s.Weight
			for _, st := range r.Steps {
				downloads += len(st.Downloads)
				floods += len(st.Floods)
				for _, d := range st.Downloads {
					if !d.Ran {
						notRun++
					}
				}
			}
		}
	}
	fmt.Printf("sessions %d, lines %d, problems %d, downloads %d (%d in commands that did not run), flood targets %d\n",
		sessions, lines, problems, downloads, notRun, floods)
	names := make([]string, 0, len(families))
	for f := range families {
		names = append(names, f)
	}
	sort.Strings(names)
	for _, f := range names {
		fmt.Printf("  family %-10s weight %.1f\n", f, families[f])
	}
	if problems > 0 {
		return 1
	}
	return 0
}

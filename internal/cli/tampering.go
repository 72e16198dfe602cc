package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"

	"github.com/honeygate/honeygate/internal/crawl"
)

func newTampering() *cobra.Command {
	var (
		c        clientFlags
		from, to string
		color    string
	)
	cmd := &cobra.Command{
		Use:   "tampering",
		Short: "Draw the tampering matrix: one row per watched site, one column per day",
		Long: `Draw the tampering matrix of --from .. --to (default: the last 14 days): a red
cell is a day a site served malicious content, a grey one a clean visit. A red
row marked P (persistent) keeps serving malware day after day; a column marked
C is a campaign: several sites tampered the same day with the same injected
indicator, listed below the matrix.`,
		Example: "  honeygate tampering --from 2026-03-01 --to 2026-03-14",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			q := url.Values{}
			if from != "" {
				q.Set("from", from)
			}
			if to != "" {
				q.Set("to", to)
			}
			var raw json.RawMessage
			if err := c.send(cmd.Context(), http.MethodGet, "/api/v1/tampering", q, nil, time.Minute, &raw); err != nil {
				return err
			}
			if c.json {
				return printJSON(cmd.OutOrStdout(), raw)
			}
			var m crawl.Matrix
			if err := json.Unmarshal(raw, &m); err != nil {
				return err
			}
			useColor := color == "always"
			if color == "auto" {
				f, ok := cmd.OutOrStdout().(*os.File)
				useColor = ok && isatty.IsTerminal(f.Fd()) && os.Getenv("NO_COLOR") == ""
			}
			drawMatrix(cmd.OutOrStdout(), m, useColor)
			return nil
		},
	}
	c.register(cmd)
	cmd.Flags().StringVar(&from, "from", "", "first day (YYYY-MM-DD, default 13 days before --to)")
	cmd.Flags().StringVar(&to, "to", "", "last day (YYYY-MM-DD, default today)")
	cmd.Flags().StringVar(&color, "color", "auto", "auto, always or never")
	return cmd
}

// cellMarks are how a verdict is drawn: a colored block on a terminal, a
// letter otherwise (so that logs and tests read the same matrix).
var cellMarks = map[string]struct{ plain, ansi string }{
	crawl.Malicious:  {" M", "\x1b[41m  \x1b[0m"},
	crawl.Suspicious: {" s", "\x1b[43m  \x1b[0m"},
	crawl.Clean:      {" .", "\x1b[100m  \x1b[0m"},
	crawl.Error:      {" E", "\x1b[45m  \x1b[0m"},
	"none":           {"  ", "  "},
}

func drawMatrix(w io.Writer, m crawl.Matrix, color bool) {
	if len(m.Days) == 0 {
		fmt.Fprintln(w, "no days")
		return
	}
	legend := "M malicious, s suspicious, . clean, E error, blank not visited"
	if color {
		legend = "red malicious, yellow suspicious, grey clean, magenta error, blank not visited"
	}
	fmt.Fprintf(w, "tampering %s .. %s (%s)\n", m.Days[0], m.Days[len(m.Days)-1], legend)
	width := 4
	for _, s := range m.Sites {
		width = max(width, min(len(s.Name), 40))
	}
	campDays := map[string]bool{}
	for _, c := range m.Campaigns {
		campDays[c.Day] = true
	}
	var hdr, months, camp strings.Builder
	for _, d := range m.Days {
		hdr.WriteString(" " + d[8:10])
		if d[8:10] == "01" || months.Len() == 0 {
			months.WriteString(" " + d[5:7])
		} else {
			months.WriteString("   ")
		}
		if campDays[d] {
			camp.WriteString("  C")
		} else {
			camp.WriteString("   ")
		}
	}
	pad := strings.Repeat(" ", width+2)
	fmt.Fprintf(w, "%s%s  month\n%s%s  day\n", pad, months.String(), pad, hdr.String())
	for _, s := range m.Sites {
		p := " "
		if s.Persistent {
			p = "P"
		}
		var row strings.Builder
		for _, c := range s.Cells {
			mk, ok := cellMarks[c.Verdict]
			if !ok {
				mk = cellMarks["none"]
			}
			row.WriteString(" ")
			if color {
				row.WriteString(mk.ansi)
			} else {
				row.WriteString(mk.plain)
			}
		}
		name := termSafe(s.Name)
		if len(name) > 40 {
			name = name[:39] + "…"
		}
		fmt.Fprintf(w, "%-*s %s%s\n", width, name, p, row.String())
	}
	if len(m.Campaigns) > 0 {
		fmt.Fprintf(w, "%s%s  campaign\n", pad, camp.String())
		fmt.Fprintln(w, "campaigns:")
		for _, c := range m.Campaigns {
			fmt.Fprintf(w, "  %s  %s  %d sites: %s\n", c.Day, termSafe(c.Indicator), len(c.Sites), termSafe(strings.Join(c.Sites, ", ")))
		}
	}
	var pers []string
	for _, s := range m.Sites {
		if s.Persistent {
			pers = append(pers, s.Name)
		}
	}
	if len(pers) > 0 {
		fmt.Fprintf(w, "persistent (P): %s\n", termSafe(strings.Join(pers, ", ")))
	}
}

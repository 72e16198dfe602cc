package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/honeygate/honeygate/internal/report"
	"github.com/honeygate/honeygate/internal/store/sqlite"
)

// newReport is `honeygate report`: an HTML report of a period, with its
// charts as PNG beside it, read from the data dir's database (a running
// server may keep writing: SQLite's WAL lets the report read beside it).
func newReport() *cobra.Command {
	var from, to, out, data string
	cmd := &cobra.Command{
		Use:   "report --out FILE [--from YYYY-MM-DD] [--to YYYY-MM-DD]",
		Short: "Write an HTML report of a period, with PNG charts beside it",
		Long: `Write an HTML report of the days --from .. --to (default: the last 30 days):
honeypot sessions by family and port, blocks per day and the top blocked
domains, top credentials, new payload URLs, the tampering matrix and its
campaigns. Each chart is also written as a PNG beside FILE (FILE's name without
.html, then -sessions-by-family.png, ...). It reads DATA/honeygate.db directly
(no server or token needed; a running server may keep writing).`,
		Example: `  honeygate report --out /tmp/report.html
  honeygate report --from 2026-11-01 --to 2026-11-30 --out november.html`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			today := time.Now().UTC().Truncate(24 * time.Hour)
			f, t := today.AddDate(0, 0, -29), today
			var err error
			if from != "" {
				if f, err = time.Parse(time.DateOnly, from); err != nil {
					return exitError{2, fmt.Errorf("--from %q: want YYYY-MM-DD", from)}
				}
			}
			if to != "" {
				if t, err = time.Parse(time.DateOnly, to); err != nil {
					return exitError{2, fmt.Errorf("--to %q: want YYYY-MM-DD", to)}
				}
			}
			if t.Before(f) || t.Sub(f) > 3660*24*time.Hour {
				return exitError{2, fmt.Errorf("--from and --to: the period must run forwards and span at most 3660 days")}
			}
			if out == "" {
				return exitError{2, fmt.Errorf("--out FILE is required")}
			}
			// Opening creates a missing database: a mistyped --data would
			// give an empty report, and leave an empty data dir behind.
			if _, err := os.Stat(filepath.Join(data, "honeygate.db")); err != nil {
				return exitError{2, fmt.Errorf("no honeygate database in %s (give the server's data dir with --data or HONEYGATE_DATA): %w", data, err)}
			}
			db, err := sqlite.Open(filepath.Join(data, "honeygate.db"))
			if err != nil {
				return err
			}
			defer db.Close()
			files, err := report.Write(cmd.Context(), report.Source{Events: db, Blocks: db, Crawl: db}, f, t, out)
			if err != nil {
				return err
			}
			for _, p := range files {
				fmt.Fprintln(cmd.OutOrStdout(), p)
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&from, "from", "", "first day (UTC, YYYY-MM-DD; default 29 days before today)")
	fl.StringVar(&to, "to", "", "last day (UTC, YYYY-MM-DD; default today)")
	fl.StringVar(&out, "out", "", "the HTML file to write; PNG charts are written beside it")
	fl.StringVar(&data, "data", defaultData(), "data dir holding honeygate.db ($HONEYGATE_DATA when set)")
	return cmd
}

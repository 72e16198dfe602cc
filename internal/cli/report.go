package cli

import (
	"fmt"
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
		Use:   "report --from YYYY-MM-DD --to YYYY-MM-DD --out FILE",
		Short: "Write an HTML report of a period, with PNG charts beside it",
		Args:  cobra.NoArgs,
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
	fl.StringVar(&data, "data", defaultData(), "data dir holding honeygate.db (default $HONEYGATE_DATA, else ./honeygate-data)")
	return cmd
}

package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/honeygate/honeygate/internal/crawl"
)

func newCrawl() *cobra.Command {
	var (
		c       clientFlags
		day     string
		timeout time.Duration
	)
	cmd := &cobra.Command{
		Use:   "crawl",
		Short: "Run a crawl round over the watch list now",
		Long: `Ask the server to visit every watched website now, judge each visit, and record
the verdicts under --day (default today, UTC). An explicit day is for backfill
and tests: running a day again replaces its cells. Returns when the round is done.`,
		Example: "  honeygate crawl\n  honeygate crawl --day 2026-03-01",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			body := map[string]string{}
			if day != "" {
				if !crawl.ValidDay(day) {
					return fmt.Errorf("--day: %q is not YYYY-MM-DD", day)
				}
				body["day"] = day
			}
			var raw json.RawMessage
			if err := c.send(cmd.Context(), http.MethodPost, "/api/v1/crawl", nil, body, timeout, &raw); err != nil {
				return err
			}
			if c.json {
				return printJSON(cmd.OutOrStdout(), raw)
			}
			return printSummary(cmd.OutOrStdout(), raw)
		},
	}
	c.register(cmd)
	cmd.Flags().StringVar(&day, "day", "", "record the round under this day (YYYY-MM-DD, default today)")
	cmd.Flags().DurationVar(&timeout, "timeout", time.Hour, "give up waiting for the round after this long")
	return cmd
}

func printSummary(w io.Writer, raw json.RawMessage) error {
	var s crawl.Summary
	if err := json.Unmarshal(raw, &s); err != nil {
		return err
	}
	what := "round " + s.Day
	if s.Day == "" {
		what = "rejudged " + s.From + " .. " + s.To
	}
	fmt.Fprintf(w, "%s: %d sites in %.1fs: %d malicious, %d suspicious, %d clean, %d errors",
		what, s.Sites, s.Duration, s.Verdicts[crawl.Malicious], s.Verdicts[crawl.Suspicious], s.Verdicts[crawl.Clean], s.Verdicts[crawl.Error])
	if s.Day == "" {
		fmt.Fprintf(w, "; %d cells changed", s.Changed)
	}
	fmt.Fprintln(w)
	for _, l := range []struct {
		name  string
		sites []string
	}{{"malicious", s.Malicious}, {"suspicious", s.Suspicious}, {"errors", s.Errors}} {
		if len(l.sites) > 0 {
			fmt.Fprintf(w, "  %s: %s\n", l.name, termSafe(strings.Join(l.sites, ", ")))
		}
	}
	return nil
}

package cli

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/spf13/cobra"
)

func newRejudge() *cobra.Command {
	var (
		c        clientFlags
		from, to string
		timeout  time.Duration
	)
	cmd := &cobra.Command{
		Use:   "rejudge",
		Short: "Judge stored captures again with today's detectors and rules",
		Long: `Run the detectors again over the captures stored for the days --from .. --to
(default: the last 14 days) and update the tampering matrix: a rule added today
finds the infections of last week.`,
		Example: "  honeygate rejudge --from 2026-03-01 --to 2026-03-14",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var raw json.RawMessage
			if err := c.send(cmd.Context(), http.MethodPost, "/api/v1/rejudge", nil, map[string]string{"from": from, "to": to}, timeout, &raw); err != nil {
				return err
			}
			if c.json {
				return printJSON(cmd.OutOrStdout(), raw)
			}
			return printSummary(cmd.OutOrStdout(), raw)
		},
	}
	c.register(cmd)
	cmd.Flags().StringVar(&from, "from", "", "first day (YYYY-MM-DD, default 13 days before --to)")
	cmd.Flags().StringVar(&to, "to", "", "last day (YYYY-MM-DD, default today)")
	cmd.Flags().DurationVar(&timeout, "timeout", time.Hour, "give up waiting after this long")
	return cmd
}

package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/honeygate/honeygate/internal/gateway"
)

// newBlocks is `honeygate blocks`: the gateway's blocks per day, and with
// --top the most blocked domains, clients or categories.
func newBlocks() *cobra.Command {
	var c clientFlags
	var from, to, top string
	var limit int
	cmd := &cobra.Command{
		Use:   "blocks",
		Short: "Blocks by the gateway per day (blocks, distinct clients), or the top domains, clients or categories",
		Example: `  honeygate blocks
  honeygate blocks --from 2026-05-01 --to 2026-05-31
  honeygate blocks --top domain --limit 10`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			q := url.Values{}
			if from != "" {
				q.Set("from", from)
			}
			if to != "" {
				q.Set("to", to)
			}
			path := "/api/v1/blocks/daily"
			if top != "" {
				path = "/api/v1/blocks/top"
				q.Set("by", top)
				q.Set("limit", strconv.Itoa(limit))
			}
			var raw json.RawMessage
			if err := c.get(cmd.Context(), path, q, &raw); err != nil {
				return err
			}
			if c.json {
				return printJSON(cmd.OutOrStdout(), raw)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			if top != "" {
				var resp struct{ Top []gateway.BlockTop }
				if err := json.Unmarshal(raw, &resp); err != nil {
					return err
				}
				printBlocksTop(tw, top, resp.Top)
				return tw.Flush()
			}
			var resp struct{ Days []gateway.BlockDay }
			if err := json.Unmarshal(raw, &resp); err != nil {
				return err
			}
			fmt.Fprintln(tw, "DAY\tBLOCKS\tCLIENTS")
			var total int64
			for _, d := range resp.Days {
				fmt.Fprintf(tw, "%s\t%d\t%d\n", d.Day, d.Blocks, d.Clients)
				total += d.Blocks
			}
			fmt.Fprintf(tw, "total\t%d\t\n", total)
			return tw.Flush()
		},
	}
	c.register(cmd)
	cmd.Flags().StringVar(&from, "from", "", "first day, YYYY-MM-DD (default 29 days ago)")
	cmd.Flags().StringVar(&to, "to", "", "last day, YYYY-MM-DD (default today)")
	cmd.Flags().StringVar(&top, "top", "", "list the most blocked domain, client or category instead")
	cmd.Flags().IntVar(&limit, "limit", 20, "rows of the top list")
	return cmd
}

// printBlocksTop writes a top list as a table. A client's row has no
// CLIENTS column: the distinct clients of one client is always 1.
func printBlocksTop(w io.Writer, by string, top []gateway.BlockTop) {
	head := map[string]string{"domain": "DOMAIN", "client": "CLIENT", "category": "CATEGORY"}[by]
	if by == gateway.TopByClient {
		fmt.Fprintf(w, "%s\tBLOCKS\n", head)
		for _, t := range top {
			fmt.Fprintf(w, "%s\t%d\n", t.Key, t.Blocks)
		}
		return
	}
	fmt.Fprintf(w, "%s\tBLOCKS\tCLIENTS\n", head)
	for _, t := range top {
		fmt.Fprintf(w, "%s\t%d\t%d\n", t.Key, t.Blocks, t.Clients)
	}
}

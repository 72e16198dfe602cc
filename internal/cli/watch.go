package cli

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/honeygate/honeygate/internal/crawl"
)

func newWatch() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "watch",
		Short: "Manage the list of websites the crawler visits every day",
		Long: `The watch list: websites the client honeypot visits every day as a victim
would, to find those compromised to spread malware. Each entry has a name (its
row in the tampering matrix) and a visitor profile, because injected code often
fires only for some visitors.`,
	}
	cmd.AddCommand(newWatchAdd(), newWatchList(), newWatchRm())
	return cmd
}

func newWatchAdd() *cobra.Command {
	var (
		c             clientFlags
		name, profile string
	)
	cmd := &cobra.Command{
		Use:     "add URL",
		Short:   "Add a website to the watch list",
		Example: "  honeygate watch add https://shop.example/ --name shop --profile ie11-win7",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var raw json.RawMessage
			if err := c.send(cmd.Context(), http.MethodPost, "/api/v1/watch", nil,
				map[string]string{"url": args[0], "name": name, "profile": profile}, 30*time.Second, &raw); err != nil {
				return err
			}
			if c.json {
				return printJSON(cmd.OutOrStdout(), raw)
			}
			var s crawl.Site
			if err := json.Unmarshal(raw, &s); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "watching %s as %q (profile %s)\n", termSafe(s.URL), termSafe(s.Name), s.Profile)
			return nil
		},
	}
	c.register(cmd)
	cmd.Flags().StringVar(&name, "name", "", "the site's name in reports (default: the URL's host)")
	cmd.Flags().StringVar(&profile, "profile", "", "visitor profile: "+strings.Join(crawl.ProfileNames(), ", ")+" (default "+crawl.DefaultProfile+")")
	return cmd
}

func newWatchList() *cobra.Command {
	var c clientFlags
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the watched websites",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var raw json.RawMessage
			if err := c.send(cmd.Context(), http.MethodGet, "/api/v1/watch", nil, nil, 30*time.Second, &raw); err != nil {
				return err
			}
			if c.json {
				return printJSON(cmd.OutOrStdout(), raw)
			}
			var out struct{ Sites []crawl.Site }
			if err := json.Unmarshal(raw, &out); err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tURL\tPROFILE\tADDED")
			for _, s := range out.Sites {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", termSafe(s.Name), termSafe(s.URL), s.Profile, s.Added.Format(time.DateOnly))
			}
			return tw.Flush()
		},
	}
	c.register(cmd)
	return cmd
}

func newWatchRm() *cobra.Command {
	var c clientFlags
	cmd := &cobra.Command{
		Use:   "rm NAME|URL",
		Short: "Remove a website from the watch list (its history stays)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var raw json.RawMessage
			body := map[string]string{"name": args[0]}
			if strings.Contains(args[0], "://") {
				body = map[string]string{"url": args[0]}
			}
			if err := c.send(cmd.Context(), http.MethodDelete, "/api/v1/watch", nil, body, 30*time.Second, &raw); err != nil {
				return err
			}
			if c.json {
				return printJSON(cmd.OutOrStdout(), raw)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "removed %s\n", termSafe(args[0]))
			return nil
		},
	}
	c.register(cmd)
	return cmd
}

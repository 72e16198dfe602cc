package cli

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/honeygate/honeygate/internal/attack"
)

func newAttacks() *cobra.Command {
	var c clientFlags
	var from, to, victim, proto string
	var limit int
	cmd := &cobra.Command{
		Use:   "attacks",
		Short: "List reflection DDoS attacks the reflectors saw, newest first",
		Example: `  honeygate attacks --from 24h
  honeygate attacks --from 2026-11-01 --to 2026-12-01 --proto ntp --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			q := url.Values{}
			for k, v := range map[string]string{"from": from, "to": to, "victim": victim, "proto": proto} {
				if v != "" {
					q.Set(k, v)
				}
			}
			q.Set("limit", strconv.Itoa(limit))
			var raw json.RawMessage
			if err := c.get(cmd.Context(), "/api/v1/attacks", q, &raw); err != nil {
				return err
			}
			if c.json {
				return printJSON(cmd.OutOrStdout(), raw)
			}
			var resp struct{ Attacks []attack.Attack }
			if err := json.Unmarshal(raw, &resp); err != nil {
				return err
			}
			if len(resp.Attacks) == 0 {
				fmt.Fprintln(cmd.ErrOrStderr(), c.noAttacksHint())
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "FIRST SEEN\tDURATION\tPROTO\tVICTIM\tREQUESTS\tPEAK/S\tBYTES IN\tBYTES OUT\tSTATE\tREQUEST")
			for _, a := range resp.Attacks {
				state := "ongoing"
				if a.Ended {
					state = "ended (" + a.EndReason + ")"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%s\t%s\n", a.FirstSeen.Format(time.RFC3339),
					a.LastSeen.Sub(a.FirstSeen).Round(time.Second), a.Proto, printable(a.Victim), a.Requests, a.PeakPPS,
					a.BytesIn, a.BytesOut, printable(state), printable(a.Request))
			}
			return tw.Flush()
		},
	}
	c.register(cmd)
	f := cmd.Flags()
	f.StringVar(&from, "from", "", "only attacks in progress since this time (RFC 3339, YYYY-MM-DD or a duration like 24h)")
	f.StringVar(&to, "to", "", "only attacks that began before this time")
	f.StringVar(&victim, "victim", "", "only on this victim address")
	f.StringVar(&proto, "proto", "", "only through this reflector (dns, ntp, ssdp, chargen, memcached)")
	f.IntVar(&limit, "limit", 100, "at most this many (1 to 10000)")
	return cmd
}

// noAttacksHint says why an empty list may be empty: only the reflectors
// see attacks. When the server is the local one on --data, its
// listeners.json says whether any reflector listens.
func (c *clientFlags) noAttacksHint() string {
	const enable = "enable one with --listen reflect-ntp=:123 (or reflect-dns, reflect-ssdp, reflect-chargen, reflect-memcached; listen: in the config)"
	if c.server == "" && os.Getenv("HONEYGATE_SERVER") == "" {
		if addrs, ok := c.localListeners(); ok {
			for name := range addrs {
				if strings.HasPrefix(name, "reflect") {
					return "no attacks in this range"
				}
			}
			return "no attacks: the reflect listeners are off on this server, and only they see attacks; " + enable
		}
	}
	return "no attacks in this range (only the reflect listeners see attacks: " + enable + ")"
}

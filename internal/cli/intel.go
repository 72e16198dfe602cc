package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/honeygate/honeygate/internal/intel"
)

// newIntel is `honeygate intel add|rm|list|import|export`: the intel list of
// a running server, through its API.
func newIntel() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "intel",
		Short: "Manage the indicators the gateway enforces",
		Long: `Manage the indicators (domains, hosts, URLs, URL prefixes, IPs, CIDRs, SHA-256
hashes) that the gateway blocks, on a running server through its API. Changes
are enforced within a second.`,
	}
	cmd.AddCommand(newIntelAdd(), newIntelRm(), newIntelList(), newIntelImport(), newIntelExport())
	return cmd
}

// guessType picks the type a bare value most likely is.
func guessType(v string) intel.Type {
	switch {
	case strings.Contains(v, "://"):
		return intel.TypeURL
	case len(v) == 64 && strings.Trim(strings.ToLower(v), "0123456789abcdef") == "":
		return intel.TypeSHA256
	}
	if _, err := netip.ParseAddr(strings.Trim(v, "[]")); err == nil {
		return intel.TypeIP
	}
	if _, err := netip.ParsePrefix(v); err == nil {
		return intel.TypeCIDR
	}
	if strings.Contains(v, "/") {
		return intel.TypeURL
	}
	return intel.TypeDomain
}

func newIntelAdd() *cobra.Command {
	var c clientFlags
	var typ, category, source, expires string
	var refs []string
	cmd := &cobra.Command{
		Use:   "add VALUE...",
		Short: "Add indicators (or allowlist entries with --category allow)",
		Example: `  honeygate intel add evil.example
  honeygate intel add --type url-prefix --category phishing http://bank.example.evil/login/
  honeygate intel add --category allow --type host www.example.com
  honeygate intel add --expires 24h 198.51.100.7`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var exp time.Time
			if expires != "" {
				var err error
				if exp, err = parseExpiry(expires); err != nil {
					return err
				}
			}
			var inds []intel.Indicator
			for _, v := range args {
				t := intel.Type(typ)
				if t == "" {
					t = guessType(v)
				}
				inds = append(inds, intel.Indicator{Type: t, Value: v, Category: category, Source: source, Expires: exp, Refs: refs})
			}
			var res intel.UpsertResult
			if err := c.do(cmd.Context(), http.MethodPost, "/api/v1/intel", nil, inds, &res); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "added %d, updated %d; ids %v\n", res.Added, res.Updated, res.IDs)
			return nil
		},
	}
	c.register(cmd)
	f := cmd.Flags()
	f.StringVar(&typ, "type", "", "domain, host, url, url-prefix, ip, cidr or sha256 (default: guessed from the value)")
	f.StringVar(&category, "category", "malware", "malware, malware-download, exploit-kit, phishing, scam, miner, c2, ... or allow")
	f.StringVar(&source, "source", intel.SourceManual, "where it comes from")
	f.StringVar(&expires, "expires", "", "stop enforcing at this time (RFC 3339) or after this long (24h)")
	f.StringSliceVar(&refs, "ref", nil, "id of an event behind it (repeatable)")
	return cmd
}

func parseExpiry(v string) (time.Time, error) {
	if d, err := time.ParseDuration(v); err == nil && d > 0 {
		return time.Now().Add(d).UTC(), nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("--expires %q: want RFC 3339 time or a duration like 24h", v)
	}
	return t, nil
}

// filterFlags are the list/rm/export filters.
type filterFlags struct{ typ, value, category, source, ref string }

func (ff *filterFlags) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&ff.typ, "type", "", "only this type")
	f.StringVar(&ff.value, "value", "", "only this value (canonicalized as the server does)")
	f.StringVar(&ff.category, "category", "", "only this category")
	f.StringVar(&ff.source, "source", "", "only this source")
	f.StringVar(&ff.ref, "ref", "", "only indicators behind this event id")
}

func (ff *filterFlags) query() url.Values {
	q := url.Values{}
	for k, v := range map[string]string{"type": ff.typ, "value": ff.value, "category": ff.category, "source": ff.source, "ref": ff.ref} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return q
}

func newIntelRm() *cobra.Command {
	var c clientFlags
	var ff filterFlags
	cmd := &cobra.Command{
		Use:   "rm [ID...]",
		Short: "Remove indicators by id or by filter",
		Example: `  honeygate intel rm 42 43
  honeygate intel rm --value evil.example
  honeygate intel rm --source urlhaus`,
		RunE: func(cmd *cobra.Command, args []string) error {
			total := 0
			for _, a := range args {
				if _, err := strconv.ParseInt(a, 10, 64); err != nil {
					return fmt.Errorf("%q is not an indicator id (use --value to remove by value)", a)
				}
				var res struct{ Deleted int }
				if err := c.do(cmd.Context(), http.MethodDelete, "/api/v1/intel/"+a, nil, nil, &res); err != nil {
					return fmt.Errorf("id %s: %w", a, err)
				}
				total += res.Deleted
			}
			if q := ff.query(); len(q) > 0 {
				var res struct{ Deleted int }
				if err := c.do(cmd.Context(), http.MethodDelete, "/api/v1/intel", q, nil, &res); err != nil {
					return err
				}
				total += res.Deleted
			} else if len(args) == 0 {
				return fmt.Errorf("give ids or a filter (--value, --type, --category, --source, --ref)")
			}
			fmt.Fprintf(cmd.OutOrStdout(), "removed %d\n", total)
			return nil
		},
	}
	c.register(cmd)
	ff.register(cmd)
	return cmd
}

func newIntelList() *cobra.Command {
	var c clientFlags
	var ff filterFlags
	var limit int
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List indicators",
		Example: "  honeygate intel list --source honeypot\n  honeygate intel list --value http://EVIL.example/a/../b --json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			q := ff.query()
			q.Set("limit", strconv.Itoa(limit))
			var raw json.RawMessage
			if err := c.do(cmd.Context(), http.MethodGet, "/api/v1/intel", q, nil, &raw); err != nil {
				return err
			}
			if c.json {
				return printJSON(cmd.OutOrStdout(), raw)
			}
			// Enforced comes from the server (held honeypot downloads,
			// expiry); --json has the reason too.
			var resp struct {
				Indicators []struct {
					intel.Indicator
					Enforced bool `json:"enforced"`
				}
			}
			if err := json.Unmarshal(raw, &resp); err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tTYPE\tVALUE\tCATEGORY\tSOURCE\tLAST SEEN\tEXPIRES\tENFORCED")
			for _, i := range resp.Indicators {
				exp := "-"
				if !i.Expires.IsZero() {
					exp = i.Expires.Format(time.RFC3339)
				}
				enforced := "no"
				if i.Enforced {
					enforced = "yes"
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", i.ID, i.Type, printable(i.Value), i.Category, printable(i.Source), i.LastSeen.Format(time.RFC3339), exp, enforced)
			}
			return tw.Flush()
		},
	}
	c.register(cmd)
	ff.register(cmd)
	cmd.Flags().IntVar(&limit, "limit", 100, "at most this many (1 to 10000)")
	return cmd
}

// importChunk is how many indicators one POST carries.
const importChunk = 5000

func newIntelImport() *cobra.Command {
	var c clientFlags
	var format, source, category string
	var ttl time.Duration
	var maxInds int
	cmd := &cobra.Command{
		Use:   "import --format FORMAT FILE|-",
		Short: "Load a feed file (or stdin); bad lines are reported with their numbers, good ones load",
		Long: `Load a feed. Formats: domains (one a line), hosts (/etc/hosts style), urlhaus
(URLhaus CSV or URL list), phishtank (PhishTank CSV), adblock (||name^ rules), stix (a STIX
2.1 bundle), csv (what intel export --format csv writes). Every value is
canonicalized as the matcher does. Bad lines are listed on stderr with their
line numbers and the good ones load; the exit status is 1 only when nothing
loaded.`,
		Example: "  honeygate intel import --format urlhaus csv.txt\n  curl -s ... | honeygate intel import --format hosts --source stevenblack -",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(format, intel.ImportFormats); err != nil {
				return err
			}
			var r io.Reader = cmd.InOrStdin()
			name := "stdin"
			if args[0] != "-" {
				f, err := os.Open(args[0])
				if err != nil {
					return err
				}
				defer f.Close()
				r, name = f, args[0]
			}
			if source == "" {
				source = "import:" + format
			}
			res, err := intel.Parse(r, intel.Format(format), intel.ParseOptions{Source: source, Category: category, TTL: ttl, MaxIndicators: maxInds})
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			stderr := cmd.ErrOrStderr()
			for _, e := range res.Errors {
				fmt.Fprintf(stderr, "%s:%d: %s: %s\n", name, e.Line, e.Err, printable(e.Text))
			}
			if res.Bad > len(res.Errors) {
				fmt.Fprintf(stderr, "%s: ... and %d more bad lines\n", name, res.Bad-len(res.Errors))
			}
			added, updated := 0, 0
			for i := 0; i < len(res.Indicators); i += importChunk {
				chunk := res.Indicators[i:min(i+importChunk, len(res.Indicators))]
				var ur intel.UpsertResult
				if err := c.do(cmd.Context(), http.MethodPost, "/api/v1/intel", nil, chunk, &ur); err != nil {
					return fmt.Errorf("after %d loaded: %w", added+updated, err)
				}
				added, updated = added+ur.Added, updated+ur.Updated
			}
			from := ""
			if res.Lines > 0 {
				from = fmt.Sprintf(" from %d good lines", res.Lines)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: %d indicators%s (%d added, %d updated), %d bad lines\n", name, res.Good, from, added, updated, res.Bad)
			if res.Good == 0 {
				// Empty input is most often a download that failed
				// (`curl -s URL | honeygate intel import -`): a script
				// must see it.
				return exitError{1, fmt.Errorf("%s: nothing loaded", name)}
			}
			return nil
		},
	}
	c.register(cmd)
	f := cmd.Flags()
	f.StringVar(&format, "format", "", "required: "+formatList(intel.ImportFormats))
	f.StringVar(&source, "source", "", "source name of what loads (default import:FORMAT)")
	f.StringVar(&category, "category", "", "category for formats that carry none")
	f.DurationVar(&ttl, "ttl", 0, "expire what loads after this long (0: never)")
	f.IntVar(&maxInds, "max-indicators", 0, "refuse a feed that yields more than this many (0: the default, 5,000,000)")
	return cmd
}

func newIntelExport() *cobra.Command {
	var c clientFlags
	var ff filterFlags
	var format, out, zone string
	cmd := &cobra.Command{
		Use:   "export --format FORMAT [-o FILE]",
		Short: "Write the intel list for a resolver, Squid, Suricata or a TAXII consumer",
		Long: `Write the live indicators in a format another enforcer reads: hosts, rpz (a DNS
response policy zone), squid (a squid.conf fragment to include), dnsmasq,
suricata (rules), stix (STIX 2.1 bundle), csv (everything; import --format csv
reads it back). The allowlist wins everywhere, as in the gateway: rpz answers
it rpz-passthru, dnsmasq forwards it (server=/name/#), squid denies the block
ACL except the allow ACL; hosts and suricata leave out the blocks it covers.
Into those enforcing formats the allowlist goes whatever the filters select;
stix and csv carry exactly the selection (add --category allow for it).`,
		Example: "  honeygate intel export --format rpz -o /etc/bind/rpz.honeygate\n  honeygate intel export --format stix --source honeypot",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkFormat(format, intel.ExportFormats); err != nil {
				return err
			}
			var all []intel.Indicator
			seen := map[int64]bool{}
			fetch := func(q url.Values) error {
				q.Set("limit", "10000")
				for {
					var page struct {
						Indicators []intel.Indicator
						NextAfter  int64 `json:"next_after"`
					}
					if err := c.do(cmd.Context(), http.MethodGet, "/api/v1/intel", q, nil, &page); err != nil {
						return err
					}
					for _, ind := range page.Indicators {
						if !seen[ind.ID] {
							seen[ind.ID] = true
							all = append(all, ind)
						}
					}
					if page.NextAfter == 0 {
						return nil
					}
					q.Set("after", strconv.FormatInt(page.NextAfter, 10))
				}
			}
			if err := fetch(ff.query()); err != nil {
				return err
			}
			// The allowlist goes with any selection into the formats that
			// enforce (an exception the resolver or Squid must know too).
			if f := intel.Format(format); f != intel.FormatSTIX && f != intel.FormatCSV {
				if err := fetch(url.Values{"category": {intel.CategoryAllow}}); err != nil {
					return err
				}
			}
			var w io.Writer = cmd.OutOrStdout()
			if out != "" && out != "-" {
				f, err := os.Create(out)
				if err != nil {
					return err
				}
				defer f.Close()
				w = f
			}
			if err := intel.Export(w, intel.Format(format), all, intel.ExportOptions{Zone: zone}); err != nil {
				return err
			}
			if out != "" && out != "-" {
				fmt.Fprintf(cmd.ErrOrStderr(), "%s: %d indicators considered\n", out, len(all))
			}
			return nil
		},
	}
	c.register(cmd)
	ff.register(cmd)
	f := cmd.Flags()
	f.StringVar(&format, "format", "", "required: "+formatList(intel.ExportFormats))
	f.StringVarP(&out, "output", "o", "", "write here instead of stdout")
	f.StringVar(&zone, "zone", "", "rpz: the zone's origin (default rpz.honeygate.)")
	return cmd
}

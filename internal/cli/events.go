package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"

	"github.com/spf13/cobra"

	"github.com/honeygate/honeygate/internal/event"
	"github.com/honeygate/honeygate/internal/store"
)

func newEvents() *cobra.Command {
	var c clientFlags
	var kind, family, srcIP, since, session string
	var limit int
	cmd := &cobra.Command{
		Use:   "events",
		Short: "List stored events, newest first",
		Example: `  honeygate events --kind file.download --since 24h
  honeygate events --family mirai --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			q := url.Values{}
			for k, v := range map[string]string{"kind": kind, "family": family, "src_ip": srcIP, "since": since, "session": session} {
				if v != "" {
					q.Set(k, v)
				}
			}
			q.Set("limit", strconv.Itoa(limit))
			var raw json.RawMessage
			if err := c.get(cmd.Context(), "/api/v1/events", q, &raw); err != nil {
				return err
			}
			if c.json {
				return printJSON(cmd.OutOrStdout(), raw)
			}
			var resp struct{ Events []event.Event }
			if err := json.Unmarshal(raw, &resp); err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "TIME\tKIND\tSRC\tPORT\tSESSION\tFAMILY\tDETAIL")
			for _, e := range resp.Events {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\n", e.Time.Format(time.RFC3339), e.Kind,
					e.SrcIP, e.DstPort, e.Session, e.Family, detail(e))
			}
			return tw.Flush()
		},
	}
	c.register(cmd)
	f := cmd.Flags()
	f.StringVar(&kind, "kind", "", "only this kind (session.connect, login.success, command.input, file.download, ...)")
	f.StringVar(&family, "family", "", "only this malware family")
	f.StringVar(&srcIP, "src-ip", "", "only from this address")
	f.StringVar(&session, "session", "", "only this session")
	f.StringVar(&since, "since", "", "only since this time (RFC 3339, YYYY-MM-DD or a duration like 24h)")
	f.IntVar(&limit, "limit", 100, "at most this many (1 to 10000)")
	return cmd
}

// detail is the kind-specific part of an event, on one line.
func detail(e event.Event) string {
	var s string
	switch e.Kind {
	case event.LoginSuccess, event.LoginFailed:
		s = loginDetail(e)
	case event.SessionConnect:
		// SSH says who the client claims to be; the other doors say nothing.
		s = strings.TrimSpace(fmt.Sprintf("%s %s", e.ClientVersion, e.HASSH))
	case event.ClientFingerprint:
		s = fmt.Sprintf("%s %s", e.KeyType, e.KeyFingerprint)
	case event.DirectTCPIPRequest:
		s = fmt.Sprintf("tunnel to %s:%d (refused)", e.TargetHost, e.TargetPort)
	case event.FileUpload:
		// The hash before the name: the line is cut at 100 characters, and
		// the hash is what the analyst looks up.
		s = strings.TrimSpace(fmt.Sprintf("%s %d B sha256 %s %s", e.Tool, e.UploadSize, e.SHA256, e.Filename))
	case event.ExploitAttempt:
		s = exploitDetail(e)
	case event.SMBNegotiate:
		offered := make([]string, len(e.SMB.Dialects))
		for i, d := range e.SMB.Dialects {
			offered[i] = string(d)
			if d == "" {
				offered[i] = `""` // an empty dialect string: scanners send one
			}
		}
		s = fmt.Sprintf("offered %s; answered %s", strings.Join(offered, ", "), e.SMB.Dialect)
	case event.SMBTreeConnect:
		s = strings.TrimSpace(fmt.Sprintf("%s %s", e.Tree, e.SMB.Status))
	case event.SMBPipeOpen:
		s = string(e.Pipe)
	case event.HTTPRequest:
		s = fmt.Sprintf("%s %s -> %d", e.HTTP.Method, e.URI, e.HTTP.Status)
	case event.CommandInput:
		s = string(e.Input)
	case event.FileDownload:
		s = string(e.URL)
	case event.AttackHTTPFlood:
		s = fmt.Sprintf("flood %s (%d requests)", e.TargetURL, e.Requests)
	case event.ReflectAttack, event.ReflectScan:
		s = fmt.Sprintf("%s %d packets %d B in %d B out, peak %d/s: %s", e.Phase, e.Packets, e.BytesIn, e.BytesOut, e.PeakPPS, e.Request)
		s = strings.TrimPrefix(s, " ")
	case event.SessionAttributed:
		s = strings.Join(e.Reasons, "; ")
	case event.SessionClosed:
		s = fmt.Sprintf("%.1fs %s", e.Duration, e.Message)
	case event.GatewayBlock, event.GatewayInfectedHost:
		// What was asked for: the URL at the proxy, the name at the DNS filter.
		what := string(e.URL)
		if what == "" {
			what = string(e.Block.Host)
		}
		s = fmt.Sprintf("%s %s %s:", e.Enforcer, e.Action, what)
		if e.Indicator != "" {
			s += fmt.Sprintf(" %s %s (%s)", e.IndicatorType, e.Indicator, e.Category)
		}
		if e.Block.Count > 1 { // a folded event: the DNS filter's repeats
			s += fmt.Sprintf(" x%d", e.Block.Blocks())
		}
		s = strings.TrimSuffix(s+" "+e.Ref, " ")
	case event.CrawlCapture, event.CrawlVerdict:
		s = strings.Join(strings.Fields(fmt.Sprintf("%s %s %s %s", e.Site, e.Verdict, e.Page, e.Error)), " ")
	default:
		s = string(e.Message)
	}
	return printable(event.Truncate(s, 100))
}

// loginDetail is user/password for a cleartext login; an SMB logon has no
// password to show, so it says how the client authenticated instead.
func loginDetail(e event.Event) string {
	if e.Password != nil {
		return fmt.Sprintf("%s/%s", e.Username, *e.Password)
	}
	switch {
	case e.SMB.Auth == "anonymous":
		return "(anonymous)"
	case e.HashType != "":
		return fmt.Sprintf("%s (%s %s)", e.Username, e.SMB.Auth, e.HashType)
	case e.SMB.Auth != "":
		return fmt.Sprintf("%s (%s)", e.Username, e.SMB.Auth)
	}
	return fmt.Sprintf("%s/", e.Username)
}

// exploitDetail names the exploit step and what it carried.
func exploitDetail(e event.Event) string {
	parts := []string{e.CVE, e.Stage, e.Technique}
	if e.Payload != "" {
		parts = append(parts, fmt.Sprintf("payload %s %d B %s", e.PayloadType, e.PayloadSize, e.Payload))
	}
	return strings.Join(strings.Fields(strings.Join(parts, " ")), " ")
}

// printable replaces what a terminal would interpret: attacker input may
// hold escape sequences, and an analyst's terminal must not run them.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsPrint(r) {
			return r
		}
		return '.'
	}, s)
}

func newSession() *cobra.Command {
	var c clientFlags
	cmd := &cobra.Command{
		Use:   "session ID",
		Short: "Show one session: transcript, credentials, downloads, family and reasons",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var raw json.RawMessage
			if err := c.get(cmd.Context(), "/api/v1/sessions/"+url.PathEscape(args[0]), nil, &raw); err != nil {
				if ae, ok := errors.AsType[apiError](err); ok && ae.status == http.StatusNotFound {
					return fmt.Errorf("no session with id %s (ids are in `honeygate events`)", printable(args[0]))
				}
				return err
			}
			if c.json {
				return printJSON(cmd.OutOrStdout(), raw)
			}
			var s store.Session
			if err := json.Unmarshal(raw, &s); err != nil {
				return err
			}
			printSession(cmd.OutOrStdout(), s)
			return nil
		},
	}
	c.register(cmd)
	return cmd
}

func newStats() *cobra.Command {
	var c clientFlags
	var from, to string
	cmd := &cobra.Command{
		Use:   "stats",
		Short: "Sessions and distinct sources per day, family and port",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			q := url.Values{}
			if from != "" {
				q.Set("from", from)
			}
			if to != "" {
				q.Set("to", to)
			}
			var raw json.RawMessage
			if err := c.get(cmd.Context(), "/api/v1/stats/daily", q, &raw); err != nil {
				return err
			}
			if c.json {
				return printJSON(cmd.OutOrStdout(), raw)
			}
			var resp struct{ Days []store.DailyStat }
			if err := json.Unmarshal(raw, &resp); err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "DAY\tFAMILY\tPORT\tSESSIONS\tSOURCES")
			for _, d := range resp.Days {
				fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\n", d.Day, d.Family, d.DstPort, d.Sessions, d.Sources)
			}
			return tw.Flush()
		},
	}
	c.register(cmd)
	cmd.Flags().StringVar(&from, "from", "", "first day, YYYY-MM-DD (default 29 days ago)")
	cmd.Flags().StringVar(&to, "to", "", "last day, YYYY-MM-DD (default today)")
	return cmd
}

// sessionSteps are the transcript's events, other than commands, that
// tell what a session did: what it handed over (uploads, dropped
// programs), what it asked for (tunnels, keys) and the exploit steps of the
// doors without a shell (SMB, the router endpoints).
var sessionSteps = map[event.Kind]bool{
	event.FileUpload: true, event.DirectTCPIPRequest: true, event.ClientFingerprint: true,
	event.ExploitAttempt: true, event.SMBNegotiate: true, event.SMBTreeConnect: true, event.SMBPipeOpen: true,
	event.HTTPRequest: true, event.AttackHTTPFlood: true,
}

// printSession writes a session as `honeygate session` shows it: who and
// why, the logins, the transcript (commands with $, the other steps by
// kind), then the payload URLs.
func printSession(w io.Writer, s store.Session) {
	fmt.Fprintf(w, "session %s  %s %s:%d -> %d  family %s\n", s.ID, s.Proto, s.SrcIP, s.SrcPort, s.DstPort, s.Family)
	for _, r := range s.Reasons {
		fmt.Fprintf(w, "  because %s\n", r)
	}
	for _, cr := range s.Credentials {
		result := "failed"
		if cr.Success {
			result = "ok"
		}
		who := printable(cr.Username) + "/" + printable(cr.Password)
		if s.Proto == "smb" && cr.Username == "" && cr.Password == "" {
			who = "(anonymous)" // an SMB null session, not an empty password
		}
		fmt.Fprintf(w, "  login %-6s %s\n", result, who)
	}
	for _, e := range s.Transcript {
		switch {
		case e.Kind == event.CommandInput:
			fmt.Fprintf(w, "  $ %s\n", printable(string(e.Input)))
		case sessionSteps[e.Kind]:
			fmt.Fprintf(w, "  %s %s\n", e.Kind, detail(e))
		}
	}
	for _, d := range s.Downloads {
		fmt.Fprintf(w, "  download %s (%s)\n", printable(d.URL), d.Tool)
	}
}

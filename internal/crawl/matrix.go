package crawl

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Matrix is the tampering report: one row per site, one column per day.
type Matrix struct {
	Days      []string   `json:"days"`
	Sites     []SiteRow  `json:"sites"`
	Campaigns []Campaign `json:"campaigns"`
}

// SiteRow is one site's cells, one per day of the matrix.
type SiteRow struct {
	Name       string `json:"name"`
	URL        string `json:"url"`
	Cells      []Cell `json:"cells"`
	Persistent bool   `json:"persistent"` // red on PersistDays or more consecutive days
}

// Cell is one site on one day. Verdict "none" means it was not visited.
type Cell struct {
	Day       string   `json:"day"`
	Verdict   string   `json:"verdict"`
	Score     float64  `json:"score"`
	Reasons   []string `json:"reasons"`
	CaptureID string   `json:"capture_id,omitempty"`
}

// Campaign is one day on which several sites were red with the same injected
// indicator: one attacker tampering many sites at once.
type Campaign struct {
	Day       string   `json:"day"`
	Indicator string   `json:"indicator"`
	Sites     []string `json:"sites"`
}

// MatrixOptions are the thresholds of the report.
type MatrixOptions struct {
	PersistDays  int // default 3
	CampaignSize int // default 3
}

// MaxMatrixDays bounds the range of one matrix.
const MaxMatrixDays = 366

// Days lists the days from..to inclusive.
func Days(from, to string) ([]string, error) {
	f, err := time.Parse(DayFormat, from)
	if err != nil {
		return nil, fmt.Errorf("from: %q is not a YYYY-MM-DD day", from)
	}
	t, err := time.Parse(DayFormat, to)
	if err != nil {
		return nil, fmt.Errorf("to: %q is not a YYYY-MM-DD day", to)
	}
	if t.Before(f) {
		return nil, fmt.Errorf("to %s is before from %s", to, from)
	}
	if t.Sub(f) > MaxMatrixDays*24*time.Hour {
		return nil, fmt.Errorf("from..to spans more than %d days", MaxMatrixDays)
	}
	var ds []string
	for d := f; !d.After(t); d = d.AddDate(0, 0, 1) {
		ds = append(ds, d.Format(DayFormat))
	}
	return ds, nil
}

// BuildMatrix lays visits out by site and day. Sites come from the watch
// list, plus any site that has visits in the range but was removed since.
func BuildMatrix(sites []Site, visits []Visit, days []string, o MatrixOptions) Matrix {
	if o.PersistDays <= 0 {
		o.PersistDays = 3
	}
	if o.CampaignSize <= 0 {
		o.CampaignSize = 3
	}
	col := map[string]int{}
	for i, d := range days {
		col[d] = i
	}
	rows := map[string]*SiteRow{}
	var order []string
	row := func(name, url string) *SiteRow {
		if r, ok := rows[name]; ok {
			return r
		}
		r := &SiteRow{Name: name, URL: url, Cells: make([]Cell, len(days))}
		for i, d := range days {
			r.Cells[i] = Cell{Day: d, Verdict: "none", Reasons: []string{}}
		}
		rows[name] = r
		order = append(order, name)
		return r
	}
	for _, s := range sites {
		row(s.Name, s.URL)
	}
	// campaign key -> day -> sites
	camp := map[string]map[string]map[string]bool{}
	for _, v := range visits {
		i, ok := col[v.Capture.Day]
		if !ok || v.Capture.Site == "" {
			continue
		}
		r := row(v.Capture.Site, v.Capture.URL)
		c := Cell{Day: v.Capture.Day, Verdict: v.Verdict.Verdict, Score: v.Verdict.Score, Reasons: []string{}, CaptureID: v.Capture.ID}
		if v.Capture.Error != "" && c.Verdict == Error {
			c.Reasons = append(c.Reasons, "error: "+v.Capture.Error)
		}
		for _, re := range v.Verdict.Reasons {
			c.Reasons = append(c.Reasons, fmt.Sprintf("%s/%s: %s", re.Detector, re.Rule, re.Evidence))
		}
		r.Cells[i] = c
		if v.Verdict.Red() {
			for _, k := range v.Verdict.Campaign {
				if camp[k] == nil {
					camp[k] = map[string]map[string]bool{}
				}
				if camp[k][c.Day] == nil {
					camp[k][c.Day] = map[string]bool{}
				}
				camp[k][c.Day][r.Name] = true
			}
		}
	}
	m := Matrix{Days: days, Sites: []SiteRow{}, Campaigns: []Campaign{}}
	if m.Days == nil {
		m.Days = []string{}
	}
	sort.Strings(order)
	for _, n := range order {
		r := rows[n]
		run := 0
		for _, c := range r.Cells {
			if c.Verdict == Malicious {
				run++
				if run >= o.PersistDays {
					r.Persistent = true
				}
			} else {
				run = 0
			}
		}
		m.Sites = append(m.Sites, *r)
	}
	for k, byDay := range camp {
		for d, ss := range byDay {
			if len(ss) < o.CampaignSize {
				continue
			}
			c := Campaign{Day: d, Indicator: k}
			for s := range ss {
				c.Sites = append(c.Sites, s)
			}
			sort.Strings(c.Sites)
			m.Campaigns = append(m.Campaigns, c)
		}
	}
	// One campaign seen through several of its indicators (its host, its
	// script's hash, the rule that matched it) is reported once, by the
	// most specific indicator.
	sort.Slice(m.Campaigns, func(i, j int) bool {
		a, b := m.Campaigns[i], m.Campaigns[j]
		if a.Day != b.Day {
			return a.Day < b.Day
		}
		if pa, pb := keyRank(a.Indicator), keyRank(b.Indicator); pa != pb {
			return pa < pb
		}
		return a.Indicator < b.Indicator
	})
	seen := map[string]bool{}
	out := m.Campaigns[:0]
	for _, c := range m.Campaigns {
		k := c.Day + "\x00" + strings.Join(c.Sites, "\x00")
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, c)
	}
	m.Campaigns = out
	sort.SliceStable(m.Campaigns, func(i, j int) bool { return m.Campaigns[i].Day < m.Campaigns[j].Day })
	return m
}

// keyRank orders campaign keys from the most to the least specific.
func keyRank(k string) int {
	for i, p := range []string{"host:", "url:", "sha256:", "yara:"} {
		if strings.HasPrefix(k, p) {
			return i
		}
	}
	return 9
}

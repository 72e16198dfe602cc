package crawl

import (
	"strings"
	"testing"
)

func TestBuildMatrix(t *testing.T) {
	days, err := Days("2026-01-30", "2026-02-03")
	if err != nil || len(days) != 5 || days[2] != "2026-02-01" {
		t.Fatalf("Days = %v, %v", days, err)
	}
	v := func(site, day, verdict string, camp ...string) Visit {
		return Visit{Capture: Capture{ID: site + day, Site: site, Day: day, URL: "http://" + site + "/"}, Verdict: Verdict{Verdict: verdict, Campaign: camp,
			Reasons: []Reason{{Detector: "yara", Rule: "R", Evidence: "http://evil/x.js"}}}}
	}
	sites := []Site{{Name: "a", URL: "http://a/"}, {Name: "b", URL: "http://b/"}, {Name: "c", URL: "http://c/"}, {Name: "quiet", URL: "http://q/"}}
	visits := []Visit{
		v("a", "2026-01-30", Malicious, "host:evil", "yara:R"), v("a", "2026-01-31", Malicious), v("a", "2026-02-01", Malicious, "host:evil"),
		v("b", "2026-02-01", Malicious, "host:evil", "yara:R"), v("c", "2026-02-01", Malicious, "host:evil", "yara:R"),
		v("b", "2026-02-02", Malicious, "host:evil"), v("c", "2026-02-03", Suspicious, "host:evil"),
		v("gone", "2026-02-03", Error), v("a", "2025-12-01", Malicious),
	}
	m := BuildMatrix(sites, visits, days, MatrixOptions{})
	if len(m.Sites) != 5 || m.Sites[3].Name != "gone" {
		t.Fatalf("rows: %+v", m.Sites)
	}
	row := func(i int) string {
		var b strings.Builder
		for _, c := range m.Sites[i].Cells {
			b.WriteString(c.Verdict[:1])
		}
		return b.String()
	}
	if row(0) != "mmmnn" || !m.Sites[0].Persistent || m.Sites[1].Persistent || row(4) != "nnnnn" {
		t.Errorf("a: %s persistent %v; b persistent %v; quiet %s", row(0), m.Sites[0].Persistent, m.Sites[1].Persistent, row(4))
	}
	if len(m.Campaigns) != 1 || m.Campaigns[0].Day != "2026-02-01" || m.Campaigns[0].Indicator != "host:evil" || strings.Join(m.Campaigns[0].Sites, ",") != "a,b,c" {
		t.Errorf("campaigns: %+v (one, by its most specific indicator)", m.Campaigns)
	}
	if got := m.Sites[0].Cells[0].Reasons; len(got) != 1 || got[0] != "yara/R: http://evil/x.js" {
		t.Errorf("reasons: %q", got)
	}
	if _, err := Days("2026-02-03", "2026-02-01"); err == nil {
		t.Error("reversed range accepted")
	}
	if _, err := Days("2020-01-01", "2026-01-01"); err == nil {
		t.Error("six years accepted")
	}
}

func TestConfigValidate(t *testing.T) {
	if es := DefaultConfig().Validate(); len(es) != 0 {
		t.Fatalf("defaults invalid: %v", es)
	}
	c := DefaultConfig()
	c.Engine, c.Schedule, c.Tabs, c.CampaignSites = "fast", "25:99", 0, 1
	es := c.Validate()
	var paths []string
	for _, e := range es {
		paths = append(paths, e.Path)
	}
	if strings.Join(paths, ",") != "engine,schedule,tabs,campaign_sites" {
		t.Errorf("problems at %v: %v", paths, es)
	}
	c = DefaultConfig()
	c.Schedule = "off"
	if _, on, err := c.ScheduleOffset(); on || err != nil {
		t.Errorf("off: %v %v", on, err)
	}
	c.Schedule = "03:30"
	if d, on, err := c.ScheduleOffset(); !on || err != nil || d.Minutes() != 210 {
		t.Errorf("03:30: %v %v %v", d, on, err)
	}
}

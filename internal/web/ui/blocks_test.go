package ui_test

import (
	"io"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/honeygate/honeygate/internal/event"
)

var segRe = regexp.MustCompile(`<rect class="bar" x="([0-9.]+)" y="([0-9.]+)" width="[0-9.]+" height="([0-9.]+)" fill="(#[0-9a-f]{6})" data-label="([0-9-]+)" data-series="([^"]*)" data-value="([0-9]+)">`)

// The blocks chart stacks each day by category: each segment is its
// category's count that day, its height that count's share of the axis,
// the segments of a day sit on each other from the axis up, and the
// legend names every category in its colour.
func TestBlocksStackedByCategory(t *testing.T) {
	f := newFixture(t)
	f.login(t, token)
	blk := func(day int, client, host, cat string) event.Event {
		return ev("", client, 443, now.AddDate(0, 0, -day), event.GatewayBlock, func(e *event.Event) {
			e.Proto = "https"
			e.Block.Host, e.Category, e.Enforcer, e.Action, e.Ref = event.Text(host), cat, "proxy", event.ActionBlock, "R-"+event.NewID()[:8]
		})
	}
	want := map[[2]string]int64{
		{"2026-03-10", "malware"}: 3, {"2026-03-10", "phishing"}: 1,
		{"2026-03-09", "phishing"}: 2, {"2026-03-09", "c2"}: 1,
	}
	var evs []event.Event
	for k, n := range want {
		day := 0
		if k[0] == "2026-03-09" {
			day = 1
		}
		for i := range n {
			evs = append(evs, blk(day, "10.0.0."+strconv.Itoa(int(i)+1), k[1]+".example", k[1]))
		}
	}
	f.seed(t, evs...)
	_, body, _ := f.get(t, "/blocks?from=2026-03-09&to=2026-03-10")
	if !strings.Contains(body, "Blocked accesses per day, by category") {
		t.Errorf("chart title missing")
	}
	axis := regexp.MustCompile(`<g class="axis"[^>]*><line x1="\d+" x2="\d+" y1="(\d+)" y2="(\d+)"/>`).FindStringSubmatch(body)
	if axis == nil {
		t.Fatal("no y axis")
	}
	top, _ := strconv.ParseFloat(axis[1], 64)
	bottom, _ := strconv.ParseFloat(axis[2], 64)
	ticks := regexp.MustCompile(`<text class="ytick"[^>]*>([0-9,]+)</text>`).FindAllStringSubmatch(body, -1)
	maxTick, _ := strconv.ParseFloat(ticks[len(ticks)-1][1], 64)
	got := map[[2]string]int64{}
	colour := map[string]string{}
	stackTop := map[string]float64{} // per day: where the next segment must end
	for _, m := range segRe.FindAllStringSubmatch(body, -1) {
		y, _ := strconv.ParseFloat(m[2], 64)
		h, _ := strconv.ParseFloat(m[3], 64)
		v, _ := strconv.ParseInt(m[7], 10, 64)
		day, cat := m[5], m[6]
		got[[2]string{day, cat}] = v
		if wantH := float64(v) / maxTick * (bottom - top); math.Abs(h-wantH) > 0.01 {
			t.Errorf("%s %s: %d blocks drawn %.2f px, want %.2f", day, cat, v, h, wantH)
		}
		base, ok := stackTop[day]
		if !ok {
			base = bottom
		}
		if math.Abs(y+h-base) > 0.01 {
			t.Errorf("%s %s: segment ends at %.2f, want %.2f (on the one below)", day, cat, y+h, base)
		}
		stackTop[day] = y
		if c, ok := colour[cat]; ok && c != m[4] {
			t.Errorf("%s drawn in %s and %s", cat, c, m[4])
		}
		colour[cat] = m[4]
	}
	if len(got) != len(want) {
		t.Errorf("segments %v, want %v", got, want)
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%s %s: segment of %d, want %d", k[0], k[1], got[k], n)
		}
	}
	// The legend: a swatch per category in the segments' colour, and its
	// name.
	for cat, c := range colour {
		sw := regexp.MustCompile(`<rect class="swatch"[^>]* fill="(#[0-9a-f]{6})" data-series="` + cat + `"/>`).FindStringSubmatch(body)
		if sw == nil || sw[1] != c {
			t.Errorf("legend: %s swatch %v, segments in %s", cat, sw, c)
		}
		if !strings.Contains(body, `<text class="legend"`) || !strings.Contains(body, ">"+cat+"</text>") {
			t.Errorf("legend lacks %s", cat)
		}
	}
}

// The chart's own layers ("uncategorized" for blocks whose indicator had
// no category, "other" for the categories past the five largest) are named
// in the page's language in the legend, while the data keep the key; and
// the top clients list has no clients column (one client is one client),
// where domains and categories count theirs.
func TestBlocksLegendWordsAndTopColumns(t *testing.T) {
	f := newFixture(t)
	f.login(t, token)
	var evs []event.Event
	// Blocks without a category (the most) and seven named categories:
	// the three smallest named ones fold into "other".
	for i, cat := range []string{"", "malware", "phishing", "c2", "scam", "miner", "spam", "adware"} {
		for j := range 8 - i {
			evs = append(evs, ev("", "10.0.1."+strconv.Itoa(j+1), 443, now, event.GatewayBlock, func(e *event.Event) {
				e.Proto = "https"
				e.Block.Host, e.Category, e.Enforcer, e.Action, e.Ref = event.Text("h"+strconv.Itoa(i)+".example"), cat, "proxy", event.ActionBlock, "R-"+event.NewID()[:8]
			}))
		}
	}
	f.seed(t, evs...)
	get := func(lang string) string {
		req, _ := http.NewRequest("GET", f.srv.URL+"/blocks", nil)
		req.Header.Set("Accept-Language", lang)
		res, err := f.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return string(b)
	}
	ja, en := get("ja"), get("en")
	for _, key := range []string{"other", "uncategorized"} {
		for _, body := range []string{ja, en} {
			if !strings.Contains(body, `class="swatch"`) || !strings.Contains(body, `data-series="`+key+`"`) {
				t.Errorf("no %s layer keyed %q", key, key)
			}
		}
		if !strings.Contains(en, `>`+key+`</text>`) {
			t.Errorf("English legend lacks %q", key)
		}
		if strings.Contains(ja, `>`+key+`</text>`) {
			t.Errorf("Japanese legend says %q in English", key)
		}
	}
	for _, w := range []string{">その他</text>", ">未分類</text>"} {
		if !strings.Contains(ja, w) {
			t.Errorf("Japanese legend lacks %s", w)
		}
	}
	heads := func(id string) int {
		h := section(en, `id="`+id+`"`, "</thead>")
		return strings.Count(h, "<th>") + strings.Count(h, "<th ")
	}
	if heads("topclients") != 2 || heads("topdomains") != 3 || heads("bycategory") != 3 {
		t.Errorf("columns: clients %d, domains %d, categories %d; want 2, 3, 3", heads("topclients"), heads("topdomains"), heads("bycategory"))
	}
	if row := section(section(en, `id="topclients"`, "</table>"), "<tbody>", "</tr>"); strings.Count(row, "<td") != 2 {
		t.Errorf("a top client's row: %q", row)
	}
}

// The page a help desk opens from a block page's reference id names every
// fact in the reader's language: a Japanese reader found "host",
// "indicator" and "enforcer" in English, and a single block's client
// labelled "Clients".
func TestBlockByRefLabelsInBothLanguages(t *testing.T) {
	f := newFixture(t)
	f.login(t, token)
	ref := "HG-TEST-REF0-01"
	f.seed(t, ev("", "10.0.2.1", 80, now, event.GatewayBlock, func(e *event.Event) {
		e.Proto = "http"
		e.Block.Host, e.Category, e.Enforcer, e.Action, e.Ref = "bad.example.net", "malware", "proxy", event.ActionBlock, ref
		e.Indicator, e.IndicatorType, e.IntelSource = "bad.example.net", "host", "manual"
		e.URL = "http://bad.example.net/"
	}))
	get := func(lang string) string {
		req, _ := http.NewRequest("GET", f.srv.URL+"/blocks?ref="+ref, nil)
		req.Header.Set("Accept-Language", lang)
		res, err := f.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		if res.StatusCode != 200 {
			t.Fatalf("%s: %d", lang, res.StatusCode)
		}
		b, _ := io.ReadAll(res.Body)
		return section(string(b), `id="block"`, "</dl>")
	}
	terms := func(dl string) []string {
		var ts []string
		for _, m := range regexp.MustCompile(`<dt>([^<]*)</dt>`).FindAllStringSubmatch(dl, -1) {
			ts = append(ts, m[1])
		}
		return ts
	}
	en, ja := get("en"), get("ja")
	want := []string{"Time", "Client", "Host", "URL", "Category", "Matching indicator", "Enforced by"}
	if got := terms(en); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("English terms %q, want %q", got, want)
	}
	ascii := regexp.MustCompile(`^[A-Za-z ]+$`)
	for _, term := range terms(ja) {
		if ascii.MatchString(term) && term != "URL" {
			t.Errorf("Japanese page labels %q in English", term)
		}
	}
	if len(terms(ja)) != len(want) {
		t.Errorf("Japanese terms %q", terms(ja))
	}
}

// "Needs attention" lists infected hosts, one line per host and kill
// switch: a worm that asks for its kill switch at every spread attempt,
// through the DNS filter and the proxy, filled the list with copies of one
// line (the newest 50 events, each its own line, the proxy's worded as a
// DNS lookup).
func TestOverviewInfectedHostsOncePerHost(t *testing.T) {
	f := newFixture(t)
	f.login(t, token)
	const ks = "www.iuqerfsodp9ifjaposdfjhgosurijfaewrwergwea.com"
	inf := func(ip, enforcer string, ago time.Duration) event.Event {
		return ev("", ip, 53, now.Add(-ago), event.GatewayInfectedHost, func(e *event.Event) {
			e.Proto, e.Block.Host, e.Action, e.Enforcer = enforcer, ks, event.ActionResolve, enforcer
		})
	}
	f.seed(t, inf("10.9.9.9", "dns", 3*time.Minute), inf("10.9.9.9", "dns", 2*time.Minute), inf("10.9.9.9", "proxy", time.Minute), inf("10.9.9.8", "dns", 0))
	for _, lang := range []string{"en", "ja"} {
		req, _ := http.NewRequest("GET", f.srv.URL+"/", nil)
		req.Header.Set("Accept-Language", lang)
		res, err := f.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		att := section(string(b), `id="attention"`, "</ul>")
		lines := regexp.MustCompile(`<li>.*?</li>`).FindAllString(att, -1)
		if len(lines) != 2 {
			t.Fatalf("%s: %d lines for 2 infected hosts:\n%s", lang, len(lines), att)
		}
		// Newest first: 10.9.9.8 asked last.
		if !strings.Contains(lines[0], "10.9.9.8") || !strings.Contains(lines[1], "10.9.9.9") {
			t.Errorf("%s: order: %q", lang, lines)
		}
		if lang == "en" && (!strings.Contains(lines[1], "3 times") || !strings.Contains(lines[1], "DNS filter, proxy")) {
			t.Errorf("10.9.9.9's line says neither its count nor who saw it: %s", lines[1])
		}
		if lang == "ja" && (!strings.Contains(lines[1], "3回") || !strings.Contains(lines[1], "DNSフィルタ、プロキシ")) {
			t.Errorf("10.9.9.9's Japanese line: %s", lines[1])
		}
	}
}

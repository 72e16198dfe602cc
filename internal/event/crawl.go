package event

// The crawl domain: the client honeypot's visits of web pages and its
// verdicts. A verdict's indicators are what the gateway may block.
const (
	CrawlCapture Kind = "crawl.capture" // a page was visited: what was loaded, the redirect chain's length, the error if any
	CrawlVerdict Kind = "crawl.verdict" // a visit was judged: verdict, score, reasons, indicators
)

var crawlKinds = []Kind{CrawlCapture, CrawlVerdict}

// Crawl is one visit of a page (crawl.capture, crawl.verdict). The page's
// URLs and texts come from the crawled site, so they are Text. The visit
// has no session (Session stays empty): it is not an attacker's session.
type Crawl struct {
	Capture    string      `json:"capture,omitempty"`   // capture id, shared by the capture and its verdict
	Site       Text        `json:"site,omitempty"`      // watch-list name; empty for a one-off scan
	Page       Text        `json:"page_url,omitempty"`  // the URL visited
	FinalURL   Text        `json:"final_url,omitempty"` // the document finally shown
	Day        string      `json:"day,omitempty"`       // the round's day, YYYY-MM-DD
	Engine     string      `json:"engine,omitempty"`    // static or browser
	Profile    string      `json:"profile,omitempty"`   // the visitor profile
	Status     int         `json:"status,omitempty"`    // HTTP status of the final document
	Hops       int         `json:"hops,omitempty"`      // length of the redirect chain
	Loaded     int         `json:"loaded,omitempty"`    // resources loaded
	Error      Text        `json:"error,omitempty"`     // why the visit failed
	Verdict    string      `json:"verdict,omitempty"`   // malicious, suspicious, clean, error
	Score      float64     `json:"score,omitempty"`
	Indicators []Indicator `json:"indicators,omitempty"`
	Campaign   []Text      `json:"campaign,omitempty"` // injected hosts, script hashes, rules shared with other sites
}

// Indicator is something a verdict found that a gateway could block.
type Indicator struct {
	Type     string `json:"type"` // url, domain, sha256
	Value    Text   `json:"value"`
	Category string `json:"category"` // exploit-kit, miner, scam, malware-download, injected
}

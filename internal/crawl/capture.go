// Package crawl is honeygate's client honeypot: it visits web pages as a
// victim's browser would (the static engine, or headless Chromium), keeps
// what it saw as captures (bodies content-addressed under the data dir,
// metadata in a Store), runs the daily round over the watch list and builds
// the tampering matrix from the verdicts.
//
// It does not judge pages: a Judge (package detect) turns a capture into a
// Verdict. It does not block anything either: verdicts leave as events, and
// the gateway reads them from the bus.
package crawl

import (
	"time"
)

// Engine names.
const (
	EngineStatic  = "static"
	EngineBrowser = "browser"
	EngineAuto    = "auto"
)

// Resource types.
const (
	TypeDocument  = "document"
	TypeScript    = "script"
	TypeIframe    = "iframe"
	TypeStyle     = "stylesheet"
	TypeImage     = "image"
	TypeDownload  = "download"
	TypeWebSocket = "websocket"
	TypeXHR       = "xhr"
	TypeOther     = "other"
	TypeInline    = "inline-script" // a <script> element's own text, not fetched
)

// Hop causes.
const (
	CauseHTTP        = "http"         // a 3xx answer
	CauseMetaRefresh = "meta-refresh" // <meta http-equiv=refresh>
	CauseScript      = "script"       // location = ..., location.replace(...)
	CauseIframe      = "iframe"       // a frame navigated
)

// Capture is everything one visit of one page saw. Bodies are not inside:
// each resource names its body by SHA-256, kept in a Blobs store.
type Capture struct {
	ID       string    `json:"id"`
	Site     string    `json:"site,omitempty"` // watch-list name; empty for a one-off scan
	URL      string    `json:"url"`            // as asked
	FinalURL string    `json:"final_url"`      // the document finally shown
	Day      string    `json:"day,omitempty"`  // YYYY-MM-DD the round was recorded under
	Time     time.Time `json:"time"`
	Engine   string    `json:"engine"`
	Profile  string    `json:"profile"`
	Status   int       `json:"status"`          // HTTP status of the final document
	Error    string    `json:"error,omitempty"` // why the visit failed; then the verdict is "error"
	Duration float64   `json:"duration"`        // seconds

	Redirects []Hop      `json:"redirects"`
	Resources []Resource `json:"resources"` // the main document first
	Behaviour Behaviour  `json:"behaviour"` // browser engine only
	// Screenshot is the page as the browser showed it when the visit
	// ended (browser engine only; nil when none was taken).
	Screenshot *Screenshot `json:"screenshot,omitempty"`
}

// Screenshot is an image of the visited page's viewport. Like a resource's
// body, the image is kept content-addressed in the Blobs
// (DATA/captures/ab/<sha256>, read with Blobs.Get), not in the metadata,
// and it counts as referenced for retention (Store.Hashes).
type Screenshot struct {
	SHA256 string `json:"sha256"`
	MIME   string `json:"mime"` // image/jpeg
	Width  int    `json:"width,omitempty"`
	Height int    `json:"height,omitempty"`
	Size   int64  `json:"size"`

	Data []byte `json:"-"` // the image until the capture is saved
}

// Hop is one step of the redirect chain.
type Hop struct {
	From   string `json:"from"`
	To     string `json:"to"`
	Cause  string `json:"cause"` // CauseHTTP, CauseMetaRefresh, CauseScript, CauseIframe
	Status int    `json:"status,omitempty"`
}

// Resource is one thing the page loaded (or, for inline scripts, contained).
type Resource struct {
	URL       string `json:"url"`
	Host      string `json:"host"`
	Type      string `json:"type"`
	Status    int    `json:"status,omitempty"`
	MIME      string `json:"mime,omitempty"`
	Size      int64  `json:"size"`
	SHA256    string `json:"sha256,omitempty"`
	Parent    string `json:"parent,omitempty"` // the document that loaded it
	Cause     string `json:"cause,omitempty"`  // how: tag name, redirect, script, ...
	Hidden    bool   `json:"hidden,omitempty"` // an iframe styled out of sight
	Truncated bool   `json:"truncated,omitempty"`
	Error     string `json:"error,omitempty"`

	// Body is the content while the capture is judged; it is kept on disk by
	// hash, not in the metadata.
	Body []byte `json:"-"`
}

// Behaviour is what a page did when run in the browser.
type Behaviour struct {
	Dialogs     []string `json:"dialogs,omitempty"`    // alert/confirm/prompt texts (answered)
	WebSockets  []string `json:"websockets,omitempty"` // URLs opened
	WSFrames    []string `json:"ws_frames,omitempty"`  // first frames the page sent, bounded
	Downloads   []string `json:"downloads,omitempty"`  // URLs that triggered a download
	Console     []string `json:"console,omitempty"`
	Fullscreen  int      `json:"fullscreen,omitempty"`   // requestFullscreen calls
	HistoryPush int      `json:"history_push,omitempty"` // history.pushState calls
	Navigations []Hop    `json:"navigations,omitempty"`  // frame navigations with their cause
}

// Verdict values.
const (
	Malicious  = "malicious"
	Suspicious = "suspicious"
	Clean      = "clean"
	Error      = "error"
)

// Verdict is a judgment of one capture.
type Verdict struct {
	Verdict    string      `json:"verdict"`
	Score      float64     `json:"score"`
	Reasons    []Reason    `json:"reasons"`
	Indicators []Indicator `json:"indicators"`
	// Campaign keys are the injected things this verdict shares with other
	// sites: "host:evil.example", "sha256:...", "yara:Rule". The matrix groups
	// red cells of one day by them.
	Campaign []string `json:"campaign,omitempty"`
}

// Reason is why a detector thinks what it thinks.
type Reason struct {
	Detector string  `json:"detector"` // yara, structure, script, behaviour, change
	Rule     string  `json:"rule"`
	Category string  `json:"category,omitempty"`
	Score    float64 `json:"score"`
	Evidence string  `json:"evidence"`          // where: a URL, a tag
	Excerpt  string  `json:"excerpt,omitempty"` // what: a bounded snippet
}

// Indicator categories.
const (
	CatExploitKit = "exploit-kit"
	CatMiner      = "miner"
	CatScam       = "scam"
	CatDownload   = "malware-download"
	CatInjected   = "injected"
)

// Indicator is something the gateway could block.
type Indicator struct {
	Type     string `json:"type"` // url, domain, sha256
	Value    string `json:"value"`
	Category string `json:"category"`
}

// Red reports whether a verdict marks tampering in the matrix.
func (v Verdict) Red() bool { return v.Verdict == Malicious }

package detect

import (
	"context"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/honeygate/honeygate/internal/crawl"
)

// Behaviour judges what the page did: executable downloads, WebSockets to
// mining pools, dialog loops and fullscreen traps of tech-support scams,
// history flooding, and cross-site redirects the site did not make before.
// Most of it needs the browser engine; downloads are seen by both.
type Behaviour struct{}

var _ Detector = Behaviour{}

// Name implements Detector.
func (Behaviour) Name() string { return "behaviour" }

var (
	// Known browser-mining services and the shapes of mining-pool proxies.
	reMinerHost = regexp.MustCompile(`(?i)(?:coin-?hive|authedmine|crypto-?loot|cryptoloot|webmine|jsecoin|coinimp|minero\.cc|monerominer|ppoi\.org|deepminer|minergate|coinhave|cryptonight|mineralt|webminepool|coin-?have|hashing\.win)`)
	// Stratum-over-WebSocket messages of browser miners.
	reStratum = regexp.MustCompile(`(?i)"(?:method|type)"\s*:\s*"(?:login|auth|submit|job)"|"params"\s*:\s*\{[^}]*"(?:site_key|login|blob)"`)
	rePhone   = regexp.MustCompile(`(?:\+?1[\s.-]?)?\(?\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}|\+\d{1,3}[\s.-]\d{2,4}[\s.-]\d{3,4}[\s.-]\d{3,4}`)
	reScamTxt = regexp.MustCompile(`(?i)virus|infect|call|support|technician|microsoft|windows|apple|error|warning|blocked|suspended|hack`)
)

// Detect implements Detector.
func (Behaviour) Detect(_ context.Context, in *Input) []crawl.Reason {
	var out []crawl.Reason
	c := in.C
	seen := map[string]bool{}
	for _, r := range c.Resources {
		if r.Type == crawl.TypeDownload && !seen[r.URL] {
			seen[r.URL] = true
			out = append(out, crawl.Reason{Rule: "executable-download", Category: crawl.CatDownload, Evidence: r.URL,
				Excerpt: "download " + r.MIME + " " + strconv.FormatInt(r.Size, 10) + " bytes sha256 " + short(r.SHA256)})
		}
	}
	for _, d := range c.Behaviour.Downloads {
		if !seen[d] {
			seen[d] = true
			out = append(out, crawl.Reason{Rule: "executable-download", Category: crawl.CatDownload, Evidence: d, Excerpt: "the page started a download"})
		}
	}
	for _, ws := range c.Behaviour.WebSockets {
		if reMinerHost.MatchString(ws) {
			out = append(out, crawl.Reason{Rule: "miner-websocket", Category: crawl.CatMiner, Evidence: ws, Excerpt: "WebSocket to a mining service"})
		}
	}
	for _, f := range c.Behaviour.WSFrames {
		if reStratum.MatchString(f) {
			ws := ""
			if len(c.Behaviour.WebSockets) > 0 {
				ws = c.Behaviour.WebSockets[0]
			}
			out = append(out, crawl.Reason{Rule: "miner-websocket", Category: crawl.CatMiner, Evidence: ws, Excerpt: "stratum message: " + f})
			break
		}
	}
	if n := len(c.Behaviour.Dialogs); n >= 3 {
		out = append(out, crawl.Reason{Rule: "alert-loop", Category: crawl.CatScam, Evidence: c.FinalURL, Excerpt: strconv.Itoa(n) + " dialogs: " + c.Behaviour.Dialogs[0]})
	}
	for _, d := range c.Behaviour.Dialogs {
		if rePhone.MatchString(d) && len(reScamTxt.FindAllString(d, 10)) >= 2 {
			out = append(out, crawl.Reason{Rule: "scam-phone-dialog", Category: crawl.CatScam, Evidence: c.FinalURL, Excerpt: d})
			break
		}
	}
	if c.Behaviour.Fullscreen > 0 {
		out = append(out, crawl.Reason{Rule: "fullscreen", Category: crawl.CatScam, Evidence: c.FinalURL, Excerpt: strconv.Itoa(c.Behaviour.Fullscreen) + " fullscreen requests"})
	}
	if c.Behaviour.HistoryPush >= 10 {
		out = append(out, crawl.Reason{Rule: "history-flood", Category: crawl.CatScam, Evidence: c.FinalURL, Excerpt: strconv.Itoa(c.Behaviour.HistoryPush) + " history.pushState calls"})
	}
	if in.Base != nil && in.Base.Captures > 0 {
		for _, h := range c.Behaviour.Navigations {
			u, err := url.Parse(h.To)
			if err != nil || u.Host == "" || h.Cause == crawl.CauseIframe || !in.ThirdParty(u.Host) || slices.Contains(in.Base.Hosts, u.Host) {
				continue
			}
			out = append(out, crawl.Reason{Rule: "cross-site-redirect-new", Category: crawl.CatInjected, Evidence: h.To, Excerpt: h.Cause + " navigation from " + strings.TrimSpace(h.From)})
		}
	}
	return out
}

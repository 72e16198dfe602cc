package crawl

import (
	"net/url"
	"slices"
	"sort"
)

// Profile is the visitor a crawl pretends to be. Injected code often fires
// only for some visitors (old Windows and Internet Explorer, arriving from a
// search engine), so each watch-list entry chooses one.
type Profile struct {
	Name      string
	UserAgent string
	Language  string
	// SearchReferer makes the visit look like a click on a search result for
	// the site's host name.
	SearchReferer bool
	// Platform and window size for the browser engine.
	Platform string
	Width    int
	Height   int
}

// DefaultProfile is used when a watch-list entry names none.
const DefaultProfile = "ie11-win7"

var profiles = map[string]Profile{
	"ie11-win7": {
		Name:          "ie11-win7",
		UserAgent:     "Mozilla/5.0 (Windows NT 6.1; WOW64; Trident/7.0; rv:11.0) like Gecko",
		Language:      "en-US,en;q=0.5",
		SearchReferer: true,
		Platform:      "Win32", Width: 1366, Height: 768,
	},
	"chrome-win10": {
		Name:          "chrome-win10",
		UserAgent:     "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
		Language:      "en-US,en;q=0.9",
		SearchReferer: true,
		Platform:      "Win32", Width: 1920, Height: 1080,
	},
	"firefox-win10": {
		Name:          "firefox-win10",
		UserAgent:     "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0",
		Language:      "en-US,en;q=0.5",
		SearchReferer: true,
		Platform:      "Win32", Width: 1920, Height: 1080,
	},
	"safari-iphone": {
		Name:          "safari-iphone",
		UserAgent:     "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
		Language:      "en-US,en;q=0.9",
		SearchReferer: true,
		Platform:      "iPhone", Width: 390, Height: 844,
	},
	"direct-linux": {
		Name:      "direct-linux",
		UserAgent: "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
		Language:  "en-US,en;q=0.5",
		Platform:  "Linux x86_64", Width: 1920, Height: 1080,
	},
}

// LookupProfile returns the named profile ("" is the default).
func LookupProfile(name string) (Profile, bool) {
	if name == "" {
		name = DefaultProfile
	}
	p, ok := profiles[name]
	return p, ok
}

// ProfileNames lists the known profiles.
func ProfileNames() []string {
	var ns []string
	for n := range profiles {
		ns = append(ns, n)
	}
	sort.Strings(ns)
	return slices.Clip(ns)
}

// Referer is the referer the profile sends when visiting u.
func (p Profile) Referer(u *url.URL) string {
	if !p.SearchReferer || u == nil {
		return ""
	}
	return "https://www.google.com/search?q=" + url.QueryEscape(u.Hostname())
}

package web

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/honeygate/honeygate/internal/crawl"
)

// CrawlOptions give the API the client honeypot: its store, and the crawler
// that runs a round or a rejudge on request.
type CrawlOptions struct {
	Store   crawl.Store
	Crawler *crawl.Crawler
	Matrix  crawl.MatrixOptions
	// Today is the day a round without one is recorded under (default: the
	// current UTC day).
	Today func() string
}

func (s *Server) crawlRoutes() {
	s.mux.Handle("GET /api/v1/watch", s.auth(s.watchList))
	s.mux.Handle("POST /api/v1/watch", s.auth(s.watchAdd))
	s.mux.Handle("DELETE /api/v1/watch", s.auth(s.watchRemove))
	s.mux.Handle("POST /api/v1/crawl", s.auth(s.crawlRound))
	s.mux.Handle("POST /api/v1/rejudge", s.auth(s.rejudge))
	s.mux.Handle("GET /api/v1/tampering", s.auth(s.tampering))
}

func (s *Server) today() string {
	if s.Crawl.Today != nil {
		return s.Crawl.Today()
	}
	return time.Now().UTC().Format(crawl.DayFormat)
}

// failCrawl maps the crawl store's errors, then the common ones.
func (s *Server) failCrawl(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, crawl.ErrNotFound):
		writeError(w, http.StatusNotFound, "not on the watch list")
	case errors.Is(err, crawl.ErrExists):
		writeError(w, http.StatusConflict, "already on the watch list (same URL or name)")
	default:
		s.fail(w, r, err)
	}
}

// readJSON decodes a small JSON body; an empty body leaves v as it is.
func readJSON(r *http.Request, v any) error {
	b, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if err != nil {
		return badRequest{"cannot read the body: " + err.Error()}
	}
	if len(strings.TrimSpace(string(b))) == 0 {
		return nil
	}
	if err := json.Unmarshal(b, v); err != nil {
		return badRequest{"body: " + err.Error()}
	}
	return nil
}

func (s *Server) watchList(w http.ResponseWriter, r *http.Request) {
	sites, err := s.Crawl.Store.Sites(r.Context())
	if err != nil {
		s.failCrawl(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"sites": sites})
}

// ValidateSite checks and completes a watch-list entry: an absolute
// http(s) URL, a name (default: the URL's host), a known profile.
func ValidateSite(st crawl.Site) (crawl.Site, error) {
	st.URL = strings.TrimSpace(st.URL)
	u, err := url.Parse(st.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(st.URL) > 2048 {
		return st, badRequest{"url: want an absolute http:// or https:// URL"}
	}
	if st.Name = strings.TrimSpace(st.Name); st.Name == "" {
		st.Name = u.Host
	}
	if len(st.Name) > 128 || strings.ContainsAny(st.Name, "\x00\r\n\t") {
		return st, badRequest{"name: at most 128 characters, no control characters"}
	}
	if st.Profile == "" {
		st.Profile = crawl.DefaultProfile
	}
	if _, ok := crawl.LookupProfile(st.Profile); !ok {
		return st, badRequest{"profile: unknown; known: " + strings.Join(crawl.ProfileNames(), ", ")}
	}
	return st, nil
}

func (s *Server) watchAdd(w http.ResponseWriter, r *http.Request) {
	var in struct {
		URL     string `json:"url"`
		Name    string `json:"name"`
		Profile string `json:"profile"`
	}
	if err := readJSON(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	st, err := ValidateSite(crawl.Site{URL: in.URL, Name: in.Name, Profile: in.Profile})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	st, err = s.Crawl.Store.AddSite(r.Context(), st)
	if err != nil {
		s.failCrawl(w, r, err)
		return
	}
	s.record(r, "watch.add", st.Name, st.URL)
	writeJSON(w, http.StatusCreated, st)
}

func (s *Server) watchRemove(w http.ResponseWriter, r *http.Request) {
	var in struct {
		URL  string `json:"url"`
		Name string `json:"name"`
	}
	if err := readJSON(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	key := firstOf(in.URL, in.Name, r.URL.Query().Get("url"), r.URL.Query().Get("name"))
	if key == "" {
		s.fail(w, r, badRequest{"give the url or the name of the site to remove"})
		return
	}
	if err := s.Crawl.Store.RemoveSite(r.Context(), key); err != nil {
		s.failCrawl(w, r, err)
		return
	}
	s.record(r, "watch.remove", key, "")
	writeJSON(w, http.StatusOK, map[string]string{"removed": key})
}

func firstOf(vs ...string) string {
	for _, v := range vs {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}

// crawlRound runs a round now and answers when it is done.
func (s *Server) crawlRound(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Day string `json:"day"`
	}
	if err := readJSON(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	if in.Day == "" {
		in.Day = s.today()
	}
	if !crawl.ValidDay(in.Day) {
		s.fail(w, r, badRequest{"day: want YYYY-MM-DD"})
		return
	}
	// A round takes as long as the watch list needs, longer than the
	// server's write timeout allows an ordinary answer.
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(6 * time.Hour))
	sum, err := s.Crawl.Crawler.Round(r.Context(), in.Day)
	if err != nil {
		s.failCrawl(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, sum)
}

func (s *Server) rejudge(w http.ResponseWriter, r *http.Request) {
	var in struct {
		From string `json:"from"`
		To   string `json:"to"`
	}
	if err := readJSON(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	from, to, err := s.dayRange(in.From, in.To)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(6 * time.Hour))
	sum, err := s.Crawl.Crawler.Rejudge(r.Context(), from, to)
	if err != nil {
		s.failCrawl(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, sum)
}

// dayRange fills a missing end with today and a missing start with the
// 14 days up to the end.
func (s *Server) dayRange(from, to string) (string, string, error) {
	if to == "" {
		to = s.today()
	}
	if from == "" {
		t, err := time.Parse(crawl.DayFormat, to)
		if err != nil {
			return "", "", badRequest{"to: want YYYY-MM-DD"}
		}
		from = t.AddDate(0, 0, -13).Format(crawl.DayFormat)
	}
	if _, err := crawl.Days(from, to); err != nil {
		return "", "", badRequest{err.Error()}
	}
	return from, to, nil
}

func (s *Server) tampering(w http.ResponseWriter, r *http.Request) {
	from, to, err := s.dayRange(r.URL.Query().Get("from"), r.URL.Query().Get("to"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	days, _ := crawl.Days(from, to)
	sites, err := s.Crawl.Store.Sites(r.Context())
	if err != nil {
		s.failCrawl(w, r, err)
		return
	}
	visits, err := s.Crawl.Store.Visits(r.Context(), from, to)
	if err != nil {
		s.failCrawl(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, crawl.BuildMatrix(sites, visits, days, s.Crawl.Matrix))
}

package crawltest

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/honeygate/honeygate/internal/crawl"
)

// Mem is a crawl.Store in memory, for tests of the crawler. It copies what
// it keeps (through JSON, as a database would), so a caller cannot change
// stored values by mistake.
type Mem struct {
	mu        sync.Mutex
	sites     map[string]crawl.Site
	visits    map[string][]byte // capture id -> encoded visit
	baselines map[string][]byte
}

var _ crawl.Store = (*Mem)(nil)

// NewMem returns an empty store.
func NewMem() *Mem {
	return &Mem{sites: map[string]crawl.Site{}, visits: map[string][]byte{}, baselines: map[string][]byte{}}
}

// AddSite implements crawl.Store.
func (m *Mem) AddSite(_ context.Context, s crawl.Site) (crawl.Site, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, o := range m.sites {
		if o.Name == s.Name || o.URL == s.URL {
			return s, fmt.Errorf("mem: %w", crawl.ErrExists)
		}
	}
	if s.Added.IsZero() {
		s.Added = time.Now().UTC()
	}
	m.sites[s.Name] = s
	return s, nil
}

// Sites implements crawl.Store.
func (m *Mem) Sites(context.Context) ([]crawl.Site, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := []crawl.Site{}
	for _, s := range m.sites {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// RemoveSite implements crawl.Store.
func (m *Mem) RemoveSite(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for n, s := range m.sites {
		if s.Name == key || s.URL == key {
			delete(m.sites, n)
			return nil
		}
	}
	return fmt.Errorf("mem: %w", crawl.ErrNotFound)
}

// PutVisit implements crawl.Store.
func (m *Mem) PutVisit(_ context.Context, v crawl.Visit) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if v.Capture.Site != "" && v.Capture.Day != "" {
		for id, raw := range m.visits {
			var o crawl.Visit
			json.Unmarshal(raw, &o)
			if o.Capture.Site == v.Capture.Site && o.Capture.Day == v.Capture.Day {
				delete(m.visits, id)
			}
		}
	}
	m.visits[v.Capture.ID] = b
	return nil
}

// Visits implements crawl.Store.
func (m *Mem) Visits(_ context.Context, from, to string) ([]crawl.Visit, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := []crawl.Visit{}
	for _, raw := range m.visits {
		var v crawl.Visit
		json.Unmarshal(raw, &v)
		if v.Capture.Site != "" && v.Capture.Day >= from && v.Capture.Day <= to {
			out = append(out, v)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i].Capture, out[j].Capture
		if a.Day != b.Day {
			return a.Day < b.Day
		}
		return a.Site < b.Site
	})
	return out, nil
}

// UpdateVerdict implements crawl.Store.
func (m *Mem) UpdateVerdict(_ context.Context, id string, nv crawl.Verdict) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	raw, ok := m.visits[id]
	if !ok {
		return fmt.Errorf("mem: %w", crawl.ErrNotFound)
	}
	var v crawl.Visit
	json.Unmarshal(raw, &v)
	v.Verdict = nv
	m.visits[id], _ = json.Marshal(v)
	return nil
}

// Baseline implements crawl.Store.
func (m *Mem) Baseline(_ context.Context, site string) (crawl.Baseline, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var b crawl.Baseline
	if raw, ok := m.baselines[site]; ok {
		json.Unmarshal(raw, &b)
	}
	return b, nil
}

// PutBaseline implements crawl.Store.
func (m *Mem) PutBaseline(_ context.Context, site string, b crawl.Baseline) error {
	raw, err := json.Marshal(b)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.baselines[site] = raw
	return nil
}

// PruneBefore implements crawl.Store.
func (m *Mem) PruneBefore(_ context.Context, day string) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for id, raw := range m.visits {
		var v crawl.Visit
		json.Unmarshal(raw, &v)
		if v.Capture.Day != "" && v.Capture.Day < day {
			delete(m.visits, id)
			n++
		}
	}
	return n, nil
}

// Hashes implements crawl.Store.
func (m *Mem) Hashes(context.Context) (map[string]bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string]bool{}
	for _, raw := range m.visits {
		var v crawl.Visit
		json.Unmarshal(raw, &v)
		for _, h := range v.Capture.Hashes() {
			out[h] = true
		}
	}
	return out, nil
}

package intel

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"
)

// MemStore is a Store in memory: for tests, and for a gateway that only
// enforces feeds and keeps nothing. It is safe for concurrent use.
type MemStore struct {
	mu    sync.Mutex
	next  int64
	byKey map[indKey]int64
	byID  map[int64]*Indicator
}

// indKey identifies an indicator in a store (type, value, source), or a
// value whatever its source (source empty).
type indKey struct {
	t         Type
	v, source string
}

var _ Store = (*MemStore)(nil)

// NewMemStore returns an empty MemStore.
func NewMemStore() *MemStore {
	return &MemStore{byKey: map[indKey]int64{}, byID: map[int64]*Indicator{}}
}

func (m *MemStore) upsert(ind Indicator) (int64, bool) {
	k := indKey{ind.Type, ind.Value, ind.Source}
	if id, ok := m.byKey[k]; ok {
		merged := Merge(*m.byID[id], ind)
		m.byID[id] = &merged
		return id, false
	}
	m.next++
	ind.ID = m.next
	ind.Refs = MergeRefs(nil, ind.Refs)
	m.byKey[k] = ind.ID
	m.byID[ind.ID] = &ind
	return ind.ID, true
}

// UpsertIndicators implements Store.
func (m *MemStore) UpsertIndicators(ctx context.Context, inds []Indicator) (UpsertResult, error) {
	if err := ctx.Err(); err != nil {
		return UpsertResult{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	res := UpsertResult{IDs: make([]int64, 0, len(inds))}
	for _, ind := range inds {
		id, added := m.upsert(ind)
		if added {
			res.Added++
		} else {
			res.Updated++
		}
		res.IDs = append(res.IDs, id)
	}
	return res, nil
}

// ReplaceSource implements Store.
func (m *MemStore) ReplaceSource(ctx context.Context, source string, inds []Indicator) (ReplaceResult, error) {
	if err := ctx.Err(); err != nil {
		return ReplaceResult{}, err
	}
	for _, ind := range inds {
		if ind.Source != source {
			return ReplaceResult{}, fmt.Errorf("intel: replace %q: an indicator from %q: %w", source, ind.Source, ErrInvalid)
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var res ReplaceResult
	keep := map[int64]bool{}
	for _, ind := range inds {
		id, added := m.upsert(ind)
		keep[id] = true
		if added {
			res.Added++
		} else {
			res.Updated++
		}
	}
	for id, ind := range m.byID {
		if ind.Source == source && !keep[id] {
			delete(m.byKey, indKey{ind.Type, ind.Value, ind.Source})
			delete(m.byID, id)
			res.Removed++
		}
	}
	return res, nil
}

func (m *MemStore) sortedIDs() []int64 {
	ids := make([]int64, 0, len(m.byID))
	for id := range m.byID {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

func (f Filter) matches(ind *Indicator) bool {
	return (f.ID == 0 || ind.ID == f.ID) && (f.Type == "" || ind.Type == f.Type) &&
		(f.Value == "" || ind.Value == f.Value) && (f.Category == "" || ind.Category == f.Category) &&
		(f.Source == "" || ind.Source == f.Source) && (f.Ref == "" || slices.Contains(ind.Refs, f.Ref))
}

func clone(ind *Indicator) Indicator {
	c := *ind
	c.Refs = slices.Clone(ind.Refs)
	return c
}

// ListIndicators implements Store.
func (m *MemStore) ListIndicators(ctx context.Context, f Filter) ([]Indicator, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	out := []Indicator{}
	limit := f.EffectiveLimit()
	for _, id := range m.sortedIDs() {
		ind := m.byID[id]
		if id <= f.AfterID || !f.matches(ind) {
			continue
		}
		out = append(out, clone(ind))
		if len(out) == limit {
			break
		}
	}
	return out, nil
}

// DeleteIndicators implements Store.
func (m *MemStore) DeleteIndicators(ctx context.Context, f Filter) ([]Indicator, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if f.Empty() {
		return nil, fmt.Errorf("intel: delete with no filter: %w", ErrInvalid)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var gone []Indicator
	for _, id := range m.sortedIDs() {
		if ind := m.byID[id]; f.matches(ind) {
			delete(m.byKey, indKey{ind.Type, ind.Value, ind.Source})
			delete(m.byID, id)
			g := *ind
			g.Refs = nil
			gone = append(gone, g)
		}
	}
	return gone, nil
}

// EachIndicator implements Store.
func (m *MemStore) EachIndicator(ctx context.Context, now time.Time, fn func(*Indicator) error) error {
	m.mu.Lock()
	var all []Indicator
	for _, id := range m.sortedIDs() {
		if ind := m.byID[id]; !ind.Expired(now) {
			c := *ind
			c.Refs = nil
			all = append(all, c)
		}
	}
	m.mu.Unlock()
	for i := range all {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(&all[i]); err != nil {
			return err
		}
	}
	return nil
}

package sqlite_test

import (
	"context"
	"testing"

	"github.com/honeygate/honeygate/internal/event"
)

// BenchmarkAppendInterleaved appends events as the bus delivers them from
// many concurrent attackers: each batch of 1000 holds two events of each of
// 500 sessions in progress (at staggered stages), so every batch updates
// about 500 sessions, most of them already stored: the worst case for
// folding, where BenchmarkAppendEvents has whole sessions in each batch.
// It uses only the public API, so that it runs unchanged against an older
// adapter for comparison.
func BenchmarkAppendInterleaved(b *testing.B) {
	const concurrent, perSession, perBatch = 500, 10, 2
	ctx := context.Background()
	db := openTemp(b)
	next := 0
	inProgress := make([][]event.Event, concurrent)
	for i := range inProgress {
		inProgress[i] = telnetBatch(next, perSession)[(i%(perSession/perBatch))*perBatch:]
		next++
	}
	batch := make([]event.Event, 0, concurrent*perBatch)
	for b.Loop() {
		batch = batch[:0]
		for i, evs := range inProgress {
			batch = append(batch, evs[:perBatch]...)
			if inProgress[i] = evs[perBatch:]; len(inProgress[i]) == 0 {
				inProgress[i] = telnetBatch(next, perSession)
				next++
			}
		}
		ins, err := db.AppendEvents(ctx, batch)
		if err != nil {
			b.Fatal(err)
		}
		if len(ins) != len(batch) {
			b.Fatalf("inserted %d of %d", len(ins), len(batch))
		}
	}
	b.ReportMetric(float64(b.N*concurrent*perBatch)/b.Elapsed().Seconds(), "events/s")
}

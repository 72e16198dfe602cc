package replay

import (
	"context"
	"testing"
)

// BenchmarkCorpus replays the whole shared corpus (149 sessions, 405
// lines) on one device: the cost of the emulation and attribution per
// real session, without the network.
func BenchmarkCorpus(b *testing.B) {
	ss := loadCorpus(&testing.T{})
	dev := device(&testing.T{})
	lines := 0
	for _, s := range ss {
		lines += len(s.Commands)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, s := range ss {
			Play(context.Background(), dev, nil, s)
		}
	}
	b.ReportMetric(float64(b.N*len(ss))/b.Elapsed().Seconds(), "sessions/s")
	b.ReportMetric(float64(b.N*lines)/b.Elapsed().Seconds(), "lines/s")
}

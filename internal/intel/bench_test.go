package intel

import (
	"fmt"
	"net/url"
	"testing"
	"time"
)

// benchSnapshot: 100,000 domains and 100,000 URLs; the full-size run with
// its peer is bench/matcher.
func benchSnapshot(b *testing.B) (*Snapshot, []string, []*url.URL) {
	var inds []Indicator
	for i := range 100000 {
		inds = append(inds, Indicator{Type: TypeDomain, Value: fmt.Sprintf("evil%d.example", i), Category: "malware", Source: "b"})
		inds = append(inds, Indicator{Type: TypeURL, Value: fmt.Sprintf("198.51.%d.%d/bins/x%d.sh", i/250%250, i%250, i), Category: "malware-download", Source: "b"})
	}
	s := Build(inds, time.Now())
	var hosts []string
	var urls []*url.URL
	for i := range 1000 {
		hosts = append(hosts, fmt.Sprintf("www.evil%d.example", i*7), fmt.Sprintf("www.benign%d.example", i))
		u1, _ := url.Parse(fmt.Sprintf("http://198.51.%d.%d/bins/x%d.sh", i/250%250, i%250, i))
		u2, _ := url.Parse(fmt.Sprintf("http://www.benign%d.example/wp-content/uploads/2024/x.php?id=%d", i, i))
		urls = append(urls, u1, u2)
	}
	return s, hosts, urls
}

func BenchmarkMatchHost(b *testing.B) {
	s, hosts, _ := benchSnapshot(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		s.MatchHost(hosts[i%len(hosts)])
	}
}

func BenchmarkMatchURL(b *testing.B) {
	s, _, urls := benchSnapshot(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		s.MatchURL(urls[i%len(urls)])
	}
}

func BenchmarkBuild(b *testing.B) {
	var inds []Indicator
	for i := range 200000 {
		inds = append(inds, Indicator{ID: int64(i), Type: TypeDomain, Value: fmt.Sprintf("evil%d.example", i), Category: "malware", Source: "b"})
		inds = append(inds, Indicator{ID: int64(i), Type: TypeURL, Value: fmt.Sprintf("198.51.%d.%d/bins/x%d.sh", i/250%250, i%250, i), Category: "malware-download", Source: "b"})
	}
	b.ResetTimer()
	for b.Loop() {
		Build(inds, time.Now())
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(inds)), "ns/indicator")
}

// BenchmarkMatchURLEmpty is MatchURL on an empty snapshot with a few hot
// URLs: canonicalization's CPU cost alone.
func BenchmarkMatchURLEmpty(b *testing.B) {
	_, _, urls := benchSnapshot(b)
	s := Build(nil, time.Now())
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		s.MatchURL(urls[i%len(urls)])
	}
}

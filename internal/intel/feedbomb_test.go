package intel

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// Decompression bombs. A gzip or ZIP feed of one short line repeated
// expands about a thousand times: a 458 KB gzip of "x.com" lines took
// `honeygate intel import` to 24 GB of RSS before the kernel killed it, as
// the 256 MiB bound is on expanded bytes and each line costs a few hundred
// bytes as an indicator. These feeds must be refused early with a clear
// error and few indicators held.

func gzipOf(t *testing.T, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	gw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	if _, err := gw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := gw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func zipOf(t *testing.T, files map[string][]byte) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for name, data := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestParseRefusesDecompressionBomb(t *testing.T) {
	// 8 MiB of one line: ~1.4 M indicators if expanded in full; the
	// compressed files are a few KB.
	plain := bytes.Repeat([]byte("x.com\n"), (8<<20)/6)
	for name, data := range map[string][]byte{
		"gzip": gzipOf(t, plain),
		"zip":  zipOf(t, map[string][]byte{"csv.txt": plain}),
	} {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			res, err := Parse(bytes.NewReader(data), FormatDomains, ParseOptions{})
			if !errors.Is(err, ErrBomb) {
				t.Fatalf("%d compressed bytes expanding to %d: err %v, want ErrBomb", len(data), len(plain), err)
			}
			if !strings.Contains(err.Error(), "times") {
				t.Errorf("error %q does not say by how much it expands", err)
			}
			// Held: at most what the ratio lets through, one per line.
			bound := (max(expandFree, maxExpandRatio*len(data)) + 64<<10) / len("x.com\n")
			if res != nil && res.Good > bound {
				t.Errorf("%d indicators held before the refusal; the ratio allows %d", res.Good, bound)
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("refusal took %v", d)
			}
		})
	}
}

func TestParseRefusesNestedArchives(t *testing.T) {
	inner := gzipOf(t, []byte("evil.example.com\n"))
	innerZip := zipOf(t, map[string][]byte{"list.txt": []byte("evil.example.com\n")})
	for name, data := range map[string][]byte{
		"gzip of gzip": gzipOf(t, inner),
		"zip of gzip":  zipOf(t, map[string][]byte{"list.txt.gz": inner}),
		"gzip of zip":  gzipOf(t, innerZip),
		"zip of zip":   zipOf(t, map[string][]byte{"list.zip": innerZip}),
	} {
		t.Run(name, func(t *testing.T) {
			res, err := Parse(bytes.NewReader(data), FormatDomains, ParseOptions{})
			if err == nil || !strings.Contains(err.Error(), "inside") {
				t.Fatalf("err %v (result %+v), want a refusal naming the archive inside the archive", err, res)
			}
		})
	}
}

func TestParseRefusesTruncatedGzip(t *testing.T) {
	var lines strings.Builder
	for i := range 5000 {
		lines.WriteString("host")
		lines.WriteString(strings.Repeat("a", i%50))
		lines.WriteString(".example.com\n")
	}
	data := gzipOf(t, []byte(lines.String()))
	res, err := Parse(bytes.NewReader(data[:len(data)/2]), FormatDomains, ParseOptions{})
	if err == nil {
		t.Fatalf("half a gzip parsed without error: %d good", res.Good)
	}
}

func TestParseMaxIndicators(t *testing.T) {
	in := strings.Repeat("a.example.com\nb.example.com\n", 10)
	res, err := Parse(strings.NewReader(in), FormatDomains, ParseOptions{MaxIndicators: 5})
	if !errors.Is(err, ErrTooMany) {
		t.Fatalf("err %v, want ErrTooMany", err)
	}
	if res.Good > 5 {
		t.Errorf("%d indicators held, limit 5", res.Good)
	}
	if _, err := Parse(strings.NewReader(in), FormatDomains, ParseOptions{MaxIndicators: 20}); err != nil {
		t.Errorf("20 lines under a limit of 20: %v", err)
	}
}

// A feed server can ask for the bomb through HTTP's own compression: Go's
// client expands Content-Encoding: gzip on its own, before Parse sees a
// byte, unless the request asked for gzip itself.
func TestRefreshRefusesContentEncodingBomb(t *testing.T) {
	body := gzipOf(t, bytes.Repeat([]byte("x.com\n"), (8<<20)/6))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Set("Content-Type", "text/plain")
		w.Write(body)
	}))
	defer srv.Close()
	rc, err := DefaultFetcher(5*time.Second)(t.Context(), srv.URL+"/list.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	_, err = Parse(rc, FormatDomains, ParseOptions{})
	if !errors.Is(err, ErrBomb) {
		t.Fatalf("a Content-Encoding: gzip bomb: err %v, want ErrBomb", err)
	}
}

package e2e

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestIntelImportRefusesBomb: a gzip of one short line repeated (8 MiB
// from a few KB) is refused by the real binary with an error that names
// it, before anything is sent to a server. A 458 KB one used to take
// import to 24 GB.
func TestIntelImportRefusesBomb(t *testing.T) {
	var b bytes.Buffer
	gw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	gw.Write(bytes.Repeat([]byte("x.com\n"), (8<<20)/6))
	gw.Close()
	feed := filepath.Join(t.TempDir(), "list.txt.gz")
	os.WriteFile(feed, b.Bytes(), 0o600)
	out, code := runCLI(t, nil, "intel", "import", "--format", "domains", feed, "--server", "http://127.0.0.1:1", "--token", testToken)
	if code == 0 || !strings.Contains(out, "decompression bomb") {
		t.Errorf("import of a %d-byte gzip bomb: code %d:\n%s", b.Len(), code, out)
	}
}

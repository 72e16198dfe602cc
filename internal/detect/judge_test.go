package detect

import (
	"testing"

	"github.com/honeygate/honeygate/internal/crawl"
)

func newTestJudge(t testing.TB) *Judge {
	t.Helper()
	y, err := CompileYara(BuiltinRules())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(y.Close)
	return New(nil, y)
}

func mustProfile() crawl.Profile {
	p, _ := crawl.LookupProfile("")
	return p
}

package intel

import (
	"slices"
	"testing"
)

// $badfilter against an exception withdraws the exception, never the block
// it excepted (AdGuard: "@@||example.org^$badfilter" disables
// "@@||example.org^"); modifiers are read in any case; a narrowing
// modifier beside $important still narrows.
func TestAdblockBadfilterOfAllow(t *testing.T) {
	got, res := parsed(t, FormatAdblock, "||ads.example^\n@@||ads.example^\n@@||ads.example^$BadFilter\n"+
		"||shop.example^$IMPORTANT\n||cdn.example^$important,third-party\n||cdn2.example^$Third-Party,IMPORTANT\n")
	want := []string{"domain ads.example malware", "domain shop.example malware"}
	if !slices.Equal(got, want) {
		t.Errorf("loaded %q, want %q", got, want)
	}
	if res.Bad != 2 {
		t.Errorf("%d bad lines, want the two $third-party rules: %+v", res.Bad, res.Errors)
	}
}

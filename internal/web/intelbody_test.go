package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// A list of 10,000 indicators with one bad item: the 400 must say which
// item and which field, or the caller cannot find it. A decoding error
// (an expires in another time format, a number for a string) used to name
// neither ("body: want an indicator object or a list of them: parsing
// time ...").
func TestIntelPostNamesBadItem(t *testing.T) {
	srv := intelServer(t)
	api := srv.URL + "/api/v1/intel"
	for _, tc := range []struct {
		field string
		value any
		want  []string
	}{
		{"expires", "2027-01-01", []string{"item 7312", "expires", "RFC 3339"}},
		{"expires", "2027-01-01 00:00:00", []string{"item 7312", "expires", "RFC 3339"}},
		{"expires", 1800000000, []string{"item 7312", "expires", "RFC 3339"}},
		{"first_seen", "yesterday", []string{"item 7312", "first_seen", "RFC 3339"}},
		{"value", 5, []string{"item 7312", "value"}},
		{"bogus", 1, []string{"item 7312", "bogus"}},
	} {
		items := make([]map[string]any, 10000)
		for i := range items {
			items[i] = map[string]any{"type": "domain", "value": fmt.Sprintf("bulk%d.example", i)}
		}
		items[7312][tc.field] = tc.value
		body, _ := json.Marshal(items)
		code, out := call(t, "POST", api, string(body))
		msg, _ := out["error"].(string)
		for _, w := range tc.want {
			if code != http.StatusBadRequest || !strings.Contains(msg, w) {
				t.Errorf("%s=%v: %d %q, want 400 naming %q", tc.field, tc.value, code, msg, w)
			}
		}
	}
	// One object (not a list) names the field too.
	code, out := call(t, "POST", api, `{"type":"domain","value":"one.example","expires":"2027-01-01"}`)
	if msg, _ := out["error"].(string); code != http.StatusBadRequest || !strings.Contains(msg, "expires") || strings.Contains(msg, "item") {
		t.Errorf("one object: %d %q", code, msg)
	}
	// Nothing of a refused list was stored.
	if code, out := call(t, "GET", api+"?value=bulk0.example", ""); code != http.StatusOK || len(out["indicators"].([]any)) != 0 {
		t.Errorf("a refused list stored something: %v", out)
	}
}

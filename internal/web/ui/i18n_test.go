package ui

import "testing"

func TestLang(t *testing.T) {
	for in, want := range map[string]string{
		"":                           "en",
		"ja":                         "ja",
		"ja-JP,ja;q=0.9,en-US;q=0.8": "ja",
		"en-US,en;q=0.9,ja;q=0.8":    "en",
		"fr-FR,fr;q=0.9,ja;q=0.5":    "ja",
		"en;q=0.1, ja;q=0.9":         "ja",
		"ja;q=0, en;q=0.2":           "en",
		"de":                         "en",
		"JA-jp":                      "ja",
	} {
		if got := lang(in); got != want {
			t.Errorf("lang(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestEveryLabelHasBothLanguages(t *testing.T) {
	for k, v := range labels {
		if v[0] == "" || v[1] == "" {
			t.Errorf("label %q lacks a language: %q", k, v)
		}
	}
}

// FuzzLang: Accept-Language comes from the network. Invariant: lang never
// panics and always answers "ja" or "en".
func FuzzLang(f *testing.F) {
	for _, s := range []string{"", "ja", "en-US,en;q=0.9", "ja;q=abc", ";;;,,,", "ja;q=1e400", "*;q=0.5", "ja;q=-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got := lang(s); got != "ja" && got != "en" {
			t.Fatalf("lang(%q) = %q", s, got)
		}
	})
}

package proxy

import (
	"bytes"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/honeygate/honeygate/internal/gateway"
)

// pageText is the block page's wording in one language.
type pageText struct {
	Lang, Title, Lead, What, Category, Source, Indicator, Ref, Help string
}

var pageTexts = map[string]pageText{
	"en": {
		Lang: "en", Title: "Access blocked",
		Lead: "This page was blocked because it is known to be dangerous.",
		What: "Address", Category: "Category", Source: "Source", Indicator: "Matching indicator", Ref: "Reference ID",
		Help: "If you believe this is a mistake, contact your provider's support and give them the reference ID.",
	},
	"ja": {
		Lang: "ja", Title: "アクセスがブロックされました",
		Lead: "このページは危険であることが確認されているため、アクセスをブロックしました。",
		What: "アドレス", Category: "カテゴリ", Source: "情報源", Indicator: "一致した指標", Ref: "参照ID",
		Help: "誤りと思われる場合は、参照IDを添えてプロバイダのサポート窓口にお問い合わせください。",
	},
}

// categoryNames translates the categories a subscriber sees.
var categoryNames = map[string]map[string]string{
	"ja": {
		"malware": "マルウェア", "malware-download": "マルウェア配布", "exploit-kit": "エクスプロイトキット",
		"phishing": "フィッシング", "scam": "詐欺", "miner": "不正マイニング", "c2": "マルウェア指令サーバ (C2)",
	},
	"en": {
		"malware": "malware", "malware-download": "malware download", "exploit-kit": "exploit kit",
		"phishing": "phishing", "scam": "scam", "miner": "cryptominer", "c2": "malware command and control (C2)",
	},
}

var pageTmpl = template.Must(template.New("block").Parse(`<!DOCTYPE html>
<html lang="{{.T.Lang}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{{.T.Title}}</title>
<style>body{font-family:system-ui,sans-serif;max-width:40em;margin:3em auto;padding:0 1em;color:#222}
h1{color:#b00020}dt{font-weight:bold;margin-top:.6em}dd{margin:0;word-break:break-all}code{background:#f3f3f3;padding:0 .2em}</style>
</head><body>
<h1>{{.T.Title}}</h1>
<p>{{.T.Lead}}</p>
<dl>
<dt>{{.T.What}}</dt><dd><code>{{.What}}</code></dd>
<dt>{{.T.Category}}</dt><dd>{{.Category}}</dd>
<dt>{{.T.Source}}</dt><dd>{{.Hit.Source}}</dd>
<dt>{{.T.Indicator}}</dt><dd><code>{{.Hit.Type}}: {{.Hit.Value}}</code></dd>
<dt>{{.T.Ref}}</dt><dd><code id="ref">{{.Ref}}</code></dd>
</dl>
<p>{{.T.Help}}</p>
</body></html>
`))

// pickLang chooses ja or en from Accept-Language (RFC 9110 12.5.4): the
// highest-q range that names one of them wins; "*" or nothing means English.
func pickLang(accept string) string {
	best, bestQ := "en", -1.0
	for _, part := range strings.Split(accept, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		primary, _, _ := strings.Cut(strings.ToLower(tag), "-")
		if (primary == "ja" || primary == "en") && q > bestQ && q > 0 {
			best, bestQ = primary, q
		}
	}
	return best
}

// writeBlockPage answers a blocked plain-HTTP request.
func writeBlockPage(w http.ResponseWriter, r *http.Request, what string, hit gateway.Hit, ref string) {
	lang := pickLang(r.Header.Get("Accept-Language"))
	cat := categoryNames[lang][hit.Category]
	if cat == "" {
		cat = hit.Category
	}
	var buf bytes.Buffer
	_ = pageTmpl.Execute(&buf, struct {
		T             pageText
		What          string
		Category, Ref string
		Hit           gateway.Hit
	}{pageTexts[lang], what, cat, ref, hit})
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Language", lang)
	h.Set("Cache-Control", "no-store")
	h.Set("Vary", "Accept-Language")
	h.Set("X-Honeygate-Ref", ref)
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(http.StatusForbidden)
	_, _ = w.Write(buf.Bytes())
}

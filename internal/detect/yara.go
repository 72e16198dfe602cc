package detect

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	yara "github.com/hillu/go-yara/v4"

	"github.com/honeygate/honeygate/internal/crawl"
)

//go:embed rules/*.yar
var builtinRules embed.FS

// Yara matches YARA rules (honeygate's own under rules/, and the operator's
// from a rules directory) against the page, each frame, each script and each
// download. Compiled rules are shared by all scans; libyara scans concurrently.
type Yara struct {
	rules   *yara.Rules
	matches *cache[yara.MatchRules] // by body hash
	names   int
	Timeout time.Duration // per scanned body
}

var _ Detector = (*Yara)(nil)

// Name implements Detector.
func (*Yara) Name() string { return "yara" }

// RuleFile is one rule source.
type RuleFile struct {
	Name string // file name, for messages and as the rule namespace
	Text string
}

// BuiltinRules returns honeygate's own rule files.
func BuiltinRules() []RuleFile {
	var out []RuleFile
	ents, _ := fs.ReadDir(builtinRules, "rules")
	for _, e := range ents {
		b, _ := builtinRules.ReadFile("rules/" + e.Name())
		out = append(out, RuleFile{Name: "builtin/" + e.Name(), Text: string(b)})
	}
	return out
}

// RuleDir reads the *.yar and *.yara files of dir (missing dir: none).
func RuleDir(dir string) ([]RuleFile, error) {
	if dir == "" {
		return nil, nil
	}
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("detect: rules dir: %w", err)
	}
	var out []RuleFile
	for _, e := range ents {
		ext := strings.ToLower(filepath.Ext(e.Name()))
		if e.IsDir() || (ext != ".yar" && ext != ".yara") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("detect: rules dir: %w", err)
		}
		out = append(out, RuleFile{Name: e.Name(), Text: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// RuleError is one error in a rule file, with its line.
type RuleError struct {
	File string
	Line int
	Text string
}

func (e RuleError) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Text) }

// CompileYara compiles rule files; each file is its own namespace, so two
// files may use the same rule name. Includes are disabled (a rule file must
// not read other files of the host). Errors name the file and line.
func CompileYara(files []RuleFile) (*Yara, error) {
	c, err := yara.NewCompiler()
	if err != nil {
		return nil, fmt.Errorf("detect: yara: %w", err)
	}
	defer c.Destroy()
	c.DisableIncludes()
	var errs []error
	for _, f := range files {
		if err := c.AddString(f.Text, f.Name); err != nil {
			for _, m := range c.Errors {
				errs = append(errs, RuleError{File: f.Name, Line: m.Line, Text: m.Text})
			}
			if len(c.Errors) == 0 {
				errs = append(errs, RuleError{File: f.Name, Text: err.Error()})
			}
			// The compiler cannot take more files after an error.
			return nil, fmt.Errorf("detect: yara: %w", errors.Join(errs...))
		}
	}
	rules, err := c.GetRules()
	if err != nil {
		return nil, fmt.Errorf("detect: yara: %w", err)
	}
	return &Yara{rules: rules, names: len(rules.GetRules()), Timeout: 5 * time.Second, matches: newCache[yara.MatchRules](8192)}, nil
}

// Rules reports how many rules are compiled in.
func (y *Yara) Rules() int { return y.names }

// Close frees the compiled rules.
func (y *Yara) Close() { y.rules.Destroy() }

// maxYaraScan bounds the bytes scanned of one body.
const maxYaraScan = 4 << 20

// Detect implements Detector.
func (y *Yara) Detect(ctx context.Context, in *Input) []crawl.Reason {
	var out []crawl.Reason
	seen := map[string]bool{} // body hash + rule: a body served twice matches once
	for i := range in.C.Resources {
		r := &in.C.Resources[i]
		if len(r.Body) == 0 || ctx.Err() != nil {
			continue
		}
		body := r.Body[:min(len(r.Body), maxYaraScan)]
		ms, cached := y.matches.get(r.SHA256)
		if !cached {
			if err := y.rules.ScanMem(body, 0, y.Timeout, &ms); err != nil {
				// A timeout still reports what matched before it.
				out = append(out, crawl.Reason{Rule: "scan-error", Evidence: r.URL, Excerpt: err.Error(), Score: -1})
			} else if r.SHA256 == crawl.Sum(r.Body) {
				y.matches.put(r.SHA256, ms)
			}
		}
		for _, m := range ms {
			key := r.SHA256 + m.Namespace + m.Rule
			if seen[key] {
				continue
			}
			seen[key] = true
			re := crawl.Reason{Rule: m.Rule, Evidence: r.URL, Category: crawl.CatInjected}
			for _, meta := range m.Metas {
				switch meta.Identifier {
				case "category":
					if s, ok := meta.Value.(string); ok {
						re.Category = s
					}
				case "score":
					if n, ok := meta.Value.(int); ok {
						re.Score = float64(n)
					}
				}
			}
			if len(m.Strings) > 0 {
				s := m.Strings[0]
				from := int(s.Offset) - 40
				from = max(from, 0)
				to := min(int(s.Offset)+len(s.Data)+40, len(body))
				re.Excerpt = strings.Join(strings.Fields(string(body[from:to])), " ")
			}
			out = append(out, re)
		}
	}
	return out
}

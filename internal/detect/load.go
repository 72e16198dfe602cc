package detect

// Loaded is a judge built from the operator's configuration, with the
// compiled rules it holds.
type Loaded struct {
	*Judge
	yara *Yara
}

// Load compiles honeygate's own YARA rules with those of rulesDir (none
// when empty or missing) and reads the weights file (empty: the built-in
// weights). Errors name the file and line.
func Load(rulesDir, weightsFile string) (*Loaded, error) {
	extra, err := RuleDir(rulesDir)
	if err != nil {
		return nil, err
	}
	w := DefaultWeights()
	if weightsFile != "" {
		if w, err = LoadWeights(weightsFile); err != nil {
			return nil, err
		}
	}
	y, err := CompileYara(append(BuiltinRules(), extra...))
	if err != nil {
		return nil, err
	}
	return &Loaded{Judge: New(w, y), yara: y}, nil
}

// Rules reports how many YARA rules are compiled in.
func (l *Loaded) Rules() int { return l.yara.Rules() }

// Close frees the compiled rules.
func (l *Loaded) Close() { l.yara.Close() }

package detect

import (
	_ "embed"
	"fmt"
	"os"

	"go.yaml.in/yaml/v3"
)

//go:embed weights.yaml
var defaultWeights []byte

// Weights turn detector findings into a score, and the score into a verdict.
type Weights struct {
	Suspicious float64
	Malicious  float64
	rules      map[string]map[string]float64 // detector -> rule (or "default") -> weight
}

type weightsFile struct {
	Thresholds struct {
		Suspicious float64 `yaml:"suspicious"`
		Malicious  float64 `yaml:"malicious"`
	} `yaml:"thresholds"`
	Detectors map[string]map[string]float64 `yaml:"detectors"`
}

// DefaultWeights returns the built-in weights.
func DefaultWeights() *Weights {
	w, err := ParseWeights(defaultWeights)
	if err != nil {
		panic("detect: built-in weights.yaml: " + err.Error())
	}
	return w
}

// ParseWeights reads weights in the weights.yaml format.
func ParseWeights(b []byte) (*Weights, error) {
	var f weightsFile
	if err := yaml.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("detect: weights: %w", err)
	}
	if f.Thresholds.Suspicious <= 0 || f.Thresholds.Malicious <= f.Thresholds.Suspicious {
		return nil, fmt.Errorf("detect: weights: thresholds: need 0 < suspicious < malicious, have %v and %v", f.Thresholds.Suspicious, f.Thresholds.Malicious)
	}
	return &Weights{Suspicious: f.Thresholds.Suspicious, Malicious: f.Thresholds.Malicious, rules: f.Detectors}, nil
}

// LoadWeights reads a weights file.
func LoadWeights(path string) (*Weights, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("detect: weights: %w", err)
	}
	return ParseWeights(b)
}

// Score is the weight of a finding: the rule's entry, else the weight the
// finding proposes (a YARA rule's meta), else the detector's default.
func (w *Weights) Score(detector, rule string, proposed float64) float64 {
	d := w.rules[detector]
	if s, ok := d[rule]; ok {
		return s
	}
	if proposed > 0 {
		return proposed
	}
	if s, ok := d["default"]; ok {
		return s
	}
	return 20
}

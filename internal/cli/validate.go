package cli

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/honeygate/honeygate/internal/config"
	"github.com/honeygate/honeygate/internal/detect"
)

func newValidate() *cobra.Command {
	var cfgPath string
	cmd := &cobra.Command{
		Use:   "validate --config FILE",
		Short: "Check a config file and say what is wrong, line by line",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if cfgPath == "" {
				return errors.New("--config FILE is required")
			}
			cfg, err := config.Load(cfgPath)
			if err != nil {
				var es config.Errors
				if errors.As(err, &es) {
					for _, e := range es {
						if e.Line > 0 {
							fmt.Fprintf(cmd.OutOrStdout(), "%s:%d: %s: %s\n", cfgPath, e.Line, e.Path, e.Msg)
						} else {
							fmt.Fprintf(cmd.OutOrStdout(), "%s: %s: %s\n", cfgPath, e.Path, e.Msg)
						}
					}
					return exitError{code: 2, err: fmt.Errorf("%s: %d problem(s)", cfgPath, len(es))}
				}
				return exitError{code: 2, err: err}
			}
			// The crawler's YARA rules and weights are configuration too.
			if cfg.Crawl.Enabled {
				rules := cfg.Crawl.RulesDir
				if rules == "" {
					rules = filepath.Join(cfg.Data, "rules")
				}
				j, err := detect.Load(rules, cfg.Crawl.Weights)
				if err != nil {
					fmt.Fprintf(cmd.OutOrStdout(), "%s\n", err)
					return exitError{code: 2, err: fmt.Errorf("crawl rules (%s) or weights: %w", rules, err)}
				}
				fmt.Fprintf(cmd.OutOrStdout(), "YARA rules: %d compile (built in, and any *.yar, *.yara in %s)\n", j.Rules(), rules)
				j.Close()
			}
			// Local feed files too: their bad lines (an over-broad entry
			// such as a TLD or the empty-content hash among them) would be
			// skipped at every refresh; say which before they are.
			for _, f := range cfg.Intel.Feeds {
				res, err := f.CheckFile(cfg.Intel.Limits())
				switch {
				case err != nil:
					fmt.Fprintf(cmd.OutOrStdout(), "%s: warning: %v\n", cfgPath, err)
				case res != nil:
					fmt.Fprintf(cmd.OutOrStdout(), "feed %s (%s): %d indicators, %d bad lines\n", f.Name, f.URL, res.Good, res.Bad)
					for _, e := range res.Errors {
						fmt.Fprintf(cmd.OutOrStdout(), "%s:%d: %s\n", f.URL, e.Line, e.Err)
					}
				}
			}
			for _, w := range cfg.Warnings() {
				fmt.Fprintf(cmd.OutOrStdout(), "%s: warning: %s\n", cfgPath, w)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: ok\n", cfgPath)
			return nil
		},
	}
	cmd.Flags().StringVar(&cfgPath, "config", "", "YAML config file to check")
	return cmd
}

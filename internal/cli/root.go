// Package cli implements honeygate's subcommands, one file each. It parses
// flags and configuration, then hands over to app (serve) or to the API
// client (events, session, stats); it holds no other logic.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/honeygate/honeygate/internal/buildinfo"
)

// exitError carries an exit code chosen by a subcommand.
type exitError struct {
	code int
	err  error
}

func (e exitError) Error() string { return e.err.Error() }

// Main runs the command line and returns the process exit code.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := &cobra.Command{
		Use:           "honeygate",
		Short:         "Observe, judge, block and report Internet threats",
		Long:          "honeygate runs honeypot sensors, keeps what attackers do, attributes it to malware families and serves it through an API.",
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       buildinfo.Get().String(),
	}
	root.SetVersionTemplate("{{.Version}}\n")
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	// One subcommand per line, in the order --help lists them.
	root.AddCommand(
		newServe(),
		newValidate(),
		newEvents(),
		newSession(),
		newStats(),
		newAttacks(),
		newBlocks(),
		newIntel(),
		newScan(),
		newWatch(),
		newCrawl(),
		newTampering(),
		newRejudge(),
		newReport(),
		newUser(),
	)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	fmt.Fprintln(stderr, "honeygate:", err)
	var ee exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return 1
}

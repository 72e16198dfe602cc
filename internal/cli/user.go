package cli

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/honeygate/honeygate/internal/web/ui"
)

// newUser is `honeygate user hash`: it makes the password_hash of a
// dashboard user (config web.users), so that no password is ever written
// in the config in plain text.
func newUser() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "user",
		Short: "Dashboard users: make a password hash for the config's web.users",
	}
	hash := &cobra.Command{
		Use:   "hash",
		Short: "Read a password (from the terminal without echo, or one line of stdin) and print its bcrypt hash",
		Long: `Reads a password and prints its bcrypt hash for the config:

  web:
    users:
      - name: alice
        password_hash: "<the printed hash>"
        role: admin        # or read-only: sees everything, changes nothing

At a terminal the password is asked twice and not echoed; otherwise the
first line of stdin is the password.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			pw, err := readPassword(cmd)
			if err != nil {
				return exitError{code: 2, err: err}
			}
			h, err := ui.HashPassword(pw)
			if err != nil {
				return exitError{code: 2, err: err}
			}
			fmt.Fprintln(cmd.OutOrStdout(), h)
			return nil
		},
	}
	cmd.AddCommand(hash)
	return cmd
}

func readPassword(cmd *cobra.Command) (string, error) {
	in := cmd.InOrStdin()
	if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(cmd.ErrOrStderr(), "Password: ")
		a, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(cmd.ErrOrStderr())
		if err != nil {
			return "", fmt.Errorf("user hash: %w", err)
		}
		fmt.Fprint(cmd.ErrOrStderr(), "Again: ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(cmd.ErrOrStderr())
		if err != nil {
			return "", fmt.Errorf("user hash: %w", err)
		}
		if string(a) != string(b) {
			return "", errors.New("user hash: the two passwords differ")
		}
		return string(a), nil
	}
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && line == "" {
		return "", errors.New("user hash: no password on stdin")
	}
	return strings.TrimRight(line, "\r\n"), nil
}

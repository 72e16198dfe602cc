package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
)

// clientFlags are shared by every subcommand that talks to a running server.
type clientFlags struct {
	server string
	token  string
	data   string
	json   bool
}

func (c *clientFlags) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&c.server, "server", "", "server URL (default $HONEYGATE_SERVER, else the one running on --data, else http://127.0.0.1:8080 when --token or $HONEYGATE_TOKEN is given)")
	f.StringVar(&c.token, "token", "", "API token (default $HONEYGATE_TOKEN or the one in --data)")
	f.StringVar(&c.data, "data", defaultData(), "data dir of a local server, to find its address and token ($HONEYGATE_DATA when set)")
	f.BoolVar(&c.json, "json", false, "print JSON")
}

// localServer is the web address a server running on --data wrote to
// DATA/listeners.json, so that `honeygate events` next to a running server
// needs no flags whatever port it chose.
func (c *clientFlags) localServer() string {
	addrs, ok := c.localListeners()
	if !ok || len(addrs["web"]) == 0 {
		return ""
	}
	return "http://" + addrs["web"][0]
}

// localListeners reads DATA/listeners.json: what the server on --data
// listens on, by listener name.
func (c *clientFlags) localListeners() (map[string][]string, bool) {
	b, err := os.ReadFile(filepath.Join(c.data, "listeners.json"))
	if err != nil {
		return nil, false
	}
	var addrs map[string][]string
	if json.Unmarshal(b, &addrs) != nil {
		return nil, false
	}
	return addrs, true
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

func printJSON(w io.Writer, raw json.RawMessage) error {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	// encoding/json escapes C0 controls but not DEL or C1 (U+0080-U+009F), which
	// some terminals act on (U+009B is CSI): escape them too. They can only
	// occur inside strings, where \u00XX is the same character.
	var b strings.Builder
	for _, r := range buf.String() {
		if r == 0x7f || (r >= 0x80 && r <= 0x9f) {
			fmt.Fprintf(&b, "\\u%04x", r)
			continue
		}
		b.WriteRune(r)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// defaultData is the data dir when --data is not given: $HONEYGATE_DATA, so
// that client subcommands find a local server from any directory, else
// ./honeygate-data (where `make run` keeps it).
func defaultData() string {
	return firstNonEmpty(os.Getenv("HONEYGATE_DATA"), "./honeygate-data")
}

package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// do sends one API request with a JSON body (nil for none) and decodes a 2xx
// answer into out (a *json.RawMessage keeps it raw; nil drops it), within
// five minutes (an import of a large feed takes a while).
func (c *clientFlags) do(ctx context.Context, method, path string, q url.Values, body any, out any) error {
	return c.send(ctx, method, path, q, body, 5*time.Minute, out)
}

// get fetches path with query from the server into out.
func (c *clientFlags) get(ctx context.Context, path string, q url.Values, out any) error {
	return c.send(ctx, http.MethodGet, path, q, nil, 30*time.Second, out)
}

// apiError is an error answer from the server: its status, for commands
// that say something better than the server's words for some (a 404).
type apiError struct {
	status    int
	text, msg string
}

func (e apiError) Error() string { return e.text + ": " + e.msg }

// send is the one way the client subcommands talk to the API: method, a
// JSON body (nil for none), a time limit of its own (a crawl round answers
// when it is done), and a 2xx answer decoded into out (a *json.RawMessage
// keeps it raw; nil drops it). An error answer becomes an error with the
// server's message.
func (c *clientFlags) send(ctx context.Context, method, path string, q url.Values, body any, timeout time.Duration, out any) error {
	server := firstNonEmpty(c.server, os.Getenv("HONEYGATE_SERVER"), c.localServer())
	token := firstNonEmpty(c.token, os.Getenv("HONEYGATE_TOKEN"))
	if token == "" {
		if b, err := os.ReadFile(filepath.Join(c.data, "token")); err == nil {
			token = strings.TrimSpace(string(b))
		}
		if token != "" && server == "" {
			// The data dir's token goes only to the server the data dir
			// names (or one the user names): with no server running on
			// it, the default address may be anybody's.
			return fmt.Errorf("no server running on %s (no listeners.json there): start `honeygate serve --data %s`, or name the server with --server / HONEYGATE_SERVER", c.data, c.data)
		}
	}
	if token == "" {
		return fmt.Errorf("no API token: no server's token in %s; pass --data DIR (or set HONEYGATE_DATA) to the server's data dir, or --token / HONEYGATE_TOKEN", c.data)
	}
	if server == "" {
		server = "http://127.0.0.1:8080"
	}
	u, err := url.Parse(strings.TrimRight(server, "/") + path)
	if err != nil {
		return fmt.Errorf("--server: %w", err)
	}
	u.RawQuery = q.Encode()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("cannot reach %s (is `honeygate serve` running with --data %s? else give --server): %w", server, c.data, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		var e struct{ Error string }
		_ = json.Unmarshal(data, &e)
		if e.Error == "" {
			e.Error = strings.TrimSpace(string(data))
		}
		return apiError{status: resp.StatusCode, text: resp.Status, msg: e.Error}
	}
	switch o := out.(type) {
	case nil:
		return nil
	case *json.RawMessage:
		*o = data
		return nil
	default:
		return json.Unmarshal(data, out)
	}
}

package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
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
// answer into out (a *json.RawMessage keeps it raw; nil drops it). An error
// answer becomes an error with the server's message.
func (c *clientFlags) do(ctx context.Context, method, path string, q url.Values, body any, out any) error {
	server := firstNonEmpty(c.server, os.Getenv("HONEYGATE_SERVER"), c.localServer(), "http://127.0.0.1:8080")
	token := firstNonEmpty(c.token, os.Getenv("HONEYGATE_TOKEN"))
	if token == "" {
		if b, err := os.ReadFile(filepath.Join(c.data, "token")); err == nil {
			token = strings.TrimSpace(string(b))
		}
	}
	if token == "" {
		return errors.New("no API token: pass --token, set HONEYGATE_TOKEN, or run next to the server's --data dir")
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
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
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
		return fmt.Errorf("cannot reach %s: %w", server, err)
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
		return fmt.Errorf("%s: %s", resp.Status, e.Error)
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

package iothttp

import (
	"errors"
	"fmt"
)

// Config is the IoT-HTTP sensor's configuration.
type Config struct {
	// Server is the Server header of the router login pages.
	Server string `yaml:"server"`
	// Title is the login page's title and realm: the router model shown.
	Title string `yaml:"title"`
	// MaxBody bounds the request body read (exploit bodies are < 2 KiB).
	MaxBody int64 `yaml:"max_body"`
}

// DefaultConfig is a home router of the kind Satori swept: a Huawei HG532
// answering its UPnP port, with a Realtek-SDK UPnP daemon and a login page.
func DefaultConfig() Config {
	return Config{
		Server:  "mini_httpd/1.19 19dec2003",
		Title:   "HG532e Home Gateway",
		MaxBody: 64 << 10,
	}
}

// Validate reports every field that cannot work, by its yaml name.
func (c Config) Validate() error {
	var errs []error
	if c.Server == "" || len(c.Server) > 128 || hasControl(c.Server) {
		errs = append(errs, errors.New("server: empty, longer than 128 bytes or has control characters"))
	}
	if c.Title == "" || len(c.Title) > 128 || hasControl(c.Title) {
		errs = append(errs, errors.New("title: empty, longer than 128 bytes or has control characters"))
	}
	if c.MaxBody < 1<<10 || c.MaxBody > 1<<20 {
		errs = append(errs, fmt.Errorf("max_body: %d is not within 1 KiB-1 MiB", c.MaxBody))
	}
	if len(errs) > 0 {
		return fmt.Errorf("iothttp: invalid config: %w", errors.Join(errs...))
	}
	return nil
}

func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return true
		}
	}
	return false
}

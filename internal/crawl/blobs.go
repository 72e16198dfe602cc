package crawl

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// Blobs keeps capture bodies content-addressed by SHA-256 under a directory
// (DATA/captures/ab/<hash>): the same script served by a site every day is
// kept once.
type Blobs struct {
	Dir string
}

// Sum returns the hex SHA-256 of b.
func Sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func (bl *Blobs) path(hash string) (string, error) {
	if len(hash) != 64 {
		return "", fmt.Errorf("crawl: blob %q: not a sha256", hash)
	}
	if _, err := hex.DecodeString(hash); err != nil {
		return "", fmt.Errorf("crawl: blob %q: not a sha256", hash)
	}
	return filepath.Join(bl.Dir, hash[:2], hash), nil
}

// Put stores b (if not already there) and returns its hash. The write goes
// through a temporary file and a rename, so a reader never sees half a body.
func (bl *Blobs) Put(b []byte) (string, error) {
	hash := Sum(b)
	p, _ := bl.path(hash)
	if _, err := os.Stat(p); err == nil {
		return hash, nil
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
		return "", fmt.Errorf("crawl: blob: %w", err)
	}
	f, err := os.CreateTemp(filepath.Dir(p), ".tmp-*")
	if err != nil {
		return "", fmt.Errorf("crawl: blob: %w", err)
	}
	_, werr := f.Write(b)
	cerr := f.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("crawl: blob: %w", err)
	}
	if err := os.Rename(f.Name(), p); err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("crawl: blob: %w", err)
	}
	return hash, nil
}

// Get returns the body with hash.
func (bl *Blobs) Get(hash string) ([]byte, error) {
	p, err := bl.path(hash)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("crawl: blob: %w", err)
	}
	return b, nil
}

// Prune removes bodies that keep(hash) does not claim and that are older
// than minAge (a body written by a visit still in progress is young and is
// not yet referenced by any stored capture). It returns how many it removed.
func (bl *Blobs) Prune(keep func(hash string) bool, minAge time.Duration) (int, error) {
	n := 0
	cutoff := time.Now().Add(-minAge)
	err := filepath.WalkDir(bl.Dir, func(p string, de fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if de.IsDir() || len(de.Name()) != 64 || keep(de.Name()) {
			return nil
		}
		if info, err := de.Info(); err != nil || info.ModTime().After(cutoff) {
			return nil
		}
		if err := os.Remove(p); err == nil {
			n++
		}
		return nil
	})
	if err != nil {
		return n, fmt.Errorf("crawl: prune blobs: %w", err)
	}
	return n, nil
}

// Save puts every resource body of c, and its screenshot, into the blobs
// (the hashes are already in the capture).
func (bl *Blobs) Save(c *Capture) error {
	if s := c.Screenshot; s != nil && s.Data != nil {
		h, err := bl.Put(s.Data)
		if err != nil {
			return err
		}
		s.SHA256 = h
	}
	for i := range c.Resources {
		r := &c.Resources[i]
		if r.Body == nil {
			continue
		}
		h, err := bl.Put(r.Body)
		if err != nil {
			return err
		}
		r.SHA256 = h
	}
	return nil
}

// Hashes lists the blobs c refers to: its resources' bodies and its
// screenshot. A Store's Hashes keeps them all from retention's pruning.
func (c *Capture) Hashes() []string {
	var hs []string
	for _, r := range c.Resources {
		if r.SHA256 != "" {
			hs = append(hs, r.SHA256)
		}
	}
	if c.Screenshot != nil && c.Screenshot.SHA256 != "" {
		hs = append(hs, c.Screenshot.SHA256)
	}
	return hs
}

// Load fills the bodies of c's resources from the blobs; a missing body
// (pruned) leaves the resource without one.
func (bl *Blobs) Load(c *Capture) {
	for i := range c.Resources {
		r := &c.Resources[i]
		if r.SHA256 == "" || r.Body != nil {
			continue
		}
		if b, err := bl.Get(r.SHA256); err == nil {
			r.Body = b
		}
	}
}

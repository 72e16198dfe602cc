package ssh

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// samples keeps uploaded files under one directory, named by their SHA-256,
// written atomically and never executable: they are evidence for the intel
// side (YARA, hashes), never run. Each sample and the directory as a whole
// are bounded, so an attacker uploading random bytes cannot fill the disk.
type samples struct {
	dir      string
	maxOne   int64
	maxTotal int64

	mu    sync.Mutex
	total int64 // bytes in dir, counted at open and on each write
}

func openSamples(dir string, maxOne, maxTotal int64) (*samples, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("ssh: samples dir: %w", err)
	}
	s := &samples{dir: dir, maxOne: maxOne, maxTotal: maxTotal}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("ssh: samples dir: %w", err)
	}
	for _, e := range ents {
		if info, err := e.Info(); err == nil && info.Mode().IsRegular() {
			s.total += info.Size()
		}
	}
	return s, nil
}

// upload is one file arriving over SCP or SFTP. It hashes every byte and
// holds at most the sample limit; beyond that only the hash goes on.
type upload struct {
	s       *samples
	h       hash.Hash
	data    []byte
	size    int64
	tooBig  bool
	written bool // a write at an offset other than the end was seen (SFTP)
}

func (s *samples) newUpload() *upload { return &upload{s: s, h: sha256.New()} }

// Write appends p; it never fails.
func (u *upload) Write(p []byte) (int, error) {
	u.h.Write(p)
	u.size += int64(len(p))
	if !u.tooBig {
		if u.size > u.s.maxOne {
			u.tooBig, u.data = true, nil
		} else {
			u.data = append(u.data, p...)
		}
	}
	return len(p), nil
}

// WriteAt places p at off, for SFTP, whose clients may write out of order.
// The hash is of the file as it ends up, so out-of-order writes are kept
// in memory (within the sample limit) and hashed at the end.
func (u *upload) WriteAt(p []byte, off int64) {
	if off == u.size && !u.written {
		u.Write(p)
		return
	}
	u.written = true
	end := off + int64(len(p))
	if u.tooBig || off < 0 || end > u.s.maxOne {
		u.tooBig, u.data = true, nil
		u.size = max(u.size, end)
		return
	}
	if end > int64(len(u.data)) {
		u.data = append(u.data, make([]byte, end-int64(len(u.data)))...)
	}
	copy(u.data[off:], p)
	u.size = max(u.size, end)
}

// stored is what became of an upload.
type stored struct {
	SHA256 string // empty when the hash is unknown (out-of-order writes beyond the limit)
	Size   int64
	Kept   bool // the sample is in the directory (now or from before)
	Note   string
}

// finish hashes the upload and keeps it as a sample if it fits.
func (u *upload) finish() stored {
	var sum []byte
	switch {
	case !u.written:
		sum = u.h.Sum(nil)
	case !u.tooBig:
		s := sha256.Sum256(u.data)
		sum = s[:]
	default:
		return stored{Size: u.size, Note: "written out of order beyond the sample limit; not hashed"}
	}
	st := stored{SHA256: hex.EncodeToString(sum), Size: u.size}
	if u.tooBig {
		st.Note = "larger than the sample limit; not kept"
		return st
	}
	kept, err := u.s.keep(st.SHA256, u.data)
	st.Kept = kept
	if err != nil {
		st.Note = err.Error()
	}
	u.data = nil
	return st
}

var errSamplesFull = errors.New("sample directory full; not kept")

// keep writes data as dir/sha unless it is already there.
func (s *samples) keep(sha string, data []byte) (bool, error) {
	path := filepath.Join(s.dir, sha)
	if _, err := os.Stat(path); err == nil {
		return true, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return false, fmt.Errorf("ssh: sample: %w", err)
	}
	s.mu.Lock()
	if s.total+int64(len(data)) > s.maxTotal {
		s.mu.Unlock()
		return false, errSamplesFull
	}
	s.total += int64(len(data))
	s.mu.Unlock()
	tmp, err := os.CreateTemp(s.dir, ".upload-*")
	if err == nil {
		_, err = tmp.Write(data)
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			// 0440: readable by the operator's tools, never executable.
			if err = os.Chmod(tmp.Name(), 0o440); err == nil {
				err = os.Rename(tmp.Name(), path)
			}
		}
		if err != nil {
			os.Remove(tmp.Name())
		}
	}
	if err != nil {
		s.mu.Lock()
		s.total -= int64(len(data))
		s.mu.Unlock()
		return false, fmt.Errorf("ssh: sample: %w", err)
	}
	return true, nil
}

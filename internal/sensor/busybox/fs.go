//lint:file-ignore ST1005 the device's errors are libc's messages, printed to the attacker verbatim as BusyBox does

package busybox

import (
	"errors"
	"path"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// The errors a BusyBox applet prints, as strerror spells them.
var (
	errNotExist = errors.New("No such file or directory")
	errIsDir    = errors.New("Is a directory")
	errNotDir   = errors.New("Not a directory")
	errReadOnly = errors.New("Read-only file system")
	errNoSpace  = errors.New("No space left on device")
	errExist    = errors.New("File exists")
	errNotEmpty = errors.New("Directory not empty")
	errTooLong  = errors.New("File name too long")
	errPerm     = errors.New("Permission denied")
	errInvalid  = errors.New("Invalid argument")
)

// Overlay caps: the files one session may create, and the default of
// what it may write in total (Limits.OverlayBytes).
const (
	maxOverlayBytes = 1 << 20
	maxOverlayFiles = 256
	maxPathLen      = 1024
	maxNameLen      = 255 // NAME_MAX: a longer path component is ENAMETOOLONG
)

// tooLongPath is what sh.path returns for a path that cannot exist (too
// long, or a component over NAME_MAX): every operation on it fails with
// "File name too long".
const tooLongPath = "/\x00"

// overlayPool is the byte budget shared by every session of a Device, shared
// fairly: one attacker must not be able to stop capture for everyone by
// filling it (issue: 260 sessions from five addresses writing 1 MiB each
// filled a plain shared pool, and every other loader's write test failed).
//
//   - A source (an IPv4 address, an IPv6 /64: the caller's key) holds at
//     most perSource bytes across all its sessions.
//   - Beyond its first smallGrant bytes, a source may only use the pool up
//     to limit-reserve: the last reserve bytes are kept for the sources that
//     hold little, so a new loader's echo test and dropper still fit while
//     the pool is under pressure.
type overlayPool struct {
	limit     int64
	perSource int64
	reserve   int64

	mu      sync.Mutex
	used    atomic.Int64 // read without the lock by the dd room check
	sources map[string]int64
}

// smallGrant is what every source may always take while the pool has room:
// enough for a loader's write test and an echo-built dropper.
const smallGrant = 64 << 10

func newOverlayPool(limit int64) *overlayPool {
	return &overlayPool{
		limit:     limit,
		perSource: max(limit/16, smallGrant),
		reserve:   limit / 4,
		sources:   map[string]int64{},
	}
}

// take takes n bytes from the pool for src, or reports that src may not.
func (p *overlayPool) take(src string, n int64) bool {
	if p == nil || n <= 0 {
		return true
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	held, used := p.sources[src], p.used.Load()
	switch {
	case held+n > p.perSource:
		return false
	case held+n <= smallGrant:
		if used+n > p.limit {
			return false
		}
	case used+n > p.limit-p.reserve:
		return false
	}
	p.sources[src] = held + n
	p.used.Add(n)
	return true
}

// give returns n bytes src held.
func (p *overlayPool) give(src string, n int64) {
	if p == nil || n <= 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if held := p.sources[src] - n; held > 0 {
		p.sources[src] = held
	} else {
		delete(p.sources, src)
	}
	p.used.Add(-n)
}

// poolAccount is what one session holds from the pool. It is separate from
// the vfs so that a cleanup can give the bytes back should the session code
// ever drop a shell without releasing it.
type poolAccount struct {
	pool *overlayPool
	src  string
	held atomic.Int64
}

func (a *poolAccount) grow(n int64) bool {
	if !a.pool.take(a.src, n) {
		return false
	}
	a.held.Add(n)
	return true
}

func (a *poolAccount) shrink(n int64) {
	a.held.Add(-n)
	a.pool.give(a.src, n)
}

// releaseAll gives back everything; it is safe to call more than once.
func (a *poolAccount) releaseAll() {
	a.pool.give(a.src, a.held.Swap(0))
}

type nodeKind uint8

const (
	kindFile nodeKind = iota
	kindDir
	kindDev
	kindGone // a tombstone in the overlay: the base entry was removed
)

// node is a file, directory or device.
type node struct {
	kind nodeKind
	mode uint32 // permission bits
	data []byte // file content; shared and never modified in place
	size int64  // displayed size when larger than data (binaries show their real size)
	link string // symlink target, for ls -l only
}

func (n *node) displaySize() int64 {
	if n.size > int64(len(n.data)) {
		return n.size
	}
	return int64(len(n.data))
}

// baseFS is the device's filesystem as shipped: built once per Sensor and
// shared, read-only, by every session.
type baseFS struct {
	nodes    map[string]*node
	children map[string][]string // directory -> sorted child names
	writable []string            // mount points that accept writes
}

func newBaseFS(writable []string) *baseFS {
	b := &baseFS{nodes: map[string]*node{}, children: map[string][]string{}, writable: writable}
	b.nodes["/"] = &node{kind: kindDir, mode: 0o755}
	return b
}

// add inserts n at p, creating parent directories; for building only.
func (b *baseFS) add(p string, n *node) {
	if _, ok := b.nodes[p]; ok {
		b.nodes[p] = n
		return
	}
	dir, name := path.Split(p)
	dir = path.Clean(dir)
	if _, ok := b.nodes[dir]; !ok {
		b.add(dir, &node{kind: kindDir, mode: 0o755})
	}
	b.nodes[p] = n
	kids := b.children[dir]
	i, _ := slices.BinarySearch(kids, name)
	b.children[dir] = slices.Insert(kids, i, name)
}

// vfs is one session's view: the shared base plus a private copy-on-write
// overlay, allocated on the first write so idle sessions cost nothing.
type vfs struct {
	base  *baseFS
	ov    map[string]*node
	bytes int
	files int
	pool  *overlayPool
	src   string       // the session's source, for the pool's fairness
	acct  *poolAccount // allocated with the overlay
	// maxBytes is the session's overlay cap (Limits.OverlayBytes).
	maxBytes int
}

// release drops the overlay and gives its bytes back to the Sensor's pool.
// The vfs stays usable (as a fresh, empty overlay).
func (v *vfs) release() {
	if v.acct != nil {
		v.acct.releaseAll()
	}
	v.ov, v.acct, v.bytes, v.files = nil, nil, 0, 0
}

// resolve turns p, relative to cwd, into a clean absolute path.
func resolve(cwd, p string) (string, error) {
	if len(p) > maxPathLen {
		return "", errTooLong
	}
	for rest := p; rest != ""; {
		i := strings.IndexByte(rest, '/')
		if i < 0 {
			i = len(rest)
		}
		if i > maxNameLen {
			return "", errTooLong
		}
		rest = rest[min(i+1, len(rest)):]
	}
	if !strings.HasPrefix(p, "/") {
		p = cwd + "/" + p
	}
	return path.Clean(p), nil
}

func (v *vfs) stat(p string) (*node, bool) {
	if p == tooLongPath {
		return nil, false
	}
	if n, ok := v.ov[p]; ok {
		if n.kind == kindGone {
			return nil, false
		}
		return n, true
	}
	n, ok := v.base.nodes[p]
	return n, ok
}

func (v *vfs) isDir(p string) bool {
	n, ok := v.stat(p)
	return ok && n.kind == kindDir
}

// read returns the content of the file at p.
func (v *vfs) read(p string) ([]byte, error) {
	n, ok := v.stat(p)
	switch {
	case p == tooLongPath:
		return nil, errTooLong
	case !ok:
		return nil, errNotExist
	case n.kind == kindDir:
		return nil, errIsDir
	}
	return n.data, nil
}

// writableAt reports whether p lies on a read-write mount.
func (v *vfs) writableAt(p string) bool {
	for _, m := range v.base.writable {
		if p == m || strings.HasPrefix(p, m+"/") {
			return true
		}
	}
	return false
}

// deniedMounts are the pseudo filesystems where nothing can be created:
// the kernel answers EACCES.
var deniedMounts = []string{"/proc", "/sys", "/dev/pts"}

func under(p, m string) bool { return p == m || strings.HasPrefix(p, m+"/") }

// checkCreate reports why p cannot be created or changed, if it cannot.
func (v *vfs) checkCreate(p string) error {
	if p == tooLongPath {
		return errTooLong
	}
	for _, m := range deniedMounts {
		if under(p, m) && p != m {
			if !v.isDir(path.Dir(p)) {
				return errNotExist
			}
			return errPerm
		}
	}
	parent := path.Dir(p)
	pn, ok := v.stat(parent)
	if !ok {
		return errNotExist
	}
	if pn.kind != kindDir {
		return errNotDir
	}
	if !v.writableAt(p) || p == "/" {
		return errReadOnly
	}
	return nil
}

// put stores n at p in the overlay, enforcing the caps.
func (v *vfs) put(p string, n *node) error {
	old, had := v.ov[p]
	grow := len(n.data)
	files := 1
	if had {
		grow -= len(old.data)
		if old.kind != kindGone {
			files = 0
		}
	}
	if v.bytes+grow > v.maxBytes || v.files+files > maxOverlayFiles {
		return errNoSpace
	}
	v.init()
	if grow > 0 && !v.acct.grow(int64(grow)) {
		return errNoSpace
	}
	if grow < 0 {
		v.acct.shrink(int64(-grow))
	}
	v.ov[p] = n
	v.bytes += grow
	v.files += files
	return nil
}

// init allocates the overlay and its pool account on the first write. The
// cleanup returns the account's bytes to the pool if the vfs is dropped
// without release (release is still what the session must call: a
// cleanup runs only after a garbage collection).
func (v *vfs) init() {
	if v.ov == nil {
		v.ov = make(map[string]*node)
	}
	if v.acct == nil {
		v.acct = &poolAccount{pool: v.pool, src: v.src}
		runtime.AddCleanup(v, func(a *poolAccount) { a.releaseAll() }, v.acct)
	}
}

// write replaces or appends to the file at p, creating it with mode 0644.
func (v *vfs) write(p string, data []byte, appendTo bool) error {
	n, ok := v.stat(p)
	if ok && n.kind == kindDev {
		return nil // /dev/null and friends swallow everything
	}
	if ok && n.kind == kindDir {
		return errIsDir
	}
	if err := v.checkCreate(p); err != nil {
		return err
	}
	mode := uint32(0o644)
	var content []byte
	if ok {
		mode = n.mode
		if appendTo {
			content = n.data[:len(n.data):len(n.data)] // force a copy on append
		}
	}
	if len(content)+len(data) > v.maxBytes {
		return errNoSpace
	}
	content = append(content, data...)
	return v.put(p, &node{kind: kindFile, mode: mode, data: content})
}

// copyFile copies src to dst, sharing the content (nothing is ever modified
// in place) but counting it against the overlay.
func (v *vfs) copyFile(src, dst string) error {
	n, ok := v.stat(src)
	if !ok {
		return errNotExist
	}
	if n.kind == kindDir {
		return errIsDir
	}
	if d, ok := v.stat(dst); ok && d.kind == kindDir {
		return errIsDir
	}
	if err := v.checkCreate(dst); err != nil {
		return err
	}
	return v.put(dst, &node{kind: n.kind, mode: n.mode, data: n.data[:len(n.data):len(n.data)]})
}

// copyTree copies directory src to dst with what is under it, by a
// worklist (depth is attacker-made), within the overlay's caps.
func (v *vfs) copyTree(src, dst string) error {
	if dst == src || strings.HasPrefix(dst, src+"/") {
		return errInvalid
	}
	type pair struct{ s, d string }
	work := []pair{{src, dst}}
	for n := 0; len(work) > 0; n++ {
		if n > 4*maxOverlayFiles {
			return errNoSpace
		}
		p := work[len(work)-1]
		work = work[:len(work)-1]
		node, ok := v.stat(p.s)
		if !ok {
			continue
		}
		if node.kind != kindDir {
			if err := v.copyFile(p.s, p.d); err != nil {
				return err
			}
			continue
		}
		if err := v.mkdir(p.d); err != nil && err != errExist {
			return err
		}
		names, _ := v.list(p.s)
		for i := len(names) - 1; i >= 0; i-- {
			work = append(work, pair{path.Join(p.s, names[i]), path.Join(p.d, names[i])})
		}
	}
	return nil
}

func (v *vfs) mkdir(p string) error {
	if _, ok := v.stat(p); ok {
		return errExist
	}
	if err := v.checkCreate(p); err != nil {
		return err
	}
	return v.put(p, &node{kind: kindDir, mode: 0o755})
}

// list returns the names in directory p, sorted.
func (v *vfs) list(p string) ([]string, error) {
	n, ok := v.stat(p)
	if !ok {
		return nil, errNotExist
	}
	if n.kind != kindDir {
		return nil, errNotDir
	}
	var names []string
	for _, name := range v.base.children[p] {
		if _, ok := v.stat(path.Join(p, name)); ok {
			names = append(names, name)
		}
	}
	for q, on := range v.ov {
		if on.kind == kindGone || q == "/" || path.Dir(q) != p {
			continue
		}
		if name := path.Base(q); !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names, nil
}

// remove deletes p; a non-empty directory only when recursive.
func (v *vfs) remove(p string, recursive bool) error {
	n, ok := v.stat(p)
	if !ok {
		return errNotExist
	}
	if !v.writableAt(p) || p == "/" {
		return errReadOnly
	}
	if n.kind == kindDir {
		kids, _ := v.list(p)
		if len(kids) > 0 && !recursive {
			return errNotEmpty
		}
		// Iterate over a worklist, not by recursion: depth is attacker-made.
		stack := []string{p}
		var all []string
		for len(stack) > 0 && len(all) < 4*maxOverlayFiles {
			d := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			all = append(all, d)
			names, _ := v.list(d)
			for _, k := range names {
				c := path.Join(d, k)
				if v.isDir(c) {
					stack = append(stack, c)
				} else {
					all = append(all, c)
				}
			}
		}
		for _, q := range all {
			v.unlink(q)
		}
		return nil
	}
	v.unlink(p)
	return nil
}

// unlink drops p from the overlay, leaving a tombstone if the base has it.
func (v *vfs) unlink(p string) {
	if old, ok := v.ov[p]; ok {
		v.bytes -= len(old.data)
		v.acct.shrink(int64(len(old.data)))
		if old.kind != kindGone {
			v.files--
		}
		delete(v.ov, p)
	}
	if _, ok := v.base.nodes[p]; ok {
		v.init()
		v.ov[p] = &node{kind: kindGone}
	}
}

// rename moves a file, or a directory with what is under it.
func (v *vfs) rename(src, dst string) error {
	n, ok := v.stat(src)
	if !ok {
		return errNotExist
	}
	if d, ok := v.stat(dst); ok && d.kind == kindDir {
		dst = path.Join(dst, path.Base(src))
	}
	if n.kind == kindDir {
		if !v.writableAt(src) || src == "/" {
			return errReadOnly
		}
		if dst == src || strings.HasPrefix(dst, src+"/") {
			return errInvalid
		}
		if err := v.copyTree(src, dst); err != nil {
			return err
		}
		return v.remove(src, true)
	}
	if !v.writableAt(src) {
		return errReadOnly
	}
	if err := v.checkCreate(dst); err != nil {
		return err
	}
	cp := *n
	if err := v.put(dst, &cp); err != nil {
		return err
	}
	v.unlink(src)
	return nil
}

func (v *vfs) chmod(p string, mode uint32) error {
	n, ok := v.stat(p)
	if !ok {
		return errNotExist
	}
	if !v.writableAt(p) {
		return errReadOnly
	}
	cp := *n
	cp.mode = mode & 0o7777
	return v.put(p, &cp)
}

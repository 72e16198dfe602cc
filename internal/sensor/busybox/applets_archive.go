package busybox

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	goio "io"
	"path"
	"strings"
	"time"
)

// gzip, gunzip, zcat and tar: real (de)compression and archives over the
// emulated filesystem, bounded by the overlay (a bomb stops at its size).

// maxInflate bounds what gzip -d and tar x may produce: a bomb stops at
// the overlay's size.
func (sh *Shell) maxInflate() int64 { return int64(sh.fs.maxBytes) + 1 }

// gzip, gunzip and zcat: real (de)compression of emulated files, bounded.
func (sh *Shell) gzip(args []string, io *stdio) int {
	fl, ops := flags(args)
	name := path.Base(args[0])
	decomp := strings.Contains(fl, "d") || name == "gunzip" || name == "zcat"
	toStdout := strings.Contains(fl, "c") || name == "zcat" || len(ops) == 0
	if len(ops) == 0 {
		if io.tty && !decomp {
			io.err.WriteString("gzip: compressed data not written to a terminal. Use -f to force compression.\n")
			return 1
		}
		ops = []string{"-"}
	}
	st := 0
	for _, f := range ops {
		var data []byte
		if f == "-" {
			data = io.stdin()
		} else {
			d, err := sh.readPath(sh.path(f))
			if err != nil {
				io.err.WriteString(name + ": can't open '" + f + "': No such file or directory\n")
				st = 1
				continue
			}
			data = d
		}
		sh.work += int64(len(data)) * 4
		var out []byte
		outName := f + ".gz"
		if decomp {
			zr, err := gzip.NewReader(bytes.NewReader(data))
			if err != nil {
				io.err.WriteString(name + ": invalid magic\n")
				st = 1
				continue
			}
			out, err = goio.ReadAll(goio.LimitReader(zr, sh.maxInflate()))
			if err != nil {
				io.err.WriteString(name + ": corrupted data\n")
				st = 1
				continue
			}
			sh.work += int64(len(out)) * 4
			outName = strings.TrimSuffix(strings.TrimSuffix(f, ".gz"), ".tgz")
			if outName == f && !toStdout {
				io.err.WriteString(name + ": " + f + ": unknown suffix - ignored\n")
				st = 1
				continue
			}
		} else {
			var b bytes.Buffer
			zw := gzip.NewWriter(&b)
			zw.Write(data)
			zw.Close()
			out = b.Bytes()
		}
		if toStdout {
			io.out.Write(out)
			continue
		}
		if err := sh.fs.write(sh.path(outName), out, false); err != nil {
			io.err.WriteString(name + ": " + outName + ": " + err.Error() + "\n")
			st = 1
			continue
		}
		sh.fs.unlink(sh.path(f))
	}
	return st
}

// tar: c, x and t with f and z, over the emulated filesystem, bounded.
func (sh *Shell) tar(args []string, io *stdio) int {
	if len(args) < 2 {
		return sh.usage(io, "tar", "-[cxtzjaZvO] [-X FILE] [-T FILE] [-f TARFILE] [-C DIR] [FILE]...")
	}
	opts := strings.TrimPrefix(args[1], "-")
	rest := args[2:]
	var file, dir string
	var files []string
	for i := 0; i < len(rest); i++ {
		a := rest[i]
		switch {
		case a == "-C" && i+1 < len(rest):
			dir, i = rest[i+1], i+1
		case a == "-f" && i+1 < len(rest):
			file, i = rest[i+1], i+1
		case strings.HasPrefix(a, "-"):
			opts += a[1:]
		default:
			files = append(files, a)
		}
	}
	if strings.Contains(opts, "f") && file == "" && len(files) > 0 {
		file, files = files[0], files[1:]
	}
	mode := ""
	for _, m := range "cxt" {
		if strings.ContainsRune(opts, m) {
			mode += string(m)
		}
	}
	if len(mode) != 1 {
		return sh.usage(io, "tar", "-[cxtzjaZvO] [-X FILE] [-T FILE] [-f TARFILE] [-C DIR] [FILE]...")
	}
	gz, verbose := strings.Contains(opts, "z"), strings.Contains(opts, "v")
	base := sh.cwd
	if dir != "" {
		base = sh.path(dir)
	}
	if mode == "c" {
		return sh.tarCreate(file, base, files, gz, verbose, io)
	}
	var data []byte
	if file == "" || file == "-" {
		data = io.stdin()
	} else {
		d, err := sh.readPath(sh.path(file))
		if err != nil {
			io.err.WriteString("tar: can't open '" + file + "': No such file or directory\n")
			return 1
		}
		data = d
	}
	var r goio.Reader = bytes.NewReader(data)
	if gz || (len(data) > 2 && data[0] == 0x1f && data[1] == 0x8b) {
		zr, err := gzip.NewReader(r)
		if err != nil {
			io.err.WriteString("tar: invalid magic\n")
			return 1
		}
		r = goio.LimitReader(zr, sh.maxInflate())
	}
	tr := tar.NewReader(r)
	total, n := int64(0), 0
	for {
		h, err := tr.Next()
		if err == goio.EOF {
			break
		}
		if err != nil {
			if n == 0 {
				io.err.WriteString("tar: invalid tar magic\n")
			} else {
				io.err.WriteString("tar: short read\n")
			}
			return 1
		}
		if n++; n > maxOverlayFiles*2 {
			break
		}
		name := strings.TrimPrefix(path.Clean("/"+h.Name), "/")
		if mode == "t" {
			io.out.WriteString(h.Name + "\n")
			continue
		}
		if verbose {
			io.out.WriteString(h.Name + "\n")
		}
		p := path.Join(base, name)
		switch h.Typeflag {
		case tar.TypeDir:
			if !sh.fs.isDir(p) {
				if err := sh.fs.mkdir(p); err != nil {
					io.err.WriteString("tar: can't create directory '" + h.Name + "': " + err.Error() + "\n")
					return 1
				}
			}
		case tar.TypeReg:
			b, err := goio.ReadAll(goio.LimitReader(tr, sh.maxInflate()-total))
			total += int64(len(b))
			sh.work += int64(len(b)) * 4
			if err == nil {
				err = sh.fs.write(p, b, false)
			}
			if err != nil {
				io.err.WriteString("tar: can't open '" + h.Name + "': " + err.Error() + "\n")
				return 1
			}
			sh.fs.chmod(p, uint32(h.Mode)&0o777)
		}
	}
	return 0
}

func (sh *Shell) tarCreate(file, base string, files []string, gz, verbose bool, io *stdio) int {
	if len(files) == 0 {
		io.err.WriteString("tar: empty archive\n")
		return 1
	}
	var buf bytes.Buffer
	var w goio.Writer = &buf
	var zw *gzip.Writer
	if gz {
		zw = gzip.NewWriter(&buf)
		w = zw
	}
	tw := tar.NewWriter(w)
	count := 0
	var add func(p, name string, depth int) bool
	add = func(p, name string, depth int) bool {
		if count++; count > maxOverlayFiles*2 || depth > 16 || buf.Len() > sh.fs.maxBytes {
			return false
		}
		n, ok := sh.fs.stat(p)
		if !ok {
			io.err.WriteString("tar: " + name + ": No such file or directory\n")
			return true
		}
		if verbose {
			io.out.WriteString(name + "\n")
		}
		h := &tar.Header{Name: name, Mode: int64(n.mode), ModTime: time.Unix(1458297000, 0), Uname: "root", Gname: "root"}
		if n.kind == kindDir {
			h.Typeflag, h.Name = tar.TypeDir, name+"/"
			tw.WriteHeader(h)
			names, _ := sh.fs.list(p)
			for _, c := range names {
				if !add(path.Join(p, c), path.Join(name, c), depth+1) {
					return false
				}
			}
			return true
		}
		h.Typeflag, h.Size = tar.TypeReg, int64(len(n.data))
		tw.WriteHeader(h)
		tw.Write(n.data)
		sh.work += int64(len(n.data))
		return true
	}
	for _, f := range files {
		add(path.Join(base, f), strings.TrimPrefix(f, "/"), 0)
	}
	tw.Close()
	if zw != nil {
		zw.Close()
	}
	if file == "" || file == "-" {
		if io.tty {
			io.err.WriteString("tar: refusing to write archive contents to terminal\n")
			return 1
		}
		io.out.Write(buf.Bytes())
		return 0
	}
	if err := sh.fs.write(sh.path(file), buf.Bytes(), false); err != nil {
		io.err.WriteString("tar: can't open '" + file + "': " + err.Error() + "\n")
		return 1
	}
	return 0
}

// zcat is gzip -dc under its own name.
func (sh *Shell) zcat(args []string, io *stdio) int { return sh.gzip(args, io) }

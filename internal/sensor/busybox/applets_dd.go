package busybox

import (
	"fmt"
	"strconv"
	"strings"
)

// dd: how loaders read ELF headers and fill or clear files.

// dd supports if= of= bs= count= skip= seek= conv=, the forms bots use to
// read the ELF header of /proc/self/exe, to clear a file or to fill the
// disk. What it reports is what it copied; a write that does not fit the
// overlay fails with ENOSPC after the records that did.
func (sh *Shell) dd(args []string, io *stdio) int {
	in, of := "", ""
	ibs, obs, count, skip := 512, 512, -1, 0
	for _, a := range args[1:] {
		k, v, ok := strings.Cut(a, "=")
		if !ok {
			return sh.usage(io, "dd", "[if=FILE] [of=FILE] [ibs=N] [obs=N] [bs=N] [count=N] [skip=N]\n\t[seek=N] [conv=notrunc|noerror|sync|fsync]")
		}
		switch k {
		case "if":
			in = v
		case "of":
			of = v
		case "bs", "ibs", "obs", "count", "skip", "seek":
			n, err := parseSize(v)
			if err != nil {
				io.err.WriteString("dd: invalid number '" + v + "'\n")
				return 1
			}
			switch k {
			case "count":
				count = n
			case "skip":
				skip = n
			case "seek":
			case "ibs":
				ibs = max(n, 1)
			case "obs":
				obs = max(n, 1)
			default:
				ibs, obs = max(n, 1), max(n, 1)
			}
		case "conv", "status", "iflag", "oflag":
		default:
			return sh.usage(io, "dd", "[if=FILE] [of=FILE] [ibs=N] [obs=N] [bs=N] [count=N] [skip=N]\n\t[seek=N] [conv=notrunc|noerror|sync|fsync]")
		}
	}
	var data []byte
	endless := false
	if in == "" || in == "-" {
		data = io.stdin()
	} else {
		p := sh.path(in)
		var err error
		if data, err = sh.readPath(p); err != nil {
			io.err.WriteString("dd: can't open '" + in + "': " + err.Error() + "\n")
			return 1
		}
		endless = p == "/dev/zero" || p == "/dev/urandom" || p == "/dev/random"
	}
	toFile, toDev := of != "", false
	var outPath string
	if toFile {
		outPath = sh.path(of)
		n, ok := sh.fs.stat(outPath)
		toDev = ok && n.kind == kindDev
		if err := sh.fs.write(outPath, nil, false); err != nil {
			io.err.WriteString("dd: can't open '" + of + "': " + err.Error() + "\n")
			return 1
		}
	}
	// total is what dd reads. An endless device without a count is read
	// until the copy fails (a file fills the overlay), or, to a terminal or
	// a device, as if interrupted after a while.
	var total int
	switch {
	case endless && count >= 0:
		total = count * ibs
	case endless && toFile && !toDev:
		total = sh.fs.maxBytes + ibs
	case endless:
		total = 64 << 20
	default:
		data = data[min(skip*ibs, len(data)):]
		total = len(data)
		if count >= 0 {
			total = min(total, count*ibs)
		}
	}
	// material returns the first n bytes read.
	material := func(n int) []byte {
		switch {
		case !endless:
			return data[:n]
		case n <= len(data):
			return data[:n]
		}
		return repeatTo(data, n)
	}
	inFull, inPart := total/ibs, b2i(total%ibs != 0)
	written := total
	sh.work += int64(min(total, sh.fs.maxBytes))
	st := 0
	switch {
	case toDev:
	case toFile:
		room := sh.fs.maxBytes - sh.fs.bytes
		if sh.fs.pool != nil {
			room = min(room, int(sh.fs.pool.limit-sh.fs.pool.used.Load()))
		}
		room = max(room, 0)
		if written > room {
			written, st = room/obs*obs, 1
			if written == 0 {
				written = room
			}
		}
		if err := sh.fs.write(outPath, material(written), false); err != nil {
			written, st = 0, 1
		}
		if st != 0 {
			io.err.WriteString("dd: writing '" + of + "': No space left on device\n")
			// The record that failed to write was read.
			read := min(total, (written/ibs+1)*ibs)
			inFull, inPart = read/ibs, b2i(read%ibs != 0)
		}
	default:
		io.out.Write(material(min(total, maxOutput)))
	}
	outFull, outPart := written/obs, b2i(written%obs != 0)
	fmt.Fprintf(io.err, "%d+%d records in\n%d+%d records out\n", inFull, inPart, outFull, outPart)
	// FEATURE_DD_THIRD_STATUS_LINE, with a made-up but steady speed.
	secs := 0.000120 + float64(written)/(9.5*1024*1024)
	fmt.Fprintf(io.err, "%d bytes (%sB) copied, %f seconds, %sB/s\n", written, humanSize(uint64(written)), secs, humanSize(uint64(float64(written)/secs)))
	return st
}

// repeatTo returns n bytes of an endless device whose block is b.
func repeatTo(b []byte, n int) []byte {
	if n <= len(b) || len(b) == 0 {
		return b
	}
	if &b[0] == &zeroBlock[0] {
		return make([]byte, n) // zeroed
	}
	out := make([]byte, 0, n)
	for len(out) < n {
		out = append(out, b[:min(len(b), n-len(out))]...)
	}
	return out
}

// humanSize is make_human_readable_str(v, 1, 0): "52", "2.0K", "1.0M".
func humanSize(v uint64) string {
	if v == 0 {
		return "0"
	}
	units := " KMGTPE"
	u, frac := 0, uint64(0)
	for v >= 1024 && u < len(units)-1 {
		frac = ((v%1024)*10 + 512) / 1024
		v /= 1024
		u++
	}
	if u == 0 {
		return strconv.FormatUint(v, 10)
	}
	if frac >= 10 {
		v++
		frac = 0
	}
	return fmt.Sprintf("%d.%d%c", v, frac, units[u])
}

func parseSize(v string) (int, error) {
	mult := 1
	switch {
	case strings.HasSuffix(v, "k"), strings.HasSuffix(v, "K"):
		mult, v = 1024, v[:len(v)-1]
	case strings.HasSuffix(v, "M"):
		mult, v = 1<<20, v[:len(v)-1]
	case strings.HasSuffix(v, "b"):
		mult, v = 512, v[:len(v)-1]
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("dd: bad size")
	}
	return min(min(n, 1<<20)*mult, 1<<20), nil
}

package busybox

import (
	"fmt"
	"hash/fnv"
	"net"
	"net/netip"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
)

// Fetchers never touch the network. They record what was asked (a
// file.download event each), print what BusyBox would print on success, and
// leave a small placeholder so that a chmod and ./file that follow keep the
// attacker talking.

// placeholder is what a "downloaded" file contains: a script header for
// scripts, otherwise the start of an executable for this device's CPU.
func (sh *Shell) placeholder(name string) []byte {
	if strings.HasSuffix(name, ".sh") {
		return []byte("#!/bin/sh\n")
	}
	return sh.dev.busybox[:256:256]
}

// hostAddr returns what "Connecting to" shows for host: the address itself,
// or for a name a stable made-up address (we must not resolve it: that
// would be a query the attacker can see).
func hostAddr(host string) string {
	if a, err := netip.ParseAddr(host); err == nil {
		return a.String()
	}
	h := fnv.New32a()
	h.Write([]byte(host))
	v := h.Sum32()
	return fmt.Sprintf("%d.%d.%d.%d", 45+v%150, (v>>8)&0xff, (v>>16)&0xff, 1+(v>>24)%253)
}

// writeOut stores content for a fetcher: into the file, or to stdout for "-".
func (sh *Shell) writeOut(io *stdio, applet, name string, content []byte) bool {
	if name == "-" {
		io.out.Write(content)
		return true
	}
	if err := sh.fs.write(sh.path(name), content, false); err != nil {
		io.err.WriteString(applet + ": can't open '" + name + "': " + err.Error() + "\n")
		return false
	}
	return true
}

func (sh *Shell) wget(args []string, io *stdio) int {
	var urls []string
	out, dir, quiet, spider := "", "", false, false
	// bad is the first option BusyBox's wget does not know; tftpArgs keep
	// the values of -g, -l and -r, which Satori-era loaders give wget as
	// if it were tftp ("wget -g HOST -l LOCAL -r REMOTE"): the device
	// refuses them as BusyBox does, and the payload they name is recorded.
	var bad byte
	tftpArgs := map[byte]string{}
	for i := 1; i < len(args); i++ {
		a := args[i]
		next := func() string {
			if i+1 < len(args) {
				i++
				return args[i]
			}
			return ""
		}
		switch {
		case a == "--output-document":
			out = next()
		case strings.HasPrefix(a, "--output-document="):
			out = a[len("--output-document="):]
		case a == "--quiet":
			quiet = true
		case a == "--spider":
			spider = true
		case a == "--header" || a == "--user-agent" || a == "--post-data" || a == "--proxy":
			next()
		case strings.HasPrefix(a, "--"):
		case len(a) > 1 && a[0] == '-':
			// Short options, combined as getopt allows (-qO -, -qO-).
			for j := 1; j < len(a); j++ {
				switch a[j] {
				case 'q':
					quiet = true
				case 's':
					spider = true
				case 'O', 'P', 'U', 'T', 't', 'Y':
					val := a[j+1:]
					if val == "" {
						val = next()
					}
					switch a[j] {
					case 'O':
						out = val
					case 'P':
						dir = val
					}
					j = len(a)
				case 'c':
				case 'g', 'l', 'r':
					if bad == 0 {
						bad = a[j]
					}
					val := a[j+1:]
					if val == "" {
						val = next()
					}
					tftpArgs[a[j]] = val
					j = len(a)
				default:
					if bad == 0 {
						bad = a[j]
					}
				}
			}
		default:
			urls = append(urls, a)
		}
	}
	if bad != 0 {
		if host, remote := tftpArgs['g'], tftpArgs['r']; host != "" && remote != "" {
			sh.record("tftp://"+host+"/"+strings.TrimPrefix(remote, "/"), "wget", sh.path(tftpArgs['l']), false)
		}
		io.err.WriteString("wget: invalid option -- '" + string(bad) + "'\n")
		return sh.usage(io, "wget", wgetUsage)
	}
	if len(urls) == 0 {
		return sh.usage(io, "wget", wgetUsage)
	}
	st := 0
	for _, raw := range urls {
		u := raw
		if !strings.Contains(u, "://") {
			u = "http://" + u
		}
		pu, err := url.Parse(u)
		if err != nil || pu.Host == "" || (pu.Scheme != "http" && pu.Scheme != "https" && pu.Scheme != "ftp") {
			io.err.WriteString("wget: not an http or ftp url: " + raw + "\n")
			st = 1
			continue
		}
		name := out
		if name == "" {
			name = path.Base(pu.Path)
			if name == "/" || name == "." || name == "" {
				name = "index.html"
			}
			if dir != "" {
				name = path.Join(dir, name)
			}
		}
		filename := io.outName // "-": stdout, a file, a pipe ("") or the terminal ("")
		if name != "-" {
			filename = sh.path(name)
		}
		sh.record(u, "wget", filename, spider)
		port := pu.Port()
		if port == "" {
			port = map[string]string{"http": "80", "https": "443", "ftp": "21"}[pu.Scheme]
		}
		content := sh.placeholder(pu.Path)
		if !quiet {
			fmt.Fprintf(io.err, "Connecting to %s (%s)\n", pu.Host, net.JoinHostPort(hostAddr(pu.Hostname()), port))
		}
		if !sh.writeOut(io, "wget", name, content) {
			st = 1
			continue
		}
		if !quiet {
			fmt.Fprintf(io.err, "%-20.20s 100%% |*******************************| %5d  0:00:00 ETA\n", path.Base(name), len(content))
		}
	}
	return st
}

// wgetUsage is BusyBox 1.20's short usage of wget.
const wgetUsage = "[-c|--continue] [-s|--spider] [-q|--quiet] [-O|--output-document FILE]\n" +
	"\t[--header 'header: value'] [-Y|--proxy on/off] [-P DIR]\n" +
	"\t[--no-check-certificate] [-U|--user-agent AGENT] [-T SEC] URL..."

// tftp: tftp -g -r REMOTE [-l LOCAL] HOST [PORT], and the -gr / -g -l
// forms. Options are found anywhere (getopt permutes), so the tftp-hpa form
// Gafgyt types, "tftp HOST -c get FILE", fails on -c as on a real device;
// what it asked for is recorded all the same.
func (sh *Shell) tftp(args []string, io *stdio) int {
	var remote, local string
	var ops []string
	get, put := false, false
	bad := byte(0)
	for i := 1; i < len(args); i++ {
		a := args[i]
		if len(a) > 1 && a[0] == '-' {
			for j := 1; j < len(a); j++ {
				switch a[j] {
				case 'g':
					get = true
				case 'p':
					put = true
				case 'r', 'l', 'b':
					val := a[j+1:]
					if val == "" && i+1 < len(args) {
						i++
						val = args[i]
					}
					switch a[j] {
					case 'r':
						remote = val
					case 'l':
						local = val
					}
					j = len(a)
				default:
					if bad == 0 {
						bad = a[j]
					}
				}
			}
			continue
		}
		ops = append(ops, a)
	}
	if bad != 0 {
		// tftp-hpa: tftp HOST [PORT] -c get REMOTE [LOCAL].
		if k := slices.Index(ops, "get"); bad == 'c' && (k == 1 || k == 2) && k+1 < len(ops) {
			host := ops[0]
			if k == 2 {
				host = net.JoinHostPort(ops[0], ops[1])
			}
			rem, loc := ops[k+1], path.Base(ops[k+1])
			if k+2 < len(ops) {
				loc = ops[k+2]
			}
			sh.record("tftp://"+host+"/"+strings.TrimPrefix(rem, "/"), "tftp", sh.path(loc), false)
		}
		io.err.WriteString("tftp: invalid option -- '" + string(bad) + "'\n")
		return sh.usage(io, "tftp", "[OPTIONS] HOST [PORT]")
	}
	if (!get && !put) || len(ops) == 0 || (remote == "" && local == "") {
		return sh.usage(io, "tftp", "[OPTIONS] HOST [PORT]")
	}
	if remote == "" {
		remote = local
	}
	if local == "" {
		local = path.Base(remote)
	}
	if put {
		return 0 // an upload: nothing to fetch
	}
	host := ops[0]
	if len(ops) > 1 {
		host = net.JoinHostPort(host, ops[1])
	}
	sh.record("tftp://"+host+"/"+strings.TrimPrefix(remote, "/"), "tftp", sh.outPath(local, io), false)
	if !sh.writeOut(io, "tftp", local, sh.placeholder(remote)) {
		return 1
	}
	return 0
}

// ftpget: ftpget [-u USER] [-p PASS] [-P PORT] HOST LOCAL_FILE REMOTE_FILE.
func (sh *Shell) ftpget(args []string, io *stdio) int {
	var user, pass, port string
	var ops []string
	for i := 1; i < len(args); i++ {
		a := args[i]
		if (a == "-u" || a == "-p" || a == "-P") && i+1 < len(args) {
			i++
			switch a {
			case "-u":
				user = args[i]
			case "-p":
				pass = args[i]
			default:
				port = args[i]
			}
			continue
		}
		if strings.HasPrefix(a, "-") {
			continue
		}
		ops = append(ops, a)
	}
	if len(ops) < 2 {
		return sh.usage(io, "ftpget", "[OPTIONS] HOST [LOCAL_FILE] REMOTE_FILE")
	}
	host, local, remote := ops[0], ops[1], ops[len(ops)-1]
	if len(ops) == 2 {
		local = path.Base(remote)
	}
	u := url.URL{Scheme: "ftp", Host: host, Path: "/" + strings.TrimPrefix(remote, "/")}
	if port != "" {
		u.Host = net.JoinHostPort(host, port)
	}
	if user != "" {
		u.User = url.UserPassword(user, pass)
	}
	sh.record(u.String(), "ftpget", sh.outPath(local, io), false)
	if !sh.writeOut(io, "ftpget", local, sh.placeholder(remote)) {
		return 1
	}
	return 0
}

// nc HOST PORT > file is a fetch without a URL; it is recorded as tcp://.
func (sh *Shell) nc(args []string, io *stdio) int {
	var ops []string
	for i := 1; i < len(args); i++ {
		a := args[i]
		if a == "-l" || a == "-lp" {
			return 0 // a listener: nothing to record
		}
		if (a == "-p" || a == "-w" || a == "-e" || a == "-s") && i+1 < len(args) {
			i++
			continue
		}
		if !strings.HasPrefix(a, "-") {
			ops = append(ops, a)
		}
	}
	if len(ops) < 2 {
		return sh.usage(io, "nc", "[-iN] [-wN] [-l] [-p PORT] [-f FILE|IPADDR PORT] [-e PROG]")
	}
	if _, err := strconv.ParseUint(ops[1], 10, 16); err != nil {
		io.err.WriteString("nc: bad port '" + ops[1] + "'\n")
		return 1
	}
	sh.record("tcp://"+net.JoinHostPort(ops[0], ops[1]), "nc", io.outName, false)
	return 0
}

// curl is not on these devices, but what it was asked to fetch is recorded.
func (sh *Shell) curl(args []string, io *stdio) {
	out := ""
	toStdout := true
	for i := 1; i < len(args); i++ {
		a := args[i]
		if (a == "-o" || a == "--output") && i+1 < len(args) {
			i++
			out, toStdout = args[i], false
			continue
		}
		if a == "-O" || a == "--remote-name" {
			toStdout = false
		}
		if strings.HasPrefix(a, "-") {
			continue
		}
		u := a
		if !strings.Contains(u, "://") {
			if !strings.Contains(u, "/") && !strings.Contains(u, ".") {
				continue
			}
			u = "http://" + u
		}
		name := out
		if name == "" {
			name = path.Base(u)
		}
		filename := sh.path(name)
		if toStdout {
			filename = io.outName
		}
		sh.record(u, "curl", filename, false)
	}
}

func (sh *Shell) outPath(local string, io *stdio) string {
	if local == "-" {
		return io.outName
	}
	return sh.path(local)
}

package ssh

import (
	"bufio"
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
	"io"
	"net"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/honeygate/honeygate/internal/sensor"
)

// serverKexInit connects to addr as a client would, sends an identification
// line and returns the server's identification and its first binary packet
// parsed as a KEXINIT: what a scanner computing HASSHServer sees.
func serverKexInit(t *testing.T, addr string) (string, *KexInit) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n"); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(c)
	ident, err := r.ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	var hdr [5]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		t.Fatal(err)
	}
	length, pad := binary.BigEndian.Uint32(hdr[:4]), int(hdr[4])
	if length < 18 || length > maxPacketBytes || pad >= int(length) {
		t.Fatalf("first packet: length %d padding %d", length, pad)
	}
	body := make([]byte, length-1)
	if _, err := io.ReadFull(r, body); err != nil {
		t.Fatal(err)
	}
	k, err := ParseKexInit(body[:len(body)-pad])
	if err != nil {
		t.Fatalf("server's first packet: %v", err)
	}
	return strings.TrimRight(ident, "\r\n"), k
}

// hasshServer is HASSHServer as salesforce/hassh defines it: the MD5 of the
// server-to-client kex;encryption;mac;compression lists.
func hasshServer(kex, enc, mac, comp []string) string {
	sum := md5.Sum([]byte(strings.Join(kex, ",") + ";" + strings.Join(enc, ",") + ";" + strings.Join(mac, ",") + ";" + strings.Join(comp, ",")))
	return hex.EncodeToString(sum[:])
}

// The names x/crypto cannot offer; kex.go says why each is missing.
var (
	notImplemented = []string{"kexguess2@matt.ucc.asn.au", "3des-ctr", "aes256-cbc", "twofish256-cbc", "twofish-cbc", "twofish128-cbc", "hmac-md5"}
	addedByXCrypto = []string{"kex-strict-s-v00@openssh.com"}
)

// expect is Dropbear's list as the server can offer it: without the names
// x/crypto lacks, plus those it adds, order kept.
func expect(dropbear []string, added ...string) []string {
	out := slices.DeleteFunc(slices.Clone(dropbear), func(n string) bool { return slices.Contains(notImplemented, n) })
	return append(out, added...)
}

func TestServerKexInitIsDropbear2014(t *testing.T) {
	ts := startServer(t, DefaultConfig(), sensor.DefaultLimits(), "")
	ident, k := serverKexInit(t, ts.addr)
	if ident != "SSH-2.0-dropbear_2014.63" {
		t.Errorf("identification %q", ident)
	}
	split := func(s string) []string { return strings.Split(s, ",") }
	for _, c := range []struct {
		name       string
		got        string
		dropbear   []string
		xcryptoAdd []string
	}{
		{"kex", k.Kex, dropbear2014Kex, addedByXCrypto},
		{"host key", k.HostKey, dropbear2014HostKeys, nil},
		{"ciphers c->s", k.EncCS, dropbear2014Ciphers, nil},
		{"ciphers s->c", k.EncSC, dropbear2014Ciphers, nil},
		{"macs c->s", k.MacCS, dropbear2014MACs, nil},
		{"macs s->c", k.MacSC, dropbear2014MACs, nil},
		{"compression c->s", k.CompCS, dropbear2014Compression, nil},
		{"compression s->c", k.CompSC, dropbear2014Compression, nil},
	} {
		if want := expect(c.dropbear, c.xcryptoAdd...); !slices.Equal(split(c.got), want) {
			t.Errorf("%s: offered %q, want Dropbear 2014.63's as x/crypto can offer it %q", c.name, c.got, strings.Join(want, ","))
		}
	}
	if k.LangCS != "" || k.LangSC != "" || k.FirstKexFollow {
		t.Errorf("languages %q %q, first_kex_follows %v", k.LangCS, k.LangSC, k.FirstKexFollow)
	}

	// HASSHServer: the one a real Dropbear 2014.63 (--disable-zlib) gives,
	// from its source lists, and the one this server gives. They differ
	// only by the names kex.go lists; the test pins the second to the
	// Dropbear lists so that any other drift (a new x/crypto default, an
	// edit to kex.go) fails here.
	real := hasshServer(dropbear2014Kex, dropbear2014Ciphers, dropbear2014MACs, dropbear2014Compression)
	ours := hasshServer(split(k.Kex), split(k.EncSC), split(k.MacSC), split(k.CompSC))
	reachable := hasshServer(expect(dropbear2014Kex, addedByXCrypto...), expect(dropbear2014Ciphers), expect(dropbear2014MACs), dropbear2014Compression)
	t.Logf("HASSHServer: dropbear_2014.63 %s, this server %s", real, ours)
	if ours != reachable {
		t.Errorf("HASSHServer %s, want %s (Dropbear 2014.63 less what x/crypto lacks)", ours, reachable)
	}
}

// A current OpenSSH client gets in as it would into a real Dropbear
// 2014.63: only after allowing ssh-rsa host keys (disabled by default since
// OpenSSH 8.8), which is what its users do for old devices.
func TestOpenSSHClientLogsIn(t *testing.T) {
	sshBin, err := exec.LookPath("ssh")
	if err != nil {
		t.Skip("no ssh client (scripts/deps.sh installs openssh-client)")
	}
	sshpass, err := exec.LookPath("sshpass")
	if err != nil {
		t.Skip("no sshpass (scripts/deps.sh installs it)")
	}
	ts := startServer(t, DefaultConfig(), sensor.DefaultLimits(), "")
	host, port, _ := net.SplitHostPort(ts.addr)
	base := []string{"-vv", "-p", port, "-F", "/dev/null",
		"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
		"-o", "PubkeyAuthentication=no", "-o", "IdentityAgent=none",
		"-o", "PreferredAuthentications=password", "-o", "NumberOfPasswordPrompts=1",
		"-o", "ConnectTimeout=10"}

	// Without the option, OpenSSH refuses the old host key types, as it
	// refuses a real Dropbear 2014.
	out, err := exec.Command(sshpass, append(append([]string{"-p", "xc3511", sshBin}, base...), "root@"+host, "echo in")...).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "no matching host key type found") {
		t.Errorf("default OpenSSH: err %v, output:\n%s", err, out)
	}

	args := append(append([]string{"-p", "xc3511", sshBin}, base...), "-o", "HostKeyAlgorithms=+ssh-rsa", "root@"+host, "echo in")
	out, err = exec.Command(sshpass, args...).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "in\n") {
		t.Fatalf("ssh -vv: %v, output:\n%s", err, out)
	}
	log := string(out)
	for _, want := range []string{
		"Remote protocol version 2.0, remote software version dropbear_2014.63",
		"kex: algorithm: curve25519-sha256@libssh.org",
		"kex: host key algorithm: ssh-rsa",
		"peer server KEXINIT proposal",
		"KEX algorithms: " + strings.Join(expect(dropbear2014Kex, addedByXCrypto...), ","),
		"host key algorithms: ssh-rsa,ssh-dss",
		"ciphers stoc: " + strings.Join(expect(dropbear2014Ciphers), ","),
		"MACs stoc: " + strings.Join(expect(dropbear2014MACs), ","),
		"compression stoc: none",
		"Authenticated to " + host + " ([" + host + "]:" + port + ") using \"password\"",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("ssh -vv output lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("ssh -vv output:\n%s", log)
	}
}

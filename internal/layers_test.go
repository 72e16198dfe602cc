package internal_test

import (
	"go/build"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const module = "github.com/honeygate/honeygate/internal/"

// forbidden says which packages a layer must never import, so that data
// keeps flowing one way (sensor -> bus -> store -> web; see
// docs/architecture.md). Keys and values are prefixes under internal/.
var forbidden = map[string][]string{
	// A sensor publishes through event.Publisher; it never reaches for the
	// bus, the store, the web server or the wiring.
	"sensor": {"bus", "store", "web", "app", "cli", "config"},
	// The store knows events, not how they travel.
	"store": {"bus", "sensor", "web", "app", "cli"},
	// The web server reads stores; it knows no sensor.
	"web": {"sensor", "bus", "app", "cli"},
	// The bus carries events; it knows nothing above it.
	"bus":    {"store", "sensor", "web", "app", "cli", "config"},
	"event":  {"bus", "store", "sensor", "web", "app", "cli", "config"},
	"schema": {""}, // a leaf: nothing of honeygate
	"audit":  {""}, // a leaf: the record and its store interface
	"signin": {""}, // a leaf: the dashboard session record and its store interface
	"certs":  {""}, // a leaf: the bus and the gateway both use it
	// Intel judges and matches; the bus, the stores and the API come to it
	// through its interfaces (Store, Adder, the bus handler in app).
	"intel": {"bus", "store", "web", "app", "cli", "config", "sensor"},
	// The gateway enforces; it publishes through event.Publisher and is
	// wired by app, so it reaches no adapter itself.
	"gateway": {"bus", "store", "web", "app", "cli", "config", "sensor"},
	// The client honeypot publishes through event.Publisher and keeps
	// through its own crawl.Store, like a sensor; detect only judges.
	"crawl":  {"bus", "store", "web", "app", "cli", "config", "sensor", "detect"},
	"detect": {"bus", "store", "web", "app", "cli", "config", "sensor"},
}

func TestLayers(t *testing.T) {
	root, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	err = filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || !d.IsDir() || strings.Contains(path, "testdata") {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		pkg, err := build.ImportDir(path, 0)
		if err != nil {
			return nil // no Go files
		}
		for layer, bans := range forbidden {
			if rel != layer && !strings.HasPrefix(rel, layer+"/") {
				continue
			}
			checked++
			for _, imp := range pkg.Imports {
				if !strings.HasPrefix(imp, module) {
					continue
				}
				dep := strings.TrimPrefix(imp, module)
				for _, ban := range bans {
					if ban == "" || dep == ban || strings.HasPrefix(dep, ban+"/") {
						t.Errorf("%s imports %s: the %s layer must not import %s", rel, dep, layer, map[bool]string{true: "anything of honeygate", false: ban}[ban == ""])
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 6 {
		t.Fatalf("checked only %d packages; has the layout moved?", checked)
	}
}

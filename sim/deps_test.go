package sim_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// forbidden are standard packages the simulation core must not use: they
// bring the network, the wall clock, the environment or randomness that no
// seed controls.
var forbidden = map[string]string{
	"net/http":    "HTTP belongs in web/",
	"time":        "the core has virtual time only; a wall clock breaks determinism",
	"math/rand":   "use the world's seeded math/rand/v2 generator",
	"crypto/rand": "not reproducible from a seed",
	"os":          "the core does no I/O",
	"os/exec":     "the core does no I/O",
	"syscall":     "the core does no I/O",
	"unsafe":      "not needed",
	"sync":        "the world is driven by one goroutine",
}

// allowedRand are the math/rand/v2 identifiers that do not touch the global
// generator.
var allowedRand = map[string]bool{"New": true, "NewPCG": true, "Rand": true, "PCG": true}

// parseDir parses the non-test Go files of a package directory.
func parseDir(t *testing.T, dir string) map[string]*ast.File {
	t.Helper()
	fset := token.NewFileSet()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]*ast.File{}
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, n), nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		files[n] = f
	}
	if len(files) == 0 {
		t.Fatalf("no Go files in %s", dir)
	}
	return files
}

func isStd(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}

// TestCoreImportsOnlyStandardLibrary enforces DESIGN.md: package sim uses
// the standard library only, and none of the parts that would break
// determinism.
func TestCoreImportsOnlyStandardLibrary(t *testing.T) {
	for name, f := range parseDir(t, ".") {
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if !isStd(path) {
				t.Errorf("%s imports %q: package sim may import only the standard library", name, path)
			}
			if why, bad := forbidden[path]; bad {
				t.Errorf("%s imports %q: %s", name, path, why)
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if id, ok := sel.X.(*ast.Ident); ok && id.Name == "rand" && !allowedRand[sel.Sel.Name] {
				t.Errorf("%s uses rand.%s: the global generator is not seeded by the world", name, sel.Sel.Name)
			}
			return true
		})
	}
}

// TestScenarioImports: the scenario and lesson packages may add the YAML
// parser and nothing else outside the standard library.
func TestScenarioImports(t *testing.T) {
	allowed := map[string]bool{
		"portville/sim": true, "portville/sim/scenario": true,
		"github.com/goccy/go-yaml": true, "github.com/goccy/go-yaml/ast": true, "github.com/goccy/go-yaml/parser": true,
	}
	for _, dir := range []string{"scenario", "lessons"} {
		for name, f := range parseDir(t, dir) {
			for _, imp := range f.Imports {
				path, _ := strconv.Unquote(imp.Path.Value)
				if !isStd(path) && !allowed[path] {
					t.Errorf("%s/%s imports %q: only the standard library, sim and the YAML parser are allowed", dir, name, path)
				}
				if path == "net/http" || path == "time" {
					t.Errorf("%s/%s imports %q: the simulation side has no network and no wall clock", dir, name, path)
				}
			}
		}
	}
}

// TestLabImports: the lab's interpreter runs in the WebAssembly module of
// the static build as on the server, so it takes the standard library,
// sim and sim/scenario (built without its YAML front end) and nothing
// that breaks determinism.
func TestLabImports(t *testing.T) {
	allowed := map[string]bool{"portville/sim": true, "portville/sim/scenario": true}
	for name, f := range parseDir(t, "lab") {
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if !isStd(path) && !allowed[path] {
				t.Errorf("lab/%s imports %q: only the standard library, sim and sim/scenario are allowed", name, path)
			}
			if why, bad := forbidden[path]; bad {
				t.Errorf("lab/%s imports %q: %s", name, path, why)
			}
			if path == "regexp" {
				t.Errorf("lab/%s imports regexp: it would grow the WebAssembly module by a tenth (sim/names.go)", name)
			}
		}
	}
}

// TestPcapImports: the capture writer is an adapter beside the simulator:
// it may use gopacket and the DNS message builder, and nothing of the
// simulation side imports it (it stays out of the WebAssembly module).
func TestPcapImports(t *testing.T) {
	allowed := map[string]bool{
		"portville/sim": true, "portville/sim/scenario": true, "golang.org/x/net/dns/dnsmessage": true,
		"github.com/gopacket/gopacket": true, "github.com/gopacket/gopacket/layers": true, "github.com/gopacket/gopacket/pcapgo": true,
	}
	for name, f := range parseDir(t, "pcap") {
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if !isStd(path) && !allowed[path] {
				t.Errorf("pcap/%s imports %q", name, path)
			}
		}
	}
	for _, dir := range []string{".", "scenario", "lessons", "lab", "timeline"} {
		for name, f := range parseDir(t, dir) {
			for _, imp := range f.Imports {
				if path, _ := strconv.Unquote(imp.Path.Value); path == "portville/sim/pcap" {
					t.Errorf("%s/%s imports the capture writer", dir, name)
				}
			}
		}
	}
}

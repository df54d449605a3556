package staticbuild

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"portville/sim"
	"portville/sim/lang/catalogues"
	"portville/sim/lessons"
	"portville/sim/pcap"
	"portville/sim/scenario"
	"portville/sim/timeline"
	"portville/static"
)

// maxWasmGzipBytes is the bound on the module with the lab and the
// languages (portville-lab.wasm), gzipped: issue 10's target of 1.3 MB
// grew to 1.31 MB (issue 39). Issue 33's lab cost 73 KB and took the
// module to 1.375 MB; sim/smalljson in place of encoding/json brought it
// back to 1.288 MB, and the lab's DNS tools and OS terminals filled it
// again. docs/benchmarks.md reports the figures.
const maxWasmGzipBytes = 1_310_000

// maxLessonWasmGzipBytes is the bound on the lessons' module
// (portville.wasm: every page but the lab's, the embeds of a course page
// among them), which leaves the lab out: 1.05 MB when it was split off,
// with room for the playback engine that issue 39 moves into it.
const maxLessonWasmGzipBytes = 1_100_000

// goList returns the packages the module's build depends on, with extra
// environment and flags.
func goList(t *testing.T, env []string, args ...string) []string {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list", "-deps"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("go list: %v\n%s", err, stderr)
	}
	return strings.Fields(string(out))
}

// TestWasmImports: the WebAssembly modules, built as Export builds them,
// link no YAML parser (the lessons come parsed), no encoding/json (a
// tenth of it; sim/smalljson does the module's JSON), no regexp (a tenth of
// the module), nothing of the server, not the lessons' YAML, and not the
// capture writer (sim/pcap and gopacket: the folder has the lessons'
// captures as files instead).
func TestWasmImports(t *testing.T) {
	t.Parallel()
	deps := goList(t, WasmEnv, "-tags", WasmTags, WasmPackage)
	for _, p := range []string{"portville/sim", "portville/sim/scenario", "portville/sim/timeline", "syscall/js"} {
		if !slices.Contains(deps, p) {
			t.Errorf("the module does not depend on %s; is this the right build? %v", p, deps)
		}
	}
	for _, p := range deps {
		for _, bad := range []string{"github.com/goccy/go-yaml", "regexp", "encoding/json", "net/http", "portville/web", "portville/sim/lessons", "portville/sim/pcap", "github.com/gopacket/gopacket"} {
			// The protocol's names (web/wire) are the one part of the
			// server the module shares.
			if (p == bad || strings.HasPrefix(p, bad+"/")) && p != "portville/web/wire" {
				t.Errorf("the WebAssembly module depends on %s", p)
			}
		}
	}
	// The lessons' module has no lab; the lab's has.
	lessonDeps := goList(t, WasmEnv, "-tags", LessonWasmTags, WasmPackage)
	if slices.Contains(lessonDeps, "portville/sim/lab") || !slices.Contains(deps, "portville/sim/lab") || !slices.Contains(lessonDeps, "portville/sim/timeline") {
		t.Errorf("portville/sim/lab: in the lessons' module %v, in the lab's %v; want only the lab's",
			slices.Contains(lessonDeps, "portville/sim/lab"), slices.Contains(deps, "portville/sim/lab"))
	}
	// Without the tag, sim/scenario has its YAML front end: the tag is
	// what keeps the parser out.
	if deps := goList(t, WasmEnv, "portville/sim/scenario"); !slices.Contains(deps, "github.com/goccy/go-yaml") {
		t.Errorf("sim/scenario without the tag portville_noyaml does not use the YAML parser: the test above proves nothing")
	}
}

// TestWasmSize: each module meets its size target, gzipped as a server
// sends it.
func TestWasmSize(t *testing.T) {
	b := wasmBuild(t)
	for _, m := range []struct {
		name  string
		wasm  []byte
		bound int
	}{{"portville.wasm", b.Wasm, maxLessonWasmGzipBytes}, {"portville-lab.wasm", b.LabWasm, maxWasmGzipBytes}} {
		var best bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&best, gzip.BestCompression)
		zw.Write(m.wasm)
		zw.Close()
		gz := gzipSize(m.wasm)
		t.Logf("%s: %d bytes, %d gzipped (default level), %d gzipped (best), %s", m.name, len(m.wasm), gz, best.Len(), b.GoVersion)
		if gz >= m.bound {
			t.Errorf("%s is %d bytes gzipped; the target is under %d", m.name, gz, m.bound)
		}
	}
}

// TestExportFolder: the folder has every page, the front end as it is,
// the module with Go's loader and licence, and the lessons; every URL in
// the pages is relative.
func TestExportFolder(t *testing.T) {
	b := wasmBuild(t)
	dir := filepath.Join(t.TempDir(), "site")
	res, err := Export(context.Background(), dir, Options{Prebuilt: b})
	if err != nil {
		t.Fatal(err)
	}
	if res.Lessons != len(lessons.IDs) || res.WasmBytes != len(b.Wasm) || res.WasmGzip != gzipSize(b.Wasm) ||
		res.LabWasmBytes != len(b.LabWasm) || res.LabWasmGzip != gzipSize(b.LabWasm) || res.GoVersion != b.GoVersion {
		t.Errorf("result %+v", res)
	}
	read := func(p string) []byte {
		t.Helper()
		data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(p)))
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	want := []string{".portville-static", "index.html", "pcap/index.json", "lab.html", "wasm/portville.wasm", "wasm/portville-lab.wasm", "wasm/wasm_exec.js", "wasm/lessons.json", "wasm/LICENSE-go.txt"}
	all, err := lessons.All()
	if err != nil {
		t.Fatal(err)
	}
	// Every language has the pages; the others a folder of their own and
	// a catalogue for the module (its narration, words and texts).
	for _, code := range catalogues.Codes {
		dir := ""
		if code != "en" {
			dir = code + "/"
			want = append(want, dir+"index.html", dir+"lab.html", "wasm/lang/"+code+".json")
			var got sim.Language
			if err := json.Unmarshal(read("wasm/lang/"+code+".json"), &got); err != nil {
				t.Fatalf("wasm/lang/%s.json: %v", code, err)
			}
			if c := catalogues.Get(code).Sim(); !reflect.DeepEqual(&got, c) {
				t.Errorf("wasm/lang/%s.json is not the catalogue's language", code)
			}
		}
		for _, l := range all {
			want = append(want, dir+"lesson/"+l.ID+".html", dir+"embed/"+l.ID+".html")
		}
	}
	for _, l := range all {
		for _, p := range sim.Profiles {
			want = append(want, fmt.Sprintf("pcap/%s-%s-seed%d.pcap", l.ID, p.Name, l.Scenario.SeedFor(scenario.Options{})))
		}
	}
	fs.WalkDir(static.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			want = append(want, "static/"+p)
			data, _ := fs.ReadFile(static.FS, p)
			if !bytes.Equal(read("static/"+p), data) {
				t.Errorf("static/%s differs from the front end", p)
			}
		}
		return err
	})
	var have []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			have = append(have, filepath.ToSlash(rel))
		}
		return err
	})
	slices.Sort(want)
	slices.Sort(have)
	if !slices.Equal(have, want) {
		t.Errorf("files\n got %v\nwant %v", have, want)
	}
	if !bytes.Equal(read("wasm/portville.wasm"), b.Wasm) || !bytes.Equal(read("wasm/portville-lab.wasm"), b.LabWasm) {
		t.Errorf("portville.wasm or portville-lab.wasm is not its module")
	}
	if html := string(read("lab.html")); !strings.Contains(html, `data-wasm="wasm/portville-lab.wasm"`) {
		t.Errorf("lab.html does not load the lab's module")
	}
	if execJS := string(read("wasm/wasm_exec.js")); !strings.Contains(execJS, "Copyright 2018 The Go Authors") || !strings.Contains(execJS, "globalThis.Go = class") ||
		!strings.HasPrefix(execJS, "// wasm_exec.js of "+b.GoVersion+",") {
		t.Errorf("wasm_exec.js lost Go's licence header, its code or where it came from")
	}
	if lic := string(read("wasm/LICENSE-go.txt")); !strings.Contains(lic, "Copyright 2009 The Go Authors") {
		t.Errorf("LICENSE-go.txt is not Go's licence: %.100s", lic)
	}
	var pcapBytes int
	for _, l := range all {
		for _, p := range sim.Profiles {
			name := fmt.Sprintf("pcap/%s-%s-seed%d.pcap", l.ID, p.Name, l.Scenario.SeedFor(scenario.Options{}))
			var want bytes.Buffer
			if err := pcap.Capture(&want, l.Scenario, scenario.Options{OS: p.Name}, 0); err != nil {
				t.Fatal(err)
			}
			got := read(name)
			pcapBytes += len(got)
			if !bytes.Equal(got, want.Bytes()) {
				t.Errorf("%s is not the lesson's capture on %s", name, p.Name)
			}
		}
	}
	t.Logf("pcap/: %d bytes", pcapBytes)
	ls, err := timeline.DecodeLessons(read("wasm/lessons.json"))
	if err != nil || len(ls) != len(lessons.IDs) {
		t.Errorf("lessons.json: %d lessons, %v", len(ls), err)
	}

	// Every URL is relative and names a file of the folder.
	urlRE := regexp.MustCompile(`(?:href|src|data-wasm)="([^"]*)"`)
	for _, page := range have {
		if !strings.HasSuffix(page, ".html") {
			continue
		}
		html := string(read(page))
		if !strings.Contains(html, `<meta http-equiv="Content-Security-Policy" content="`+csp+`">`) {
			t.Errorf("%s has no Content-Security-Policy", page)
		}
		for _, m := range urlRE.FindAllStringSubmatch(html, -1) {
			u := m[1]
			if u == "data:," {
				continue
			}
			if strings.HasPrefix(u, "/") || strings.Contains(u, "://") {
				t.Errorf("%s: URL %q is not relative", page, u)
				continue
			}
			file, _, _ := strings.Cut(u, "?") // lab.html?lesson=ID names lab.html
			target := filepath.Join(filepath.Dir(filepath.Join(dir, page)), filepath.FromSlash(file))
			if _, err := os.Stat(target); err != nil {
				t.Errorf("%s: URL %q names no file of the folder", page, u)
			}
		}
	}
	for _, id := range lessons.IDs {
		for _, mode := range []string{"lesson", "embed"} {
			html := string(read(mode + "/" + id + ".html"))
			wantMode := map[string]string{"lesson": "full", "embed": "embed"}[mode]
			if !strings.Contains(html, `<main id="app" data-lesson="`+id+`" data-mode="`+wantMode+`" data-transport="wasm" data-wasm="../wasm/portville.wasm">`) {
				t.Errorf("%s/%s.html: no #app for the wasm transport in mode %s", mode, id, wantMode)
			}
		}
	}
}

// TestExportReplaces: an earlier export is replaced whole; a folder
// export-static did not write is left alone.
func TestExportReplaces(t *testing.T) {
	b := wasmBuild(t)
	opt := Options{Prebuilt: b}
	dir := filepath.Join(t.TempDir(), "site")
	if _, err := Export(context.Background(), dir, opt); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(dir, "lesson", "removed-lesson.html")
	if err := os.WriteFile(stale, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Export(context.Background(), dir, opt); err != nil {
		t.Fatalf("export over an earlier export: %v", err)
	}
	if _, err := os.Stat(stale); err == nil {
		t.Errorf("a page of the earlier export is still there")
	}
	fi, err := os.Stat(dir)
	if err != nil || fi.Mode().Perm() != 0o755 {
		t.Errorf("the folder's mode is %v (%v), want 0755 so any web server can read it", fi.Mode().Perm(), err)
	}

	other := t.TempDir()
	keep := filepath.Join(other, "notes.txt")
	if err := os.WriteFile(keep, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Export(context.Background(), other, opt)
	if err == nil || !strings.Contains(err.Error(), "was not written by export-static") {
		t.Errorf("export into a folder of other files: err = %v", err)
	}
	if data, err := os.ReadFile(keep); err != nil || string(data) != "mine" {
		t.Errorf("the other folder was changed: %q, %v", data, err)
	}
	if _, err := Export(context.Background(), "", opt); err == nil {
		t.Errorf("export with no directory: no error")
	}
}

// TestBuildWasmErrors: without a go command, or outside the module, the
// error says what export-static needs.
func TestBuildWasmErrors(t *testing.T) {
	t.Parallel()
	_, err := BuildWasm(context.Background(), filepath.Join(t.TempDir(), "no-go"), "")
	if err == nil || !strings.Contains(err.Error(), "with the Go toolchain") {
		t.Errorf("no go command: err = %v", err)
	}
	_, err = BuildWasm(context.Background(), "", t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "run it in a checkout of Portville") {
		t.Errorf("outside the module: err = %v", err)
	}
}

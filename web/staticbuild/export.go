// Package staticbuild writes Portville as a folder of plain files that
// any static file server can serve (portville export-static DIR, make
// static): the front end of static/, one page per lesson, and the
// simulator compiled to WebAssembly (cmd/portville-wasm), which
// static/js/wasm.js runs behind the session protocol of docs/protocol.md.
// No Portville server is involved: every URL in the folder is relative,
// so it works from any path on any host, and in an iframe on another
// site.
//
// The WebAssembly module is built from the source when the folder is
// written, with the Go toolchain (go build, offline). It is not embedded
// in the portville binary: it is 4 MB that the server never uses, and
// embedding it would make building the binary a two-step affair (the
// module first, then the binary that embeds it) instead of go build.
// So export-static needs Go and a checkout of the repository, as make
// static has; the folder it writes then needs nothing.
package staticbuild

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"sync"

	"portville/sim"
	"portville/sim/lang/catalogues"
	"portville/sim/lessons"
	"portville/sim/pcap"
	"portville/sim/scenario"
	"portville/sim/timeline"
	"portville/static"
)

// The folder's layout. Pages find the rest by relative URLs.
const (
	indexFile    = "index.html"
	labFile      = "lab.html" // the lab; lab.html?lesson=ID on a lesson's town
	lessonDir    = "lesson"   // lesson/{id}.html, the full view
	embedDir     = "embed"    // embed/{id}.html, minimal chrome for iframes
	staticDir    = "static"   // static/js, static/css: the front end as it is
	wasmDir      = "wasm"
	wasmFile     = "portville.wasm"     // the lessons' module: every page but the lab's
	labWasmFile  = "portville-lab.wasm" // the module with the lab, for lab.html
	wasmExecFile = "wasm_exec.js"       // Go's loader; wasm.js finds it next to the module
	lessonsFile  = "lessons.json"       // the lessons, parsed; wasm.js finds it next to the module
	langDir      = "lang"               // wasm/lang/{code}.json: a language's catalogue, for its pages' module
	pcapDir      = "pcap"               // pcap/{id}-{os}-seed{N}.pcap: each lesson's capture at its own seed, on each OS
	pcapIndex    = "index.json"         // pcap/index.json: the names of those files
	goLicense    = "LICENSE-go.txt"
	// markerFile says a folder was written by Export, which may then
	// replace it; Export refuses to replace any other folder.
	markerFile = ".portville-static"
)

// WasmPackage is the import path of the WebAssembly simulator.
const WasmPackage = "portville/cmd/portville-wasm"

// WasmTags are the lab's module's build tags: portville_noyaml leaves the
// YAML front end of sim/scenario out (the lessons come parsed).
// LessonWasmTags are the lessons' module's: portville_nolab also leaves
// the lab (sim/lab) out, which is a fifth of the module; the lesson and
// embed pages, which a course page may hold several of, load that one.
const (
	WasmTags       = "portville_noyaml"
	LessonWasmTags = "portville_noyaml portville_nolab"
)

// WasmBuildArgs are the go build arguments of the lab's module, after "go
// build": its tags, and no file paths or symbol tables, to keep it small.
// The lessons' module is built the same way with LessonWasmTags.
// -gcflags=all=-l turns inlining off: the module is about 130 KB smaller
// gzipped (1.27 MB with the lab instead of 1.41 MB), which a school's
// network feels on every first load, and a lesson's timeline takes about
// 2.4 ms instead of 1.7 ms to build, which nobody does (docs/benchmarks.md,
// "WebAssembly module").
var WasmBuildArgs = []string{"-tags", WasmTags, "-trimpath", "-gcflags=all=-l", "-ldflags=-s -w"}

// WasmEnv is what the build adds to the environment: the WebAssembly
// target, and no network (the module needs no module outside this one).
var WasmEnv = []string{"GOOS=js", "GOARCH=wasm", "GOPROXY=off"}

// Bounds on what Export reads.
const (
	maxWasmBytes     = 32 << 20 // the module; it is about 4 MB
	maxWasmExecBytes = 1 << 20  // Go's wasm_exec.js; about 17 KB
	maxBuildLogBytes = 8 << 10  // the go command's output kept for an error message
)

// Options tune Export.
type Options struct {
	// Go is the go command; "" means "go" on the PATH.
	Go string
	// Dir is where the go command runs; it must be inside the Portville
	// module. "" means the current directory.
	Dir string
	// Prebuilt, when set, is the module to use, from BuildWasm: Export
	// then runs no go command. Tests build once.
	Prebuilt *Build
}

// Result describes a folder Export wrote.
type Result struct {
	Dir          string
	Lessons      int
	WasmBytes    int // portville.wasm, the lessons' module
	WasmGzip     int // the same, gzipped (default level), as a server would send it
	LabWasmBytes int // portville-lab.wasm, the lab's module
	LabWasmGzip  int
	GoVersion    string
}

// Export writes the static build into dir. dir must not exist, be empty,
// or hold an earlier export, which is replaced whole (so a lesson removed
// since leaves no page behind). Nothing is changed if the build fails.
func Export(ctx context.Context, dir string, opt Options) (*Result, error) {
	if dir == "" {
		return nil, errors.New("export-static: no directory given")
	}
	if err := checkTarget(dir); err != nil {
		return nil, err
	}
	b := opt.Prebuilt
	if b == nil {
		var err error
		if b, err = BuildWasm(ctx, opt.Go, opt.Dir); err != nil {
			return nil, err
		}
	}
	if len(b.Wasm) == 0 || len(b.LabWasm) == 0 || len(b.WasmExec) == 0 || len(b.License) == 0 {
		return nil, errors.New("export-static: the build lacks a module, wasm_exec.js or Go's licence")
	}
	all, err := lessons.All()
	if err != nil {
		return nil, fmt.Errorf("export-static: %w", err)
	}
	files, err := siteFiles(all, b)
	if err != nil {
		return nil, err
	}
	if err := writeFolder(dir, files); err != nil {
		return nil, err
	}
	return &Result{Dir: dir, Lessons: len(all), WasmBytes: len(b.Wasm), WasmGzip: gzipSize(b.Wasm),
		LabWasmBytes: len(b.LabWasm), LabWasmGzip: gzipSize(b.LabWasm), GoVersion: b.GoVersion}, nil
}

// checkTarget refuses to replace a folder Export did not write.
func checkTarget(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("export-static: %w", err)
	case len(entries) == 0:
		return nil
	}
	if _, err := os.Stat(filepath.Join(dir, markerFile)); err == nil {
		return nil
	}
	return fmt.Errorf("export-static: %s is not empty and was not written by export-static; name a new directory or empty this one", dir)
}

// Build is the WebAssembly modules and what goes with them.
type Build struct {
	Wasm      []byte // the lessons' module
	LabWasm   []byte // the module with the lab
	WasmExec  []byte // wasm_exec.js of the same Go release, with a line saying where it came from
	License   []byte // Go's LICENSE, which wasm_exec.js and the module's runtime are under
	GoVersion string
}

// BuildWasm builds cmd/portville-wasm twice, the lessons' module and the
// lab's, with the go command goCmd ("" for "go") run in dir ("" for the
// current directory, which must be inside the Portville module), and
// reads wasm_exec.js from the same toolchain.
func BuildWasm(ctx context.Context, goCmd, dir string) (*Build, error) {
	if goCmd == "" {
		goCmd = "go"
	}
	hint := "export-static builds the WebAssembly simulator from the source with the Go toolchain: run it in a checkout of Portville, with Go 1.26 installed (make static does)"
	if _, err := exec.LookPath(goCmd); err != nil {
		return nil, fmt.Errorf("export-static: %s not found (%v); %s", goCmd, err, hint)
	}
	envOut, err := goOutput(ctx, goCmd, dir, nil, "env", "GOROOT", "GOVERSION")
	if err != nil {
		return nil, fmt.Errorf("export-static: go env: %w", err)
	}
	lines := strings.Split(strings.TrimSpace(envOut), "\n")
	if len(lines) != 2 {
		return nil, fmt.Errorf("export-static: go env printed %q", envOut)
	}
	goroot, version := strings.TrimSpace(lines[0]), strings.TrimSpace(lines[1])
	tmp, err := os.MkdirTemp("", "portville-wasm-")
	if err != nil {
		return nil, fmt.Errorf("export-static: %w", err)
	}
	defer os.RemoveAll(tmp)
	b := &Build{GoVersion: version}
	// The two builds run side by side: each is most of a core for a few
	// seconds.
	var wg sync.WaitGroup
	var errs [2]error
	for i, m := range []struct {
		file, tags string
		into       *[]byte
	}{{wasmFile, LessonWasmTags, &b.Wasm}, {labWasmFile, WasmTags, &b.LabWasm}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out := filepath.Join(tmp, m.file)
			args := append([]string{"build"}, WasmBuildArgs...)
			args[2] = m.tags // after "build", "-tags"
			args = append(args, "-o", out, WasmPackage)
			if _, err := goOutput(ctx, goCmd, dir, WasmEnv, args...); err != nil {
				errs[i] = fmt.Errorf("export-static: build the WebAssembly module %s: %w\n%s", m.file, err, hint)
				return
			}
			data, err := readLimited(out, maxWasmBytes)
			if err != nil {
				errs[i] = fmt.Errorf("export-static: %w", err)
			}
			*m.into = data
		}()
	}
	wg.Wait()
	if err := errors.Join(errs[:]...); err != nil {
		return nil, err
	}
	execJS, err := readLimited(filepath.Join(goroot, "lib", "wasm", wasmExecFile), maxWasmExecBytes)
	if err != nil {
		return nil, fmt.Errorf("export-static: Go's %s: %w", wasmExecFile, err)
	}
	b.WasmExec = append([]byte(fmt.Sprintf(
		"// %s of %s, from $GOROOT/lib/wasm, unchanged below this line. The LICENSE\n// it names is %s, next to this file.\n",
		wasmExecFile, version, goLicense)), execJS...)
	if b.License, err = readLimited(filepath.Join(goroot, "LICENSE"), maxWasmExecBytes); err != nil {
		return nil, fmt.Errorf("export-static: Go's LICENSE: %w", err)
	}
	return b, nil
}

// goOutput runs the go command and returns its standard output; the
// error carries the end of what it printed.
func goOutput(ctx context.Context, goCmd, dir string, env []string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, goCmd, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if len(msg) > maxBuildLogBytes {
			msg = "..." + msg[len(msg)-maxBuildLogBytes:]
		}
		return "", fmt.Errorf("go %s: %w: %s", args[0], err, msg)
	}
	return stdout.String(), nil
}

func readLimited(name string, limit int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s is larger than %d bytes", name, limit)
	}
	return data, nil
}

// siteFiles returns every file of the folder, by slash-separated path.
func siteFiles(all []*lessons.Lesson, b *Build) (map[string][]byte, error) {
	files := map[string][]byte{
		markerFile:                       []byte("Written by portville export-static, which may replace this folder.\n"),
		path.Join(wasmDir, wasmFile):     b.Wasm,
		path.Join(wasmDir, labWasmFile):  b.LabWasm,
		path.Join(wasmDir, wasmExecFile): b.WasmExec,
		path.Join(wasmDir, goLicense):    b.License,
	}
	parsed := make([]timeline.Lesson, len(all))
	for i, l := range all {
		parsed[i] = timeline.Lesson{ID: l.ID, Scenario: l.Scenario}
	}
	data, err := timeline.EncodeLessons(parsed)
	if err != nil {
		return nil, fmt.Errorf("export-static: %w", err)
	}
	files[path.Join(wasmDir, lessonsFile)] = data
	// Each language's narration, words and texts (sim.Language's JSON),
	// for the module of that language's pages: wasm.js loads only its own
	// page's, and the pages carry their ui table themselves.
	for _, code := range catalogues.Codes[1:] {
		raw, err := json.Marshal(catalogues.Get(code).Sim())
		if err != nil {
			return nil, fmt.Errorf("export-static: the %s catalogue: %w", code, err)
		}
		files[path.Join(wasmDir, langDir, code+".json")] = raw
	}
	if err := captures(all, files); err != nil {
		return nil, fmt.Errorf("export-static: %w", err)
	}
	err = fs.WalkDir(static.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(static.FS, p)
		files[path.Join(staticDir, p)] = data
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("export-static: front end: %w", err)
	}
	pages, err := renderPages(all)
	if err != nil {
		return nil, fmt.Errorf("export-static: %w", err)
	}
	for p, b := range pages {
		files[p] = b
	}
	return files, nil
}

// captures adds the capture for Wireshark of every lesson at its own seed,
// on each OS (capture.js offers them; other seeds and labs need the
// server, which writes any capture on demand).
// pcap/index.json lists them, so that the view knows which it has
// without asking for one that is not there.
func captures(all []*lessons.Lesson, files map[string][]byte) error {
	names := []string{}
	for _, l := range all {
		for _, p := range sim.Profiles {
			var buf bytes.Buffer
			opt := scenario.Options{OS: p.Name}
			if err := pcap.Capture(&buf, l.Scenario, opt, 0); err != nil {
				return fmt.Errorf("capture of %s on %s: %w", l.ID, p.Name, err)
			}
			name := fmt.Sprintf("%s-%s-seed%d.pcap", l.ID, p.Name, l.Scenario.SeedFor(opt))
			files[path.Join(pcapDir, name)] = buf.Bytes()
			names = append(names, name)
		}
	}
	index, err := json.Marshal(names)
	if err != nil {
		return err
	}
	files[path.Join(pcapDir, pcapIndex)] = index
	return nil
}

// writeFolder writes files into a new folder beside dir, then puts it in
// dir's place, so a failure leaves dir as it was.
func writeFolder(dir string, files map[string][]byte) error {
	parent := filepath.Dir(filepath.Clean(dir))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fmt.Errorf("export-static: %w", err)
	}
	tmp, err := os.MkdirTemp(parent, ".portville-static-*")
	if err != nil {
		return fmt.Errorf("export-static: %w", err)
	}
	defer os.RemoveAll(tmp) // gone once renamed
	for p, data := range files {
		name := filepath.Join(tmp, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			return fmt.Errorf("export-static: %w", err)
		}
		if err := os.WriteFile(name, data, 0o644); err != nil {
			return fmt.Errorf("export-static: %w", err)
		}
	}
	// MkdirTemp makes the folder private; a web server may run as
	// another user.
	if err := os.Chmod(tmp, 0o755); err != nil {
		return fmt.Errorf("export-static: %w", err)
	}
	if err := checkTarget(dir); err != nil {
		return err
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("export-static: replace %s: %w", dir, err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		return fmt.Errorf("export-static: %w", err)
	}
	return nil
}

// gzipSize returns the size of data gzipped at the default level, as a
// static server compresses it.
func gzipSize(data []byte) int {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(data)
	zw.Close()
	return buf.Len()
}

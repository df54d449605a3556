package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"portville/sim/lessons"
)

// TestExportStatic: export-static writes the static build (its contents
// are web/staticbuild's tests) and says where and how big; bad arguments
// are usage errors.
func TestExportStatic(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "site")
	stdout, stderr, err := runCLI(t, "export-static", dir)
	if err != nil || stderr != "" {
		t.Fatalf("export-static: err=%v stderr=%q", err, stderr)
	}
	if !strings.HasPrefix(stdout, fmt.Sprintf("wrote %s: %d lessons; portville.wasm ", dir, len(lessons.IDs))) || !strings.Contains(stdout, "python3 -m http.server -d "+dir) {
		t.Errorf("export-static printed %q", stdout)
	}
	for _, f := range []string{"index.html", "lesson/sockets.html", "embed/sockets.html", "wasm/portville.wasm", "wasm/wasm_exec.js", "wasm/lessons.json", "static/js/wasm.js"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("export-static wrote no %s: %v", f, err)
		}
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no directory", []string{"export-static"}, "export-static needs one directory, found 0 arguments"},
		{"two directories", []string{"export-static", "a", "b"}, "export-static needs one directory, found 2 arguments"},
		{"unknown flag", []string{"export-static", "--wasm", "x", dir}, "flag provided but not defined: -wasm"},
	}
	for _, tt := range tests {
		_, _, err := runCLI(t, tt.args...)
		if !isUsage(err) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want a usage error saying %q", tt.name, err, tt.want)
		}
	}
	if stdout, _, err := runCLI(t, "help"); err != nil || !strings.Contains(stdout, "portville export-static DIR") {
		t.Errorf("help does not list export-static: %q, %v", stdout, err)
	}
}

package staticbuild

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"portville/web/internal/browsertest"
)

// TestMain runs the tests with one shared browser, and removes the
// shared static folder afterwards.
func TestMain(m *testing.M) {
	code := browsertest.Main(m)
	if shared.dir != "" {
		os.RemoveAll(shared.dir)
	}
	os.Exit(code)
}

// wasmBuildTimeout bounds the go build of the module (a cold build cache
// takes most of it).
const wasmBuildTimeout = 3 * time.Minute

// shared is the module and a folder exported with it, built once per test
// binary: the go build is the slow part.
var shared struct {
	buildOnce sync.Once
	build     *Build
	buildErr  error

	siteOnce sync.Once
	dir      string
	siteErr  error
}

// wasmBuild returns the module, built with BuildWasm.
func wasmBuild(t testing.TB) *Build {
	t.Helper()
	shared.buildOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), wasmBuildTimeout)
		defer cancel()
		shared.build, shared.buildErr = BuildWasm(ctx, "", "")
	})
	if shared.buildErr != nil {
		t.Fatalf("build the WebAssembly module: %v", shared.buildErr)
	}
	return shared.build
}

// siteDir returns a folder written by Export with the shared module.
func siteDir(t testing.TB) string {
	t.Helper()
	b := wasmBuild(t)
	shared.siteOnce.Do(func() {
		parent, err := os.MkdirTemp("", "portville-static-test-")
		if err != nil {
			shared.siteErr = err
			return
		}
		shared.dir = parent
		_, shared.siteErr = Export(context.Background(), parent+"/site", Options{Prebuilt: b})
	})
	if shared.siteErr != nil {
		t.Fatalf("export: %v", shared.siteErr)
	}
	return shared.dir + "/site"
}

// serveDir serves dir with a plain file server on 127.0.0.1: no
// Portville route, as any static host would.
func serveDir(t testing.TB, dir string) string {
	t.Helper()
	srv := httptest.NewServer(http.FileServer(http.Dir(dir)))
	t.Cleanup(srv.Close)
	return srv.URL
}

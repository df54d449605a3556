package main

import (
	"context"
	"fmt"
	"io"

	"portville/web/staticbuild"
)

// exportStatic writes the static build (web/staticbuild): the app as
// plain files that any static file server serves, with the simulator
// compiled to WebAssembly. It builds the module with the Go toolchain, so
// it runs in a checkout of the repository (make static); the folder it
// writes needs nothing.
func exportStatic(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("export-static", stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: portville export-static DIR\n\n"+
			"Writes Portville as static files into DIR (which must not exist, be empty, or hold an\n"+
			"earlier export): the lesson pages, the front end and the simulator compiled to\n"+
			"WebAssembly, built here with the Go toolchain. Serve DIR with any static file server.")
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("export-static needs one directory, found %d arguments (usage: portville export-static DIR)", fs.NArg())
	}
	res, err := staticbuild.Export(ctx, fs.Arg(0), staticbuild.Options{})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: %d lessons; portville.wasm %d bytes, %d gzipped; portville-lab.wasm %d bytes, %d gzipped (%s)\n",
		res.Dir, res.Lessons, res.WasmBytes, res.WasmGzip, res.LabWasmBytes, res.LabWasmGzip, res.GoVersion)
	fmt.Fprintf(stdout, "serve it with any static file server, for example: python3 -m http.server -d %s 8000\n", res.Dir)
	return nil
}

//go:build !(js && wasm && portville_noyaml)

package main

import (
	"fmt"
	"os"
)

// main explains how to build the module: it runs only in a browser, and
// only without the YAML parser.
func main() {
	fmt.Fprintln(os.Stderr, "portville-wasm is the simulator of the static build, for a browser: "+
		"build it with GOOS=js GOARCH=wasm go build -tags portville_noyaml ./cmd/portville-wasm, "+
		"or run make static (portville export-static DIR)")
	os.Exit(2)
}

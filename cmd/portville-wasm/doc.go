// Command portville-wasm is the simulator of Portville's static build
// (portville export-static, make static), compiled to WebAssembly:
//
//	GOOS=js GOARCH=wasm go build -tags portville_noyaml -trimpath -ldflags="-s -w" ./cmd/portville-wasm
//
// static/js/wasm.js loads it with Go's wasm_exec.js, hands it the built-in
// lessons already parsed (lessons.json, written by export-static with
// sim/timeline.EncodeLessons) and runs the session protocol of
// docs/protocol.md in the page over it. The tag portville_noyaml leaves
// the YAML front end of sim/scenario out, so the module does not link the
// YAML parser (a test enforces it); the lessons need no parsing here.
//
// The module keeps no session state and runs only when JavaScript calls
// it, on the page's one thread: each call is a whole scenario run (a
// timeline) or a run up to one event (a snapshot). Built for any other
// platform, the command only says how to build it.
package main

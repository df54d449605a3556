//go:build portville_nolab

package main

// The lessons' module (built with portville_nolab) has no lab: the
// lesson and embed pages load it, and it is a fifth smaller than the
// lab's (docs/benchmarks.md, "WebAssembly module"). lab.html loads the
// module with the lab.

// labState is empty: there are no labs.
type labState struct{}

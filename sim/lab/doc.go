// Package lab is Portville's lab: a town a learner builds and types real
// commands into (DESIGN.md, "Wave 2: The lab"; docs/lab.md).
//
// A lab is a scenario being written live. Every line a learner types at a
// host's terminal is an Entry; the interpreter turns it into scenario
// steps (the vocabulary of docs/scenarios.md) and runs them on a
// scenario.Live, so the town's events come from the same engine as a
// lesson's, and the lab exported as a scenario file replays to the same
// events. What the terminal prints (curl's lines, ss's table, the port
// netcat got) is read from the world and the events those steps caused,
// never made up beside them.
//
// # Determinism
//
// A lab is its base town, its OS profile, its seed and its entries. The
// same four give the same steps, events and terminal output on every
// machine: Undo rebuilds the lab from its entries minus the last, and a
// shared lab is its script (docs/lab.md, "Scripts"). Virtual time moves
// only when a command makes it: packets on the street, sleep N. Between
// two commands the town stands still, so TIME_WAIT lasts until a sleep
// lets it pass.
//
// # Concurrency
//
// A Lab is not safe for concurrent use; one goroutine (a session's hub,
// the page in WebAssembly) owns it. What it returns (entries, events,
// Scenario's copy) is never changed afterwards.
//
// The package imports only the standard library, sim and sim/scenario
// (without its YAML front end), so it runs in the WebAssembly module of
// the static build as it does on the server.
package lab

package lab

import (
	"strings"

	"portville/sim"
	"portville/sim/scenario"
)

// run is one entry being carried out: the steps it writes, the events
// they cause, and what the terminals print.
type run struct {
	lab    *Lab
	in     Input
	term   string // the terminal output goes to: in.Host, or the one reacting
	entry  Entry
	events []sim.Event // every event caused so far, in order
	seen   int         // events already looked at by react
	said   bool        // the entry's first step carried its narration
	// The command running now: its arguments after expansion, its
	// words as typed (for jobs and ps -f), whether it was started with
	// &, and where its output goes when a pipe takes it.
	argv    []string
	cmdText string
	bg      bool
	capture *strings.Builder
	jobbed  bool // the command put a process in the background
}

// step writes one scenario step and runs it. The entry's first step
// carries the narration: the typed line in technical terms, and what it
// means in the town.
func (r *run) step(st scenario.Step) error {
	if len(r.lab.sc.Steps) >= scenario.MaxSteps {
		return &InputError{Msg: "lab: this lab has written " + itoa(scenario.MaxSteps) + " steps, the most a scenario holds; save it as a scenario or undo something"}
	}
	if !r.said {
		r.said = true
		st.Say, st.Analogy = r.narration()
	}
	r.entry.Steps++
	err := r.lab.live.Do(st)
	r.take()
	return err
}

// take moves the events the engine has emitted into the run.
func (r *run) take() {
	k := r.lab.sink
	if len(k.pending) > 0 {
		r.events = append(r.events, k.pending...)
		k.pending = k.pending[:0]
	}
}

// seq is the number of the last event so far: output printed now shows
// once the viewer has reached it.
func (r *run) seq() uint64 { return r.lab.live.World().Seq() }

// print adds output to a terminal, shown once the viewer reaches the
// current event.
func (r *run) print(host, text string) { r.printAt(host, text, r.seq()) }

// printAt adds output to a terminal, shown once the viewer reaches seq.
func (r *run) printAt(host, text string, seq uint64) {
	if text == "" {
		return
	}
	if r.capture != nil && host == r.in.Host {
		// A pipe takes what the command prints at its own terminal.
		r.capture.WriteString(text)
		return
	}
	out := r.entry.Out
	if n := len(out); n > 0 && out[n-1].Host == host && out[n-1].Seq == seq && !out[n-1].Clear {
		out[n-1].Text += text
		return
	}
	r.entry.Out = append(out, Chunk{Host: host, Text: text, Seq: seq})
}

// out prints to the terminal at work: the one the input was typed at, or
// one whose program is reacting to it.
func (r *run) out(text string) { r.print(r.term, text) }

// outln prints lines to the terminal the input was typed at.
func (r *run) outln(lines ...string) {
	for _, s := range lines {
		r.out(s + "\n")
	}
}

// status sets the entry's exit status (a program reacting in another
// terminal has no say in it).
func (r *run) status(code int) {
	if r.term == r.in.Host {
		r.entry.Status = code
	}
}

// eventsSince returns the events caused after the first n of the run.
func (r *run) eventsSince(n int) []sim.Event { return r.events[n:] }

// world returns the town.
func (r *run) world() *sim.World { return r.lab.live.World() }

// host returns the host the input was typed at.
func (r *run) host() *sim.Host { return r.world().Host(r.in.Host) }

// narration says what the entry does, in technical terms (the line as
// typed at its prompt) and in the town's terms.
func (r *run) narration() (text, analogy string) {
	in := r.in
	host := in.Host
	switch {
	case in.Key == KeyInterrupt:
		return host + ": Ctrl-C", "At " + host + ", someone presses Ctrl-C: the program in the foreground is told to stop."
	case in.Key == KeyEOF:
		return host + ": Ctrl-D", "At " + host + ", someone ends the input with Ctrl-D."
	case in.Key == KeyStop:
		return host + ": Ctrl-Z", "At " + host + ", someone presses Ctrl-Z: the program in the foreground is stopped and waits, keeping its apartment."
	}
	prompt := r.entry.Prompt
	if prompt == "" {
		prompt = host + " (typed into " + r.lab.Attached(host) + "): "
	}
	return prompt + in.Line, analogyOf(r)
}

// analogyOf tells what the typed line does in the apartment town.
func analogyOf(r *run) string {
	host := r.in.Host
	if t := r.lab.terms[host]; t != nil && t.fg != nil {
		return "At " + host + ", the " + t.fg.name() + " household posts what was typed: \"" + r.in.Line + "\"."
	}
	words := strings.Fields(r.in.Line)
	for len(words) > 0 && words[0] == "sudo" {
		words = words[1:]
	}
	if len(words) == 0 {
		return "At " + host + ", a command is typed."
	}
	switch cmd := words[0]; cmd {
	case "curl":
		return "At " + host + ", a curl household moves in for one errand: it writes to a web server's apartment and waits for the page."
	case "nc":
		if hasFlag(words, 'l') {
			return "At " + host + ", an nc household moves into an apartment and waits at the door for one visitor."
		}
		return "At " + host + ", an nc household moves in and knocks at another building's apartment; whatever is typed goes through its mail slot."
	case "ftp":
		return "At " + host + ", an ftp household moves in and knocks at apartment 21 of a file server."
	case "ps":
		return "At " + host + ", a ps household moves in just long enough to list every household in the building."
	case "kill":
		return "At " + host + ", the management tells a household to move out."
	case "sysctl", "netsh":
		return "The management of " + host + " changes which temporary apartment numbers it lends."
	case "sleep":
		return "Everyone in the town waits while the clock moves on."
	case "install", "apt", "apt-get", "uninstall":
		return "A blueprint arrives in, or leaves, " + host + "'s storage room."
	case "add-host":
		return "A new apartment complex is built on the street."
	}
	return "At " + host + ", a household moves in from the " + words[0] + " blueprint."
}

// hasFlag reports whether words hold a short option cluster with c
// (-l, -lu, -vl).
func hasFlag(words []string, c byte) bool {
	for _, w := range words[1:] {
		if len(w) > 1 && w[0] == '-' && w[1] != '-' && strings.IndexByte(w[1:], c) >= 0 {
			return true
		}
	}
	return false
}

// fail prints lines to the terminal and sets the entry's exit status: a
// command's error, its usage, or the lab's word.
func (r *run) fail(status int, lines ...string) {
	r.outln(lines...)
	r.status(status)
}

package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"portville/sim"
	"portville/sim/lab"
	"portville/sim/pcap"
)

// labCommand runs a lab script headless (docs/lab.md): the lines of
// stdin, "HOST$ COMMAND" each, typed into the lab's terminals. It prints
// the terminals' transcript (text) or the town's events (jsonl), and with
// --export writes the lab as a scenario file. A line without a prompt,
// or one the lab refuses (a host that does not exist), stops it with the
// line's number and exit status 2; what a command prints when it fails
// (bash: foo: command not found) is part of the transcript.
func labCommand(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("lab", stderr)
	lesson := fs.String("lesson", "", "start from a built-in lesson's town (see portville lessons)")
	file := fs.String("file", "", "start from the town of a scenario file (YAML)")
	seedStr := fs.String("seed", "", "seed for every random choice (default: the town's)")
	osName := fs.String("os", "", "OS profile for hosts that name none: linux, windows, macos, freebsd")
	format := fs.String("format", "text", "output format: text (the terminals), jsonl (the events) or pcap (the letters, for Wireshark)")
	outName := fs.String("o", "", "write to this file instead of standard output")
	export := fs.String("export", "", "also write the lab as a scenario file to this path")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: portville lab [--lesson ID | --file F] [--os OS] [--seed N] [--format text|jsonl|pcap] [-o FILE] [--export FILE] < SCRIPT\n\n"+
			"Runs the lines of SCRIPT, each \"HOST$ COMMAND\" as a terminal shows it, in the lab's town\n"+
			"(by default a laptop 10.0.0.10 and a web server 10.0.0.20 with nginx installed).")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("lab: unexpected argument %q (the script comes on standard input)", fs.Arg(0))
	}
	if err := checkFormat(*format); err != nil {
		return err
	}
	opt := lab.Options{}
	var err error
	if opt.OS, opt.Seed, opt.SeedSet, err = osSeed(*osName, *seedStr); err != nil {
		return err
	}
	base, baseID := lab.DefaultTown(), ""
	if *lesson != "" || *file != "" {
		sc, err := loadScenario(*lesson, *file)
		if err != nil {
			return err
		}
		base, baseID = sc, *lesson
	}
	if stdin == nil {
		stdin = os.Stdin
	}
	data, err := io.ReadAll(io.LimitReader(stdin, lab.MaxScriptBytes+1))
	if err != nil {
		return fmt.Errorf("lab: read the script: %w", err)
	}
	inputs, lines, scriptErr := lab.ParseScriptLines(string(data))
	var se *lab.ScriptError
	if scriptErr != nil && !errors.As(scriptErr, &se) {
		return usagef("lab: %v", scriptErr)
	}
	l, err := lab.New(base, baseID, opt)
	if err != nil {
		return usagef("lab: %v", err)
	}
	out, closeOut, err := output(*outName, *format, stdout)
	if err != nil {
		return err
	}
	defer closeOut()
	w := bufio.NewWriterSize(out, 64<<10)
	defer w.Flush()
	var capture *pcap.Writer
	if *format == "pcap" {
		if capture, err = pcap.NewWriter(w); err != nil {
			return writeError(*outName, err)
		}
	}
	var writeErr error
	writeEvents := func(events []sim.Event) {
		var buf []byte
		for i := range events {
			switch {
			case capture != nil && writeErr == nil:
				writeErr = capture.Event(&events[i])
			case *format == "jsonl":
				buf = append(events[i].AppendJSON(buf[:0]), '\n')
				w.Write(buf)
			}
		}
	}
	writeEvents(l.SetupEvents())
	for i, in := range inputs {
		e, events, err := l.Do(in)
		if err != nil {
			w.Flush()
			var ie *lab.InputError
			if errors.As(err, &ie) {
				return usagef("lab: line %d: %s", lines[i], strings.TrimPrefix(ie.Msg, "lab: "))
			}
			return err
		}
		writeEvents(events)
		if *format == "text" {
			w.WriteString(lab.FormatEntry(e))
		}
	}
	if scriptErr != nil {
		// The lines before a malformed one ran and are printed; the
		// malformed one is the error, with its number.
		w.Flush()
		return usagef("lab: %v", scriptErr)
	}
	if *export != "" {
		if err := os.WriteFile(*export, l.Export(), 0o644); err != nil {
			return fmt.Errorf("lab: --export: %w", err)
		}
	}
	if capture != nil {
		writeErr = errors.Join(writeErr, capture.Flush())
	}
	if err := errors.Join(writeErr, w.Flush()); err != nil {
		return writeError(*outName, err)
	}
	return closeOut()
}

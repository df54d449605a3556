package main

import (
	"fmt"
	"io"
	"os"

	"golang.org/x/term"
)

// formats are the output formats of run and lab.
var formats = map[string]bool{"text": true, "jsonl": true, "pcap": true}

// output opens where run and lab write: the file named by -o, or stdout.
// A pcap file is binary, and is never written to a terminal, where it
// would only garble the screen.
func output(name, format string, stdout io.Writer) (io.Writer, func() error, error) {
	if name != "" && name != "-" {
		f, err := os.Create(name)
		if err != nil {
			return nil, nil, usagef("-o: %v", err)
		}
		return f, f.Close, nil
	}
	if f, ok := stdout.(*os.File); ok && format == "pcap" && term.IsTerminal(int(f.Fd())) {
		return nil, nil, usagef("--format pcap writes a binary capture file: give -o FILE (or redirect the output to a file), then open it with Wireshark")
	}
	return stdout, func() error { return nil }, nil
}

// checkFormat checks the --format flag.
func checkFormat(format string) error {
	if !formats[format] {
		return usagef("--format %q: expected text, jsonl or pcap", format)
	}
	return nil
}

// writeError reports a failed write, naming the file.
func writeError(name string, err error) error {
	if name == "" || name == "-" {
		name = "standard output"
	}
	return fmt.Errorf("write %s: %w", name, err)
}

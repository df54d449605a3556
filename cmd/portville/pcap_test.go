package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopacket/gopacket/pcapgo"
)

// countFrames reads a pcap file and returns how many frames it has.
func countFrames(t *testing.T, data []byte) int {
	t.Helper()
	r, err := pcapgo.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("not a pcap file: %v", err)
	}
	n := 0
	for {
		if _, _, err := r.ReadPacketData(); errors.Is(err, io.EOF) {
			return n
		} else if err != nil {
			t.Fatal(err)
		}
		n++
	}
}

// TestRunPcap: run --format pcap writes a capture with a frame for every
// letter of the event stream, to -o or to standard output, the same bytes
// each time; bad flags are usage errors that write nothing.
func TestRunPcap(t *testing.T) {
	t.Parallel()
	jsonl, _, err := runCLI(t, "run", "--lesson", "ephemeral-ports", "--os", "macos", "--format", "jsonl")
	if err != nil {
		t.Fatal(err)
	}
	letters := strings.Count(jsonl, `"kind":"packet.send"`)
	file := filepath.Join(t.TempDir(), "e.pcap")
	if _, _, err := runCLI(t, "run", "--lesson", "ephemeral-ports", "--os", "macos", "--format", "pcap", "-o", file); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if n := countFrames(t, data); n != letters || n == 0 {
		t.Errorf("the capture has %d frames, the event stream %d letters", n, letters)
	}
	stdout, _, err := runCLI(t, "run", "--lesson", "ephemeral-ports", "--os", "macos", "--format", "pcap")
	if err != nil || stdout != string(data) {
		t.Errorf("to standard output: err %v, same bytes as -o: %v", err, stdout == string(data))
	}
	other, _, _ := runCLI(t, "run", "--lesson", "ephemeral-ports", "--os", "macos", "--seed", "8", "--format", "pcap")
	if other == stdout {
		t.Error("seed 8 wrote the same capture as the lesson's seed")
	}
	for _, args := range [][]string{
		{"run", "--lesson", "ephemeral-ports", "--format", "pcapng"},
		{"run", "--lesson", "nosuch", "--format", "pcap", "-o", filepath.Join(t.TempDir(), "x.pcap")},
		{"run", "--lesson", "ephemeral-ports", "--format", "pcap", "-o", filepath.Join(t.TempDir(), "no", "such", "dir.pcap")},
	} {
		out, _, err := runCLI(t, args...)
		if !isUsage(err) || out != "" {
			t.Errorf("%v: err %v, wrote %d bytes; want a usage error and nothing written", args, err, len(out))
		}
	}
}

// TestLabPcap: lab --format pcap captures the letters of the commands a
// script types.
func TestLabPcap(t *testing.T) {
	t.Parallel()
	script := "web$ nginx\nlaptop$ curl -s http://web/\nlaptop$ nc -v web 81\n"
	var out, errOut bytes.Buffer
	if err := run(t.Context(), []string{"lab", "--format", "pcap"}, strings.NewReader(script), &out, &errOut); err != nil {
		t.Fatalf("%v: %s", err, errOut.String())
	}
	var jsonl bytes.Buffer
	if err := run(t.Context(), []string{"lab", "--format", "jsonl"}, strings.NewReader(script), &jsonl, &errOut); err != nil {
		t.Fatal(err)
	}
	letters := strings.Count(jsonl.String(), `"kind":"packet.send"`)
	// A curl (handshake, request, answer, closing: 10 letters) and a
	// refused nc (SYN, RST).
	if n := countFrames(t, out.Bytes()); n != letters || n < 12 {
		t.Errorf("the lab's capture has %d frames, its events %d letters", n, letters)
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"portville/sim"
	"portville/sim/lessons"
)

// runCLI runs the command line in-process and returns what it printed.
func runCLI(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = run(context.Background(), args, strings.NewReader(""), &out, &errOut)
	return out.String(), errOut.String(), err
}

// writeFile writes a file in a fresh temporary directory and returns its
// path.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLessonsListsEveryLesson(t *testing.T) {
	t.Parallel()
	stdout, stderr, err := runCLI(t, "lessons")
	if err != nil || stderr != "" {
		t.Fatalf("lessons: err=%v stderr=%q", err, stderr)
	}
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	if len(lines) != len(lessons.IDs) {
		t.Fatalf("lessons printed %d lines, want %d:\n%s", len(lines), len(lessons.IDs), stdout)
	}
	for i, line := range lines {
		id, title, ok := strings.Cut(line, "\t")
		l, err := lessons.Get(lessons.IDs[i])
		if err != nil {
			t.Fatal(err)
		}
		if !ok || id != lessons.IDs[i] || title != l.Title() || title == "" {
			t.Errorf("line %d = %q, want %q", i+1, line, lessons.IDs[i]+"\t"+l.Title())
		}
	}
	if _, _, err := runCLI(t, "lessons", "extra"); !isUsage(err) {
		t.Errorf("lessons extra: err = %v, want a usage error", err)
	}
}

func isUsage(err error) bool {
	var ue *usageError
	return errors.As(err, &ue)
}

// TestRunJSONL: the same lesson and seed print the same bytes, another
// seed prints others, and every line is one event with contiguous seq.
func TestRunJSONL(t *testing.T) {
	t.Parallel()
	for _, id := range []string{"ephemeral-ports", "server-ephemeral-ports"} {
		a, _, err := runCLI(t, "run", "--lesson", id, "--format", "jsonl")
		if err != nil {
			t.Fatal(err)
		}
		b, _, err := runCLI(t, "run", "--lesson", id, "--format", "jsonl")
		if err != nil {
			t.Fatal(err)
		}
		if a != b {
			t.Errorf("%s: two runs printed different bytes", id)
		}
		c, _, err := runCLI(t, "run", "--lesson", id, "--format", "jsonl", "--seed", "12345")
		if err != nil {
			t.Fatal(err)
		}
		if a == c {
			t.Errorf("%s: --seed 12345 printed the same bytes as the lesson's own seed", id)
		}
		lines := strings.Split(strings.TrimSuffix(a, "\n"), "\n")
		for i, line := range lines {
			var e sim.Event
			if err := json.Unmarshal([]byte(line), &e); err != nil {
				t.Fatalf("%s line %d: %v", id, i+1, err)
			}
			if e.Seq != uint64(i+1) || e.Kind == "" || e.Text == "" || e.Analogy == "" {
				t.Fatalf("%s line %d: seq %d kind %q text %q analogy %q", id, i+1, e.Seq, e.Kind, e.Text, e.Analogy)
			}
		}
	}
}

func TestRunTextAndFile(t *testing.T) {
	t.Parallel()
	l, err := lessons.Get("sockets")
	if err != nil {
		t.Fatal(err)
	}
	path := writeFile(t, "sockets.yaml", string(l.Source))
	fromFile, _, err := runCLI(t, "run", "--file", path, "--os", "freebsd")
	if err != nil {
		t.Fatal(err)
	}
	builtIn, _, err := runCLI(t, "run", "--lesson", "sockets", "--os", "freebsd")
	if err != nil {
		t.Fatal(err)
	}
	if fromFile != builtIn {
		t.Error("the lesson run from its file and from the binary print different transcripts")
	}
	if !strings.HasPrefix(fromFile, "# Sockets (seed 5)\n") || !strings.Contains(fromFile, "(FreeBSD 14)") {
		t.Errorf("text transcript starts %q, want the title, seed 5 and the FreeBSD profile", fromFile[:min(len(fromFile), 200)])
	}
}

// TestRunBadInput: each mistake gets one line naming the problem, and a
// usage error (exit status 2).
func TestRunBadInput(t *testing.T) {
	t.Parallel()
	malformed := writeFile(t, "broken.yaml", "title: Ports: a lesson\nhosts: []\nsteps: []\n")
	missing := filepath.Join(t.TempDir(), "missing.yaml")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown lesson", []string{"run", "--lesson", "ports-101"},
			`unknown lesson "ports-101" (the lessons are: ` + strings.Join(lessons.IDs, ", ") + `)`},
		{"seed not a number", []string{"run", "--lesson", "sockets", "--seed", "abc"},
			`--seed "abc": expected a whole number from 0 to 18446744073709551615`},
		{"unknown OS", []string{"run", "--lesson", "sockets", "--os", "plan9"},
			`--os: unknown OS profile "plan9" (want linux, windows, macos or freebsd)`},
		{"unknown format", []string{"run", "--lesson", "sockets", "--format", "xml"},
			`--format "xml": expected text, jsonl or pcap`},
		{"lesson and file", []string{"run", "--lesson", "sockets", "--file", malformed},
			`give --lesson or --file, not both`},
		{"missing file", []string{"run", "--file", missing},
			"open " + missing + ": no such file or directory"},
		{"malformed file", []string{"run", "--file", malformed},
			malformed + `:1:8: YAML syntax: mapping value is not allowed in this context (a text that contains ": " must be put in quotes, such as say: "Note: ...")`},
		{"stray argument", []string{"run", "--lesson", "sockets", "now"},
			`run: unexpected argument "now"`},
		{"unknown flag", []string{"run", "--speed", "2"},
			`flag provided but not defined: -speed`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			stdout, _, err := runCLI(t, tt.args...)
			if !isUsage(err) {
				t.Fatalf("err = %v (%T), want a *usageError", err, err)
			}
			if err.Error() != tt.want {
				t.Errorf("err =\n%s\nwant\n%s", err, tt.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("the error takes several lines: %q", err)
			}
			if stdout != "" {
				t.Errorf("printed %q on stdout before failing", stdout)
			}
		})
	}
}

func TestCheckCommand(t *testing.T) {
	t.Parallel()
	l, err := lessons.Get("port-exhaustion")
	if err != nil {
		t.Fatal(err)
	}
	good := writeFile(t, "good.yaml", string(l.Source))
	bad := writeFile(t, "bad.yaml", "title: Test\nhosts:\n  - name: web\n    addr: 10.0.0.300\nsteps:\n  - start: nginx\n    on: web\n")

	stdout, stderr, err := runCLI(t, "check", good)
	if err != nil || stderr != "" {
		t.Fatalf("check good: err=%v stderr=%q", err, stderr)
	}
	if want := good + ": ok (3 hosts, 17 steps)\n"; stdout != want {
		t.Errorf("check good printed %q, want %q", stdout, want)
	}

	stdout, stderr, err = runCLI(t, "check", good, bad)
	if !isUsage(err) || err.Error() != "1 of 2 file(s) have problems" {
		t.Errorf("check good bad: err = %v, want the usage error \"1 of 2 file(s) have problems\"", err)
	}
	if want := good + ": ok (3 hosts, 17 steps)\n"; stdout != want {
		t.Errorf("stdout = %q, want %q", stdout, want)
	}
	want := bad + `:4:11: host web: addr: "10.0.0.300" is not an IPv4 address (expected four numbers 0-255 such as 10.0.0.2)` + "\n"
	if stderr != want {
		t.Errorf("stderr =\n%s\nwant\n%s", stderr, want)
	}

	if _, _, err := runCLI(t, "check"); !isUsage(err) || err.Error() != "check needs at least one scenario file" {
		t.Errorf("check with no files: err = %v", err)
	}
}

// TestCheckReportsRunProblems: check runs the scenario too, so a
// checkpoint the simulation contradicts is reported with its position.
func TestCheckReportsRunProblems(t *testing.T) {
	t.Parallel()
	bad := writeFile(t, "wrong.yaml", `title: Wrong answer
hosts:
  - name: a
    addr: 10.0.0.1
    programs: [{name: srv, server: {listen: tcp/80}}]
steps:
  - start: srv
    on: a
  - checkpoint:
      question: Does a second copy get port 80?
      choices: [{text: "yes", value: none}, {text: "no", value: EACCES}]
      measure: {errno: again}
  - start: srv
    on: a
    as: again
`)
	stdout, stderr, err := runCLI(t, "check", bad)
	if !isUsage(err) || err.Error() != "1 of 1 file(s) have problems" {
		t.Fatalf("err = %v, want the usage error \"1 of 1 file(s) have problems\"", err)
	}
	want := bad + `:9:5: checkpoint: the simulation gave "EADDRINUSE", which matches no choice (the choices cover: none, EACCES); add a choice for it or change the question` + "\n"
	if stdout != "" || stderr != want {
		t.Errorf("stdout = %q, stderr =\n%s\nwant\n%s", stdout, stderr, want)
	}
}

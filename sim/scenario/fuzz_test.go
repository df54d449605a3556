package scenario_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"portville/sim/scenario"
)

// brokenVariants are edits that turn a good scenario into a bad one in the
// ways authors do: half a file, a tab, an unquoted colon, anchors, a
// second document, a huge number.
var brokenVariants = []func(string) string{
	func(s string) string { return s[:len(s)/2] },
	func(s string) string { return strings.Replace(s, "  - ", "\t- ", 1) },
	func(s string) string { return strings.Replace(s, "say: ", "say: Note: ", 1) },
	func(s string) string { return strings.Replace(s, "hosts:", "hosts: &h", 1) + "\nextra: *h\n" },
	func(s string) string { return s + "\n---\ntitle: again\n" },
	func(s string) string { return strings.Replace(s, "addr: ", "addr: 999.", 1) },
	func(s string) string { return strings.Replace(s, "steps:", "steps: 99999999999999999999", 1) },
	func(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") },
	func(s string) string { return strings.Replace(s, "    ", "   ", 3) },
}

// fuzzInputDeadline is how long one input may take, Parse and Run
// together; the slowest lesson takes about a millisecond.
const fuzzInputDeadline = 10 * time.Second

// FuzzParse feeds arbitrary bytes to Parse: every input gives a scenario or
// an error list with positions, never a panic or a hang. A scenario that
// parses is also run, which the limits keep short.
func FuzzParse(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("..", "lessons", "*.yaml"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no lessons to seed the corpus with (%v)", err)
	}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
		for _, edit := range brokenVariants {
			f.Add([]byte(edit(string(data))))
		}
	}
	f.Add([]byte(""))
	f.Add([]byte("title: x\nhosts: [{name: a, addr: 10.0.0.1}]\nsteps: [{wait: 1s}]\n"))
	// Empty mappings where a mapping is expected: each once passed
	// validation with nothing in it (testdata/fuzz/FuzzParse).
	for _, empty := range []string{"{}", "[{}]", "{name: a}", "{question: q}"} {
		f.Add([]byte("title: x\nhosts: " + empty + "\nsteps: [{checkpoint: " + empty + "}, {wait: 1s}]\n"))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// A hang would stall the fuzzer without a report; a panic from the
		// watchdog makes it save the input as a crasher instead.
		watchdog := time.AfterFunc(fuzzInputDeadline, func() {
			panic(fmt.Sprintf("one input ran for more than %s: %q", fuzzInputDeadline, data))
		})
		defer watchdog.Stop()
		sc, err := scenario.Parse("fuzz.yaml", data)
		if err != nil {
			var list scenario.ErrorList
			if !errors.As(err, &list) || len(list) == 0 {
				t.Fatalf("Parse returned %T %v, want a non-empty ErrorList", err, err)
			}
			for _, e := range list {
				if e.File != "fuzz.yaml" || e.Line < 1 || e.Col < 1 || e.Msg == "" {
					t.Fatalf("error without a position or message: %+v", e)
				}
			}
			return
		}
		if sc == nil {
			t.Fatal("Parse returned neither a scenario nor an error")
		}
		res, err := sc.Run(scenario.Options{})
		if err != nil {
			var re *scenario.RunError
			if !errors.As(err, &re) {
				t.Fatalf("Run returned %T %v, want a *RunError", err, err)
			}
			if re.Line < 1 || re.Col < 1 || re.Msg == "" {
				t.Fatalf("run error without a position or message: %+v", re)
			}
			return
		}
		if res.Events > scenario.MaxEvents {
			t.Fatalf("the run produced %d events, more than the limit %d", res.Events, scenario.MaxEvents)
		}
	})
}

// TestMutatedLessonsNeverPanic complements FuzzParse with a systematic
// sweep: in every built-in lesson, each value in turn is replaced by an
// empty mapping, an empty list, null, a number or a word, and the result
// must parse to errors or to a scenario that runs, never panic. The
// fuzzer took minutes to stumble on "checkpoint: {}"; this finds its kind
// at once.
func TestMutatedLessonsNeverPanic(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("..", "lessons", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no lessons (%v)", err)
	}
	replacements := []string{"{}", "[]", "~", "0", "x", "[{}]"}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(filepath.Base(name), func(t *testing.T) {
			t.Parallel()
			lines := strings.Split(string(data), "\n")
			indent := func(s string) int { return len(s) - len(strings.TrimLeft(s, " -")) }
			for i, line := range lines {
				if strings.HasPrefix(strings.TrimSpace(line), "#") {
					continue
				}
				// A "key: value" line loses its value; a "key:" line loses
				// the block nested under it.
				key, _, ok := strings.Cut(line, ": ")
				end := i + 1
				if !ok && strings.HasSuffix(line, ":") {
					key, ok = strings.TrimSuffix(line, ":"), true
					for end < len(lines) && lines[end] != "" && indent(lines[end]) > indent(line) {
						end++
					}
				}
				if !ok {
					continue
				}
				// Every replacement is parsed; of those that parse, the
				// first is also run (the others run the same script with
				// another value in one place: running each made this test
				// the slowest of make test).
				ran := false
				for _, r := range replacements {
					mutated := append(append(append([]string(nil), lines[:i]...), key+": "+r), lines[end:]...)
					in := strings.Join(mutated, "\n")
					func() {
						defer func() {
							if p := recover(); p != nil {
								t.Fatalf("line %d replaced by %q: panic: %v", i+1, key+": "+r, p)
							}
						}()
						if sc, err := scenario.Parse("m.yaml", []byte(in)); err == nil && !ran {
							ran = true
							sc.Run(scenario.Options{})
						}
					}()
				}
			}
		})
	}
}

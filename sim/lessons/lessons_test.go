package lessons_test

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"portville/sim"
	"portville/sim/lessons"
	"portville/sim/scenario"
)

var update = flag.Bool("update", false, "rewrite the golden transcripts in testdata/")

// lesson returns the built-in lesson with the ID, failing the test if it
// does not load.
func lesson(t *testing.T, id string) *lessons.Lesson {
	t.Helper()
	l, err := lessons.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// run runs a lesson and returns a copy of every event it emitted.
func run(t *testing.T, id string, opt scenario.Options) []sim.Event {
	t.Helper()
	var events []sim.Event
	opt.OnEvent = func(e *sim.Event) { events = append(events, *e) }
	if _, err := lesson(t, id).Scenario.Run(opt); err != nil {
		t.Fatalf("lesson %s (seed %d, os %q): %v", id, opt.Seed, opt.OS, err)
	}
	return events
}

// transcript is a lesson's JSONL event stream, as portville run prints it.
func transcript(t *testing.T, id string, opt scenario.Options) []byte {
	t.Helper()
	var b []byte
	opt.OnEvent = func(e *sim.Event) {
		b = e.AppendJSON(b)
		b = append(b, '\n')
	}
	if _, err := lesson(t, id).Scenario.Run(opt); err != nil {
		t.Fatalf("lesson %s: %v", id, err)
	}
	return b
}

func TestAllLoadsEveryLessonInTeachingOrder(t *testing.T) {
	t.Parallel()
	all, err := lessons.All()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, l := range all {
		ids = append(ids, l.ID)
		if l.Scenario.ID != l.ID {
			t.Errorf("lesson %s: the scenario says id %q", l.ID, l.Scenario.ID)
		}
		if !bytes.Contains(l.Source, []byte("id: "+l.ID+"\n")) {
			t.Errorf("lesson %s: Source does not hold its YAML file", l.ID)
		}
		if l.Title() == "" || l.Title() != l.Scenario.Title {
			t.Errorf("lesson %s: Title() = %q, want the scenario's title %q", l.ID, l.Title(), l.Scenario.Title)
		}
	}
	if !slices.Equal(ids, lessons.IDs) {
		t.Errorf("All() IDs = %v, want %v", ids, lessons.IDs)
	}
	// DESIGN.md's eleven come first, in its order; the lessons from the
	// real internet (issue 11) follow.
	design := []string{"programs-processes-threads", "sockets", "addressing", "well-known-ports",
		"ephemeral-ports", "many-clients-one-port", "server-ephemeral-ports", "port-conflict",
		"port-exhaustion", "same-host", "os-differences"}
	later := []string{"worker-processes", "dev-servers", "a-web-page", "home-router"}
	if len(ids) < len(design) || !slices.Equal(ids[:len(design)], design) {
		t.Fatalf("lessons %v, want DESIGN.md's %v first", ids, design)
	}
	for _, id := range ids[len(design):] {
		if !slices.Contains(later, id) {
			t.Errorf("lesson %s is neither one of DESIGN.md's nor of issue 11's (%v)", id, later)
		}
	}
}

func TestGetUnknownLesson(t *testing.T) {
	t.Parallel()
	_, err := lessons.Get("no-such-lesson")
	var ue *lessons.UnknownError
	if !errors.As(err, &ue) || ue.ID != "no-such-lesson" {
		t.Fatalf("Get(no-such-lesson) error = %v, want an *UnknownError for that ID", err)
	}
	if !strings.Contains(err.Error(), `"no-such-lesson"`) || !strings.Contains(err.Error(), "ephemeral-ports") {
		t.Errorf("error %q should name the bad ID and list the lessons", err)
	}
}

// TestLessonQuality enforces the house rule for built-in lessons: a summary
// and takeaways, narration in both registers on every step (a checkpoint's
// say/analogy introduce the question; its explain and analogy give the
// answer), at least one checkpoint, and a focused length.
func TestLessonQuality(t *testing.T) {
	t.Parallel()
	const minSteps, maxSteps = 10, 30
	for _, id := range lessons.IDs {
		sc := lesson(t, id).Scenario
		if strings.TrimSpace(sc.Summary) == "" {
			t.Errorf("%s: no summary", id)
		}
		if len(sc.Takeaways) < 2 {
			t.Errorf("%s: %d takeaways, want at least 2", id, len(sc.Takeaways))
		}
		if !sc.SeedSet {
			t.Errorf("%s: no seed; a lesson pins its seed so its transcript never changes by accident", id)
		}
		if n := len(sc.Steps); n < minSteps || n > maxSteps {
			t.Errorf("%s: %d steps, want %d to %d", id, n, minSteps, maxSteps)
		}
		checkpoints := 0
		for _, st := range sc.Steps {
			where := fmt.Sprintf("%s:%d: step %s", sc.File, st.Line, st.Action)
			if strings.TrimSpace(st.Say) == "" {
				t.Errorf("%s has no say:", where)
			}
			if strings.TrimSpace(st.Analogy) == "" {
				t.Errorf("%s has no analogy:", where)
			}
			if cp := st.Checkpoint; cp != nil {
				checkpoints++
				if cp.Explain == "" || cp.Analogy == "" {
					t.Errorf("%s: a checkpoint needs explain: and analogy: for its answer", where)
				}
			}
		}
		if checkpoints == 0 {
			t.Errorf("%s: no checkpoint; every lesson asks the class at least one question", id)
		}
	}
}

// TestLessonsCheck runs every lesson the way portville check does: with
// several seeds, on every OS profile. Each checkpoint's answer must come
// out of the simulation every time.
func TestLessonsCheck(t *testing.T) {
	t.Parallel()
	for _, id := range lessons.IDs {
		t.Run(id, func(t *testing.T) {
			t.Parallel()
			if err := lesson(t, id).Scenario.Check(); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestLessonsMatchFilesOnDisk keeps the embedded copies honest: what the
// binary embeds is the file in this directory.
func TestLessonsMatchFilesOnDisk(t *testing.T) {
	t.Parallel()
	for _, id := range lessons.IDs {
		data, err := os.ReadFile(id + ".yaml")
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(data, lesson(t, id).Source) {
			t.Errorf("%s: the embedded lesson differs from %s.yaml", id, id)
		}
	}
}

// TestGoldenTranscripts compares each lesson's event stream, with its own
// seed and default OS, byte for byte with testdata/<id>.jsonl. Refresh
// with: go test ./sim/lessons -run TestGoldenTranscripts -update
func TestGoldenTranscripts(t *testing.T) {
	for _, id := range lessons.IDs {
		t.Run(id, func(t *testing.T) {
			got := transcript(t, id, scenario.Options{})
			path := filepath.Join("testdata", id+".jsonl")
			if *update {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./sim/lessons -update to create it)", err)
			}
			if d := diff(want, got); d != "" {
				t.Errorf("%s differs from the golden transcript (run with -update if the change is intended):\n%s", path, d)
			}
		})
	}
}

// diff describes the first line where got differs from want, with two
// lines of context before it, or returns "" when they are equal.
func diff(want, got []byte) string {
	if bytes.Equal(want, got) {
		return ""
	}
	w := strings.Split(string(want), "\n")
	g := strings.Split(string(got), "\n")
	i := 0
	for i < len(w) && i < len(g) && w[i] == g[i] {
		i++
	}
	var b strings.Builder
	for k := max(0, i-2); k < i; k++ {
		fmt.Fprintf(&b, "  %4d   %s\n", k+1, w[k])
	}
	line := func(lines []string) string {
		if i < len(lines) {
			return lines[i]
		}
		return "(end of file)"
	}
	fmt.Fprintf(&b, "  %4d - %s\n", i+1, line(w))
	fmt.Fprintf(&b, "  %4d + %s\n", i+1, line(g))
	fmt.Fprintf(&b, "  (want %d lines, got %d)", len(w), len(g))
	return b.String()
}

func TestDiff(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		want, got string
		out       string
	}{
		{"equal", "a\nb\n", "a\nb\n", ""},
		{"changed line", "a\nb\nc\nd\n", "a\nb\nX\nd\n",
			"     1   a\n     2   b\n     3 - c\n     3 + X\n  (want 5 lines, got 5)"},
		{"shorter", "a\nb\n", "a\n",
			"     1   a\n     2 - b\n     2 + \n  (want 3 lines, got 2)"},
		{"longer", "a\n", "a\nb",
			"     1   a\n     2 - \n     2 + b\n  (want 2 lines, got 2)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := diff([]byte(tt.want), []byte(tt.got)); got != tt.out {
				t.Errorf("diff =\n%s\nwant\n%s", got, tt.out)
			}
		})
	}
}

// TestTranscriptsAreDeterministic: the same lesson and seed give the same
// bytes, and another seed gives others (the seed really is used).
func TestTranscriptsAreDeterministic(t *testing.T) {
	t.Parallel()
	for _, id := range lessons.IDs {
		a := transcript(t, id, scenario.Options{Seed: 99, SeedSet: true})
		b := transcript(t, id, scenario.Options{Seed: 99, SeedSet: true})
		c := transcript(t, id, scenario.Options{Seed: 100, SeedSet: true})
		if !bytes.Equal(a, b) {
			t.Errorf("%s: two runs with seed 99 differ:\n%s", id, diff(a, b))
		}
		if bytes.Equal(a, c) {
			t.Errorf("%s: seeds 99 and 100 give the same transcript", id)
		}
	}
}

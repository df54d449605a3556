package timeline_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"portville/sim"
	"portville/sim/lessons"
	"portville/sim/scenario"
	"portville/sim/timeline"
)

// allLessons returns the built-in lessons as EncodeLessons takes them.
func allLessons(t *testing.T) []timeline.Lesson {
	t.Helper()
	all, err := lessons.All()
	if err != nil {
		t.Fatal(err)
	}
	out := make([]timeline.Lesson, len(all))
	for i, l := range all {
		out[i] = timeline.Lesson{ID: l.ID, Scenario: l.Scenario}
	}
	return out
}

// runJSON returns every event of a run as the JSONL stream prints it.
func runJSON(t *testing.T, sc *scenario.Scenario, opt scenario.Options) []byte {
	t.Helper()
	var b []byte
	opt.OnEvent = func(e *sim.Event) { b = append(e.AppendJSON(b), '\n') }
	if _, err := sc.Run(opt); err != nil {
		t.Fatal(err)
	}
	return b
}

// TestLessonsRoundTrip: a lesson written by EncodeLessons and read back
// by DecodeLessons is the scenario Parse made from the YAML, field for
// field, and it runs to the same bytes on every OS with several seeds.
// The static build relies on it: its WebAssembly module has no YAML
// parser and runs the lessons from this JSON.
func TestLessonsRoundTrip(t *testing.T) {
	t.Parallel()
	orig := allLessons(t)
	data, err := timeline.EncodeLessons(orig)
	if err != nil {
		t.Fatal(err)
	}
	got, err := timeline.DecodeLessons(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(orig) {
		t.Fatalf("decoded %d lessons, want %d", len(got), len(orig))
	}
	oses := []string{""}
	for _, p := range sim.Profiles {
		oses = append(oses, p.Name)
	}
	for i, l := range orig {
		d := got[i]
		if d.ID != l.ID {
			t.Errorf("lesson %d: id %q, want %q", i, d.ID, l.ID)
		}
		if !reflect.DeepEqual(d.Scenario, l.Scenario) {
			t.Errorf("%s: the decoded scenario differs from the parsed one", l.ID)
		}
		for _, osName := range oses {
			for _, seed := range []uint64{l.Scenario.SeedFor(scenario.Options{}), 3, 42} {
				opt := scenario.Options{OS: osName, Seed: seed, SeedSet: true}
				want, have := runJSON(t, l.Scenario, opt), runJSON(t, d.Scenario, opt)
				if !bytes.Equal(want, have) {
					t.Errorf("%s (os %q, seed %d): the decoded lesson's events differ from the YAML's", l.ID, osName, seed)
				}
			}
		}
	}
}

func TestDecodeLessonsRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		data string
		want string
	}{
		{"another format", `{"format": 2, "lessons": []}`, "format 2; this build reads format 1"},
		{"an unknown field", `{"format": 1, "lessons": [{"id": "x", "scenario": {"Title": "x", "Colour": "red"}}]}`, `unknown field "Colour"`},
		{"no scenario", `{"format": 1, "lessons": [{"id": "x"}]}`, "lesson 1 has no id or no scenario"},
		{"no id", `{"format": 1, "lessons": [{"scenario": {"Title": "x"}}]}`, "lesson 1 has no id or no scenario"},
		{"not JSON", `format: 1`, "invalid character"},
		{"too big", `{"format": 1, "lessons": []}` + strings.Repeat(" ", timeline.MaxLessonsBytes), "the limit is"},
	}
	for _, tt := range tests {
		_, err := timeline.DecodeLessons([]byte(tt.data))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want it to say %q", tt.name, err, tt.want)
		}
	}
}

// TestBuild: the timeline holds the run's events exactly, describes the
// lesson as the server's LessonInfo does, and its snapshots are the
// world after each event.
func TestBuild(t *testing.T) {
	t.Parallel()
	l, err := lessons.Get("ephemeral-ports")
	if err != nil {
		t.Fatal(err)
	}
	opt := scenario.Options{OS: "windows", Seed: 9, SeedSet: true}
	tl, err := timeline.Build(l.ID, l.Scenario, opt)
	if err != nil {
		t.Fatal(err)
	}
	var evs []sim.Event
	var stops []sim.Snapshot
	var checkpoints []uint64
	run := opt
	run.OnEvent = func(e *sim.Event) {
		evs = append(evs, *e)
		if e.Kind == sim.KindCheckpoint {
			checkpoints = append(checkpoints, e.Seq)
		}
	}
	res, err := l.Scenario.Run(run)
	if err != nil {
		t.Fatal(err)
	}
	if tl.Total() != uint64(len(evs)) || tl.Total() == 0 {
		t.Fatalf("total %d, want %d", tl.Total(), len(evs))
	}
	var all []byte
	for i := range evs {
		seq := uint64(i + 1)
		if want := evs[i].AppendJSON(nil); !bytes.Equal(tl.Event(seq), want) {
			t.Errorf("event %d: %s, want %s", seq, tl.Event(seq), want)
		}
		if tl.Kind(seq) != evs[i].Kind {
			t.Errorf("event %d: kind %s, want %s", seq, tl.Kind(seq), evs[i].Kind)
		}
		all = append(all, ","+string(evs[i].AppendJSON(nil))...)
	}
	if want := "[" + string(all[1:]) + "]"; string(tl.AppendEvents(nil)) != want {
		t.Errorf("AppendEvents differs from the events joined in an array")
	}
	want := timeline.Info{
		ID: l.ID, Title: l.Scenario.Title, Summary: l.Scenario.Summary, Takeaways: l.Scenario.Takeaways,
		OS: "windows", Seed: 9, Start: res.Start, Total: uint64(len(evs)), Checkpoints: checkpoints,
		Capacity: res.Capacity,
	}
	if !reflect.DeepEqual(tl.Info, want) {
		t.Errorf("info\n got %+v\nwant %+v", tl.Info, want)
	}
	for _, seq := range []uint64{0, 1, res.Start, tl.Total() / 2, tl.Total()} {
		stop := opt
		stop.StopAfter = seq
		stop.OnStop = func(w *sim.World) { stops = append(stops, w.Snapshot()) }
		want := sim.NewWorld(sim.Config{}).Snapshot()
		if seq > 0 {
			stops = nil
			if _, err := l.Scenario.Run(stop); err != nil {
				t.Fatal(err)
			}
			want = stops[0]
		}
		got, err := tl.Snapshot(seq)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) || got.Seq != seq {
			t.Errorf("snapshot %d differs from the world after event %d", seq, seq)
		}
	}
	if _, err := tl.Snapshot(tl.Total() + 1); err == nil {
		t.Errorf("a snapshot past the end: no error")
	}
}

// TestBuildDefaults: with no OS and no seed the lesson's own are named;
// a scenario with no takeaways lists none rather than null.
func TestBuildDefaults(t *testing.T) {
	t.Parallel()
	for _, l := range allLessons(t) {
		tl, err := timeline.Build(l.ID, l.Scenario, scenario.Options{})
		if err != nil {
			t.Fatal(err)
		}
		wantOS := l.Scenario.OS
		if wantOS == "" {
			wantOS = "linux"
		}
		if tl.Info.OS != wantOS || tl.Info.Seed != l.Scenario.SeedFor(scenario.Options{}) {
			t.Errorf("%s: os %q seed %d, want %q and %d", l.ID, tl.Info.OS, tl.Info.Seed, wantOS, l.Scenario.SeedFor(scenario.Options{}))
		}
	}
	sc := *allLessons(t)[0].Scenario
	sc.Takeaways = nil
	tl, err := timeline.Build("", &sc, scenario.Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(tl.Info)
	if !strings.Contains(string(b), `"takeaways":[]`) || !strings.Contains(string(b), `"id":""`) {
		t.Errorf("info %s: want an empty id and takeaways []", b)
	}
}

func TestFind(t *testing.T) {
	t.Parallel()
	all := allLessons(t)
	l, err := timeline.Find(all, "sockets")
	if err != nil || l.ID != "sockets" {
		t.Errorf("Find(sockets) = %v, %v", l, err)
	}
	_, err = timeline.Find(all, "nope")
	if !errors.Is(err, timeline.ErrUnknownLesson) || !strings.Contains(err.Error(), `"nope"`) {
		t.Errorf("Find(nope): err = %v", err)
	}
}

func ExampleBuild() {
	l, _ := lessons.Get("sockets")
	tl, err := timeline.Build(l.ID, l.Scenario, scenario.Options{OS: "freebsd"})
	if err != nil {
		fmt.Println(err)
		return
	}
	snap, _ := tl.Snapshot(tl.Info.Start)
	fmt.Println(tl.Info.OS, tl.Total() > tl.Info.Start, len(snap.Hosts) > 0)
	// Output: freebsd true true
}

// TestFromEventsAndLimit: a timeline of recorded events keeps their bytes
// and checkpoints and shows the empty world; BuildLimited stops a run
// whose events outgrow the bound.
func TestFromEventsAndLimit(t *testing.T) {
	t.Parallel()
	evs := []sim.Event{
		{Seq: 1, Kind: sim.KindNote, Text: "one", Analogy: "one"},
		{Seq: 2, Kind: sim.KindCheckpoint, Checkpt: 1, Question: "why?", Choices: []sim.Choice{{ID: "a", Text: "x"}, {ID: "b", Text: "y"}}},
	}
	tl := timeline.FromEvents(timeline.Info{Title: "recorded"}, evs)
	if tl.Total() != 2 || tl.Info.Total != 2 || len(tl.Info.Checkpoints) != 1 || tl.Info.Checkpoints[0] != 2 || tl.Info.Takeaways == nil {
		t.Errorf("info %+v", tl.Info)
	}
	if string(tl.Event(1)) != string(evs[0].AppendJSON(nil)) || tl.Kind(2) != sim.KindCheckpoint {
		t.Errorf("event 1 %s, kind 2 %s", tl.Event(1), tl.Kind(2))
	}
	snap, err := tl.Snapshot(2)
	if err != nil || snap.Seq != 2 || len(snap.Hosts) != 0 {
		t.Errorf("snapshot %+v, %v: want the empty world at 2", snap, err)
	}
	if sc, _ := tl.Scenario(); sc != nil {
		t.Error("a recorded timeline has a scenario")
	}
	l, err := lessons.Get("ephemeral-ports")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := timeline.BuildLimited(l.ID, l.Scenario, scenario.Options{}, 2000); !errors.Is(err, timeline.ErrTooBig) {
		t.Errorf("BuildLimited with 2000 bytes: %v, want ErrTooBig", err)
	}
	if _, err := timeline.BuildLimited(l.ID, l.Scenario, scenario.Options{}, 1<<20); err != nil {
		t.Errorf("BuildLimited with 1 MiB: %v", err)
	}
}

// A lab on a lesson's town is titled "Lab: " and the lesson's title, in
// the timeline's language; a lab on a town of its own keeps its title.
func TestNewLabTitle(t *testing.T) {
	de := &sim.Language{Code: "de", Words: map[string]string{"lab_title": "Labor: {title}"},
		Texts: map[string]string{"Ports": "Ports (de)"}}
	for _, tt := range []struct {
		id   string
		lang *sim.Language
		want string
	}{
		{"sockets", nil, "Lab: Ports"},
		{"sockets", de, "Labor: Ports (de)"},
		{"", nil, "Ports"},
		{"", de, "Ports (de)"},
	} {
		tl := timeline.NewLab(timeline.Info{ID: tt.id, Title: "Ports"}, nil, nil, scenario.Options{Lang: tt.lang})
		if tl.Info.Title != tt.want {
			t.Errorf("lab on %q in %v: title %q, want %q", tt.id, tt.lang, tl.Info.Title, tt.want)
		}
	}
}

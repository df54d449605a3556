package smalljson_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"portville/sim"
	"portville/sim/lab"
	"portville/sim/lang/catalogues"
	"portville/sim/lessons"
	"portville/sim/scenario"
	"portville/sim/smalljson"
	"portville/sim/timeline"
)

// same fails unless smalljson writes v as encoding/json does.
func same(t *testing.T, what string, v any) {
	t.Helper()
	want, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("%s: encoding/json: %v", what, err)
	}
	got, err := smalljson.Marshal(v)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if string(got) != string(want) {
		t.Errorf("%s: smalljson writes %d bytes that differ from encoding/json's %d", what, len(got), len(want))
	}
}

// TestSimulatorValues: every value the WebAssembly module encodes (a
// lesson's info and pictures, the world at each checkpoint, a lab's view
// and terminals) is encoding/json's bytes, so the static build sends
// what the server sends; and what it decodes (the lessons, a language)
// reads back to the value encoding/json reads.
func TestSimulatorValues(t *testing.T) {
	all, err := lessons.All()
	if err != nil {
		t.Fatal(err)
	}
	var ls []timeline.Lesson
	for _, l := range all {
		ls = append(ls, timeline.Lesson{ID: l.ID, Scenario: l.Scenario})
		for _, osName := range []string{"", "windows"} {
			tl, err := timeline.Build(l.ID, l.Scenario, scenario.Options{OS: osName})
			if err != nil {
				t.Fatal(err)
			}
			same(t, l.ID+" info", tl.Info)
			for _, seq := range append([]uint64{1, tl.Info.Total}, tl.Info.Checkpoints...) {
				snap, err := tl.Snapshot(seq)
				if err != nil {
					t.Fatal(err)
				}
				same(t, l.ID+" snapshot", snap)
				same(t, l.ID+" picture", timeline.Picture{Seq: seq, Capacity: tl.Info.Capacity, Snapshot: snap})
			}
		}
	}

	std, err := json.Marshal(struct {
		Format  int               `json:"format"`
		Lessons []timeline.Lesson `json:"lessons"`
	}{timeline.LessonsFormat, ls})
	if err != nil {
		t.Fatal(err)
	}
	small, err := timeline.EncodeLessons(ls)
	if err != nil {
		t.Fatal(err)
	}
	if string(small) != string(std) {
		t.Errorf("EncodeLessons writes %d bytes that differ from encoding/json's %d", len(small), len(std))
	}
	back, err := timeline.DecodeLessons(std)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, ls) {
		t.Error("DecodeLessons reads encoding/json's lessons to other scenarios")
	}

	l, err := lab.New(lab.DefaultTown(), "", lab.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range []lab.Input{{Host: "laptop", Line: "curl -v http://web/ & nc -l 7000 &"}, {Host: "web", Line: "ss -tan | grep <none> && echo \"&\""}, {Host: "laptop", Key: "ctrl-c"}} {
		entry, _, err := l.Do(in)
		if err != nil {
			t.Fatal(err)
		}
		same(t, "entry "+in.Line, entry)
	}
	same(t, "lab view", l.View())
	same(t, "lab hosts", l.HostViews())
	same(t, "lab snapshot", l.Snapshot())

	for _, code := range catalogues.Codes[1:] {
		lang := catalogues.Get(code).Sim()
		same(t, code+" language", lang)
		data, _ := json.Marshal(lang)
		var got sim.Language
		if err := smalljson.UnmarshalStrict(data, &got); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(&got, lang) {
			t.Errorf("%s: the language read back differs", code)
		}
	}
}

// BenchmarkDecodeLessons reads the static build's lessons.json (every
// built-in lesson) with each codec, into the same value.
func BenchmarkDecodeLessons(b *testing.B) {
	all, err := lessons.All()
	if err != nil {
		b.Fatal(err)
	}
	var ls []timeline.Lesson
	for _, l := range all {
		ls = append(ls, timeline.Lesson{ID: l.ID, Scenario: l.Scenario})
	}
	data, err := timeline.EncodeLessons(ls)
	if err != nil {
		b.Fatal(err)
	}
	type file struct {
		Format  int               `json:"format"`
		Lessons []timeline.Lesson `json:"lessons"`
	}
	for _, c := range []struct {
		name string
		fn   func([]byte, any) error
	}{{"encoding-json", json.Unmarshal}, {"smalljson", smalljson.Unmarshal}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				var f file
				if err := c.fn(data, &f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

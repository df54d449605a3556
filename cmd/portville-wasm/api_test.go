// The tests compare the module with the lessons parsed from their YAML,
// which builds with the tag portville_noyaml leave out.

//go:build !portville_noyaml

package main

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"portville/sim/lessons"
	"portville/sim/scenario"
	"portville/sim/timeline"
	"portville/web/wire"
)

// newAPI returns the api with the built-in lessons, read from their JSON
// as the page hands them over.
func newAPI(t *testing.T) *api {
	t.Helper()
	all, err := lessons.All()
	if err != nil {
		t.Fatal(err)
	}
	var ls []timeline.Lesson
	for _, l := range all {
		ls = append(ls, timeline.Lesson{ID: l.ID, Scenario: l.Scenario})
	}
	data, err := timeline.EncodeLessons(ls)
	if err != nil {
		t.Fatal(err)
	}
	a := &api{}
	var ids []string
	if err := json.Unmarshal(a.init(data), &ids); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(ids, lessons.IDs) {
		t.Fatalf("init returned %v, want %v", ids, lessons.IDs)
	}
	return a
}

// TestTimeline: the module's timeline is the Go one, byte for byte: its
// lesson is timeline.Info and its events are sim.Event.AppendJSON's.
func TestTimeline(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	tests := []struct {
		name string
		req  string
		id   string
		opt  scenario.Options
	}{
		{"the lesson's own OS and seed", `{"lesson":"ephemeral-ports"}`, "ephemeral-ports", scenario.Options{}},
		{"another OS", `{"lesson":"ephemeral-ports","os":"macos"}`, "ephemeral-ports", scenario.Options{OS: "macos"}},
		{"another seed", `{"lesson":"port-exhaustion","seed":"18446744073709551615"}`, "port-exhaustion",
			scenario.Options{Seed: 1<<64 - 1, SeedSet: true}},
	}
	for _, tt := range tests {
		l, _ := lessons.Get(tt.id)
		tl, err := timeline.Build(tt.id, l.Scenario, tt.opt)
		if err != nil {
			t.Fatal(err)
		}
		info, _ := json.Marshal(tl.Info)
		want := `{"lesson":` + string(info) + `,"events":` + string(tl.AppendEvents(nil)) + `}`
		if got := a.timeline([]byte(tt.req)); string(got) != want {
			t.Errorf("%s: timeline(%s) = %.300s..., want %.300s...", tt.name, tt.req, got, want)
		}
		for _, seq := range []uint64{0, tl.Info.Start, tl.Total()} {
			snap, err := tl.Snapshot(seq)
			if err != nil {
				t.Fatal(err)
			}
			wantSnap, _ := json.Marshal(snap)
			req, _ := json.Marshal(map[string]any{"lesson": tt.id, "os": tt.opt.OS, "seed": seedText(tt.opt), "seq": seq})
			if got := a.snapshot(req); !bytes.Equal(got, wantSnap) {
				t.Errorf("%s: snapshot(%s) = %.200s, want %.200s", tt.name, req, got, wantSnap)
			}
		}
	}
}

func seedText(opt scenario.Options) string {
	if !opt.SeedSet {
		return ""
	}
	b, _ := json.Marshal(opt.Seed)
	return string(b)
}

// TestErrors: what the module refuses comes back as the protocol's error
// codes and sentences (web/wire, web/ws.go, web/session.go).
func TestErrors(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	tests := []struct {
		name string
		call func([]byte) []byte
		req  string
		want apiError
	}{
		{"unknown lesson", a.timeline, `{"lesson":"nope"}`, apiError{Code: wire.CodeUnknownLesson, Message: `there is no lesson "nope"`}},
		{"unknown OS", a.timeline, `{"lesson":"sockets","os":"plan9"}`,
			apiError{Code: wire.CodeBadValue, Message: `os: unknown OS profile "plan9" (want linux, windows, macos or freebsd)`}},
		{"bad seed", a.timeline, `{"lesson":"sockets","seed":"-1"}`,
			apiError{Code: wire.CodeBadValue, Message: "seed: expected a whole number from 0 to 18446744073709551615"}},
		{"snapshot past the end", a.snapshot, `{"lesson":"sockets","seq":100000}`,
			apiError{Code: wire.CodeInternal, Message: "The simulator could not do that.", Detail: "snapshot at 100000: the run ended after 111 events"}},
		{"not JSON", a.snapshot, `lesson`,
			apiError{Code: wire.CodeInternal, Message: "The simulator got a request it cannot read.", Detail: "json: offset 0: invalid character 'l' looking for beginning of value"}},
	}
	for _, tt := range tests {
		var got struct{ Error apiError }
		if err := json.Unmarshal(tt.call([]byte(tt.req)), &got); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got.Error, tt.want) {
			t.Errorf("%s: got %+v, want %+v", tt.name, got.Error, tt.want)
		}
	}
	if msg := a.checkOS("windows"); msg != "" {
		t.Errorf(`checkOS("windows") = %q, want ""`, msg)
	}
	if msg := a.checkOS("default"); msg != `unknown OS profile "default" (want linux, windows, macos or freebsd)` {
		t.Errorf(`checkOS("default") = %q`, msg)
	}
	var bad struct{ Error apiError }
	json.Unmarshal((&api{}).init([]byte(`{"format":7}`)), &bad)
	if bad.Error.Code != wire.CodeInternal || bad.Error.Detail == "" {
		t.Errorf("init with a bad file: %+v", bad.Error)
	}
}

// TestRunError: a run that fails reports the step's position, as the
// server reports a scenario problem.
func TestRunError(t *testing.T) {
	t.Parallel()
	e := runError(&scenario.RunError{File: "lessons/x.yaml", Line: 12, Col: 5, Msg: "step send: x.y is not open"})
	want := &apiError{Code: wire.CodeScenario, Message: "the scenario has a problem",
		Errors: []problem{{Line: 12, Col: 5, Message: "step send: x.y is not open"}}}
	if !reflect.DeepEqual(e, want) {
		t.Errorf("runError = %+v, want %+v", e, want)
	}
}

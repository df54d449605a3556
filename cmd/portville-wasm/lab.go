//go:build !portville_nolab

package main

import (
	"errors"
	"fmt"
	"strconv"

	"portville/sim"
	"portville/sim/lab"
	"portville/sim/scenario"
	"portville/sim/smalljson"
	"portville/sim/timeline"
	"portville/web/wire"
)

// The lab in the static build (lab.html): the same interpreter as the
// server's (sim/lab), kept here between calls, since a lab grows one
// command at a time and re-running it for each would cost the whole lab
// every time. static/js/wasm.js holds the handle a labOpen returns and
// runs the session protocol's lab messages over these calls.

// labState is the labs a page's sessions type into, by handle: the
// module's one piece of state between calls.
type labState struct {
	labs    map[int]*lab.Lab
	nextLab int
}

// maxLabs bounds the labs a page keeps: one per session, and a page has
// one (a second opens when a shared link is loaded over it).
const maxLabs = 4

// labReq names a lab and says what to do with it.
type labReq struct {
	_      noCompare
	Handle int    `json:"handle"`
	Lesson string `json:"lesson"` // labOpen: the town to start from ("" for the default)
	OS     string `json:"os"`
	Seed   string `json:"seed"`
	Script string `json:"script"` // labOpen: inputs to run first (a shared lab)
	Host   string `json:"host"`   // labInput
	Line   string `json:"line"`
	Key    string `json:"key"`
	Seq    uint64 `json:"seq"` // labSnapshot
}

// labOpened is labOpen's answer: the handle, the timeline so far (its
// info and every event) and the lab's state.
type labOpened struct {
	Handle int           `json:"handle"`
	Lesson timeline.Info `json:"lesson"`
	Events rawJSON       `json:"events"`
	Lab    lab.View      `json:"lab"`
}

// labStep is what labInput and labUndo answer: the entry (for an input),
// the number of entries, the terminals, the events to append (input) or
// the total to cut back to (undo), and the town's capacity.
type labStep struct {
	N        int            `json:"n"`
	Entry    *lab.Entry     `json:"entry,omitempty"`
	Hosts    []lab.HostView `json:"hosts"`
	Events   rawJSON        `json:"events,omitempty"`
	Total    uint64         `json:"total"`
	Capacity map[string]int `json:"capacity"`
}

func (a *api) labDecode(req []byte) (labReq, *apiError) {
	var r labReq
	if err := smalljson.Unmarshal(req, &r); err != nil {
		return r, &apiError{Code: wire.CodeInternal, Message: "The simulator got a request it cannot read.", Detail: err.Error()}
	}
	return r, nil
}

// labFor reads a request about an open lab, and finds the lab.
func (a *api) labFor(req []byte) (labReq, *lab.Lab, *apiError) {
	r, e := a.labDecode(req)
	if e != nil {
		return r, nil, e
	}
	l := a.labs[r.Handle]
	if l == nil {
		return r, nil, &apiError{Code: wire.CodeInternal, Message: "The page asked for a lab the simulator does not have.", Detail: strconv.Itoa(r.Handle)}
	}
	return r, l, nil
}

// labOpen starts a lab on a town, with its OS and seed, and runs a
// script's inputs (a shared lab).
func (a *api) labOpen(req []byte) []byte {
	r, e := a.labDecode(req)
	if e != nil {
		return errorJSON(e)
	}
	var opt lab.Options
	if r.OS != "" {
		if msg := a.checkOS(r.OS); msg != "" {
			return errorJSON(&apiError{Code: wire.CodeBadValue, Message: "os: " + msg})
		}
		opt.OS = r.OS
	}
	if r.Seed != "" {
		seed, err := strconv.ParseUint(r.Seed, 10, 64)
		if err != nil {
			return errorJSON(&apiError{Code: wire.CodeBadValue, Message: "seed: expected a whole number from 0 to 18446744073709551615"})
		}
		opt.Seed, opt.SeedSet = seed, true
	}
	base := lab.DefaultTown()
	if r.Lesson != "" {
		l, err := timeline.Find(a.lessons, r.Lesson)
		if err != nil {
			return errorJSON(&apiError{Code: wire.CodeUnknownLesson, Message: fmt.Sprintf("there is no lesson %q", r.Lesson)})
		}
		base = l.Scenario
	}
	inputs, err := lab.ParseScript(r.Script)
	if err != nil {
		return errorJSON(&apiError{Code: wire.CodeBadValue, Message: "lab: the script's " + err.Error()})
	}
	l, err := lab.New(base, r.Lesson, opt)
	if err != nil {
		return errorJSON(labError(err))
	}
	events := append([]sim.Event(nil), l.SetupEvents()...)
	for i, in := range inputs {
		_, evs, err := l.Do(in)
		if err != nil {
			return errorJSON(&apiError{Code: wire.CodeBadValue, Message: fmt.Sprintf("the lab's input %d (%s): %v", i+1, in.Host, err)})
		}
		events = append(events, evs...)
	}
	if a.labs == nil {
		a.labs = map[int]*lab.Lab{}
	}
	if len(a.labs) >= maxLabs {
		// The oldest lab goes: its page has moved on to this one.
		oldest := 0
		for h := range a.labs {
			if oldest == 0 || h < oldest {
				oldest = h
			}
		}
		delete(a.labs, oldest)
	}
	a.nextLab++
	a.labs[a.nextLab] = l
	info := timeline.Info{ID: r.Lesson, Title: a.lang.Text(base.Title), Summary: a.lang.Text(base.Summary), Takeaways: a.lang.TextList(base.Takeaways),
		OS: l.OS(), Seed: l.Seed(), Start: l.StartSeq(), Total: l.Events(), Capacity: l.Capacity(),
		Checkpoints: []uint64{}, Lab: true}
	if r.Lesson != "" {
		info.Title = a.lang.Word("lab_title", "title", a.lang.Text(base.Title))
	}
	if info.Takeaways == nil {
		info.Takeaways = []string{}
	}
	return mustJSON(labOpened{Handle: a.nextLab, Lesson: info, Events: a.eventsJSON(events), Lab: l.View()})
}

// labInput types one input into a lab.
func (a *api) labInput(req []byte) []byte {
	r, l, e := a.labFor(req)
	if e != nil {
		return errorJSON(e)
	}
	entry, events, err := l.Do(lab.Input{Host: r.Host, Line: r.Line, Key: r.Key})
	if err != nil {
		return errorJSON(labError(err))
	}
	return mustJSON(labStep{N: len(l.Entries()), Entry: &entry, Hosts: l.HostViews(), Events: a.eventsJSON(events),
		Total: l.Events(), Capacity: l.Capacity()})
}

// labUndo takes back a lab's last entry.
func (a *api) labUndo(req []byte) []byte {
	_, l, e := a.labFor(req)
	if e != nil {
		return errorJSON(e)
	}
	_, ok, err := l.Undo()
	if err != nil {
		return errorJSON(labError(err))
	}
	if !ok {
		return errorJSON(&apiError{Code: wire.CodeBadValue, Message: "lab: there is nothing to undo"})
	}
	return mustJSON(labStep{N: len(l.Entries()), Hosts: l.HostViews(), Total: l.Events(), Capacity: l.Capacity()})
}

// labExport returns a lab as a scenario file and as a script.
func (a *api) labExport(req []byte) []byte {
	_, l, e := a.labFor(req)
	if e != nil {
		return errorJSON(e)
	}
	return mustJSON(struct {
		Scenario string `json:"scenario"`
		Script   string `json:"script"`
	}{string(l.Export()), l.Script()})
}

// labSnapshot returns the world of a lab after event seq: the lab's own
// at its end, else by running the scenario the lab has written (the same
// as its events up to there).
func (a *api) labSnapshot(req []byte) []byte {
	r, l, e := a.labFor(req)
	if e != nil {
		return errorJSON(e)
	}
	if r.Seq == l.Events() {
		// The lab's end is its own world: no re-run of every command.
		snap := l.Snapshot()
		snap.Translate(a.lang)
		return mustJSON(snap)
	}
	snap, err := timeline.SnapshotAt(l.Scenario(), scenario.Options{}, r.Seq)
	if err != nil {
		return errorJSON(runError(err))
	}
	snap.Translate(a.lang)
	return mustJSON(snap)
}

// labClose forgets a lab.
func (a *api) labClose(req []byte) []byte {
	r, e := a.labDecode(req)
	if e != nil {
		return errorJSON(e)
	}
	delete(a.labs, r.Handle)
	return []byte("{}")
}

// labError is how the lab's refusals are reported.
func labError(err error) *apiError {
	var ie *lab.InputError
	if errors.As(err, &ie) {
		return &apiError{Code: wire.CodeBadValue, Message: ie.Msg}
	}
	return &apiError{Code: wire.CodeInternal, Message: "The simulator could not do that.", Detail: err.Error()}
}

// eventsJSON encodes events as a JSON array, as a timeline does, told in
// the page's language.
func (a *api) eventsJSON(events []sim.Event) rawJSON {
	b := []byte{'['}
	for i := range events {
		if i > 0 {
			b = append(b, ',')
		}
		b = events[i].AppendJSONIn(b, a.lang)
	}
	return append(b, ']')
}

// rawJSON is JSON already written (the events, by sim.Event's own
// encoder), put into an answer as it is.
type rawJSON []byte

// MarshalJSON returns the JSON itself, or null for none.
func (r rawJSON) MarshalJSON() ([]byte, error) {
	if r == nil {
		return []byte("null"), nil
	}
	return r, nil
}

package main

import (
	"errors"
	"fmt"
	"strconv"

	"portville/sim"
	"portville/sim/scenario"
	"portville/sim/smalljson"
	"portville/sim/timeline"
	"portville/web/wire"
)

// api is what the module offers static/js/wasm.js. Every call takes and
// returns strings (JSON where there is structure), so the JavaScript side
// needs no knowledge of Go values; main_js.go only converts them. For a
// lesson it keeps no session state: the page's session (wasm.js) names
// the lesson, OS and seed on every call, and a snapshot re-runs the
// scenario. A lab grows a command at a time, so the module keeps each
// lab between calls, by handle (lab.go).
type api struct {
	lessons []timeline.Lesson
	// labState holds the labs the page's sessions type into (lab.go):
	// nothing in the lessons' module, which has no lab (nolab.go).
	labState
	// lang is the page's language (nil: English), from language: the
	// module narrates every event, title and job in it.
	lang *sim.Language
}

// apiError is an error as the protocol's error message carries it;
// Detail is for the console, when the fault is the module's.
type apiError struct {
	Code    string    `json:"code"`
	Message string    `json:"message"`
	Errors  []problem `json:"errors,omitempty"`
	Detail  string    `json:"detail,omitempty"`
}

type problem struct {
	_       noCompare
	Line    int    `json:"line"`
	Col     int    `json:"col"`
	Message string `json:"message"`
}

// request names a timeline, and for a snapshot the event.
type request struct {
	_      noCompare
	Lesson string `json:"lesson"`
	OS     string `json:"os"`   // "" for the lesson's own
	Seed   string `json:"seed"` // decimal; "" for the lesson's own
	Seq    uint64 `json:"seq"`  // snapshot only
}

// init reads the lessons (lessons.json of the static build) and returns
// their IDs as a JSON array, or {"error": ...}.
func (a *api) init(data []byte) []byte {
	ls, err := timeline.DecodeLessons(data)
	if err != nil {
		return errorJSON(&apiError{Code: wire.CodeInternal, Message: "The lessons could not be read.", Detail: err.Error()})
	}
	a.lessons = ls
	ids := make([]string, len(ls))
	for i, l := range ls {
		ids[i] = l.ID
	}
	return mustJSON(ids)
}

// language reads the page's language, sim.Language's JSON (the static
// build writes wasm/lang/{code}.json from sim/lang/catalogues), and
// returns {"code": ...}, or {"error": ...}. Only the page's own language
// is loaded: a page never carries the others.
func (a *api) language(data []byte) []byte {
	l := &sim.Language{}
	if err := smalljson.Unmarshal(data, l); err != nil || l.Code == "" {
		return errorJSON(&apiError{Code: wire.CodeInternal, Message: "The page's language could not be read."})
	}
	a.lang = l
	return []byte(`{"code":` + strconv.Quote(l.Code) + `}`)
}

// checkOS returns "" when name is an OS profile, else the sentence the
// protocol's bad_value error gives after "os: ".
func (a *api) checkOS(name string) string {
	if _, err := sim.ProfileByName(name); err != nil {
		return err.Error()
	}
	return ""
}

// timeline runs the request's lesson and returns
// {"lesson": timeline.Info, "events": [every event]}, or {"error": ...}.
func (a *api) timeline(req []byte) []byte {
	r, sc, opt, e := a.decode(req)
	if e != nil {
		return errorJSON(e)
	}
	tl, err := timeline.Build(r.Lesson, sc, opt)
	if err != nil {
		return errorJSON(runError(err))
	}
	b := append([]byte(`{"lesson":`), mustJSON(tl.Info)...)
	b = append(b, `,"events":`...)
	b = tl.AppendEvents(b)
	return append(b, '}')
}

// snapshot returns the world after event seq of the request's timeline
// as sim.Snapshot's JSON, or {"error": ...}.
func (a *api) snapshot(req []byte) []byte {
	r, sc, opt, e := a.decode(req)
	if e != nil {
		return errorJSON(e)
	}
	snap, err := timeline.SnapshotAt(sc, opt, r.Seq)
	if err != nil {
		return errorJSON(runError(err))
	}
	snap.Translate(a.lang)
	return mustJSON(snap)
}

func (a *api) decode(req []byte) (request, *scenario.Scenario, scenario.Options, *apiError) {
	var r request
	opt := scenario.Options{Lang: a.lang}
	if err := smalljson.Unmarshal(req, &r); err != nil {
		return r, nil, opt, &apiError{Code: wire.CodeInternal, Message: "The simulator got a request it cannot read.", Detail: err.Error()}
	}
	if r.OS != "" {
		if msg := a.checkOS(r.OS); msg != "" {
			return r, nil, opt, &apiError{Code: wire.CodeBadValue, Message: "os: " + msg}
		}
		opt.OS = r.OS
	}
	if r.Seed != "" {
		seed, err := strconv.ParseUint(r.Seed, 10, 64)
		if err != nil {
			return r, nil, opt, &apiError{Code: wire.CodeBadValue, Message: "seed: expected a whole number from 0 to 18446744073709551615"}
		}
		opt.Seed, opt.SeedSet = seed, true
	}
	l, err := timeline.Find(a.lessons, r.Lesson)
	if err != nil {
		return r, nil, opt, &apiError{Code: wire.CodeUnknownLesson, Message: fmt.Sprintf("there is no lesson %q", r.Lesson)}
	}
	return r, l.Scenario, opt, nil
}

// runError is how a failed run is reported: with the step's position,
// as the server reports a scenario problem (web/timeline.go).
func runError(err error) *apiError {
	var re *scenario.RunError
	if errors.As(err, &re) {
		return &apiError{Code: wire.CodeScenario, Message: "the scenario has a problem",
			Errors: []problem{{Line: re.Line, Col: re.Col, Message: re.Msg}}}
	}
	return &apiError{Code: wire.CodeInternal, Message: "The simulator could not do that.", Detail: err.Error()}
}

func errorJSON(e *apiError) []byte {
	return mustJSON(struct {
		Error *apiError `json:"error"`
	}{e})
}

// mustJSON encodes the values of this file; they cannot fail to encode.
func mustJSON(v any) []byte {
	b, err := smalljson.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("portville-wasm: encode %T: %v", v, err))
	}
	return b
}

// noCompare, as a struct's first field, makes the struct not comparable,
// so that the compiler generates no equality function for it: each is
// hundreds of bytes of the WebAssembly module, for types nothing
// compares.
type noCompare [0]func()

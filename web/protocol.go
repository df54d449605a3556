package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"portville/sim"
	"portville/sim/lab"
	tlpkg "portville/sim/timeline"
	"portville/web/wire"
)

// This file is the Go side of the browser contract, docs/protocol.md: its
// messages and their parsing. The names (types, codes, reasons) are
// package wire's, which the WebAssembly simulator shares. The JavaScript
// side is static/js/protocol.js; keep them in step.

// LessonInfo describes the timeline a session plays: hello carries it, and
// so does the snapshot after a load. It is sim/timeline's Info, which the
// static build sends too: id ("" for an inline scenario), title, summary,
// takeaways, os, seed, start, total, checkpoints, and capacity (per host,
// the most ports it holds at once, so the view sizes each building once).
type LessonInfo = tlpkg.Info

// State is the playback state: the state message, and the state inside
// hello (where Type is empty and left out).
type State struct {
	Type    string  `json:"type,omitempty"`
	Playing bool    `json:"playing"`
	Speed   float64 `json:"speed"`
	Seq     uint64  `json:"seq"`
	Total   uint64  `json:"total"`
}

// Hello is the first message on every connection.
type Hello struct {
	Type     string          `json:"type"`
	V        int             `json:"v"`
	Session  string          `json:"session"`
	Timeline uint64          `json:"timeline"`
	Resumed  bool            `json:"resumed"`
	Lesson   *LessonInfo     `json:"lesson"`
	Snapshot json.RawMessage `json:"snapshot,omitempty"` // left out when resumed
	Recent   json.RawMessage `json:"recent,omitempty"`   // the events before the snapshot, for captions and log
	State    State           `json:"state"`
	Class    *ClassInfo      `json:"class,omitempty"` // presenters and followers of a class
	Lab      *LabInfo        `json:"lab,omitempty"`   // a lab's terminals (lab.go)
}

// ClassInfo describes a class to one of its viewers: the class message,
// and the class inside hello (where Type is empty and left out). A
// presenter gets the token and the counts, a follower its id and answers.
type ClassInfo struct {
	Type     string `json:"type,omitempty"`
	Role     string `json:"role"`
	Code     string `json:"code"`
	URL      string `json:"url"`
	QR       string `json:"qr"`
	Loopback bool   `json:"loopback,omitempty"` // URL names this machine's loopback address
	Mode     string `json:"mode"`
	Token    string `json:"token,omitempty"`
	// Remote is the teacher's remote, /remote/CODE#TOKEN, and RemoteQR
	// its QR code as a data: URL: for presenters only.
	Remote   string `json:"remote,omitempty"`
	RemoteQR string `json:"remote_qr,omitempty"`
	*ClassCounts
	Follower string            `json:"follower,omitempty"`
	Mine     map[uint64]string `json:"mine,omitempty"` // checkpoint number -> choice id
}

// ClassCounts are the numbers a presenter sees: followers connected, and
// per checkpoint number the answers per choice id.
type ClassCounts struct {
	Followers int                          `json:"followers"`
	Answers   map[uint64]map[string]uint32 `json:"answers"`
}

// ClassStats is the class.stats message, to presenters.
type ClassStats struct {
	Type string `json:"type"`
	ClassCounts
}

// ClassMode is the class.mode message.
type ClassMode struct {
	Type string `json:"type"`
	Mode string `json:"mode"`
}

// ClassEnd is the class.end message.
type ClassEnd struct {
	Type   string `json:"type"`
	Reason string `json:"reason"`
}

// Answered confirms a follower's answer to that follower.
type Answered struct {
	Type       string `json:"type"`
	Checkpoint uint64 `json:"checkpoint"`
	Choice     string `json:"choice"`
}

// Forked gives a follower its private copy.
type Forked struct {
	Type    string `json:"type"`
	Session string `json:"session"`
}

// SnapshotMsg replaces the browser's state with the world at snapshot.seq.
type SnapshotMsg struct {
	Type     string          `json:"type"`
	Reason   string          `json:"reason"`
	Timeline uint64          `json:"timeline"`
	Snapshot json.RawMessage `json:"snapshot"`
	// Recent are the last events up to snapshot.seq (at most
	// maxRecentEvents), so the browser can show the current narration and
	// log after a jump. They are context: the snapshot already includes
	// them.
	Recent json.RawMessage `json:"recent,omitempty"`
	Lesson *LessonInfo     `json:"lesson,omitempty"` // only after a load
}

// ErrorMsg says that something the browser sent could not be done.
type ErrorMsg struct {
	Type    string            `json:"type"`
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Errors  []ScenarioProblem `json:"errors,omitempty"`
}

// ScenarioProblem is one problem in an inline scenario, with its position.
type ScenarioProblem struct {
	Line    int    `json:"line"`
	Col     int    `json:"col"`
	Message string `json:"message"`
}

// Command is a message from the browser, decoded and checked for shape
// and range where that needs no session state (a seek past the end is
// checked by the session, which knows the end).
type Command struct {
	Type     string
	Seq      uint64  // seek
	X        float64 // speed
	After    uint64  // resume
	Lesson   string  // load
	Scenario string  // load
	OS       string  // load
	Seed     uint64  // load, when SeedSet
	SeedSet  bool
	// Classroom.
	Mode       string // class.mode
	Checkpoint uint64 // answer
	Choice     string // answer
	// The lab.
	Host   string // lab.input
	Line   string // lab.input
	Key    string // lab.input
	Lab    string // load: a lab's script
	LabSet bool   // load: lab was given (an empty script is a fresh lab)
}

// isControl reports whether the command changes what every viewer of the
// session sees, or is a presenter's class message; classroom followers may
// not send those.
func (c *Command) isControl() bool {
	switch c.Type {
	case wire.TypeResume, wire.TypeAnswer, wire.TypeFork, wire.TypeLabExport:
		return false
	}
	return true
}

// maxChoiceBytes bounds the choice of an answer (choice ids are a letter
// or two).
const maxChoiceBytes = 32

// parseCommand decodes one message from the browser. The error, if any,
// is a *userError with a protocol code and a sentence that is safe to show.
func parseCommand(data []byte) (Command, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil || raw == nil {
		return Command{}, userErrorf(wire.CodeBadJSON, "the message is not a JSON object")
	}
	var c Command
	t, ok := raw["type"]
	if !ok {
		return c, userErrorf(wire.CodeUnknownType, "the message has no type")
	}
	if err := json.Unmarshal(t, &c.Type); err != nil {
		return c, userErrorf(wire.CodeUnknownType, "type must be a string")
	}
	var err error
	switch c.Type {
	case wire.TypePlay, wire.TypePause, wire.TypeStep, wire.TypeBack, wire.TypeRestart, wire.TypeClassStart, wire.TypeClassEnd, wire.TypeFork, wire.TypeLabUndo, wire.TypeLabExport:
	case wire.TypeLabInput:
		err = parseLabInput(raw, &c)
	case wire.TypeSeek:
		c.Seq, err = uintField(raw, "seq")
	case wire.TypeResume:
		c.After, err = uintField(raw, "after")
	case wire.TypeSpeed:
		c.X, err = floatField(raw, "x")
		if err == nil && (c.X < wire.MinSpeed || c.X > wire.MaxSpeed) {
			err = userErrorf(wire.CodeBadValue, "x: speed %g is out of range (%g to %g)", c.X, float64(wire.MinSpeed), float64(wire.MaxSpeed))
		}
	case wire.TypeLoad:
		err = parseLoad(raw, &c)
	case wire.TypeClassMode:
		c.Mode, err = stringField(raw, "mode")
		if err == nil && c.Mode != wire.ModeFree && c.Mode != wire.ModeFollow {
			err = userErrorf(wire.CodeBadValue, "mode: expected %q or %q", wire.ModeFree, wire.ModeFollow)
		}
	case wire.TypeAnswer:
		if c.Checkpoint, err = uintField(raw, "checkpoint"); err != nil {
			return c, err
		}
		c.Choice, err = stringField(raw, "choice")
		if err == nil && (c.Choice == "" || len(c.Choice) > maxChoiceBytes) {
			err = userErrorf(wire.CodeBadValue, "choice: expected the id of one of the checkpoint's choices")
		}
	default:
		if len(c.Type) > maxTypeEchoBytes {
			return c, userErrorf(wire.CodeUnknownType, "unknown message type")
		}
		return c, userErrorf(wire.CodeUnknownType, "unknown message type %q", c.Type)
	}
	return c, err
}

// maxTypeEchoBytes bounds how much of an unknown type an error message repeats.
const maxTypeEchoBytes = 32

// maxHostNameBytes bounds a lab.input's host (host names have at most 32
// bytes; "town" is the town's own terminal).
const maxHostNameBytes = 32

func parseLabInput(raw map[string]json.RawMessage, c *Command) error {
	var err error
	if c.Host, err = stringField(raw, "host"); err != nil {
		return err
	}
	if c.Host == "" || len(c.Host) > maxHostNameBytes {
		return userErrorf(wire.CodeBadValue, "host: expected the name of one of the lab's hosts")
	}
	_, hasLine := raw["line"]
	_, hasKey := raw["key"]
	switch {
	case hasLine && hasKey:
		return userErrorf(wire.CodeBadValue, "lab.input: give line or key, not both")
	case hasLine:
		if c.Line, err = stringField(raw, "line"); err != nil {
			return err
		}
		if len(c.Line) > lab.MaxLineBytes {
			return userErrorf(wire.CodeBadValue, "line: %d bytes; the limit is %d", len(c.Line), lab.MaxLineBytes)
		}
	case hasKey:
		if c.Key, err = stringField(raw, "key"); err != nil {
			return err
		}
		if c.Key != lab.KeyInterrupt && c.Key != lab.KeyEOF && c.Key != lab.KeyStop {
			return userErrorf(wire.CodeBadValue, "key: expected %q, %q or %q", lab.KeyInterrupt, lab.KeyEOF, lab.KeyStop)
		}
	default:
		return userErrorf(wire.CodeBadValue, "lab.input: give line or key")
	}
	return nil
}

func parseLoad(raw map[string]json.RawMessage, c *Command) error {
	var err error
	if _, ok := raw["lab"]; ok {
		if c.Lab, err = stringField(raw, "lab"); err != nil {
			return err
		}
		c.LabSet = true
	}
	if _, ok := raw["lesson"]; ok {
		if c.Lesson, err = stringField(raw, "lesson"); err != nil {
			return err
		}
	}
	if _, ok := raw["scenario"]; ok {
		if c.Scenario, err = stringField(raw, "scenario"); err != nil {
			return err
		}
	}
	if _, ok := raw["os"]; ok {
		if c.OS, err = stringField(raw, "os"); err != nil {
			return err
		}
		if _, perr := sim.ProfileByName(c.OS); perr != nil {
			return userErrorf(wire.CodeBadValue, "os: %v", perr)
		}
	}
	if _, ok := raw["seed"]; ok {
		if c.Seed, err = uintField(raw, "seed"); err != nil {
			return err
		}
		c.SeedSet = true
	}
	switch {
	case c.Lesson != "" && c.Scenario != "":
		return userErrorf(wire.CodeBadValue, "load: give lesson or scenario, not both")
	case c.LabSet && c.Scenario != "":
		return userErrorf(wire.CodeBadValue, "load: give lab or scenario, not both")
	case c.Lesson == "" && c.Scenario == "" && c.OS == "" && !c.SeedSet && !c.LabSet:
		return userErrorf(wire.CodeBadValue, "load: give lesson, scenario, lab, os or seed")
	}
	return nil
}

func stringField(raw map[string]json.RawMessage, name string) (string, error) {
	v := bytes.TrimSpace(raw[name])
	var s string
	if len(v) == 0 || v[0] != '"' || json.Unmarshal(v, &s) != nil {
		return "", userErrorf(wire.CodeBadValue, "%s: expected a string", name)
	}
	return s, nil
}

// uintField reads a whole number from 0 to 2^64-1. It parses the literal
// itself, so 1.5, 1e3 and "7" are refused rather than rounded.
func uintField(raw map[string]json.RawMessage, name string) (uint64, error) {
	v, ok := raw[name]
	if !ok {
		return 0, userErrorf(wire.CodeBadValue, "%s: missing", name)
	}
	n, err := strconv.ParseUint(string(bytes.TrimSpace(v)), 10, 64)
	if err != nil {
		return 0, userErrorf(wire.CodeBadValue, "%s: expected a whole number from 0 to 18446744073709551615", name)
	}
	return n, nil
}

func floatField(raw map[string]json.RawMessage, name string) (float64, error) {
	v, ok := raw[name]
	if !ok {
		return 0, userErrorf(wire.CodeBadValue, "%s: missing", name)
	}
	var x float64
	v = bytes.TrimSpace(v)
	if len(v) == 0 || (v[0] != '-' && (v[0] < '0' || v[0] > '9')) || json.Unmarshal(v, &x) != nil || math.IsInf(x, 0) {
		return 0, userErrorf(wire.CodeBadValue, "%s: expected a number", name)
	}
	return x, nil
}

// Encoding. Every outgoing message is encoded once, whatever the number of
// viewers it goes to.

// mustJSON encodes a message type of this file; they cannot fail to encode.
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("web: encode %T: %v", v, err))
	}
	return b
}

// appendEventsFrame appends an event message (one event) or an events
// message (several) carrying events from..to of the timeline, inclusive.
// The events' JSON was encoded once when the timeline was built. A
// non-nil st rides along as the frame's "state": the playback state after
// these events, which then needs no message of its own.
func appendEventsFrame(b []byte, tl *timeline, from, to uint64, st *State) []byte {
	if from == to {
		b = append(b, `{"type":"event","event":`...)
		b = append(b, tl.Event(from)...)
	} else {
		b = append(b, `{"type":"events","events":[`...)
		for seq := from; seq <= to; seq++ {
			if seq > from {
				b = append(b, ',')
			}
			b = append(b, tl.Event(seq)...)
		}
		b = append(b, ']')
	}
	if st != nil {
		plain := *st
		plain.Type = ""
		b = append(b, `,"state":`...)
		b = append(b, mustJSON(plain)...)
	}
	return append(b, '}')
}

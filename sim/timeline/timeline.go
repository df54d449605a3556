// Package timeline plays a scenario once and keeps what a viewer needs:
// every event's JSON, the lesson's description, and a way back to the
// world at any event. It is the session core of the static build, where
// the simulator runs in the browser as WebAssembly (cmd/portville-wasm):
// it imports only sim and sim/scenario, never the YAML parser, so it
// builds with the tag portville_noyaml. The server's sessions (web/) use
// it too, so both play exactly the same bytes (sim.Event.AppendJSON for
// the events; Info is the protocol's lesson metadata, web.LessonInfo).
//
// The built-in lessons reach the WebAssembly module already parsed, as
// JSON written by EncodeLessons (lessons.json in the static build).
package timeline

import (
	"errors"
	"fmt"

	"portville/sim"
	"portville/sim/scenario"
	"portville/sim/smalljson"
)

// Info describes a timeline: the JSON is the `lesson` of the session
// protocol (docs/protocol.md), field for field web.LessonInfo.
type Info struct {
	ID          string         `json:"id"` // "" for an inline scenario
	Title       string         `json:"title"`
	Summary     string         `json:"summary"`
	Takeaways   []string       `json:"takeaways"`
	OS          string         `json:"os"`
	Seed        uint64         `json:"seed"`
	Start       uint64         `json:"start"`
	Total       uint64         `json:"total"`
	Checkpoints []uint64       `json:"checkpoints"`
	Capacity    map[string]int `json:"capacity"`
	// Lab marks a lab's timeline (sim/lab): it grows as commands are
	// typed; ID is then the lesson whose town the lab started from.
	Lab bool `json:"lab,omitempty"`
}

// Timeline is the complete event stream of one scenario with one OS
// profile and one seed. It is immutable once built.
type Timeline struct {
	Info Info
	sc   *scenario.Scenario
	opt  scenario.Options // the OS and seed asked for; no callbacks
	// data holds every event's JSON back to back: event seq is
	// data[ends[seq-2]:ends[seq-1]] (from 0 for seq 1).
	data  []byte
	ends  []int
	kinds []sim.Kind
	// words are Info's title, summary and takeaways in English, for In.
	words words
}

// words are what a timeline's Info says, in English; lab is set for a
// lab on a lesson's town, whose title is "Lab: " and the lesson's.
type words struct {
	title, summary string
	takeaways      []string
	lab            bool
}

// in sets info's words to w in l.
func (w words) in(l *sim.Language, info *Info) {
	info.Title, info.Summary, info.Takeaways = l.Text(w.title), l.Text(w.summary), l.TextList(w.takeaways)
	if w.lab {
		info.Title = l.Word("lab_title", "title", info.Title)
	}
}

// ErrTooBig stops BuildLimited when the encoded events outgrow its bound.
var ErrTooBig = errors.New("the timeline's events are larger than the limit")

// Build runs sc once with opt's OS and seed (its callbacks are ignored)
// and keeps every event. lessonID is the built-in lesson's ID, or "".
// The error is the run's: a *scenario.RunError names the step.
func Build(lessonID string, sc *scenario.Scenario, opt scenario.Options) (*Timeline, error) {
	return BuildLimited(lessonID, sc, opt, 0)
}

// BuildLimited is Build with a bound on the encoded events, in bytes (0:
// none); past it, the error is ErrTooBig.
func BuildLimited(lessonID string, sc *scenario.Scenario, opt scenario.Options, maxBytes int) (*Timeline, error) {
	opt.OnEvent, opt.StopAfter, opt.OnStop = nil, 0, nil
	tl := &Timeline{sc: sc, opt: opt}
	checkpoints := []uint64{}
	tooBig := false
	run := opt
	run.OnEvent = func(e *sim.Event) {
		if tooBig {
			return
		}
		tl.data = e.AppendJSONIn(tl.data, opt.Lang)
		tl.ends = append(tl.ends, len(tl.data))
		tl.kinds = append(tl.kinds, e.Kind)
		if e.Kind == sim.KindCheckpoint {
			checkpoints = append(checkpoints, e.Seq)
		}
		if maxBytes > 0 && len(tl.data) > maxBytes {
			tooBig = true
		}
	}
	res, err := sc.Run(run)
	if tooBig {
		return nil, ErrTooBig
	}
	if err != nil {
		return nil, err
	}
	takeaways := sc.Takeaways
	if takeaways == nil {
		takeaways = []string{}
	}
	osName := opt.OS
	if osName == "" {
		osName = sc.OS
	}
	if osName == "" {
		osName = "linux"
	}
	tl.words = words{sc.Title, sc.Summary, takeaways, false}
	tl.Info = Info{
		ID: lessonID, OS: osName, Seed: res.Seed, Start: res.Start, Total: tl.Total(), Checkpoints: checkpoints,
		Capacity: res.Capacity,
	}
	tl.words.in(opt.Lang, &tl.Info)
	return tl, nil
}

// FromEvents makes a timeline of recorded events with no scenario behind
// it (tests, benchmarks): its snapshots are the empty world. info.Total
// and info.Checkpoints are set from the events.
func FromEvents(info Info, events []sim.Event) *Timeline {
	tl := &Timeline{}
	info.Checkpoints = []uint64{}
	for i := range events {
		e := &events[i]
		tl.data = e.AppendJSON(tl.data)
		tl.ends = append(tl.ends, len(tl.data))
		tl.kinds = append(tl.kinds, e.Kind)
		if e.Kind == sim.KindCheckpoint {
			info.Checkpoints = append(info.Checkpoints, e.Seq)
		}
	}
	if info.Takeaways == nil {
		info.Takeaways = []string{}
	}
	info.Total = tl.Total()
	tl.words = words{info.Title, info.Summary, info.Takeaways, false}
	tl.Info = info
	return tl
}

// Grow returns a timeline of tl's events and then events, which must
// follow tl's last event; sc is the scenario that gives them all (a
// lab's, as written so far), for snapshots. The new timeline shares tl's
// arrays: only the latest timeline of a line may be grown, as a lab does
// (Truncate copies, so an older timeline is never written over).
func (tl *Timeline) Grow(events []sim.Event, sc *scenario.Scenario, capacity map[string]int) (*Timeline, error) {
	next := &Timeline{Info: tl.Info, sc: sc, opt: tl.opt, data: tl.data, ends: tl.ends, kinds: tl.kinds, words: tl.words}
	for i := range events {
		e := &events[i]
		if e.Seq != next.Total()+1 {
			return nil, fmt.Errorf("grow: event %d does not follow event %d", e.Seq, next.Total())
		}
		next.data = e.AppendJSONIn(next.data, tl.opt.Lang)
		next.ends = append(next.ends, len(next.data))
		next.kinds = append(next.kinds, e.Kind)
	}
	next.Info.Total = next.Total()
	next.Info.Capacity = capacity
	return next, nil
}

// Truncate returns a copy of the timeline's first total events, with sc
// (the scenario that gives exactly them) behind its snapshots.
func (tl *Timeline) Truncate(total uint64, sc *scenario.Scenario, capacity map[string]int) *Timeline {
	total = min(total, tl.Total())
	end := 0
	if total > 0 {
		end = tl.ends[total-1]
	}
	next := &Timeline{
		Info: tl.Info, sc: sc, opt: tl.opt, words: tl.words,
		data: append([]byte(nil), tl.data[:end]...), ends: append([]int(nil), tl.ends[:total]...),
		kinds: append([]sim.Kind(nil), tl.kinds[:total]...),
	}
	next.Info.Total = total
	next.Info.Capacity = capacity
	return next
}

// Bytes returns the size of the events' JSON.
func (tl *Timeline) Bytes() int { return len(tl.data) }

// NewLab makes the timeline of a lab that has only its setup events
// (sim/lab.Lab.SetupEvents): info says what it is (its town's title,
// summary and takeaways, in English; a lab on a lesson's town, info.ID
// set, is titled "Lab: " and the lesson's title), sc and opt are the
// lab's scenario and options.
func NewLab(info Info, events []sim.Event, sc *scenario.Scenario, opt scenario.Options) *Timeline {
	opt.OnEvent, opt.StopAfter, opt.OnStop = nil, 0, nil
	tl := &Timeline{sc: sc, opt: opt}
	for i := range events {
		tl.data = events[i].AppendJSONIn(tl.data, opt.Lang)
		tl.ends = append(tl.ends, len(tl.data))
		tl.kinds = append(tl.kinds, events[i].Kind)
	}
	info.Lab = true
	info.Total = tl.Total()
	if info.Checkpoints == nil {
		info.Checkpoints = []uint64{}
	}
	if info.Takeaways == nil {
		info.Takeaways = []string{}
	}
	tl.words = words{info.Title, info.Summary, info.Takeaways, info.ID != ""}
	tl.words.in(opt.Lang, &info)
	tl.Info = info
	return tl
}

// InfoIn returns the timeline's Info with its words in language l.
func (tl *Timeline) InfoIn(l *sim.Language) Info {
	info := tl.Info
	tl.words.in(l, &info)
	return info
}

// Lang returns the language the timeline tells its events in (nil:
// English).
func (tl *Timeline) Lang() *sim.Language { return tl.opt.Lang }

// In returns the timeline told in language l: the same run, the same
// events and every field but the words the same bytes. Its scenario is
// run again (a lesson re-runs in well under a millisecond); a timeline of
// recorded events, with no scenario, cannot be.
func (tl *Timeline) In(l *sim.Language) (*Timeline, error) {
	if tl.opt.Lang == l {
		return tl, nil
	}
	if tl.sc == nil {
		return nil, errors.New("timeline: recorded events cannot be told in another language")
	}
	opt := tl.opt
	opt.Lang = l
	next, err := Build(tl.Info.ID, tl.sc, opt)
	if err != nil {
		return nil, err
	}
	next.words = tl.words
	if next.Total() < tl.Total() {
		return nil, fmt.Errorf("timeline: the run in another language gave %d events, not %d", next.Total(), tl.Total())
	}
	if next.Total() > tl.Total() {
		next = next.Truncate(tl.Total(), tl.sc, tl.Info.Capacity)
	}
	info := tl.Info
	tl.words.in(l, &info)
	next.Info = info
	return next, nil
}

// Scenario returns the scenario and options the timeline was built from
// (nil for one made by FromEvents).
func (tl *Timeline) Scenario() (*scenario.Scenario, scenario.Options) { return tl.sc, tl.opt }

// Total returns the number of events.
func (tl *Timeline) Total() uint64 { return uint64(len(tl.ends)) }

// Event returns the JSON of event seq (1 to Total), exactly as
// sim.Event.AppendJSON wrote it.
func (tl *Timeline) Event(seq uint64) []byte {
	start := 0
	if seq > 1 {
		start = tl.ends[seq-2]
	}
	return tl.data[start:tl.ends[seq-1]]
}

// Kind returns the kind of event seq (1 to Total).
func (tl *Timeline) Kind(seq uint64) sim.Kind { return tl.kinds[seq-1] }

// AppendEvents appends every event as one JSON array.
func (tl *Timeline) AppendEvents(b []byte) []byte {
	b = append(b, '[')
	for seq := uint64(1); seq <= tl.Total(); seq++ {
		if seq > 1 {
			b = append(b, ',')
		}
		b = append(b, tl.Event(seq)...)
	}
	return append(b, ']')
}

// Snapshot returns the world after event seq (0 to Total), by running
// the scenario again up to that event.
func (tl *Timeline) Snapshot(seq uint64) (sim.Snapshot, error) {
	if seq > tl.Total() {
		return sim.Snapshot{}, fmt.Errorf("snapshot at %d: the timeline has %d events", seq, tl.Total())
	}
	if tl.sc == nil {
		// Recorded events have no world behind them.
		snap := sim.NewWorld(sim.Config{}).Snapshot()
		snap.Seq = seq
		return snap, nil
	}
	return SnapshotAt(tl.sc, tl.opt, seq)
}

// SnapshotAt returns the world after event seq of sc's run with opt's OS
// and seed, by running it again up to that event (it is deterministic, and
// a lesson re-runs in well under a millisecond). Seq 0 is the empty world.
func SnapshotAt(sc *scenario.Scenario, opt scenario.Options, seq uint64) (sim.Snapshot, error) {
	if seq == 0 {
		return sim.NewWorld(sim.Config{}).Snapshot(), nil
	}
	var snap sim.Snapshot
	found := false
	opt.OnEvent = nil
	opt.StopAfter = seq
	opt.OnStop = func(w *sim.World) {
		snap, found = w.Snapshot(), true
	}
	res, err := sc.Run(opt)
	if err != nil {
		return snap, fmt.Errorf("snapshot at %d: %w", seq, err)
	}
	if !found {
		return snap, fmt.Errorf("snapshot at %d: the run ended after %d events", seq, res.Events)
	}
	return snap, nil
}

// LessonsFormat is the version of the JSON EncodeLessons writes. The
// static build writes lessons.json and the WebAssembly module that reads
// it from the same source, so a mismatch means a stale file.
const LessonsFormat = 1

// Lesson is a built-in lesson, parsed.
type Lesson struct {
	_        noCompare
	ID       string             `json:"id"`
	Scenario *scenario.Scenario `json:"scenario"`
}

type lessonsFile struct {
	Format  int      `json:"format"`
	Lessons []Lesson `json:"lessons"`
}

// MaxLessonsBytes bounds the lessons JSON DecodeLessons reads.
const MaxLessonsBytes = 16 << 20

// EncodeLessons writes lessons, in order, as JSON that DecodeLessons
// reads back to equal scenarios: every field of scenario.Scenario is
// exported, so the JSON carries all of it.
func EncodeLessons(lessons []Lesson) ([]byte, error) {
	b, err := smalljson.Marshal(lessonsFile{Format: LessonsFormat, Lessons: lessons})
	if err != nil {
		return nil, fmt.Errorf("encode lessons: %w", err)
	}
	return b, nil
}

// DecodeLessons reads what EncodeLessons wrote. A field it does not know
// is an error: the file was written by another version.
func DecodeLessons(data []byte) ([]Lesson, error) {
	if len(data) > MaxLessonsBytes {
		return nil, fmt.Errorf("decode lessons: %d bytes; the limit is %d", len(data), MaxLessonsBytes)
	}
	var f lessonsFile
	if err := smalljson.UnmarshalStrict(data, &f); err != nil {
		return nil, fmt.Errorf("decode lessons: %w", err)
	}
	if f.Format != LessonsFormat {
		return nil, fmt.Errorf("decode lessons: format %d; this build reads format %d", f.Format, LessonsFormat)
	}
	for i, l := range f.Lessons {
		if l.ID == "" || l.Scenario == nil {
			return nil, fmt.Errorf("decode lessons: lesson %d has no id or no scenario", i+1)
		}
	}
	return f.Lessons, nil
}

// ErrUnknownLesson reports a lesson ID that is not in the list.
var ErrUnknownLesson = errors.New("unknown lesson")

// Find returns the lesson with the ID, or an error wrapping
// ErrUnknownLesson.
func Find(lessons []Lesson, id string) (*Lesson, error) {
	for i := range lessons {
		if lessons[i].ID == id {
			return &lessons[i], nil
		}
	}
	return nil, fmt.Errorf("lesson %q: %w", id, ErrUnknownLesson)
}

// noCompare, as a struct's first field, makes the struct not comparable,
// so that the compiler generates no equality function for it: each is
// hundreds of bytes of the WebAssembly module, for types nothing
// compares.
type noCompare [0]func()

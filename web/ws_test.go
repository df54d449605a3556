package web

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"portville/sim"
	"portville/sim/scenario"
	"portville/web/wire"
)

// lessonFacts is what a direct run of a lesson says the server must send.
type lessonFacts struct {
	sc          *scenario.Scenario
	opt         scenario.Options
	events      []sim.Event
	start       uint64
	total       uint64
	checkpoints []uint64
	capacity    map[string]int
}

func factsOf(t testing.TB, sc *scenario.Scenario, opt scenario.Options) lessonFacts {
	t.Helper()
	evs, res := runTo(t, sc, opt)
	f := lessonFacts{sc: sc, opt: opt, events: evs, start: res.Start, total: uint64(len(evs)), checkpoints: []uint64{}, capacity: map[string]int{}}
	held := map[string]int{}
	for _, e := range evs {
		switch {
		case e.Kind == sim.KindCheckpoint:
			f.checkpoints = append(f.checkpoints, e.Seq)
		case e.Kind == sim.KindPortAssign || (e.Kind == sim.KindSocketBind && !*e.Ephemeral):
			held[e.Host]++
			f.capacity[e.Host] = max(f.capacity[e.Host], held[e.Host])
		case e.Kind == sim.KindPortRelease:
			held[e.Host]--
		}
	}
	return f
}

// hold returns how long event seq stays on screen at speed 1, as
// docs/protocol.md ("Pacing") says.
func (f lessonFacts) hold(seq uint64) time.Duration {
	switch f.events[seq-1].Kind {
	case sim.KindPacketSend, sim.KindNote, sim.KindCheckpointReply:
		return 1600 * time.Millisecond
	case sim.KindPacketDeliver:
		return 1000 * time.Millisecond
	}
	return 600 * time.Millisecond
}

func (e *env) ephemeral() lessonFacts {
	return factsOf(e.t, e.cat.lessons[0].Scenario, scenario.Options{})
}

func TestHello(t *testing.T) {
	e := newEnv(t, nil)
	sc := e.cat.lessons[0].Scenario
	tests := []struct {
		name  string
		query string
		opt   scenario.Options
		os    string
		seed  uint64
	}{
		{"lesson defaults", "lesson=ephemeral-ports", scenario.Options{}, "linux", 7},
		{"os and seed from the URL", "lesson=ephemeral-ports&os=windows&seed=3",
			scenario.Options{OS: "windows", Seed: 3, SeedSet: true}, "windows", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := factsOf(t, sc, tt.opt)
			_, h := e.open(tt.query)
			if h.V != wire.ProtocolVersion || h.Session == "" || h.Timeline != 1 || h.Resumed {
				t.Errorf("hello v=%d session=%q timeline=%d resumed=%v, want v=1, a session, timeline 1, not resumed",
					h.V, h.Session, h.Timeline, h.Resumed)
			}
			want := LessonInfo{
				ID: "ephemeral-ports", Title: sc.Title, Summary: sc.Summary, Takeaways: sc.Takeaways,
				OS: tt.os, Seed: tt.seed, Start: f.start, Total: f.total, Checkpoints: f.checkpoints,
				Capacity: f.capacity,
			}
			if h.Lesson == nil || !reflect.DeepEqual(*h.Lesson, want) {
				t.Errorf("lesson\n got %+v\nwant %+v", h.Lesson, want)
			}
			if len(f.checkpoints) == 0 || f.start == 0 {
				t.Fatalf("the test lesson should have checkpoints and a start (start %d)", f.start)
			}
			wantState := State{Speed: 1, Seq: f.start, Total: f.total}
			if h.State == nil || *h.State != wantState {
				t.Errorf("state %+v, want %+v", h.State, wantState)
			}
			snap := snapshotAt(t, sc, tt.opt, f.start)
			if h.Snapshot == nil || !reflect.DeepEqual(*h.Snapshot, snap) {
				t.Errorf("snapshot\n got %+v\nwant %+v", h.Snapshot, snap)
			}
			if h.Snapshot != nil && (len(h.Snapshot.Hosts) == 0 || h.Snapshot.Hosts[0].OS != tt.os) {
				t.Errorf("snapshot hosts %+v, want hosts on %s", h.Snapshot.Hosts, tt.os)
			}
		})
	}
}

func TestPlayPacing(t *testing.T) {
	e := newEnv(t, nil)
	f := e.ephemeral()
	c, _ := e.open("lesson=ephemeral-ports")
	seq := f.start

	// Play shows the next event at once, then paces the others by kind.
	c.send(map[string]any{"type": wire.TypePlay})
	m := c.expectEvents(seq+1, seq+1)
	seq++
	if got, want := string(m.Event.AppendJSON(nil)), string(f.events[seq-1].AppendJSON(nil)); got != want {
		t.Errorf("event %d\n got %s\nwant %s", seq, got, want)
	}
	c.expectState(true, seq)
	kinds := map[time.Duration]bool{}
	for range 6 {
		hold := f.hold(seq)
		kinds[hold] = true
		e.clock.Advance(hold - time.Millisecond)
		c.expectQuiet()
		e.clock.Advance(time.Millisecond)
		c.expectEvents(seq+1, seq+1)
		seq++
	}
	if len(kinds) < 2 {
		t.Errorf("the paced events had one hold time (%v); the test should cover several kinds", kinds)
	}

	// Speed 2 halves the wait for the next event, counted from when the
	// one on screen appeared.
	c.send(map[string]any{"type": wire.TypeSpeed, "x": 2})
	if s := c.expectState(true, seq); s.Speed != 2 {
		t.Errorf("speed %g, want 2", s.Speed)
	}
	half := f.hold(seq) / 2
	e.clock.Advance(half - time.Millisecond)
	c.expectQuiet()
	e.clock.Advance(time.Millisecond)
	c.expectEvents(seq+1, seq+1)
	seq++

	// Several events due in one tick go out as one events frame.
	var sum time.Duration
	n := uint64(0)
	for ; n < 3; n++ {
		sum += f.hold(seq+n) / 2
	}
	if slices.ContainsFunc(f.checkpoints, func(cp uint64) bool { return cp > seq && cp <= seq+n }) {
		t.Fatal("the batch crosses a checkpoint; pick other events")
	}
	e.clock.Advance(sum)
	c.expectEvents(seq+1, seq+n)
	seq += n

	// Pause stops the clock's effect.
	c.send(map[string]any{"type": wire.TypePause})
	c.expectState(false, seq)
	e.clock.Advance(time.Hour)
	c.expectQuiet()
}

func TestCheckpointPausesAndEndStops(t *testing.T) {
	e := newEnv(t, nil)
	f := e.ephemeral()
	c, _ := e.open("lesson=ephemeral-ports")
	cp := f.checkpoints[0]

	c.send(map[string]any{"type": wire.TypeSeek, "seq": cp - 2})
	c.expect(wire.TypeSnapshot)
	c.expectState(false, cp-2)
	c.send(map[string]any{"type": wire.TypePlay})
	c.expectEvents(cp-1, cp-1)
	c.expectState(true, cp-1)
	e.clock.Advance(f.hold(cp - 1))
	m := c.expectEvents(cp, cp)
	if m.Event.Kind != sim.KindCheckpoint {
		t.Fatalf("event %d is %s, want a checkpoint", cp, m.Event.Kind)
	}
	c.expectState(false, cp)
	e.clock.Advance(time.Hour)
	c.expectQuiet()

	// At the end, playback stops by itself, and play does nothing more.
	c.send(map[string]any{"type": wire.TypeSeek, "seq": f.total - 1})
	c.expect(wire.TypeSnapshot)
	c.expectState(false, f.total-1)
	c.send(map[string]any{"type": wire.TypePlay})
	c.expectEvents(f.total, f.total)
	c.expectState(false, f.total)
	c.send(map[string]any{"type": wire.TypePlay})
	c.expectState(false, f.total)
}

// TestStateRidesWithTheEvents: a step, and playback paused by a
// checkpoint, send one frame to each viewer: the events with the state
// after them. No state message follows (one write per viewer, not two).
func TestStateRidesWithTheEvents(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	f := e.ephemeral()
	c, _ := e.open("lesson=ephemeral-ports&os=linux&seed=7")
	c.send(map[string]any{"type": wire.TypeStep})
	m := c.expectEvents(f.start+1, f.start+1)
	if m.State == nil || m.State.Playing || m.State.Seq != f.start+1 || m.State.Total != f.total || m.State.Speed != 1 {
		t.Fatalf("step's frame carries state %+v, want paused at %d of %d, speed 1", m.State, f.start+1, f.total)
	}
	c.expectState(false, f.start+1) // the carried state, as the test client hands it on
	c.expectQuiet()                 // and no state message of its own

	// A seek sends its snapshot, then a state message: no events carry it.
	c.send(map[string]any{"type": wire.TypeSeek, "seq": f.total - 1})
	if s := c.expect(wire.TypeSnapshot); s.State != nil {
		t.Fatalf("a snapshot carries state %+v", s.State)
	}
	c.expectState(false, f.total-1)
	// The last event pauses playback: the state rides with it.
	c.send(map[string]any{"type": wire.TypePlay})
	if m := c.expectEvents(f.total, f.total); m.State == nil || m.State.Playing || m.State.Seq != f.total {
		t.Fatalf("the last event's frame carries state %+v, want paused at %d", m.State, f.total)
	}
	c.expectState(false, f.total)
	c.expectQuiet()
}

func TestStepBackSeekRestart(t *testing.T) {
	e := newEnv(t, nil)
	f := e.ephemeral()
	c, _ := e.open("lesson=ephemeral-ports")
	snapAt := func(seq uint64) sim.Snapshot { return snapshotAt(t, f.sc, f.opt, seq) }

	expectSnapshot := func(reason string, seq uint64) {
		t.Helper()
		m := c.expect(wire.TypeSnapshot)
		if m.Reason != reason || m.Timeline != 1 || m.Lesson != nil {
			t.Errorf("snapshot reason=%q timeline=%d lesson=%v, want %q, 1, none", m.Reason, m.Timeline, m.Lesson, reason)
		}
		if want := snapAt(seq); m.Snapshot == nil || !reflect.DeepEqual(*m.Snapshot, want) {
			t.Errorf("%s snapshot at %d\n got %+v\nwant %+v", reason, seq, m.Snapshot, want)
		}
		c.expectState(false, seq)
	}

	c.send(map[string]any{"type": wire.TypeStep})
	c.expectEvents(f.start+1, f.start+1)
	c.expectState(false, f.start+1)

	c.send(map[string]any{"type": wire.TypeBack})
	expectSnapshot(wire.ReasonBack, f.start)

	c.send(map[string]any{"type": wire.TypeSeek, "seq": 0})
	expectSnapshot(wire.ReasonSeek, 0)
	if m := snapAt(0); len(m.Hosts) != 0 || m.Seq != 0 {
		t.Errorf("seq 0 is %+v, want the empty world", m)
	}
	c.send(map[string]any{"type": wire.TypeBack})
	c.expectState(false, 0)

	c.send(map[string]any{"type": wire.TypeSeek, "seq": f.total})
	expectSnapshot(wire.ReasonSeek, f.total)
	c.send(map[string]any{"type": wire.TypeStep})
	c.expectState(false, f.total)
	c.send(map[string]any{"type": wire.TypeSeek, "seq": f.total + 1})
	c.expectError(wire.CodeBadValue)

	// Seeking both ways is exact: forward past a checkpoint, then back.
	mid := f.checkpoints[0] + 3
	c.send(map[string]any{"type": wire.TypeSeek, "seq": mid})
	expectSnapshot(wire.ReasonSeek, mid)
	c.send(map[string]any{"type": wire.TypeSeek, "seq": 5})
	expectSnapshot(wire.ReasonSeek, 5)

	// A seek while playing pauses.
	c.send(map[string]any{"type": wire.TypePlay})
	c.expectEvents(6, 6)
	c.expectState(true, 6)
	c.send(map[string]any{"type": wire.TypeSeek, "seq": mid})
	expectSnapshot(wire.ReasonSeek, mid)
	e.clock.Advance(time.Hour)
	c.expectQuiet()

	c.send(map[string]any{"type": wire.TypeRestart})
	expectSnapshot(wire.ReasonRestart, f.start)
}

// TestSnapshotPlusEventsIsExact checks what the browser's reducer relies
// on: after a seek to k, the events k+1.. the server sends are the ones a
// direct run emits, byte for byte, and a step back lands on the direct
// run's snapshot.
func TestSnapshotPlusEventsIsExact(t *testing.T) {
	e := newEnv(t, nil)
	f := e.ephemeral()
	c, _ := e.open("lesson=ephemeral-ports")
	k := f.checkpoints[0] - 4
	c.send(map[string]any{"type": wire.TypeSeek, "seq": k})
	c.expect(wire.TypeSnapshot)
	c.expectState(false, k)
	for seq := k + 1; seq <= k+8; seq++ {
		c.send(map[string]any{"type": wire.TypeStep})
		m := c.expectEvents(seq, seq)
		if got, want := string(m.Event.AppendJSON(nil)), string(f.events[seq-1].AppendJSON(nil)); got != want {
			t.Errorf("event %d\n got %s\nwant %s", seq, got, want)
		}
		c.expectState(false, seq)
	}
	c.send(map[string]any{"type": wire.TypeBack})
	m := c.expect(wire.TypeSnapshot)
	if want := snapshotAt(t, f.sc, f.opt, k+7); !reflect.DeepEqual(*m.Snapshot, want) {
		t.Errorf("snapshot at %d differs from a direct run", k+7)
	}
}

func TestSpeedRange(t *testing.T) {
	e := newEnv(t, nil)
	f := e.ephemeral()
	c, _ := e.open("lesson=ephemeral-ports")
	tests := []struct {
		name  string
		x     any
		code  string // "" means accepted
		speed float64
	}{
		{"slowest", 0.25, "", 0.25},
		{"fastest", 8, "", 8},
		{"normal", 1, "", 1},
		{"too slow", 0.2, wire.CodeBadValue, 0},
		{"too fast", 8.5, wire.CodeBadValue, 0},
		{"zero", 0, wire.CodeBadValue, 0},
		{"negative", -1, wire.CodeBadValue, 0},
		{"a string", "2", wire.CodeBadValue, 0},
		{"null", nil, wire.CodeBadValue, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.send(map[string]any{"type": wire.TypeSpeed, "x": tt.x})
			if tt.code != "" {
				c.expectError(tt.code)
				return
			}
			if m := c.expectState(false, f.start); m.Speed != tt.speed {
				t.Errorf("speed %g, want %g", m.Speed, tt.speed)
			}
		})
	}
}

func TestLoad(t *testing.T) {
	e := newEnv(t, nil)
	eph := e.cat.lessons[0].Scenario
	tiny := e.cat.lessons[1].Scenario
	c, _ := e.open("lesson=ephemeral-ports&os=macos")
	inline := `id: inline
title: Inline
hosts:
  - name: a
    addr: 10.1.1.1
steps:
  - note: Hello.
    host: a
`
	inlineSc, err := scenario.Parse("scenario", []byte(inline))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		load     map[string]any
		sc       *scenario.Scenario
		opt      scenario.Options
		id       string
		os       string
		timeline uint64
	}{
		{"another lesson", map[string]any{"lesson": "tiny"}, tiny, scenario.Options{}, "tiny", "linux", 2},
		{"the same lesson on another OS", map[string]any{"os": "windows"}, tiny, scenario.Options{OS: "windows"}, "tiny", "windows", 3},
		{"and another seed, keeping the OS", map[string]any{"seed": 5}, tiny,
			scenario.Options{OS: "windows", Seed: 5, SeedSet: true}, "tiny", "windows", 4},
		{"a lesson with OS and seed", map[string]any{"lesson": "ephemeral-ports", "os": "freebsd", "seed": 9}, eph,
			scenario.Options{OS: "freebsd", Seed: 9, SeedSet: true}, "ephemeral-ports", "freebsd", 5},
		{"an inline scenario", map[string]any{"scenario": inline}, inlineSc, scenario.Options{}, "", "linux", 6},
		{"the inline scenario with a seed", map[string]any{"seed": 2}, inlineSc, scenario.Options{Seed: 2, SeedSet: true}, "", "linux", 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := factsOf(t, tt.sc, tt.opt)
			load := map[string]any{"type": wire.TypeLoad}
			for k, v := range tt.load {
				load[k] = v
			}
			c.send(load)
			m := c.expect(wire.TypeSnapshot)
			if m.Reason != wire.ReasonLoad || m.Timeline != tt.timeline {
				t.Errorf("reason %q timeline %d, want load, %d", m.Reason, m.Timeline, tt.timeline)
			}
			want := LessonInfo{ID: tt.id, Title: tt.sc.Title, Summary: tt.sc.Summary, Takeaways: nonNil(tt.sc.Takeaways),
				OS: tt.os, Seed: tt.sc.SeedFor(tt.opt), Start: f.start, Total: f.total, Checkpoints: f.checkpoints,
				Capacity: f.capacity}
			if m.Lesson == nil || !reflect.DeepEqual(*m.Lesson, want) {
				t.Errorf("lesson\n got %+v\nwant %+v", m.Lesson, want)
			}
			if snap := snapshotAt(t, tt.sc, tt.opt, f.start); !reflect.DeepEqual(*m.Snapshot, snap) {
				t.Errorf("snapshot differs from a direct run at %d", f.start)
			}
			s := c.expectState(false, f.start)
			if s.Total != f.total {
				t.Errorf("state total %d, want %d", s.Total, f.total)
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	e := newEnv(t, nil)
	c, _ := e.open("lesson=ephemeral-ports")
	tests := []struct {
		name     string
		send     string
		code     string
		problems []ScenarioProblem
	}{
		{"unknown lesson", `{"type":"load","lesson":"nope"}`, wire.CodeUnknownLesson, nil},
		{"nothing to load", `{"type":"load"}`, wire.CodeBadValue, nil},
		{"lesson and scenario", `{"type":"load","lesson":"tiny","scenario":"id: x"}`, wire.CodeBadValue, nil},
		{"unknown OS", `{"type":"load","os":"plan9"}`, wire.CodeBadValue, nil},
		{"negative seed", `{"type":"load","seed":-1}`, wire.CodeBadValue, nil},
		{"lesson not a string", `{"type":"load","lesson":3}`, wire.CodeBadValue, nil},
		{"scenario with three problems", `{"type":"load","scenario":"id: x\ntitle: X\nhosts:\n  - name: a\n    addr: 999.1.1.1\n    colour: red\n"}`,
			wire.CodeScenario, []ScenarioProblem{{1, 1, ""}, {5, 11, ""}, {6, 5, ""}}},
		{"scenario that fails when it runs", `{"type":"load","scenario":"id: x\ntitle: X\nhosts:\n  - name: a\n    addr: 10.0.0.1\n    programs: [{name: p}]\nsteps:\n  - start: p\n    on: a\n    as: q\n  - exit: q\n  - exit: q\n"}`,
			wire.CodeScenario, []ScenarioProblem{{12, 5, ""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.sendRaw(tt.send)
			m := c.expectError(tt.code)
			if len(m.Errors) != len(tt.problems) {
				t.Fatalf("errors %+v, want %d", m.Errors, len(tt.problems))
			}
			for i, p := range tt.problems {
				if m.Errors[i].Line != p.Line || m.Errors[i].Col != p.Col || m.Errors[i].Message == "" {
					t.Errorf("problem %d is %+v, want line %d col %d with a message", i, m.Errors[i], p.Line, p.Col)
				}
			}
			// The session still plays the first lesson.
			c.send(map[string]any{"type": wire.TypePause})
			if s := c.expect(wire.TypeState); s.Total != e.ephemeral().total {
				t.Errorf("after a failed load the total is %d", s.Total)
			}
		})
	}
}

func TestBadInputKeepsConnection(t *testing.T) {
	e := newEnv(t, nil)
	c, h := e.open("lesson=ephemeral-ports")
	tests := []struct {
		name string
		send string
		code string
	}{
		{"not JSON", `{"type":`, wire.CodeBadJSON},
		{"an array", `[{"type":"play"}]`, wire.CodeBadJSON},
		{"a string", `"play"`, wire.CodeBadJSON},
		{"null", `null`, wire.CodeBadJSON},
		{"no type", `{"seq":1}`, wire.CodeUnknownType},
		{"type not a string", `{"type":7}`, wire.CodeUnknownType},
		{"unknown type", `{"type":"dance"}`, wire.CodeUnknownType},
		{"a server type", `{"type":"hello"}`, wire.CodeUnknownType},
		{"seek without seq", `{"type":"seek"}`, wire.CodeBadValue},
		{"seek negative", `{"type":"seek","seq":-1}`, wire.CodeBadValue},
		{"seek fraction", `{"type":"seek","seq":1.5}`, wire.CodeBadValue},
		{"seek exponent", `{"type":"seek","seq":1e2}`, wire.CodeBadValue},
		{"seek string", `{"type":"seek","seq":"3"}`, wire.CodeBadValue},
		{"seek past the end", `{"type":"seek","seq":99999999}`, wire.CodeBadValue},
		{"seek huge", `{"type":"seek","seq":184467440737095516150}`, wire.CodeBadValue},
		{"resume without after", `{"type":"resume"}`, wire.CodeBadValue},
		{"speed without x", `{"type":"speed"}`, wire.CodeBadValue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.sendRaw(tt.send)
			c.expectError(tt.code)
			c.send(map[string]any{"type": wire.TypePause})
			c.expectState(false, h.State.Seq)
		})
	}
}

func TestParseCommand(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Command
	}{
		{"play", `{"type":"play"}`, Command{Type: wire.TypePlay}},
		{"extra fields ignored", `{"type":"pause","by":"me"}`, Command{Type: wire.TypePause}},
		{"seek", `{"type":"seek","seq":42}`, Command{Type: wire.TypeSeek, Seq: 42}},
		{"seek 0", `{"type":"seek","seq":0}`, Command{Type: wire.TypeSeek}},
		{"speed", `{"type":"speed","x":0.5}`, Command{Type: wire.TypeSpeed, X: 0.5}},
		{"resume", `{"type":"resume","after":17}`, Command{Type: wire.TypeResume, After: 17}},
		{"load lesson", `{"type":"load","lesson":"sockets"}`, Command{Type: wire.TypeLoad, Lesson: "sockets"}},
		{"load os", `{"type":"load","os":"windows"}`, Command{Type: wire.TypeLoad, OS: "windows"}},
		{"load seed", `{"type":"load","seed":18446744073709551615}`, Command{Type: wire.TypeLoad, Seed: 18446744073709551615, SeedSet: true}},
		{"load seed 0", `{"type":"load","seed":0}`, Command{Type: wire.TypeLoad, SeedSet: true}},
		{"load scenario", `{"type":"load","scenario":"id: x"}`, Command{Type: wire.TypeLoad, Scenario: "id: x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseCommand([]byte(tt.in))
			if err != nil {
				t.Fatalf("parseCommand(%s): %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("parseCommand(%s) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestViewersShareSession(t *testing.T) {
	e := newEnv(t, nil)
	f := e.ephemeral()
	a, ha := e.open("lesson=ephemeral-ports")
	a.send(map[string]any{"type": wire.TypeStep})
	a.expectEvents(f.start+1, f.start+1)
	a.expectState(false, f.start+1)

	b, hb := e.open("session=" + ha.Session)
	if hb.Session != ha.Session || hb.Resumed || hb.State.Seq != f.start+1 {
		t.Fatalf("second viewer's hello: session %q resumed %v seq %d", hb.Session, hb.Resumed, hb.State.Seq)
	}
	if want := snapshotAt(t, f.sc, f.opt, f.start+1); !reflect.DeepEqual(*hb.Snapshot, want) {
		t.Errorf("second viewer's snapshot differs from a direct run")
	}
	if n := e.srv.sessionCount(); n != 1 {
		t.Errorf("%d sessions, want 1", n)
	}
	b.send(map[string]any{"type": wire.TypePlay})
	for _, c := range []*client{a, b} {
		c.expectEvents(f.start+2, f.start+2)
		c.expectState(true, f.start+2)
	}
	e.clock.Advance(f.hold(f.start + 2))
	for _, c := range []*client{a, b} {
		c.expectEvents(f.start+3, f.start+3)
	}
	// An error goes only to the viewer that caused it.
	a.sendRaw(`{"type":"dance"}`)
	a.expectError(wire.CodeUnknownType)
	b.expectQuiet()
}

// dropConn ends a client's TCP connection without a close frame, as a
// network failure would.
func dropConn(c *client) { c.conn.NetConn().Close() }

func TestResumeAfterDroppedConnection(t *testing.T) {
	e := newEnv(t, nil)
	f := e.ephemeral()
	c, h := e.open("lesson=ephemeral-ports")
	sess := e.srv.session(h.Session)
	c.send(map[string]any{"type": wire.TypePlay})
	seq := f.start + 1
	c.expectEvents(seq, seq)
	c.expectState(true, seq)
	e.clock.Advance(f.hold(seq))
	seq++
	c.expectEvents(seq, seq)
	last := seq // what the browser saw; the next frame is lost in flight
	e.clock.Advance(f.hold(seq))
	seq++
	waitFor(t, "the lost frame", func() bool { return sess.shownUpTo() == seq })
	dropConn(c)
	waitFor(t, "the viewer to leave", func() bool { return sess.viewerCount() == 0 })

	// The session plays on while nobody watches.
	e.clock.Advance(f.hold(seq))
	seq++
	waitFor(t, "the session to play on", func() bool { return sess.shownUpTo() == seq })

	c2 := e.dial(fmt.Sprintf("session=%s&after=%d&timeline=1&lesson=ephemeral-ports", h.Session, last))
	h2 := c2.expect(wire.TypeHello)
	if !h2.Resumed || h2.Snapshot != nil || h2.Session != h.Session || h2.Timeline != 1 {
		t.Fatalf("hello resumed=%v snapshot=%v session=%q timeline=%d, want a resume of %q without snapshot",
			h2.Resumed, h2.Snapshot != nil, h2.Session, h2.Timeline, h.Session)
	}
	if h2.State == nil || *h2.State != (State{Playing: true, Speed: 1, Seq: seq, Total: f.total}) {
		t.Errorf("hello state %+v", h2.State)
	}
	c2.expectEvents(last+1, seq)
	e.clock.Advance(f.hold(seq))
	c2.expectEvents(seq+1, seq+1)
	c2.expectQuiet()

	// The resume message does the same on a live connection.
	c2.send(map[string]any{"type": wire.TypeResume, "after": seq - 2})
	c2.expectEvents(seq-1, seq+1)
	c2.expectState(true, seq+1)
}

func TestReconnectWithoutHistory(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.IdleTimeout = time.Minute })
	f := e.ephemeral()
	c, h := e.open("lesson=ephemeral-ports")
	sess := e.srv.session(h.Session)
	c.send(map[string]any{"type": wire.TypeStep})
	c.expectEvents(f.start+1, f.start+1)
	c.expectState(false, f.start+1)
	c.send(map[string]any{"type": wire.TypeLoad, "seed": 11})
	c.expect(wire.TypeSnapshot)
	c.expectState(false, f.start)

	tests := []struct {
		name  string
		query string
	}{
		{"the timeline changed", fmt.Sprintf("session=%s&after=%d&timeline=1", h.Session, f.start+1)},
		{"the viewer is ahead of the cursor", fmt.Sprintf("session=%s&after=%d&timeline=2", h.Session, f.start+5)},
		{"no timeline given", fmt.Sprintf("session=%s&after=%d", h.Session, f.start)},
		{"no after given", "session=" + h.Session},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c2, h2 := e.open(tt.query)
			if h2.Resumed || h2.Snapshot == nil || h2.Session != h.Session || h2.Timeline != 2 || h2.State.Seq != f.start {
				t.Errorf("hello resumed=%v snapshot=%v session=%q timeline=%d seq=%d, want a full hello of timeline 2 at %d",
					h2.Resumed, h2.Snapshot != nil, h2.Session, h2.Timeline, h2.State.Seq, f.start)
			}
			if h2.Lesson.Seed != 11 {
				t.Errorf("lesson seed %d, want 11", h2.Lesson.Seed)
			}
			dropConn(c2)
		})
	}

	// The session expires; a reconnect that names the lesson gets a new
	// session, one that does not gets unknown_session.
	dropConn(c)
	waitFor(t, "the viewers to leave", func() bool { return sess.viewerCount() == 0 })
	waitFor(t, "the idle timer", func() bool { return e.clock.Pending() == 1 })
	e.clock.Advance(time.Minute)
	waitFor(t, "the session to end", func() bool { return e.srv.sessionCount() == 0 })

	c3, h3 := e.open(fmt.Sprintf("session=%s&after=%d&timeline=2&lesson=ephemeral-ports", h.Session, f.start))
	if h3.Resumed || h3.Session == h.Session || h3.Snapshot == nil || h3.Lesson.ID != "ephemeral-ports" {
		t.Errorf("hello resumed=%v session=%q (old %q) snapshot=%v, want a new session", h3.Resumed, h3.Session, h.Session, h3.Snapshot != nil)
	}
	dropConn(c3)

	c4 := e.dial("session=" + h.Session + "&after=3&timeline=2")
	c4.expectError(wire.CodeUnknownSession)
	c4.expectClose(websocket.ClosePolicyViolation)
}

func TestCatchUpTooFarGetsSnapshot(t *testing.T) {
	e := newEnv(t, nil)
	tl := syntheticTimeline(maxResumeEvents+50, 10)
	tl.Info.Start = tl.Total()
	sess, err := e.srv.openSession(tl)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		after   uint64
		resumed bool
	}{
		{"within the bound", 50, true},
		{"beyond it", 49, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, h := e.open(fmt.Sprintf("session=%s&after=%d&timeline=1", sess.id, tt.after))
			if h.Resumed != tt.resumed || (h.Snapshot == nil) == !tt.resumed {
				t.Fatalf("resumed=%v snapshot=%v, want resumed=%v", h.Resumed, h.Snapshot != nil, tt.resumed)
			}
			if !tt.resumed {
				c.expectQuiet()
				return
			}
			for from := tt.after + 1; from <= tl.Total(); from += maxBatchEvents {
				c.expectEvents(from, min(from+maxBatchEvents-1, tl.Total()))
			}
			c.send(map[string]any{"type": wire.TypeResume, "after": tt.after - 1})
			if m := c.expect(wire.TypeSnapshot); m.Reason != wire.ReasonResume || m.Snapshot.Seq != tl.Total() {
				t.Errorf("resume too far: reason %q seq %d", m.Reason, m.Snapshot.Seq)
			}
			c.expectState(false, tl.Total())
		})
	}
}

func TestConnectErrors(t *testing.T) {
	e := newEnv(t, nil)
	tests := []struct {
		name  string
		query string
		code  string
		close int
	}{
		{"unknown lesson", "lesson=nope", wire.CodeUnknownLesson, websocket.ClosePolicyViolation},
		{"no lesson or session", "", wire.CodeBadValue, websocket.ClosePolicyViolation},
		{"bad OS", "lesson=tiny&os=beos", wire.CodeBadValue, websocket.ClosePolicyViolation},
		{"bad seed", "lesson=tiny&seed=x", wire.CodeBadValue, websocket.ClosePolicyViolation},
		{"bad after", "session=abc&after=-1", wire.CodeBadValue, websocket.ClosePolicyViolation},
		{"unknown session", "session=abc", wire.CodeUnknownSession, websocket.ClosePolicyViolation},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := e.dial(tt.query)
			c.expectError(tt.code)
			c.expectClose(tt.close)
		})
	}
	if n := e.srv.sessionCount(); n != 0 {
		t.Errorf("%d sessions after refused connections", n)
	}
}

func TestOriginCheck(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.AllowOrigins = []string{"https://Course.Example.org"} })
	host := e.hs.Listener.Addr().String()
	tests := []struct {
		name   string
		origin string
		ok     bool
	}{
		{"no origin (not a browser)", "", true},
		{"the app's own origin", "http://" + host, true},
		{"a configured origin", "https://course.example.org", true},
		{"a configured origin, other scheme", "http://course.example.org", false},
		{"another site", "https://evil.example", false},
		{"a look-alike host", "http://" + host + ".evil.example", false},
		{"null", "null", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := map[string][]string{}
			if tt.origin != "" {
				h["Origin"] = []string{tt.origin}
			}
			c, resp, err := websocket.DefaultDialer.Dial(e.wsURL("lesson=tiny"), h)
			if tt.ok {
				if err != nil {
					t.Fatalf("dial: %v", err)
				}
				c.Close()
				return
			}
			if err == nil {
				c.Close()
				t.Fatal("the upgrade succeeded")
			}
			if resp == nil || resp.StatusCode != 403 {
				t.Fatalf("dial: %v, want HTTP 403", err)
			}
		})
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"wildcard origin", Config{AllowOrigins: []string{"*"}}},
		{"origin with a path", Config{AllowOrigins: []string{"https://a.example/x"}}},
		{"origin without scheme", Config{AllowOrigins: []string{"a.example"}}},
		{"frame ancestors with a semicolon", Config{FrameAncestors: "https://a.example; script-src *"}},
		{"frame ancestors with a quote", Config{FrameAncestors: `https://a.example "x"`}},
		{"frame ancestors with a control character", Config{FrameAncestors: "https://a.example\x00"}},
		{"negative limit", Config{MaxSessions: -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.Static = testStatic
			if _, err := New(tt.cfg); err == nil {
				t.Errorf("New(%+v) succeeded", tt.cfg)
			}
		})
	}
}

func TestShutdownClosesWebsockets(t *testing.T) {
	e := newEnv(t, nil)
	a, ha := e.open("lesson=ephemeral-ports")
	b, _ := e.open("session=" + ha.Session)
	c, _ := e.open("lesson=tiny")
	start := time.Now()
	ctx, cancel := contextWithTimeout(2 * time.Second)
	defer cancel()
	if err := e.srv.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("Shutdown took %v", d)
	}
	for _, cl := range []*client{a, b, c} {
		cl.expectClose(websocket.CloseGoingAway)
	}
	if n := e.srv.live.Load(); n != 0 {
		t.Errorf("%d goroutines left", n)
	}
	// New connections are refused with 1001 too.
	d := e.dial("lesson=tiny")
	d.expectError(wire.CodeInternal)
	d.expectClose(websocket.CloseGoingAway)
}

func TestShutdownForcesStuckConnections(t *testing.T) {
	e := newEnv(t, nil)
	_, h := e.open("lesson=tiny")
	// This browser never answers the close frame; Shutdown gives it the
	// grace period, then closes it, well within its deadline.
	raw := e.dialRaw("session="+h.Session, nil)
	_ = raw
	ctx, cancel := contextWithTimeout(2 * time.Second)
	defer cancel()
	start := time.Now()
	if err := e.srv.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if d := time.Since(start); d > closeGracePeriod+500*time.Millisecond {
		t.Errorf("Shutdown took %v", d)
	}
}

func TestSessionIDs(t *testing.T) {
	e := newEnv(t, nil)
	seen := map[string]bool{}
	for range 5 {
		_, h := e.open("lesson=tiny")
		if len(h.Session) < 20 || seen[h.Session] {
			t.Errorf("session id %q is short or repeated", h.Session)
		}
		seen[h.Session] = true
		if _, err := strconv.ParseUint(h.Session, 10, 64); err == nil {
			t.Errorf("session id %q is a number", h.Session)
		}
	}
}

// TestSnapshotRecent: hello and snapshot messages carry the events just
// before the cursor (at most 40), so a browser that jumped can show the
// narration and log; a jump to the start carries none.
func TestSnapshotRecent(t *testing.T) {
	e := newEnv(t, nil)
	f := e.ephemeral()
	c, h := e.open("lesson=ephemeral-ports")
	checkRecent := func(what string, got []sim.Event, seq uint64) {
		t.Helper()
		from := uint64(1)
		if seq > maxRecentEvents {
			from = seq - maxRecentEvents + 1
		}
		if seq == 0 {
			if len(got) != 0 {
				t.Errorf("%s: %d recent events at the start, want none", what, len(got))
			}
			return
		}
		if uint64(len(got)) != seq-from+1 || got[0].Seq != from || got[len(got)-1].Seq != seq {
			t.Fatalf("%s: recent events %v, want %d..%d", what, seqsOf(got), from, seq)
		}
		for i, ev := range got {
			if want := f.events[ev.Seq-1]; ev.Kind != want.Kind || ev.T != want.T || i > 0 && ev.Seq != got[i-1].Seq+1 {
				t.Fatalf("%s: recent event %d is %s at %s, want %s at %s", what, ev.Seq, ev.Kind, ev.T, want.Kind, want.T)
			}
		}
	}
	checkRecent("hello", h.Recent, f.start)
	for _, seq := range []uint64{60, 12, 0} {
		c.send(map[string]any{"type": wire.TypeSeek, "seq": seq})
		m := c.expect(wire.TypeSnapshot)
		checkRecent(fmt.Sprintf("seek %d", seq), m.Recent, seq)
		c.expect(wire.TypeState)
	}
}

func seqsOf(evs []sim.Event) []uint64 {
	var out []uint64
	for _, e := range evs {
		out = append(out, e.Seq)
	}
	return out
}

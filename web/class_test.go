package web

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/boombuler/barcode/qr"
	"github.com/gorilla/websocket"

	"portville/sim"
	"portville/web/wire"
)

// classMsg is any server message, with the classroom fields too. A
// class message's join code is msg.Code (the JSON key is "code", as in
// an error); a forked message's session is msg.Session.
type classMsg struct {
	msg
	Class      *ClassInfo                   `json:"class"`
	Role       string                       `json:"role"`
	URL        string                       `json:"url"`
	QR         string                       `json:"qr"`
	Loopback   bool                         `json:"loopback"`
	Mode       string                       `json:"mode"`
	Token      string                       `json:"token"`
	Follower   string                       `json:"follower"`
	Followers  *int                         `json:"followers"`
	Answers    map[uint64]map[string]uint32 `json:"answers"`
	Mine       map[uint64]string            `json:"mine"`
	Checkpoint uint64                       `json:"checkpoint"`
	Choice     string                       `json:"choice"`
	raw        []byte
}

// next returns the next message with its bytes.
func (c *client) next() classMsg {
	c.t.Helper()
	data := c.frame()
	var m classMsg
	if err := json.Unmarshal(data, &m); err != nil {
		c.t.Fatalf("decode %s: %v", data, err)
	}
	m.raw = data
	return m
}

// nextOf reads the next message, which must have the type.
func (c *client) nextOf(typ string) classMsg {
	c.t.Helper()
	m := c.next()
	if m.Type != typ {
		c.t.Fatalf("got %s, want a %q message", m.raw, typ)
	}
	return m
}

// nextSkipping reads the next message whose type is not skip (a
// presenter's class.stats come whenever followers come and go).
func (c *client) nextSkipping(skip string) classMsg {
	c.t.Helper()
	for {
		if m := c.next(); m.Type != skip {
			return m
		}
	}
}

// startClass opens a session on the lesson and makes it a class.
func (e *env) startClass(lesson string) (*client, msg, classMsg) {
	e.t.Helper()
	p, h := e.open("lesson=" + lesson)
	p.send(map[string]any{"type": wire.TypeClassStart})
	return p, h, p.nextOf(wire.TypeClass)
}

// follow joins a class as a follower and reads its hello.
func (e *env) follow(query string) (*client, classMsg) {
	e.t.Helper()
	c := e.dial(query)
	h := c.nextOf(wire.TypeHello)
	if h.Class == nil || h.Class.Role != wire.RoleFollower || h.Class.Follower == "" || h.Session != "" {
		e.t.Fatalf("follower hello: session %q class %+v, want no session and a follower id", h.Session, h.Class)
	}
	return c, h
}

func TestClassStart(t *testing.T) {
	e := newEnv(t, nil)
	p, h, c := e.startClass("ephemeral-ports")
	host := e.hs.Listener.Addr().String()
	if _, ok := normalizeCode(c.Code); !ok || len(c.Code) != classCodeLen {
		t.Errorf("code %q is not a join code", c.Code)
	}
	want := classMsg{Role: wire.RolePresenter, URL: "http://" + host + "/join/" + c.Code, QR: "/class/" + c.Code + "/qr.svg",
		Loopback: true, Mode: wire.ModeFollow}
	if c.Role != want.Role || c.URL != want.URL || c.QR != want.QR || c.Loopback != want.Loopback || c.Mode != want.Mode {
		t.Errorf("class message %s,\nwant role %q url %q qr %q loopback %v mode %q", c.raw, want.Role, want.URL, want.QR, want.Loopback, want.Mode)
	}
	if tok, err := base64.RawURLEncoding.DecodeString(c.Token); err != nil || len(tok) != 16 {
		t.Errorf("token %q is not 128 bits of base64url (%v)", c.Token, err)
	}
	if c.Followers == nil || *c.Followers != 0 || c.Answers == nil || len(c.Answers) != 0 || !bytes.Contains(c.raw, []byte(`"answers":{}`)) {
		t.Errorf("counts in %s, want followers 0 and answers {}", c.raw)
	}
	if c.Follower != "" || c.Mine != nil {
		t.Errorf("the presenter got a follower's fields: %s", c.raw)
	}
	if n := e.srv.classCount(); n != 1 {
		t.Errorf("%d classes, want 1", n)
	}
	// Starting it again only repeats the class message.
	p.send(map[string]any{"type": wire.TypeClassStart})
	again := p.nextOf(wire.TypeClass)
	if again.Code != c.Code || again.Token != c.Token {
		t.Errorf("class.start again gave code %q token %q, want %q %q", again.Code, again.Token, c.Code, c.Token)
	}
	if n := e.srv.classCount(); n != 1 {
		t.Errorf("%d classes after class.start twice, want 1", n)
	}

	// The presenter's reconnect needs the token; with it, it is a
	// presenter again and its hello says so.
	tests := []struct {
		name  string
		query string
		code  string // "" means accepted as presenter
	}{
		{"no token", "session=" + h.Session, wire.CodeForbidden},
		{"wrong token", "session=" + h.Session + "&token=" + strings.Repeat("A", len(c.Token)), wire.CodeForbidden},
		{"short token", "session=" + h.Session + "&token=" + c.Token[:10], wire.CodeForbidden},
		{"the token", "session=" + h.Session + "&token=" + c.Token, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := e.dial(tt.query)
			if tt.code != "" {
				d.expectError(tt.code)
				d.expectClose(websocket.ClosePolicyViolation)
				return
			}
			m := d.nextOf(wire.TypeHello)
			if m.Session != h.Session || m.Class == nil || m.Class.Role != wire.RolePresenter || m.Class.Token != c.Token || m.Class.Code != c.Code {
				t.Errorf("presenter hello %s", m.raw)
			}
			d.send(map[string]any{"type": wire.TypeStep})
			d.expectEvents(h.State.Seq+1, h.State.Seq+1)
			p.expectEvents(h.State.Seq+1, h.State.Seq+1)
		})
	}
	if strings.Contains(e.logs.String(), c.Token) {
		t.Error("the log holds the presenter token")
	}
}

func TestClassPublicURL(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.PublicURL = "HTTPS://Portville.School.Example/" })
	_, _, c := e.startClass("tiny")
	if want := "https://portville.school.example/join/" + c.Code; c.URL != want || c.Loopback {
		t.Errorf("url %q loopback %v, want %q and not loopback", c.URL, c.Loopback, want)
	}
	for _, bad := range []string{"portville.example", "https://a.example/prefix", "ftp://a.example", "https://a.example?x=1"} {
		if _, err := New(Config{Static: testStatic, PublicURL: bad}); err == nil {
			t.Errorf("New accepted public URL %q", bad)
		}
	}
}

// TestClassFollowersSeeWhatPresenterSees is the heart of the classroom:
// many followers over real websockets get the very frames the presenter
// gets, in the same order, gap-free, through play, step, seek, back and
// restart; and the events are the direct run's.
func TestClassFollowersSeeWhatPresenterSees(t *testing.T) {
	e := newEnv(t, nil)
	f := e.ephemeral()
	p, h, c := e.startClass("ephemeral-ports")
	const followers = 40
	var fs []*client
	for range followers {
		fc, fh := e.follow("class=" + strings.ToLower(c.Code[:4]) + "-" + c.Code[4:])
		if fh.State.Seq != h.State.Seq || fh.Timeline != 1 {
			t.Fatalf("follower hello at seq %d timeline %d, want %d, 1", fh.State.Seq, fh.Timeline, h.State.Seq)
		}
		fs = append(fs, fc)
	}
	sess := e.srv.session(h.Session)
	waitFor(t, "every follower", func() bool { return sess.viewerCount() == followers+1 })
	if n := e.srv.followers.Load(); n != followers {
		t.Errorf("%d followers counted, want %d", n, followers)
	}

	cp := f.checkpoints[0]
	seq := h.State.Seq
	p.send(map[string]any{"type": wire.TypeStep})
	p.send(map[string]any{"type": wire.TypeStep})
	p.send(map[string]any{"type": wire.TypePlay})
	seq += 3
	waitFor(t, "play", func() bool { return sess.shownUpTo() == seq })
	for range 5 {
		e.clock.Advance(f.hold(seq))
		seq++
		waitFor(t, "the hub to send the event", func() bool { return sess.shownUpTo() == seq })
	}
	p.send(map[string]any{"type": wire.TypePause})
	p.send(map[string]any{"type": wire.TypeSeek, "seq": cp - 2})
	p.send(map[string]any{"type": wire.TypePlay})
	waitFor(t, "play", func() bool { return sess.shownUpTo() == cp-1 })
	e.clock.Advance(f.hold(cp - 1)) // the checkpoint pauses
	waitFor(t, "the checkpoint", func() bool { return sess.shownUpTo() == cp })
	p.send(map[string]any{"type": wire.TypeBack})
	p.send(map[string]any{"type": wire.TypeRestart})
	p.send(map[string]any{"type": wire.TypeSpeed, "x": 0.25}) // the last message: a state with speed 0.25

	collect := func(c *client) [][]byte {
		var out [][]byte
		for {
			m := c.nextSkipping(wire.TypeClassStats)
			out = append(out, m.raw)
			if m.Type == wire.TypeState && m.Speed == 0.25 {
				return out
			}
		}
	}
	want := collect(p)
	checkGapFree(t, f, want, h.State.Seq)
	for i, fc := range fs {
		got := collect(fc)
		if !slices.EqualFunc(got, want, bytes.Equal) {
			t.Fatalf("follower %d got %d messages, the presenter %d; first difference at %d", i, len(got), len(want), firstDiff(got, want))
		}
		fc.expectQuiet()
	}

	// A late joiner starts from the world at the cursor, as a direct
	// run has it.
	late, lh := e.follow("class=" + c.Code)
	if lh.State.Seq != f.start || lh.Resumed || lh.Snapshot == nil {
		t.Fatalf("late joiner's hello at seq %d resumed %v", lh.State.Seq, lh.Resumed)
	}
	if want := snapshotAt(t, f.sc, f.opt, f.start); !reflect.DeepEqual(*lh.Snapshot, want) {
		t.Error("the late joiner's snapshot differs from a direct run")
	}
	p.send(map[string]any{"type": wire.TypeStep})
	late.expectEvents(f.start+1, f.start+1)
}

// checkGapFree checks a viewer's messages: after the hello at seq from,
// and after each snapshot, the events are contiguous and are the direct
// run's, byte for byte.
func checkGapFree(t *testing.T, f lessonFacts, msgs [][]byte, from uint64) {
	t.Helper()
	seq := from
	events := 0
	for _, raw := range msgs {
		var m classMsg
		json.Unmarshal(raw, &m)
		switch m.Type {
		case wire.TypeSnapshot:
			seq = m.Snapshot.Seq
		case wire.TypeEvent, wire.TypeEvents:
			for _, s := range m.seqs() {
				if s != seq+1 {
					t.Fatalf("event %d after %d: a gap or a repeat", s, seq)
				}
				seq = s
				events++
			}
			var evs []json.RawMessage
			if m.Type == wire.TypeEvent {
				var one struct{ Event json.RawMessage }
				json.Unmarshal(raw, &one)
				evs = append(evs, one.Event)
			} else {
				var many struct{ Events []json.RawMessage }
				json.Unmarshal(raw, &many)
				evs = many.Events
			}
			for _, ev := range evs {
				var e sim.Event
				json.Unmarshal(ev, &e)
				if want := f.events[e.Seq-1].AppendJSON(nil); !bytes.Equal(ev, want) {
					t.Fatalf("event %d\n got %s\nwant %s", e.Seq, ev, want)
				}
			}
		case wire.TypeState:
			if m.Seq != seq {
				t.Fatalf("state at %d after event %d", m.Seq, seq)
			}
		}
	}
	if events < 8 {
		t.Fatalf("only %d events; the script should play more", events)
	}
}

func firstDiff(a, b [][]byte) int {
	for i := range min(len(a), len(b)) {
		if !bytes.Equal(a[i], b[i]) {
			return i
		}
	}
	return min(len(a), len(b))
}

func TestClassFollowerResumes(t *testing.T) {
	e := newEnv(t, nil)
	p, h, c := e.startClass("ephemeral-ports")
	fc, fh := e.follow("class=" + c.Code)
	fid := fh.Class.Follower
	sess := e.srv.session(h.Session)
	seq := h.State.Seq
	for range 3 {
		p.send(map[string]any{"type": wire.TypeStep})
		seq++
		fc.expectEvents(seq, seq)
		fc.expectState(false, seq)
	}
	last := seq
	dropConn(fc)
	waitFor(t, "the follower to leave", func() bool { return sess.viewerCount() == 1 })
	for range 4 {
		p.send(map[string]any{"type": wire.TypeStep})
		seq++
	}
	waitFor(t, "the steps", func() bool { return sess.shownUpTo() == seq })

	rc := e.dial(fmt.Sprintf("class=%s&follower=%s&after=%d&timeline=1", c.Code, fid, last))
	rh := rc.nextOf(wire.TypeHello)
	if !rh.Resumed || rh.Snapshot != nil || rh.Class == nil || rh.Class.Follower != fid || rh.Session != "" {
		t.Fatalf("resume hello %s", rh.raw)
	}
	rc.expectEvents(last+1, seq)
	p.send(map[string]any{"type": wire.TypeStep})
	rc.expectEvents(seq+1, seq+1)
	rc.expectState(false, seq+1)
	rc.expectQuiet()

	// An unknown follower id is a new follower; a reconnect from another
	// timeline gets a snapshot.
	p.send(map[string]any{"type": wire.TypeLoad, "seed": 3})
	rc.nextOf(wire.TypeSnapshot)
	rc.nextOf(wire.TypeState)
	nc := e.dial(fmt.Sprintf("class=%s&follower=%s&after=%d&timeline=1", c.Code, "nobody", last))
	nh := nc.nextOf(wire.TypeHello)
	if nh.Resumed || nh.Snapshot == nil || nh.Class.Follower == fid || nh.Class.Follower == "nobody" || nh.Timeline != 2 {
		t.Errorf("hello for an unknown follower id: %s", nh.raw)
	}
}

// TestClassFollowerCannotDrive checks that every control message of a
// follower is refused and changes nothing for anyone.
func TestClassFollowerCannotDrive(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.ControlBurst = 100 })
	p, h, c := e.startClass("ephemeral-ports")
	fc, _ := e.follow("class=" + c.Code)
	other, _ := e.follow("class=" + c.Code)
	sess := e.srv.session(h.Session)
	msgs := []map[string]any{
		{"type": wire.TypePlay}, {"type": wire.TypePause}, {"type": wire.TypeStep}, {"type": wire.TypeBack},
		{"type": wire.TypeSeek, "seq": 3}, {"type": wire.TypeSpeed, "x": 2}, {"type": wire.TypeRestart},
		{"type": wire.TypeLoad, "lesson": "tiny"}, {"type": wire.TypeLoad, "os": "windows"},
		{"type": wire.TypeClassStart}, {"type": wire.TypeClassMode, "mode": wire.ModeFree}, {"type": wire.TypeClassEnd},
	}
	for _, m := range msgs {
		t.Run(m["type"].(string), func(t *testing.T) {
			fc.send(m)
			fc.expectError(wire.CodeForbidden)
			p.expectQuiet()
			other.expectQuiet()
			if got := sess.shownUpTo(); got != h.State.Seq {
				t.Fatalf("the cursor moved to %d", got)
			}
		})
	}
	if sess.current.Load().Info.ID != "ephemeral-ports" {
		t.Error("the session loaded another lesson")
	}
	p.send(map[string]any{"type": wire.TypePause})
	p.expectState(false, h.State.Seq)
	// A presenter or a plain viewer may not answer or fork.
	p.send(map[string]any{"type": wire.TypeAnswer, "checkpoint": 1, "choice": "a"})
	p.expectError(wire.CodeForbidden)
	plain, _ := e.open("lesson=tiny")
	plain.send(map[string]any{"type": wire.TypeFork})
	plain.expectError(wire.CodeForbidden)
	plain.send(map[string]any{"type": wire.TypeClassEnd})
	plain.expectError(wire.CodeBadValue)
}

func TestClassAnswers(t *testing.T) {
	e := newEnv(t, nil)
	f := e.ephemeral()
	p, h, c := e.startClass("ephemeral-ports")
	sess := e.srv.session(h.Session)
	var fs []*client
	var ids []string
	for range 3 {
		fc, fh := e.follow("class=" + c.Code)
		fs = append(fs, fc)
		ids = append(ids, fh.Class.Follower)
	}
	// The joins changed the counts at the class's start time, when the
	// class message carried them: the stats wait for their turn.
	p.expectQuiet()
	e.clock.Advance(classStatsInterval)
	if st := p.nextOf(wire.TypeClassStats); *st.Followers != 3 || len(st.Answers) != 0 {
		t.Fatalf("stats %s, want 3 followers and no answers", st.raw)
	}

	cp := f.checkpoints[0]
	var answerSeq uint64
	for _, ev := range f.events {
		if ev.Kind == sim.KindCheckpointReply && ev.Checkpt == 1 {
			answerSeq = ev.Seq
			break
		}
	}
	var choices []string
	for _, ch := range f.events[cp-1].Choices {
		choices = append(choices, ch.ID)
	}
	if answerSeq <= cp || len(choices) < 2 {
		t.Fatalf("checkpoint 1 at %d, answer at %d, choices %v: the test lesson should have them", cp, answerSeq, choices)
	}
	a, b := choices[0], choices[1]
	answer := func(fc *client, n uint64, choice string) {
		t.Helper()
		fc.send(map[string]any{"type": wire.TypeAnswer, "checkpoint": n, "choice": choice})
	}

	// Not asked yet.
	answer(fs[0], 1, a)
	fs[0].expectError(wire.CodeAnswerClosed)
	p.send(map[string]any{"type": wire.TypeSeek, "seq": cp})
	for _, c := range append([]*client{p}, fs...) {
		c.nextOf(wire.TypeSnapshot)
		c.expectState(false, cp)
	}

	// Each change reaches the presenter in the next class.stats; no
	// change, no class.stats.
	tests := []struct {
		name     string
		follower int
		n        uint64
		choice   string
		code     string            // error code; "" means answered
		want     map[string]uint32 // answers to checkpoint 1; nil means no change
	}{
		{"first answer", 0, 1, a, "", map[string]uint32{a: 1}},
		{"another follower", 1, 1, b, "", map[string]uint32{a: 1, b: 1}},
		{"a change of mind replaces", 0, 1, b, "", map[string]uint32{b: 2}},
		{"the same answer again counts once", 0, 1, b, "", nil},
		{"unknown choice", 2, 1, "zz", wire.CodeBadValue, nil},
		{"unknown checkpoint", 2, 99, a, wire.CodeBadValue, nil},
		{"checkpoint 0", 2, 0, a, wire.CodeBadValue, nil},
		{"third follower", 2, 1, a, "", map[string]uint32{a: 1, b: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			answer(fs[tt.follower], tt.n, tt.choice)
			if tt.code != "" {
				fs[tt.follower].expectError(tt.code)
			} else if m := fs[tt.follower].nextOf(wire.TypeAnswered); m.Checkpoint != tt.n || m.Choice != tt.choice {
				t.Errorf("answered %s", m.raw)
			}
			e.clock.Advance(classStatsInterval)
			if tt.want == nil {
				p.expectQuiet()
				return
			}
			st := p.nextOf(wire.TypeClassStats)
			if *st.Followers != 3 || len(st.Answers) != 1 || !maps.Equal(st.Answers[1], tt.want) {
				t.Errorf("stats %s, want answers to 1: %v", st.raw, tt.want)
			}
		})
	}
	for _, fc := range fs {
		fc.expectQuiet() // followers get no stats
	}

	// Throttling: after a quiet while, a change goes out at once; the
	// changes within the next interval wait and go out together.
	e.clock.Advance(time.Second)
	answer(fs[0], 1, a)
	fs[0].nextOf(wire.TypeAnswered)
	if st := p.nextOf(wire.TypeClassStats); !maps.Equal(st.Answers[1], map[string]uint32{a: 2, b: 1}) {
		t.Errorf("stats %s", st.raw)
	}
	answer(fs[1], 1, a)
	fs[1].nextOf(wire.TypeAnswered)
	answer(fs[2], 1, b)
	fs[2].nextOf(wire.TypeAnswered)
	p.expectQuiet()
	e.clock.Advance(classStatsInterval)
	if st := p.nextOf(wire.TypeClassStats); !maps.Equal(st.Answers[1], map[string]uint32{a: 2, b: 1}) {
		t.Errorf("stats %s", st.raw)
	}
	p.expectQuiet()

	// A follower that reconnects keeps its id and its answer, which is
	// not counted again.
	dropConn(fs[0])
	waitFor(t, "the follower to leave", func() bool { return sess.viewerCount() == 3 })
	rc := e.dial("class=" + c.Code + "&follower=" + ids[0])
	rh := rc.nextOf(wire.TypeHello)
	if rh.Class.Follower != ids[0] || !maps.Equal(rh.Class.Mine, map[uint64]string{1: a}) {
		t.Errorf("hello after reconnect: %s", rh.raw)
	}
	answer(rc, 1, a)
	rc.nextOf(wire.TypeAnswered)
	e.clock.Advance(classStatsInterval)
	if st := p.nextOf(wire.TypeClassStats); *st.Followers != 3 || !maps.Equal(st.Answers[1], map[string]uint32{a: 2, b: 1}) {
		t.Errorf("stats after a reconnect %s", st.raw)
	}

	// Once the answer has been shown, answers are closed.
	p.send(map[string]any{"type": wire.TypeSeek, "seq": answerSeq})
	for _, c := range []*client{p, rc, fs[1], fs[2]} {
		c.nextOf(wire.TypeSnapshot)
		c.expectState(false, answerSeq)
	}
	answer(fs[1], 1, b)
	fs[1].expectError(wire.CodeAnswerClosed)

	// A new timeline clears every answer.
	p.send(map[string]any{"type": wire.TypeLoad, "seed": 5})
	p.nextOf(wire.TypeSnapshot)
	p.nextOf(wire.TypeState)
	e.clock.Advance(classStatsInterval)
	if st := p.nextOf(wire.TypeClassStats); len(st.Answers) != 0 || !bytes.Contains(st.raw, []byte(`"answers":{}`)) {
		t.Errorf("stats after a load %s", st.raw)
	}
	dropConn(rc)
	waitFor(t, "the follower to leave", func() bool { return sess.viewerCount() == 3 })
	rc2 := e.dial("class=" + c.Code + "&follower=" + ids[0])
	if rh := rc2.nextOf(wire.TypeHello); rh.Class.Follower != ids[0] || rh.Class.Mine != nil {
		t.Errorf("a follower's answers survived a load: %s", rh.raw)
	}
}

func TestClassFreeModeAndForks(t *testing.T) {
	e := newEnv(t, nil)
	f := e.ephemeral()
	p, h, c := e.startClass("ephemeral-ports")
	f1, _ := e.follow("class=" + c.Code)
	f2, _ := e.follow("class=" + c.Code)
	seq := h.State.Seq
	for range 3 {
		p.send(map[string]any{"type": wire.TypeStep})
		seq++
	}
	for _, fc := range []*client{p, f1, f2} {
		for range 3 {
			fc.nextOf(wire.TypeEvent)
			fc.nextOf(wire.TypeState)
		}
	}
	f1.send(map[string]any{"type": wire.TypeFork})
	f1.expectError(wire.CodeForbidden) // follow mode

	p.send(map[string]any{"type": wire.TypeClassMode, "mode": wire.ModeFree})
	for _, cl := range []*client{p, f1, f2} {
		if m := cl.nextSkipping(wire.TypeClassStats); m.Type != wire.TypeClassMode || m.Mode != wire.ModeFree {
			t.Fatalf("got %s, want class.mode free", m.raw)
		}
	}
	sessions := e.srv.sessionCount()
	f1.send(map[string]any{"type": wire.TypeFork})
	fk := f1.nextOf(wire.TypeForked)
	if fk.Session == "" || fk.Session == h.Session {
		t.Fatalf("forked %s", fk.raw)
	}
	if n := e.srv.sessionCount(); n != sessions+1 {
		t.Errorf("%d sessions after a fork, want %d", n, sessions+1)
	}
	pc, ph := e.open("session=" + fk.Session)
	if ph.State.Seq != seq || ph.Timeline != 1 || ph.Lesson.ID != "ephemeral-ports" {
		t.Errorf("private copy's hello at %d timeline %d", ph.State.Seq, ph.Timeline)
	}
	if want := snapshotAt(t, f.sc, f.opt, seq); !reflect.DeepEqual(*ph.Snapshot, want) {
		t.Error("the private copy's snapshot differs from a direct run at the class's cursor")
	}
	if e.srv.session(fk.Session).current.Load() != e.srv.session(h.Session).current.Load() {
		t.Error("the private copy does not share the class's timeline")
	}
	// The follower controls its copy; the class does not see it.
	pc.send(map[string]any{"type": wire.TypeStep})
	pc.expectEvents(seq+1, seq+1)
	pc.expectState(false, seq+1)
	pc.send(map[string]any{"type": wire.TypeSeek, "seq": 2})
	pc.nextOf(wire.TypeSnapshot)
	pc.expectState(false, 2)
	p.expectQuiet()
	f2.expectQuiet()
	// The class goes on; followers keep receiving it.
	p.send(map[string]any{"type": wire.TypeStep})
	seq++
	for _, cl := range []*client{p, f1, f2} {
		cl.expectEvents(seq, seq)
		cl.expectState(false, seq)
	}
	// A second fork replaces the first.
	f1.send(map[string]any{"type": wire.TypeFork})
	fk2 := f1.nextOf(wire.TypeForked)
	pc.expectClose(websocket.CloseNormalClosure)
	waitFor(t, "the first copy to end", func() bool { return e.srv.session(fk.Session) == nil })
	pc2, ph2 := e.open("session=" + fk2.Session)
	if ph2.State.Seq != seq {
		t.Errorf("second copy at %d, want %d", ph2.State.Seq, seq)
	}

	// Follow mode again: every copy ends, every follower gets the
	// class's world.
	p.send(map[string]any{"type": wire.TypeClassMode, "mode": wire.ModeFollow})
	p.nextOf(wire.TypeClassMode)
	for _, fc := range []*client{f1, f2} {
		if m := fc.nextOf(wire.TypeClassMode); m.Mode != wire.ModeFollow {
			t.Errorf("class.mode %s", m.raw)
		}
		m := fc.nextOf(wire.TypeSnapshot)
		if m.Reason != wire.ReasonFollow || m.Snapshot.Seq != seq {
			t.Errorf("snapshot reason %q at %d, want follow at %d", m.Reason, m.Snapshot.Seq, seq)
		}
	}
	p.expectQuiet()
	pc2.expectClose(websocket.CloseNormalClosure)
	waitFor(t, "the copies to end", func() bool { return e.srv.sessionCount() == sessions })
	// The same mode again goes to the sender only.
	p.send(map[string]any{"type": wire.TypeClassMode, "mode": wire.ModeFollow})
	p.nextOf(wire.TypeClassMode)
	f1.expectQuiet()
}

func TestClassForkCountsAgainstSessions(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.MaxSessions = 2 })
	p, _, c := e.startClass("tiny")
	f1, _ := e.follow("class=" + c.Code)
	f2, _ := e.follow("class=" + c.Code)
	p.send(map[string]any{"type": wire.TypeClassMode, "mode": wire.ModeFree})
	f1.nextOf(wire.TypeClassMode)
	f2.nextOf(wire.TypeClassMode)
	f1.send(map[string]any{"type": wire.TypeFork})
	f1.nextOf(wire.TypeForked)
	f2.send(map[string]any{"type": wire.TypeFork})
	f2.expectError(wire.CodeSessionLimit)
	f2.send(map[string]any{"type": wire.TypeStep}) // the connection stays open
	f2.expectError(wire.CodeForbidden)
}

func TestClassEnd(t *testing.T) {
	e := newEnv(t, nil)
	p, h, c := e.startClass("ephemeral-ports")
	base := e.srv.live.Load() // the session's hub and the presenter's two
	f1, _ := e.follow("class=" + c.Code)
	f2, _ := e.follow("class=" + c.Code)
	p.send(map[string]any{"type": wire.TypeClassMode, "mode": wire.ModeFree})
	p.nextSkipping(wire.TypeClassStats)
	f1.nextOf(wire.TypeClassMode)
	f2.nextOf(wire.TypeClassMode)
	f1.send(map[string]any{"type": wire.TypeFork})
	fk := f1.nextOf(wire.TypeForked)
	pc, _ := e.open("session=" + fk.Session)

	// A fork cannot start a class of its own.
	pc.send(map[string]any{"type": wire.TypeClassStart})
	pc.expectError(wire.CodeForbidden)

	p.send(map[string]any{"type": wire.TypeClassEnd})
	for _, cl := range []*client{p, f1, f2} {
		if m := cl.nextSkipping(wire.TypeClassStats); m.Type != wire.TypeClassEnd || m.Reason != wire.EndEnded {
			t.Fatalf("got %s, want class.end ended", m.raw)
		}
	}
	f1.expectClose(websocket.CloseNormalClosure)
	f2.expectClose(websocket.CloseNormalClosure)
	pc.expectClose(websocket.CloseNormalClosure)
	expectClassGone(t, e, c.Code)

	// The presenter goes on with an ordinary session.
	sess := e.srv.session(h.Session)
	waitFor(t, "the followers to leave", func() bool { return sess.viewerCount() == 1 })
	p.send(map[string]any{"type": wire.TypeStep})
	p.expectEvents(h.State.Seq+1, h.State.Seq+1)
	p.expectState(false, h.State.Seq+1)
	p.send(map[string]any{"type": wire.TypeClassEnd})
	p.expectError(wire.CodeBadValue)
	// Nothing of the followers or the private copy outlives the class.
	waitFor(t, "the goroutines of the followers and the copy to end", func() bool { return e.srv.live.Load() == base })
	// Its session no longer needs a token.
	e.open("session=" + h.Session)
	waitFor(t, "the follower count", func() bool { return e.srv.followers.Load() == 0 })
}

// expectClassGone checks that a class's code works nowhere.
func expectClassGone(t *testing.T, e *env, code string) {
	t.Helper()
	d := e.dial("class=" + code)
	d.expectError(wire.CodeUnknownClass)
	d.expectClose(websocket.ClosePolicyViolation)
	for _, path := range []string{"/join/" + code, "/class/" + code + "/qr.svg"} {
		if resp, _ := e.get(path, nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, resp.StatusCode)
		}
	}
	if n := e.srv.classCount(); n != 0 {
		t.Errorf("%d classes, want 0", n)
	}
}

func TestClassIdle(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.ClassIdle = time.Hour })
	p, h, c := e.startClass("tiny")
	fc, _ := e.follow("class=" + c.Code)
	e.clock.Advance(classStatsInterval) // the join's stats, so only the idle timer is left
	p.nextOf(wire.TypeClassStats)
	waitFor(t, "one timer", func() bool { return e.clock.Pending() == 1 })

	e.clock.Advance(30 * time.Minute)
	p.send(map[string]any{"type": wire.TypePause}) // the presenter is active
	p.expectState(false, h.State.Seq)
	fc.expectState(false, h.State.Seq)
	// Followers are not presenters: they keep nothing alive.
	fc.send(map[string]any{"type": wire.TypeResume, "after": h.State.Seq})
	fc.expectState(false, h.State.Seq)
	e.clock.Advance(45 * time.Minute) // the timer fires at 1 h and waits on
	waitFor(t, "the timer to be set again", func() bool { return e.clock.Pending() == 1 })
	p.expectQuiet()
	e.clock.Advance(15*time.Minute - time.Second)
	p.expectQuiet()
	e.clock.Advance(time.Second)
	for _, cl := range []*client{p, fc} {
		if m := cl.nextOf(wire.TypeClassEnd); m.Reason != wire.EndIdle {
			t.Errorf("class.end reason %q, want idle", m.Reason)
		}
	}
	fc.expectClose(websocket.CloseNormalClosure)
	expectClassGone(t, e, c.Code)
}

func TestClassLimits(t *testing.T) {
	t.Run("classes", func(t *testing.T) {
		e := newEnv(t, func(c *Config) { c.MaxClasses = 1 })
		p, _, _ := e.startClass("tiny")
		q, _ := e.open("lesson=tiny")
		q.send(map[string]any{"type": wire.TypeClassStart})
		q.expectError(wire.CodeClassLimit)
		p.send(map[string]any{"type": wire.TypeClassEnd})
		p.nextOf(wire.TypeClassEnd)
		q.send(map[string]any{"type": wire.TypeClassStart})
		q.nextOf(wire.TypeClass)
	})
	t.Run("followers on the server", func(t *testing.T) {
		e := newEnv(t, func(c *Config) { c.MaxFollowers = 2 })
		_, _, c1 := e.startClass("tiny")
		_, _, c2 := e.startClass("tiny")
		a, _ := e.follow("class=" + c1.Code)
		e.follow("class=" + c2.Code)
		d := e.dial("class=" + c1.Code)
		d.expectError(wire.CodeFollowerLimit)
		d.expectClose(websocket.CloseTryAgainLater)
		dropConn(a)
		waitFor(t, "the follower to leave", func() bool { return e.srv.followers.Load() == 1 })
		e.follow("class=" + c2.Code)
	})
	t.Run("follower ids of a class", func(t *testing.T) {
		e := newEnv(t, func(c *Config) { c.MaxViewers = 2 }) // a presenter and a follower; 4 ids
		_, h, c := e.startClass("tiny")
		sess := e.srv.session(h.Session)
		var first string
		for i := range followerIDsPerViewer * 2 {
			fc, fh := e.follow("class=" + c.Code)
			if i == 0 {
				first = fh.Class.Follower
			}
			if i == 0 {
				// The class is full of viewers while one follows.
				d := e.dial("class=" + c.Code)
				d.expectError(wire.CodeViewerLimit)
				d.expectClose(websocket.CloseTryAgainLater)
			}
			dropConn(fc)
			waitFor(t, "the follower to leave", func() bool { return sess.viewerCount() == 1 })
		}
		d := e.dial("class=" + c.Code)
		d.expectError(wire.CodeFollowerLimit)
		d.expectClose(websocket.CloseTryAgainLater)
		// A follower the class knows comes back.
		_, fh := e.follow("class=" + c.Code + "&follower=" + first)
		if fh.Class.Follower != first {
			t.Errorf("follower id %q, want %q", fh.Class.Follower, first)
		}
	})
}

func TestClassFollowerReplaced(t *testing.T) {
	e := newEnv(t, nil)
	p, h, c := e.startClass("tiny")
	a, ah := e.follow("class=" + c.Code)
	b, bh := e.follow("class=" + c.Code + "&follower=" + ah.Class.Follower)
	if bh.Class.Follower != ah.Class.Follower {
		t.Fatalf("follower id %q, want %q", bh.Class.Follower, ah.Class.Follower)
	}
	a.expectError(wire.CodeReplaced)
	a.expectClose(websocket.ClosePolicyViolation)
	sess := e.srv.session(h.Session)
	waitFor(t, "one follower", func() bool { return sess.viewerCount() == 2 && e.srv.followers.Load() == 1 })
	e.clock.Advance(classStatsInterval)
	if st := p.nextOf(wire.TypeClassStats); *st.Followers != 1 {
		t.Errorf("stats %s, want one follower", st.raw)
	}
	p.send(map[string]any{"type": wire.TypeStep})
	b.expectEvents(h.State.Seq+1, h.State.Seq+1)
}

func TestClassStartMakesOtherViewersFollowers(t *testing.T) {
	e := newEnv(t, nil)
	p, h := e.open("lesson=tiny")
	tab, _ := e.open("session=" + h.Session)
	p.send(map[string]any{"type": wire.TypeClassStart})
	c := p.nextOf(wire.TypeClass)
	m := tab.nextOf(wire.TypeClass)
	if m.Role != wire.RoleFollower || m.Follower == "" || m.Token != "" || m.Code != c.Code || m.Followers != nil {
		t.Errorf("the other tab got %s", m.raw)
	}
	if *c.Followers != 1 {
		t.Errorf("the presenter sees %d followers, want 1", *c.Followers)
	}
	tab.send(map[string]any{"type": wire.TypeStep})
	tab.expectError(wire.CodeForbidden)
	// It reconnects as a follower.
	dropConn(tab)
	_, fh := e.follow("class=" + c.Code + "&follower=" + m.Follower)
	if fh.Class.Follower != m.Follower {
		t.Errorf("follower id %q, want %q", fh.Class.Follower, m.Follower)
	}
}

func TestJoinRateLimit(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.joinBurst = 3; c.joinRate = 1 })
	_, _, c := e.startClass("tiny")
	wrong := "23456789"
	if wrong == c.Code {
		wrong = "98765432"
	}
	for range 3 {
		d := e.dial("class=" + wrong)
		d.expectError(wire.CodeUnknownClass)
		d.expectClose(websocket.ClosePolicyViolation)
	}
	// Out of tokens: even the right code is refused.
	d := e.dial("class=" + c.Code)
	d.expectError(wire.CodeRateLimited)
	d.expectClose(websocket.CloseTryAgainLater)
	if resp, body := e.get("/join?code="+c.Code, nil); resp.StatusCode != http.StatusTooManyRequests || !bytes.Contains(body, []byte("Wait a minute")) {
		t.Errorf("/join when limited: %d", resp.StatusCode)
	}
	// A code that cannot be one is not a guess and costs nothing.
	if resp, _ := e.get("/join?code=xyz", nil); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("/join?code=xyz: %d, want 400", resp.StatusCode)
	}
	e.clock.Advance(time.Second)
	e.follow("class=" + c.Code) // right codes spend nothing
	e.follow("class=" + c.Code)
	if resp, _ := e.get("/join/"+wrong, nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("/join/%s: %d", wrong, resp.StatusCode)
	}
	if resp, _ := e.get("/class/"+c.Code+"/qr.svg", nil); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("QR when limited: %d", resp.StatusCode)
	}
}

func TestJoinLimiterBounds(t *testing.T) {
	now := time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC)
	l := newJoinLimiter(1, 2)
	for i := range maxJoinAddrs {
		k := "10.0." + strconv.Itoa(i/256) + "." + strconv.Itoa(i%256)
		l.spend(k, now)
	}
	if len(l.addrs) != maxJoinAddrs {
		t.Fatalf("%d addresses tracked", len(l.addrs))
	}
	// Full of half-spent buckets: a new address shares one bucket.
	l.spend("192.0.2.1", now)
	l.spend("192.0.2.2", now)
	if l.allowed("192.0.2.3", now) || len(l.addrs) != maxJoinAddrs {
		t.Errorf("the shared bucket is not shared (%d addresses)", len(l.addrs))
	}
	// Once the buckets are full again, they are forgotten.
	later := now.Add(time.Minute)
	if !l.allowed("192.0.2.3", later) || len(l.addrs) != 1 {
		t.Errorf("%d addresses after the buckets refilled, want 1", len(l.addrs))
	}
}

func TestJoinCodes(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		c := newClassCode()
		if len(c) != classCodeLen || strings.Trim(c, classCodeAlphabet) != "" || seen[c] {
			t.Fatalf("code %q: wrong length, character or repeated", c)
		}
		seen[c] = true
	}
	if strings.ContainsAny(classCodeAlphabet, "01OIL") || len(classCodeAlphabet) != 31 {
		t.Errorf("the alphabet %q has ambiguous characters", classCodeAlphabet)
	}
	tests := []struct {
		name string
		in   string
		want string // "" means not a code
	}{
		{"canonical", "K7M3QPXR", "K7M3QPXR"},
		{"lower case", "k7m3qpxr", "K7M3QPXR"},
		{"grouped with a space", "K7M3 QPXR", "K7M3QPXR"},
		{"grouped with a dash", "k7m3-qpxr", "K7M3QPXR"},
		{"an en dash and spaces around", "  K7M3 – QPXR\t", "K7M3QPXR"},
		{"too short", "K7M3QPX", ""},
		{"too long", "K7M3QPXRA", ""},
		{"a zero", "K7M3QPX0", ""},
		{"an O", "K7M3QPXO", ""},
		{"a one", "K7M3QPX1", ""},
		{"an I", "K7M3QPXI", ""},
		{"an L", "K7M3QPXL", ""},
		{"punctuation", "K7M3.QPXR", ""},
		{"non-ASCII letter", "K7M3QPXÄ", ""},
		{"empty", "", ""},
		{"huge", strings.Repeat(" ", 100) + "K7M3QPXR", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := normalizeCode(tt.in)
			if ok != (tt.want != "") || got != tt.want {
				t.Errorf("normalizeCode(%q) = %q, %v; want %q", tt.in, got, ok, tt.want)
			}
		})
	}
}

func TestJoinKey(t *testing.T) {
	tests := []struct {
		name   string
		remote string
		want   string
	}{
		{"IPv4", "192.0.2.7:51234", "192.0.2.7"},
		{"IPv4 in IPv6", "[::ffff:192.0.2.7]:51234", "192.0.2.7"},
		{"IPv6 counts per /64", "[2001:db8:1:2:3:4:5:6]:443", "2001:db8:1:2::/64"},
		{"IPv6 with a zone", "[fe80::1%eth0]:80", "fe80::/64"},
		{"no port", "192.0.2.7", "192.0.2.7"},
		{"not an address", "pipe", "pipe"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := joinKey(tt.remote); got != tt.want {
				t.Errorf("joinKey(%q) = %q, want %q", tt.remote, got, tt.want)
			}
		})
	}
}

func TestJoinPages(t *testing.T) {
	e := newEnv(t, nil)
	l := e.cat.lessons[0]
	_, _, c := e.startClass(l.ID)

	_, doc := e.page("/join", http.StatusOK)
	if !doc.Find("body").HasClass("page-join") {
		t.Error("body is not .page-join")
	}
	form := doc.Find("main.join form.join-form")
	if form.AttrOr("method", "") != "get" || form.AttrOr("action", "") != "/join" ||
		form.Find(`label[for="join-code"]`).Length() != 1 || form.Find(`input#join-code[name="code"]`).Length() != 1 ||
		form.Find(`button[type="submit"]`).Length() != 1 {
		t.Error("the join form is not as documented")
	}
	if doc.Find(".join-error").Length() != 0 || doc.Find("p.join-help").Text() == "" {
		t.Error("the empty form shows an error, or no help")
	}

	tests := []struct {
		name     string
		path     string
		status   int
		location string
		message  string // in .join-error
	}{
		{"a code with dashes and lower case", "/join?code=" + strings.ToLower(c.Code[:4]) + "-" + c.Code[4:], http.StatusSeeOther, "/join/" + c.Code, ""},
		{"spaces", "/join?code=+" + c.Code[:4] + "+" + c.Code[4:] + "+", http.StatusSeeOther, "/join/" + c.Code, ""},
		{"not a code", "/join?code=hello", http.StatusBadRequest, "", "not a class code"},
		{"no such class", "/join?code=" + otherCode(c.Code), http.StatusNotFound, "", "No class has the code " + otherCode(c.Code)},
		{"a follower page in another form", "/join/" + strings.ToLower(c.Code) + "?caption=analogy", http.StatusFound, "/join/" + c.Code + "?caption=analogy", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := e.get(tt.path, nil)
			if resp.StatusCode != tt.status || resp.Header.Get("Location") != tt.location {
				t.Fatalf("GET %s: %d to %q, want %d to %q", tt.path, resp.StatusCode, resp.Header.Get("Location"), tt.status, tt.location)
			}
			if tt.message != "" {
				_, doc := e.page(tt.path, tt.status)
				if msg := doc.Find("main.join p.join-error").Text(); !strings.Contains(msg, tt.message) {
					t.Errorf("message %q, want %q in it", msg, tt.message)
				}
				if doc.Find("input#join-code").AttrOr("value", "") == "" {
					t.Error("the form does not show what was typed")
				}
			}
			_ = body
		})
	}

	// The follower's view.
	resp, doc := e.page("/join/"+c.Code+"?caption=analogy", http.StatusOK)
	body := doc.Find("body")
	if !body.HasClass("page-viewer") || body.AttrOr("data-mode", "") != modeFollower {
		t.Errorf("body class %q data-mode %q", body.AttrOr("class", ""), body.AttrOr("data-mode", ""))
	}
	app := body.Find("main#app")
	for attr, want := range map[string]string{"data-lesson": l.ID, "data-ws": "/ws", "data-mode": modeFollower, "data-class": c.Code, "data-query": "caption=analogy"} {
		if got, ok := app.Attr(attr); !ok || got != want {
			t.Errorf("#app %s=%q, want %q", attr, got, want)
		}
	}
	if got := body.Find("header.viewer-header h1.lesson-title").Text(); got != l.Scenario.Title {
		t.Errorf("title %q", got)
	}
	if body.Find("select").Not(".lang-picker select").Length() != 0 {
		t.Error("a follower has a lesson picker")
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.HasSuffix(csp, "frame-ancestors 'self'") {
		t.Errorf("CSP %q", csp)
	}
	// Lesson pages have no data-class.
	_, doc = e.page("/lesson/"+l.ID, http.StatusOK)
	if _, ok := doc.Find("main#app").Attr("data-class"); ok {
		t.Error("a lesson page has data-class")
	}

	_, doc = e.page("/join/"+otherCode(c.Code), http.StatusNotFound)
	if got := doc.Find("main h1").Text(); got != "Class not found" {
		t.Errorf("h1 %q", got)
	}
	e.page("/join/nonsense", http.StatusNotFound)
}

// otherCode returns a well-formed code that is not code.
func otherCode(code string) string {
	if code == "23456789" {
		return "98765432"
	}
	return "23456789"
}

func TestClassQR(t *testing.T) {
	e := newEnv(t, nil)
	_, _, c := e.startClass("tiny")
	resp, body := e.get(c.QR, nil)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/svg+xml" || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("GET %s: %d %q %q", c.QR, resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Cache-Control"))
	}
	if !strings.HasPrefix(resp.Header.Get("Content-Security-Policy"), "default-src 'self'") {
		t.Error("the SVG has no CSP")
	}
	if bytes.Contains(body, []byte("<script")) || bytes.Contains(body, []byte("href")) {
		t.Error("the SVG has a script or a link")
	}
	got := parseQRSVG(t, body)
	code, err := qr.Encode(c.URL, qrLevel, qr.Auto)
	if err != nil {
		t.Fatal(err)
	}
	n := code.Bounds().Dx()
	if len(got) != n+2*qrQuietModules {
		t.Fatalf("the SVG is %d modules wide, want %d", len(got), n+2*qrQuietModules)
	}
	for y := range got {
		for x := range got[y] {
			in := x >= qrQuietModules && y >= qrQuietModules && x < n+qrQuietModules && y < n+qrQuietModules
			want := in && isDark(code, x-qrQuietModules, y-qrQuietModules)
			if got[y][x] != want {
				t.Fatalf("module %d,%d is %v, want %v", x, y, got[y][x], want)
			}
		}
	}
	if !bytes.Contains(body, []byte("<title>"+c.URL+"</title>")) {
		t.Error("the SVG's title is not the URL")
	}
	if resp, _ := e.get("/class/"+otherCode(c.Code)+"/qr.svg", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("QR of no class: %d", resp.StatusCode)
	}
}

// parseQRSVG reads back the modules qrSVG drew.
func parseQRSVG(t *testing.T, svg []byte) [][]bool {
	t.Helper()
	m := regexp.MustCompile(`viewBox="0 0 (\d+) (\d+)"`).FindSubmatch(svg)
	if m == nil || string(m[1]) != string(m[2]) {
		t.Fatalf("no square viewBox in %.200s", svg)
	}
	side, _ := strconv.Atoi(string(m[1]))
	grid := make([][]bool, side)
	for i := range grid {
		grid[i] = make([]bool, side)
	}
	d := regexp.MustCompile(` d="([^"]*)"`).FindSubmatch(svg)
	runs := regexp.MustCompile(`M(\d+) (\d+)h(\d+)v1h-(\d+)z`).FindAllSubmatch(d[1], -1)
	if len(runs) == 0 {
		t.Fatal("no modules")
	}
	for _, r := range runs {
		x, _ := strconv.Atoi(string(r[1]))
		y, _ := strconv.Atoi(string(r[2]))
		w, _ := strconv.Atoi(string(r[3]))
		for i := range w {
			grid[y][x+i] = true
		}
	}
	return grid
}

func TestParseClassCommands(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Command
		code string // "" means accepted
	}{
		{"class.start", `{"type":"class.start"}`, Command{Type: wire.TypeClassStart}, ""},
		{"class.end", `{"type":"class.end"}`, Command{Type: wire.TypeClassEnd}, ""},
		{"fork", `{"type":"fork"}`, Command{Type: wire.TypeFork}, ""},
		{"class.mode free", `{"type":"class.mode","mode":"free"}`, Command{Type: wire.TypeClassMode, Mode: wire.ModeFree}, ""},
		{"class.mode follow", `{"type":"class.mode","mode":"follow"}`, Command{Type: wire.TypeClassMode, Mode: wire.ModeFollow}, ""},
		{"class.mode other", `{"type":"class.mode","mode":"chaos"}`, Command{}, wire.CodeBadValue},
		{"class.mode missing", `{"type":"class.mode"}`, Command{}, wire.CodeBadValue},
		{"answer", `{"type":"answer","checkpoint":2,"choice":"b"}`, Command{Type: wire.TypeAnswer, Checkpoint: 2, Choice: "b"}, ""},
		{"answer without checkpoint", `{"type":"answer","choice":"b"}`, Command{}, wire.CodeBadValue},
		{"answer with a string checkpoint", `{"type":"answer","checkpoint":"1","choice":"b"}`, Command{}, wire.CodeBadValue},
		{"answer without choice", `{"type":"answer","checkpoint":1}`, Command{}, wire.CodeBadValue},
		{"answer with an empty choice", `{"type":"answer","checkpoint":1,"choice":""}`, Command{}, wire.CodeBadValue},
		{"answer with a huge choice", `{"type":"answer","checkpoint":1,"choice":"` + strings.Repeat("b", maxChoiceBytes+1) + `"}`, Command{}, wire.CodeBadValue},
		{"answer with a number choice", `{"type":"answer","checkpoint":1,"choice":2}`, Command{}, wire.CodeBadValue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseCommand([]byte(tt.in))
			if tt.code != "" {
				if info := describe(err); err == nil || info.code != tt.code {
					t.Fatalf("parseCommand(%s): %v, want a %s error", tt.in, err, tt.code)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("parseCommand(%s) = %+v, %v; want %+v", tt.in, got, err, tt.want)
			}
			if control := got.isControl(); control != (got.Type != wire.TypeAnswer && got.Type != wire.TypeFork) {
				t.Errorf("%s: isControl %v", got.Type, control)
			}
		})
	}
}

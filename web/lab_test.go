package web

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"portville/sim"
	"portville/sim/lab"
	"portville/sim/scenario"
	"portville/web/wire"
)

// labMsg is a server message with the lab's fields.
type labMsg struct {
	classMsg
	Lab        *LabInfo       `json:"lab"`
	N          int            `json:"n"`
	Entry      *lab.Entry     `json:"entry"`
	Hosts      []lab.HostView `json:"hosts"`
	ScenarioY  string         `json:"scenario"`
	Script     string         `json:"script"`
	LabEntries []lab.Entry    `json:"entries"`
	Replay     bool           `json:"replay"`
}

func (c *client) nextLab() labMsg {
	c.t.Helper()
	m := c.next()
	var lm labMsg
	if err := json.Unmarshal(m.raw, &lm); err != nil {
		c.t.Fatalf("decode %s: %v", m.raw, err)
	}
	lm.classMsg = m
	return lm
}

func (c *client) nextLabOf(typ string) labMsg {
	c.t.Helper()
	m := c.nextLab()
	if m.Type != typ {
		c.t.Fatalf("got %.300s, want a %q message", m.raw, typ)
	}
	return m
}

// typeLine sends one line to a host's terminal and reads its entry.
func (c *client) typeLine(host, line string) labMsg {
	c.t.Helper()
	c.send(map[string]any{"type": wire.TypeLabInput, "host": host, "line": line})
	return c.nextLabOf(wire.TypeLabEntry)
}

// playOut advances the fake clock until the session has played all it
// has, collecting the events; it returns them and the last state.
func playOut(t *testing.T, e *env, c *client) ([]sim.Event, labMsg) {
	t.Helper()
	var events []sim.Event
	for i := 0; i < 10000; i++ {
		m := c.nextLab()
		switch m.Type {
		case wire.TypeEvent:
			events = append(events, *m.Event)
		case wire.TypeEvents:
			events = append(events, m.Events...)
		case wire.TypeState:
			if !m.Playing {
				return events, m
			}
		case wire.TypeSnapshot, wire.TypeLabEntry:
			continue
		default:
			t.Fatalf("unexpected %.200s", m.raw)
		}
		e.clock.Advance(2 * time.Second)
	}
	t.Fatal("the lab never stopped playing")
	return nil, labMsg{}
}

// TestLabSession walks a lab over the websocket: a command's entry comes
// to the viewer with the events it caused, the port curl printed is the
// port the OS assigned in those events, undo takes the timeline back, and
// the export replays to the session's timeline.
func TestLabSession(t *testing.T) {
	e := newEnv(t, nil)
	c := e.dial("lab=1")
	h := c.nextLabOf(wire.TypeHello)
	if h.Lab == nil || len(h.Lab.Hosts) != 2 || h.Lab.Hosts[0].Name != "laptop" || h.Lab.Hosts[0].Prompt != "laptop$ " ||
		len(h.Lab.Entries) != 0 || len(h.Lab.Packages) != len(lab.Catalogue) || h.Lab.Limits.Entries != lab.MaxEntries {
		t.Fatalf("hello lab %+v", h.Lab)
	}
	if h.Lesson == nil || !h.Lesson.Lab || h.State.Seq != h.Lesson.Total || h.Lesson.Total != h.Lesson.Start {
		t.Fatalf("hello lesson %+v state %+v: want a lab at the end of its setup", h.Lesson, h.State)
	}
	setup := h.Lesson.Total

	en := c.typeLine("web", "nginx")
	if en.N != 1 || en.Entry.Line != "nginx" || en.Entry.From != setup+1 || en.Entry.To <= en.Entry.From {
		t.Fatalf("entry %+v", en.Entry)
	}
	events, st := playOut(t, e, c)
	if uint64(len(events)) != en.Entry.To-setup || st.Seq != en.Entry.To || st.Total != en.Entry.To {
		t.Fatalf("played %d events to %d (total %d), want %d..%d", len(events), st.Seq, st.Total, en.Entry.From, en.Entry.To)
	}
	afterNginx := st.Total

	en = c.typeLine("laptop", "curl -s -o /dev/null -w '%{local_port}\\n' http://web/")
	printed := ""
	for _, ch := range en.Entry.Out {
		printed += ch.Text
		if ch.Host != "laptop" || ch.Seq < en.Entry.From || ch.Seq > en.Entry.To {
			t.Errorf("chunk %+v: want laptop's, shown within the entry's events", ch)
		}
	}
	events, st = playOut(t, e, c)
	assigned := ""
	for _, ev := range events {
		if ev.Kind == sim.KindPortAssign && ev.Host == "laptop" {
			assigned = strconv.Itoa(int(ev.Port)) + "\n"
		}
	}
	if printed == "" || printed != assigned {
		t.Errorf("curl printed %q; the OS assigned %q", printed, assigned)
	}
	afterCurl := st.Total

	// A line nobody can run changes nothing but the terminal.
	en = c.typeLine("laptop", "nosuchcommand")
	if en.Entry.From <= en.Entry.To || en.Entry.Status != 127 {
		t.Errorf("nosuchcommand: entry %+v", en.Entry)
	}
	c.expectState(false, afterCurl)

	// Undo twice: back to before curl.
	for n := 2; n >= 1; n-- {
		c.send(map[string]any{"type": wire.TypeLabUndo})
		u := c.nextLabOf(wire.TypeLabUndo)
		if u.N != n {
			t.Fatalf("lab.undo n=%d, want %d", u.N, n)
		}
		if s := c.nextLabOf(wire.TypeSnapshot); s.Reason != wire.ReasonLab || s.Snapshot.Seq > afterCurl {
			t.Fatalf("snapshot after undo: reason %q at %d", s.Reason, s.Snapshot.Seq)
		}
		c.nextLabOf(wire.TypeState)
	}
	sess := e.srv.session(h.Session)
	if got := sess.current.Load().Total(); got != afterNginx {
		t.Errorf("after undoing curl the timeline has %d events, want %d (the end of nginx's)", got, afterNginx)
	}

	// The export replays to exactly the session's timeline.
	c.typeLine("laptop", "curl -v http://web/")
	playOut(t, e, c)
	c.send(map[string]any{"type": wire.TypeLabExport})
	x := c.nextLabOf(wire.TypeLabExport)
	if !strings.Contains(x.Script, "web$ nginx\nlaptop$ curl -v http://web/\n") {
		t.Errorf("script %q", x.Script)
	}
	sc, err := scenario.Parse("lab.yaml", []byte(x.ScenarioY))
	if err != nil {
		t.Fatal(err)
	}
	tl := sess.current.Load()
	var seq uint64
	if _, err := sc.Run(scenario.Options{OnEvent: func(ev *sim.Event) {
		seq++
		if seq <= tl.Total() && string(ev.AppendJSON(nil)) != string(tl.Event(seq)) {
			t.Fatalf("event %d of the export differs from the session's", seq)
		}
	}}); err != nil {
		t.Fatal(err)
	}
	if seq != tl.Total() {
		t.Errorf("the export replays %d events, the session has %d", seq, tl.Total())
	}

	// A shared lab: its script, loaded on another seed, re-runs there.
	c.send(map[string]any{"type": wire.TypeLoad, "lab": x.Script, "seed": 99})
	snap := c.nextLabOf(wire.TypeSnapshot)
	full := c.nextLabOf(wire.TypeLab)
	if snap.Reason != wire.ReasonLoad || snap.Lesson == nil || snap.Lesson.Seed != 99 || len(full.LabEntries) != 2 {
		t.Errorf("load: snapshot %+v, lab %d entries", snap.Lesson, len(full.LabEntries))
	}
}

// TestLabBadInput: what the lab refuses gets an error and changes nothing.
func TestLabBadInput(t *testing.T) {
	e := newEnv(t, nil)
	c := e.dial("lab=1")
	h := c.nextLabOf(wire.TypeHello)
	for _, tc := range []struct {
		msg  string
		code string
	}{
		{`{"type":"lab.input","host":"nowhere","line":"ls"}`, wire.CodeBadValue},
		{`{"type":"lab.input","host":"laptop"}`, wire.CodeBadValue},
		{`{"type":"lab.input","host":"laptop","line":"ls","key":"ctrl-c"}`, wire.CodeBadValue},
		{`{"type":"lab.input","host":"laptop","key":"ctrl-q"}`, wire.CodeBadValue},
		{`{"type":"lab.input","host":"laptop","line":"` + strings.Repeat("x", lab.MaxLineBytes+1) + `"}`, wire.CodeBadValue},
		{`{"type":"lab.input","host":"laptop","line":7}`, wire.CodeBadValue},
		{`{"type":"lab.undo"}`, wire.CodeBadValue},
		{`{"type":"load","lab":"curl http://web/\n"}`, wire.CodeBadValue},
		{`{"type":"load","lab":"laptop$ ls","scenario":"title: x"}`, wire.CodeBadValue},
		{`{"type":"load","lab":"","lesson":"nosuch"}`, wire.CodeUnknownLesson},
	} {
		c.sendRaw(tc.msg)
		m := c.expectError(tc.code)
		if strings.Contains(tc.msg, "nowhere") && !strings.Contains(m.Message, `no host "nowhere"`) {
			t.Errorf("%s: message %q", tc.msg, m.Message)
		}
	}
	c.expectQuiet()
	if got := e.srv.session(h.Session).current.Load().Total(); got != h.Lesson.Total {
		t.Errorf("bad input changed the timeline: %d events, want %d", got, h.Lesson.Total)
	}
	// A lesson's session is not a lab.
	l, _ := e.open("lesson=ephemeral-ports")
	l.send(map[string]any{"type": wire.TypeLabInput, "host": "laptop", "line": "ls"})
	if m := l.expectError(wire.CodeBadValue); !strings.Contains(m.Message, "not a lab") {
		t.Errorf("lab.input on a lesson: %q", m.Message)
	}
	// An unknown lesson as a lab's town is refused at the door.
	bad := e.dial("lab=1&lesson=nosuch")
	bad.expectError(wire.CodeUnknownLesson)
	bad.expectClose(1008)
}

// TestLabClass: a lab can be a class. Followers get the entries as the
// presenter types, may not type themselves, and a private copy in free
// mode is a lab of their own with the class's entries.
func TestLabClass(t *testing.T) {
	e := newEnv(t, nil)
	p := e.dial("lab=1&lesson=ephemeral-ports")
	h := p.nextLabOf(wire.TypeHello)
	p.send(map[string]any{"type": wire.TypeClassStart})
	cl := p.nextOf(wire.TypeClass)
	f, fh := e.follow("class=" + cl.Code)
	var fl labMsg
	json.Unmarshal(fh.raw, &fl)
	if fl.Lab == nil || fl.Lab.Base != "ephemeral-ports" {
		t.Fatalf("follower hello lab %+v", fl.Lab)
	}
	f.send(map[string]any{"type": wire.TypeLabInput, "host": "web", "line": "nginx"})
	f.expectError(wire.CodeForbidden)

	p.send(map[string]any{"type": wire.TypeLabInput, "host": "web", "line": "nginx"})
	got := f.nextLabOf(wire.TypeLabEntry)
	if got.Entry == nil || got.Entry.Line != "nginx" || got.N != 1 {
		t.Fatalf("the follower got %.300s", got.raw)
	}
	for {
		if m := p.nextSkipping(wire.TypeClassStats); m.Type == wire.TypeState && !m.Playing {
			break
		} else if m.Type == wire.TypeState || m.Type == wire.TypeEvent || m.Type == wire.TypeEvents || m.Type == wire.TypeLabEntry {
			e.clock.Advance(2 * time.Second)
		}
	}
	p.send(map[string]any{"type": wire.TypeClassMode, "mode": wire.ModeFree})
	for m := f.next(); m.Type != wire.TypeClassMode; m = f.next() {
	}
	f.send(map[string]any{"type": wire.TypeFork})
	var fk classMsg
	for fk = f.next(); fk.Type != wire.TypeForked; fk = f.next() {
	}
	own := e.dial("session=" + fk.Session)
	oh := own.nextLabOf(wire.TypeHello)
	if oh.Lab == nil || len(oh.Lab.Entries) != 1 || oh.Lab.Entries[0].Line != "nginx" {
		t.Fatalf("the private copy's lab %+v", oh.Lab)
	}
	en := own.typeLine("laptop", "curl http://web/")
	if en.N != 2 || !strings.Contains(en.Entry.Out[0].Text, "hello from web") {
		t.Errorf("the follower typed into its copy: %+v", en.Entry)
	}
	if n := len(e.srv.session(h.Session).lab.Entries()); n != 1 {
		t.Errorf("the class's lab has %d entries after the follower typed into its copy, want 1", n)
	}
}

// TestLabPages: /lab serves the lab's page, on a lesson's town too, and
// every lesson links to its lab.
func TestLabPages(t *testing.T) {
	e := newEnv(t, nil)
	resp, body := e.get("/lab", nil)
	if resp.StatusCode != 200 || !strings.Contains(string(body), `data-lab="1"`) || !strings.Contains(string(body), "<h1 class=\"lesson-title\">Lab</h1>") {
		t.Fatalf("/lab: %d %.400s", resp.StatusCode, body)
	}
	resp, body = e.get("/lab?lesson=ephemeral-ports", nil)
	if resp.StatusCode != 200 || !strings.Contains(string(body), `data-lesson="ephemeral-ports"`) || !strings.Contains(string(body), "Lab: ") {
		t.Errorf("/lab?lesson=ephemeral-ports: %d", resp.StatusCode)
	}
	if resp, _ := e.get("/lab?lesson=nosuch", nil); resp.StatusCode != 404 {
		t.Errorf("/lab?lesson=nosuch: %d, want 404", resp.StatusCode)
	}
	_, body = e.get("/lesson/ephemeral-ports", nil)
	if !strings.Contains(string(body), `href="/lab?lesson=ephemeral-ports"`) {
		t.Errorf("the lesson page has no link to its lab")
	}
	_, body = e.get("/", nil)
	if !strings.Contains(string(body), `href="/lab"`) {
		t.Errorf("the home page has no link to the lab")
	}
}

// TestLabCatchUp: a command typed while the town still plays the last one
// catches the viewers up with the events they had still to see, in one
// frame marked replay (applied at once, no snapshot of the world); typed
// after a step far back, the town jumps by a snapshot.
func TestLabCatchUp(t *testing.T) {
	e := newEnv(t, nil)
	c := e.dial("lab=1")
	h := c.nextLabOf(wire.TypeHello)
	c.typeLine("web", "nginx")
	playOut(t, e, c)
	curl := "curl -s -o /dev/null -w '%{local_port}\\n' http://web/"
	first := c.typeLine("laptop", curl)
	// The curl's first events arrive at once; the rest are due later.
	// Type again before they are.
	// typeNow types the curl and skips what is still arriving to its
	// entry.
	typeNow := func() labMsg {
		c.send(map[string]any{"type": wire.TypeLabInput, "host": "laptop", "line": curl})
		m := c.nextLab()
		for m.Type != wire.TypeLabEntry {
			m = c.nextLab()
		}
		return m
	}
	second := typeNow()
	m := c.nextLab()
	if m.Type != wire.TypeEvents || !m.Replay {
		t.Fatalf("after a command typed while the town played: %.200s, want an events frame with replay", m.raw)
	}
	if n := len(m.Events); n == 0 || m.Events[n-1].Seq != second.Entry.From-1 || m.Events[0].Seq <= first.Entry.From || m.Events[0].Seq > first.Entry.To {
		t.Errorf("the catch-up frame holds events %d..%d; the first curl's were %d..%d, the second's start at %d",
			m.Events[0].Seq, m.Events[len(m.Events)-1].Seq, first.Entry.From, first.Entry.To, second.Entry.From)
	}
	for i := 1; i < len(m.Events); i++ {
		if m.Events[i].Seq != m.Events[i-1].Seq+1 {
			t.Fatalf("the catch-up frame skips from %d to %d", m.Events[i-1].Seq, m.Events[i].Seq)
		}
	}
	events, _ := playOut(t, e, c)
	if len(events) == 0 || events[0].Seq != second.Entry.From {
		t.Errorf("after the catch-up the town plays from %d, want the second curl's first event %d", events[0].Seq, second.Entry.From)
	}

	// Stepped back to the lab's start, more than 200 events behind: a
	// snapshot.
	for i := 0; i < 4; i++ {
		typeNow()
		playOut(t, e, c)
	}
	c.send(map[string]any{"type": wire.TypeSeek, "seq": h.Lesson.Start})
	for m := c.nextLab(); m.Type != wire.TypeSnapshot; m = c.nextLab() {
	}
	third := typeNow()
	if third.Entry.From-1-h.Lesson.Start <= maxCatchUpEvents {
		t.Fatalf("the town is only %d events behind; the test needs more than %d", third.Entry.From-1-h.Lesson.Start, maxCatchUpEvents)
	}
	if s := c.nextLab(); s.Type != wire.TypeSnapshot || s.Reason != wire.ReasonLab || s.Snapshot.Seq != third.Entry.From-1 {
		t.Errorf("typed far behind: %.200s, want a snapshot at %d", s.raw, third.Entry.From-1)
	}
}

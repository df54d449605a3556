package web

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"testing"

	"portville/sim"
	"portville/sim/lang/catalogues"
	"portville/sim/scenario"
	"portville/web/wire"
)

// A class's followers each read the captions in their own language: the
// same messages with the same sequence numbers, the events told in the
// follower's language, byte for byte as a direct run in that language
// encodes them; the presenter and an English follower keep English.
func TestClassFollowerReadsOwnLanguage(t *testing.T) {
	e := newEnv(t, nil)
	f := e.ephemeral()
	de := catalogues.Get("de").Sim()
	fde := factsOf(t, f.sc, scenario.Options{Lang: de})
	p, h, c := e.startClass("ephemeral-ports")
	en, _ := e.follow("class=" + c.Code)
	ger, gh := e.follow("class=" + c.Code + "&lang=de")
	if gh.State.Seq != h.State.Seq || gh.Lesson == nil {
		t.Fatalf("German follower's hello at %d, want %d", gh.State.Seq, h.State.Seq)
	}
	if gh.Lesson.Title == h.Lesson.Title {
		t.Errorf("the German follower's lesson title is the presenter's: %q", gh.Lesson.Title)
	}
	sess := e.srv.session(h.Session)
	waitFor(t, "both followers", func() bool { return sess.viewerCount() == 3 })

	seq := h.State.Seq
	p.send(map[string]any{"type": wire.TypeStep})
	p.send(map[string]any{"type": wire.TypeStep})
	p.send(map[string]any{"type": wire.TypePlay})
	seq += 3
	waitFor(t, "play", func() bool { return sess.shownUpTo() == seq })
	for range 8 {
		e.clock.Advance(f.hold(seq))
		seq++
		waitFor(t, "the next event", func() bool { return sess.shownUpTo() == seq })
	}
	p.send(map[string]any{"type": wire.TypePause})
	p.send(map[string]any{"type": wire.TypeSeek, "seq": f.checkpoints[0]})
	p.send(map[string]any{"type": wire.TypeSpeed, "x": 0.25})

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
	if got := collect(en); !slices.EqualFunc(got, want, bytes.Equal) {
		t.Fatalf("the English follower's messages differ from the presenter's at %d", firstDiff(got, want))
	}
	got := collect(ger)
	if len(got) != len(want) {
		t.Fatalf("German follower: %d messages, the presenter %d", len(got), len(want))
	}
	translated := 0
	for i := range got {
		var g, w classMsg
		json.Unmarshal(got[i], &g)
		json.Unmarshal(want[i], &w)
		if g.Type != w.Type || !slices.Equal(g.seqs(), w.seqs()) {
			t.Fatalf("message %d: German %s %v, presenter %s %v", i, g.Type, g.seqs(), w.Type, w.seqs())
		}
		// Events come as the timeline encodes them; a snapshot's recent
		// events as encoding/json writes them (with \u003e for >).
		var evs []json.RawMessage
		switch g.Type {
		case wire.TypeEvent:
			var one struct{ Event json.RawMessage }
			json.Unmarshal(got[i], &one)
			evs = append(evs, one.Event)
		case wire.TypeEvents:
			var many struct{ Events []json.RawMessage }
			json.Unmarshal(got[i], &many)
			evs = many.Events
		case wire.TypeSnapshot:
			// The world is the presenter's with its threads' jobs in
			// the follower's language; the recent events are told in
			// it too.
			var gs, ws map[string]json.RawMessage
			json.Unmarshal(got[i], &gs)
			json.Unmarshal(want[i], &ws)
			var recent []json.RawMessage
			json.Unmarshal(gs["recent"], &recent)
			evs = recent
			delete(gs, "recent")
			delete(ws, "recent")
			var world sim.Snapshot
			if err := json.Unmarshal(ws["snapshot"], &world); err != nil {
				t.Fatal(err)
			}
			ws["snapshot"] = mustJSON(world.In(de))
			if a, b := mustJSON(gs), mustJSON(ws); !bytes.Equal(a, b) {
				t.Errorf("message %d: the snapshot's world differs between the languages", i)
			}
		default:
			if !bytes.Equal(got[i], want[i]) {
				t.Errorf("message %d (%s) differs between the languages:\n%s\n%s", i, g.Type, got[i], want[i])
			}
		}
		for _, ev := range evs {
			var x sim.Event
			json.Unmarshal(ev, &x)
			wantDE := fde.events[x.Seq-1].AppendJSONIn(nil, de)
			if !sameJSON(ev, wantDE) {
				t.Fatalf("event %d\n got %s\nwant %s", x.Seq, ev, wantDE)
			}
			if !sameJSON(ev, f.events[x.Seq-1].AppendJSON(nil)) {
				translated++
			}
		}
	}
	if translated < 5 {
		t.Errorf("only %d events told in German", translated)
	}
	ger.expectQuiet()
}

// sameJSON reports whether a and b encode the same value.
func sameJSON(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

package web

import (
	"errors"
	"fmt"
	"net/url"
	"time"

	"portville/sim"
	"portville/sim/lab"
	"portville/sim/scenario"
	tlpkg "portville/sim/timeline"
	"portville/web/wire"
)

// The lab (sim/lab, docs/lab.md): a session whose timeline grows as its
// viewers type commands. The lab belongs to the session's hub like the
// rest of its state; an input runs on the hub goroutine (a command takes
// well under a millisecond to simulate), its events are appended to the
// timeline, and every viewer gets the entry (lab.entry) and then the
// events, paced by the player as a lesson's are.

// maxLabTimelineBytes bounds a lab's events; an input that would pass it
// is taken back.
const maxLabTimelineBytes = maxInlineTimelineBytes

// maxCatchUpEvents is how far behind the town may be when a command is
// typed for the viewers to catch up by the events they had still to see,
// at once and without animating them (a frame with "replay": true),
// rather than by a snapshot of the whole world: typing while the town
// still plays the last command then costs no redraw of the scene.
const maxCatchUpEvents = 200

// LabInfo is a lab's state for its viewers (sim/lab.View): the lab
// message, and the lab inside hello (without its type).
type LabInfo struct {
	Type string `json:"type,omitempty"`
	lab.View
}

// LabEntry is the lab.entry message: the nth entry (from 1) and the
// terminals' state after it.
type LabEntry struct {
	Type  string         `json:"type"`
	N     int            `json:"n"`
	Entry lab.Entry      `json:"entry"`
	Hosts []lab.HostView `json:"hosts"`
}

// LabUndo is the lab.undo message: the lab now has n entries.
type LabUndo struct {
	Type  string         `json:"type"`
	N     int            `json:"n"`
	Hosts []lab.HostView `json:"hosts"`
}

// LabExport is the lab.export message: the lab as a scenario file and as
// a script.
type LabExport struct {
	Type     string `json:"type"`
	Scenario string `json:"scenario"`
	Script   string `json:"script"`
}

// labInfo describes l for its viewers.
func labInfo(l *lab.Lab, typ string) *LabInfo { return &LabInfo{Type: typ, View: l.View()} }

func labHosts(l *lab.Lab) []lab.HostView { return l.HostViews() }

// labOptions reads a lab's OS and seed from a websocket URL.
func labOptions(q url.Values) (lab.Options, error) {
	var opt lab.Options
	var err error
	opt.OS, opt.Seed, opt.SeedSet, err = urlOSSeed(q)
	return opt, err
}

// labBase returns the town a lab starts from: a lesson's, or the default.
func (s *Server) labBase(lessonID string) (*scenario.Scenario, error) {
	if lessonID == "" {
		return lab.DefaultTown(), nil
	}
	l, err := s.lesson(lessonID)
	if err != nil {
		return nil, err
	}
	return l.Scenario, nil
}

// newLab runs a lab's script on its base town and returns it with its
// timeline. The script's inputs must all be taken.
func (s *Server) newLab(base *scenario.Scenario, baseID string, opt lab.Options, inputs []lab.Input, lng *sim.Language) (*lab.Lab, *timeline, error) {
	s.loads <- struct{}{}
	defer func() { <-s.loads }()
	l, err := lab.New(base, baseID, opt)
	if err != nil {
		return nil, nil, labError(err)
	}
	info := tlpkg.Info{ID: baseID, Title: base.Title, Summary: base.Summary, Takeaways: base.Takeaways,
		OS: l.OS(), Seed: l.Seed(), Start: l.StartSeq(), Capacity: l.Capacity()}
	tl := tlpkg.NewLab(info, l.SetupEvents(), l.Scenario(), scenario.Options{Lang: lng})
	for i, in := range inputs {
		_, events, err := l.Do(in)
		if err != nil {
			return nil, nil, userErrorf(wire.CodeBadValue, "the lab's input %d (%s): %s", i+1, in.Host, err)
		}
		if tl, err = tl.Grow(events, l.Scenario(), l.Capacity()); err != nil {
			return nil, nil, err
		}
		if tl.Bytes() > maxLabTimelineBytes {
			return nil, nil, userErrorf(wire.CodeBadValue, "the lab is too long to play: its events pass %d MiB", maxLabTimelineBytes>>20)
		}
	}
	return l, tl, nil
}

// openLab starts a session on a new lab.
func (s *Server) openLab(base *scenario.Scenario, baseID string, opt lab.Options, lng *sim.Language, owner string) (*session, error) {
	l, tl, err := s.newLab(base, baseID, opt, nil, lng)
	if err != nil {
		return nil, err
	}
	return s.openLabSession(l, tl, tl.Total(), false, owner)
}

// openLabSession starts a session on a lab with its cursor at cursor.
func (s *Server) openLabSession(l *lab.Lab, tl *timeline, cursor uint64, fork bool, owner string) (*session, error) {
	sess, err := s.openSessionWith(tl, cursor, fork, l, owner)
	if err != nil {
		return nil, err
	}
	return sess, nil
}

// labError turns the lab's refusals into messages for the viewer.
func labError(err error) error {
	var ie *lab.InputError
	if errors.As(err, &ie) {
		return userErrorf(wire.CodeBadValue, "%s", ie.Msg)
	}
	return err
}

// onLabCommand runs a lab message from a viewer that may control the
// session. Others have been refused by onInbound.
func (sess *session) onLabCommand(v *viewer, cmd *Command, now time.Time) {
	if sess.lab == nil {
		sess.reply(v, userErrorf(wire.CodeBadValue, "%s: this session is not a lab", cmd.Type))
		return
	}
	switch cmd.Type {
	case wire.TypeLabInput:
		sess.labInput(v, lab.Input{Host: cmd.Host, Line: cmd.Line, Key: cmd.Key}, now)
	case wire.TypeLabUndo:
		sess.labUndo(v)
	case wire.TypeLabExport:
		l := sess.lab
		sess.sendTo(v, mustJSON(LabExport{Type: wire.TypeLabExport, Scenario: string(l.Export()), Script: l.Script()}))
	}
}

// labInput types one input into the lab: every viewer gets the entry,
// then the town plays its events from where it stood when the command was
// typed.
func (sess *session) labInput(v *viewer, in lab.Input, now time.Time) {
	l := sess.lab
	before := sess.tl.Total()
	catchUp := sess.cursor < before && before-sess.cursor <= maxCatchUpEvents
	if sess.cursor != before && !catchUp {
		// The viewers will jump to the end as it is now: the lab's world
		// is that end until the command runs.
		if _, err := sess.snapshotJSON(before); err != nil {
			sess.reply(v, err)
			return
		}
	}
	e, events, err := l.Do(in)
	if err != nil {
		sess.reply(v, labError(err))
		return
	}
	tl, err := sess.tl.Grow(events, l.Scenario(), l.Capacity())
	if err == nil && tl.Bytes() > maxLabTimelineBytes {
		err = userErrorf(wire.CodeBadValue, "lab: this lab has reached its size limit (%d MiB of events); save it as a scenario and start a new lab", maxLabTimelineBytes>>20)
	}
	if err != nil {
		if _, _, uerr := l.Undo(); uerr != nil {
			sess.srv.log.Error("lab undo", "session", sess.id, "err", uerr)
		}
		sess.reply(v, err)
		return
	}
	sess.tl = tl
	sess.current.Store(tl)
	sess.broadcast(mustJSON(LabEntry{Type: wire.TypeLabEntry, N: len(l.Entries()), Entry: e, Hosts: labHosts(l)}))
	sess.replicateLab(classMove{Input: &in, Entries: len(l.Entries())})
	if len(events) == 0 {
		sess.broadcastState()
		return
	}
	if sess.cursor != before {
		// The command happens now, at the end of the timeline: the town
		// catches up with the events it had still to show, or jumps there
		// from wherever the viewers had stepped back to.
		sess.player.pause()
		from := sess.cursor + 1
		sess.cursor = before
		if catchUp {
			sess.replicate(classMove{Kind: moveJump, Seq: before, Reason: wire.ReasonLab})
			sess.broadcastIn(nil, func(tl *timeline) []byte {
				b := appendEventsFrame(nil, tl, from, before, nil)
				return append(b[:len(b)-1], `,"replay":true}`...)
			})
		} else {
			sess.broadcastSnapshot(wire.ReasonLab, false)
		}
	}
	sess.player.play(now)
	if !sess.advance(now, true) {
		sess.broadcastState()
	}
}

// labUndo takes back the last entry: the timeline loses its events, and
// the town goes back to before it when it was further on.
func (sess *session) labUndo(v *viewer) {
	l := sess.lab
	_, ok, err := l.Undo()
	if err != nil {
		sess.reply(v, err)
		return
	}
	if !ok {
		sess.reply(v, userErrorf(wire.CodeBadValue, "lab: there is nothing to undo"))
		return
	}
	sess.undone()
	sess.replicateLab(classMove{Undo: true, Entries: len(l.Entries())})
	sess.player.pause()
	sess.cursor = min(sess.cursor, sess.tl.Total())
	sess.broadcastSnapshot(wire.ReasonLab, false)
	sess.broadcastState()
}

// undone cuts the timeline back to the lab's entries after an undo, and
// tells the viewers.
func (sess *session) undone() {
	l := sess.lab
	tl := sess.tl.Truncate(l.Events(), l.Scenario(), l.Capacity())
	// Events after the cut will mean something else once the next
	// command runs: a new timeline id makes a viewer that reconnects take
	// a snapshot rather than resume with events it has no right to.
	sess.tl, sess.tlID = tl, sess.tlID+1
	sess.current.Store(tl)
	sess.snap.data = nil
	sess.broadcast(mustJSON(LabUndo{Type: wire.TypeLabUndo, N: len(l.Entries()), Hosts: labHosts(l)}))
}

// labLoad replaces the lab: another base town, OS or seed, or a script
// (a shared lab). The new lab is played to its end; the viewers get it
// whole.
func (sess *session) labLoad(v *viewer, cmd *Command) {
	l := sess.lab
	baseID := l.BaseID()
	if cmd.Lesson != "" {
		baseID = cmd.Lesson
	}
	opt := l.Options()
	if cmd.OS != "" {
		opt.OS = cmd.OS
	}
	if cmd.SeedSet {
		opt.Seed, opt.SeedSet = cmd.Seed, true
	}
	var inputs []lab.Input
	if cmd.LabSet {
		var err error
		if inputs, err = lab.ParseScript(cmd.Lab); err != nil {
			sess.reply(v, userErrorf(wire.CodeBadValue, "lab: the script's %v", err))
			return
		}
	} else {
		for _, e := range l.Entries() {
			inputs = append(inputs, e.Input)
		}
	}
	base, err := sess.srv.labBase(baseID)
	if errors.Is(err, errUnknownLesson) {
		err = userErrorf(wire.CodeUnknownLesson, "there is no lesson %q", baseID)
	}
	if err != nil {
		sess.reply(v, err)
		return
	}
	nl, tl, err := sess.srv.newLab(base, baseID, opt, inputs, sess.tl.Lang())
	if err != nil {
		sess.reply(v, err)
		return
	}
	sess.player.pause()
	sess.lab = nl
	sess.tl, sess.tlID = tl, sess.tlID+1
	sess.current.Store(tl)
	sess.cursor = tl.Total()
	sess.replicateLoad()
	sess.broadcastSnapshot(wire.ReasonLoad, true)
	sess.broadcast(mustJSON(labInfo(nl, wire.TypeLab)))
	sess.clearAnswers()
	sess.broadcastState()
}

// forkLab gives a follower its own copy of the class's lab, at the class's
// cursor, to type into; it counts against owner's share.
func (sess *session) forkLab(owner string) (*session, error) {
	l := sess.lab
	var inputs []lab.Input
	for _, e := range l.Entries() {
		inputs = append(inputs, e.Input)
	}
	base, err := sess.srv.labBase(l.BaseID())
	if err != nil {
		return nil, err
	}
	nl, tl, err := sess.srv.newLab(base, l.BaseID(), l.Options(), inputs, sess.tl.Lang())
	if err != nil {
		return nil, fmt.Errorf("fork lab: %w", err)
	}
	return sess.srv.openLabSession(nl, tl, min(sess.cursor, tl.Total()), true, owner)
}

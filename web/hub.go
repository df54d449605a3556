package web

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/gorilla/websocket"

	"portville/sim"
	"portville/web/wire"
)

// run is the session's hub goroutine. It alone touches the session's
// timeline, cursor, player and viewers, so none of them needs a lock.
func (sess *session) run() {
	reason := sess.loop()
	sess.srv.removeSession(sess)
	code, text := websocket.CloseGoingAway, "the session ended"
	switch {
	case reason == "shutdown" && sess.endCode != 0:
		code, text, reason = sess.endCode, sess.endText, "ended"
	case reason == "shutdown":
		text = "the server is shutting down"
	}
	sess.closeClass(false)
	for len(sess.viewers) > 0 {
		sess.drop(sess.viewers[len(sess.viewers)-1], code, text, false)
	}
	sess.player.disarm()
	sess.stopIdle()
	close(sess.done)
	sess.srv.log.Info("session closed", "session", sess.id, "reason", reason)
}

// loop serves the session until it ends, and says why.
func (sess *session) loop() string {
	sess.startIdle()
	for {
		select {
		case j := <-sess.join:
			j.reply <- sess.onJoin(j)
		case in := <-sess.inbox:
			sess.onInbound(in)
		case <-sess.player.C():
			sess.onTick()
		case <-sess.idleC():
			if len(sess.viewers) == 0 {
				return "idle"
			}
		case <-sess.classIdleC():
			sess.onClassIdle()
		case <-sess.classStatsC():
			sess.onClassStats()
		case <-sess.pokeC:
			sess.markStats()
		case <-sess.stop:
			return "shutdown"
		}
		sess.cursorSeen.Store(sess.cursor)
		sess.tlIDSeen.Store(sess.tlID)
	}
}

func (sess *session) onJoin(j *joinReq) error {
	// A class decides the viewer's role first (class.go): a follower that
	// comes back takes over its old connection, which then does not count.
	adm, err := sess.admit(j)
	if err != nil {
		return err
	}
	n := len(sess.viewers)
	if adm.old != nil {
		n--
	}
	if n >= sess.srv.cfg.MaxViewers {
		return fmt.Errorf("session %s has %d viewers: %w", sess.id, len(sess.viewers), errViewerLimit)
	}
	hello := Hello{
		Type: wire.TypeHello, V: wire.ProtocolVersion, Session: sess.id, Timeline: sess.tlID,
		Lesson: &sess.tlFor(j.v).Info, State: sess.state(""),
	}
	if sess.lab != nil {
		hello.Lab = labInfo(sess.lab, "")
	}
	resume := j.resume && j.timeline == sess.tlID && sess.canCatchUp(j.after)
	if resume {
		hello.Resumed = true
	} else {
		snap, err := sess.snapshotIn(sess.cursor, sess.tlFor(j.v).Lang())
		if err != nil {
			return err
		}
		hello.Snapshot = snap
		hello.Recent = recentJSON(sess.tlFor(j.v), sess.cursor)
	}
	v := j.v
	sess.enter(v, adm, &hello)
	v.idx = len(sess.viewers)
	sess.viewers = append(sess.viewers, v)
	sess.viewersSeen.Store(int64(len(sess.viewers)))
	sess.stopIdle()
	sess.sendTo(v, mustJSON(hello))
	if resume {
		sess.catchUp(v, j.after)
	}
	return nil
}

func (sess *session) onInbound(in inbound) {
	if in.linkMsg != nil {
		sess.onLink(in.linkMsg)
		return
	}
	v := in.v
	if in.leave {
		if sess.has(v) {
			sess.drop(v, websocket.CloseNormalClosure, "", false)
		}
		return
	}
	if !sess.has(v) && !in.forwarded {
		return // dropped while its message was on the way
	}
	if in.err != nil {
		sess.reply(v, in.err)
		return
	}
	cmd := in.cmd
	if cmd.isControl() && !v.canControl {
		sess.reply(v, errForbidden)
		return
	}
	if l := sess.link(); l != nil && !l.owner && v.role == wire.RolePresenter && forwardable(cmd) {
		// Another instance plays the class (classlink.go).
		sess.forwardControl(v, cmd)
		return
	}
	now := sess.srv.clock.Now()
	if v.role == wire.RolePresenter && sess.class != nil {
		sess.class.active = now
	}
	total := sess.tl.Total()
	switch cmd.Type {
	case wire.TypeClassStart, wire.TypeClassMode, wire.TypeClassEnd, wire.TypeAnswer, wire.TypeFork:
		sess.onClassCommand(v, cmd, now)
		return
	case wire.TypeLabInput, wire.TypeLabUndo, wire.TypeLabExport:
		sess.onLabCommand(v, cmd, now)
		return
	case wire.TypePlay:
		sess.player.play(now)
		if sess.advance(now, true) {
			return
		}
	case wire.TypePause:
		sess.player.pause()
	case wire.TypeStep:
		sess.player.pause()
		if sess.cursor < total {
			sess.cursor++
			st := sess.state(wire.TypeState)
			sess.publish(sess.cursor, sess.cursor, &st)
			return // the state came with the event
		}
	case wire.TypeBack:
		sess.player.pause()
		if sess.cursor > 0 {
			sess.cursor--
			sess.broadcastSnapshot(wire.ReasonBack, false)
		}
	case wire.TypeSeek:
		if cmd.Seq > total {
			sess.reply(v, userErrorf(wire.CodeBadValue, "seq: %d is past the end of the timeline (0 to %d)", cmd.Seq, total))
			return
		}
		sess.player.pause()
		sess.cursor = cmd.Seq
		sess.broadcastSnapshot(wire.ReasonSeek, false)
	case wire.TypeSpeed:
		sess.player.setSpeed(cmd.X)
		sess.player.arm(now)
	case wire.TypeRestart:
		sess.player.pause()
		sess.cursor = sess.tl.Info.Start
		sess.broadcastSnapshot(wire.ReasonRestart, false)
	case wire.TypeLoad:
		if sess.lab != nil {
			sess.labLoad(v, cmd)
			return
		}
		if cmd.LabSet {
			sess.reply(v, userErrorf(wire.CodeBadValue, "load: lab: this session plays a lesson; open /lab for a lab"))
			return
		}
		sess.player.pause()
		sess.tl, sess.tlID = in.tl, sess.tlID+1
		sess.current.Store(in.tl)
		switch {
		case cmd.Scenario != "":
			sess.scenarioText = cmd.Scenario
		case cmd.Lesson != "":
			sess.scenarioText = ""
		}
		sess.cursor = in.tl.Info.Start
		sess.replicateLoad()
		sess.broadcastSnapshot(wire.ReasonLoad, true)
		sess.clearAnswers()
	case wire.TypeResume:
		sess.catchUp(v, cmd.After)
		sess.sendTo(v, mustJSON(sess.state(wire.TypeState)))
		return
	}
	sess.broadcastState()
}

// forwardable reports whether a mirror's presenter's command goes to the
// class's owner: everything that changes what the class sees.
func forwardable(cmd *Command) bool {
	switch cmd.Type {
	case wire.TypeResume, wire.TypeClassStart, wire.TypeLabExport, wire.TypeAnswer, wire.TypeFork:
		return false
	}
	return true
}

// onTick sends the events the player says are due.
func (sess *session) onTick() {
	if !sess.advance(sess.srv.clock.Now(), false) && !sess.player.playing {
		// A checkpoint or the end paused playback.
		sess.broadcastState()
	}
}

// advance moves the cursor over the events due at now, re-arms the timer
// and sends the events. The timer is armed before anything goes out, so a
// test that has seen the frame can move its fake clock on at once. The
// playback state rides in the events' frame when withState is set or the
// events paused playback (a checkpoint, the end); advance reports whether
// it did, so the caller sends no state message after it.
func (sess *session) advance(now time.Time, withState bool) (stateSent bool) {
	n := sess.player.due(now, sess.tl, sess.cursor)
	from := sess.cursor + 1
	sess.cursor += n
	sess.player.arm(now)
	if n == 0 {
		return false
	}
	var st *State
	if withState || !sess.player.playing {
		s := sess.state(wire.TypeState)
		st = &s
	}
	sess.publish(from, sess.cursor, st)
	return st != nil
}

// publish sends events from..to to every viewer in one frame, with the
// playback state st when it is not nil.
func (sess *session) publish(from, to uint64, st *State) {
	if hook := sess.srv.cfg.onPublish; hook != nil {
		hook(sess.id, from, to)
	}
	sess.broadcastIn(nil, func(tl *timeline) []byte { return appendEventsFrame(nil, tl, from, to, st) })
	sess.replicate(classMove{Kind: moveAdvance, Seq: to, WithState: st != nil})
}

// canCatchUp reports whether a viewer that has seen events up to after
// can be brought to the cursor with events rather than a snapshot.
func (sess *session) canCatchUp(after uint64) bool {
	return after <= sess.cursor && sess.cursor-after <= maxResumeEvents
}

// catchUp sends v what it missed after event after: the events, or a
// snapshot when it is ahead of the cursor (the cursor went back) or too
// far behind.
func (sess *session) catchUp(v *viewer, after uint64) {
	if !sess.canCatchUp(after) {
		snap, err := sess.snapshotIn(sess.cursor, sess.tlFor(v).Lang())
		if err != nil {
			sess.reply(v, err)
			return
		}
		sess.sendTo(v, mustJSON(SnapshotMsg{Type: wire.TypeSnapshot, Reason: wire.ReasonResume, Timeline: sess.tlID, Snapshot: snap, Recent: recentJSON(sess.tlFor(v), sess.cursor)}))
		return
	}
	for from := after + 1; from <= sess.cursor; from += maxBatchEvents {
		to := min(from+maxBatchEvents-1, sess.cursor)
		sess.sendTo(v, appendEventsFrame(nil, sess.tlFor(v), from, to, nil))
	}
}

func (sess *session) state(typ string) State {
	return State{Type: typ, Playing: sess.player.playing, Speed: sess.player.speed, Seq: sess.cursor, Total: sess.tl.Total()}
}

// broadcastState sends every viewer the playback state; a class's owner
// also sends it to the instances that mirror the class (classlink.go).
func (sess *session) broadcastState() {
	sess.broadcast(mustJSON(sess.state(wire.TypeState)))
	sess.replicate(classMove{Kind: moveState})
}

// broadcastSnapshot sends every viewer the world at the cursor; after a
// load, with the new timeline's lesson.
func (sess *session) broadcastSnapshot(reason string, withLesson bool) {
	if !withLesson {
		// A load's move (replicateLoad) says what it loaded.
		sess.replicate(classMove{Kind: moveJump, Seq: sess.cursor, Reason: reason})
	}
	if _, err := sess.snapshotJSON(sess.cursor); err != nil {
		sess.srv.log.Error("snapshot", "session", sess.id, "err", err)
		sess.broadcastIn(nil, func(tl *timeline) []byte { return mustJSON(errorMessageIn(err, langByCode(tl))) })
		return
	}
	sess.broadcastIn(nil, func(tl *timeline) []byte {
		m := SnapshotMsg{Type: wire.TypeSnapshot, Reason: reason, Timeline: sess.tlID, Snapshot: sess.snapIn(tl.Lang()), Recent: recentJSON(tl, sess.cursor)}
		if withLesson {
			m.Lesson = &tl.Info
		}
		return mustJSON(m)
	})
}

// snapshotJSON returns the encoded world after event seq of the current
// timeline. The last one is kept: viewers joining a paused session, and
// a class joining at once, share it.
func (sess *session) snapshotJSON(seq uint64) (json.RawMessage, error) {
	if sess.snap.data != nil && sess.snap.tlID == sess.tlID && sess.snap.seq == seq {
		return sess.snap.data, nil
	}
	var world sim.Snapshot
	if sess.lab != nil && seq == sess.tl.Total() && seq == sess.lab.Events() {
		// A lab's own world is its timeline's end: no re-run of (at
		// most) 500 commands.
		world = sess.lab.Snapshot()
	} else {
		snap, err := sess.tl.Snapshot(seq)
		if err != nil {
			return nil, fmt.Errorf("session %s: %w", sess.id, err)
		}
		world = snap
	}
	sess.snap.tlID, sess.snap.seq, sess.snap.world, sess.snap.data = sess.tlID, seq, world, mustJSON(world)
	sess.snap.langs = nil
	return sess.snap.data, nil
}

// snapshotIn is snapshotJSON for a viewer who reads language l (nil:
// English): the same world, its threads' jobs in l.
func (sess *session) snapshotIn(seq uint64, l *sim.Language) (json.RawMessage, error) {
	if _, err := sess.snapshotJSON(seq); err != nil {
		return nil, err
	}
	return sess.snapIn(l), nil
}

// snapIn returns the world snapshotJSON last encoded, in language l; each
// language's encoding is kept beside the English one.
func (sess *session) snapIn(l *sim.Language) json.RawMessage {
	if l == nil {
		return sess.snap.data
	}
	if d, ok := sess.snap.langs[l.Code]; ok {
		return d
	}
	if sess.snap.langs == nil {
		sess.snap.langs = map[string]json.RawMessage{}
	}
	d := json.RawMessage(mustJSON(sess.snap.world.In(l)))
	sess.snap.langs[l.Code] = d
	return d
}

// reply sends v the error message for err, and logs err when it is the
// server's fault.
func (sess *session) reply(v *viewer, err error) {
	sess.srv.metrics.refuse(err)
	m := errorMessageIn(err, langOfViewer(v))
	if m.Code == wire.CodeInternal {
		sess.srv.log.Error("session", "session", sess.id, "err", err)
	}
	sess.sendTo(v, mustJSON(m))
}

// Fan-out. A message is encoded and framed once (a PreparedMessage) and
// the same bytes go to every viewer. Queuing never blocks: a viewer whose
// queue is full is dropped (see doc.go).

func (sess *session) broadcast(data []byte) { sess.broadcastIf(data, nil) }

// broadcastIf sends data to the viewers for which to holds (every viewer
// when to is nil).
func (sess *session) broadcastIf(data []byte, to func(*viewer) bool) {
	if len(sess.viewers) == 0 {
		return
	}
	pm, err := websocket.NewPreparedMessage(websocket.TextMessage, data)
	if err != nil {
		sess.srv.log.Error("prepare message", "session", sess.id, "err", err)
		return
	}
	m := &outMsg{pm: pm, n: len(data)}
	var slow []*viewer
	for _, v := range sess.viewers {
		if to != nil && !to(v) {
			continue
		}
		if !v.enqueue(m) {
			slow = append(slow, v)
		}
	}
	for _, v := range slow {
		sess.dropSlow(v)
	}
}

func (sess *session) sendTo(v *viewer, data []byte) {
	if !v.enqueue(&outMsg{data: data}) {
		sess.dropSlow(v)
	}
}

func (sess *session) dropSlow(v *viewer) {
	sess.srv.metrics.drops.Inc()
	sess.srv.log.Warn("viewer dropped: too slow", "session", sess.id, "queued", len(v.send))
	sess.drop(v, websocket.ClosePolicyViolation, "too slow", true)
}

func (sess *session) has(v *viewer) bool {
	return v.idx >= 0 && v.idx < len(sess.viewers) && sess.viewers[v.idx] == v
}

// drop removes v and closes its queue; its writer then sends the close
// frame. With abort, the connection is closed at once instead: a viewer
// too slow for its queue would not read a close frame either.
func (sess *session) drop(v *viewer, code int, text string, abort bool) {
	if !sess.has(v) {
		return
	}
	last := len(sess.viewers) - 1
	sess.viewers[v.idx] = sess.viewers[last]
	sess.viewers[v.idx].idx = v.idx
	sess.viewers[last] = nil
	sess.viewers = sess.viewers[:last]
	v.idx = -1
	sess.viewersSeen.Store(int64(len(sess.viewers)))
	sess.leave(v)
	v.closeCode, v.closeText = code, text
	close(v.send)
	if abort {
		v.conn.NetConn().Close()
	}
	if len(sess.viewers) == 0 {
		sess.startIdle()
	}
}

func (sess *session) startIdle() {
	sess.stopIdle()
	sess.idle = sess.srv.clock.NewTimer(sess.srv.cfg.IdleTimeout)
	sess.unwatchedAt.Store(sess.srv.clock.Now().UnixNano())
}

func (sess *session) stopIdle() {
	sess.unwatchedAt.Store(0)
	if sess.idle != nil {
		sess.idle.Stop()
		sess.idle = nil
	}
}

func (sess *session) idleC() <-chan time.Time {
	if sess.idle == nil {
		return nil
	}
	return sess.idle.C()
}

// maxRecentEvents bounds the events a hello or snapshot carries as context.
const maxRecentEvents = 40

// recentJSON returns the events seq-maxRecentEvents+1..seq of tl as a JSON
// array, or nil at the start of the timeline.
func recentJSON(tl *timeline, seq uint64) json.RawMessage {
	if seq == 0 || tl.Total() == 0 {
		return nil
	}
	seq = min(seq, tl.Total())
	from := uint64(1)
	if seq > maxRecentEvents {
		from = seq - maxRecentEvents + 1
	}
	b := []byte{'['}
	for s := from; s <= seq; s++ {
		if s > from {
			b = append(b, ',')
		}
		b = append(b, tl.Event(s)...)
	}
	return append(b, ']')
}

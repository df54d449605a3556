package web

import (
	"fmt"
	"time"

	"portville/web/wire"
)

// The hub's side of a mirror (classlink.go): the session that is this
// instance's copy of another instance's class, and the owner's moves and
// record turned into the messages this instance's viewers get.

// openMirror starts this instance's copy of the class code, as its
// record r says it is, on the timeline b built from r's source; then
// registers the class and follows its moves through cl.
func (s *Server) openMirror(cl *cluster, code string, r classRecord, b built) (*classEntry, *session, error) {
	e := &classEntry{code: code, base: r.Base, url: r.URL, loopback: r.Loopback}
	link := &classLink{cl: cl, fwd: make(chan forward, maxForwards), source: r.Source, count: -1, moveN: r.Move}
	sess := s.newSession(b.tl, min(r.Cursor, b.tl.Total()), false, b.lab, "")
	e.sess = sess
	sess.tlID = r.Timeline
	sess.scenarioText = b.text
	sess.player.playing, sess.player.speed = r.Playing, r.Speed
	if sess.player.speed == 0 {
		sess.player.speed = 1
	}
	sess.class = &class{
		entry: e, tokenHash: r.TokenHash, mode: r.Mode, tlID: r.Timeline,
		followers: map[string]*follower{}, tally: map[uint64]map[string]uint32{},
		checks: checkpointsOf(b.tl), active: time.UnixMilli(r.Active), statsLast: s.clock.Now(),
		idle: s.clock.NewTimer(s.cfg.ClassIdle), link: link,
	}
	sess.inClass.Store(true)
	if err := s.startSession(sess); err != nil {
		return nil, nil, err
	}
	if err := s.registerMirror(e); err != nil {
		sess.shutdown()
		return nil, nil, err
	}
	if err := link.follow(sess, code); err != nil {
		sess.shutdown()
		return nil, nil, fmt.Errorf("class %s: %w: %v", code, errClusterDown, err)
	}
	return e, sess, nil
}

// applyMove turns the owner's move into the messages this mirror's
// viewers get.
func (sess *session) applyMove(m *classMove, b *built) {
	c, l := sess.class, sess.class.link
	if m.Epoch < l.epoch || m.Epoch == l.epoch && m.N <= l.moveN {
		return // seen, or from an owner that has been replaced
	}
	if l.owner {
		sess.demote(m.Owner)
	}
	l.epoch, l.moveN = m.Epoch, m.N
	c.active = time.UnixMilli(m.Active)
	if m.Kind != moveLoad && m.Timeline != sess.tlID && !(m.Kind == moveLab && m.Undo && m.Timeline == sess.tlID+1) {
		// A load went by unseen: the record has the class as it is.
		sess.resync()
		return
	}
	sess.player.playing, sess.player.speed = m.Playing, m.Speed
	switch m.Kind {
	case moveAdvance:
		if m.Seq > sess.cursor && m.Seq <= sess.tl.Total() {
			from := sess.cursor + 1
			sess.cursor = m.Seq
			var st *State
			if m.WithState {
				s := sess.state(wire.TypeState)
				st = &s
			}
			sess.publishChunks(from, m.Seq, st)
		} else if m.WithState {
			sess.broadcast(mustJSON(sess.state(wire.TypeState)))
		}
	case moveJump:
		sess.cursor = min(m.Seq, sess.tl.Total())
		sess.broadcastSnapshot(m.Reason, false)
	case moveState:
		sess.broadcast(mustJSON(sess.state(wire.TypeState)))
	case moveMode:
		sess.applyMode(m.Mode)
	case moveEnd:
		sess.endClass(m.Reason)
	case moveLab:
		sess.applyLab(m)
	case moveLoad:
		if b == nil {
			sess.resync()
			return
		}
		sess.tl, sess.tlID, sess.lab, sess.scenarioText = b.tl, m.Timeline, b.lab, b.text
		sess.current.Store(b.tl)
		sess.tlIDSeen.Store(sess.tlID)
		l.source = *m.Source
		sess.cursor = min(m.Seq, b.tl.Total())
		sess.broadcastSnapshot(wire.ReasonLoad, true)
		if sess.lab != nil {
			sess.broadcast(mustJSON(labInfo(sess.lab, wire.TypeLab)))
		}
		sess.clearAnswers()
	}
}

// publishChunks sends events from..to as the hub would have, in frames
// of at most maxBatchEvents, the last with the state st (nil: none).
func (sess *session) publishChunks(from, to uint64, st *State) {
	for ; from <= to; from += maxBatchEvents {
		end := min(from+maxBatchEvents-1, to)
		if end == to {
			sess.publish(from, end, st)
		} else {
			sess.publish(from, end, nil)
		}
	}
}

// applyLab types the owner's lab input (or takes back its last one) into
// this mirror's copy of the lab.
func (sess *session) applyLab(m *classMove) {
	l := sess.lab
	if l == nil {
		sess.resync()
		return
	}
	n := len(l.Entries())
	switch {
	case m.Undo && n == m.Entries+1:
		if _, _, err := l.Undo(); err != nil {
			sess.resync()
			return
		}
		sess.undone()
	case !m.Undo && m.Input != nil && n == m.Entries-1:
		e, events, err := l.Do(*m.Input)
		if err != nil {
			sess.resync()
			return
		}
		tl, err := sess.tl.Grow(events, l.Scenario(), l.Capacity())
		if err != nil {
			sess.resync()
			return
		}
		sess.tl = tl
		sess.current.Store(tl)
		sess.broadcast(mustJSON(LabEntry{Type: wire.TypeLabEntry, N: len(l.Entries()), Entry: e, Hosts: labHosts(l)}))
	default:
		sess.resync()
		return
	}
	if m.Source != nil {
		sess.link().source = *m.Source
	}
}

// resync catches a mirror up with the class's record, off the hub.
func (sess *session) resync() {
	l := sess.link()
	code := sess.class.entry.code
	sess.srv.spawn(func() {
		if r, _, err := l.cl.getRecord(code); err == nil {
			l.cl.sync(sess, r)
		}
	})
}

// syncTo brings a mirror to the class's record.
func (sess *session) syncTo(r classRecord, b *built) {
	c, l := sess.class, sess.class.link
	if l.owner || r.Epoch < l.epoch || r.Epoch == l.epoch && r.Move <= l.moveN && b == nil {
		return
	}
	l.epoch, l.moveN = r.Epoch, r.Move
	c.active = time.UnixMilli(r.Active)
	sess.player.playing, sess.player.speed = r.Playing, r.Speed
	if b != nil {
		sess.tl, sess.tlID, sess.lab, sess.scenarioText = b.tl, r.Timeline, b.lab, b.text
		sess.current.Store(b.tl)
		sess.tlIDSeen.Store(sess.tlID)
		l.source = r.Source
		sess.cursor = min(r.Cursor, b.tl.Total())
		sess.broadcastSnapshot(wire.ReasonLoad, true)
		if sess.lab != nil {
			sess.broadcast(mustJSON(labInfo(sess.lab, wire.TypeLab)))
		}
		sess.clearAnswers()
	} else if r.Timeline == sess.tlID {
		switch {
		case r.Cursor > sess.cursor && r.Cursor <= sess.tl.Total():
			from := sess.cursor + 1
			sess.cursor = r.Cursor
			sess.publishChunks(from, r.Cursor, nil)
		case r.Cursor < sess.cursor:
			sess.cursor = r.Cursor
			sess.broadcastSnapshot(wire.ReasonResume, false)
		}
	}
	if r.Mode != c.mode {
		sess.applyMode(r.Mode)
	}
	sess.broadcast(mustJSON(sess.state(wire.TypeState)))
}

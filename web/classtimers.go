package web

import (
	"time"

	"portville/web/wire"
)

// A class's two timers (class.go): its idle end, and the pace of the
// presenters' counts.

// onClassIdle ends the class when its presenters have been silent for
// cfg.ClassIdle, or sets the timer for when they will have been.
func (sess *session) onClassIdle() {
	c := sess.class
	c.idle = nil
	now := sess.srv.clock.Now()
	if l := c.link; l != nil && !l.owner {
		// The owner may have heard from a presenter since the last move.
		if r, ok := l.cl.record(c.entry.code); ok && time.UnixMilli(r.Active).After(c.active) {
			c.active = time.UnixMilli(r.Active)
		}
	}
	if wait := c.active.Add(sess.srv.cfg.ClassIdle).Sub(now); wait > 0 {
		c.idle = sess.srv.clock.NewTimer(wait)
		return
	}
	sess.endClass(wire.EndIdle)
}

func (sess *session) classIdleC() <-chan time.Time {
	if sess.class == nil || sess.class.idle == nil {
		return nil
	}
	return sess.class.idle.C()
}

// markStats says the counts have changed: class.stats goes to the
// presenters now, or classStatsInterval after the last one.
func (sess *session) markStats() {
	c := sess.class
	if c == nil {
		return
	}
	if c.link != nil {
		sess.writeCount(false)
	}
	if c.statsTimer != nil {
		return
	}
	now := sess.srv.clock.Now()
	if wait := c.statsLast.Add(classStatsInterval).Sub(now); wait > 0 {
		c.statsTimer = sess.srv.clock.NewTimer(wait)
		return
	}
	sess.sendStats(now)
}

func (sess *session) onClassStats() {
	sess.class.statsTimer = nil
	sess.sendStats(sess.srv.clock.Now())
}

func (sess *session) sendStats(now time.Time) {
	c := sess.class
	c.statsLast = now
	sess.broadcastIf(mustJSON(ClassStats{Type: wire.TypeClassStats, ClassCounts: *c.counts()}), isPresenter)
}

func (sess *session) classStatsC() <-chan time.Time {
	if sess.class == nil || sess.class.statsTimer == nil {
		return nil
	}
	return sess.class.statsTimer.C()
}

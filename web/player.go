package web

import (
	"time"

	"portville/sim"
)

// Clock is the wall clock the player paces against and the session's idle
// timer runs on. Tests use a fake one, so pacing tests run instantly.
type Clock interface {
	Now() time.Time
	NewTimer(d time.Duration) Timer
}

// Timer is a one-shot timer from a Clock.
type Timer interface {
	C() <-chan time.Time
	Stop() bool
}

// systemClock is the real clock.
type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

func (systemClock) NewTimer(d time.Duration) Timer { return systemTimer{time.NewTimer(d)} }

type systemTimer struct{ t *time.Timer }

func (t systemTimer) C() <-chan time.Time { return t.t.C }
func (t systemTimer) Stop() bool          { return t.t.Stop() }

// How long an event stays on screen at speed 1 before the next one
// (docs/protocol.md, "Pacing"): longer for events a class needs time to
// read.
const (
	holdReading = 1600 * time.Millisecond // packet.send, notes, checkpoint answers
	holdDeliver = 1000 * time.Millisecond // packet.deliver
	holdOther   = 600 * time.Millisecond  // every other kind
)

// holdFor returns how long an event of the kind stays on screen at speed 1.
// The browser's copy is holdMs in static/js/protocol.js, used by the static
// build's player and to size animations; keep the two in step.
func holdFor(k sim.Kind) time.Duration {
	switch k {
	case sim.KindPacketSend, sim.KindNote, sim.KindCheckpointReply:
		return holdReading
	case sim.KindPacketDeliver:
		return holdDeliver
	}
	return holdOther
}

// maxBatchEvents bounds the events one frame carries: when the player
// falls further behind than that, it catches up over several frames.
const maxBatchEvents = 256

// player paces a timeline in wall time. It is owned by its session's hub
// goroutine and holds no lock; the hub asks it which events are due and
// arms its timer.
type player struct {
	clock   Clock
	hold    func(sim.Kind) time.Duration
	playing bool
	speed   float64
	// shown is when the event at the cursor fell due (or when play was
	// pressed), and held how long it stays on screen at speed 1: the
	// next event is due at shown + held/speed. Keeping the due time
	// rather than the time a frame went out means pacing does not drift.
	shown time.Time
	held  time.Duration
	timer Timer
}

func newPlayer(clock Clock, hold func(sim.Kind) time.Duration) player {
	if hold == nil {
		hold = holdFor
	}
	return player{clock: clock, hold: hold, speed: 1}
}

// next returns when the event after the cursor falls due.
func (p *player) next() time.Time {
	return p.shown.Add(time.Duration(float64(p.held) / p.speed))
}

// play starts playing: the next event is due at once.
func (p *player) play(now time.Time) {
	p.playing = true
	p.shown, p.held = now, 0
}

// pause stops playing and its timer.
func (p *player) pause() {
	p.playing = false
	p.disarm()
}

// setSpeed changes the speed; the event on screen keeps the time it has
// already been shown.
func (p *player) setSpeed(x float64) { p.speed = x }

// due returns how many events after cursor are due at now, at most
// maxBatchEvents, and moves the pacing on past them. A checkpoint event
// pauses playback after it; so does the end of the timeline.
func (p *player) due(now time.Time, tl *timeline, cursor uint64) uint64 {
	var n uint64
	total := tl.Total()
	for p.playing && cursor+n < total && n < maxBatchEvents {
		at := p.next()
		if at.After(now) {
			break
		}
		n++
		kind := tl.Kind(cursor + n)
		p.shown, p.held = at, p.hold(kind)
		if kind == sim.KindCheckpoint {
			p.playing = false
		}
	}
	if cursor+n >= total {
		p.playing = false
	}
	return n
}

// arm sets the timer for the next due event, or stops it when paused.
func (p *player) arm(now time.Time) {
	p.disarm()
	if p.playing {
		p.timer = p.clock.NewTimer(max(p.next().Sub(now), 0))
	}
}

func (p *player) disarm() {
	if p.timer != nil {
		p.timer.Stop()
		p.timer = nil
	}
}

// C is the timer's channel: nil (never ready) when no timer is armed.
func (p *player) C() <-chan time.Time {
	if p.timer == nil {
		return nil
	}
	return p.timer.C()
}

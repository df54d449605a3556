package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"portville/sim/lab"
	"portville/sim/lang/catalogues"
	"portville/web/wire"
)

// The hub's side of a class shared through NATS (cluster.go has the
// server's). Everything here but the goroutines named so runs on the
// session's hub goroutine.

// classLink ties a class's hub to the other instances.
type classLink struct {
	cl     *cluster
	owner  bool     // this hub plays the class; otherwise it mirrors the owner's moves
	moves  stopFunc // the subscription to the class's moves
	serve  stopFunc // the owner's: the subscription to the controls
	epoch  uint64   // takeovers so far: moves of an older owner are stale
	moveN  uint64   // the last move sent or applied, within epoch
	source classSource
	fwd    chan forward // a mirror's presenters' controls, for the owner
	fwdRun sync.Once
	count  int  // the follower count last written; -1 none
	sidOK  bool // this session's sid key is written
	sidAt  time.Time
	// checking is set while a mirror asks whether the owner is still
	// there.
	checking bool
}

// classMove is one move of a class, as its owner sends it.
type classMove struct {
	Owner     string       `json:"o"`
	Epoch     uint64       `json:"ep"`
	N         uint64       `json:"n"`
	Kind      string       `json:"k"` // advance, jump, state, mode, end, lab, load
	Timeline  uint64       `json:"tl"`
	Seq       uint64       `json:"seq"`
	Reason    string       `json:"r,omitempty"`
	WithState bool         `json:"ws,omitempty"`
	Playing   bool         `json:"p,omitempty"`
	Speed     float64      `json:"x"`
	Mode      string       `json:"m,omitempty"`
	Active    int64        `json:"a"`
	Source    *classSource `json:"src,omitempty"` // load, lab
	Input     *lab.Input   `json:"in,omitempty"`  // lab: the input typed
	Undo      bool         `json:"undo,omitempty"`
	Entries   int          `json:"e,omitempty"` // lab: the lab's entries after the move
}

// Kinds of move.
const (
	moveAdvance = "advance" // events up to Seq went out
	moveJump    = "jump"    // the world at Seq went out (seek, back, restart, a lab's jump)
	moveState   = "state"   // the playback state went out
	moveMode    = "mode"
	moveEnd     = "end"
	moveLab     = "lab"  // a lab's input or undo
	moveLoad    = "load" // a new timeline
)

// linkMsg is what the cluster hands a hub, through its inbox.
type linkMsg struct {
	move     *classMove
	built    *built       // the timeline a load or sync needs, built off the hub
	sync     *classRecord // catch up with the record
	lostTo   string       // another instance owns the class now
	beat     bool         // the heartbeat: write the counts
	owner    *bool        // the answer to "is the owner there?"
	redo     *forward     // the owner is gone: take over, then do this
	reply    *fwdReply    // the owner's answer to a forwarded control
	ctl      *ctlReq      // a control from another instance's presenter
	ctlReply chan []json.RawMessage
}

// forward is a presenter's control on a mirror, for the owner.
type forward struct {
	v   *viewer
	cmd Command
}

// fwdReply is what the owner sent back for a forwarded control.
type fwdReply struct {
	v    *viewer
	msgs []json.RawMessage
	err  error
}

// ctlReq is a forwarded control on the wire.
type ctlReq struct {
	Ping bool     `json:"ping,omitempty"`
	Cmd  *Command `json:"cmd,omitempty"`
	Lang string   `json:"lang,omitempty"`
	tl   *timeline
	err  error
}

func (sess *session) link() *classLink {
	if sess.class == nil {
		return nil
	}
	return sess.class.link
}

// owning reports whether the session plays a class others mirror.
func (sess *session) owning() bool {
	l := sess.link()
	return l != nil && l.owner
}

// sourceNow describes what the session's timeline is built from, with the
// text a scenario or lab needs.
func (sess *session) sourceNow() (classSource, string) {
	tl := sess.tl
	src := classSource{OS: tl.Info.OS, Seed: tl.Info.Seed, SeedSet: true}
	if l := tl.Lang(); l != nil {
		src.Lang = l.Code
	}
	var text string
	switch {
	case sess.lab != nil:
		o := sess.lab.Options()
		src.Kind, src.Lesson, src.OS, src.Seed, src.SeedSet = "lab", sess.lab.BaseID(), o.OS, o.Seed, o.SeedSet
		text = sess.lab.Script()
	case sess.scenarioText != "":
		src.Kind, text = "scenario", sess.scenarioText
	default:
		src.Kind, src.Lesson = "lesson", tl.Info.ID
	}
	if text != "" {
		src.Hash = sourceHash(text)
	}
	return src, text
}

// shareSource writes the session's source to the bucket and keeps it as
// the link's.
func (sess *session) shareSource() error {
	l := sess.link()
	src, text := sess.sourceNow()
	if text != "" {
		if err := l.cl.putSource(src.Hash, text); err != nil {
			return err
		}
	}
	l.source = src
	return nil
}

func (sess *session) recordNow() classRecord {
	c, l := sess.class, sess.class.link
	r := classRecord{
		Code: c.entry.code, Owner: l.cl.instance(), Base: c.entry.base, URL: c.entry.url, Loopback: c.entry.loopback,
		TokenHash: c.tokenHash, Source: l.source, Timeline: sess.tlID, Cursor: sess.cursor,
		Playing: sess.player.playing, Speed: sess.player.speed, Mode: c.mode, Active: c.active.UnixMilli(),
		Epoch: l.epoch, Move: l.moveN,
	}
	if sess.lab != nil {
		r.Entries = len(sess.lab.Entries())
	}
	return r
}

// shareClass makes the class the session just started known to the
// other instances: its source, its record (which claims the code across
// instances), its subjects.
func (sess *session) shareClass(cl *cluster) error {
	c := sess.class
	c.link = &classLink{cl: cl, owner: true, count: -1, fwd: make(chan forward, maxForwards)}
	if err := sess.shareSource(); err != nil {
		return err
	}
	if err := cl.createClass(sess.recordNow()); err != nil {
		return err
	}
	if err := c.link.follow(sess, c.entry.code); err != nil {
		return err
	}
	return c.link.serveControls(sess, c.entry.code)
}

// errCodeTaken: another instance holds a class with the code drawn.
var errCodeTaken = errors.New("the code is taken")

// follow subscribes to the class's moves. The subscription's goroutine
// builds the timelines a load needs, so the hub does not wait for them.
func (l *classLink) follow(sess *session, code string) error {
	stop, err := l.cl.followMoves(code, func(m classMove) {
		msg := &linkMsg{move: &m}
		if m.Kind == moveLoad && m.Source != nil {
			b, err := l.cl.build(*m.Source)
			if err != nil {
				sess.srv.log.Warn("class move: rebuild", "code", code, "err", err)
				return
			}
			msg.built = &b
		}
		sess.post(inbound{linkMsg: msg})
	})
	if err != nil {
		return err
	}
	l.moves = stop
	return nil
}

// serveControls answers the class's controls from other instances: the
// owner's side. The subscription's goroutine builds a load's timeline,
// then waits for the hub's answer.
func (l *classLink) serveControls(sess *session, code string) error {
	stop, err := l.cl.serveControls(code, func(req *ctlReq) ([]json.RawMessage, bool) {
		if req.Cmd.Type == wire.TypeLoad && !sess.isLab && !req.Cmd.LabSet {
			req.tl, req.err = sess.srv.load(*req.Cmd, sess.current.Load())
		}
		reply := make(chan []json.RawMessage, 1)
		if !sess.post(inbound{linkMsg: &linkMsg{ctl: req, ctlReply: reply}}) {
			return nil, false
		}
		select {
		case msgs := <-reply:
			return msgs, true
		case <-time.After(controlTimeout):
			return nil, false
		}
	})
	if err != nil {
		return err
	}
	l.serve = stop
	return nil
}

// detach stops the link; with ending, the class is over for every
// instance and its keys go.
func (sess *session) detach(ending bool) {
	l := sess.class.link
	l.moves.stop()
	l.serve.stop()
	l.cl.unshare(sess.class.entry.code, ending)
}

// replicate sends a move of the class the session owns, and its record.
func (sess *session) replicate(m classMove) {
	if !sess.owning() {
		return
	}
	c, l := sess.class, sess.class.link
	l.moveN++
	m.Owner, m.Epoch, m.N, m.Timeline = l.cl.instance(), l.epoch, l.moveN, sess.tlID
	m.Playing, m.Speed, m.Mode, m.Active = sess.player.playing, sess.player.speed, c.mode, c.active.UnixMilli()
	if err := l.cl.publishMove(c.entry.code, m); err != nil {
		sess.srv.log.Warn("class move", "code", c.entry.code, "err", err)
	}
	l.cl.queueRecord(sess.recordNow(), sess.lostClass)
}

// onLink handles what the cluster hands the hub.
func (sess *session) onLink(m *linkMsg) {
	l := sess.link()
	switch {
	case m.ctl != nil:
		m.ctlReply <- sess.onControlFrom(m.ctl)
		return
	case l == nil:
		return // the class has ended
	case m.move != nil:
		sess.applyMove(m.move, m.built)
	case m.sync != nil:
		sess.syncTo(*m.sync, m.built)
	case m.lostTo != "":
		sess.demote(m.lostTo)
	case m.beat:
		sess.writeCount(true)
	case m.owner != nil:
		l.checking = false
		if !*m.owner {
			sess.takeOver()
		}
	case m.redo != nil:
		if !l.owner {
			sess.takeOver()
		}
		if l.owner && sess.has(m.redo.v) {
			sess.onInbound(inbound{v: m.redo.v, cmd: &m.redo.cmd})
		} else if sess.has(m.redo.v) {
			sess.reply(m.redo.v, fmt.Errorf("class %s: %w", sess.class.entry.code, errClusterDown))
		}
	case m.reply != nil:
		if !sess.has(m.reply.v) {
			return
		}
		if m.reply.err != nil {
			sess.reply(m.reply.v, m.reply.err)
		}
		for _, msg := range m.reply.msgs {
			sess.sendTo(m.reply.v, msg)
		}
	}
}

// onControlFrom runs a control another instance's presenter sent, as
// this hub's presenter, and returns the messages meant for that
// presenter alone.
func (sess *session) onControlFrom(req *ctlReq) []json.RawMessage {
	if !sess.owning() {
		return nil
	}
	v := &viewer{send: make(chan *outMsg, 64), role: wire.RolePresenter, canControl: true, idx: -1, lang: catalogues.Get(req.Lang)}
	if req.err != nil {
		sess.reply(v, req.err)
	} else {
		sess.onInbound(inbound{v: v, cmd: req.Cmd, tl: req.tl, forwarded: true})
	}
	var out []json.RawMessage
	for len(v.send) > 0 {
		if m := <-v.send; m.data != nil {
			out = append(out, m.data)
		}
	}
	return out
}

// forwardControl hands a mirror presenter's control to the owner.
func (sess *session) forwardControl(v *viewer, cmd *Command) {
	l := sess.link()
	code := sess.class.entry.code
	l.fwdRun.Do(func() { sess.srv.spawn(func() { sess.forwarder(l, code) }) })
	select {
	case l.fwd <- forward{v: v, cmd: *cmd}:
	default:
		sess.reply(v, errRateLimited)
	}
}

// forwarder sends a mirror's forwarded controls to the owner, one at a
// time, in order. It runs on a goroutine of its own until the session
// ends.
func (sess *session) forwarder(l *classLink, code string) {
	for {
		select {
		case f := <-l.fwd:
			req := ctlReq{Cmd: &f.cmd, Lang: langOfViewer(f.v).Code}
			msgs, err := l.cl.sendControl(code, req)
			if errors.Is(err, errNoOwner) {
				sess.post(inbound{linkMsg: &linkMsg{redo: &f}})
				continue
			}
			sess.post(inbound{linkMsg: &linkMsg{reply: &fwdReply{v: f.v, msgs: msgs, err: err}}})
		case <-sess.done:
			return
		case <-sess.stop:
			return
		}
	}
}

// checkOwner asks, off the hub, whether the class's owner still answers;
// a mirror with a presenter takes the class over when it does not.
func (sess *session) checkOwner() {
	l := sess.link()
	if l == nil || l.owner || l.checking {
		return
	}
	l.checking = true
	code := sess.class.entry.code
	sess.srv.spawn(func() {
		there := l.cl.ownerThere(code)
		sess.post(inbound{linkMsg: &linkMsg{owner: &there}})
	})
}

// takeOver makes this hub the class's owner: the record names this
// instance (a compare-and-set, so two instances cannot both), and the
// player goes on where the class was.
func (sess *session) takeOver() {
	c, l := sess.class, sess.class.link
	r, rev, err := l.cl.getRecord(c.entry.code)
	if err != nil {
		sess.srv.log.Warn("class takeover", "code", c.entry.code, "err", err)
		return
	}
	if r.Owner == l.cl.instance() {
		return
	}
	if r.Timeline == sess.tlID && r.Cursor > sess.cursor && r.Cursor <= sess.tl.Total() {
		from := sess.cursor + 1
		sess.cursor = r.Cursor
		sess.publishChunks(from, sess.cursor, nil)
	}
	l.owner, l.epoch, l.moveN = true, max(r.Epoch, l.epoch)+1, 0
	if err := l.cl.claimClass(sess.recordNow(), rev); err != nil {
		l.owner = false
		sess.srv.log.Warn("class takeover", "code", c.entry.code, "err", err)
		return
	}
	if err := l.serveControls(sess, c.entry.code); err != nil {
		sess.srv.log.Warn("class takeover: serve", "code", c.entry.code, "err", err)
	}
	now := sess.srv.clock.Now()
	c.active = now
	if sess.player.playing {
		sess.player.play(now)
		sess.player.arm(now)
	}
	sess.srv.log.Info("class taken over", "session", sess.id, "code", c.entry.code, "from", r.Owner, "epoch", l.epoch)
	sess.replicate(classMove{Kind: moveState})
}

// What the cluster hands a class's hub (cluster.go, clusterwriter.go,
// clustermirror.go), from any goroutine: the cluster posts no hub
// message itself.

// catchUpWith hands the hub the class's record r, with the timeline b
// built from its source when r's timeline is not the session's (nil
// otherwise): a mirror that missed moves catches up (syncTo).
func (sess *session) catchUpWith(r classRecord, b *built) {
	sess.post(inbound{linkMsg: &linkMsg{sync: &r, built: b}})
}

// heartbeat tells the hub to write its counts (writeCount).
func (sess *session) heartbeat() {
	sess.post(inbound{linkMsg: &linkMsg{beat: true}})
}

// lostClass tells the hub that the instance owner has taken the class
// over: the cluster's writer found the record theirs.
func (sess *session) lostClass(owner string) {
	sess.post(inbound{linkMsg: &linkMsg{lostTo: owner}})
}

// poke tells the hub that the class's counts changed elsewhere.
func (sess *session) poke() {
	select {
	case sess.pokeC <- struct{}{}:
	default:
	}
}

// demote makes an owner a mirror: another instance plays the class now.
func (sess *session) demote(by string) {
	l := sess.link()
	if !l.owner {
		return
	}
	l.owner = false
	l.serve.stop()
	l.serve = nil
	sess.player.disarm()
	sess.srv.log.Info("class handed over", "session", sess.id, "code", sess.class.entry.code, "to", by)
}

// writeCount writes this instance's followers of the class when they
// changed, or (heartbeat) in any case; and the presenter's sid key.
func (sess *session) writeCount(beat bool) {
	c, l := sess.class, sess.class.link
	code := c.entry.code
	if c.connected != l.count || beat && c.connected > 0 {
		l.cl.writeCount(code, c.connected)
		l.count = c.connected
	}
	if beat && l.sidOK && sess.srv.clock.Now().Sub(l.sidAt) > sidRefresh {
		sess.writeSid()
	}
	if beat && l.owner {
		l.cl.queueRecord(sess.recordNow(), sess.lostClass)
	}
}

// writeSid lets a presenter of this session find the class again from
// any instance.
func (sess *session) writeSid() {
	l := sess.link()
	l.cl.writeSid(sess.id, sess.class.entry.code)
	l.sidOK, l.sidAt = true, sess.srv.clock.Now()
}

// replicateLab sends a lab's input or undo (m.Input, m.Undo, m.Entries)
// to the mirrors, with the lab's script as it now stands.
func (sess *session) replicateLab(m classMove) {
	if !sess.owning() {
		return
	}
	if err := sess.shareSource(); err != nil {
		sess.srv.log.Warn("class lab: share its script", "code", sess.class.entry.code, "err", err)
	}
	src := sess.link().source
	m.Kind, m.Source = moveLab, &src
	sess.replicate(m)
}

// replicateLoad sends a new timeline's source to the mirrors.
func (sess *session) replicateLoad() {
	if !sess.owning() {
		return
	}
	if err := sess.shareSource(); err != nil {
		sess.srv.log.Warn("class load: share its source", "code", sess.class.entry.code, "err", err)
	}
	src := sess.link().source
	sess.replicate(classMove{Kind: moveLoad, Seq: sess.cursor, Source: &src})
}

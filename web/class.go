package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"portville/sim"
	"portville/web/wire"
)

// Classroom (docs/protocol.md, "Classroom"). A class is a session with a
// presenter and followers. The session's hub owns the class like the rest
// of the session: its followers, their answers, the mode and the timers.
// The server's registry (registry.go, classregistry.go) maps each join
// code to the session, for the routes that find a class by its code.

// Classroom bounds.
const (
	classCodeLen       = 8                                 // characters of a join code
	classCodeAlphabet  = "23456789ABCDEFGHJKMNPQRSTUVWXYZ" // no 0/O, 1/I/L
	classTokenBytes    = 16                                // 128 bits of presenter token
	maxCodeTries       = 8                                 // fresh codes tried when one is taken
	maxCodeInputBytes  = 64                                // a typed code longer than this is not one
	classStatsInterval = 250 * time.Millisecond            // class.stats at most 4 a second
	// followerIDsPerViewer bounds the follower ids a class remembers:
	// this many per Config.MaxViewers (followers who left, and their
	// answers, included).
	followerIDsPerViewer = 2
	failedJoinBurst      = 20   // wrong join codes an address may send at once
	failedJoinRate       = 0.5  // wrong join codes a second per address, after the burst
	maxJoinAddrs         = 4096 // addresses the join limiter tracks; the rest share one bucket
)

// Close reasons of the connections a class ends.
const (
	closeClassEnded  = "the class ended"
	closeTookBack    = "the presenter took control back"
	closeNewerFork   = "a newer private copy replaced this one"
	closeOpenedAgain = "the class was opened again elsewhere"
)

// classEntry is a class in the server's registry: what the HTTP routes
// need without asking the hub. It does not change, but for the QR code,
// made on first request.
type classEntry struct {
	code     string
	base     string // the server's absolute URL, without a final slash
	url      string // the absolute join URL
	loopback bool   // url names this machine's loopback address
	owner    string // the presenter's address (addrKey), whose share it counts against
	sess     *session
	qrOnce   sync.Once
	qr       []byte
	qrErr    error
}

// svg returns the QR code of the join URL as an SVG image.
func (e *classEntry) svg() ([]byte, error) {
	e.qrOnce.Do(func() { e.qr, e.qrErr = qrSVG(e.url) })
	return e.qr, e.qrErr
}

// class is the classroom state of a session. Its session's hub goroutine
// owns it.
type class struct {
	entry *classEntry
	// token is the presenter token; a mirror (classlink.go) knows only
	// tokenHash until a presenter has shown it.
	token     string
	tokenHash string
	mode      string
	// link ties the class to the other instances, with Config.NATS
	// (classlink.go); nil otherwise.
	link      *classLink
	followers map[string]*follower // by id: connected or not
	connected int                  // followers connected now
	// tally counts the answers of the current timeline: checkpoint
	// number -> choice id -> followers.
	tally map[uint64]map[string]uint32
	// checks describes the checkpoints of the current timeline, by
	// number; tlID is that timeline.
	checks map[uint64]checkpointInfo
	tlID   uint64
	// remoteQR is the QR code of the remote's URL (token included), as
	// a data: URL for presenters only; made when first asked for.
	remoteQR string
	// active is when a presenter last sent something or joined; the
	// class ends cfg.ClassIdle after it.
	active     time.Time
	idle       Timer
	statsLast  time.Time // when class.stats last went out
	statsTimer Timer     // runs while a class.stats waits for its turn
}

// follower is one follower id of a class: a student's browser, connected
// or not.
type follower struct {
	id      string
	v       *viewer           // nil while not connected
	answers map[uint64]string // checkpoint number -> choice id
	fork    *session          // its private copy, or nil
}

// checkpointInfo is what answering a checkpoint needs to know.
type checkpointInfo struct {
	seq     uint64 // the checkpoint event
	answer  uint64 // its checkpoint.answer event; 0 when the timeline has none
	choices []string
}

// checkpointsOf reads the checkpoints of tl from its events.
func checkpointsOf(tl *timeline) map[uint64]checkpointInfo {
	type fields struct {
		Checkpoint uint64 `json:"checkpoint"`
		Choices    []struct {
			ID string `json:"id"`
		} `json:"choices"`
	}
	out := map[uint64]checkpointInfo{}
	for _, seq := range tl.Info.Checkpoints {
		var f fields
		if json.Unmarshal(tl.Event(seq), &f) != nil || f.Checkpoint == 0 {
			continue
		}
		cp := checkpointInfo{seq: seq}
		for _, c := range f.Choices {
			cp.choices = append(cp.choices, c.ID)
		}
		out[f.Checkpoint] = cp
	}
	for seq := uint64(1); seq <= tl.Total(); seq++ {
		if tl.Kind(seq) != sim.KindCheckpointReply {
			continue
		}
		var f fields
		if json.Unmarshal(tl.Event(seq), &f) != nil {
			continue
		}
		if cp, ok := out[f.Checkpoint]; ok && cp.answer == 0 && seq > cp.seq {
			cp.answer = seq
			out[f.Checkpoint] = cp
		}
	}
	return out
}

// The hub's side. Everything below runs on the session's hub goroutine.

// admission is the role a joining viewer gets.
type admission struct {
	role string
	f    *follower // a returning follower's id; nil for a new one
	old  *viewer   // the returning follower's connection, which the new one replaces
	// fid is the follower id the viewer asked for; token the presenter
	// token it showed.
	fid, token string
}

// admit decides the role of a viewer joining the session; it changes
// nothing (enter does, once the join cannot fail any more).
func (sess *session) admit(j *joinReq) (admission, error) {
	c := sess.class
	if j.code != "" {
		if c == nil || c.entry.code != j.code {
			return admission{}, fmt.Errorf("class %s: %w", j.code, errUnknownClass)
		}
		adm := admission{role: wire.RoleFollower, f: c.followers[j.follower], fid: j.follower}
		if adm.f != nil {
			adm.old = adm.f.v
		} else if len(c.followers) >= followerIDsPerViewer*sess.srv.cfg.MaxViewers {
			return adm, fmt.Errorf("class %s remembers %d followers: %w", c.entry.code, len(c.followers), errFollowerLimit)
		}
		return adm, nil
	}
	if c == nil {
		return admission{}, nil
	}
	if subtle.ConstantTimeCompare([]byte(tokenHash(j.token)), []byte(c.tokenHash)) != 1 {
		return admission{}, fmt.Errorf("session %s is class %s and the presenter token is missing or wrong: %w", sess.id, c.entry.code, errForbidden)
	}
	return admission{role: wire.RolePresenter, token: j.token}, nil
}

// enter gives a joining viewer its role, and its hello the class.
func (sess *session) enter(v *viewer, adm admission, hello *Hello) {
	c := sess.class
	v.role = adm.role
	switch adm.role {
	case wire.RolePresenter:
		v.canControl = true
		c.active = sess.srv.clock.Now()
		if l := c.link; l != nil {
			// A token that passed admit is the token.
			c.token = adm.token
			if !l.sidOK {
				sess.writeSid()
			}
			sess.checkOwner()
		}
	case wire.RoleFollower:
		v.canControl = false
		f := adm.f
		if f == nil && c.link != nil && validFollowerID(adm.fid) {
			// A follower that comes from another instance keeps its
			// id, and so its answers.
			f = &follower{id: adm.fid, answers: c.link.cl.answersOf(c.entry.code, adm.fid, sess.tlID)}
			c.followers[f.id] = f
		}
		if f == nil {
			f = c.newFollower()
		}
		if adm.old != nil && sess.has(adm.old) {
			sess.reply(adm.old, errReplaced)
			sess.drop(adm.old, websocket.ClosePolicyViolation, closeOpenedAgain, false)
		}
		f.v, v.follower = v, f.id
		c.connected++
		sess.markStats()
		hello.Session = "" // followers never learn the session id
	default:
		return
	}
	hello.Class = sess.classInfo(v, "")
}

// leave forgets a viewer the hub drops.
func (sess *session) leave(v *viewer) {
	if v.counted {
		v.counted = false
		sess.srv.followers.Add(-1)
	}
	c := sess.class
	if c == nil || v.role != wire.RoleFollower {
		return
	}
	if f := c.followers[v.follower]; f != nil && f.v == v {
		f.v = nil
		c.connected--
		sess.markStats()
	}
}

func (c *class) newFollower() *follower {
	f := &follower{id: rand.Text()}
	c.followers[f.id] = f
	return f
}

// classInfo describes the class to v: the class message (typ wire.TypeClass)
// or the class in hello (typ "").
func (sess *session) classInfo(v *viewer, typ string) *ClassInfo {
	c := sess.class
	e := c.entry
	info := &ClassInfo{Type: typ, Role: v.role, Code: e.code, URL: e.url, QR: sess.srv.path(qrPath(e.code)), Loopback: e.loopback, Mode: c.mode}
	switch v.role {
	case wire.RolePresenter:
		info.Token = c.token
		info.ClassCounts = c.counts()
		info.Remote = e.base + remotePath(e.code) + "#" + c.token
		if c.remoteQR == "" {
			if svg, err := qrSVG(info.Remote); err == nil {
				c.remoteQR = "data:image/svg+xml;base64," + base64.StdEncoding.EncodeToString(svg)
			} else {
				sess.srv.log.Error("remote qr", "session", sess.id, "err", err)
			}
		}
		info.RemoteQR = c.remoteQR
	case wire.RoleFollower:
		info.Follower = v.follower
		if f := c.followers[v.follower]; f != nil {
			info.Mine = f.answers
		}
	}
	return info
}

func (c *class) counts() *ClassCounts {
	if l := c.link; l != nil {
		return &ClassCounts{Followers: c.connected + l.cl.othersFollowing(c.entry.code), Answers: l.cl.tally(c.entry.code, c.tlID)}
	}
	return &ClassCounts{Followers: c.connected, Answers: c.tally}
}

// onClassCommand handles a class message. A follower's class.start,
// class.mode and class.end never get here (they are control messages).
func (sess *session) onClassCommand(v *viewer, cmd *Command, now time.Time) {
	c := sess.class
	switch cmd.Type {
	case wire.TypeClassStart:
		sess.startClass(v, now)
	case wire.TypeClassMode, wire.TypeClassEnd:
		if c == nil {
			sess.reply(v, userErrorf(wire.CodeBadValue, "this session is not a class; start one with class.start"))
			return
		}
		if cmd.Type == wire.TypeClassEnd {
			sess.endClass(wire.EndEnded)
			return
		}
		sess.setMode(v, cmd.Mode)
	case wire.TypeAnswer, wire.TypeFork:
		if c == nil || v.role != wire.RoleFollower {
			sess.reply(v, userErrorf(wire.CodeForbidden, "only a follower of a class can send %s", cmd.Type))
			return
		}
		if cmd.Type == wire.TypeAnswer {
			sess.answer(v, cmd)
			return
		}
		sess.forkFor(v)
	}
}

// startClass turns the session into a class whose presenter is v. The
// other viewers become followers.
func (sess *session) startClass(v *viewer, now time.Time) {
	if sess.fork {
		sess.reply(v, userErrorf(wire.CodeForbidden, "a private copy cannot become a class"))
		return
	}
	if sess.class != nil {
		sess.sendTo(v, mustJSON(sess.classInfo(v, wire.TypeClass)))
		return
	}
	token := newToken()
	c := &class{
		token: token, tokenHash: tokenHash(token), mode: wire.ModeFollow, tlID: sess.tlID,
		followers: map[string]*follower{}, tally: map[uint64]map[string]uint32{},
		checks: checkpointsOf(sess.tl), active: now,
		statsLast: now, // the class message carries the first counts
	}
	var err error
	for range maxCodeTries {
		if c.entry, err = sess.srv.registerClass(sess, v.origin, v.key); err != nil {
			sess.reply(v, err)
			return
		}
		cl := sess.srv.cluster
		if cl == nil {
			break
		}
		// The code must be free on every instance (classlink.go).
		sess.class = c
		if err = sess.shareClass(cl); err == nil {
			break
		}
		sess.class, c.link = nil, nil
		sess.srv.unregisterClass(c.entry)
		if !errors.Is(err, errCodeTaken) {
			break
		}
	}
	if err != nil {
		sess.reply(v, err)
		return
	}
	c.idle = sess.srv.clock.NewTimer(sess.srv.cfg.ClassIdle)
	sess.class = c
	e := c.entry
	sess.inClass.Store(true)
	v.role = wire.RolePresenter
	for _, o := range slices.Clone(sess.viewers) {
		if o == v || !sess.has(o) {
			continue
		}
		f := c.newFollower()
		f.v, o.role, o.follower, o.canControl = o, wire.RoleFollower, f.id, false
		if !o.counted {
			o.counted = true
			sess.srv.followers.Add(1)
		}
		c.connected++
		sess.sendTo(o, mustJSON(sess.classInfo(o, wire.TypeClass)))
	}
	sess.sendTo(v, mustJSON(sess.classInfo(v, wire.TypeClass)))
	if c.link != nil {
		sess.writeSid()
		sess.writeCount(false)
	}
	sess.srv.log.Info("class started", "session", sess.id, "code", e.code, "url", e.url, "followers", c.connected)
}

// setMode hands control to the followers (free) or takes it back (follow).
func (sess *session) setMode(v *viewer, mode string) {
	if mode == sess.class.mode {
		sess.sendTo(v, mustJSON(ClassMode{Type: wire.TypeClassMode, Mode: mode}))
		return
	}
	sess.applyMode(mode)
	sess.replicate(classMove{Kind: moveMode})
}

// applyMode changes the class's mode and tells its viewers.
func (sess *session) applyMode(mode string) {
	c := sess.class
	c.mode = mode
	sess.broadcast(mustJSON(ClassMode{Type: wire.TypeClassMode, Mode: mode}))
	if mode != wire.ModeFollow {
		return
	}
	c.endForks(closeTookBack)
	if _, err := sess.snapshotJSON(sess.cursor); err != nil {
		sess.srv.log.Error("snapshot", "session", sess.id, "err", err)
		sess.broadcastIn(nil, func(tl *timeline) []byte { return mustJSON(errorMessageIn(err, langByCode(tl))) })
		return
	}
	sess.broadcastIn(isFollower, func(tl *timeline) []byte {
		m := SnapshotMsg{Type: wire.TypeSnapshot, Reason: wire.ReasonFollow, Timeline: sess.tlID, Snapshot: sess.snapIn(tl.Lang()), Recent: recentJSON(tl, sess.cursor)}
		if sess.lab != nil {
			// A follower's own lab had another timeline and other
			// entries: it gets the class's back whole.
			m.Lesson = &tl.Info
		}
		return mustJSON(m)
	})
	if sess.lab != nil {
		sess.broadcastIf(mustJSON(labInfo(sess.lab, wire.TypeLab)), isFollower)
	}
}

func isFollower(v *viewer) bool  { return v.role == wire.RoleFollower }
func isPresenter(v *viewer) bool { return v.role == wire.RolePresenter }

// answer takes a follower's answer to a checkpoint, replacing its earlier
// one.
func (sess *session) answer(v *viewer, cmd *Command) {
	c := sess.class
	n := cmd.Checkpoint
	cp, ok := c.checks[n]
	switch {
	case !ok:
		sess.reply(v, userErrorf(wire.CodeBadValue, "checkpoint: this lesson has no checkpoint %d", n))
		return
	case !slices.Contains(cp.choices, cmd.Choice):
		sess.reply(v, userErrorf(wire.CodeBadValue, "choice: checkpoint %d has no choice %q", n, cmd.Choice))
		return
	case sess.cursor < cp.seq:
		sess.reply(v, userErrorf(wire.CodeAnswerClosed, "checkpoint %d has not been asked yet", n))
		return
	case cp.answer != 0 && sess.cursor >= cp.answer:
		sess.reply(v, userErrorf(wire.CodeAnswerClosed, "the answer to checkpoint %d has been shown", n))
		return
	}
	f := c.followers[v.follower]
	prev, had := f.answers[n]
	if c.link != nil && (!had || prev != cmd.Choice) {
		// Every instance counts the answers from the bucket, each
		// follower once (cluster.go).
		f.answers = maps.Clone(f.answers)
		if f.answers == nil {
			f.answers = map[uint64]string{}
		}
		f.answers[n] = cmd.Choice
		c.link.cl.queue(answerKey(c.entry.code, f.id), mustJSON(answerEntry{Timeline: sess.tlID, Answers: f.answers}))
	} else if !had || prev != cmd.Choice {
		if had {
			c.tally[n][prev]--
			if c.tally[n][prev] == 0 {
				delete(c.tally[n], prev)
			}
		}
		if c.tally[n] == nil {
			c.tally[n] = map[string]uint32{}
		}
		c.tally[n][cmd.Choice]++
		if f.answers == nil {
			f.answers = map[uint64]string{}
		}
		f.answers[n] = cmd.Choice
		sess.markStats()
	}
	sess.sendTo(v, mustJSON(Answered{Type: wire.TypeAnswered, Checkpoint: n, Choice: cmd.Choice}))
}

// clearAnswers forgets every answer when the class's timeline changes.
func (sess *session) clearAnswers() {
	c := sess.class
	if c == nil {
		return
	}
	c.tally = map[uint64]map[string]uint32{}
	c.checks = checkpointsOf(sess.tl)
	c.tlID = sess.tlID
	for _, f := range c.followers {
		f.answers = nil
	}
	sess.markStats()
}

// forkFor gives a follower a private copy of the class at its cursor.
func (sess *session) forkFor(v *viewer) {
	c := sess.class
	if c.mode != wire.ModeFree {
		sess.reply(v, userErrorf(wire.CodeForbidden, "the presenter has not handed over control"))
		return
	}
	var fork *session
	var err error
	if sess.lab != nil {
		// A lab's copy is a lab of its own: the follower types into it.
		fork, err = sess.forkLab(v.key)
	} else {
		fork, err = sess.srv.openSessionAt(sess.tl, sess.cursor, true, v.key)
	}
	if err != nil {
		sess.reply(v, err)
		return
	}
	f := c.followers[v.follower]
	if f.fork != nil {
		f.fork.end(websocket.CloseNormalClosure, closeNewerFork)
	}
	f.fork = fork
	sess.sendTo(v, mustJSON(Forked{Type: wire.TypeForked, Session: fork.id}))
}

// endForks ends the followers' private copies.
func (c *class) endForks(text string) {
	for _, f := range c.followers {
		if f.fork != nil {
			f.fork.end(websocket.CloseNormalClosure, text)
			f.fork = nil
		}
	}
}

// endClass ends the class: every viewer is told why, followers are closed
// with 1000, presenters stay as viewers of an ordinary session.
func (sess *session) endClass(reason string) {
	sess.replicate(classMove{Kind: moveEnd, Reason: reason})
	sess.closeClass(true)
	sess.broadcast(mustJSON(ClassEnd{Type: wire.TypeClassEnd, Reason: reason}))
	for i := len(sess.viewers) - 1; i >= 0; i-- {
		// drop moves the last viewer, already seen, to i.
		switch v := sess.viewers[i]; v.role {
		case wire.RoleFollower:
			sess.drop(v, websocket.CloseNormalClosure, closeClassEnded, false)
		case wire.RolePresenter:
			v.role = ""
		}
	}
}

// closeClass takes the class out of the registry, stops its timers and
// ends its private copies. Its viewers are endClass's or run's business.
// Shared through NATS, the class ends everywhere with ending; without,
// only this instance lets go of it (a shutdown, a hub with nobody left),
// and another instance's presenter may take it over.
func (sess *session) closeClass(ending bool) {
	c := sess.class
	if c == nil {
		return
	}
	if c.link != nil {
		sess.detach(ending)
	}
	sess.class = nil
	sess.inClass.Store(false)
	sess.srv.unregisterClass(c.entry)
	for _, t := range []Timer{c.idle, c.statsTimer} {
		if t != nil {
			t.Stop()
		}
	}
	c.endForks(closeClassEnded)
	sess.srv.log.Info("class ended", "session", sess.id, "code", c.entry.code)
}

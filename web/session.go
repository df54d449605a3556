package web

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"portville/sim"
	"portville/sim/lab"
	"portville/sim/scenario"
	"portville/web/wire"
)

// session is one timeline played for a set of viewers. Its hub goroutine
// (hub.go) owns every field below the line; other goroutines talk to it
// through the channels.
type session struct {
	id    string
	srv   *Server
	join  chan *joinReq // a viewer asks to join (a pointer keeps the hub's frame small)
	inbox chan inbound  // messages from viewers' readers, and their leaving
	stop  chan struct{} // closed by Server.Shutdown, or by end
	done  chan struct{} // closed when the hub goroutine has ended
	// current is the timeline the session plays, for readers that build
	// the next one (a load that changes only the OS or the seed).
	current atomic.Pointer[timeline]
	// viewersSeen, cursorSeen and tlIDSeen mirror len(viewers), cursor
	// and tlID, for other goroutines (viewerCount, the registry's
	// reclaim, a mirror's catching up) and the tests.
	viewersSeen atomic.Int64
	cursorSeen  atomic.Uint64
	tlIDSeen    atomic.Uint64
	// pokeC tells the hub that its class's counts changed on another
	// instance (cluster.go).
	pokeC    chan struct{}
	stopOnce sync.Once
	// endCode and endText are the close frame the viewers get when the
	// session is ended by end (a class ending its private copies); set
	// once, before stop is closed.
	endCode int
	endText string
	// fork is whether the session is a follower's private copy of a
	// class; set before the hub starts.
	fork bool
	// isLab is whether the session is a lab; set before the hub starts.
	isLab bool
	// owner is the address (addrKey) whose share the session counts
	// against; "" for none. unwatchedAt is the clock's time (UnixNano)
	// since which no viewer has watched, 0 while one does; inClass is
	// set while the session is a class. Both are for reclaimLocked.
	owner       string
	unwatchedAt atomic.Int64
	inClass     atomic.Bool

	// Owned by the hub goroutine.
	tl   *timeline
	tlID uint64 // increases on every load; 1 is the first timeline
	// trans is tl in the other languages its viewers read (langs.go).
	trans   translations
	cursor  uint64 // events the viewers have been shown
	player  player
	viewers []*viewer
	idle    Timer // runs while the session has no viewer
	snap    struct {
		tlID, seq uint64
		world     sim.Snapshot
		data      json.RawMessage            // English
		langs     map[string]json.RawMessage // by language code, the same world
	}
	class *class // nil unless the session is a class (class.go)
	// scenarioText is the inline scenario the timeline was built from,
	// "" for a lesson: a class shared through NATS sends it to the
	// other instances.
	scenarioText string
	lab          *lab.Lab // nil unless the session is a lab (lab.go)
}

// joinReq asks the hub to add a viewer. With resume, a viewer that had
// timeline up to event after gets the events it missed instead of a
// snapshot, when it can.
type joinReq struct {
	v        *viewer
	resume   bool
	after    uint64
	timeline uint64
	token    string // ?session=SID&token=T: a presenter of the class
	code     string // ?class=CODE: a follower of the class with that code
	follower string // ?follower=FID: the follower's id, to resume
	reply    chan error
}

// inbound is what a viewer's reader hands its hub: a command (a load comes
// with its timeline, built by the reader), an error to send back, or the
// viewer's leaving. The command is a pointer, so that a session's inbox
// (inboxLen of these) stays small while it is empty.
type inbound struct {
	v     *viewer
	leave bool
	cmd   *Command // nil with leave or err
	tl    *timeline
	err   error
	// forwarded: cmd came from another instance's presenter, and v
	// collects the replies (classlink.go).
	forwarded bool
	// linkMsg is from the other instances (classlink.go); v is nil.
	linkMsg *linkMsg
}

// errSessionGone reports a session that ended while a viewer tried to join
// it; the viewer then opens a new one.
var errSessionGone = errors.New("session ended")

// openSession starts a session on tl that counts against no address's
// share, or refuses when the server has as many as it allows.
func (s *Server) openSession(tl *timeline) (*session, error) {
	return s.openSessionAt(tl, tl.Info.Start, false, "")
}

// openSessionAt starts a session on tl with its cursor at cursor, for
// the address owner (addrKey; "" for none); fork marks a follower's
// private copy of a class.
func (s *Server) openSessionAt(tl *timeline, cursor uint64, fork bool, owner string) (*session, error) {
	return s.openSessionWith(tl, cursor, fork, nil, owner)
}

// openSessionWith starts a session on tl, a lab's timeline when l is set.
func (s *Server) openSessionWith(tl *timeline, cursor uint64, fork bool, l *lab.Lab, owner string) (*session, error) {
	sess := s.newSession(tl, cursor, fork, l, owner)
	if err := s.startSession(sess); err != nil {
		return nil, err
	}
	return sess, nil
}

// newSession returns a session on tl that has not started: nothing but
// its maker has it yet, and the maker may set its hub's fields
// (classmirror.go's openMirror does) before startSession.
func (s *Server) newSession(tl *timeline, cursor uint64, fork bool, l *lab.Lab, owner string) *session {
	sess := &session{
		pokeC:  make(chan struct{}, 1),
		owner:  owner,
		lab:    l,
		isLab:  l != nil,
		id:     rand.Text(),
		srv:    s,
		join:   make(chan *joinReq),
		inbox:  make(chan inbound, inboxLen),
		stop:   make(chan struct{}),
		done:   make(chan struct{}),
		tl:     tl,
		tlID:   1,
		cursor: cursor,
		player: newPlayer(s.clock, s.cfg.hold),
		fork:   fork,
	}
	sess.current.Store(tl)
	sess.cursorSeen.Store(cursor)
	return sess
}

// startSession registers sess and starts its hub, or refuses when the
// server has as many sessions as it allows (for the server, or for the
// session's owner) or is shutting down.
func (s *Server) startSession(sess *session) error {
	sess.tlIDSeen.Store(sess.tlID)
	// The hub owns tl and lab once it runs: the log line reads them
	// before.
	tl, fork, isLab := sess.tl, sess.fork, sess.lab != nil
	return s.reg.addSession(sess, func() {
		s.spawnLocked(sess.run)
		s.log.Info("session opened", "session", sess.id, "lesson", tl.Info.ID, "os", tl.Info.OS, "seed", tl.Info.Seed, "fork", fork, "lab", isLab)
	})
}

// session returns the open session with the ID, or nil.
func (s *Server) session(id string) *session { return s.reg.session(id) }

func (s *Server) removeSession(sess *session) { s.reg.removeSession(sess) }

// sessionCount returns how many sessions are open.
func (s *Server) sessionCount() int { return s.reg.sessionCount() }

// viewerCount returns how many viewers the session has, as the hub last
// said; any goroutine may ask.
func (sess *session) viewerCount() int { return int(sess.viewersSeen.Load()) }

// shownUpTo returns the cursor, as the hub last said; any goroutine may
// ask.
func (sess *session) shownUpTo() uint64 { return sess.cursorSeen.Load() }

// timelineID returns the id of the timeline the session plays (tlID), as
// the hub last said; any goroutine may ask.
func (sess *session) timelineID() uint64 { return sess.tlIDSeen.Load() }

// shutdown asks the hub to end; it may be called more than once.
func (sess *session) shutdown() {
	sess.stopOnce.Do(func() { close(sess.stop) })
}

// end asks the hub to end and its viewers to get a close frame with code
// and text; it may be called more than once, and from any goroutine.
func (sess *session) end(code int, text string) {
	sess.stopOnce.Do(func() {
		sess.endCode, sess.endText = code, text
		close(sess.stop)
	})
}

// addViewer asks the hub to add v, which then receives hello first.
func (sess *session) addViewer(j joinReq) error {
	j.reply = make(chan error, 1)
	select {
	case sess.join <- &j:
	case <-sess.done:
		return errSessionGone
	}
	select {
	case err := <-j.reply:
		return err
	case <-sess.done:
		select {
		case err := <-j.reply:
			return err
		default:
			return errSessionGone
		}
	}
}

// post hands the hub a message from a viewer's reader. It returns false
// when the session has ended.
func (sess *session) post(in inbound) bool {
	select {
	case sess.inbox <- in:
		return true
	case <-sess.done:
		return false
	}
}

// load builds the timeline a load command asks for: another lesson, an
// inline scenario, or the current scenario with another OS or seed. It
// runs on the viewer's reader goroutine, so the hub keeps pacing while a
// big scenario runs.
func (s *Server) load(cmd Command, cur *timeline) (*timeline, error) {
	var (
		sc       *scenario.Scenario
		lessonID string
		opt      scenario.Options
		limit    int
	)
	switch {
	case cmd.Lesson != "":
		l, err := s.lesson(cmd.Lesson)
		if errors.Is(err, errUnknownLesson) {
			return nil, userErrorf(wire.CodeUnknownLesson, "there is no lesson %q", cmd.Lesson)
		}
		if err != nil {
			return nil, err
		}
		sc, lessonID = l.Scenario, l.ID
	case cmd.Scenario != "":
		parsed, err := scenario.Parse("scenario", []byte(cmd.Scenario))
		if err != nil {
			return nil, scenarioError(err)
		}
		sc, limit = parsed, maxInlineTimelineBytes
	default:
		sc, opt = cur.Scenario()
		if sc == nil {
			return nil, userErrorf(wire.CodeBadValue, "load: this timeline cannot be re-run")
		}
		lessonID = cur.Info.ID
		if lessonID == "" {
			limit = maxInlineTimelineBytes
		}
	}
	if cmd.OS != "" {
		opt.OS = cmd.OS
	}
	if cmd.SeedSet {
		opt.Seed, opt.SeedSet = cmd.Seed, true
	}
	return s.buildTimeline(lessonID, sc, opt, limit)
}

// buildTimeline runs a scenario, at most maxParallelLoads at a time.
func (s *Server) buildTimeline(lessonID string, sc *scenario.Scenario, opt scenario.Options, limit int) (*timeline, error) {
	s.loads <- struct{}{}
	defer func() { <-s.loads }()
	tl, err := buildTimeline(lessonID, sc, opt, limit)
	if err != nil && lessonID != "" {
		// A lesson passes scenario.Check with its own seed and a few
		// others; another seed can still fail, and the viewer sees
		// the positions in the lesson's file.
		return nil, fmt.Errorf("lesson %q: %w", lessonID, err)
	}
	return tl, err
}

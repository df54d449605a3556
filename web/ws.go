package web

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
	"golang.org/x/time/rate"

	"portville/sim"
	"portville/sim/lang"
	"portville/sim/scenario"
	"portville/web/wire"
)

// viewer is one websocket connection watching a session. Its reader
// goroutine reads commands and hands them to the hub; its writer goroutine
// writes what the hub queued in send. Only the hub sends on send and
// closes it.
type viewer struct {
	conn *websocket.Conn
	send chan *outMsg
	// canControl is whether the viewer may play, pause, seek and load:
	// every viewer but a classroom follower. The hub owns it, and role,
	// follower and counted (class.go), once the viewer has joined.
	canControl bool
	role       string // "" (an ordinary viewer), wire.RolePresenter or wire.RoleFollower
	follower   string // a follower's id
	counted    bool   // counts against Config.MaxFollowers
	// remote is the network address of the browser (for the limit on
	// wrong join codes); origin is scheme://host the browser reached the
	// server at, the base of a class's join URL.
	remote string
	origin string
	// key is the address the viewer's connection counts against
	// (addrKey of remote; fairness.go).
	key string
	// closeCode and closeText are the close frame the writer sends; the
	// hub sets them before it closes send.
	closeCode int
	closeText string
	idx       int           // position in the hub's viewers; -1 when not in it
	readDone  chan struct{} // closed when the reader has returned
	limiter   *rate.Limiter // the reader's (golang.org/x/time/rate)
	// lang is the language the viewer reads: ?lang= on the websocket's
	// URL, else the browser's Accept-Language (langs.go).
	lang *lang.Catalogue
}

// outMsg is one queued message: prepared once for all viewers
// (broadcast), or plain bytes for one.
type outMsg struct {
	pm   *websocket.PreparedMessage
	n    int // the prepared message's payload bytes
	data []byte
}

// enqueue queues m without waiting; false means the queue is full.
func (v *viewer) enqueue(m *outMsg) bool {
	select {
	case v.send <- m:
		return true
	default:
		return false
	}
}

// handleWS opens a websocket and attaches it to a session: a new one on
// ?lesson=ID[&os=..][&seed=..], or an existing one on
// ?session=SID[&after=N&timeline=T] (docs/protocol.md).
func (s *Server) handleWS(w http.ResponseWriter, r *http.Request) {
	conn, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		// The upgrader has answered with an HTTP error.
		s.log.Info("websocket refused", "err", err, "remote", r.RemoteAddr)
		return
	}
	v := &viewer{
		conn:       conn,
		send:       make(chan *outMsg, s.cfg.sendQueueLen),
		canControl: true,
		idx:        -1,
		readDone:   make(chan struct{}),
		limiter:    rate.NewLimiter(rate.Limit(s.cfg.ControlRate), s.cfg.ControlBurst),
		remote:     r.RemoteAddr,
		key:        addrKey(r.RemoteAddr),
		origin:     requestOrigin(r),
	}
	c, err := requestLang(r)
	if err != nil {
		s.refuse(conn, err, acceptLang(r.Header.Get("Accept-Language")))
		return
	}
	v.lang = c
	if err := s.track(v, true); err != nil {
		s.refuse(conn, err, c)
		return
	}
	sess, err := s.attach(v, r.URL.Query())
	if err != nil {
		s.refuse(conn, err, c)
		s.track(v, false)
		return
	}
	// Two goroutines per viewer; the last to end untracks it.
	var running atomic.Int32
	running.Store(2)
	finish := func() {
		if running.Add(-1) == 0 {
			s.track(v, false)
		}
	}
	if !s.spawn(func() { defer finish(); s.writeLoop(v) }) {
		conn.Close()
		s.track(v, false)
		return
	}
	if !s.spawn(func() { defer finish(); s.readLoop(sess, v) }) {
		// Shutting down: the hub closes send, and the writer ends.
		close(v.readDone)
		finish()
	}
}

// track adds v to (or removes it from) the connections Shutdown closes if
// they outlive its deadline. Adding fails once Shutdown has begun.
func (s *Server) track(v *viewer, add bool) error {
	if !add {
		s.reg.removeConn(v)
		return nil
	}
	return s.reg.addConn(v)
}

// attach joins v to the session its URL names, opening one if needed, or
// to the class it names (class.go).
func (s *Server) attach(v *viewer, q url.Values) (*session, error) {
	if q.Has("class") {
		return s.attachFollower(v, q)
	}
	if id := q.Get("session"); id != "" {
		j := joinReq{v: v, token: q.Get("token")}
		if err := parseResume(q, &j); err != nil {
			return nil, err
		}
		if sess := s.session(id); sess != nil {
			err := sess.addViewer(j)
			if !errors.Is(err, errSessionGone) {
				return sess, err
			}
		}
		if s.cluster != nil && j.token != "" {
			// A presenter whose instance has gone: the class goes on
			// here (cluster.go).
			if code, err := s.cluster.classOfSession(id); err == nil {
				cq := url.Values{"class": {code}, "token": {j.token}}
				for _, k := range []string{"after", "timeline"} {
					if q.Has(k) {
						cq.Set(k, q.Get(k))
					}
				}
				return s.attachFollower(v, cq)
			}
		}
		if q.Get("lesson") == "" && !q.Has("lab") {
			return nil, fmt.Errorf("session %q: %w", id, errUnknownSession)
		}
		// The session is gone: open a new one on the lesson the
		// browser was showing.
	}
	id := q.Get("lesson")
	if q.Has("lab") {
		return s.attachNewLab(v, id, q)
	}
	if id == "" {
		return nil, userErrorf(wire.CodeBadValue, "the websocket URL needs ?lesson=ID, ?lab=1 or ?session=ID")
	}
	opt := scenario.Options{Lang: langOfViewer(v).Sim()}
	var err error
	if opt.OS, opt.Seed, opt.SeedSet, err = urlOSSeed(q); err != nil {
		return nil, err
	}
	l, err := s.lesson(id)
	if err != nil {
		return nil, err
	}
	tl, err := s.buildTimeline(l.ID, l.Scenario, opt, 0)
	if err != nil {
		return nil, err
	}
	sess, err := s.openSessionAt(tl, tl.Info.Start, false, v.key)
	if err != nil {
		return nil, err
	}
	if err := sess.addViewer(joinReq{v: v}); err != nil {
		return nil, err
	}
	return sess, nil
}

// attachNewLab opens a session on a new lab (?lab=1[&lesson=ID][&os=..]
// [&seed=..]) and joins v to it. A lab's commands arrive later, as
// lab.input, or all at once in a load.
func (s *Server) attachNewLab(v *viewer, lessonID string, q url.Values) (*session, error) {
	opt, err := labOptions(q)
	if err != nil {
		return nil, err
	}
	base, err := s.labBase(lessonID)
	if err != nil {
		return nil, err
	}
	sess, err := s.openLab(base, lessonID, opt, langOfViewer(v).Sim(), v.key)
	if err != nil {
		return nil, err
	}
	if err := sess.addViewer(joinReq{v: v}); err != nil {
		return nil, err
	}
	return sess, nil
}

// parseResume reads a reconnect's ?after=N&timeline=T into j.
func parseResume(q url.Values, j *joinReq) error {
	a := q.Get("after")
	if a == "" {
		return nil
	}
	after, err := strconv.ParseUint(a, 10, 64)
	if err != nil {
		return userErrorf(wire.CodeBadValue, "after: expected a whole number")
	}
	j.resume, j.after = true, after
	if t := q.Get("timeline"); t != "" {
		if j.timeline, err = strconv.ParseUint(t, 10, 64); err != nil {
			return userErrorf(wire.CodeBadValue, "timeline: expected a whole number")
		}
	}
	return nil
}

// refuse answers a websocket that cannot join with an error message and a
// close frame, and closes it.
func (s *Server) refuse(conn *websocket.Conn, err error, c *lang.Catalogue) {
	s.metrics.refuse(err)
	info := describe(err)
	if info.code == wire.CodeInternal && !errors.Is(err, errShuttingDown) {
		s.log.Error("websocket", "err", err)
	} else {
		s.log.Info("websocket refused", "err", err)
	}
	deadline := time.Now().Add(s.cfg.writeWait)
	conn.SetWriteDeadline(deadline)
	if conn.WriteMessage(websocket.TextMessage, mustJSON(errorMessageIn(err, c))) == nil {
		conn.WriteControl(websocket.CloseMessage, closeMessage(info.close, info.message), deadline)
		// Wait for the browser's close frame, so that closing does not
		// reset the connection before ours is read.
		conn.SetReadDeadline(time.Now().Add(closeGracePeriod))
		for {
			if _, _, err := conn.NextReader(); err != nil {
				break
			}
		}
	}
	conn.Close()
}

// readLoop reads the viewer's messages until the connection fails or
// closes, then tells the hub the viewer has left.
func (s *Server) readLoop(sess *session, v *viewer) {
	defer close(v.readDone)
	defer sess.post(inbound{v: v, leave: true})
	c := v.conn
	c.SetReadLimit(s.cfg.MaxMessageBytes)
	c.SetReadDeadline(time.Now().Add(pongWait))
	c.SetPongHandler(func(string) error { return c.SetReadDeadline(time.Now().Add(pongWait)) })
	for {
		_, data, err := c.ReadMessage()
		if err != nil {
			if errors.Is(err, websocket.ErrReadLimit) {
				// The reader sent a 1009 close. Read what is left of
				// the message, so the close frame is not lost to a
				// reset.
				s.log.Info("websocket message too big", "session", sess.id, "limit", s.cfg.MaxMessageBytes)
				nc := c.NetConn()
				nc.SetReadDeadline(time.Now().Add(closeGracePeriod))
				io.Copy(io.Discard, io.LimitReader(nc, maxDrainBytes))
			}
			return
		}
		c.SetReadDeadline(time.Now().Add(pongWait))
		in := inbound{v: v}
		if !v.limiter.AllowN(s.clock.Now(), 1) {
			in.err = errRateLimited
		} else if cmd, err := parseCommand(data); err != nil {
			in.err = err
		} else {
			in.cmd = &cmd
			if cmd.Type == wire.TypeLoad && !sess.isLab && !cmd.LabSet {
				// A lab's load re-runs its commands in the hub, which
				// owns the lab.
				in.tl, in.err = s.load(cmd, sess.current.Load())
			}
		}
		if !sess.post(in) {
			return
		}
	}
}

// writeLoop writes the viewer's queue and pings it, until the hub closes
// the queue or a write fails. Every write has a deadline, so a browser
// that stops reading costs at most writeWait.
func (s *Server) writeLoop(v *viewer) {
	ping := time.NewTicker(pingPeriod)
	defer ping.Stop()
	c := v.conn
	for {
		select {
		case m, ok := <-v.send:
			if !ok {
				s.closeConn(v)
				return
			}
			c.SetWriteDeadline(time.Now().Add(s.cfg.writeWait))
			var err error
			n := len(m.data)
			if m.pm != nil {
				err, n = c.WritePreparedMessage(m.pm), m.n
			} else {
				err = c.WriteMessage(websocket.TextMessage, m.data)
			}
			if err == nil {
				s.metrics.sent(n)
			}
			if err != nil {
				// The reader fails next, and the viewer leaves.
				s.log.Info("viewer dropped: write failed", "err", err)
				c.Close()
				return
			}
		case <-ping.C:
			if err := c.WriteControl(websocket.PingMessage, nil, time.Now().Add(s.cfg.writeWait)); err != nil {
				c.Close()
				return
			}
		}
	}
}

// maxCloseText is the most text a close frame carries: a control frame's
// payload is at most 125 bytes, two of them the code (RFC 6455 5.5).
const maxCloseText = 123

// closeMessage is a close frame's payload; a text too long for one is
// cut at a character boundary (the error message before it has it
// whole).
func closeMessage(code int, text string) []byte {
	if len(text) > maxCloseText {
		cut := maxCloseText
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		text = text[:cut]
	}
	return websocket.FormatCloseMessage(code, text)
}

// closeConn sends the close frame the hub chose, gives the browser
// closeGracePeriod to answer, and closes the connection.
func (s *Server) closeConn(v *viewer) {
	code := v.closeCode
	if code == 0 {
		code = websocket.CloseNormalClosure
	}
	v.conn.WriteControl(websocket.CloseMessage, closeMessage(code, v.closeText), time.Now().Add(closeGracePeriod))
	t := time.NewTimer(closeGracePeriod)
	select {
	case <-v.readDone:
	case <-t.C:
	}
	t.Stop()
	v.conn.Close()
}

// urlOSSeed reads the os and seed of a websocket URL (a lesson's or a
// lab's).
func urlOSSeed(q url.Values) (os string, seed uint64, seedSet bool, err error) {
	if os = q.Get("os"); os != "" {
		if _, err := sim.ProfileByName(os); err != nil {
			return "", 0, false, userErrorf(wire.CodeBadValue, "os: %v", err)
		}
	}
	if sd := q.Get("seed"); sd != "" {
		if seed, err = strconv.ParseUint(sd, 10, 64); err != nil {
			return "", 0, false, userErrorf(wire.CodeBadValue, "seed: expected a whole number from 0 to 18446744073709551615")
		}
		seedSet = true
	}
	return os, seed, seedSet, nil
}

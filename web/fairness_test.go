package web

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"portville/web/wire"
)

// The fair shares are tested from several client addresses through one
// trusted proxy: the test's own connections come from 127.0.0.1, which
// the server trusts, and X-Forwarded-For names the address each one
// stands for.

const (
	addrA = "203.0.113.7"  // the address that floods
	addrB = "198.51.100.9" // another school
)

func trustLoopback(c *Config) { c.TrustProxy = []string{"127.0.0.0/8", "::1"} }

// dialFrom opens /ws?query as a browser at addr.
func (e *env) dialFrom(addr, query string) *client {
	e.t.Helper()
	return e.reading(e.dialRaw(query, http.Header{"X-Forwarded-For": {addr}}))
}

func (e *env) openFrom(addr, query string) (*client, msg) {
	e.t.Helper()
	c := e.dialFrom(addr, query)
	return c, c.expect(wire.TypeHello)
}

func (e *env) addrUse(key string) addrUse { return e.srv.reg.addrUse(key) }

func TestSessionsPerAddress(t *testing.T) {
	e := newEnv(t, func(c *Config) {
		trustLoopback(c)
		c.MaxSessions, c.MaxSessionsPerAddr = 10, 3
	})
	// A floods: three watched sessions, then every further one is
	// refused with the address's own reason, not the server's.
	var floods []*client
	var first msg
	for i := range 3 {
		c, h := e.openFrom(addrA, "lesson=tiny")
		floods = append(floods, c)
		if i == 0 {
			first = h
		}
	}
	for range 5 {
		c := e.dialFrom(addrA, "lesson=tiny")
		c.expectError(wire.CodeAddressLimit)
		c.expectClose(websocket.CloseTryAgainLater)
	}
	if u := e.addrUse(addrA); u.sessions != 3 {
		t.Fatalf("%s holds %d sessions, want 3", addrA, u.sessions)
	}
	// B still gets in, and so does a second tab of one of A's sessions
	// (a viewer, not a session).
	e.openFrom(addrB, "lesson=tiny")
	second, _ := e.openFrom(addrA, "session="+first.Session)
	floods = append(floods, second)
	if n := e.srv.sessionCount(); n != 4 {
		t.Fatalf("%d sessions, want 4 (3 of A, 1 of B)", n)
	}

	// A's sessions lose their viewers: within reclaimAfter, a
	// reconnect would still resume them, so A stays refused.
	for _, c := range floods {
		dropConn(c)
	}
	waitFor(t, "A's sessions to have no viewer", func() bool {
		for _, s := range e.srv.reg.sessionsOf(addrA) {
			if s.viewerCount() != 0 {
				return false
			}
		}
		return true
	})
	e.clock.Advance(reclaimAfter - time.Second)
	c := e.dialFrom(addrA, "lesson=tiny")
	c.expectError(wire.CodeAddressLimit)
	// Past it, A's oldest unwatched session makes room for A's new one.
	e.clock.Advance(2 * time.Second)
	e.openFrom(addrA, "lesson=tiny")
	if u := e.addrUse(addrA); u.sessions != 3 {
		t.Errorf("%s holds %d sessions after a reclaim, want 3", addrA, u.sessions)
	}
	if !strings.Contains(e.logs.String(), "session reclaimed") {
		t.Error("the log does not say a session was reclaimed")
	}
}

// A script opens sessions and closes them at once, as fast as it can: the
// server is full of sessions nobody watches. Another address still gets
// in once they are reclaimAfter old, and the flood never holds more than
// its share meanwhile.
func TestFloodOfUnwatchedSessions(t *testing.T) {
	e := newEnv(t, func(c *Config) {
		trustLoopback(c)
		c.MaxSessions, c.MaxSessionsPerAddr = 6, 4
	})
	refused := 0
	for range 12 {
		c := e.dialFrom(addrA, "lesson=tiny")
		m := c.read()
		if m.Type == wire.TypeError {
			if m.Code != wire.CodeAddressLimit {
				t.Fatalf("flood refused with %q, want %q", m.Code, wire.CodeAddressLimit)
			}
			refused++
		}
		dropConn(c)
	}
	if refused != 8 {
		t.Errorf("%d of 12 refused, want 8 (4 is the address's share)", refused)
	}
	// Two other addresses fill the rest of the server.
	e.openFrom(addrB, "lesson=tiny")
	e.openFrom("192.0.2.1", "lesson=tiny")
	// The server is full now. A newcomer waits until the flood's
	// sessions have gone unwatched for reclaimAfter, then gets in.
	c := e.dialFrom("192.0.2.2", "lesson=tiny")
	c.expectError(wire.CodeSessionLimit)
	waitFor(t, "the flood's sessions to have no viewer", func() bool {
		for _, s := range e.srv.reg.sessionsOf(addrA) {
			if s.viewerCount() != 0 {
				return false
			}
		}
		return true
	})
	e.clock.Advance(reclaimAfter)
	e.openFrom("192.0.2.2", "lesson=tiny")
	if n := len(e.srv.reg.sessionsOf(addrA)); n != 3 {
		t.Errorf("the flood holds %d sessions, want 3 after one was reclaimed", n)
	}
	if got := metricValue(t, e.srv, `portville_sessions_reclaimed_total`); got != "1" {
		t.Errorf("portville_sessions_reclaimed_total = %s, want 1", got)
	}
}

// Sessions that nobody watches end after the idle timeout, which is short
// by default.
func TestUnwatchedSessionsEndSoon(t *testing.T) {
	if DefaultIdleTimeout > 2*time.Minute {
		t.Fatalf("DefaultIdleTimeout is %v: a flood of unwatched sessions would linger", DefaultIdleTimeout)
	}
	e := newEnv(t, func(c *Config) { trustLoopback(c); c.IdleTimeout = 0 })
	c, h := e.openFrom(addrA, "lesson=tiny")
	dropConn(c)
	sess := e.srv.session(h.Session)
	waitFor(t, "the viewer to leave", func() bool { return sess.viewerCount() == 0 })
	e.clock.Advance(DefaultIdleTimeout - time.Second)
	// A reconnect within the window resumes.
	back, hb := e.openFrom(addrA, "session="+h.Session+"&lesson=tiny")
	if hb.Session != h.Session {
		t.Fatalf("reconnect got session %s, want %s", hb.Session, h.Session)
	}
	dropConn(back)
	waitFor(t, "the viewer to leave again", func() bool { return sess.viewerCount() == 0 })
	e.clock.Advance(DefaultIdleTimeout)
	waitFor(t, "the session to end", func() bool { return e.srv.session(h.Session) == nil })
	if u := e.addrUse(addrA); u.sessions != 0 {
		t.Errorf("%s still counts %d sessions", addrA, u.sessions)
	}
}

func TestClassesPerAddress(t *testing.T) {
	e := newEnv(t, func(c *Config) {
		trustLoopback(c)
		c.MaxClassesPerAddr = 2
		c.MaxClasses = 10
	})
	start := func(addr string) msg {
		c, _ := e.openFrom(addr, "lesson=tiny")
		c.send(map[string]any{"type": wire.TypeClassStart})
		return c.next().msg
	}
	for i := range 2 {
		if m := start(addrA); m.Type != wire.TypeClass {
			t.Fatalf("class %d of A: got %s %s", i+1, m.Type, m.Code)
		}
	}
	if m := start(addrA); m.Type != wire.TypeError || m.Code != wire.CodeAddressLimit {
		t.Fatalf("A's third class: got %s %q, want error %q", m.Type, m.Code, wire.CodeAddressLimit)
	}
	if m := start(addrB); m.Type != wire.TypeClass {
		t.Fatalf("B's class: got %s %s", m.Type, m.Code)
	}
	if u := e.addrUse(addrA); u.classes != 2 {
		t.Errorf("%s holds %d classes, want 2", addrA, u.classes)
	}
	if got := metricValue(t, e.srv, `portville_refusals_total{reason="address_classes"}`); got != "1" {
		t.Errorf("refusals of address_classes = %s, want 1", got)
	}
}

func TestConnectionsPerAddress(t *testing.T) {
	e := newEnv(t, func(c *Config) {
		trustLoopback(c)
		c.MaxConnsPerAddr = 3
	})
	first, h := e.openFrom(addrA, "lesson=tiny")
	e.openFrom(addrA, "session="+h.Session)
	e.openFrom(addrA, "session="+h.Session)
	c := e.dialFrom(addrA, "session="+h.Session)
	c.expectError(wire.CodeAddressLimit)
	c.expectClose(websocket.CloseTryAgainLater)
	// Another address joins the same session.
	e.openFrom(addrB, "session="+h.Session)
	// A connection of A closes: A has room again.
	dropConn(first)
	waitFor(t, "A's connection to be released", func() bool { return e.addrUse(addrA).conns == 2 })
	e.openFrom(addrA, "session="+h.Session)
	if u := e.addrUse(addrB); u.conns != 1 {
		t.Errorf("%s holds %d connections, want 1", addrB, u.conns)
	}
}

// Without --trust-proxy, X-Forwarded-For is the browser's to write, so it
// counts for nothing: every connection here is 127.0.0.1's.
func TestForwardedForIgnoredFromUntrustedPeers(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.MaxSessionsPerAddr = 2 })
	e.openFrom("192.0.2.1", "lesson=tiny")
	e.openFrom("192.0.2.2", "lesson=tiny")
	c := e.dialFrom("192.0.2.3", "lesson=tiny")
	c.expectError(wire.CodeAddressLimit)
	if u := e.addrUse("127.0.0.1"); u.sessions != 2 {
		t.Errorf("127.0.0.1 holds %d sessions, want 2", u.sessions)
	}
}

// A classroom of 40 behind one NAT, each student with a lesson of their
// own and a tab following the teacher's class, fits the defaults.
func TestDefaultsFitAClassroomBehindOneNAT(t *testing.T) {
	e := newEnv(t, trustLoopback)
	teacher, _ := e.openFrom(addrA, "lesson=tiny")
	teacher.send(map[string]any{"type": wire.TypeClassStart})
	m := teacher.nextOf(wire.TypeClass)
	for i := range 40 {
		e.openFrom(addrA, "lesson=tiny")
		f := e.dialFrom(addrA, "class="+m.Code)
		if m := f.read(); m.Type == wire.TypeError {
			t.Fatalf("student %d: %s", i+1, m.Code)
		}
	}
	if u := e.addrUse(addrA); u.sessions != 41 || u.conns != 81 {
		t.Errorf("the classroom holds %+v, want 41 sessions and 81 connections", u)
	}
}

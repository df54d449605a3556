package web

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"portville/sim"
	"portville/web/wire"
)

func TestMaxSessions(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.MaxSessions = 2; c.IdleTimeout = time.Minute })
	a, ha := e.open("lesson=tiny")
	e.open("lesson=tiny")
	c := e.dial("lesson=tiny")
	c.expectError(wire.CodeSessionLimit)
	c.expectClose(websocket.CloseTryAgainLater)
	// Joining an existing session is not a new session.
	e.open("session=" + ha.Session)

	// When a session ends, there is room again.
	dropConn(a)
	sess := e.srv.session(ha.Session)
	waitFor(t, "the viewer to leave", func() bool { return sess.viewerCount() == 1 })
	if n := e.srv.sessionCount(); n != 2 {
		t.Fatalf("%d sessions, want 2", n)
	}
}

func TestMaxViewers(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.MaxViewers = 2 })
	a, h := e.open("lesson=tiny")
	e.open("session=" + h.Session)
	c := e.dial("session=" + h.Session)
	c.expectError(wire.CodeViewerLimit)
	c.expectClose(websocket.CloseTryAgainLater)

	dropConn(a)
	sess := e.srv.session(h.Session)
	waitFor(t, "the viewer to leave", func() bool { return sess.viewerCount() == 1 })
	e.open("session=" + h.Session)
}

func TestIdleTimeout(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.IdleTimeout = 10 * time.Minute })
	base := e.srv.live.Load()
	a, h := e.open("lesson=tiny")
	sess := e.srv.session(h.Session)
	a.send(map[string]any{"type": wire.TypePlay}) // a playing session expires all the same
	a.expect(wire.TypeEvent)
	a.expect(wire.TypeState)
	dropConn(a)
	waitFor(t, "the viewer to leave", func() bool { return sess.viewerCount() == 0 })

	// A viewer that comes back within the timeout keeps the session.
	e.clock.Advance(9 * time.Minute)
	b, _ := e.open("session=" + h.Session)
	e.clock.Advance(2 * time.Minute)
	b.send(map[string]any{"type": wire.TypePause})
	b.expect(wire.TypeState)
	if n := e.srv.sessionCount(); n != 1 {
		t.Fatalf("%d sessions while a viewer watches, want 1", n)
	}

	dropConn(b)
	waitFor(t, "the viewer to leave", func() bool { return sess.viewerCount() == 0 })
	e.clock.Advance(10*time.Minute - time.Second)
	time.Sleep(quietFor)
	if n := e.srv.sessionCount(); n != 1 {
		t.Fatalf("the session ended before its idle timeout")
	}
	e.clock.Advance(time.Second)
	waitFor(t, "the session to end", func() bool { return e.srv.sessionCount() == 0 })
	// No goroutine of the session or its viewers outlives it.
	waitFor(t, "the session's goroutines to end", func() bool { return e.srv.live.Load() == base })
	select {
	case <-sess.done:
	default:
		t.Error("the hub has not ended")
	}
}

func TestMaxMessageBytes(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.MaxMessageBytes = 1024 })
	c, h := e.open("lesson=tiny")
	pad := func(n int) string {
		prefix := `{"type":"pause","pad":"`
		return prefix + strings.Repeat("x", n-len(prefix)-2) + `"}`
	}
	c.sendRaw(pad(1024))
	c.expectState(false, h.State.Seq)
	// The write may fail part way: the server closes as soon as it has
	// read the frame's header.
	c.conn.WriteMessage(websocket.TextMessage, []byte(pad(200<<10)))
	c.expectClose(websocket.CloseMessageTooBig)
	sess := e.srv.session(h.Session)
	waitFor(t, "the viewer to leave", func() bool { return sess.viewerCount() == 0 })
}

func TestControlRate(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.ControlRate = 2; c.ControlBurst = 3 })
	c, h := e.open("lesson=tiny")
	seq := h.State.Seq
	for range 3 {
		c.send(map[string]any{"type": wire.TypePause})
		c.expectState(false, seq)
	}
	c.send(map[string]any{"type": wire.TypeStep})
	c.expectError(wire.CodeRateLimited)
	c.send(map[string]any{"type": wire.TypeStep})
	c.expectError(wire.CodeRateLimited)
	// The step was ignored: the cursor has not moved.
	e.clock.Advance(500 * time.Millisecond) // one more token
	c.send(map[string]any{"type": wire.TypePause})
	c.expectState(false, seq)
	c.send(map[string]any{"type": wire.TypePause})
	c.expectError(wire.CodeRateLimited)
	e.clock.Advance(time.Hour) // the bucket fills to its burst, no more
	for range 3 {
		c.send(map[string]any{"type": wire.TypePause})
		c.expectState(false, seq)
	}
	c.send(map[string]any{"type": wire.TypePause})
	c.expectError(wire.CodeRateLimited)
}

// TestSlowViewerIsDropped checks the slow-viewer policy of doc.go: a
// viewer that does not read is dropped by the lag bound (its queue fills)
// or by the write deadline, while the session and the other viewer go on
// at full pace.
func TestSlowViewerIsDropped(t *testing.T) {
	tests := []struct {
		name      string
		queue     int
		writeWait time.Duration
		log       string
	}{
		{"lag bound", 4, time.Minute, "viewer dropped: too slow"},
		{"write deadline", 100000, 100 * time.Millisecond, "viewer dropped: write failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, func(c *Config) {
				c.sendQueueLen = tt.queue
				c.writeWait = tt.writeWait
				c.hold = func(sim.Kind) time.Duration { return time.Second }
			})
			const events = 1500
			tl := syntheticTimeline(events, 16<<10) // 24 MB in all, far more than socket buffers hold
			sess, err := e.srv.openSession(tl)
			if err != nil {
				t.Fatal(err)
			}
			fast, _ := e.open("session=" + sess.id)
			dialer := websocket.Dialer{NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
				if tc, ok := c.(*net.TCPConn); ok {
					tc.SetReadBuffer(4096)
				}
				return c, err
			}}
			slow, _, err := dialer.Dial(e.wsURL("session="+sess.id), nil)
			if err != nil {
				t.Fatal(err)
			}
			defer slow.Close()
			waitFor(t, "two viewers", func() bool { return sess.viewerCount() == 2 })

			fast.send(map[string]any{"type": wire.TypePlay})
			fast.expectEvents(1, 1)
			fast.expectState(true, 1)
			seq := uint64(1)
			for ; seq < events && sess.viewerCount() == 2; seq++ {
				e.clock.Advance(time.Second)
				fast.expectEvents(seq+1, seq+1)
			}
			t.Logf("dropped after %d events", seq)
			waitFor(t, "the slow viewer to be dropped", func() bool { return sess.viewerCount() == 1 })
			if !strings.Contains(e.logs.String(), tt.log) {
				t.Errorf("the log does not say %q", tt.log)
			}
			// The fast viewer goes on receiving every event at once.
			for range 5 {
				e.clock.Advance(time.Second)
				fast.expectEvents(seq+1, seq+1)
				seq++
			}
		})
	}
}

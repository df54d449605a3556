package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"net"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	natsserver "github.com/nats-io/nats-server/v2/server"

	"portville/web/wire"
)

// Classes across instances (cluster.go, classlink.go), against a real
// NATS server with JetStream, embedded in the test.

// natsServer is an embedded NATS server with JetStream on, its store in a
// temporary directory.
type natsServer struct {
	t    testing.TB
	srv  *natsserver.Server
	port int
	dir  string
}

func startNATS(t testing.TB) *natsServer {
	t.Helper()
	n := &natsServer{t: t, dir: t.TempDir(), port: -1}
	n.start()
	t.Cleanup(func() { n.srv.Shutdown(); n.srv.WaitForShutdown() })
	return n
}

// start starts the server (again, on the same port and store).
func (n *natsServer) start() {
	n.t.Helper()
	s, err := natsserver.NewServer(&natsserver.Options{
		Host: "127.0.0.1", Port: n.port, JetStream: true, StoreDir: n.dir,
		NoLog: true, NoSigs: true,
	})
	if err != nil {
		n.t.Fatal(err)
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		n.t.Fatal("nats-server did not start")
	}
	n.srv = s
	n.port = s.Addr().(*net.TCPAddr).Port
}

func (n *natsServer) url() string { return "nats://127.0.0.1:" + strconv.Itoa(n.port) }

// restart stops the server and starts it again on the same port and
// store: every client loses it, then reconnects by itself.
func (n *natsServer) restart() {
	n.t.Helper()
	n.srv.Shutdown()
	n.srv.WaitForShutdown()
	n.start()
}

// clusterEnvs starts k instances that share classes through nats, on
// one fake clock.
func clusterEnvs(t *testing.T, nats *natsServer, k int) ([]*env, *fakeClock) {
	t.Helper()
	clock := newFakeClock()
	var out []*env
	for range k {
		e := newEnv(t, func(c *Config) { c.Clock, c.NATS = clock, nats.url() })
		e.clock = clock
		out = append(out, e)
	}
	return out, clock
}

// What an instance's cluster knows, for the tests: they read it here
// rather than through the cluster's fields.

// instance returns the instance's id in the cluster.
func (e *env) instance() string { return e.srv.cluster.instance() }

// natsConnected reports whether the instance reaches NATS.
func (e *env) natsConnected() bool { return e.srv.cluster.connected() }

// classOwner returns the owner of the class as the instance's view of
// the bucket has it; false when the bucket has no such class.
func (e *env) classOwner(code string) (string, bool) {
	r, ok := e.srv.cluster.record(code)
	return r.Owner, ok
}

// classesShared returns the classes of every instance, as the instance
// sees them.
func (e *env) classesShared() int { return e.srv.cluster.classCount() }

// othersFollowing returns the followers of every class on the other
// instances, as the instance sees them.
func (e *env) othersFollowing() int { return e.srv.cluster.othersFollowingAll() }

// kill makes an instance die as a crash would: its NATS connection and
// its listener closed, its websockets cut.
func (e *env) kill() { crash(e.srv, e.hs) }

// crash stops an instance as a crash would: NATS connection, listener and
// every connection closed at once, nothing said to anyone.
func crash(srv *Server, hs *httptest.Server) {
	srv.cluster.kill()
	hs.Listener.Close()
	hs.CloseClientConnections()
	srv.reg.closeConns() // websockets, which httptest no longer tracks
}

// eventsOf reads a viewer's messages until the state at seq, and returns
// them without class.stats (a presenter's counts come at any time).
func eventsUntil(c *client, seq uint64, playing bool) [][]byte {
	c.t.Helper()
	var out [][]byte
	for {
		m := c.nextSkipping(wire.TypeClassStats)
		out = append(out, m.raw)
		if m.Type == wire.TypeState && m.Seq == seq && m.Playing == playing {
			return out
		}
	}
}

// statsUntil reads a presenter's messages until a class.stats for which
// ok holds, advancing the clock past the stats interval.
func statsUntil(t *testing.T, c *client, clock *fakeClock, what string, ok func(classMsg) bool) classMsg {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case r := <-c.in:
			var m classMsg
			if json.Unmarshal(r.data, &m) == nil && m.Type == wire.TypeClassStats && ok(m) {
				return m
			}
		case <-time.After(20 * time.Millisecond):
			clock.Advance(classStatsInterval)
		}
	}
	t.Fatalf("no class.stats with %s within 10 s", what)
	return classMsg{}
}

func answersAt(m classMsg, cp uint64) uint32 {
	var n uint32
	for _, k := range m.Answers[cp] {
		n += k
	}
	return n
}

// TestClusterClass: a presenter on A, followers on A, B and C. Followers
// everywhere get the same frames, byte for byte, through step, play,
// seek, back and class.mode; answers and followers are counted once
// over the instances; A dies mid-lesson and the class goes on from B;
// NATS restarts and the class goes on.
func TestClusterClass(t *testing.T) {
	nats := startNATS(t)
	envs, clock := clusterEnvs(t, nats, 3)
	a, b, c := envs[0], envs[1], envs[2]
	f := a.ephemeral()
	p, h, cm := a.startClass("ephemeral-ports")
	fa, fah := a.follow("class=" + cm.Code)
	fb, fbh := b.follow("class=" + cm.Code)
	fc, fch := c.follow("class=" + cm.Code)
	for _, fh := range []classMsg{fbh, fch} {
		if fh.State.Seq != h.State.Seq || fh.Timeline != 1 || fh.Class.Code != cm.Code || fh.Class.URL != cm.URL {
			t.Fatalf("follower hello on another instance: seq %d timeline %d class %+v", fh.State.Seq, fh.Timeline, fh.Class)
		}
	}
	// Followers are counted over the instances.
	statsUntil(t, p, clock, "3 followers", func(m classMsg) bool { return m.Followers != nil && *m.Followers == 3 })

	// Step, play, pause, seek to before the checkpoint, play into it,
	// back, mode free and follow.
	sess := a.srv.session(h.Session)
	cp := f.checkpoints[0]
	seq := h.State.Seq
	p.send(map[string]any{"type": wire.TypeStep})
	p.send(map[string]any{"type": wire.TypeStep})
	p.send(map[string]any{"type": wire.TypePlay})
	seq += 3
	waitFor(t, "play", func() bool { return sess.shownUpTo() == seq })
	for range 4 {
		clock.Advance(f.hold(seq))
		seq++
		waitFor(t, "the hub to send the event", func() bool { return sess.shownUpTo() == seq })
	}
	p.send(map[string]any{"type": wire.TypePause})
	p.send(map[string]any{"type": wire.TypeSeek, "seq": cp - 2})
	p.send(map[string]any{"type": wire.TypeBack})
	p.send(map[string]any{"type": wire.TypeClassMode, "mode": wire.ModeFree})
	p.send(map[string]any{"type": wire.TypeClassMode, "mode": wire.ModeFollow})
	p.send(map[string]any{"type": wire.TypeStep})
	p.send(map[string]any{"type": wire.TypeStep})
	p.send(map[string]any{"type": wire.TypeStep}) // the checkpoint
	want := eventsUntil(fa, cp, false)
	checkGapFree(t, f, filterType(want, wire.TypeClassMode), h.State.Seq)
	for name, fc := range map[string]*client{"B": fb, "C": fc} {
		got := eventsUntil(fc, cp, false)
		if !equalFrames(got, want) {
			t.Fatalf("the follower on %s got %d messages, the one on A %d; first difference at %d:\n%s\n%s", name, len(got), len(want), firstDiff(got, want), at(got, firstDiff(got, want)), at(want, firstDiff(got, want)))
		}
	}

	// Answers: each follower once, wherever it answers.
	n := cpNumber(t, want)
	for _, fl := range []*client{fa, fb, fc} {
		fl.send(map[string]any{"type": wire.TypeAnswer, "checkpoint": n, "choice": "a"})
		fl.nextOf(wire.TypeAnswered)
	}
	fb.send(map[string]any{"type": wire.TypeAnswer, "checkpoint": n, "choice": "a"}) // again: still one
	fb.nextOf(wire.TypeAnswered)
	statsUntil(t, p, clock, "3 answers", func(m classMsg) bool { return answersAt(m, n) == 3 && m.Answers[n]["a"] == 3 })
	// The follower on B moves to C, keeps its id, changes its mind.
	fb.conn.Close()
	fb2 := c.dial("class=" + cm.Code + "&follower=" + fbh.Class.Follower + "&after=" + strconv.FormatUint(cp, 10) + "&timeline=1")
	fb2h := fb2.nextOf(wire.TypeHello)
	if !fb2h.Resumed || fb2h.Class.Follower != fbh.Class.Follower || fb2h.Class.Mine[n] != "a" {
		t.Fatalf("the follower that moved to C: hello %s", fb2h.raw)
	}
	fb2.send(map[string]any{"type": wire.TypeAnswer, "checkpoint": n, "choice": "b"})
	fb2.nextOf(wire.TypeAnswered)
	statsUntil(t, p, clock, "2 a and 1 b", func(m classMsg) bool {
		return m.Answers[n]["a"] == 2 && m.Answers[n]["b"] == 1 && *m.Followers == 3
	})

	// A dies. The presenter reconnects through the load balancer to B,
	// which takes the class over; the follower of A goes to C; nothing
	// is missed or repeated.
	a.kill()
	p2 := b.dial("session=" + h.Session + "&token=" + cm.Token + "&after=" + strconv.FormatUint(cp, 10) + "&timeline=1")
	p2h := p2.nextOf(wire.TypeHello)
	if p2h.Class == nil || p2h.Class.Role != wire.RolePresenter || p2h.Class.Code != cm.Code || !p2h.Resumed {
		t.Fatalf("the presenter on B: hello %s", p2h.raw)
	}
	fa2 := c.dial("class=" + cm.Code + "&follower=" + fah.Class.Follower + "&after=" + strconv.FormatUint(cp, 10) + "&timeline=1")
	if m := fa2.nextOf(wire.TypeHello); !m.Resumed {
		t.Fatalf("the follower of A on C: hello %s", m.raw)
	}
	p2.send(map[string]any{"type": wire.TypeStep})
	p2.send(map[string]any{"type": wire.TypeStep})
	for _, fl := range []*client{p2, fb2, fa2, fc} {
		fl.expectEventsSkipping(cp+1, cp+1)
		fl.expectEventsSkipping(cp+2, cp+2)
	}
	waitFor(t, "the record to name B its owner", func() bool {
		owner, ok := b.classOwner(cm.Code)
		return ok && owner == b.instance()
	})

	// The teacher's phone lands on C: C sees that B still plays the
	// class, and sends B the phone's controls.
	rc := c.dial("class=" + cm.Code + "&token=" + cm.Token)
	if m := rc.nextOf(wire.TypeHello); m.Class == nil || m.Class.Role != wire.RolePresenter || m.Class.Token != cm.Token {
		t.Fatalf("the remote on C: hello %s", m.raw)
	}
	rc.send(map[string]any{"type": wire.TypeStep})
	for _, fl := range []*client{p2, fc, rc} {
		fl.expectEventsSkipping(cp+3, cp+3)
	}
	rc.send(map[string]any{"type": wire.TypeSeek, "seq": 1 << 40})
	if m := rc.nextSkippingAll(wire.TypeState, wire.TypeClassStats); m.Type != wire.TypeError || m.Code != wire.CodeBadValue {
		t.Errorf("a seek past the end from C got %s, want the owner's bad_value error", m.raw)
	}
	if owner, _ := b.classOwner(cm.Code); owner != b.instance() {
		t.Errorf("a presenter on C took the class from B, which still plays it (owner %q)", owner)
	}

	// NATS restarts: the class goes on, and a new follower can join
	// through C.
	nats.restart()
	waitFor(t, "B and C back on NATS", func() bool {
		return b.natsConnected() && c.natsConnected()
	})
	p2.send(map[string]any{"type": wire.TypeStep})
	fc.expectEventsSkipping(cp+4, cp+4)
	late, lh := c.follow("class=" + cm.Code)
	if lh.State.Seq != cp+4 {
		t.Errorf("a follower joining after the restart starts at %d, want %d", lh.State.Seq, cp+4)
	}
	// The class ends everywhere.
	p2.send(map[string]any{"type": wire.TypeClassEnd})
	for _, fl := range []*client{fc, late} {
		for {
			m := fl.next()
			if m.Type == wire.TypeClassEnd {
				break
			}
		}
		fl.expectClose(websocket.CloseNormalClosure)
	}
	waitFor(t, "the record gone", func() bool { _, ok := c.classOwner(cm.Code); return !ok })
}

// TestClusterShutdownHandsOver: an instance that stops hands its class
// to the instance its presenter reconnects to, rather than ending it.
func TestClusterShutdownHandsOver(t *testing.T) {
	nats := startNATS(t)
	envs, _ := clusterEnvs(t, nats, 2)
	a, b := envs[0], envs[1]
	p, h, cm := a.startClass("ephemeral-ports")
	fb, _ := b.follow("class=" + cm.Code)
	ctx, cancel := contextWithTimeout(5 * time.Second)
	defer cancel()
	if err := a.srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	p.expectClose(websocket.CloseGoingAway)
	p2 := b.dial("session=" + h.Session + "&token=" + cm.Token)
	if m := p2.nextOf(wire.TypeHello); m.Class == nil || m.Class.Role != wire.RolePresenter {
		t.Fatalf("the presenter on B: hello %s", m.raw)
	}
	p2.send(map[string]any{"type": wire.TypeStep})
	fb.expectEventsSkipping(h.State.Seq+1, h.State.Seq+1)
	waitFor(t, "the record to name B its owner", func() bool {
		owner, ok := b.classOwner(cm.Code)
		return ok && owner == b.instance()
	})
}

// TestClusterRefusals: NATS unreachable at start is a clear error; an
// unknown code is unknown on every instance; a follower limit holds
// over the instances.
func TestClusterRefusals(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "nats://" + ln.Addr().String()
	ln.Close()
	_, err = New(Config{Static: testStatic, NATS: dead})
	if !errors.Is(err, ErrNATS) || !strings.Contains(err.Error(), dead) {
		t.Errorf("New with NATS at a closed port: %v, want ErrNATS naming %s", err, dead)
	}

	nats := startNATS(t)
	clock := newFakeClock()
	mk := func() *env {
		e := newEnv(t, func(c *Config) { c.Clock, c.NATS, c.MaxFollowers, c.MaxClasses = clock, nats.url(), 2, 1 })
		e.clock = clock
		return e
	}
	a, b := mk(), mk()
	d := b.dial("class=ABCDEFGH")
	d.expectError(wire.CodeUnknownClass)
	_, _, cm := a.startClass("tiny")
	// One class on A: B may not start another (--max-classes holds over
	// the instances).
	waitFor(t, "B to see the class", func() bool { return b.classesShared() == 1 })
	p, _ := b.open("lesson=tiny")
	p.send(map[string]any{"type": wire.TypeClassStart})
	p.expectError(wire.CodeClassLimit)
	// Two followers on A and B fill the limit of 2; a third on B is
	// refused.
	a.follow("class=" + cm.Code)
	b.follow("class=" + cm.Code)
	waitFor(t, "B to see A's follower", func() bool { return b.othersFollowing() == 1 })
	third := b.dial("class=" + cm.Code)
	third.expectError(wire.CodeFollowerLimit)
}

// TestClusterLab: a lab class's commands reach the mirrors, which type
// them into their own copy of the lab.
func TestClusterLab(t *testing.T) {
	nats := startNATS(t)
	envs, _ := clusterEnvs(t, nats, 2)
	a, b := envs[0], envs[1]
	p, _ := a.open("lab=1")
	p.send(map[string]any{"type": wire.TypeClassStart})
	cm := p.nextOf(wire.TypeClass)
	fa, _ := a.follow("class=" + cm.Code)
	fb, _ := b.follow("class=" + cm.Code)
	p.send(map[string]any{"type": wire.TypeLabInput, "host": "laptop", "line": "curl http://web/"})
	p.send(map[string]any{"type": wire.TypeLabUndo})
	p.send(map[string]any{"type": wire.TypeLabInput, "host": "laptop", "line": "nc -l 9000 &"})
	p.send(map[string]any{"type": wire.TypePause})
	until := func(c *client) [][]byte {
		var out [][]byte
		entries := 0
		for {
			m := c.nextSkipping(wire.TypeClassStats)
			out = append(out, m.raw)
			if m.Type == wire.TypeLabEntry {
				entries++
			}
			if entries == 2 && m.Type == wire.TypeState && !m.Playing {
				return out
			}
		}
	}
	want := until(fa)
	got := until(fb)
	if !equalFrames(got, want) {
		i := firstDiff(got, want)
		t.Fatalf("the lab's follower on B got %d messages, on A %d; first difference at %d:\n%s\n%s", len(got), len(want), i, at(got, i), at(want, i))
	}
}

func equalFrames(a, b [][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

func at(list [][]byte, i int) string {
	if i < len(list) {
		s := string(list[i])
		if len(s) > 400 {
			s = s[:400] + "…"
		}
		return s
	}
	return "(none)"
}

func filterType(msgs [][]byte, drop string) [][]byte {
	var out [][]byte
	for _, m := range msgs {
		var t struct{ Type string }
		if json.Unmarshal(m, &t) == nil && t.Type == drop {
			continue
		}
		out = append(out, m)
	}
	return out
}

// cpNumber returns the number of the last checkpoint event in msgs.
func cpNumber(t *testing.T, msgs [][]byte) uint64 {
	t.Helper()
	for i := len(msgs) - 1; i >= 0; i-- {
		var m struct {
			Event *struct {
				Kind       string `json:"kind"`
				Checkpoint uint64 `json:"checkpoint"`
			} `json:"event"`
		}
		if json.Unmarshal(msgs[i], &m) == nil && m.Event != nil && m.Event.Checkpoint != 0 {
			return m.Event.Checkpoint
		}
	}
	t.Fatal("no checkpoint event")
	return 0
}

// nextSkippingAll reads the next message whose type is none of skip.
func (c *client) nextSkippingAll(skip ...string) classMsg {
	c.t.Helper()
	for {
		m := c.next()
		skipped := false
		for _, s := range skip {
			skipped = skipped || m.Type == s
		}
		if !skipped {
			return m
		}
	}
}

// expectEventsSkipping reads past states, stats and the like to the next
// events frame and checks its seqs.
func (c *client) expectEventsSkipping(from, to uint64) {
	c.t.Helper()
	for {
		m := c.next()
		if m.Type != wire.TypeEvent && m.Type != wire.TypeEvents {
			continue
		}
		s := m.seqs()
		if len(s) == 0 || s[0] != from || s[len(s)-1] != to {
			c.t.Fatalf("events %v, want %d..%d", s, from, to)
		}
		return
	}
}

package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/gorilla/websocket"

	"portville/sim"
	"portville/sim/lessons"
	"portville/sim/scenario"
	tlpkg "portville/sim/timeline"
	"portville/web/internal/browsertest"
	"portville/web/wire"
)

// fakeClock is a Clock that moves only when a test advances it.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*fakeTimer
}

type fakeTimer struct {
	clock *fakeClock
	at    time.Time
	c     chan time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) NewTimer(d time.Duration) Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTimer{clock: c, at: c.now.Add(d), c: make(chan time.Time, 1)}
	if d <= 0 {
		t.c <- c.now
		return t
	}
	c.timers = append(c.timers, t)
	return t
}

// Advance moves the clock on by d and fires the timers that fall due.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	c.timers = slices.DeleteFunc(c.timers, func(t *fakeTimer) bool {
		if t.at.After(c.now) {
			return false
		}
		t.c <- c.now
		return true
	})
}

// Pending returns how many timers are armed.
func (c *fakeClock) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.timers)
}

func (t *fakeTimer) C() <-chan time.Time { return t.c }

func (t *fakeTimer) Stop() bool {
	c := t.clock
	c.mu.Lock()
	defer c.mu.Unlock()
	i := slices.Index(c.timers, t)
	if i < 0 {
		return false
	}
	c.timers = slices.Delete(c.timers, i, i+1)
	return true
}

// fakeCatalog is a Catalog of test lessons.
type fakeCatalog struct{ lessons []*lessons.Lesson }

func (c fakeCatalog) Lessons() ([]*lessons.Lesson, error) { return c.lessons, nil }

// failingCatalog is a Catalog that cannot load.
type failingCatalog struct{}

func (failingCatalog) Lessons() ([]*lessons.Lesson, error) {
	return nil, errors.New("lessons/broken.yaml:3:1: a secret detail")
}

func parseFile(t testing.TB, path string) *scenario.Scenario {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := scenario.Parse(filepath.Base(path), data)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// testLessons are the lessons of the tests, in teaching order:
// ephemeral-ports (a copy of the built-in lesson, with checkpoints, kept
// here so the tests do not move when the lesson is edited) and tiny.
func testLessons(t testing.TB) fakeCatalog {
	var out []*lessons.Lesson
	for _, p := range []string{"testdata/ephemeral-ports.yaml", "testdata/tiny.yaml"} {
		sc := parseFile(t, p)
		out = append(out, &lessons.Lesson{ID: sc.ID, Scenario: sc})
	}
	return fakeCatalog{out}
}

// testStatic is a front end for tests.
var testStatic = fstest.MapFS{
	"css/app.css": {Data: []byte("body { margin: 0 }\n")},
	"js/app.js":   {Data: []byte("export const app = 1;\n")},
}

// syncBuffer is a log destination shared by goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// env is a real server on 127.0.0.1:0 with a fake clock.
type env struct {
	t     testing.TB
	srv   *Server
	hs    *httptest.Server
	clock *fakeClock
	logs  *syncBuffer
	cat   fakeCatalog
}

// newEnv starts a server; edit changes its configuration first. When the
// test ends it shuts the server down and checks that every goroutine the
// server started has ended.
func newEnv(t testing.TB, edit func(*Config)) *env {
	t.Helper()
	e := &env{t: t, clock: newFakeClock(), logs: &syncBuffer{}, cat: testLessons(t)}
	cfg := Config{
		Catalog: e.cat, Static: testStatic, Clock: e.clock,
		Logger: slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if edit != nil {
		edit(&cfg)
	}
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.srv = srv
	e.hs = httptest.NewServer(srv)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		e.hs.Close()
		if n := srv.live.Load(); n != 0 {
			t.Errorf("%d goroutines of the server still run after Shutdown", n)
		}
		if t.Failed() {
			t.Logf("server log:\n%s", e.logs.String())
		}
	})
	return e
}

func (e *env) url(path string) string { return e.hs.URL + path }

func (e *env) wsURL(query string) string {
	return "ws" + strings.TrimPrefix(e.hs.URL, "http") + "/ws?" + query
}

// get fetches a path.
func (e *env) get(path string, header http.Header) (*http.Response, []byte) {
	e.t.Helper()
	req, err := http.NewRequest("GET", e.url(path), nil)
	if err != nil {
		e.t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	buf.ReadFrom(resp.Body)
	return resp, buf.Bytes()
}

// msg is any server message, decoded.
type msg struct {
	Type     string            `json:"type"`
	V        int               `json:"v"`
	Session  string            `json:"session"`
	Timeline uint64            `json:"timeline"`
	Resumed  bool              `json:"resumed"`
	Lesson   *LessonInfo       `json:"lesson"`
	Snapshot *sim.Snapshot     `json:"snapshot"`
	State    *State            `json:"state"`
	Event    *sim.Event        `json:"event"`
	Events   []sim.Event       `json:"events"`
	Reason   string            `json:"reason"`
	Playing  bool              `json:"playing"`
	Speed    float64           `json:"speed"`
	Seq      uint64            `json:"seq"`
	Total    uint64            `json:"total"`
	Code     string            `json:"code"`
	Message  string            `json:"message"`
	Errors   []ScenarioProblem `json:"errors"`
	Recent   []sim.Event       `json:"recent"`
}

// seqs returns the sequence numbers of an event or events message.
func (m msg) seqs() []uint64 {
	var out []uint64
	if m.Event != nil {
		out = append(out, m.Event.Seq)
	}
	for _, e := range m.Events {
		out = append(out, e.Seq)
	}
	return out
}

// client is a real websocket client. A goroutine reads its messages into
// a channel, so a test can wait for one with a timeout and check that
// none comes without breaking the connection.
type client struct {
	t    testing.TB
	conn *websocket.Conn
	in   chan read
	// carried holds the state that rode in the last events frame: frame
	// returns it next as the state message it stands for, so tests read
	// the playback state the same way whichever frame carried it.
	carried []byte
}

type read struct {
	data []byte
	err  error
}

// dial opens /ws?query and fails the test if the handshake fails.
func (e *env) dial(query string) *client {
	e.t.Helper()
	return e.reading(e.dialRaw(query, nil))
}

// reading starts the goroutine that reads c's messages for a client.
func (e *env) reading(c *websocket.Conn) *client {
	cl := &client{t: e.t, conn: c, in: make(chan read, 1024)}
	go func() {
		for {
			_, data, err := c.ReadMessage()
			cl.in <- read{data, err}
			if err != nil {
				return
			}
		}
	}()
	return cl
}

// dialRaw opens /ws?query without reading from it.
func (e *env) dialRaw(query string, header http.Header) *websocket.Conn {
	e.t.Helper()
	c, resp, err := websocket.DefaultDialer.Dial(e.wsURL(query), header)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		e.t.Fatalf("dial %s: %v (HTTP %d)", query, err, status)
	}
	e.t.Cleanup(func() { c.Close() })
	return c
}

// open dials a new session on the lesson and reads its hello.
func (e *env) open(query string) (*client, msg) {
	e.t.Helper()
	c := e.dial(query)
	return c, c.expect(wire.TypeHello)
}

const readTimeout = 5 * time.Second

func (c *client) sendRaw(s string) {
	c.t.Helper()
	if err := c.conn.WriteMessage(websocket.TextMessage, []byte(s)); err != nil {
		c.t.Fatalf("send %.80s: %v", s, err)
	}
}

func (c *client) send(v any) {
	c.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		c.t.Fatal(err)
	}
	c.sendRaw(string(b))
}

// frame returns the next message's bytes. A state that rode in an
// events frame comes next as a message of its own.
func (c *client) frame() []byte {
	c.t.Helper()
	if b := c.carried; b != nil {
		c.carried = nil
		return b
	}
	select {
	case r := <-c.in:
		if r.err != nil {
			c.t.Fatalf("read: %v", r.err)
		}
		var m struct {
			Type  string
			State *State
		}
		if json.Unmarshal(r.data, &m) == nil && m.State != nil && (m.Type == wire.TypeEvent || m.Type == wire.TypeEvents) {
			m.State.Type = wire.TypeState
			c.carried = mustJSON(m.State)
		}
		return r.data
	case <-time.After(readTimeout):
		c.t.Fatalf("no message within %v", readTimeout)
	}
	panic("unreachable")
}

// read returns the next message.
func (c *client) read() msg {
	c.t.Helper()
	data := c.frame()
	var m msg
	if err := json.Unmarshal(data, &m); err != nil {
		c.t.Fatalf("decode %s: %v", data, err)
	}
	return m
}

// expect reads the next message and checks its type.
func (c *client) expect(typ string) msg {
	c.t.Helper()
	m := c.read()
	if m.Type != typ {
		c.t.Fatalf("got a %q message (%+v), want %q", m.Type, m, typ)
	}
	return m
}

// expectError reads an error message with the code.
func (c *client) expectError(code string) msg {
	c.t.Helper()
	m := c.expect(wire.TypeError)
	if m.Code != code {
		c.t.Fatalf("error code %q (%s), want %q", m.Code, m.Message, code)
	}
	if m.Message == "" {
		c.t.Fatalf("error %q has no message", code)
	}
	return m
}

// expectState reads a state message and checks it.
func (c *client) expectState(playing bool, seq uint64) msg {
	c.t.Helper()
	m := c.expect(wire.TypeState)
	if m.Playing != playing || m.Seq != seq {
		c.t.Fatalf("state playing=%v seq=%d, want playing=%v seq=%d", m.Playing, m.Seq, playing, seq)
	}
	return m
}

// expectEvents reads an event (from == to) or events message and checks
// its seqs.
func (c *client) expectEvents(from, to uint64) msg {
	c.t.Helper()
	m := c.read()
	want := wire.TypeEvents
	if from == to {
		want = wire.TypeEvent
	}
	var seqs []uint64
	for s := from; s <= to; s++ {
		seqs = append(seqs, s)
	}
	if m.Type != want || !slices.Equal(m.seqs(), seqs) {
		c.t.Fatalf("got %q with seqs %v, want %q with %d..%d", m.Type, m.seqs(), want, from, to)
	}
	return m
}

// quietFor is how long expectQuiet waits. Checking that something does
// not happen needs some wait; the server answers in microseconds.
const quietFor = 50 * time.Millisecond

// expectQuiet checks that no message arrives for a moment.
func (c *client) expectQuiet() {
	c.t.Helper()
	if c.carried != nil {
		c.t.Fatalf("got an unexpected state, in the last events frame: %s", c.carried)
	}
	select {
	case r := <-c.in:
		c.t.Fatalf("got an unexpected message: %s (err %v)", r.data, r.err)
	case <-time.After(quietFor):
	}
}

// expectClose reads until the connection closes and checks the close code.
func (c *client) expectClose(code int) {
	c.t.Helper()
	timeout := time.After(readTimeout)
	for {
		select {
		case r := <-c.in:
			if r.err == nil {
				continue
			}
			var ce *websocket.CloseError
			if !errors.As(r.err, &ce) || ce.Code != code {
				c.t.Fatalf("connection ended with %v, want close code %d", r.err, code)
			}
			return
		case <-timeout:
			c.t.Fatalf("connection still open after %v, want close code %d", readTimeout, code)
		}
	}
}

// waitFor polls cond until it holds, or fails the test after a while.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// goroutinesIn returns the stacks of goroutines running code of this
// package, other than tests.
func goroutinesIn() []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var out []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "portville/web.") && !strings.Contains(g, "portville/web.Test") &&
			!strings.Contains(g, "portville/web.Benchmark") && !strings.Contains(g, "testing.(*M)") &&
			!strings.Contains(g, "portville/web.(*client)") {
			out = append(out, g)
		}
	}
	return out
}

// TestMain fails the run if any goroutine of the package outlives the
// tests.
func TestMain(m *testing.M) {
	code := browsertest.Main(m) // runs the tests, then stops the shared browser
	if code == 0 {
		deadline := time.Now().Add(5 * time.Second)
		for {
			left := goroutinesIn()
			if len(left) == 0 {
				break
			}
			if time.Now().After(deadline) {
				fmt.Fprintf(os.Stderr, "goroutines leaked:\n%s\n", strings.Join(left, "\n\n"))
				code = 1
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	os.Exit(code)
}

// runTo returns the events of a lesson's run with opt, and its result.
func runTo(t testing.TB, sc *scenario.Scenario, opt scenario.Options) ([]sim.Event, *scenario.Result) {
	t.Helper()
	var evs []sim.Event
	opt.OnEvent = func(e *sim.Event) { evs = append(evs, *e) }
	res, err := sc.Run(opt)
	if err != nil {
		t.Fatal(err)
	}
	return evs, res
}

// snapshotAt returns the world after event seq, computed directly.
func snapshotAt(t testing.TB, sc *scenario.Scenario, opt scenario.Options, seq uint64) sim.Snapshot {
	t.Helper()
	snap, err := tlpkg.SnapshotAt(sc, opt, seq)
	if err != nil {
		t.Fatal(err)
	}
	// Round-trip through JSON, as a client sees it.
	var out sim.Snapshot
	if err := json.Unmarshal(mustJSON(snap), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func contextWithTimeout(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}

// syntheticTimeline is a timeline of n notes whose text has textBytes
// bytes, for tests and benchmarks that need many or big events.
func syntheticTimeline(n, textBytes int) *timeline {
	text := strings.Repeat("x", textBytes)
	events := make([]sim.Event, n)
	for i := range events {
		events[i] = sim.Event{Seq: uint64(i + 1), T: sim.Time(i+1) * sim.Millisecond, Kind: sim.KindNote,
			Host: "laptop", Text: text, Analogy: "A letter is posted."}
	}
	return tlpkg.FromEvents(LessonInfo{Title: "Synthetic", OS: "linux"}, events)
}

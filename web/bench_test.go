package web

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"math"
	"net/http/httptest"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"portville/sim"
)

// The benchmarks run the real server and real websocket clients in one
// process on the loopback interface, with the system clock. Each session
// plays a synthetic timeline at benchEventGap (50 events a second); b.N
// is the number of events each session plays. They report:
//
//   - p50-ms, p99-ms: latency from the moment the hub publishes an event
//     to the moment a client has read it, over every (viewer, event);
//   - B/viewer (or B/session): heap and stack in use per idle connected
//     viewer (or per session with one viewer), after a GC. The clients
//     live in the same process, so this counts the client's side of each
//     connection too (a gorilla client with small buffers and a reader
//     goroutine): the server's share is less.
//
// docs/benchmarks.md records the figures and the commands.

// benchEventGap is the pacing of the benchmarks: 50 events a second.
const benchEventGap = 20 * time.Millisecond

// benchEventText makes each event about 400 bytes of JSON, a typical
// lesson event with both captions.
var benchEventText = strings.Repeat("The browser sends its request to port 80. ", 7)

// BenchmarkSession500Viewers is one session with 500 viewers at 50
// events a second: a lecture hall following one lesson.
func BenchmarkSession500Viewers(b *testing.B) { benchFanOut(b, 1, 500, "B/viewer") }

// BenchmarkSessions200 is 200 independent sessions with a viewer each,
// every one at 50 events a second: a class working through lessons alone.
func BenchmarkSessions200(b *testing.B) { benchFanOut(b, 200, 1, "B/session") }

type benchClient struct {
	conn  *websocket.Conn
	stamp []atomic.Int64 // publish time of each seq of the client's session, UnixNano
	lat   []time.Duration
	err   error
}

func benchFanOut(b *testing.B, sessions, viewers int, memUnit string) {
	events := b.N
	stamps := make(map[string][]atomic.Int64, sessions)
	srv, wsURL := benchServer(b, Config{MaxSessions: sessions, MaxViewers: viewers}, benchEventGap,
		func(session string) []atomic.Int64 { return stamps[session] })

	// The timelines and the benchmark's publish stamps are made first and
	// left out of the memory figure: their size follows b.N, not the
	// number of sessions or viewers.
	var tls []*timeline
	var stampSets [][]atomic.Int64
	for range sessions {
		tls = append(tls, syntheticTimeline(events, len(benchEventText)))
		stampSets = append(stampSets, make([]atomic.Int64, events+1))
	}
	ids := make([]string, 0, sessions)
	before := heapAndStack()
	for i, tl := range tls {
		sess, err := srv.openSession(tl)
		if err != nil {
			b.Fatal(err)
		}
		stamps[sess.id] = stampSets[i]
		ids = append(ids, sess.id)
	}
	if memUnit == "B/viewer" {
		before = heapAndStack() // the viewers' share only
	}

	// Connect every viewer and read its hello; then measure memory while
	// they are idle.
	var clients []*benchClient
	for _, id := range ids {
		clients = append(clients, dialClients(b, wsURL+"session="+id, viewers, stamps[id])...)
	}
	per := len(clients) // B/viewer
	if memUnit == "B/session" {
		per = sessions
	}
	mem, wait := startReaders(clients, events, before, per)

	b.ResetTimer()
	for i := range sessions {
		clients[i*viewers].conn.WriteMessage(websocket.TextMessage, []byte(`{"type":"play"}`))
	}
	wait()
	b.StopTimer()

	all, failed := collect(clients)
	if len(failed) > 0 {
		b.Fatalf("client: %v", failed[0])
	}
	if len(all) != events*len(clients) {
		b.Fatalf("%d receipts, want %d", len(all), events*len(clients))
	}
	b.ReportMetric(mem, memUnit) // after ResetTimer, which clears metrics
	reportLatencies(b, all)
}

// benchServer starts the real server behind httptest with the benchmarks'
// settings on top of cfg: every event held for gap, and the publish time
// of each event stored in stamps(session). It returns the server and the
// websocket address, to which the caller adds the query.
func benchServer(b *testing.B, cfg Config, gap time.Duration, stamps func(session string) []atomic.Int64) (*Server, string) {
	cfg.Catalog, cfg.Static = testLessons(b), testStatic
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg.ControlRate, cfg.ControlBurst = 1000, 1000
	// Every client of a benchmark is 127.0.0.1: the fair shares per
	// address (fairness.go) would refuse most of them.
	cfg.MaxSessionsPerAddr, cfg.MaxConnsPerAddr = 1<<20, 1<<20
	cfg.hold = func(sim.Kind) time.Duration { return gap }
	cfg.onPublish = func(session string, from, to uint64) {
		now := time.Now().UnixNano()
		st := stamps(session)
		for seq := from; seq <= to; seq++ {
			st[seq].Store(now)
		}
	}
	srv, err := New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	b.Cleanup(hs.Close)
	b.Cleanup(func() { srv.Shutdown(context.Background()) }) // runs first
	return srv, "ws" + strings.TrimPrefix(hs.URL, "http") + "/ws?"
}

// dialClients connects n clients to url and reads each one's hello; their
// latencies are measured against stamp.
func dialClients(b *testing.B, url string, n int, stamp []atomic.Int64) []*benchClient {
	dialer := websocket.Dialer{ReadBufferSize: 1024, WriteBufferSize: 256, WriteBufferPool: &sync.Pool{}}
	clients := make([]*benchClient, 0, n)
	for range n {
		c, _, err := dialer.Dial(url, nil)
		if err != nil {
			b.Fatalf("dial client %d: %v", len(clients), err)
		}
		if _, data, err := c.ReadMessage(); err != nil || !bytes.HasPrefix(data, []byte(`{"type":"hello"`)) {
			b.Fatalf("hello: %v %.40s", err, data)
		}
		clients = append(clients, &benchClient{conn: c, stamp: stamp})
	}
	return clients
}

// startReaders starts a reader per client, each reading events up to seq
// last, and returns the live heap and stacks added since before, per unit
// of per, with wait, which returns when every reader is done. The figure
// is taken once the readers' goroutines exist but before they make their
// latency records, which are the benchmark's and not the server's.
func startReaders(clients []*benchClient, last int, before uint64, per int) (mem float64, wait func()) {
	var wg sync.WaitGroup
	measured := make(chan struct{})
	for _, c := range clients {
		wg.Go(func() {
			<-measured
			c.lat = make([]time.Duration, 0, last)
			c.read(uint64(last))
		})
	}
	mem = float64(heapAndStack()-before) / float64(per)
	close(measured)
	return mem, wg.Wait
}

// collect closes the clients and returns their latencies together, and
// the errors of those that stopped early.
func collect(clients []*benchClient) (all []time.Duration, failed []error) {
	for _, c := range clients {
		if c.err != nil {
			failed = append(failed, c.err)
		}
		all = append(all, c.lat...)
		c.conn.Close()
	}
	return all, failed
}

// reportLatencies reports the median and 99th percentile of all, in ms.
func reportLatencies(b *testing.B, all []time.Duration) {
	if len(all) == 0 {
		b.Fatal("no client read an event")
	}
	slices.Sort(all)
	ms := func(q float64) float64 {
		return float64(all[int(math.Ceil(q*float64(len(all))))-1]) / float64(time.Millisecond)
	}
	b.ReportMetric(ms(0.50), "p50-ms")
	b.ReportMetric(ms(0.99), "p99-ms")
}

// read reads events until it has seen seq last, recording each one's
// latency.
func (c *benchClient) read(last uint64) {
	for {
		_, data, err := c.conn.ReadMessage()
		if err != nil {
			c.err = err
			return
		}
		now := time.Now().UnixNano()
		if !bytes.HasPrefix(data, []byte(`{"type":"event`)) {
			continue
		}
		// Every event in the frame begins {"seq":N.
		for rest := data; ; {
			i := bytes.Index(rest, []byte(`{"seq":`))
			if i < 0 {
				break
			}
			rest = rest[i+len(`{"seq":`):]
			j := bytes.IndexByte(rest, ',')
			seq, err := strconv.ParseUint(string(rest[:j]), 10, 64)
			if err != nil {
				c.err = err
				return
			}
			c.lat = append(c.lat, time.Duration(now-c.stamp[seq].Load()))
			if seq == last {
				return
			}
		}
	}
}

// heapAndStack returns the bytes of live heap and goroutine stacks after
// a GC.
func heapAndStack() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc + m.StackInuse
}

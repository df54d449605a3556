package web

import (
	"bytes"
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
	stamps := map[string][]atomic.Int64{}
	srv, err := New(Config{
		Catalog: testLessons(b), Static: testStatic,
		Logger:      slog.New(slog.NewTextHandler(io.Discard, nil)),
		MaxSessions: sessions, MaxViewers: viewers, ControlRate: 1000, ControlBurst: 1000,
		hold: func(sim.Kind) time.Duration { return benchEventGap },
		onPublish: func(session string, from, to uint64) {
			now := time.Now().UnixNano()
			st := stamps[session]
			for seq := from; seq <= to; seq++ {
				st[seq].Store(now)
			}
		},
	})
	if err != nil {
		b.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	defer srv.Shutdown(b.Context())
	wsURL := "ws" + strings.TrimPrefix(hs.URL, "http") + "/ws?session="

	// The timelines are built first and left out of the memory figure:
	// their size follows b.N, not the number of sessions or viewers.
	var tls []*timeline
	for range sessions {
		tls = append(tls, syntheticTimeline(events, len(benchEventText)))
	}
	before := heapAndStack()
	var ids []string
	for _, tl := range tls {
		sess, err := srv.openSession(tl)
		if err != nil {
			b.Fatal(err)
		}
		stamps[sess.id] = make([]atomic.Int64, events+1)
		ids = append(ids, sess.id)
	}
	if memUnit == "B/viewer" {
		before = heapAndStack() // the viewers' share only
	}

	// Connect every viewer and read its hello; then measure memory while
	// they are idle.
	dialer := websocket.Dialer{ReadBufferSize: 1024, WriteBufferSize: 256, WriteBufferPool: &sync.Pool{}}
	var clients []*benchClient
	for _, id := range ids {
		for range viewers {
			c, _, err := dialer.Dial(wsURL+id, nil)
			if err != nil {
				b.Fatalf("dial viewer %d: %v", len(clients), err)
			}
			if _, data, err := c.ReadMessage(); err != nil || !bytes.HasPrefix(data, []byte(`{"type":"hello"`)) {
				b.Fatalf("hello: %v %.40s", err, data)
			}
			clients = append(clients, &benchClient{conn: c, stamp: stamps[id], lat: make([]time.Duration, 0, events)})
		}
	}
	var wg sync.WaitGroup
	for _, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.read(uint64(events))
		}()
	}
	per := len(clients) // B/viewer
	if memUnit == "B/session" {
		per = sessions
	}
	mem := float64(heapAndStack()-before) / float64(per)

	b.ResetTimer()
	for i := range sessions {
		clients[i*viewers].conn.WriteMessage(websocket.TextMessage, []byte(`{"type":"play"}`))
	}
	wg.Wait()
	b.StopTimer()

	var all []time.Duration
	for _, c := range clients {
		if c.err != nil {
			b.Fatalf("client: %v", c.err)
		}
		all = append(all, c.lat...)
		c.conn.Close()
	}
	if len(all) != events*len(clients) {
		b.Fatalf("%d receipts, want %d", len(all), events*len(clients))
	}
	slices.Sort(all)
	ms := func(q float64) float64 {
		return float64(all[int(math.Ceil(q*float64(len(all))))-1]) / float64(time.Millisecond)
	}
	b.ReportMetric(mem, memUnit) // after ResetTimer, which clears metrics
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

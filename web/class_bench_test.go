package web

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"math"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"portville/sim"
)

// classBenchEventGap is the pacing of the classroom benchmark: 20 events
// a second.
const classBenchEventGap = 50 * time.Millisecond

// BenchmarkClass2000Followers is one class with 2,000 followers at 20
// events a second: a lecture hall whose students follow the projector on
// their own devices. As in bench_test.go, the real server and real
// websocket clients run in one process; b.N is the number of events the
// class plays. It reports:
//
//   - p50-ms, p99-ms: from the moment the hub publishes an event to the
//     moment a follower has read it, over every (follower, event);
//   - dropped: followers the server dropped (a follower that is dropped
//     stops reading and counts here, not in the latencies);
//   - B/follower: heap and stacks per connected idle follower after a GC,
//     the client's side of each connection included (a gorilla client
//     and a reader goroutine); its latency records are left out.
func BenchmarkClass2000Followers(b *testing.B) { benchClass(b, 2000) }

func benchClass(b *testing.B, followers int) {
	events := b.N
	stamps := make([]atomic.Int64, events+1)
	srv, err := New(Config{
		Catalog: testLessons(b), Static: testStatic,
		Logger:      slog.New(slog.NewTextHandler(io.Discard, nil)),
		MaxSessions: 1, MaxViewers: followers + 1, MaxFollowers: followers,
		ControlRate: 1000, ControlBurst: 1000,
		hold: func(sim.Kind) time.Duration { return classBenchEventGap },
		onPublish: func(_ string, from, to uint64) {
			now := time.Now().UnixNano()
			for seq := from; seq <= to; seq++ {
				stamps[seq].Store(now)
			}
		},
	})
	if err != nil {
		b.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	defer srv.Shutdown(b.Context())
	wsURL := "ws" + strings.TrimPrefix(hs.URL, "http") + "/ws?"

	// The presenter starts the class on a synthetic timeline.
	sess, err := srv.openSession(syntheticTimeline(events, len(benchEventText)))
	if err != nil {
		b.Fatal(err)
	}
	dialer := websocket.Dialer{ReadBufferSize: 1024, WriteBufferSize: 256, WriteBufferPool: &sync.Pool{}}
	presenter, _, err := dialer.Dial(wsURL+"session="+sess.id, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer presenter.Close()
	var class ClassInfo
	presenter.ReadMessage() // hello
	presenter.WriteMessage(websocket.TextMessage, []byte(`{"type":"class.start"}`))
	if _, data, err := presenter.ReadMessage(); err != nil || json.Unmarshal(data, &class) != nil || class.Code == "" {
		b.Fatalf("class: %v %.80s", err, data)
	}
	go func() { // the presenter's class.stats and events
		for {
			if _, _, err := presenter.ReadMessage(); err != nil {
				return
			}
		}
	}()

	// Every follower joins and reads its hello; then memory is measured
	// while they are idle.
	before := heapAndStack()
	clients := make([]*benchClient, 0, followers)
	for range followers {
		c, _, err := dialer.Dial(wsURL+"class="+class.Code, nil)
		if err != nil {
			b.Fatalf("dial follower %d: %v", len(clients), err)
		}
		if _, data, err := c.ReadMessage(); err != nil || !bytes.HasPrefix(data, []byte(`{"type":"hello"`)) {
			b.Fatalf("hello: %v %.40s", err, data)
		}
		clients = append(clients, &benchClient{conn: c, stamp: stamps})
	}
	// The readers make their latency records, which are the benchmark's
	// and not the server's, once the memory has been measured.
	var wg sync.WaitGroup
	measured := make(chan struct{})
	for _, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-measured
			c.lat = make([]time.Duration, 0, events)
			c.read(uint64(events))
		}()
	}
	mem := float64(heapAndStack()-before) / float64(followers)
	close(measured)

	b.ResetTimer()
	presenter.WriteMessage(websocket.TextMessage, []byte(`{"type":"play"}`))
	wg.Wait()
	b.StopTimer()

	var all []time.Duration
	dropped := 0
	for _, c := range clients {
		if c.err != nil {
			dropped++
		}
		all = append(all, c.lat...)
		c.conn.Close()
	}
	if len(all) == 0 {
		b.Fatal("no follower read an event")
	}
	slices.Sort(all)
	ms := func(q float64) float64 {
		return float64(all[int(math.Ceil(q*float64(len(all))))-1]) / float64(time.Millisecond)
	}
	b.ReportMetric(mem, "B/follower") // after ResetTimer, which clears metrics
	b.ReportMetric(float64(dropped), "dropped")
	b.ReportMetric(ms(0.50), "p50-ms")
	b.ReportMetric(ms(0.99), "p99-ms")
}

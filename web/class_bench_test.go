package web

import (
	"encoding/json"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
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
	srv, wsURL := benchServer(b, Config{MaxSessions: 1, MaxViewers: followers + 1, MaxFollowers: followers},
		classBenchEventGap, func(string) []atomic.Int64 { return stamps })

	// The presenter starts the class on a synthetic timeline.
	sess, err := srv.openSession(syntheticTimeline(events, len(benchEventText)))
	if err != nil {
		b.Fatal(err)
	}
	presenter := dialClients(b, wsURL+"session="+sess.id, 1, stamps)[0].conn
	defer presenter.Close()
	var class ClassInfo
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
	clients := dialClients(b, wsURL+"class="+class.Code, followers, stamps)
	mem, wait := startReaders(clients, events, before, followers)

	b.ResetTimer()
	presenter.WriteMessage(websocket.TextMessage, []byte(`{"type":"play"}`))
	wait()
	b.StopTimer()

	all, failed := collect(clients)
	b.ReportMetric(mem, "B/follower") // after ResetTimer, which clears metrics
	b.ReportMetric(float64(len(failed)), "dropped")
	reportLatencies(b, all)
}

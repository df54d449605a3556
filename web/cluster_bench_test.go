package web

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gorilla/websocket"

	"portville/sim/scenario"
	"portville/web/wire"
)

// BenchmarkClusterClass3000 is one class of 3,000 followers split evenly
// over three instances that share it through one NATS server, at 20
// events a second (docs/benchmarks.md, "Several instances"). The
// presenter is on the first instance; b.N is the number of events the
// class plays. The NATS server is embedded in the benchmark's process
// unless PORTVILLE_BENCH_NATS names one (nats://127.0.0.1:4222, for a
// nats-server of its own). It reports, besides what
// BenchmarkClass2000Followers reports:
//
//   - nats-in/event, nats-out/event: messages the NATS connections of
//     the three instances published and received, per event played
//     (moves, record writes, counts, and the key-value watch);
//   - the latency is from the moment the owner's hub publishes an event
//     to the moment a follower on any instance has read it.
func BenchmarkClusterClass3000(b *testing.B) { benchClusterClass(b, 3, 3000) }

// BenchmarkClassOneInstance3000 is the same class on one instance,
// without NATS: the comparison.
func BenchmarkClassOneInstance3000(b *testing.B) { benchClusterClass(b, 1, 3000) }

// benchScenario returns a scenario of at least n events after its start:
// browsers on a laptop that each connect to a web server.
func benchScenario(b *testing.B, n int) (string, uint64) {
	for k := n/8 + 4; ; k *= 2 {
		var s strings.Builder
		s.WriteString("title: Many browsers\nseed: 7\nhosts:\n")
		s.WriteString("  - {name: laptop, addr: 10.0.0.10, programs: [{name: firefox, path: /usr/bin/firefox}]}\n")
		s.WriteString("  - {name: web, addr: 10.0.0.20, programs: [{name: nginx, path: /usr/sbin/nginx, server: {listen: [tcp/80], protocol: http}}]}\n")
		s.WriteString("steps:\n  - {start: nginx, on: web, say: The server starts.}\n")
		for i := range k {
			fmt.Fprintf(&s, "  - {start: firefox, on: laptop, as: t%d, say: A browser starts.}\n", i)
			fmt.Fprintf(&s, "  - {connect: t%d.web, to: \"web:80\", say: It connects.}\n", i)
		}
		sc, err := scenario.Parse("bench", []byte(s.String()))
		if err != nil {
			b.Fatal(err)
		}
		tl, err := buildTimeline("", sc, scenario.Options{}, 0)
		if err != nil {
			b.Fatal(err)
		}
		if tl.Total()-tl.Info.Start >= uint64(n) {
			return s.String(), tl.Total()
		}
	}
}

func benchClusterClass(b *testing.B, instances, followers int) {
	events := b.N
	text, total := benchScenario(b, events)
	stamps := make([]atomic.Int64, total+1)
	scratch := make([]atomic.Int64, total+1) // the mirrors' publishes: not the latency's start
	var owner atomic.Value
	owner.Store("")
	stampsOf := func(sid string) []atomic.Int64 {
		if sid == owner.Load().(string) {
			return stamps
		}
		return scratch
	}
	natsURL := ""
	var embedded *natsServer
	if instances > 1 {
		if natsURL = os.Getenv("PORTVILLE_BENCH_NATS"); natsURL == "" {
			embedded = startNATS(b)
			natsURL = embedded.url()
		}
	}
	per := followers / instances
	var urls []string
	var srvs []*Server
	for range instances {
		srv, u := benchServer(b, Config{MaxViewers: per + 1, MaxFollowers: followers, NATS: natsURL}, classBenchEventGap, stampsOf)
		srvs, urls = append(srvs, srv), append(urls, u)
	}

	// The presenter loads the scenario and starts the class on the first
	// instance.
	presenter, _, err := websocket.DefaultDialer.Dial(urls[0]+"lesson=tiny", nil)
	if err != nil {
		b.Fatal(err)
	}
	defer presenter.Close()
	var hello Hello
	if _, data, err := presenter.ReadMessage(); err != nil || json.Unmarshal(data, &hello) != nil {
		b.Fatalf("hello: %v", err)
	}
	owner.Store(hello.Session)
	presenter.WriteJSON(map[string]any{"type": wire.TypeLoad, "scenario": text})
	var start uint64
	for start == 0 {
		_, data, err := presenter.ReadMessage()
		if err != nil {
			b.Fatal(err)
		}
		var m struct {
			Type string
			Seq  uint64
		}
		if json.Unmarshal(data, &m) == nil && m.Type == wire.TypeState {
			start = m.Seq
		}
	}
	var class ClassInfo
	presenter.WriteMessage(websocket.TextMessage, []byte(`{"type":"class.start"}`))
	for class.Code == "" {
		_, data, err := presenter.ReadMessage()
		if err != nil {
			b.Fatal(err)
		}
		if json.Unmarshal(data, &class) == nil && class.Type != wire.TypeClass {
			if class.Code = ""; strings.Contains(string(data), `"type":"error"`) {
				b.Fatalf("class.start: %s", data)
			}
		}
	}
	go func() { // the presenter's class.stats and events
		for {
			if _, _, err := presenter.ReadMessage(); err != nil {
				return
			}
		}
	}()

	before := heapAndStack()
	var clients []*benchClient
	for i := range instances {
		clients = append(clients, dialClients(b, urls[i]+"class="+class.Code, per, stamps)...)
	}
	mem, wait := startReaders(clients, int(start)+events, before, len(clients))
	in0, out0 := natsMsgs(srvs)

	b.ResetTimer()
	presenter.WriteMessage(websocket.TextMessage, []byte(`{"type":"play"}`))
	wait()
	b.StopTimer()

	in1, out1 := natsMsgs(srvs)
	all, failed := collect(clients)
	b.ReportMetric(mem, "B/follower")
	b.ReportMetric(float64(len(failed)), "dropped")
	if instances > 1 {
		b.ReportMetric(float64(in1-in0)/float64(events), "nats-in/event")
		b.ReportMetric(float64(out1-out0)/float64(events), "nats-out/event")
	}
	reportLatencies(b, all)
}

// natsMsgs returns the messages the servers' NATS connections have
// received and sent.
func natsMsgs(srvs []*Server) (in, out uint64) {
	for _, s := range srvs {
		if s.cluster != nil {
			st := s.cluster.bus.Stats()
			in, out = in+st.InMsgs, out+st.OutMsgs
		}
	}
	return in, out
}

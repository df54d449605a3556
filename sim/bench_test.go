package sim_test

import (
	"fmt"
	"io"
	"net/netip"
	"runtime"
	"testing"

	"portville/sim"
)

// connections runs n TCP connections (connect, request, reply, close) from
// ten client hosts to one web server, and returns how many events the
// world emitted. sink receives every event.
func connections(b *testing.B, n int, sink func(*sim.Event)) uint64 {
	w := sim.NewWorld(sim.Config{Seed: 1, MaxEvents: 1 << 30, MaxTime: 1 << 50, OnEvent: sink})
	srv, _ := w.AddHost(sim.HostSpec{Name: "web", Addrs: []netip.Addr{ip("10.0.0.2")}})
	srv.Install(sim.Program{Name: "nginx", Server: &sim.ServerSpec{Listen: []sim.Service{{sim.TCP, 80}}, Protocol: "http", ReuseAddr: true}})
	if _, err := srv.Start("nginx", sim.StartOptions{}); err != nil {
		b.Fatal(err)
	}
	var clients []*sim.Process
	for i := 0; i < 10; i++ {
		h, err := w.AddHost(sim.HostSpec{Name: fmt.Sprintf("c%d", i), Addrs: []netip.Addr{netip.AddrFrom4([4]byte{10, 0, 1, byte(i + 1)})}})
		if err != nil {
			b.Fatal(err)
		}
		h.Install(sim.Program{Name: "curl"})
		p, _ := h.Start("curl", sim.StartOptions{})
		clients = append(clients, p)
	}
	dst := ap("10.0.0.2:80")
	const batch = 50 // connections in flight at once
	fds := make([]int, 0, batch)
	owners := make([]*sim.Process, 0, batch)
	for done := 0; done < n; {
		fds, owners = fds[:0], owners[:0]
		for i := 0; i < batch && done < n; i, done = i+1, done+1 {
			p := clients[done%len(clients)]
			fd, err := p.Main().Socket(sim.TCP)
			if err != nil {
				b.Fatal(err)
			}
			p.Main().Connect(fd, dst)
			fds, owners = append(fds, fd), append(owners, p)
		}
		w.Settle()
		for i, p := range owners {
			p.Main().Send(fds[i], "GET / HTTP/1.1")
		}
		w.Settle()
		for i, p := range owners {
			p.Main().Close(fds[i])
		}
		w.Settle()
	}
	if err := w.Run(); err != nil {
		b.Fatal(err)
	}
	return w.Seq()
}

// BenchmarkConnections100k: 100,000 TCP connections (open, exchange,
// close), counting events without encoding them. Reports events/s and
// allocations per event. Target: 1,000,000 events/s on one core.
func BenchmarkConnections100k(b *testing.B) {
	benchConnections(b, 100_000, false)
}

// BenchmarkConnections100kJSONL: the same with every event encoded as a
// JSONL line (narration included) and written to io.Discard.
func BenchmarkConnections100kJSONL(b *testing.B) {
	benchConnections(b, 100_000, true)
}

func benchConnections(b *testing.B, n int, encode bool) {
	b.ReportAllocs()
	var events uint64
	buf := make([]byte, 0, 1024)
	sink := func(e *sim.Event) {}
	if encode {
		sink = func(e *sim.Event) {
			buf = e.AppendJSON(buf[:0])
			buf = append(buf, '\n')
			io.Discard.Write(buf)
		}
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		events += connections(b, n, sink)
	}
	b.StopTimer()
	runtime.ReadMemStats(&after)
	secs := b.Elapsed().Seconds()
	b.ReportMetric(float64(events)/secs, "events/s")
	b.ReportMetric(float64(events)/float64(b.N)/float64(n), "events/conn")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(events), "allocs/event")
}

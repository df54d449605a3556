package sim_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"

	"portville/sim"
)

// program drives a world with a byte string: each byte picks an operation
// and its arguments from the entities that exist. Any byte string is a
// valid program, so the fuzzer can explore freely.
type program struct {
	data []byte
	pos  int
}

func (p *program) next() int {
	if p.pos >= len(p.data) {
		return -1
	}
	b := int(p.data[p.pos])
	p.pos++
	return b
}

func (p *program) pick(n int) int {
	b := p.next()
	if b < 0 || n <= 0 {
		return 0
	}
	return b % n
}

var propHosts = []struct {
	name, addr string
	os         *sim.Profile
	lo, hi     uint16
}{
	{"alpha", "10.0.0.1", sim.Linux, 40000, 40011},
	{"beta", "10.0.0.2", sim.Windows, 0, 0},
	{"gamma", "10.0.0.3", sim.MacOS, 50000, 50007},
	{"delta", "10.0.0.4", sim.FreeBSD, 0, 0},
}

var propPorts = []uint16{0, 0, 80, 80, 80, 21, 21, 69, 7000, 8080, 40001, 50003}
var propAddrs = []string{"0.0.0.0", "127.0.0.1", "10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.1", "10.0.0.2", "10.0.0.9"}

// runProgram executes data against a fresh world and checks every
// invariant. It returns the events for further checks.
func runProgram(t testing.TB, seed uint64, data []byte) []sim.Event {
	return runProgramN(t, seed, data, 200_000)
}

func runProgramN(t testing.TB, seed uint64, data []byte, maxEvents int) (events []sim.Event) {
	w := sim.NewWorld(sim.Config{Seed: seed, MaxEvents: maxEvents, OnEvent: func(e *sim.Event) { events = append(events, *e) }})
	var hosts []*sim.Host
	for _, hs := range propHosts {
		h, err := w.AddHost(sim.HostSpec{Name: hs.name, Addrs: []netip.Addr{netip.MustParseAddr(hs.addr)}, OS: hs.os, RangeLo: hs.lo, RangeHi: hs.hi})
		if err != nil {
			t.Fatal(err)
		}
		h.Install(sim.Program{Name: "client", Client: "ftp"})
		h.Install(sim.Program{Name: "web", Server: &sim.ServerSpec{Listen: []sim.Service{{sim.TCP, 80}}, Protocol: "http", ReuseAddr: true}})
		h.Install(sim.Program{Name: "ftpd", Server: &sim.ServerSpec{Listen: []sim.Service{{sim.TCP, 21}}, Protocol: "ftp", CloseFirst: false, ReuseAddr: true}})
		h.Install(sim.Program{Name: "tftpd", Server: &sim.ServerSpec{Listen: []sim.Service{{sim.UDP, 69}}, Protocol: "tftp"}})
		hosts = append(hosts, h)
	}
	pr := &program{data: data}
	var procs []*sim.Process
	live := func() []*sim.Process {
		out := procs[:0:0]
		for _, p := range procs {
			if p.Alive() {
				out = append(out, p)
			}
		}
		return out
	}
	users := []string{"root", "alice", "bob"}
	for steps := 0; steps < 400; steps++ {
		op := pr.next()
		if op < 0 {
			break
		}
		ps := live()
		var p *sim.Process
		var th *sim.Thread
		var fd int
		if len(ps) > 0 {
			p = ps[pr.pick(len(ps))]
			ths := p.Threads()
			th = ths[pr.pick(len(ths))]
			fds := p.FDs()
			if len(fds) > 0 {
				fd = fds[pr.pick(len(fds))]
			} else {
				fd = 3 + pr.pick(3)
			}
		}
		addr := func() netip.AddrPort {
			return netip.AddrPortFrom(netip.MustParseAddr(propAddrs[pr.pick(len(propAddrs))]), propPorts[pr.pick(len(propPorts))])
		}
		switch op % 20 {
		case 0, 1:
			h := hosts[pr.pick(len(hosts))]
			prog := []string{"client", "client", "web", "ftpd", "tftpd"}[pr.pick(5)]
			if np, err := h.Start(prog, sim.StartOptions{User: users[pr.pick(3)]}); err == nil {
				procs = append(procs, np)
			}
		case 2:
			if th != nil {
				th.Socket([]sim.Proto{sim.TCP, sim.UDP}[pr.pick(2)])
			}
		case 3:
			if th != nil {
				th.Bind(fd, addr())
			}
		case 4:
			if th != nil {
				th.Listen(fd, pr.pick(4))
			}
		case 5, 6:
			if th != nil {
				a := addr()
				if a.Port() == 0 {
					a = netip.AddrPortFrom(a.Addr(), 80)
				}
				// Usually on a fresh socket, as programs do.
				if pr.pick(3) != 0 {
					fd, _ = th.Socket(sim.TCP)
				}
				th.Connect(fd, a)
			}
		case 7:
			if th != nil {
				th.Accept(fd, nil)
			}
		case 8:
			if th != nil {
				th.Send(fd, []string{"GET /", "PASV", "RETR notes.txt", "QUIT", "hello"}[pr.pick(5)])
			}
		case 9:
			if th != nil {
				th.SendTo(fd, addr(), []string{"RRQ notes.txt", "A? example.com", "DATA block 1: x"}[pr.pick(3)])
			}
		case 10, 11:
			if th != nil {
				th.Close(fd)
			}
		case 12:
			if p != nil && pr.pick(4) == 0 {
				p.Exit(pr.pick(3))
			}
		case 13:
			if p != nil {
				if c, err := p.Fork(); err == nil {
					procs = append(procs, c)
				}
			}
		case 14:
			if th != nil {
				th.SetOption(fd, []string{sim.SO_REUSEADDR, sim.SO_REUSEPORT}[pr.pick(2)], true)
			}
		case 15:
			if p != nil {
				p.StartThread("job")
			}
		case 16:
			if th != nil && (th != p.Main() || pr.pick(4) == 0) {
				th.Exit()
			}
		case 17:
			w.Settle()
		case 18:
			w.Advance(sim.Time(pr.pick(80)) * sim.Second)
		case 19:
			if p != nil && len(ps) > 1 {
				th.Pipe(ps[pr.pick(len(ps))], "note")
			}
		}
		// Let the network settle after most calls, as a scenario's steps
		// do, so that connections get established and carry data.
		if pr.pick(4) != 0 {
			w.Settle()
		}
		checkLive(t, seed, w)
		if w.Err() != nil {
			t.Fatalf("seed %d: world stopped: %v; the last events:\n%s", seed, w.Err(), tail(events, 30))
		}
	}
	// Everyone leaves; after every timer the world must be empty.
	for _, p := range live() {
		p.Exit(0)
	}
	if err := w.Run(); err != nil {
		t.Fatalf("seed %d: run: %v", seed, err)
	}
	snap := w.Snapshot()
	for _, h := range snap.Hosts {
		if len(h.Sockets) > 0 || len(h.Bindings) > 0 || len(h.Processes) > 0 {
			t.Fatalf("seed %d: after everyone exited, host %s still has sockets %+v bindings %+v processes %d", seed, h.Name, h.Sockets, h.Bindings, len(h.Processes))
		}
	}
	if len(snap.Packets) > 0 {
		t.Fatalf("seed %d: packets still in flight: %+v", seed, snap.Packets)
	}
	checkStream(t, seed, events)
	return events
}

// tail formats the last n events as text.
func tail(events []sim.Event, n int) string {
	var b []byte
	for i := max(0, len(events)-n); i < len(events); i++ {
		b = events[i].AppendText(b, false)
	}
	return string(b)
}

// checkLive checks the world's current state: no two sockets share a
// 4-tuple. (One listener per binding is checked over the stream, where the
// SO_REUSEPORT options are visible.)
func checkLive(t testing.TB, seed uint64, w *sim.World) {
	snap := w.Snapshot()
	for _, h := range snap.Hosts {
		tuples := map[string]int{}
		for _, s := range h.Sockets {
			if s.Remote != "" {
				k := s.Proto + " " + s.Local + " " + s.Remote
				if other, dup := tuples[k]; dup {
					t.Fatalf("seed %d: host %s: sockets %d and %d share %s", seed, h.Name, other, s.Sock, k)
				}
				tuples[k] = s.Sock
			}
		}
	}
}

// checkStream checks the invariants over the whole event stream.
func checkStream(t testing.TB, seed uint64, events []sim.Event) {
	type key struct {
		host  string
		proto sim.Proto
		port  uint16
		sock  int
	}
	ranges := map[string][2]uint16{}
	tw := map[string]sim.Time{}
	for _, hs := range propHosts {
		lo, hi := hs.lo, hs.hi
		if lo == 0 {
			lo, hi = hs.os.RangeLo, hs.os.RangeHi
		}
		ranges[hs.name] = [2]uint16{lo, hi}
		tw[hs.name] = hs.os.TimeWait
	}
	bound := map[key]int{}
	reuseport := map[int]bool{}
	listening := map[string][]int{} // host proto local -> listener socks
	twEnter := map[int]sim.Time{}
	rstAt := map[string]sim.Time{}
	var last sim.Time
	for i, e := range events {
		if e.Seq != uint64(i+1) {
			t.Fatalf("seed %d: event %d has seq %d", seed, i+1, e.Seq)
		}
		if e.T < last {
			t.Fatalf("seed %d: time goes back at seq %d", seed, e.Seq)
		}
		last = e.T
		text, analogy := sim.Narrate(&e)
		if strings.Contains(text, "{") || strings.Contains(analogy, "{") || text == string(e.Kind) {
			t.Fatalf("seed %d: seq %d %s: narration incomplete: %q / %q", seed, e.Seq, e.Kind, text, analogy)
		}
		var back sim.Event
		if err := json.Unmarshal(e.AppendJSON(nil), &back); err != nil {
			t.Fatalf("seed %d: seq %d: %v", seed, e.Seq, err)
		}
		k := key{e.Host, e.Proto, e.Port, e.Sock}
		switch e.Kind {
		case sim.KindPortAssign:
			r := ranges[e.Host]
			if e.Port < r[0] || e.Port > r[1] {
				t.Fatalf("seed %d: seq %d: ephemeral port %d outside %s's range %d-%d", seed, e.Seq, e.Port, e.Host, r[0], r[1])
			}
			bound[k]++
		case sim.KindSocketBind:
			if !*e.Ephemeral {
				bound[k]++
			}
		case sim.KindPortRelease:
			if bound[k] != 1 {
				t.Fatalf("seed %d: seq %d: port.release of %s %s/%d sock %d, but it was bound %d times", seed, e.Seq, e.Host, e.Proto, e.Port, e.Sock, bound[k])
			}
			bound[k]--
		case sim.KindSocketOption:
			if e.Option == sim.SO_REUSEPORT {
				reuseport[e.Sock] = true
			}
		case sim.KindSocketListen:
			lk := e.Host + " " + e.Local.String()
			for _, other := range listening[lk] {
				if !reuseport[other] || !reuseport[e.Sock] {
					t.Fatalf("seed %d: seq %d: socket %d listens on %s beside %d without SO_REUSEPORT on both", seed, e.Seq, e.Sock, lk, other)
				}
			}
			listening[lk] = append(listening[lk], e.Sock)
		case sim.KindSocketState:
			if e.From == "LISTEN" && e.To == "CLOSED" {
				lk := e.Host + " " + e.Local.String()
				l := listening[lk]
				for j, s := range l {
					if s == e.Sock {
						listening[lk] = append(l[:j:j], l[j+1:]...)
						break
					}
				}
			}
			if e.To == "TIME_WAIT" {
				twEnter[e.Sock] = e.T
				if e.Until-e.T != tw[e.Host] {
					t.Fatalf("seed %d: seq %d: TIME_WAIT of %s on %s, want %s", seed, e.Seq, e.Until-e.T, e.Host, tw[e.Host])
				}
			}
			if e.From == "TIME_WAIT" {
				if d := e.T - twEnter[e.Sock]; d != tw[e.Host] && rstAt[fmt.Sprint(e.Sock)] != e.T {
					t.Fatalf("seed %d: seq %d: socket %d left TIME_WAIT after %s, want %s", seed, e.Seq, e.Sock, d, tw[e.Host])
				}
			}
		case sim.KindPacketDeliver:
			if e.Flags&sim.RST != 0 {
				rstAt[fmt.Sprint(e.Sock)] = e.T
			}
		}
	}
	for k, n := range bound {
		if n != 0 {
			t.Fatalf("seed %d: %s %s/%d (sock %d) was bound but never released", seed, k.host, k.proto, k.port, k.sock)
		}
	}
}

// TestWorldProperties runs many random programs. Each failure message
// carries the seed; rerun one with -run TestWorldProperties/seed=N.
func TestWorldProperties(t *testing.T) {
	t.Parallel()
	n := 300
	if testing.Short() {
		n = 30
	}
	for seed := uint64(1); seed <= uint64(n); seed++ {
		rng := rand.New(rand.NewPCG(seed, 99))
		data := make([]byte, 50+rng.IntN(350))
		for i := range data {
			data[i] = byte(rng.Uint32())
		}
		runProgram(t, seed, data)
	}
}

// FuzzWorld lets the fuzzer search for call sequences that panic or break
// an invariant.
func FuzzWorld(f *testing.F) {
	f.Add(uint64(1), []byte{0, 2, 5, 17, 10, 17, 18, 60})
	f.Add(uint64(2), []byte{1, 1, 0, 0, 3, 4, 7, 5, 5, 17, 8, 17, 10, 12})
	f.Add(uint64(3), []byte{0, 3, 0, 1, 2, 9, 17, 13, 10, 12, 17, 18, 70})
	f.Fuzz(func(t *testing.T, seed uint64, data []byte) {
		if len(data) > 2000 {
			return
		}
		runProgram(t, seed, data)
	})
}

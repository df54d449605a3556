package live

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	"portville/sim"
)

func ap(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }

// machine is a look at a made-up machine: 10.0.0.5 with the range
// 32768-60999, sshd and a browser.
func machine(socks ...Socket) *Machine {
	return &Machine{
		Name: "laptop", Addrs: []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("10.0.0.5")}, OS: "linux",
		Range: [2]uint16{32768, 60999}, Sockets: socks,
		Procs: map[int]Proc{
			100: {PID: 100, PPID: 1, Name: "sshd", User: "root", Threads: 1},
			200: {PID: 200, PPID: 1, Name: "firefox", User: "ada", Threads: 40},
		},
	}
}

var (
	sshd     = Socket{Proto: sim.TCP, Local: ap("0.0.0.0:22"), State: "LISTEN", PID: 100, FD: 3}
	visitor  = Socket{Proto: sim.TCP, Local: ap("10.0.0.5:22"), Remote: ap("10.0.0.9:51000"), State: "ESTABLISHED", PID: 100, FD: 4}
	browsing = Socket{Proto: sim.TCP, Local: ap("10.0.0.5:41000"), Remote: ap("93.184.215.14:443"), State: "ESTABLISHED", PID: 200, FD: 50}
	dns      = Socket{Proto: sim.UDP, Local: ap("10.0.0.5:53001"), Remote: ap("1.1.1.1:53"), State: "ESTABLISHED", PID: 200, FD: 51}
)

func kinds(evs []Event) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.Kind)
	}
	return out
}

// TestTownEvents: a look turns into the events of the view's reducer: the
// machine's building, its processes, a listener (open, bind, listen), a
// connection it accepted (made by the listener, then accepted), a
// connection it made from an ephemeral port, and a building across the
// street per address; a connection that closes waits in TIME_WAIT held by
// the kernel and then leaves, with its port and the building at its other
// end.
func TestTownEvents(t *testing.T) {
	t.Parallel()
	town := NewTown()
	evs := town.Update(machine(sshd, visitor, browsing), 0)
	want := []string{"host.up", "host.up", "host.up", "program.install", "process.start", "program.install", "process.start",
		"socket.open", "socket.bind", "socket.listen", // sshd's listener
		"socket.state", "socket.state", "socket.accept", // the visitor's connection: made by the listener, accepted
		"socket.open", "port.assign", "socket.connect", "socket.state", // firefox's connection
		"socket.bind", "socket.bind"} // the apartments across the street: 10.0.0.9:51000, 93.184.215.14:443
	if got := kinds(evs); !slices.Equal(got, want) {
		t.Fatalf("first look:\n got %v\nwant %v", got, want)
	}
	for i, e := range evs {
		if e.Seq != uint64(i+1) || e.Text == "" || e.Analogy == "" {
			t.Errorf("event %d: seq %d, text %q, analogy %q", i, e.Seq, e.Text, e.Analogy)
		}
	}
	if e := evs[14]; e.Port != 41000 || e.Ephemeral == nil || !*e.Ephemeral || e.Local != "10.0.0.5:41000" {
		t.Errorf("firefox's port: %+v, want ephemeral 41000", e)
	}
	if e := evs[10]; e.From != "LISTEN" || e.To != "SYN_RECV" || e.Parent != evs[7].Sock {
		t.Errorf("the accepted connection: %+v, want LISTEN -> SYN_RECV under the listener %d", e, evs[7].Sock)
	}

	// The same look again: nothing happened.
	if evs := town.Update(machine(sshd, visitor, browsing), sim.Second); len(evs) != 0 {
		t.Errorf("an unchanged machine gave %v", kinds(evs))
	}

	// firefox closes first: its side waits in TIME_WAIT, held by the
	// kernel; a UDP query goes out; firefox runs another thread.
	m := machine(sshd, visitor, dns)
	tw := browsing
	tw.State, tw.PID, tw.FD = "TIME_WAIT", 0, 0
	m.Sockets = append(m.Sockets, tw)
	ff := m.Procs[200]
	ff.Threads = 41
	m.Procs[200] = ff
	evs = town.Update(m, 2*sim.Second)
	want = []string{"host.up", "process.threads", "socket.close", "socket.state", "socket.open", "port.assign", "socket.connect", "socket.bind"}
	if got := kinds(evs); !slices.Equal(got, want) {
		t.Fatalf("TIME_WAIT:\n got %v\nwant %v", got, want)
	}
	if e := evs[3]; e.To != "TIME_WAIT" || e.Until != 2*sim.Second+60*sim.Second {
		t.Errorf("TIME_WAIT: %+v, want until 62 s (Linux's 60 s)", e)
	}

	// TIME_WAIT ends, the DNS answer came, the visitor leaves: the ports
	// go, the buildings across the street with them, and firefox holds no
	// socket any more.
	evs = town.Update(machine(sshd), 63*sim.Second)
	want = []string{"socket.close", "socket.state", "socket.state", "port.release", "socket.close", "port.release",
		"port.release", "port.release", "port.release", "host.down", "host.down", "host.down", "process.exit"}
	if got := kinds(evs); !slices.Equal(got, want) {
		t.Fatalf("leaving:\n got %v\nwant %v", got, want)
	}
	snap := town.Snapshot()
	if len(snap.Hosts) != 1 || len(snap.Hosts[0].Sockets) != 1 || len(snap.Hosts[0].Bindings) != 1 || len(snap.Hosts[0].Processes) != 1 {
		t.Errorf("at the end: %+v, want the machine with sshd's listener only", snap.Hosts)
	}
}

// TestTownBounds: at most maxRemotes buildings across the street; the
// connections to other addresses count in RemoteMore.
func TestTownBounds(t *testing.T) {
	t.Parallel()
	var socks []Socket
	for i := range maxRemotes + 3 {
		socks = append(socks, Socket{Proto: sim.TCP, Local: netip.AddrPortFrom(netip.MustParseAddr("10.0.0.5"), uint16(40000+i)),
			Remote: netip.AddrPortFrom(netip.AddrFrom4([4]byte{198, 51, 100, byte(i + 1)}), 443), State: "ESTABLISHED", PID: 200, FD: 10 + i})
	}
	town := NewTown()
	town.Update(machine(socks...), 0)
	if n := len(town.Snapshot().Hosts); n != 1+maxRemotes || town.RemoteMore != 3 {
		t.Errorf("%d buildings, %d addresses left out; want %d and 3", n, town.RemoteMore, 1+maxRemotes)
	}
}

// TestTownWords: the captions name processes, ports and services.
func TestTownWords(t *testing.T) {
	t.Parallel()
	town := NewTown()
	evs := town.Update(machine(sshd), 0)
	var listen Event
	for _, e := range evs {
		if e.Kind == "socket.listen" {
			listen = e
		}
	}
	if !strings.Contains(listen.Text, "sshd (PID 100) listens on tcp 0.0.0.0:22 (ssh)") || !strings.Contains(listen.Analogy, "apartment 22") {
		t.Errorf("listen: %q / %q", listen.Text, listen.Analogy)
	}
}

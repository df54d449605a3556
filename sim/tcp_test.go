package sim_test

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"portville/sim"
)

// states returns "FROM>TO" for every socket.state event of a host.
func (r *rig) states(host string) []string {
	var out []string
	for _, e := range r.kinds(sim.KindSocketState) {
		if e.Host == host {
			out = append(out, e.From+">"+e.To)
		}
	}
	return out
}

func (r *rig) flags() []string {
	var out []string
	for _, e := range r.kinds(sim.KindPacketSend) {
		out = append(out, e.Host+":"+e.Flags.String())
	}
	return out
}

// TestHandshakeAndClose follows one connection through the real state
// machine: three-way handshake, data, the client closing first (FIN_WAIT_1,
// FIN_WAIT_2, TIME_WAIT) and the server passively (CLOSE_WAIT, LAST_ACK).
func TestHandshakeAndClose(t *testing.T) {
	t.Parallel()
	r := newRig(t, 1)
	cli := r.host("cli", "10.0.0.1", nil)
	srv := r.host("srv", "10.0.0.2", nil)
	r.server(srv, "httpd", "http", sim.Service{Proto: sim.TCP, Port: 80})
	c := r.start(cli, "client", "")
	fd, err := r.connect(c, "10.0.0.2:80")
	if err != nil {
		t.Fatal(err)
	}
	c.Main().Send(fd, "GET / HTTP/1.1")
	r.settle()
	c.Main().Close(fd)
	r.settle()
	wantCli := []string{"SYN_SENT>ESTABLISHED", "ESTABLISHED>FIN_WAIT_1", "FIN_WAIT_1>FIN_WAIT_2", "FIN_WAIT_2>TIME_WAIT"}
	wantSrv := []string{"LISTEN>SYN_RECV", "SYN_RECV>ESTABLISHED", "ESTABLISHED>CLOSE_WAIT", "CLOSE_WAIT>LAST_ACK", "LAST_ACK>CLOSED"}
	if got := r.states("cli"); !slices.Equal(got, wantCli) {
		t.Errorf("client states %v, want %v", got, wantCli)
	}
	if got := r.states("srv"); !slices.Equal(got, wantSrv) {
		t.Errorf("server states %v, want %v", got, wantSrv)
	}
	wantFlags := []string{
		"cli:SYN", "srv:SYN/ACK", "cli:ACK", // handshake
		"cli:PSH/ACK", "srv:PSH/ACK", "cli:ACK", // request, reply, delayed ACK
		"cli:FIN/ACK", "srv:ACK", "srv:FIN/ACK", "cli:ACK", // teardown
	}
	if got := r.flags(); !slices.Equal(got, wantFlags) {
		t.Errorf("segments %v, want %v", got, wantFlags)
	}
	// TIME_WAIT lasts exactly the profile's 60 s, then the port is free.
	tw := r.kinds(sim.KindSocketState)
	var enter sim.Event
	for _, e := range tw {
		if e.To == "TIME_WAIT" {
			enter = e
		}
	}
	if enter.Until != enter.T+60*sim.Second {
		t.Errorf("TIME_WAIT until %s, want %s", enter.Until, enter.T+60*sim.Second)
	}
	r.w.Run()
	rel := r.kinds(sim.KindPortRelease)
	if len(rel) != 1 || rel[0].Host != "cli" || rel[0].T != enter.T+60*sim.Second || rel[0].Port != enter.Local.Port() {
		t.Errorf("port.release %+v, want one for cli port %d at %s", rel, enter.Local.Port(), enter.T+60*sim.Second)
	}
}

// TestTimeWaitLengths: each OS keeps TIME_WAIT for its own length.
func TestTimeWaitLengths(t *testing.T) {
	t.Parallel()
	tests := []struct {
		os   *sim.Profile
		want sim.Time
	}{{sim.Linux, 60 * sim.Second}, {sim.Windows, 120 * sim.Second}, {sim.MacOS, 30 * sim.Second}, {sim.FreeBSD, 60 * sim.Second}}
	for _, tc := range tests {
		r := newRig(t, 1)
		cli := r.host("cli", "10.0.0.1", tc.os)
		srv := r.host("srv", "10.0.0.2", sim.Linux)
		r.server(srv, "httpd", "http", sim.Service{Proto: sim.TCP, Port: 80})
		c := r.start(cli, "client", "")
		fd, _ := r.connect(c, "10.0.0.2:80")
		c.Main().Close(fd)
		r.w.Run()
		var enter, leave sim.Time = -1, -1
		for _, e := range r.kinds(sim.KindSocketState) {
			if e.Host == "cli" && e.To == "TIME_WAIT" {
				enter = e.T
			}
			if e.Host == "cli" && e.From == "TIME_WAIT" && e.To == "CLOSED" {
				leave = e.T
			}
		}
		if enter < 0 || leave-enter != tc.want {
			t.Errorf("%s: TIME_WAIT from %s to %s, want %s long", tc.os.Name, enter, leave, tc.want)
		}
	}
}

// TestServerClosesFirst: the server that closes first holds TIME_WAIT on
// its own port's connection; the listener is unaffected.
func TestServerClosesFirst(t *testing.T) {
	t.Parallel()
	r := newRig(t, 1)
	cli := r.host("cli", "10.0.0.1", nil)
	srv := r.host("srv", "10.0.0.2", nil)
	srv.Install(sim.Program{Name: "httpd", Server: &sim.ServerSpec{Listen: []sim.Service{{sim.TCP, 80}}, Protocol: "http", CloseFirst: true, ReuseAddr: true}})
	srv.Start("httpd", sim.StartOptions{})
	r.settle()
	c := r.start(cli, "client", "")
	fd, _ := r.connect(c, "10.0.0.2:80")
	c.Main().Send(fd, "GET / HTTP/1.0")
	r.settle()
	if got := r.states("srv"); slices.Contains(got, "FIN_WAIT_2>TIME_WAIT") || !slices.Contains(got, "FIN_WAIT_1>FIN_WAIT_2") {
		t.Errorf("server states %v: want FIN_WAIT_2 until the client closes too", got)
	}
	c.Main().Close(fd)
	r.settle()
	if got := r.states("srv"); !slices.Contains(got, "FIN_WAIT_2>TIME_WAIT") {
		t.Errorf("server states %v: want its connection to end in TIME_WAIT", got)
	}
	if got := r.states("cli"); !slices.Contains(got, "ESTABLISHED>CLOSE_WAIT") || !slices.Contains(got, "LAST_ACK>CLOSED") {
		t.Errorf("client states %v: want CLOSE_WAIT then LAST_ACK (passive close)", got)
	}
	snap := r.w.Snapshot()
	var listening bool
	for _, s := range snap.Hosts[1].Sockets {
		if s.State == "LISTEN" && s.Local == "0.0.0.0:80" {
			listening = true
		}
	}
	if !listening {
		t.Errorf("server sockets %+v: the listener on 0.0.0.0:80 should still be there", snap.Hosts[1].Sockets)
	}
}

// TestAcceptKeepsServerPort: every accepted socket has the listener's port;
// connections differ by the client's address and port (DOMAIN.md 5).
func TestAcceptKeepsServerPort(t *testing.T) {
	t.Parallel()
	r := newRig(t, 8)
	a := r.host("a", "10.0.0.1", nil)
	b := r.host("b", "10.0.0.3", nil)
	srv := r.host("srv", "10.0.0.2", nil)
	r.server(srv, "httpd", "http", sim.Service{Proto: sim.TCP, Port: 80})
	for _, h := range []*sim.Host{a, a, b} {
		c := r.start(h, "client", "")
		if _, err := r.connect(c, "10.0.0.2:80"); err != nil {
			t.Fatal(err)
		}
	}
	acc := r.kinds(sim.KindSocketAccept)
	if len(acc) != 3 {
		t.Fatalf("%d accepts, want 3", len(acc))
	}
	peers := map[string]bool{}
	for _, e := range acc {
		if e.Local.Port() != 80 || e.Local.Addr() != ip("10.0.0.2") {
			t.Errorf("accepted socket local %s, want 10.0.0.2:80", e.Local)
		}
		peers[e.Remote.String()] = true
	}
	if len(peers) != 3 {
		t.Errorf("peers %v: want three different client endpoints", peers)
	}
	// Later segments match the connection, not the listener.
	for _, e := range r.kinds(sim.KindPacketDeliver) {
		if e.Host == "srv" && e.Flags&sim.SYN == 0 && e.Match != "established" {
			t.Errorf("segment %s -> %s matched %q, want established", e.Src, e.Dst, e.Match)
		}
	}
}

// TestCallErrors: misuse of the API gives the real errno and an error
// event, never a panic.
func TestCallErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		do   func(r *rig, p *sim.Process) error
		want sim.Errno
	}{
		{"connect to a port nobody listens on", func(r *rig, p *sim.Process) error {
			_, err := r.connect(p, "10.0.0.2:81")
			if err != nil {
				return err
			}
			return errFromEvents(r, "connect")
		}, sim.ECONNREFUSED},
		{"connect to an address nobody has", func(r *rig, p *sim.Process) error {
			r.connect(p, "10.0.0.99:80")
			r.w.Run()
			return errFromEvents(r, "connect")
		}, sim.EHOSTUNREACH},
		{"listen on a UDP socket", func(r *rig, p *sim.Process) error {
			fd, _ := p.Main().Socket(sim.UDP)
			return p.Main().Listen(fd, 1)
		}, sim.EOPNOTSUPP},
		{"send on a TCP socket never connected", func(r *rig, p *sim.Process) error {
			fd, _ := p.Main().Socket(sim.TCP)
			return p.Main().Send(fd, "x")
		}, sim.EPIPE},
		{"send on an unconnected UDP socket", func(r *rig, p *sim.Process) error {
			fd, _ := p.Main().Socket(sim.UDP)
			return p.Main().Send(fd, "x")
		}, sim.EDESTADDRREQ},
		{"a UDP datagram larger than IPv4 carries", func(r *rig, p *sim.Process) error {
			fd, _ := p.Main().Socket(sim.UDP)
			if err := p.Main().SendTo(fd, ap("10.0.0.2:9"), strings.Repeat("x", 65507)); err != nil {
				return fmt.Errorf("65,507 bytes fit in one datagram: %w", err)
			}
			return p.Main().SendTo(fd, ap("10.0.0.2:9"), strings.Repeat("x", 65508))
		}, sim.EMSGSIZE},
		{"accept on a socket that does not listen", func(r *rig, p *sim.Process) error {
			fd, _ := p.Main().Socket(sim.TCP)
			return p.Main().Accept(fd, nil)
		}, sim.EINVAL},
		{"bind twice", func(r *rig, p *sim.Process) error {
			fd, _ := p.Main().Socket(sim.TCP)
			p.Main().Bind(fd, ap("0.0.0.0:0"))
			return p.Main().Bind(fd, ap("0.0.0.0:0"))
		}, sim.EINVAL},
		{"connect while connecting", func(r *rig, p *sim.Process) error {
			fd, _ := p.Main().Socket(sim.TCP)
			p.Main().Connect(fd, ap("10.0.0.2:80"))
			return p.Main().Connect(fd, ap("10.0.0.2:80"))
		}, sim.EALREADY},
		{"connect when connected", func(r *rig, p *sim.Process) error {
			fd, _ := r.connect(p, "10.0.0.2:80")
			return p.Main().Connect(fd, ap("10.0.0.2:80"))
		}, sim.EISCONN},
		{"a descriptor that is not open", func(r *rig, p *sim.Process) error {
			return p.Main().Close(42)
		}, sim.EBADF},
		{"an unknown socket option", func(r *rig, p *sim.Process) error {
			fd, _ := p.Main().Socket(sim.TCP)
			return p.Main().SetOption(fd, "SO_LINGER", true)
		}, sim.EINVAL},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, 1)
			cli := r.host("cli", "10.0.0.1", nil)
			srv := r.host("srv", "10.0.0.2", nil)
			r.server(srv, "httpd", "http", sim.Service{Proto: sim.TCP, Port: 80})
			p := r.start(cli, "client", "")
			err := tc.do(r, p)
			if got := errnoOf(err); got != tc.want {
				t.Errorf("got %v, want %s", err, tc.want)
			}
			if r.lastErrno() != tc.want {
				t.Errorf("last error event %q, want %q", r.lastErrno(), tc.want)
			}
		})
	}
}

func errFromEvents(r *rig, call string) error {
	for _, e := range r.kinds(sim.KindError) {
		if e.Call == call {
			return &sim.CallError{Call: call, Errno: e.Errno}
		}
	}
	return nil
}

// TestRefusedReleasesPort: a refused connect gives its ephemeral port back
// at once; the socket stays open (CLOSED) until the program closes it.
func TestRefusedReleasesPort(t *testing.T) {
	t.Parallel()
	r := newRig(t, 1)
	cli := r.host("cli", "10.0.0.1", nil)
	r.host("srv", "10.0.0.2", nil)
	c := r.start(cli, "client", "")
	fd, _ := r.connect(c, "10.0.0.2:9")
	assign := r.kinds(sim.KindPortAssign)
	rel := r.kinds(sim.KindPortRelease)
	if len(assign) != 1 || len(rel) != 1 || assign[0].Port != rel[0].Port {
		t.Fatalf("assign %v release %v: want the same port assigned and released", assign, rel)
	}
	if s := c.Socket(fd); s == nil || s.State() != sim.StateClosed || s.Local().IsValid() {
		t.Errorf("socket after refusal: %+v, want an open descriptor in CLOSED with no port", s)
	}
	snap := r.w.Snapshot()
	if got := snap.Hosts[0].Sockets; len(got) != 1 || got[0].State != "CLOSED" || got[0].Local != "" {
		t.Errorf("snapshot sockets %+v, want one CLOSED socket without a port", got)
	}
}

// TestBacklogFullTimesOut: a listener whose accept queue is full drops
// SYNs; the client retries with backoff and gives up with ETIMEDOUT after
// 127 s (Linux's tcp_syn_retries = 6).
func TestBacklogFullTimesOut(t *testing.T) {
	t.Parallel()
	r := newRig(t, 1)
	cli := r.host("cli", "10.0.0.1", nil)
	srv := r.host("srv", "10.0.0.2", nil)
	p := r.start(srv, "client", "root")
	fd, _ := p.Main().Socket(sim.TCP)
	p.Main().Bind(fd, ap("0.0.0.0:80"))
	p.Main().Listen(fd, 0) // no accept: the queue holds one
	c := r.start(cli, "client", "")
	r.connect(c, "10.0.0.2:80")
	start := r.w.Now()
	r.connect(c, "10.0.0.2:80")
	r.w.Run()
	var drops, syns int
	for _, e := range r.events {
		if e.Kind == sim.KindPacketDrop && e.Reason == "backlog-full" {
			drops++
		}
		if e.Kind == sim.KindPacketSend && e.Flags == sim.SYN {
			syns++
		}
	}
	if drops != 7 || syns != 8 {
		t.Errorf("drops %d, SYNs %d: want 7 drops of the second client's SYN (1 + 6 retries) and 8 SYNs in all", drops, syns)
	}
	var timedOut *sim.Event
	for i, e := range r.events {
		if e.Kind == sim.KindError && e.Errno == sim.ETIMEDOUT {
			timedOut = &r.events[i]
		}
	}
	if timedOut == nil || timedOut.T-start != 127*sim.Second {
		t.Errorf("ETIMEDOUT event %+v, want one 127 s after the connect", timedOut)
	}
}

// TestForkSharesSockets: a child inherits the parent's descriptors; closing
// one copy leaves the socket open; the last close shuts it.
func TestForkSharesSockets(t *testing.T) {
	t.Parallel()
	r := newRig(t, 1)
	h := r.host("h", "10.0.0.1", nil)
	p := r.start(h, "client", "root")
	fd, _ := p.Main().Socket(sim.TCP)
	p.Main().Bind(fd, ap("0.0.0.0:8080"))
	p.Main().Listen(fd, 8)
	child, err := p.Fork()
	if err != nil {
		t.Fatal(err)
	}
	if child.Socket(fd) != p.Socket(fd) || child.PPID() != p.PID() {
		t.Fatalf("child fd %d is %v, parent's %v; ppid %d", fd, child.Socket(fd), p.Socket(fd), child.PPID())
	}
	inh := r.kinds(sim.KindSocketInherit)
	if len(inh) != 1 || inh[0].PID != child.PID() || inh[0].FD != fd {
		t.Errorf("socket.inherit %+v, want one for the child's fd %d", inh, fd)
	}
	p.Main().Close(fd)
	closes := r.kinds(sim.KindSocketClose)
	if closes[0].Shared != 1 || p.Socket(fd) != nil || child.Socket(fd).State() != sim.StateListen {
		t.Errorf("after the parent's close: shared=%d, listener state %v; want it still listening", closes[0].Shared, child.Socket(fd).State())
	}
	child.Exit(0)
	if rel := r.kinds(sim.KindPortRelease); len(rel) != 1 || rel[0].Port != 8080 {
		t.Errorf("port.release %+v, want 8080 released when the last holder exits", rel)
	}
}

// TestProcessExitClosesSockets: exiting closes every descriptor, which
// starts the FIN exchange for a connection.
func TestProcessExitClosesSockets(t *testing.T) {
	t.Parallel()
	r := newRig(t, 1)
	cli := r.host("cli", "10.0.0.1", nil)
	srv := r.host("srv", "10.0.0.2", nil)
	r.server(srv, "httpd", "http", sim.Service{Proto: sim.TCP, Port: 80})
	c := r.start(cli, "client", "")
	r.connect(c, "10.0.0.2:80")
	c.StartThread("download")
	c.Exit(3)
	r.settle()
	var order []string
	for _, e := range r.events {
		if e.Host == "cli" && e.PID == c.PID() {
			switch e.Kind {
			case sim.KindThreadExit, sim.KindSocketClose, sim.KindProcessExit:
				order = append(order, string(e.Kind))
			}
		}
	}
	want := []string{"thread.exit", "socket.close", "thread.exit", "process.exit"}
	if !slices.Equal(order, want) {
		t.Errorf("exit order %v, want %v", order, want)
	}
	if got := r.states("cli"); !slices.Contains(got, "FIN_WAIT_2>TIME_WAIT") {
		t.Errorf("client states %v: the OS should close the connection for the exited process", got)
	}
	if ex := r.kinds(sim.KindProcessExit); ex[0].Code != 3 {
		t.Errorf("exit code %d, want 3", ex[0].Code)
	}
}

// TestUDPDemux: a connected UDP socket is a more specific match than an
// unconnected one on the same port; a datagram to an unused port is
// dropped.
func TestUDPDemux(t *testing.T) {
	t.Parallel()
	r := newRig(t, 1)
	a := r.host("a", "10.0.0.1", nil)
	b := r.host("b", "10.0.0.2", nil)
	c := r.host("c", "10.0.0.3", nil)
	srv := r.start(b, "client", "root")
	open := func(p *sim.Process, connectTo string) int {
		fd, _ := p.Main().Socket(sim.UDP)
		p.Main().SetOption(fd, sim.SO_REUSEADDR, true)
		if err := p.Main().Bind(fd, ap("0.0.0.0:5000")); err != nil {
			t.Fatal(err)
		}
		if connectTo != "" {
			p.Main().Connect(fd, ap(connectTo))
		}
		return fd
	}
	open(srv, "")
	other := r.start(b, "client", "root")
	open(other, "10.0.0.1:6000")
	pa := r.start(a, "client", "")
	fa, _ := pa.Main().Socket(sim.UDP)
	pa.Main().Bind(fa, ap("0.0.0.0:6000"))
	pa.Main().SendTo(fa, ap("10.0.0.2:5000"), "from a")
	pc := r.start(c, "client", "")
	fc, _ := pc.Main().Socket(sim.UDP)
	pc.Main().SendTo(fc, ap("10.0.0.2:5000"), "from c")
	pc.Main().SendTo(fc, ap("10.0.0.2:5001"), "nobody")
	r.settle()
	got := map[string]string{}
	for _, e := range r.events {
		switch e.Kind {
		case sim.KindPacketDeliver:
			got[e.Data] = e.Match + "/" + itoa(e.PID)
		case sim.KindPacketDrop:
			got[e.Data] = "drop:" + e.Reason
		}
	}
	want := map[string]string{
		"from a": "udp-connected/" + itoa(other.PID()),
		"from c": "udp/" + itoa(srv.PID()),
		"nobody": "drop:no-socket",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%q: %s, want %s", k, got[k], v)
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestLoopbackStaysHome: traffic to 127.0.0.1 never leaves the host.
func TestLoopbackStaysHome(t *testing.T) {
	t.Parallel()
	r := newRig(t, 1)
	h := r.host("h", "10.0.0.1", nil)
	r.server(h, "db", "echo", sim.Service{Proto: sim.TCP, Port: 5432})
	c := r.start(h, "client", "")
	fd, err := r.connect(c, "127.0.0.1:5432")
	if err != nil {
		t.Fatal(err)
	}
	c.Main().Send(fd, "SELECT 1")
	r.settle()
	for _, e := range r.kinds(sim.KindPacketSend) {
		if e.ToHost != "h" || e.Src.Addr() != sim.Loopback || e.Dst.Addr() != sim.Loopback {
			t.Errorf("packet %s -> %s to host %q: want loopback on h", e.Src, e.Dst, e.ToHost)
		}
	}
}

package sim_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"portville/sim"
)

// recvData returns what the process read, in order.
func (r *rig) recvData(host string, pid int) []string {
	var out []string
	for _, e := range r.kinds(sim.KindSocketRecv) {
		if e.Host == host && e.PID == pid {
			out = append(out, e.Data)
		}
	}
	return out
}

// TestServeOnce: a server started with Once serves one client, as nc -l
// does: a second client's connection waits in the backlog, and when the
// first client closes, the server exits and the waiting one is reset.
func TestServeOnce(t *testing.T) {
	t.Parallel()
	r := newRig(t, 3)
	web := r.host("web", "10.0.0.20", nil)
	lap := r.host("laptop", "10.0.0.10", nil)
	if _, err := web.Install(sim.Program{Name: "nc"}); err != nil {
		t.Fatal(err)
	}
	nc, err := web.Start("nc", sim.StartOptions{Server: &sim.ServerSpec{
		Listen: []sim.Service{{Proto: sim.TCP, Port: 7000}}, ReusePort: true, Backlog: 1, Once: true, Threads: "single"}})
	if err != nil {
		t.Fatal(err)
	}
	r.settle()
	if nc.Server() == nil || nc.Server().Backlog != 1 {
		t.Fatalf("the process serves with %+v, want the start's own spec", nc.Server())
	}
	if web.Program("nc").Server != nil {
		t.Errorf("the start's spec leaked into the program")
	}
	first := r.start(lap, "client", "")
	fd1, err := r.connect(first, "10.0.0.20:7000")
	if err != nil {
		t.Fatal(err)
	}
	second := r.start(lap, "client", "")
	if _, err := r.connect(second, "10.0.0.20:7000"); err != nil {
		t.Fatal(err)
	}
	accepts := 0
	for _, e := range r.kinds(sim.KindSocketAccept) {
		if e.PID == nc.PID() {
			accepts++
		}
	}
	if accepts != 1 {
		t.Errorf("nc accepted %d connections, want 1", accepts)
	}
	var listener *sim.Socket
	for _, s := range web.Sockets() {
		if s.State() == sim.StateListen {
			listener = s
		}
	}
	if listener == nil || listener.Backlog() != 1 || listener.Queued() != 1 {
		t.Fatalf("listener %v: want backlog 1 and one connection queued", listener)
	}
	if h := listener.Holders(); len(h) != 1 || h[0].PID != nc.PID() || h[0].Program != "nc" {
		t.Errorf("listener holders %+v, want nc alone", h)
	}
	first.Main().Send(fd1, "hello\n")
	r.settle()
	if got := r.recvData("web", nc.PID()); !slices.Equal(got, []string{"hello\n"}) {
		t.Errorf("nc read %q, want [hello\\n]", got)
	}
	first.Main().Close(fd1)
	r.settle()
	if nc.Alive() {
		t.Fatal("nc still runs after its client closed")
	}
	exits := r.kinds(sim.KindProcessExit)
	if e := exits[len(exits)-1]; e.PID != nc.PID() || e.Code != 0 {
		t.Errorf("last exit %+v, want nc with status 0", e)
	}
	resets := 0
	for _, e := range r.kinds(sim.KindPacketSend) {
		if e.Host == "web" && e.Flags&sim.RST != 0 {
			resets++
		}
	}
	if resets != 1 {
		t.Errorf("%d resets from web, want 1 for the connection left in the backlog", resets)
	}
}

// TestServeOnceUDP: netcat's UDP listen mode connects its socket to the
// first sender, so a second sender's datagram goes nowhere.
func TestServeOnceUDP(t *testing.T) {
	t.Parallel()
	r := newRig(t, 4)
	web := r.host("web", "10.0.0.20", nil)
	lap := r.host("laptop", "10.0.0.10", nil)
	web.Install(sim.Program{Name: "nc"})
	nc, err := web.Start("nc", sim.StartOptions{Server: &sim.ServerSpec{Listen: []sim.Service{{Proto: sim.UDP, Port: 5353}}, Once: true}})
	if err != nil {
		t.Fatal(err)
	}
	r.settle()
	send := func(data string) {
		c := r.start(lap, "client", "")
		fd, _ := c.Main().Socket(sim.UDP)
		c.Main().SendTo(fd, ap("10.0.0.20:5353"), data)
		r.settle()
	}
	send("one")
	send("two")
	if got := r.recvData("web", nc.PID()); !slices.Equal(got, []string{"one"}) {
		t.Errorf("nc read %q, want only the first sender's datagram", got)
	}
	var socks []*sim.Socket
	for _, s := range web.Sockets() {
		if s.Proto() == sim.UDP {
			socks = append(socks, s)
		}
	}
	if len(socks) != 1 || !socks[0].Remote().IsValid() || socks[0].Local().String() != "10.0.0.20:5353" {
		t.Errorf("nc's socket %v: want it connected to the first sender, from 10.0.0.20:5353", socks)
	}
}

// TestHTTPResponse: a web server answers a lesson's shorthand request at
// once, and real request bytes as Debian's nginx does: after the blank
// line, 404 for a path its site lacks, 400 for a bad request line (at
// once) or an HTTP/1.1 request without Host, and a close after an
// HTTP/1.0 answer (sim/lab/testdata/real).
func TestHTTPResponse(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		program string
		sends   []string // each sent apart; the answer comes after the last
		status  string
		// server is the Server header; closes that the server closes
		// first.
		server string
		closes bool
	}{
		{"lesson shorthand", "nginx", []string{"GET / HTTP/1.1 (Host: alpha)"}, "HTTP/1.1 200 OK", "nginx", false},
		{"curl's request", "nginx", []string{"GET / HTTP/1.1\r\nHost: web\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n"}, "HTTP/1.1 200 OK", "nginx/1.22.1", false},
		{"typed into nc", "nginx", []string{"GET / HTTP/1.1\n", "Host: web\n", "\n"}, "HTTP/1.1 200 OK", "nginx/1.22.1", false},
		{"HTTP/1.0 closes", "nginx", []string{"GET / HTTP/1.0\r\n\r\n"}, "HTTP/1.1 200 OK", "nginx/1.22.1", true},
		{"missing page", "nginx", []string{"GET /missing.html HTTP/1.1\r\nHost: web\r\n\r\n"}, "HTTP/1.1 404 Not Found", "nginx/1.22.1", false},
		{"no Host", "nginx", []string{"GET / HTTP/1.1\r\n\r\n"}, "HTTP/1.1 400 Bad Request", "nginx/1.22.1", true},
		{"not http", "nginx", []string{"hello\n"}, "HTTP/1.1 400 Bad Request", "nginx/1.22.1", true},
		{"lower-case method", "nginx", []string{"get / HTTP/1.0\r\n\r\n"}, "HTTP/1.1 400 Bad Request", "nginx/1.22.1", true},
		{"POST to a static site", "nginx", []string{"POST / HTTP/1.1\r\nHost: web\r\n\r\n"}, "HTTP/1.1 405 Not Allowed", "nginx/1.22.1", false},
		{"Connection: close", "nginx", []string{"GET / HTTP/1.1\r\nHost: web\r\nConnection: close\r\n\r\n"}, "HTTP/1.1 200 OK", "nginx/1.22.1", true},
		{"a dev server has every page", "devserver", []string{"GET /news HTTP/1.1\r\nHost: web\r\n\r\n"}, "HTTP/1.1 200 OK", "devserver", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, 1)
			cli := r.host("cli", "10.0.0.1", nil)
			srv := r.host("srv", "10.0.0.2", nil)
			r.server(srv, tc.program, "http", sim.Service{Proto: sim.TCP, Port: 80})
			c := r.start(cli, "client", "")
			fd, _ := r.connect(c, "10.0.0.2:80")
			for i, m := range tc.sends {
				c.Main().Send(fd, m)
				r.settle()
				if got := r.recvData("cli", c.PID()); i < len(tc.sends)-1 && len(got) != 0 {
					t.Fatalf("after %q the server answered %q before the head was whole", m, got)
				}
			}
			got := r.recvData("cli", c.PID())
			if len(got) != 1 || !strings.HasPrefix(got[0], tc.status+"\r\nServer: "+tc.server+"\r\n") {
				t.Fatalf("client read %q, want a response starting %q, Server: %s", got, tc.status, tc.server)
			}
			head, body, _ := strings.Cut(got[0], "\r\n\r\n")
			if !strings.Contains(head, "Content-Length: "+strconv.Itoa(len(body))) {
				t.Errorf("response %q: Content-Length does not match the body", got[0])
			}
			if tc.server != "nginx" && !strings.Contains(head, "\r\nDate: Mon, 30 Nov 2026 03:00:00 GMT\r\n") {
				t.Errorf("response %q: no Date header of the town's clock", head)
			}
			closed := slices.Contains(r.states("srv"), "ESTABLISHED>FIN_WAIT_1")
			if closed != tc.closes {
				t.Errorf("server closed first: %v, want %v", closed, tc.closes)
			}
		})
	}
}

// TestHTTPDate: the town's clock as a Date header, across midnight and a
// month's end.
func TestHTTPDate(t *testing.T) {
	for _, tc := range []struct {
		t    sim.Time
		want string
	}{
		{0, "Mon, 30 Nov 2026 03:00:00 GMT"},
		{19 * sim.Second, "Mon, 30 Nov 2026 03:00:19 GMT"},
		{21 * 3600 * sim.Second, "Tue, 01 Dec 2026 00:00:00 GMT"},
		{(21*3600 + 33*86400) * sim.Second, "Sun, 03 Jan 2027 00:00:00 GMT"},
	} {
		if got := sim.HTTPDate(tc.t); got != tc.want {
			t.Errorf("HTTPDate(%v) = %q, want %q", tc.t, got, tc.want)
		}
	}
}

// TestSetRange: a new ephemeral range applies to the next connections;
// the host.range event carries it.
func TestSetRange(t *testing.T) {
	t.Parallel()
	for _, os := range sim.Profiles {
		t.Run(os.Name, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, 5)
			cli := r.host("cli", "10.0.0.1", os)
			srv := r.host("srv", "10.0.0.2", nil)
			r.server(srv, "httpd", "http", sim.Service{Proto: sim.TCP, Port: 80})
			if err := cli.SetRange(40000, 40001); err != nil {
				t.Fatal(err)
			}
			if err := cli.SetRange(40001, 40000); err == nil {
				t.Error("a backwards range was taken")
			}
			if lo, hi := cli.EphemeralRange(); lo != 40000 || hi != 40001 {
				t.Fatalf("range %d-%d after a refused change, want 40000-40001", lo, hi)
			}
			if ev := r.kinds(sim.KindHostRange); len(ev) != 1 || ev[0].RangeLo != 40000 || ev[0].RangeHi != 40001 {
				t.Fatalf("host.range events %+v, want one with 40000-40001", ev)
			}
			var ports []uint16
			for i := 0; i < 3; i++ {
				c := r.start(cli, "client", "")
				fd, _ := r.connect(c, "10.0.0.2:80")
				if s := c.Socket(fd); s != nil && s.Local().IsValid() {
					ports = append(ports, s.Local().Port())
				}
			}
			slices.Sort(ports)
			if !slices.Equal(ports, []uint16{40000, 40001}) {
				t.Errorf("ports %v, want 40000 and 40001, then exhaustion", ports)
			}
			if r.lastErrno() != sim.EADDRNOTAVAIL {
				t.Errorf("third connect: %s, want EADDRNOTAVAIL", r.lastErrno())
			}
		})
	}
}

// TestUninstall: removing a program leaves its processes running and
// stops new ones.
func TestUninstall(t *testing.T) {
	t.Parallel()
	r := newRig(t, 6)
	h := r.host("web", "10.0.0.20", nil)
	p := r.server(h, "nginx", "http", sim.Service{Proto: sim.TCP, Port: 80})
	if err := h.Uninstall("nginx"); err != nil {
		t.Fatal(err)
	}
	if err := h.Uninstall("nginx"); err == nil {
		t.Error("uninstalling twice worked")
	}
	if !p.Alive() {
		t.Error("the running nginx ended with its program")
	}
	if _, err := h.Start("nginx", sim.StartOptions{}); err == nil {
		t.Error("a removed program started")
	}
	if ev := r.kinds(sim.KindProgramRemove); len(ev) != 1 || ev[0].Program != "nginx" || ev[0].Path != "/usr/bin/nginx" {
		t.Errorf("program.remove events %+v", ev)
	}
	snap := r.w.Snapshot()
	if len(snap.Hosts[0].Programs) != 1 || snap.Hosts[0].Programs[0].Name != "client" {
		t.Errorf("snapshot programs %+v, want client only", snap.Hosts[0].Programs)
	}
}

// TestSignal: TERM stops a pre-fork server's workers with its master;
// KILL leaves them serving, orphaned. The status is 128 + the signal.
func TestSignal(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		sig         string
		code        int
		workersLeft int
	}{{"TERM", 143, 0}, {"INT", 130, 0}, {"KILL", 137, 2}} {
		t.Run(tc.sig, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, 7)
			h := r.host("web", "10.0.0.20", nil)
			h.Install(sim.Program{Name: "nginx", Server: &sim.ServerSpec{Listen: []sim.Service{{Proto: sim.TCP, Port: 80}}, Protocol: "http", Workers: 2}})
			master, _ := h.Start("nginx", sim.StartOptions{})
			r.settle()
			if n := len(h.Processes()); n != 3 {
				t.Fatalf("%d processes, want a master and 2 workers", n)
			}
			if err := master.Signal(tc.sig); err != nil {
				t.Fatal(err)
			}
			r.settle()
			if n := len(h.Processes()); n != tc.workersLeft {
				t.Errorf("%d processes left, want %d", n, tc.workersLeft)
			}
			for _, e := range r.kinds(sim.KindProcessExit) {
				if e.PID == master.PID() && (e.Code != tc.code || e.Signal != tc.sig) {
					t.Errorf("master exit %+v, want status %d by %s", e, tc.code, tc.sig)
				}
			}
			if err := master.Signal(tc.sig); err == nil {
				t.Error("signalling an exited process worked")
			}
		})
	}
	r := newRig(t, 8)
	h := r.host("web", "10.0.0.20", nil)
	if err := r.start(h, "client", "").Signal("USR1"); err == nil {
		t.Error("an unknown signal was sent")
	}
	// nginx takes HUP as a reload, which the simulator does not model:
	// Signal says so and the server runs on.
	ng := r.server(h, "nginx", "http", sim.Service{Proto: sim.TCP, Port: 80})
	if err := ng.Signal("HUP"); err == nil || !strings.Contains(err.Error(), "reload") || !ng.Alive() {
		t.Errorf("HUP to nginx: %v, alive %v; want the reload refused and nginx running", err, ng.Alive())
	}
}

package sim_test

import (
	"testing"

	"portville/sim"
)

// TestBindRules checks DOMAIN.md section 4's binding rules: a binding is
// (address, port) per protocol, 0.0.0.0 overlaps every address, privileged
// ports need root where the OS has them.
func TestBindRules(t *testing.T) {
	t.Parallel()
	type bind struct {
		user  string
		proto sim.Proto
		addr  string
		opts  []string
		want  sim.Errno // "" = success
	}
	tests := []struct {
		name  string
		os    *sim.Profile
		binds []bind
	}{
		{"wildcard then loopback conflicts", sim.Linux, []bind{
			{"root", sim.TCP, "0.0.0.0:8080", nil, ""},
			{"root", sim.TCP, "127.0.0.1:8080", nil, sim.EADDRINUSE},
		}},
		{"loopback then wildcard conflicts", sim.Linux, []bind{
			{"root", sim.TCP, "127.0.0.1:8080", nil, ""},
			{"root", sim.TCP, "0.0.0.0:8080", nil, sim.EADDRINUSE},
		}},
		{"two loopback addresses coexist", sim.Linux, []bind{
			{"root", sim.TCP, "127.0.0.1:9000", nil, ""},
			{"root", sim.TCP, "127.0.0.2:9000", nil, ""},
		}},
		{"same address twice", sim.Linux, []bind{
			{"root", sim.TCP, "10.0.0.1:9000", nil, ""},
			{"root", sim.TCP, "10.0.0.1:9000", nil, sim.EADDRINUSE},
		}},
		{"tcp and udp ports are separate", sim.Linux, []bind{
			{"root", sim.TCP, "0.0.0.0:53", nil, ""},
			{"root", sim.UDP, "0.0.0.0:53", nil, ""},
		}},
		{"an address the host lacks", sim.Linux, []bind{
			{"root", sim.TCP, "10.9.9.9:80", nil, sim.EADDRNOTAVAIL},
		}},
		{"privileged port as a user on linux", sim.Linux, []bind{
			{"alice", sim.TCP, "0.0.0.0:80", nil, sim.EACCES},
			{"alice", sim.TCP, "0.0.0.0:1024", nil, ""},
		}},
		{"privileged port as a user on freebsd", sim.FreeBSD, []bind{
			{"alice", sim.UDP, "0.0.0.0:53", nil, sim.EACCES},
		}},
		{"no privileged ports on windows", sim.Windows, []bind{
			{"alice", sim.TCP, "0.0.0.0:80", nil, ""},
		}},
		{"no privileged ports on macos", sim.MacOS, []bind{
			{"alice", sim.TCP, "0.0.0.0:80", nil, ""},
		}},
		{"SO_REUSEADDR on both lets two unconnected sockets bind", sim.Linux, []bind{
			{"root", sim.UDP, "0.0.0.0:5000", []string{sim.SO_REUSEADDR}, ""},
			{"root", sim.UDP, "0.0.0.0:5000", []string{sim.SO_REUSEADDR}, ""},
		}},
		{"SO_REUSEADDR on one side only is not enough", sim.Linux, []bind{
			{"root", sim.UDP, "0.0.0.0:5000", nil, ""},
			{"root", sim.UDP, "0.0.0.0:5000", []string{sim.SO_REUSEADDR}, sim.EADDRINUSE},
		}},
		{"SO_REUSEPORT needs the same user", sim.Linux, []bind{
			{"alice", sim.TCP, "0.0.0.0:8080", []string{sim.SO_REUSEPORT}, ""},
			{"bob", sim.TCP, "0.0.0.0:8080", []string{sim.SO_REUSEPORT}, sim.EADDRINUSE},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, 1)
			h := r.host("h", "10.0.0.1", tc.os)
			for i, b := range tc.binds {
				p := r.start(h, "client", b.user)
				th := p.Main()
				fd, err := th.Socket(b.proto)
				if err != nil {
					t.Fatal(err)
				}
				for _, o := range b.opts {
					if err := th.SetOption(fd, o, true); err != nil {
						t.Fatal(err)
					}
				}
				err = th.Bind(fd, ap(b.addr))
				if got := errnoOf(err); got != b.want {
					t.Errorf("bind %d (%s %s as %s): got %q, want %q", i, b.proto, b.addr, b.user, got, b.want)
				}
				if b.want != "" && r.lastErrno() != b.want {
					t.Errorf("bind %d: last error event %q, want %q", i, r.lastErrno(), b.want)
				}
			}
		})
	}
}

// TestTwoListeners: SO_REUSEADDR does not allow two listeners (DOMAIN.md
// section 4); SO_REUSEPORT does, and the kernel spreads connections over
// them.
func TestTwoListeners(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		opt        string
		wantListen sim.Errno
	}{
		{"SO_REUSEADDR", sim.SO_REUSEADDR, sim.EADDRINUSE},
		{"SO_REUSEPORT", sim.SO_REUSEPORT, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, 3)
			srv := r.host("srv", "10.0.0.2", nil)
			cli := r.host("cli", "10.0.0.1", nil)
			// Both bind while neither listens (which SO_REUSEADDR allows),
			// then both try to listen.
			var pids []int
			var fds []int
			var procs []*sim.Process
			for i := 0; i < 2; i++ {
				p := r.start(srv, "client", "root")
				th := p.Main()
				fd, _ := th.Socket(sim.TCP)
				th.SetOption(fd, tc.opt, true)
				if err := th.Bind(fd, ap("0.0.0.0:8080")); err != nil {
					t.Fatalf("bind %d: %v", i, err)
				}
				procs, fds = append(procs, p), append(fds, fd)
			}
			for i, p := range procs {
				th, fd := p.Main(), fds[i]
				err := th.Listen(fd, 16)
				want := sim.Errno("")
				if i == 1 {
					want = tc.wantListen
				}
				if got := errnoOf(err); got != want {
					t.Fatalf("listen %d: got %q, want %q", i, got, want)
				}
				th.Accept(fd, nil)
				pids = append(pids, p.PID())
			}
			if tc.wantListen != "" {
				return
			}
			c := r.start(cli, "client", "")
			for i := 0; i < 16; i++ {
				if _, err := r.connect(c, "10.0.0.2:8080"); err != nil {
					t.Fatal(err)
				}
			}
			got := map[int]int{}
			for _, e := range r.kinds(sim.KindPacketDeliver) {
				if e.Match == "listener" {
					got[e.PID]++
				}
			}
			if len(got) != 2 || got[pids[0]] == 0 || got[pids[1]] == 0 {
				t.Errorf("SYNs per listener PID: %v; want both of %v to receive some", got, pids)
			}
		})
	}
}

// TestRebindAfterTimeWait: a server that closed first leaves its port's
// connection in TIME_WAIT; binding the port again works only with
// SO_REUSEADDR (the classic "Address already in use" on restart).
func TestRebindAfterTimeWait(t *testing.T) {
	t.Parallel()
	for _, reuse := range []bool{false, true} {
		r := newRig(t, 5)
		srv := r.host("srv", "10.0.0.2", nil)
		cli := r.host("cli", "10.0.0.1", nil)
		srv.Install(sim.Program{Name: "httpd", Server: &sim.ServerSpec{Listen: []sim.Service{{sim.TCP, 80}}, Protocol: "http", CloseFirst: true, ReuseAddr: reuse}})
		p, _ := srv.Start("httpd", sim.StartOptions{})
		r.settle()
		c := r.start(cli, "client", "")
		fd, err := r.connect(c, "10.0.0.2:80")
		if err != nil {
			t.Fatal(err)
		}
		c.Main().Send(fd, "GET / HTTP/1.0")
		r.settle()
		c.Main().Close(fd)
		r.settle()
		var tw int
		for _, e := range r.kinds(sim.KindSocketState) {
			if e.To == "TIME_WAIT" && e.Host == "srv" && e.Local.Port() == 80 {
				tw++
			}
		}
		if tw != 1 {
			t.Fatalf("reuse=%v: server-side TIME_WAIT on port 80: %d, want 1", reuse, tw)
		}
		p.Exit(0)
		r.settle()
		_, err = srv.Start("httpd", sim.StartOptions{})
		if err != nil {
			t.Fatal(err)
		}
		want := sim.Errno(sim.EADDRINUSE)
		if reuse {
			want = ""
		}
		got := sim.Errno("")
		for _, e := range r.kinds(sim.KindError) {
			if e.Call == "bind" {
				got = e.Errno
			}
		}
		if got != want {
			t.Errorf("reuse=%v: restart bind error %q, want %q", reuse, got, want)
		}
	}
}

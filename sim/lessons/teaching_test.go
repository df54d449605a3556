package lessons_test

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"portville/sim"
	"portville/sim/lessons"
	"portville/sim/scenario"
)

// stream is a run's events, with the queries the teaching tests need.
type stream []sim.Event

func (s stream) filter(keep func(e *sim.Event) bool) stream {
	var out stream
	for i := range s {
		if keep(&s[i]) {
			out = append(out, s[i])
		}
	}
	return out
}

func (s stream) kind(k sim.Kind) stream {
	return s.filter(func(e *sim.Event) bool { return e.Kind == k })
}

func (s stream) on(host string) stream {
	return s.filter(func(e *sim.Event) bool { return e.Host == host })
}

func (s stream) pid(pid int) stream {
	return s.filter(func(e *sim.Event) bool { return e.PID == pid })
}

func (s stream) program(name string) stream {
	return s.filter(func(e *sim.Event) bool { return e.Program == name })
}

func (s stream) after(seq uint64) stream {
	return s.filter(func(e *sim.Event) bool { return e.Seq > seq })
}

func (s stream) before(seq uint64) stream {
	return s.filter(func(e *sim.Event) bool { return e.Seq < seq })
}

// data keeps packet.send events that carry a payload.
func (s stream) data() stream {
	return s.kind(sim.KindPacketSend).filter(func(e *sim.Event) bool { return e.Len > 0 })
}

// want fails the test unless s has exactly n events, and returns them.
func (s stream) want(t *testing.T, n int, what string) stream {
	t.Helper()
	if len(s) != n {
		t.Fatalf("%s: found %d events, want %d", what, len(s), n)
	}
	return s
}

// pids returns the PIDs of the processes a host started from a program, in
// start order.
func (s stream) pids(host, program string) []int {
	var out []int
	for _, e := range s.kind(sim.KindProcessStart).on(host).program(program) {
		out = append(out, e.PID)
	}
	return out
}

// hostRange returns a host's ephemeral range as announced by host.up.
func (s stream) hostRange(t *testing.T, host string) (lo, hi uint16) {
	t.Helper()
	up := s.kind(sim.KindHostUp).on(host).want(t, 1, "host.up for "+host)
	return up[0].RangeLo, up[0].RangeHi
}

func ap(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }

// runs are the ways each teaching point must hold: the lesson's own seed and
// others, on its default OS and on every profile (hosts that pin an OS keep
// it).
func runs() []scenario.Options {
	out := []scenario.Options{{}}
	for _, os := range []string{"", "linux", "windows", "macos", "freebsd"} {
		for _, seed := range []uint64{1, 42} {
			out = append(out, scenario.Options{Seed: seed, SeedSet: true, OS: os})
		}
	}
	return out
}

// teachingPoints asserts, from the event stream, the one thing each lesson
// exists to show.
var teachingPoints = map[string]func(t *testing.T, s stream){
	"programs-processes-threads": func(t *testing.T, s stream) {
		pids := s.pids("laptop", "writer")
		if len(pids) != 2 || pids[0] == pids[1] {
			t.Fatalf("writer processes = %v, want two with different PIDs (one program, two processes)", pids)
		}
		w1 := pids[0]
		threads := s.kind(sim.KindThreadStart).pid(w1).want(t, 3, "threads of the first window")
		jobs := []string{threads[0].Job, threads[1].Job, threads[2].Job}
		if !slices.Equal(jobs, []string{"main", "check spelling", "autosave every minute"}) {
			t.Errorf("thread jobs = %q", jobs)
		}
		autosave := threads[2].TID
		open := s.kind(sim.KindSocketOpen).pid(w1).want(t, 1, "sockets of the first window")[0]
		if open.TID != autosave {
			t.Errorf("the socket was opened by thread %d, want the autosave thread %d", open.TID, autosave)
		}
		sends := s.data().pid(w1).want(t, 2, "data sent by the first window")
		for _, e := range sends {
			if e.Sock != open.Sock {
				t.Errorf("data went out on socket %d, want the one socket %d", e.Sock, open.Sock)
			}
		}
		if sends[0].TID != autosave || sends[1].TID != w1 {
			t.Errorf("senders = threads %d and %d, want the autosave thread %d, then the main thread %d on the same socket",
				sends[0].TID, sends[1].TID, autosave, w1)
		}
	},

	"sockets": func(t *testing.T, s stream) {
		chat := s.pids("laptop", "chat")[0]
		opens := s.kind(sim.KindSocketOpen).pid(chat).want(t, 2, "sockets chat opens")
		if opens[0].FD != 3 || opens[1].FD != 4 {
			t.Errorf("descriptors = %d, %d, want 3 and 4", opens[0].FD, opens[1].FD)
		}
		connect := s.kind(sim.KindSocketConnect).pid(chat)[0]
		if n := len(s.kind(sim.KindPacketSend).on("laptop").after(opens[0].Seq).before(connect.Seq)); n != 0 {
			t.Errorf("%d packets left the laptop between socket() and connect(), want none", n)
		}
		assigns := s.kind(sim.KindPortAssign).pid(chat).want(t, 2, "ports the OS gives chat")
		for _, e := range assigns {
			if e.Ephemeral == nil || !*e.Ephemeral || e.Call != "connect" {
				t.Errorf("port %d: ephemeral=%v call=%q, want an ephemeral port assigned by connect", e.Port, e.Ephemeral, e.Call)
			}
		}
		if assigns[0].Port == assigns[1].Port {
			t.Errorf("both sockets got port %d", assigns[0].Port)
		}
		const msg = "hello, is anybody there?"
		echod := s.pids("server", "echod")[0]
		for _, who := range []struct {
			host string
			pid  int
		}{{"server", echod}, {"laptop", chat}} {
			if len(s.kind(sim.KindSocketRecv).on(who.host).pid(who.pid).filter(func(e *sim.Event) bool { return e.Data == msg })) != 1 {
				t.Errorf("PID %d on %s did not read %q exactly once", who.pid, who.host, msg)
			}
		}
	},

	"addressing": func(t *testing.T, s stream) {
		for _, tt := range []struct {
			dst, host string
		}{
			{"10.0.0.2:80", "alpha"}, {"10.0.0.2:22", "alpha"}, {"10.0.0.3:80", "beta"},
			{"10.0.0.2:8080", "alpha"}, {"10.0.1.2:80", "alpha"},
		} {
			syn := s.kind(sim.KindPacketSend).on("laptop").filter(func(e *sim.Event) bool {
				return e.Dst == ap(tt.dst) && e.Flags == sim.SYN
			}).want(t, 1, "SYN to "+tt.dst)[0]
			if syn.ToHost != tt.host {
				t.Errorf("the SYN to %s went to %q, want %q", tt.dst, syn.ToHost, tt.host)
			}
		}
		alphaWeb := s.pids("alpha", "nginx")[0]
		sshd := s.pids("alpha", "sshd")[0]
		accepts := s.kind(sim.KindSocketAccept)
		for _, tt := range []struct {
			host  string
			pid   int
			local string
		}{
			{"alpha", alphaWeb, "10.0.0.2:80"}, {"alpha", sshd, "10.0.0.2:22"},
			{"beta", s.pids("beta", "nginx")[0], "10.0.0.3:80"}, {"alpha", alphaWeb, "10.0.1.2:80"},
		} {
			accepts.on(tt.host).pid(tt.pid).filter(func(e *sim.Event) bool { return e.Local == ap(tt.local) }).
				want(t, 1, fmt.Sprintf("accept on %s by PID %d", tt.local, tt.pid))
		}
		refused := s.kind(sim.KindError).on("laptop").want(t, 1, "errors on the laptop")[0]
		if refused.Errno != sim.ECONNREFUSED || refused.Remote != ap("10.0.0.2:8080") {
			t.Errorf("error = %s for %s, want ECONNREFUSED for 10.0.0.2:8080", refused.Errno, refused.Remote)
		}
	},

	"well-known-ports": func(t *testing.T, s stream) {
		for _, tt := range []struct {
			program string
			port    uint16
		}{{"httpd", 80}, {"httpsd", 443}, {"postfix", 25}, {"named", 53}} {
			l := s.kind(sim.KindSocketListen).on("server").program(tt.program).want(t, 1, tt.program+" listening")[0]
			if l.Local.Port() != tt.port {
				t.Errorf("%s listens on %d, want %d", tt.program, l.Local.Port(), tt.port)
			}
		}
		binds := s.kind(sim.KindSocketBind).on("server").program("named").want(t, 2, "named's binds")
		if binds[0].Proto == binds[1].Proto || binds[0].Port != 53 || binds[1].Port != 53 || binds[0].Sock == binds[1].Sock {
			t.Errorf("named binds %s/%d (socket %d) and %s/%d (socket %d), want UDP 53 and TCP 53 on two sockets",
				binds[0].Proto, binds[0].Port, binds[0].Sock, binds[1].Proto, binds[1].Port, binds[1].Sock)
		}
		sockFor := map[sim.Proto]int{binds[0].Proto: binds[0].Sock, binds[1].Proto: binds[1].Sock}
		delivered := s.kind(sim.KindPacketDeliver).on("server").filter(func(e *sim.Event) bool { return e.Dst.Port() == 53 })
		udp := delivered.filter(func(e *sim.Event) bool { return e.Proto == sim.UDP })[0]
		syn := delivered.filter(func(e *sim.Event) bool { return e.Flags == sim.SYN })[0]
		if udp.Sock != sockFor[sim.UDP] || udp.Match != "udp" || syn.Sock != sockFor[sim.TCP] || syn.Match != "listener" {
			t.Errorf("the datagram went to socket %d (%s) and the SYN to socket %d (%s); want named's UDP socket %d and TCP listener %d",
				udp.Sock, udp.Match, syn.Sock, syn.Match, sockFor[sim.UDP], sockFor[sim.TCP])
		}
		smtp := s.data().filter(func(e *sim.Event) bool { return e.Src.Port() == 25 || e.Dst.Port() == 25 })
		if len(smtp) == 0 || smtp[0].Src.Port() != 25 || !strings.HasPrefix(smtp[0].Data, "220 ") {
			t.Errorf("the first SMTP data was not the server's 220 greeting: %+v", smtp)
		}
		refused := s.kind(sim.KindError).program("firefox").want(t, 1, "browser errors")[0]
		if refused.Errno != sim.ECONNREFUSED || refused.Remote.Port() != 8000 {
			t.Errorf("error = %s for %s, want ECONNREFUSED for port 8000", refused.Errno, refused.Remote)
		}
	},

	"ephemeral-ports": func(t *testing.T, s stream) {
		lo, hi := s.hostRange(t, "laptop")
		assigns := s.kind(sim.KindPortAssign).on("laptop").want(t, 2, "ports lent on the laptop")
		if assigns[0].PID == assigns[1].PID {
			t.Errorf("both ports went to PID %d, want the two browsers", assigns[0].PID)
		}
		if assigns[0].Port == assigns[1].Port {
			t.Errorf("both browsers got port %d", assigns[0].Port)
		}
		for _, e := range assigns {
			if e.Port < lo || e.Port > hi || e.Ephemeral == nil || !*e.Ephemeral {
				t.Errorf("port %d (ephemeral=%v): want an ephemeral port in %d-%d", e.Port, e.Ephemeral, lo, hi)
			}
		}
		first := assigns[0].Port
		tw := s.kind(sim.KindSocketState).on("laptop").filter(func(e *sim.Event) bool {
			return e.To == "TIME_WAIT" && e.Local.Port() == first
		}).want(t, 1, "TIME_WAIT for the first browser")[0]
		rel := s.kind(sim.KindPortRelease).on("laptop").filter(func(e *sim.Event) bool { return e.Port == first }).
			want(t, 1, "release of the first port")[0]
		if rel.T < tw.Until {
			t.Errorf("port %d released at %s, before TIME_WAIT ends at %s", first, rel.T, tw.Until)
		}
	},

	"many-clients-one-port": func(t *testing.T, s stream) {
		accepts := s.kind(sim.KindSocketAccept).on("web").want(t, 3, "accepted connections")
		remotes := map[netip.AddrPort]bool{}
		ips := map[netip.Addr]bool{}
		for _, e := range accepts {
			if e.Local.Port() != 80 {
				t.Errorf("accepted socket %d has local port %d, want 80", e.Sock, e.Local.Port())
			}
			remotes[e.Remote] = true
			ips[e.Remote.Addr()] = true
		}
		if len(remotes) != 3 || len(ips) != 2 {
			t.Errorf("clients %v: want three different ip:port pairs from two hosts", remotes)
		}
		for _, e := range s.kind(sim.KindPacketDeliver).on("web").filter(func(e *sim.Event) bool { return e.Len > 0 }) {
			if e.Match != "established" {
				t.Errorf("data from %s matched %q, want its established connection", e.Src, e.Match)
			}
		}
		phone := accepts[2].Remote
		reply := s.data().on("web").filter(func(e *sim.Event) bool { return e.Dst == phone }).want(t, 1, "reply to the phone")[0]
		if reply.ToHost != "phone" || reply.Src.Port() != 80 {
			t.Errorf("the reply to %s went from port %d to host %q, want port 80 to the phone", phone, reply.Src.Port(), reply.ToHost)
		}
	},

	"server-ephemeral-ports": func(t *testing.T, s stream) {
		lo, hi := s.hostRange(t, "files")
		web := s.kind(sim.KindSocketAccept).on("files").program("nginx").want(t, 1, "web accept")[0]
		if web.Local.Port() != 80 {
			t.Errorf("the web server accepted on port %d, want 80", web.Local.Port())
		}
		pasv := s.kind(sim.KindPortAssign).on("files").program("vsftpd").want(t, 1, "the passive-mode port")[0]
		p := pasv.Port
		if pasv.Call != "bind" || pasv.Ephemeral == nil || !*pasv.Ephemeral || p < lo || p > hi {
			t.Errorf("passive port %d (call %q): want an ephemeral port from bind(0) in %d-%d", p, pasv.Call, lo, hi)
		}
		reply := s.data().program("vsftpd").filter(func(e *sim.Event) bool { return strings.HasPrefix(e.Data, "227 ") })
		wantReply := fmt.Sprintf("227 Entering Passive Mode (10,0,0,5,%d,%d).", p>>8, p&0xff)
		if len(reply) != 1 || reply[0].Data != wantReply {
			t.Errorf("227 replies = %v, want one: %q", reply, wantReply)
		}
		accepts := s.kind(sim.KindSocketAccept).program("vsftpd")
		if len(accepts.filter(func(e *sim.Event) bool { return e.Local.Port() == p })) != 1 {
			t.Errorf("vsftpd accepted no data connection on port %d", p)
		}
		file := s.data().program("vsftpd").filter(func(e *sim.Event) bool { return strings.HasPrefix(e.Data, "Ports are per protocol:") }).
			want(t, 1, "the file on the data connection")[0]
		if file.Src.Port() != p {
			t.Errorf("the file came from port %d, want the passive port %d", file.Src.Port(), p)
		}
		s.kind(sim.KindSocketState).on("files").filter(func(e *sim.Event) bool {
			return e.To == "TIME_WAIT" && e.Local.Port() == p
		}).want(t, 1, "the server's data side in TIME_WAIT (it closed first)")

		block := s.data().program("tftpd").filter(func(e *sim.Event) bool { return strings.HasPrefix(e.Data, "DATA ") }).
			want(t, 1, "the TFTP data block")[0]
		q := block.Src.Port()
		if q == 69 || q < lo || q > hi {
			t.Errorf("TFTP answered from port %d, want a new ephemeral port in %d-%d", q, lo, hi)
		}
		ack := s.data().program("tftp").filter(func(e *sim.Event) bool { return e.Data == "ACK block 1" }).
			want(t, 1, "the client's acknowledgement")[0]
		if ack.Dst.Port() != q {
			t.Errorf("the client acknowledged to port %d, want the transfer port %d", ack.Dst.Port(), q)
		}
	},

	"port-conflict": func(t *testing.T, s stream) {
		nginx := s.pids("web", "nginx")
		if len(nginx) != 4 {
			t.Fatalf("nginx started %d times, want 4", len(nginx))
		}
		bindFails := func(pid int, what string) {
			t.Helper()
			errs := s.kind(sim.KindError).pid(pid).want(t, 1, what+" errors")
			if errs[0].Errno != sim.EADDRINUSE || errs[0].Call != "bind" {
				t.Errorf("%s: %s from %s(), want EADDRINUSE from bind()", what, errs[0].Errno, errs[0].Call)
			}
			exit := s.kind(sim.KindProcessExit).pid(pid).want(t, 1, what+" exit")[0]
			if exit.Code != 1 {
				t.Errorf("%s exits with status %d, want 1", what, exit.Code)
			}
		}
		bindFails(nginx[1], "the second nginx")
		api := s.kind(sim.KindSocketListen).program("api").want(t, 2, "api listeners")
		if api[0].PID == api[1].PID || api[0].Local.Port() != 9000 || api[1].Local.Port() != 9000 {
			t.Errorf("api listeners: PID %d on %s and PID %d on %s, want two processes on port 9000",
				api[0].PID, api[0].Local, api[1].PID, api[1].Local)
		}
		my := s.pids("web", "myserver")
		if len(my) != 2 {
			t.Fatalf("myserver started %d times, want 2", len(my))
		}
		restart := s.kind(sim.KindProcessStart).pid(my[1])[0].Seq
		timeWait := func(port uint16) stream {
			return s.kind(sim.KindSocketState).on("web").before(restart).filter(func(e *sim.Event) bool {
				return e.To == "TIME_WAIT" && e.Local.Port() == port
			})
		}
		timeWait(8000).want(t, 1, "a TIME_WAIT connection on port 8000 before the restart")
		bindFails(my[1], "the restarted myserver")

		restarted := nginx[3]
		listen := s.kind(sim.KindSocketListen).pid(restarted).want(t, 1, "the restarted nginx's listener")[0]
		tw := s.kind(sim.KindSocketState).on("web").before(listen.Seq).filter(func(e *sim.Event) bool {
			return e.To == "TIME_WAIT" && e.Local.Port() == 80
		}).want(t, 1, "a TIME_WAIT connection on port 80")[0]
		if tw.Until <= listen.T {
			t.Errorf("TIME_WAIT on port 80 ended at %s, before nginx listened again at %s: the lesson shows nothing", tw.Until, listen.T)
		}
		if n := len(s.kind(sim.KindError).pid(restarted)); n != 0 {
			t.Errorf("the restarted nginx had %d errors, want none (it sets SO_REUSEADDR)", n)
		}
	},

	"port-exhaustion": func(t *testing.T, s stream) {
		if lo, hi := s.hostRange(t, "client"); lo != 7000 || hi != 7003 {
			t.Fatalf("client range %d-%d, want 7000-7003", lo, hi)
		}
		shop, images := ap("10.0.0.2:80"), ap("10.0.0.3:80")
		assigns := s.kind(sim.KindPortAssign).on("client").want(t, 6, "ports lent on the client")
		var first []uint16
		for _, e := range assigns[:4] {
			if e.Remote != shop {
				t.Errorf("assign %d is towards %s, want the shop", e.Seq, e.Remote)
			}
			first = append(first, e.Port)
		}
		if first[0]%2 != 0 || first[1]%2 != 0 || first[2]%2 != 1 || first[3]%2 != 1 {
			t.Errorf("ports in order %v: Linux lends the even ports first, then the odd ones", first)
		}
		if sorted := slices.Sorted(slices.Values(first)); !slices.Equal(sorted, []uint16{7000, 7001, 7002, 7003}) {
			t.Errorf("the four connections got %v, want the whole range", first)
		}
		errs := s.kind(sim.KindError).on("client").want(t, 2, "errors on the client")
		for _, e := range errs {
			if e.Errno != sim.EADDRNOTAVAIL || e.Call != "connect" || e.Remote != shop {
				t.Errorf("error %s from %s() towards %s, want EADDRNOTAVAIL from connect() towards the shop", e.Errno, e.Call, e.Remote)
			}
		}
		if assigns[4].Remote != images || !slices.Contains(first, assigns[4].Port) || assigns[4].Seq < errs[0].Seq {
			t.Errorf("after running out, the connection to images got port %d towards %s; want one of %v, shared", assigns[4].Port, assigns[4].Remote, first)
		}
		tw := s.kind(sim.KindSocketState).on("client").filter(func(e *sim.Event) bool { return e.To == "TIME_WAIT" }).
			want(t, 1, "TIME_WAIT on the client")[0]
		if tw.Local.Port() != first[0] || errs[1].Seq < tw.Seq {
			t.Errorf("TIME_WAIT on port %d at event %d; want the first connection's port %d, before the second failure", tw.Local.Port(), tw.Seq, first[0])
		}
		last := assigns[5]
		if last.Remote != shop || last.Port != first[0] || last.T < tw.Until {
			t.Errorf("last connect got port %d at %s; want port %d again towards the shop, after TIME_WAIT ends at %s", last.Port, last.T, first[0], tw.Until)
		}
	},

	"same-host": func(t *testing.T, s stream) {
		loop := s.kind(sim.KindPacketSend).filter(func(e *sim.Event) bool {
			return e.Src.Addr().IsLoopback() || e.Dst.Addr().IsLoopback()
		})
		if len(loop) == 0 {
			t.Fatal("no loopback packets")
		}
		for _, e := range loop {
			if e.Host != "laptop" || e.ToHost != "laptop" || !e.Src.Addr().IsLoopback() || !e.Dst.Addr().IsLoopback() {
				t.Errorf("loopback packet %s -> %s went from %q to %q; it must never leave the laptop", e.Src, e.Dst, e.Host, e.ToHost)
			}
		}
		app := s.pids("laptop", "webapp")[0]
		remote := s.kind(sim.KindPacketSend).pid(app).filter(func(e *sim.Event) bool { return e.Dst.Port() == 80 })
		if len(remote) == 0 {
			t.Fatal("the application sent nothing to the web server")
		}
		for _, e := range remote {
			if e.ToHost != "web" || e.Src.Addr() != netip.MustParseAddr("192.168.1.10") {
				t.Errorf("packet %s -> %s went to %q, want the web host from the laptop's own address", e.Src, e.Dst, e.ToHost)
			}
		}
		ps, grep := s.pids("laptop", "ps")[0], s.pids("laptop", "grep")[0]
		w := s.kind(sim.KindPipeWrite).want(t, 1, "pipe writes")[0]
		r := s.kind(sim.KindPipeRead).want(t, 1, "pipe reads")[0]
		if w.PID != ps || w.PPID != grep || r.PID != grep || r.PPID != ps || r.Seq != w.Seq+1 || r.Data != w.Data {
			t.Errorf("pipe: write by %d to %d, read by %d from %d; want ps writing to grep and grep reading it at once", w.PID, w.PPID, r.PID, r.PPID)
		}
		for _, pid := range []int{ps, grep} {
			if n := len(s.pid(pid).filter(func(e *sim.Event) bool { return e.Kind == sim.KindSocketOpen || e.Kind == sim.KindPacketSend })); n != 0 {
				t.Errorf("PID %d used %d socket or packet events; a pipe needs none", pid, n)
			}
		}
	},

	"os-differences": func(t *testing.T, s stream) {
		for _, tt := range []struct {
			host     string
			os       string
			lo, hi   uint16
			steps    []int // allowed differences between the two ports; nil = any
			timeWait sim.Time
		}{
			{"ubuntu", "linux", 32768, 60999, []int{2, 4, 6, 8, 10, 12, 14, 16}, 60 * sim.Second},
			{"win11", "windows", 49152, 65535, []int{1}, 120 * sim.Second},
			{"macbook", "macos", 49152, 65535, []int{1}, 30 * sim.Second},
			{"freebsd", "freebsd", 10000, 65535, nil, 0},
		} {
			up := s.kind(sim.KindHostUp).on(tt.host).want(t, 1, "host.up")[0]
			if up.OS != tt.os || up.RangeLo != tt.lo || up.RangeHi != tt.hi {
				t.Errorf("%s: %s %d-%d, want %s %d-%d", tt.host, up.OS, up.RangeLo, up.RangeHi, tt.os, tt.lo, tt.hi)
			}
			assigns := s.kind(sim.KindPortAssign).on(tt.host).want(t, 2, tt.host+" ports")
			for _, e := range assigns {
				if e.Port < tt.lo || e.Port > tt.hi {
					t.Errorf("%s: port %d outside %d-%d", tt.host, e.Port, tt.lo, tt.hi)
				}
			}
			step := int(assigns[1].Port) - int(assigns[0].Port)
			if tt.steps != nil && !slices.Contains(tt.steps, step) {
				t.Errorf("%s: ports %d then %d, a step of %d; want one of %v", tt.host, assigns[0].Port, assigns[1].Port, step, tt.steps)
			}
			if tt.os == "linux" && (assigns[0].Port%2 != 0 || assigns[1].Port%2 != 0) {
				t.Errorf("%s: ports %d and %d, want even ports from connect()", tt.host, assigns[0].Port, assigns[1].Port)
			}
			if tt.timeWait != 0 {
				tw := s.kind(sim.KindSocketState).on(tt.host).filter(func(e *sim.Event) bool { return e.To == "TIME_WAIT" }).
					want(t, 1, tt.host+" TIME_WAIT")[0]
				if d := tw.Until - tw.T; d != tt.timeWait {
					t.Errorf("%s: TIME_WAIT lasts %s, want %s", tt.host, d, tt.timeWait)
				}
			}
		}
	},

	"worker-processes": func(t *testing.T, s stream) {
		web := s.on("web")
		// Pre-fork: one listening socket, inherited by four workers, who
		// each accept one connection on it.
		master := s.pids("web", "nginx")[0]
		workers := map[int]bool{}
		for _, e := range web.kind(sim.KindProcessStart).program("nginx") {
			if e.PPID == master {
				workers[e.PID] = true
			}
		}
		if len(workers) != 4 {
			t.Fatalf("nginx forked %d workers, want 4", len(workers))
		}
		l := web.kind(sim.KindSocketListen).program("nginx").want(t, 1, "nginx listen() calls")[0]
		accepts := web.kind(sim.KindSocketAccept).program("nginx").want(t, 4, "connections nginx accepts")
		took := map[int]bool{}
		for _, a := range accepts {
			if !workers[a.PID] || a.Parent != l.Sock || a.Local.Port() != 80 {
				t.Errorf("nginx accept by PID %d from listener %d on port %d; want a worker, the master's listener %d, port 80", a.PID, a.Parent, a.Local.Port(), l.Sock)
			}
			took[a.PID] = true
		}
		if len(took) != 4 {
			t.Errorf("%d workers accepted the four connections, want each of the 4", len(took))
		}
		// SO_REUSEPORT: four listening sockets on port 8080, one per
		// process; each connection is accepted from one of them by the
		// process that owns it.
		owner := map[int]int{}
		for _, e := range web.kind(sim.KindSocketListen).program("api").want(t, 4, "api listen() calls") {
			if e.Local.Port() != 8080 {
				t.Errorf("api listens on %s, want port 8080", e.Local)
			}
			owner[e.Sock] = e.PID
		}
		if len(owner) != 4 {
			t.Errorf("api has %d distinct listening sockets, want 4", len(owner))
		}
		for _, a := range web.kind(sim.KindSocketAccept).program("api").want(t, 4, "connections api accepts") {
			if pid, ok := owner[a.Parent]; !ok || pid != a.PID || a.Local.Port() != 8080 {
				t.Errorf("api accept by PID %d from socket %d (owned by %d) on port %d; want the owner of one of the 8080 listeners", a.PID, a.Parent, pid, a.Local.Port())
			}
		}
		// Threads: one process, one listener, four acceptor threads.
		jl := web.kind(sim.KindSocketListen).program("jetty").want(t, 1, "jetty listen() calls")[0]
		tids := map[int]bool{}
		for _, a := range web.kind(sim.KindSocketAccept).program("jetty").want(t, 4, "connections jetty accepts") {
			if a.PID != jl.PID || a.Parent != jl.Sock || a.TID == a.PID {
				t.Errorf("jetty accept by PID %d thread %d from socket %d; want an acceptor thread of PID %d on listener %d", a.PID, a.TID, a.Parent, jl.PID, jl.Sock)
			}
			tids[a.TID] = true
		}
		if len(tids) != 4 {
			t.Errorf("%d jetty threads accepted, want 4", len(tids))
		}
	},

	"dev-servers": func(t *testing.T, s stream) {
		laptop := s.on("laptop")
		nexts := s.pids("laptop", "next")
		if len(nexts) != 2 {
			t.Fatalf("next processes = %v, want two", nexts)
		}
		shop, admin := nexts[0], nexts[1]
		if l := laptop.kind(sim.KindSocketListen).pid(shop).want(t, 1, "the shop's listener")[0]; l.Local.Port() != 3000 {
			t.Errorf("the shop listens on %s, want port 3000", l.Local)
		}
		rails := s.pids("laptop", "rails")[0]
		if e := laptop.kind(sim.KindError).pid(rails).want(t, 1, "rails errors")[0]; e.Errno != sim.EADDRINUSE || e.Call != "bind" {
			t.Errorf("rails got %s from %s, want EADDRINUSE from bind", e.Errno, e.Call)
		}
		if x := laptop.kind(sim.KindProcessExit).pid(rails).want(t, 1, "rails exits")[0]; x.Code != 1 {
			t.Errorf("rails exits with %d, want 1", x.Code)
		}
		if e := laptop.kind(sim.KindError).pid(admin).want(t, 1, "the admin server's errors")[0]; e.Errno != sim.EADDRINUSE {
			t.Errorf("the admin server got %s, want EADDRINUSE for port 3000", e.Errno)
		}
		var said []string
		for _, e := range laptop.kind(sim.KindProcessOutput).pid(admin) {
			said = append(said, e.Data)
		}
		if want := []string{"Port 3000 is in use, trying 3001 instead.", "listening on http://0.0.0.0:3001"}; !slices.Equal(said, want) {
			t.Errorf("the admin server printed %q, want %q", said, want)
		}
		if l := laptop.kind(sim.KindSocketListen).pid(admin).want(t, 1, "the admin server's listener")[0]; l.Local.Port() != 3001 {
			t.Errorf("the admin server listens on %s, want port 3001", l.Local)
		}
		// Port 0: the OS picks from its range; the server prints it, and
		// the client connects there.
		tests := s.pids("laptop", "apitest")[0]
		bind := laptop.kind(sim.KindSocketBind).pid(tests).want(t, 1, "the test server's bind")[0]
		lo, hi := s.hostRange(t, "laptop")
		port := bind.Local.Port()
		if bind.Ephemeral == nil || !*bind.Ephemeral || port < lo || port > hi {
			t.Errorf("the test server bound %s (ephemeral %v), want a port the OS chose from %d-%d", bind.Local, bind.Ephemeral, lo, hi)
		}
		out := laptop.kind(sim.KindProcessOutput).pid(tests).want(t, 1, "lines the test server prints")[0]
		if want := "listening on http://127.0.0.1:" + fmt.Sprint(port); out.Data != want {
			t.Errorf("the test server printed %q, want %q", out.Data, want)
		}
		laptop.kind(sim.KindPacketSend).filter(func(e *sim.Event) bool {
			return e.Flags == sim.SYN && e.Dst == netip.AddrPortFrom(sim.Loopback, port)
		}).want(t, 1, "SYNs to the printed port")
	},

	"a-web-page": func(t *testing.T, s stream) {
		laptop := s.on("laptop")
		lo, hi := s.hostRange(t, "laptop")
		// DNS: one query (the browser caches the answer) over UDP to port
		// 53 from an ephemeral port, answered from 53 to that port with
		// the same ID and the site's address.
		query := laptop.kind(sim.KindPacketSend).filter(func(e *sim.Event) bool {
			return e.Dst.Port() == 53
		}).want(t, 1, "DNS queries")[0]
		if query.Proto != sim.UDP || query.Src.Port() < lo || query.Src.Port() > hi || !strings.HasPrefix(query.Data, "query A example.org (id 0x") {
			t.Errorf("DNS query %s %s -> %s %q, want UDP from an ephemeral port (%d-%d) asking for example.org", query.Proto, query.Src, query.Dst, query.Data, lo, hi)
		}
		answer := s.on("resolver").kind(sim.KindPacketSend).want(t, 1, "DNS answers")[0]
		ans, ok := sim.ParseDNSAnswer(answer.Data)
		q, _ := strings.CutPrefix(query.Data, "query A example.org (id 0x")
		if !ok || answer.Src.Port() != 53 || answer.Dst != query.Src || fmt.Sprintf("%04x)", ans.ID) != q ||
			len(ans.Addrs) != 1 || ans.Addrs[0] != netip.MustParseAddr("93.184.215.14") {
			t.Errorf("DNS answer %s -> %s %q, want from port 53 to %s with the query's ID and 93.184.215.14", answer.Src, answer.Dst, answer.Data, query.Src)
		}
		// HTTPS: four TCP connections to 443 from four ephemeral ports,
		// each opening with a ClientHello that names the site.
		syns := laptop.kind(sim.KindPacketSend).filter(func(e *sim.Event) bool { return e.Flags == sim.SYN })
		ports := map[uint16]bool{}
		for _, syn := range syns.want(t, 4, "TCP connections") {
			if syn.Dst != ap("93.184.215.14:443") || syn.Src.Port() < lo || syn.Src.Port() > hi {
				t.Errorf("SYN %s -> %s, want an ephemeral port to 93.184.215.14:443", syn.Src, syn.Dst)
			}
			ports[syn.Src.Port()] = true
			first := laptop.data().filter(func(e *sim.Event) bool { return e.Src == syn.Src })
			if len(first) == 0 || first[0].Data != "TLS ClientHello (SNI example.org)" {
				t.Errorf("the first data from %s is %v, want the ClientHello naming example.org", syn.Src, first)
			}
		}
		if len(ports) != 4 {
			t.Errorf("the four connections used %d ports, want 4", len(ports))
		}
		if n := len(laptop.data().filter(func(e *sim.Event) bool { return strings.Contains(e.Data, "GET") })); n != 0 {
			t.Errorf("%d requests went out readable, want every one encrypted", n)
		}
		// QUIC: the port changes, the connection ID stays, and the server
		// answers at the new port.
		quic := laptop.kind(sim.KindPacketSend).filter(func(e *sim.Event) bool {
			return e.Proto == sim.UDP && strings.HasPrefix(e.Data, "QUIC 1-RTT")
		}).want(t, 2, "HTTP/3 requests")
		if quic[0].Src.Port() == quic[1].Src.Port() || quic[0].Dst != ap("93.184.215.14:443") ||
			quic[0].Data[:len("QUIC 1-RTT, DCID 0123456789abcdef")] != quic[1].Data[:len("QUIC 1-RTT, DCID 0123456789abcdef")] {
			t.Errorf("HTTP/3 requests %s %q and %s %q, want two ports and one connection ID", quic[0].Src, quic[0].Data, quic[1].Src, quic[1].Data)
		}
		replies := s.on("site").kind(sim.KindPacketSend).filter(func(e *sim.Event) bool {
			return strings.HasPrefix(e.Data, "QUIC 1-RTT")
		}).want(t, 2, "HTTP/3 answers")
		if replies[0].Dst != quic[0].Src || replies[1].Dst != quic[1].Src {
			t.Errorf("HTTP/3 answers went to %s and %s, want %s and then the new %s", replies[0].Dst, replies[1].Dst, quic[0].Src, quic[1].Src)
		}
	},

	"home-router": func(t *testing.T, s stream) {
		public := netip.MustParseAddr("203.0.113.5")
		private := netip.MustParsePrefix("192.168.1.0/24")
		// Outside, every letter from home carries the router's public
		// address; nothing outside ever sees a private one.
		for _, e := range s.kind(sim.KindPacketSend) {
			if (e.Host == "server" || e.Host == "friend") && private.Contains(e.Dst.Addr()) {
				t.Errorf("%s sent to a private address: %s -> %s", e.Host, e.Src, e.Dst)
			}
			if e.Host == "router" && (e.ToHost == "server" || e.ToHost == "friend") && e.Src.Addr() != public {
				t.Errorf("a letter left home from %s, want the public %s", e.Src, public)
			}
		}
		// The web server's accepted connection comes from the router.
		acc := s.on("server").kind(sim.KindSocketAccept).want(t, 1, "connections the web server accepts")[0]
		if acc.Remote.Addr() != public {
			t.Errorf("the web server accepted a connection from %s, want %s", acc.Remote, public)
		}
		// Both games used port 3074; the router kept it for the laptop and
		// changed it for the phone, and each answer went back to its own
		// device.
		maps := s.kind(sim.KindNATMap).filter(func(e *sim.Event) bool { return e.Proto == sim.UDP }).want(t, 2, "UDP mappings")
		if maps[0].Src != ap("192.168.1.10:3074") || maps[0].Local != ap("203.0.113.5:3074") ||
			maps[1].Src != ap("192.168.1.11:3074") || maps[1].Local.Port() == 3074 || maps[1].Local.Addr() != public {
			t.Errorf("UDP mappings %s -> %s and %s -> %s; want the laptop's port kept, the phone's changed", maps[0].Src, maps[0].Local, maps[1].Src, maps[1].Local)
		}
		for _, m := range maps {
			back := s.on("router").kind(sim.KindPacketSend).filter(func(e *sim.Event) bool {
				return e.Proto == sim.UDP && e.Dst == m.Src
			})
			if len(back) != 1 || back[0].Src.Port() != 3074 {
				t.Errorf("answers handed inside to %s: %d, want the one echo from port 3074", m.Src, len(back))
			}
		}
		// The unsolicited SYN is dropped at the router, with no answer,
		// and the friend's connect() times out.
		drops := s.on("router").kind(sim.KindPacketDrop).filter(func(e *sim.Event) bool { return e.Dst == ap("203.0.113.5:22") })
		if len(drops) == 0 || drops[0].Reason != "no-mapping" {
			t.Errorf("drops of the SYN to port 22: %v, want no-mapping", drops)
		}
		if n := len(s.on("router").kind(sim.KindPacketSend).filter(func(e *sim.Event) bool { return e.ToHost == "friend" && e.Flags&sim.RST != 0 })); n != 0 {
			t.Errorf("the router answered the friend with %d RSTs, want none", n)
		}
		if e := s.on("friend").kind(sim.KindError).want(t, 1, "the friend's errors")[0]; e.Errno != sim.ETIMEDOUT {
			t.Errorf("the friend's connect to port 22 got %s, want ETIMEDOUT", e.Errno)
		}
		// Port forwarding: 8080 outside is the Pi's port 80 inside; its
		// answers leave as 203.0.113.5:8080.
		pi := s.on("pi").kind(sim.KindSocketAccept).want(t, 1, "connections the Pi accepts")[0]
		if pi.Local.Port() != 80 || pi.Remote.Addr() != netip.MustParseAddr("100.64.20.7") {
			t.Errorf("the Pi accepted %s from %s, want port 80 from the friend", pi.Local, pi.Remote)
		}
		for _, e := range s.on("router").kind(sim.KindPacketSend).filter(func(e *sim.Event) bool { return e.ToHost == "friend" }) {
			if e.Src != ap("203.0.113.5:8080") {
				t.Errorf("a letter to the friend left from %s, want 203.0.113.5:8080", e.Src)
			}
		}
		// The UDP mappings expire, and the late update is dropped.
		exp := s.kind(sim.KindNATExpire).filter(func(e *sim.Event) bool { return e.Proto == sim.UDP }).want(t, 2, "UDP mappings expiring")
		late := s.on("router").kind(sim.KindPacketDrop).filter(func(e *sim.Event) bool { return e.Dst == ap("203.0.113.5:3074") }).want(t, 1, "drops of the late update")[0]
		if late.Seq < exp[0].Seq || late.T-exp[0].T < 0 {
			t.Errorf("the late update was dropped at %s, before its mapping expired at %s", late.T, exp[0].T)
		}
	},
}

func TestTeachingPoints(t *testing.T) {
	t.Parallel()
	for _, id := range lessons.IDs {
		check, ok := teachingPoints[id]
		if !ok {
			t.Errorf("lesson %s has no teaching-point test", id)
			continue
		}
		for _, opt := range runs() {
			name := fmt.Sprintf("%s/seed=%d/os=%s", id, lesson(t, id).Scenario.SeedFor(opt), opt.OS)
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				check(t, run(t, id, opt))
			})
		}
	}
	if len(teachingPoints) != len(lessons.IDs) {
		t.Errorf("%d teaching-point tests for %d lessons", len(teachingPoints), len(lessons.IDs))
	}
}

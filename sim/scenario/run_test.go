package scenario_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"portville/sim"
	"portville/sim/scenario"
)

func mustParse(t *testing.T, in string) *scenario.Scenario {
	t.Helper()
	sc, err := scenario.Parse("t.yaml", []byte(in))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return sc
}

// echoPair is two hosts each running a UDP echo server, so a datagram
// from one echo server to the other bounces for ever.
const echoPair = `title: Ping-pong
hosts:
  - name: a
    addr: 10.0.0.1
    programs: [{name: echo, server: {listen: udp/7, protocol: echo}}]
  - name: b
    addr: 10.0.0.2
    programs: [{name: echo, server: {listen: udp/7, protocol: echo}}]
%s
steps:
  - start: echo
    on: a
    as: ea
  - start: echo
    on: b
    as: eb
  - sendto: ea.udp7
    to: b:7
    data: ping
`

// TestRunErrors lists the problems that show only when a scenario runs,
// each at the step that causes it.
func TestRunErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"a server that exited on its own", withSteps("  - start: srv\n    on: a\n  - start: srv\n    on: a\n    as: again\n  - thread: again\n    job: x\n    as: t\n"),
			`t.yaml:19:5: step thread: process "again" (PID 4515) has exited, so it cannot thread`},
		{"a connection that was never accepted", withSteps("  - start: srv\n    on: a\n  - accept: srv.tcp80\n    as: conn\n  - send: srv.conn\n    data: hi\n"),
			`t.yaml:18:5: step send: srv.conn is not open`},
		{"a measured socket that never existed", withSteps("  - start: srv\n    on: a\n  - accept: srv.tcp80\n    as: conn\n" +
			checkpoint("[{text: a, value: '80'}, {text: b, value: x}]", "{port: srv.conn}", "") + "  - wait: 1s\n"),
			`t.yaml:18:5: checkpoint: socket srv.conn never existed in this run`},
		{"too many threads", withSteps("  - start: cli\n    on: a\n" + repeat(256, "  - thread: cli\n    job: j\n    as: t%d\n")),
			`t.yaml:781:5: step thread: process 4514: too many threads (the limit is 256)`},
		{"no choice matches the measurement", withSteps("  - start: srv\n    on: a\n  - start: cli\n    on: b\n" +
			checkpoint("[{text: a, value: ECONNREFUSED}, {text: b, value: EADDRINUSE}]", "{errno: cli}", "") +
			"  - connect: cli.s\n    to: a:80\n"),
			`t.yaml:18:5: checkpoint: the simulation gave "none", which matches no choice (the choices cover: ECONNREFUSED, EADDRINUSE); add a choice for it or change the question`},
		{"too many events", strings.Replace(echoPair, "%s\n", "", 1),
			`t.yaml:16:5: the scenario produced more than 100000 events, the limit, during or after this sendto step (do two programs keep answering each other?)`},
		{"too much simulated time", strings.Replace(echoPair, "%s", "links: [{between: [a, b], latency: 10s}]", 1),
			`t.yaml:17:5: the scenario ran past 2h of simulated time, the limit, during or after this sendto step`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := mustParse(t, tt.in).Run(scenario.Options{})
			var re *scenario.RunError
			if !errors.As(err, &re) {
				t.Fatalf("Run error = %v, want a *RunError", err)
			}
			if err.Error() != tt.want {
				t.Errorf("Run error:\n%s\nwant:\n%s", err, tt.want)
			}
		})
	}
}

// timeWaitQuestion asks whether a connection is still in TIME_WAIT 45 s
// after it closed: yes on Linux (60 s), no on macOS (30 s). os pins the
// client host's OS when set.
func timeWaitQuestion(os string) string {
	pin := ""
	if os != "" {
		pin = "    os: " + os + "\n"
	}
	return `title: Test
hosts:
  - name: a
    addr: 10.0.0.1
    programs: [{name: srv, server: {listen: tcp/80}}]
  - name: b
    addr: 10.0.0.2
` + pin + `    programs: [{name: cli}]
steps:
  - start: srv
    on: a
  - start: cli
    on: b
  - connect: cli.s
    to: a:80
  - close: cli.s
  - checkpoint:
      question: Still in TIME_WAIT?
      choices: [{text: "no", value: gone}, {text: "yes", value: TIME_WAIT}]
      measure: {state: cli.s}
  - wait: 45s
`
}

// TestCheck: a checkpoint must give the same answer for every seed and OS
// profile; Check names the first run that disagrees, and pinning the OS
// settles it.
func TestCheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"answer depends on the OS", timeWaitQuestion(""),
			`t.yaml:17:5: checkpoint: the right answer changes with the seed or OS: choice b ("TIME_WAIT") with seed 1, but choice a ("gone") with seed 1, --os macos; pin the hosts' os: or ask a question whose answer does not depend on them`},
		{"OS pinned", timeWaitQuestion("linux"), ""},
		{"no choice for one OS", strings.Replace(timeWaitQuestion(""), `{text: "no", value: gone}, `, "{text: \"no\", value: CLOSED}, ", 1),
			`t.yaml:17:5: checkpoint: the simulation gave "gone", which matches no choice (the choices cover: CLOSED, TIME_WAIT); add a choice for it or change the question (with --os macos)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := mustParse(t, tt.in).Check()
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Errorf("Check() =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

// TestMeasures runs each measure on a small network and checks the value
// it reports and the choice that value selects.
func TestMeasures(t *testing.T) {
	t.Parallel()
	const net = `title: Measures
seed: 3
hosts:
  - name: client
    addr: 10.0.0.10
    os: linux
    range: 7000-7099
    programs: [{name: cli}, {name: tftp, client: tftp}, {name: ftp, client: ftp}]
  - name: server
    addr: 10.0.0.2
    os: linux
    programs:
      - {name: web, server: {listen: tcp/80, protocol: http}}
      - {name: tftpd, server: {listen: udp/69, protocol: tftp}}
      - {name: ftpd, server: {listen: tcp/21, protocol: ftp}}
steps:
  - start: web
    on: server
  - start: tftpd
    on: server
  - start: ftpd
    on: server
  - start: cli
    on: client
  - start: tftp
    on: client
  - start: ftp
    on: client
  - connect: ftp.control
    to: server:21
  - send: ftp.control
    data: USER anonymous
`
	tests := []struct {
		name    string
		measure string
		steps   string // steps the answer waits for
		reveal  int
		want    string
	}{
		{"port of a server socket", "{port: web.tcp80}", "  - wait: 1ms\n", 1, "80"},
		{"ephemeral yes", "{ephemeral: cli.a}", "  - connect: cli.a\n    to: server:80\n", 1, "yes"},
		{"ephemeral no", "{ephemeral: cli.a}", "  - bind: cli.a\n    addr: :8000\n", 1, "no"},
		{"in_range", "{in_range: cli.a}", "  - connect: cli.a\n    to: server:80\n", 1, "yes"},
		{"in_range no", "{in_range: cli.a}", "  - bind: cli.a\n    addr: :8000\n", 1, "no"},
		{"same_port", "{same_port: [cli.a, cli.b]}", "  - connect: cli.a\n    to: server:80\n  - connect: cli.b\n    to: server:80\n", 2, "different"},
		{"port_step", "{port_step: [cli.a, cli.b]}", "  - bind: cli.a\n    addr: :8000\n  - bind: cli.b\n    addr: :8003\n", 2, "3"},
		{"port_step down", "{port_step: [cli.a, cli.b]}", "  - bind: cli.a\n    addr: :8003\n  - bind: cli.b\n    addr: :8000\n", 2, "-3"},
		{"state", "{state: cli.a}", "  - connect: cli.a\n    to: server:80\n", 1, "ESTABLISHED"},
		{"state after a refusal", "{state: cli.a}", "  - connect: cli.a\n    to: server:81\n", 1, "CLOSED"},
		{"state gone", "{state: cli.a}", "  - connect: cli.a\n    to: server:81\n  - close: cli.a\n", 2, "gone"},
		{"errno of a process", "{errno: cli}", "  - connect: cli.a\n    to: server:81\n", 1, "ECONNREFUSED"},
		{"errno of anyone", "{errno: true}", "  - bind: cli.a\n    addr: :80\n", 1, "EACCES"},
		{"errno none", "{errno: cli}", "  - connect: cli.a\n    to: server:80\n", 1, "none"},
		{"processes", "{processes: cli@client}", "  - start: cli\n    on: client\n    as: cli2\n", 1, "2"},
		{"threads", "{threads: cli}", "  - thread: cli\n    job: x\n    as: x\n", 1, "2"},
		{"packet to_host", "{packet: to_host, from: cli}", "  - connect: cli.a\n    to: server:80\n", 1, "server"},
		{"packet to nowhere", "{packet: to_host, from: cli}", "  - connect: cli.a\n    to: 10.9.9.9:80\n", 1, "nowhere"},
		{"packet none", "{packet: to_host, from: cli}", "  - socket: cli.a\n", 1, "none"},
		{"packet dst_port", "{packet: dst_port, from: cli}", "  - connect: cli.a\n    to: server:80\n", 1, "80"},
		{"packet dst", "{packet: dst, from: cli}", "  - connect: cli.a\n    to: server:80\n", 1, "10.0.0.2:80"},
		{"packet src", "{packet: src, from: web}", "  - bind: cli.a\n    addr: :9000\n  - connect: cli.a\n    to: server:80\n  - send: cli.a\n    data: GET /\n", 3, "10.0.0.2:80"},
		{"packet src_port", "{packet: src_port, from: cli}", "  - bind: cli.a\n    addr: :9000\n  - connect: cli.a\n    to: server:80\n", 2, "9000"},
		{"packet flags", "{packet: flags}", "  - connect: cli.a\n    to: server:80\n", 1, "SYN"},
		{"packet src_port_kind well-known", "{packet: src_port_kind, from: web}", "  - connect: cli.a\n    to: server:80\n  - send: cli.a\n    data: GET /\n", 2, "well-known"},
		{"packet src_port_kind ephemeral", "{packet: src_port_kind, from: tftpd}", "  - sendto: tftp.r\n    to: server:69\n    data: RRQ f\n", 1, "ephemeral"},
		{"packet src_port_kind registered", "{packet: src_port_kind, from: cli}", "  - bind: cli.a\n    addr: :9000\n  - connect: cli.a\n    to: server:80\n", 2, "registered"},
		{"packet dst_port_kind", "{packet: dst_port_kind, from: tftp}", "  - sendto: tftp.r\n    to: server:69\n    data: RRQ f\n", 1, "well-known"},
		{"packet dst_port_kind nowhere", "{packet: dst_port_kind, from: cli}", "  - connect: cli.a\n    to: 10.9.9.9:5000\n", 1, "registered"},
		{"accepted_port", "{accepted_port: web}", "  - connect: cli.a\n    to: server:80\n  - connect: cli.b\n    to: server:80\n", 2, "80"},
		{"accepted_port none", "{accepted_port: web}", "  - socket: cli.a\n", 1, "none"},
		{"accepted_port_kind well-known", "{accepted_port_kind: web}", "  - connect: cli.a\n    to: server:80\n", 1, "well-known"},
		{"accepted_port_kind ephemeral", "{accepted_port_kind: ftpd}", "  - send: ftp.control\n    data: PASV\n", 1, "ephemeral"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := net + "  - checkpoint:\n      question: q\n      choices:\n        - {text: the answer, value: \"" + tt.want + "\"}\n" +
				"        - {text: a wrong answer, value: \"wrong\"}\n      measure: " + tt.measure + "\n" +
				"      reveal_after: " + string(rune('0'+tt.reveal)) + "\n      explain: \"measured {value}\"\n" + tt.steps
			var answers []sim.Event
			res, err := mustParse(t, in).Run(scenario.Options{OnEvent: func(e *sim.Event) {
				if e.Kind == sim.KindCheckpointReply {
					answers = append(answers, *e)
				}
			}})
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if len(res.Checkpoints) != 1 || res.Checkpoints[0].Value != tt.want || res.Checkpoints[0].Answer != "a" {
				t.Fatalf("checkpoints = %+v, want value %q selecting choice a", res.Checkpoints, tt.want)
			}
			if len(answers) != 1 || answers[0].Answer != "a" || answers[0].Value != tt.want || answers[0].Text != "measured "+tt.want || answers[0].Checkpt != 1 {
				t.Errorf("checkpoint.answer events = %+v", answers)
			}
		})
	}
}

// TestCapacity: the result reports the most ports each host held at once.
func TestCapacity(t *testing.T) {
	t.Parallel()
	src := `title: capacity
hosts:
  - name: c
    addr: 10.0.0.1
    programs: [{name: curl}]
  - name: s
    addr: 10.0.0.2
    programs:
      - name: web
        server: {listen: [tcp/80, tcp/443], protocol: http}
steps:
  - start: web
    on: s
  - start: curl
    on: c
  - connect: curl.a
    to: s:80
  - connect: curl.b
    to: s:443
  - close: curl.a
  - close: curl.b
  - connect: curl.c
    to: s:80
`
	sc, err := scenario.Parse("capacity.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	res, err := sc.Run(scenario.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// c: a and b held at once, then c while a and b sit in TIME_WAIT: 3.
	want := map[string]int{"c": 3, "s": 2}
	for h, n := range want {
		if res.Capacity[h] != n {
			t.Errorf("capacity of %s = %d, want %d (all: %v)", h, res.Capacity[h], n, res.Capacity)
		}
	}
}

// townChanges is a script that changes the town while it runs, as a lab
// does: a building and a web server arrive, a range narrows, netcat
// listens once, a client closes first, and the run stops once settled.
const townChanges = `title: Town changes
finish: settle
hosts:
  - name: laptop
    addr: 10.0.0.10
    programs: [{name: nc}, {name: curl}]
steps:
  - add_host:
      name: web
      addr: 10.0.0.20
      os: macos
      programs: [{name: nc}]
  - install: {name: nginx, path: /usr/sbin/nginx, server: {listen: tcp/80, protocol: http, workers: 2, backlog: 511}}
    on: web
  - start: nginx
    on: web
  - set_range: laptop
    range: 40000-40009
  - start: nc
    on: web
    as: listener
    server: {listen: tcp/7000, reuseport: true, backlog: 1, once: true}
  - start: curl
    on: laptop
  - connect: curl.s
    to: web:80
  - send: curl.s
    data: "GET / HTTP/1.1\r\nHost: web\r\n\r\n"
  - close: curl.s
  - exit: nginx
    signal: TERM
  - uninstall: nginx
    on: web
`

// TestTownChanges: the steps that change the town run, in order, and
// finish: settle leaves TIME_WAIT pending.
func TestTownChanges(t *testing.T) {
	t.Parallel()
	sc := mustParse(t, townChanges)
	var got []string
	var last sim.Event
	_, err := sc.Run(scenario.Options{OnEvent: func(e *sim.Event) {
		last = *e
		switch e.Kind {
		case sim.KindHostUp, sim.KindHostRange, sim.KindProgramInstall, sim.KindProgramRemove:
			got = append(got, string(e.Kind)+" "+e.Host+" "+e.Program)
		case sim.KindPortAssign:
			got = append(got, "port "+e.Host+" "+strconv.Itoa(int(e.Port)))
		case sim.KindSocketListen:
			got = append(got, "listen "+e.Local.String()+" "+strconv.Itoa(e.Backlog))
		case sim.KindProcessExit:
			got = append(got, "exit "+e.Program+" "+strconv.Itoa(e.Code)+" "+e.Signal)
		case sim.KindSocketState:
			if e.To == "TIME_WAIT" || e.From == "TIME_WAIT" {
				got = append(got, "state "+e.Host+" "+e.From+">"+e.To)
			}
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"host.up laptop ", "program.install laptop nc", "program.install laptop curl",
		"host.up web ", "program.install web nc", "program.install web nginx",
		"listen 0.0.0.0:80 511", "host.range laptop ", "listen 0.0.0.0:7000 1",
		"port laptop 40000", "state laptop FIN_WAIT_2>TIME_WAIT",
		"exit nginx 143 TERM", "exit nginx 143 TERM", "exit nginx 143 TERM",
		"program.remove web nginx",
	}
	// Which port of two the client gets depends on the hash; only its
	// range is fixed.
	for i, g := range got {
		if strings.HasPrefix(g, "port laptop 4000") {
			got[i] = "port laptop 40000"
		}
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if last.Kind != sim.KindProgramRemove {
		t.Errorf("the run went on after the last step settled: last event %s", last.Kind)
	}
	// The same script run to the end lets TIME_WAIT expire.
	sc.Finish = scenario.FinishRun
	expired := false
	if _, err := sc.Run(scenario.Options{OnEvent: func(e *sim.Event) {
		expired = expired || (e.Kind == sim.KindSocketState && e.From == "TIME_WAIT")
	}}); err != nil {
		t.Fatal(err)
	}
	if !expired {
		t.Error("with finish: run, TIME_WAIT did not end")
	}
	if err := sc.Check(); err != nil {
		t.Errorf("Check: %v", err)
	}
}

// TestLiveMatchesRun: a scenario grown a step at a time gives the events
// a run of the finished scenario gives, byte for byte, and a failing step
// stops the live run without joining the scenario.
func TestLiveMatchesRun(t *testing.T) {
	t.Parallel()
	full := mustParse(t, townChanges)
	for _, os := range []string{"", "linux", "windows", "macos", "freebsd"} {
		opt := scenario.Options{OS: os, Seed: 9, SeedSet: true}
		var live []byte
		grown := *full
		grown.Steps = nil
		lopt := opt
		lopt.OnEvent = func(e *sim.Event) { live = e.AppendJSON(append(live, '\n')) }
		l, err := grown.Start(lopt)
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range full.Steps {
			if err := l.Do(st); err != nil {
				t.Fatalf("os %q: Do %s: %v", os, st.Action, err)
			}
		}
		var batch []byte
		bopt := opt
		bopt.OnEvent = func(e *sim.Event) { batch = e.AppendJSON(append(batch, '\n')) }
		if _, err := grown.Run(bopt); err != nil {
			t.Fatal(err)
		}
		if string(live) != string(batch) {
			t.Errorf("os %q: the live run and the batch run differ (%d and %d bytes)", os, len(live), len(batch))
		}
		if len(grown.Steps) != len(full.Steps) {
			t.Errorf("os %q: the grown scenario has %d steps, want %d", os, len(grown.Steps), len(full.Steps))
		}
		if p := l.Process("listener"); p == nil || !p.Alive() || p.Server() == nil || !p.Server().Once {
			t.Errorf("os %q: Process(listener) = %v, want netcat listening once", os, p)
		}
		if s := l.Socket(scenario.Ref{Proc: "curl", Name: "s"}); s != nil {
			t.Errorf("os %q: a closed socket is still found: %v", os, s)
		}
		bad := scenario.Step{Action: "start", Host: "laptop", Program: "nosuch", As: "x"}
		if err := l.Do(bad); err == nil {
			t.Errorf("os %q: starting a missing program worked", os)
		}
		if len(grown.Steps) != len(full.Steps) {
			t.Errorf("os %q: the failed step joined the scenario", os)
		}
		if err := l.Do(full.Steps[0]); !errors.Is(err, scenario.ErrLiveStopped) {
			t.Errorf("os %q: Do after a failure: %v, want ErrLiveStopped", os, err)
		}
	}
}

// dnsTown is a laptop whose nameserver knows example.org and a name with
// 32 addresses, too many for one UDP answer.
const dnsTown = `title: DNS
hosts:
  - name: laptop
    addr: 192.168.1.10
    nameserver: resolver
    programs: [{name: curl}]
  - name: resolver
    addr: 10.0.0.53
    programs:
      - name: unbound
        server:
          listen: [udp/53, tcp/53]
          protocol: dns
          records: [{name: cdn.example.net, addrs: [%s]}]
  - name: site
    addr: 93.184.215.14
    names: [example.org]
    programs: [{name: web, server: {listen: tcp/80, protocol: http}}]
steps:
  - start: unbound
    on: resolver
  - start: web
    on: site
  - start: curl
    on: laptop
%s`

// TestDNSLookups: a step to a name on a host with a nameserver asks it over
// UDP from an ephemeral port, connects to the answer, remembers it, asks
// again over TCP when the answer is truncated, and fails with EAI_NONAME
// for a name nobody has.
func TestDNSLookups(t *testing.T) {
	t.Parallel()
	var addrs []string
	for i := 1; i <= 32; i++ {
		addrs = append(addrs, "198.51.100."+strconv.Itoa(i))
	}
	steps := `  - connect: curl.a
    to: example.org:80
  - connect: curl.b
    to: example.org:80
  - connect: curl.c
    to: cdn.example.net:80
  - connect: curl.d
    to: site:80
`
	sc := mustParse(t, strings.Replace(strings.Replace(dnsTown, "%s", strings.Join(addrs, ", "), 1), "%s", steps, 1))
	var evs []sim.Event
	if _, err := sc.Run(scenario.Options{OnEvent: func(e *sim.Event) { evs = append(evs, *e) }}); err != nil {
		t.Fatal(err)
	}
	var queries, answers []sim.Event
	var syns []string
	for _, e := range evs {
		if e.Kind != sim.KindPacketSend {
			continue
		}
		switch {
		case e.Host == "laptop" && e.Dst.Port() == 53 && e.Len > 0:
			queries = append(queries, e)
		case e.Host == "resolver" && e.Len > 0:
			answers = append(answers, e)
		case e.Host == "laptop" && e.Flags == sim.SYN && e.Dst.Port() == 80:
			syns = append(syns, e.Dst.String())
		}
	}
	// example.org once (the second connect uses the cache), cdn over UDP
	// then TCP, site once.
	var got []string
	for _, q := range queries {
		got = append(got, q.Proto.String()+" "+strings.Fields(q.Data)[2])
	}
	if want := []string{"udp example.org", "udp cdn.example.net", "tcp cdn.example.net", "udp site"}; strings.Join(got, "; ") != strings.Join(want, "; ") {
		t.Errorf("queries = %q, want %q", got, want)
	}
	for i, a := range answers {
		if a.Dst != queries[i].Src || a.Src.Port() != 53 {
			t.Errorf("answer %d went %s -> %s, want from port 53 to the query's %s", i, a.Src, a.Dst, queries[i].Src)
		}
	}
	if !strings.Contains(answers[1].Data, "(truncated: 32 records") || !strings.HasPrefix(answers[2].Data, "answer A cdn.example.net 198.51.100.1, ") {
		t.Errorf("cdn answers = %q, %q; want a truncated one over UDP, the whole list over TCP", answers[1].Data, answers[2].Data)
	}
	if want := "93.184.215.14:80; 93.184.215.14:80; 198.51.100.1:80"; strings.Join(syns[:3], "; ") != want {
		t.Errorf("connections to %q, want %q", syns, want)
	}

	sc = mustParse(t, strings.Replace(strings.Replace(dnsTown, "%s", "198.51.100.1", 1), "%s", "  - connect: curl.a\n    to: example.org:80\n", 1))
	// A name the resolver does not know: the server's records and the
	// town's names exclude it once the site is gone from the file.
	sc.Hosts[2].Names = nil
	sc.Steps[len(sc.Steps)-1].To.Name = "nosuch.example"
	evs = nil
	if _, err := sc.Run(scenario.Options{OnEvent: func(e *sim.Event) { evs = append(evs, *e) }}); err != nil {
		t.Fatal(err)
	}
	var errs []string
	for _, e := range evs {
		if e.Kind == sim.KindError {
			errs = append(errs, e.Call+" "+string(e.Errno))
		}
		if e.Kind == sim.KindPacketSend && e.Flags == sim.SYN {
			t.Errorf("a SYN went to %s after the name failed", e.Dst)
		}
	}
	if strings.Join(errs, "; ") != "getaddrinfo EAI_NONAME" {
		t.Errorf("errors = %q, want getaddrinfo EAI_NONAME", errs)
	}
}

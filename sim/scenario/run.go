package scenario

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"

	"portville/sim"
)

// DefaultSeed is the seed used when neither the caller nor the file gives
// one.
const DefaultSeed = 1

// Options tune one run of a scenario.
type Options struct {
	// Seed, when SeedSet, overrides the file's seed.
	Seed    uint64
	SeedSet bool
	// OS, when set, replaces the scenario's default OS profile (hosts that
	// name their own OS keep it).
	OS string
	// OnEvent receives every event (see sim.Config.OnEvent).
	OnEvent func(*sim.Event)
	// StopAfter, when non-zero, ends the run right after that event;
	// OnStop then receives the world in the state that event left it in.
	StopAfter uint64
	OnStop    func(*sim.World)
	// Lang is the language whoever encodes the events tells them in
	// (sim/timeline); the run itself never depends on it.
	Lang *sim.Language
}

// Result summarises a run.
type Result struct {
	Seed uint64
	// Start is the sequence number of the last event that builds the
	// world (hosts up, programs installed), before the first step: where
	// a viewer opens the lesson.
	Start       uint64
	Events      uint64
	End         sim.Time
	Checkpoints []CheckpointResult
	// Capacity is, per host, the most ports held at once during the run:
	// how many apartments its building needs, so a view can size it once.
	Capacity map[string]int
}

// CheckpointResult is what a checkpoint measured and which choice that
// made right.
type CheckpointResult struct {
	_      noCompare
	Line   int
	Value  string
	Answer string
}

var errStopped = errors.New("stopped at the requested event")

// RunError is a problem that shows only when the scenario runs (a step on a
// process that has exited, a checkpoint no choice answers). It names the
// step's position.
type RunError struct {
	File      string
	Line, Col int
	Msg       string
}

func (e *RunError) Error() string { return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg) }

// SeedFor returns the seed a run with opt uses.
func (sc *Scenario) SeedFor(opt Options) uint64 {
	switch {
	case opt.SeedSet:
		return opt.Seed
	case sc.SeedSet:
		return sc.Seed
	}
	return DefaultSeed
}

// runner is the state of one run.
type runner struct {
	sc      *Scenario
	w       *sim.World
	procs   map[string]*sim.Process
	threads map[string]map[string]*sim.Thread
	socks   map[string]map[string]int // alias -> socket name -> fd
	objs    map[Ref]*sim.Socket       // last socket known by each name
	ports   map[Ref]uint16            // last local port of each name
	window  *window
	ncp     int   // checkpoints asked so far
	cur     *Step // the step being run, or the last one run
	// defaultOS is the profile of hosts that name none ("" for linux).
	defaultOS string
	bound     map[string]int // ports held now, per host
	out       func(*sim.Event)
	stopAt    uint64
	onStop    func(*sim.World)
	result    Result
	// dnsSock is the socket a DNS lookup waits on, dnsReply what arrived
	// on it (resolve.go).
	dnsSock  int
	dnsReply string
	// dnsCache holds the names each process has looked up (a browser's
	// host cache): by process, then name.
	dnsCache map[*sim.Process]map[string]netip.Addr
	// nameservers is each host's nameserver: as the file writes it.
	nameservers map[string]string
}

// window collects what happens while a checkpoint waits for its answer.
type window struct {
	step    *Step
	n       int
	left    int
	errs    []sim.Event
	packets []sim.Event
	accepts []sim.Event
	drops   []sim.Event
	maps    []sim.Event // nat.map
}

// Run runs the scenario and returns a summary. Events go to opt.OnEvent.
func (sc *Scenario) Run(opt Options) (*Result, error) {
	r := newRunner(sc, opt)
	err := r.run(opt)
	r.result.Events = r.w.Seq()
	r.result.End = r.w.Now()
	if errors.Is(err, errStopped) {
		err = nil
	}
	return &r.result, err
}

func newRunner(sc *Scenario, opt Options) *runner {
	r := &runner{
		sc: sc, procs: map[string]*sim.Process{}, threads: map[string]map[string]*sim.Thread{},
		socks: map[string]map[string]int{}, objs: map[Ref]*sim.Socket{}, ports: map[Ref]uint16{},
		out: opt.OnEvent, stopAt: opt.StopAfter, onStop: opt.OnStop,
		bound: map[string]int{},
	}
	r.result.Capacity = map[string]int{}
	r.result.Seed = sc.SeedFor(opt)
	r.w = sim.NewWorld(sim.Config{
		Seed: r.result.Seed, MaxEvents: MaxEvents, MaxTime: MaxSimTime,
		Latency: sc.Latency, OnEvent: r.observe,
	})
	return r
}

func (r *runner) observe(e *sim.Event) {
	if r.out != nil {
		r.out(e)
	}
	if e.Kind == sim.KindSocketRecv && r.dnsSock != 0 && e.Sock == r.dnsSock {
		r.dnsReply = e.Data // the answer the resolver waits for (resolve.go)
	}
	switch {
	case e.Kind == sim.KindPortAssign, e.Kind == sim.KindSocketBind && e.Ephemeral != nil && !*e.Ephemeral:
		r.bound[e.Host]++
		if r.bound[e.Host] > r.result.Capacity[e.Host] {
			r.result.Capacity[e.Host] = r.bound[e.Host]
		}
	case e.Kind == sim.KindPortRelease:
		r.bound[e.Host]--
	}
	if win := r.window; win != nil {
		switch e.Kind {
		case sim.KindError:
			win.errs = append(win.errs, *e)
		case sim.KindPacketSend:
			win.packets = append(win.packets, *e)
		case sim.KindSocketAccept:
			win.accepts = append(win.accepts, *e)
		case sim.KindPacketDrop:
			win.drops = append(win.drops, *e)
		case sim.KindNATMap:
			win.maps = append(win.maps, *e)
		}
	}
	if r.stopAt != 0 && e.Seq == r.stopAt {
		if r.onStop != nil {
			r.onStop(r.w)
		}
		r.w.Stop(errStopped)
	}
}

func (r *runner) fail(st *Step, format string, args ...any) error {
	return &RunError{File: r.sc.File, Line: st.Line, Col: st.Col, Msg: fmt.Sprintf(format, args...)}
}

// worldErr turns the error that stopped the world into a RunError at the
// step that was running (or whose aftermath was), so that an author can
// find the step that set off a runaway exchange.
func (r *runner) worldErr() error {
	st := r.cur
	line, col := 1, 1
	if st != nil {
		line, col = st.Line, st.Col
	}
	where := ""
	if st != nil {
		where = fmt.Sprintf(" during or after this %s step", st.Action)
	}
	switch err := r.w.Err(); {
	case err == nil, errors.Is(err, errStopped):
		return err
	case errors.Is(err, sim.ErrTooManyEvents):
		return &RunError{File: r.sc.File, Line: line, Col: col, Msg: fmt.Sprintf("the scenario produced more than %d events, the limit,%s (do two programs keep answering each other?)", MaxEvents, where)}
	case errors.Is(err, sim.ErrTooLong):
		return &RunError{File: r.sc.File, Line: line, Col: col, Msg: fmt.Sprintf("the scenario ran past %s of simulated time, the limit,%s", humanDuration(MaxSimTime), where)}
	default:
		return err
	}
}

func (r *runner) run(opt Options) error {
	if err := r.setup(opt); err != nil {
		return err
	}
	for i := range r.sc.Steps {
		if err := r.step(&r.sc.Steps[i]); err != nil {
			return err
		}
	}
	return r.finish()
}

// setup builds the world the script starts from: the hosts, their
// programs and the links.
func (r *runner) setup(opt Options) error {
	r.defaultOS = r.sc.OS
	if opt.OS != "" {
		if _, err := sim.ProfileByName(opt.OS); err != nil {
			return err
		}
		r.defaultOS = opt.OS
	}
	for i := range r.sc.Hosts {
		hd := &r.sc.Hosts[i]
		if _, err := r.addHost(hd); err != nil {
			return &RunError{File: r.sc.File, Line: hd.Line, Col: hd.Col, Msg: err.Error()}
		}
	}
	for i := range r.sc.Hosts {
		hd := &r.sc.Hosts[i]
		if err := r.install(hd); err != nil {
			return &RunError{File: r.sc.File, Line: hd.Line, Col: hd.Col, Msg: err.Error()}
		}
		if err := r.addNames(hd); err != nil {
			return &RunError{File: r.sc.File, Line: hd.Line, Col: hd.Col, Msg: err.Error()}
		}
	}
	for _, l := range r.sc.Links {
		if err := r.w.SetLatency(r.w.Host(l.A), r.w.Host(l.B), l.Latency); err != nil {
			return &RunError{File: r.sc.File, Line: l.Line, Col: l.Col, Msg: err.Error()}
		}
	}
	for i := range r.sc.Hosts {
		if err := r.setNAT(&r.sc.Hosts[i]); err != nil {
			return err
		}
	}
	r.result.Start = r.w.Seq()
	return nil
}

// addHost adds a host with the OS profile it gets: its own os:, else
// --os, else the file's os:, else linux.
func (r *runner) addHost(hd *HostDef) (*sim.Host, error) {
	osName := hd.OS
	if osName == "" {
		osName = r.defaultOS
	}
	if osName == "" {
		osName = "linux"
	}
	prof, err := sim.ProfileByName(osName)
	if err != nil {
		return nil, err
	}
	return r.w.AddHost(sim.HostSpec{Name: hd.Name, Addrs: hd.Addrs, OS: prof, RangeLo: hd.RangeLo, RangeHi: hd.RangeHi})
}

// install installs a host's programs.
func (r *runner) install(hd *HostDef) error {
	h := r.w.Host(hd.Name)
	for _, p := range hd.Programs {
		if _, err := h.Install(p); err != nil {
			return err
		}
	}
	return nil
}

// step runs one step: the world settles first, so the step sees what the
// ones before it caused; then its after, its narration, and the step.
func (r *runner) step(st *Step) error {
	if err := r.w.Settle(); err != nil {
		return r.worldErr()
	}
	r.cur = st
	if st.After > 0 {
		if err := r.w.Advance(st.After); err != nil {
			return r.worldErr()
		}
	}
	if st.Say != "" && st.Action != "note" {
		r.w.Note(r.stepHost(st), st.Say, st.Analogy, st.Breaks)
	}
	if st.Action == "checkpoint" {
		r.ncp++
		cp := st.Checkpoint
		if cp == nil {
			return r.fail(st, "checkpoint: it has no question (Parse reports this; was the scenario built by hand?)")
		}
		choices := make([]sim.Choice, len(cp.Choices))
		for k, c := range cp.Choices {
			choices[k] = sim.Choice{ID: c.ID, Text: c.Text}
		}
		r.w.Checkpoint(r.ncp, cp.Question, choices)
		r.window = &window{step: st, n: r.ncp, left: cp.RevealAfter}
		return nil
	}
	if err := r.do(st); err != nil {
		return err
	}
	if err := r.worldErr(); err != nil {
		return err
	}
	if win := r.window; win != nil {
		win.left--
		if win.left == 0 {
			if err := r.w.Settle(); err != nil {
				return r.worldErr()
			}
			if err := r.reveal(win); err != nil {
				return err
			}
			r.window = nil
		}
	}
	return nil
}

// finish runs what is left after the last step: everything, timers
// included, or (Finish settle) only what settling runs.
func (r *runner) finish() error {
	var err error
	if r.sc.Finish == FinishSettle {
		err = r.w.Settle()
	} else {
		err = r.w.Run()
	}
	if err != nil {
		return r.worldErr()
	}
	return nil
}

func (r *runner) stepHost(st *Step) string {
	if st.Host != "" {
		return st.Host
	}
	if p := r.procs[st.Proc]; p != nil {
		return p.Host().Name()
	}
	return ""
}

// proc returns the running process with the alias.
func (r *runner) proc(st *Step, alias string) (*sim.Process, error) {
	p := r.procs[alias]
	if p == nil {
		return nil, r.fail(st, "step %s: process %q was never started", st.Action, alias)
	}
	if !p.Alive() {
		return nil, r.fail(st, "step %s: process %q (PID %d) has exited, so it cannot %s", st.Action, alias, p.PID(), st.Action)
	}
	return p, nil
}

// thread returns the thread that makes the step's call.
func (r *runner) thread(st *Step, p *sim.Process) (*sim.Thread, error) {
	if st.By == "" || st.By == "main" {
		if t := p.Main(); t != nil {
			return t, nil
		}
		return nil, r.fail(st, "step %s: process %q has no main thread", st.Action, st.Proc)
	}
	t := r.threads[st.Proc][st.By]
	if t == nil || !t.Alive() {
		return nil, r.fail(st, "step %s: thread %q of process %q is not running", st.Action, st.By, st.Proc)
	}
	return t, nil
}

func (r *runner) resolve(st *Step, ep Endpoint) (netip.AddrPort, error) {
	if ep.Name != "" {
		addrs, ok := r.w.LookupName(ep.Name)
		if !ok || len(addrs) == 0 {
			return netip.AddrPort{}, r.fail(st, "unknown DNS name %q", ep.Name)
		}
		return netip.AddrPortFrom(addrs[0], ep.Port), nil
	}
	if ep.Sock.Proc != "" {
		s := r.objs[ep.Sock]
		if s == nil || !s.Local().IsValid() {
			return netip.AddrPort{}, r.fail(st, "step %s: %s has no address", st.Action, ep.Sock)
		}
		a := s.Local()
		if a.Addr().IsUnspecified() {
			a = netip.AddrPortFrom(s.Host().Addr(), a.Port())
		}
		return a, nil
	}
	if ep.Host == "" {
		return netip.AddrPortFrom(ep.Addr, ep.Port), nil
	}
	h := r.w.Host(ep.Host)
	if h == nil {
		return netip.AddrPort{}, r.fail(st, "unknown host %q", ep.Host)
	}
	return netip.AddrPortFrom(h.Addr(), ep.Port), nil
}

// fd returns the descriptor of the step's socket, opening one if the name
// is new (socket() is implicit before bind, connect, sendto, listen).
func (r *runner) fd(st *Step, p *sim.Process, t *sim.Thread, def sim.Proto, create bool) (int, bool, error) {
	names := r.socks[st.Proc]
	if fd, ok := names[st.Sock.Name]; ok && p.Socket(fd) != nil {
		return fd, true, nil
	}
	if !create {
		return 0, false, r.fail(st, "step %s: %s is not open", st.Action, st.Sock)
	}
	proto := st.Proto
	if proto == sim.NoProto {
		proto = def
	}
	fd, err := t.Socket(proto)
	if err != nil {
		return 0, false, nil
	}
	r.name(st.Proc, st.Sock.Name, fd, p)
	return fd, true, nil
}

func (r *runner) name(alias, name string, fd int, p *sim.Process) {
	if r.socks[alias] == nil {
		r.socks[alias] = map[string]int{}
	}
	r.socks[alias][name] = fd
	if s := p.Socket(fd); s != nil {
		r.objs[Ref{alias, name}] = s
	}
}

// do runs one step. Errors the simulated system returns (EADDRINUSE, ...)
// are part of the story and are not failures of the run.
func (r *runner) do(st *Step) error {
	switch st.Action {
	case "note":
		r.w.Note(st.Host, st.Say, st.Analogy, st.Breaks)
		return nil
	case "wait":
		if err := r.w.Advance(st.Wait); err != nil {
			return r.worldErr()
		}
		return nil
	case "add_host":
		if st.NewHost == nil {
			return r.fail(st, "step add_host: it has no host (Parse reports this; was the scenario built by hand?)")
		}
		if _, err := r.addHost(st.NewHost); err != nil {
			return r.fail(st, "step add_host: %v", err)
		}
		if err := r.install(st.NewHost); err != nil {
			return r.fail(st, "step add_host: %v", err)
		}
		if err := r.addNames(st.NewHost); err != nil {
			return r.fail(st, "step add_host: %v", err)
		}
		return nil
	case "install", "uninstall", "set_range":
		h := r.w.Host(st.Host)
		if h == nil {
			return r.fail(st, "step %s: unknown host %q", st.Action, st.Host)
		}
		var err error
		switch st.Action {
		case "install":
			if st.Install == nil {
				return r.fail(st, "step install: it has no program (Parse reports this; was the scenario built by hand?)")
			}
			_, err = h.Install(*st.Install)
			r.addRecords(st.Install)
		case "uninstall":
			err = h.Uninstall(st.Program)
		default:
			err = h.SetRange(st.RangeLo, st.RangeHi)
		}
		if err != nil {
			return r.fail(st, "step %s: %v", st.Action, err)
		}
		return nil
	case "start":
		h := r.w.Host(st.Host)
		if h == nil {
			return r.fail(st, "step start: unknown host %q", st.Host)
		}
		p, err := h.Start(st.Program, sim.StartOptions{User: st.User, Server: st.Server})
		if err != nil {
			return r.fail(st, "step start: %v", err)
		}
		r.procs[st.As] = p
		r.threads[st.As] = map[string]*sim.Thread{}
		r.socks[st.As] = map[string]int{}
		// A server's listening sockets are named after their service as
		// the program lists it: web.tcp80, dns.udp53, dev.tcp0 (whatever
		// port the OS or the server's port tries gave it).
		if spec := p.Server(); spec != nil {
			for i, fd := range p.FDs() {
				s := p.Socket(fd)
				port := s.Local().Port()
				if i < len(spec.Listen) {
					port = spec.Listen[i].Port
				}
				r.name(st.As, s.Proto().String()+strconv.Itoa(int(port)), fd, p)
			}
		}
		return nil
	case "fork":
		p, err := r.proc(st, st.Proc)
		if err != nil {
			return err
		}
		c, err := p.Fork()
		if err != nil {
			return r.fail(st, "step fork: %v", err)
		}
		r.procs[st.As] = c
		r.threads[st.As] = map[string]*sim.Thread{}
		r.socks[st.As] = map[string]int{}
		for n, fd := range r.socks[st.Proc] {
			if c.Socket(fd) != nil {
				r.name(st.As, n, fd, c)
			}
		}
		return nil
	}
	p, err := r.proc(st, st.Proc)
	if err != nil {
		return err
	}
	switch st.Action {
	case "exit":
		if st.Signal != "" {
			if err := p.Signal(st.Signal); err != nil {
				return r.fail(st, "step exit: %v", err)
			}
			return nil
		}
		p.Exit(st.Code)
		return nil
	case "thread":
		t, err := p.StartThread(st.Job)
		if err != nil {
			return r.fail(st, "step thread: %v", err)
		}
		r.threads[st.Proc][st.As] = t
		return nil
	case "pipe":
		q, err := r.proc(st, st.Into)
		if err != nil {
			return err
		}
		t, err := r.thread(st, p)
		if err != nil {
			return err
		}
		if err := t.Pipe(q, st.Data); err != nil && !isCallError(err) {
			return r.fail(st, "step pipe: %v", err)
		}
		return nil
	case "end_thread":
		t := r.threads[st.Proc][st.Sock.Name]
		if t == nil || !t.Alive() {
			return r.fail(st, "step end_thread: thread %s is not running", st.Sock)
		}
		t.Exit()
		return nil
	}
	t, err := r.thread(st, p)
	if err != nil {
		return err
	}
	switch st.Action {
	case "socket":
		if _, ok := r.socks[st.Proc][st.Sock.Name]; ok && p.Socket(r.socks[st.Proc][st.Sock.Name]) != nil {
			return r.fail(st, "step socket: %s is already open", st.Sock)
		}
		_, _, err := r.fd(st, p, t, sim.TCP, true)
		return err
	case "setsockopt":
		fd, ok, err := r.fd(st, p, t, sim.TCP, true)
		if ok {
			t.SetOption(fd, st.Option, true)
		}
		return err
	case "bind":
		fd, ok, err := r.fd(st, p, t, sim.TCP, true)
		if ok {
			ap, err := r.resolve(st, st.Addr)
			if err != nil {
				return err
			}
			t.Bind(fd, ap)
			r.notePort(st.Sock, p, fd)
		}
		return err
	case "listen":
		fd, ok, err := r.fd(st, p, t, sim.TCP, true)
		if ok {
			t.Listen(fd, st.Backlog)
			r.notePort(st.Sock, p, fd)
		}
		return err
	case "connect", "sendto":
		// The name is resolved first (a DNS lookup, resolve.go), as
		// getaddrinfo runs before the program opens its socket.
		ap, found, err := r.resolveFor(st, p, t, st.To)
		if err != nil || !found {
			return err
		}
		proto := sim.TCP
		if st.Action == "sendto" {
			proto = sim.UDP
		}
		fd, ok, err := r.fd(st, p, t, proto, true)
		if ok && st.Action == "connect" && p.Program().Client == "https" {
			// A browser speaks TLS (TCP) or QUIC (UDP), and names the
			// site it wants in its ClientHello.
			sni := st.To.Name + st.To.Host
			if sni == "" {
				sni = ap.Addr().String()
			}
			t.UseTLS(fd, sni)
		}
		if ok {
			if st.Action == "connect" {
				t.Connect(fd, ap)
			} else {
				t.SendTo(fd, ap, st.Data)
			}
			r.notePort(st.Sock, p, fd)
		}
		return err
	case "send":
		fd, _, err := r.fd(st, p, t, sim.TCP, false)
		if err != nil {
			return err
		}
		t.Send(fd, st.Data)
		return nil
	case "rebind":
		fd, _, err := r.fd(st, p, t, sim.UDP, false)
		if err != nil {
			return err
		}
		t.Rebind(fd)
		r.notePort(st.Sock, p, fd)
		return nil
	case "close":
		fd, _, err := r.fd(st, p, t, sim.TCP, false)
		if err != nil {
			return err
		}
		r.notePort(st.Sock, p, fd)
		t.Close(fd)
		delete(r.socks[st.Proc], st.Sock.Name)
		return nil
	case "accept":
		fd, _, err := r.fd(st, p, t, sim.TCP, false)
		if err != nil {
			return err
		}
		alias, name := st.Proc, st.As
		t.Accept(fd, func(nfd int, s *sim.Socket) {
			r.name(alias, name, nfd, p)
			r.ports[Ref{alias, name}] = s.Local().Port()
		})
		return nil
	}
	return r.fail(st, "unknown action %q", st.Action)
}

func isCallError(err error) bool {
	var ce *sim.CallError
	return errors.As(err, &ce)
}

func (r *runner) notePort(ref Ref, p *sim.Process, fd int) {
	if s := p.Socket(fd); s != nil {
		r.objs[ref] = s
		if port := s.Local().Port(); port != 0 {
			r.ports[ref] = port
		}
	}
}

// portOf returns the local port a named socket has, or last had.
func (r *runner) portOf(ref Ref) uint16 {
	if s := r.objs[ref]; s != nil && s.Local().Port() != 0 {
		r.ports[ref] = s.Local().Port()
		return s.Local().Port()
	}
	return r.ports[ref]
}

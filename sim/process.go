package sim

import (
	"fmt"
	"net/netip"
	"slices"
)

// Service is a protocol and port a server program listens on.
type Service struct {
	Proto Proto
	Port  uint16
}

// String formats the service as "tcp/80".
func (s Service) String() string { return fmt.Sprintf("%s/%d", s.Proto, s.Port) }

// ServerSpec makes a program a server: when it runs, its main thread opens
// the listed ports and answers clients on its own, the way a real daemon
// does once started.
type ServerSpec struct {
	Listen []Service
	// Protocol selects how the server answers: see Protocols.
	Protocol string
	// Threads is "per-connection" (a thread per client, the default) or
	// "single" (one thread serves everyone, like an event loop).
	Threads string
	// CloseFirst makes the server close each connection after its reply
	// (as HTTP/1.0 does), so the server side ends in TIME_WAIT.
	CloseFirst bool
	// ReuseAddr sets SO_REUSEADDR on the listening sockets, as most real
	// servers do; ReusePort sets SO_REUSEPORT.
	ReuseAddr bool
	ReusePort bool
	// BindAddr is the address to listen on; the zero value means 0.0.0.0.
	BindAddr netip.Addr
	// Workers > 0 makes the process fork that many workers after opening
	// its listeners (a pre-fork server); the workers accept, the master
	// does not.
	Workers int
	// Backlog is the listen() backlog of its TCP listeners; 0 means 128.
	// ss shows it as a listener's Send-Q (nginx 511, vsftpd 32, nc 1).
	Backlog int
	// Once makes the server serve a single client, as netcat's listen
	// mode does (nc -l): it accepts one TCP connection, keeps its listener
	// open without accepting again, and exits when that client closes.
	// Over UDP it connects its socket to the first sender, so it hears
	// from that peer only.
	Once bool
	// AcceptThreads > 0 starts that many threads that each block in
	// accept() on the listeners and serve the connections they take
	// themselves (a threaded server: several threads, one socket); the
	// main thread then does not accept.
	AcceptThreads int
	// PortTries is how many following port numbers the server tries when
	// a port is taken (EADDRINUSE), as development servers do ("Port 3000
	// is in use, trying 3001 instead."); 0 means it exits at once.
	PortTries int
	// Announce makes the server print where it listens once it does, as
	// development servers do: with port 0, the port the OS chose.
	Announce bool
	// Records are names a DNS server (protocol "dns") answers for besides
	// the town's hosts (World.AddName): a site with many addresses, whose
	// answer does not fit in one UDP message.
	Records []Record
}

// DefaultBacklog is the listen() backlog of a server that names none.
const DefaultBacklog = 128

// MaxPortTries bounds ServerSpec.PortTries.
const MaxPortTries = 100

// check validates a server spec and fills in its defaults; it returns a
// copy, so the caller's spec is never changed.
func (s *ServerSpec) check(name string) (*ServerSpec, error) {
	cp := *s
	cp.Listen = append([]Service(nil), s.Listen...)
	if cp.Protocol == "" {
		cp.Protocol = "none"
	}
	if !validProtocol(cp.Protocol) {
		return nil, fmt.Errorf("program %q: unknown protocol %q", name, cp.Protocol)
	}
	if cp.Threads == "" {
		cp.Threads = "per-connection"
	}
	if cp.Threads != "per-connection" && cp.Threads != "single" {
		return nil, fmt.Errorf("program %q: threads %q: want per-connection or single", name, cp.Threads)
	}
	cp.Records = slices.Clone(s.Records)
	for _, r := range cp.Records {
		if !ValidDNSName(r.Name) || len(r.Addrs) == 0 || len(r.Addrs) > MaxRecords {
			return nil, fmt.Errorf("program %q: record %q: want a DNS name and 1 to %d addresses", name, r.Name, MaxRecords)
		}
	}
	if cp.AcceptThreads < 0 || cp.AcceptThreads > 16 {
		return nil, fmt.Errorf("program %q: accept_threads %d out of range (0 to 16)", name, cp.AcceptThreads)
	}
	if cp.PortTries < 0 || cp.PortTries > MaxPortTries {
		return nil, fmt.Errorf("program %q: port_tries %d out of range (0 to %d)", name, cp.PortTries, MaxPortTries)
	}
	if cp.Workers < 0 || cp.Workers > 16 {
		return nil, fmt.Errorf("program %q: workers %d out of range (0 to 16)", name, cp.Workers)
	}
	if cp.Backlog < 0 || cp.Backlog > somaxconn {
		return nil, fmt.Errorf("program %q: backlog %d out of range (0 to %d)", name, cp.Backlog, somaxconn)
	}
	if cp.Backlog == 0 {
		cp.Backlog = DefaultBacklog
	}
	if len(cp.Listen) == 0 {
		return nil, fmt.Errorf("program %q: a server needs at least one service", name)
	}
	for _, l := range cp.Listen {
		if l.Proto != TCP && l.Proto != UDP {
			return nil, fmt.Errorf("program %q: service needs tcp or udp", name)
		}
	}
	return &cp, nil
}

// Protocols lists the application protocols a server or client program can
// speak.
var Protocols = []string{"none", "http", "https", "smtp", "dns", "echo", "ftp", "tftp"}

// Program is an executable file installed on a host: a blueprint in the
// building's storage room. It does nothing until a process runs it.
type Program struct {
	_    noCompare
	Name string
	Path string
	// User is who processes of this program run as unless the start says
	// otherwise; empty means "root" for servers and "user" for others.
	User   string
	Server *ServerSpec
	// Client is the protocol the program speaks as a client ("ftp" or
	// "tftp" make it follow the server's instructions on its own; other
	// clients act only when told).
	Client string
}

// Install puts a program on the host and emits program.install.
func (h *Host) Install(p Program) (*Program, error) {
	if !validProgramName(p.Name) {
		return nil, fmt.Errorf("program name %q: want letters, digits, '.', '_' or '-', starting with a letter, at most 32 characters", p.Name)
	}
	if h.Program(p.Name) != nil {
		return nil, fmt.Errorf("host %q already has a program %q", h.name, p.Name)
	}
	if len(h.programs) >= 64 {
		return nil, fmt.Errorf("host %q: too many programs (the limit is 64)", h.name)
	}
	if p.Path == "" {
		p.Path = "/usr/bin/" + p.Name
	}
	if p.Server != nil {
		spec, err := p.Server.check(p.Name)
		if err != nil {
			return nil, err
		}
		p.Server = spec
	}
	if p.Client != "" && p.Client != "ftp" && p.Client != "tftp" && p.Client != "https" && p.Client != "none" {
		return nil, fmt.Errorf("program %q: client protocol %q: want ftp, tftp or none", p.Name, p.Client)
	}
	prog := &p
	h.programs = append(h.programs, prog)
	e := h.w.newEvent(KindProgramInstall)
	e.Host, e.Program, e.Path = h.name, p.Name, p.Path
	if p.Server != nil {
		for _, l := range p.Server.Listen {
			e.Services = append(e.Services, l.String())
		}
	}
	h.w.emit(e)
	return prog, nil
}

func validProtocol(p string) bool {
	for _, x := range Protocols {
		if x == p {
			return true
		}
	}
	return false
}

// Process is a running instance of a program, with its own PID and open
// files: a household living in the building.
type Process struct {
	host    *Host
	pid     int
	ppid    int
	prog    *Program
	spec    *ServerSpec // how it serves: its program's, or its start's own; nil for a client
	user    string
	alive   bool
	threads []*Thread
	fds     []*Socket // index = fd; nil = free. fds 0-2 are stdio.
	app     *appState
	exiting bool
}

// Thread is a unit of execution inside a process: a household member doing
// one job. All threads of a process share its sockets.
type Thread struct {
	_     noCompare
	proc  *Process
	tid   int
	job   string
	alive bool
}

// StartOptions tune Host.Start.
type StartOptions struct {
	User string // overrides the program's user
	// Server, when set, is how this process serves, in place of its
	// program's: a program's behaviour can depend on its arguments
	// (nc -l 7000 listens, nc web 80 does not; devserver --port 3001).
	Server *ServerSpec
}

// Start runs a program as a new process and emits process.start and the
// main thread's thread.start. A server program then opens its ports.
func (h *Host) Start(program string, opt StartOptions) (*Process, error) {
	prog := h.Program(program)
	if prog == nil {
		return nil, fmt.Errorf("host %q has no program %q", h.name, program)
	}
	user := opt.User
	if user == "" {
		user = prog.User
	}
	if user == "" {
		user = "user"
		if prog.Server != nil {
			user = "root"
		}
	}
	spec := prog.Server
	if opt.Server != nil {
		var err error
		if spec, err = opt.Server.check(prog.Name); err != nil {
			return nil, err
		}
	}
	p, err := h.newProcess(prog, 0, user)
	if err != nil {
		return nil, err
	}
	p.spec = spec
	if spec != nil || prog.Client == "ftp" || prog.Client == "tftp" || prog.Client == "https" {
		p.app = &appState{}
	}
	if spec != nil {
		p.startServer()
	}
	return p, nil
}

func (h *Host) newProcess(prog *Program, ppid int, user string) (*Process, error) {
	if len(h.procs) >= maxProcsPerHost {
		return nil, fmt.Errorf("host %q: too many processes (the limit is %d)", h.name, maxProcsPerHost)
	}
	p := &Process{host: h, pid: h.allocPID(), ppid: ppid, prog: prog, user: user, alive: true, fds: make([]*Socket, 3, 8)}
	h.procs = append(h.procs, p)
	h.byPID[p.pid] = p
	e := h.w.newEvent(KindProcessStart)
	e.Host, e.Program, e.Path, e.PID, e.PPID, e.User = h.name, prog.Name, prog.Path, p.pid, ppid, user
	h.w.emit(e)
	// On Linux the main thread's ID is the PID.
	t := &Thread{proc: p, tid: p.pid, job: "main", alive: true}
	p.threads = append(p.threads, t)
	p.emitThread(KindThreadStart, t)
	return p, nil
}

// PID returns the process ID.
func (p *Process) PID() int { return p.pid }

// PPID returns the parent's process ID (0 when started by the scenario).
func (p *Process) PPID() int { return p.ppid }

// Program returns the program the process runs.
func (p *Process) Program() *Program { return p.prog }

// Server returns how the process serves (its program's server spec, or
// the one it was started with), or nil for a process that is no server.
func (p *Process) Server() *ServerSpec { return p.spec }

// Host returns the host the process runs on.
func (p *Process) Host() *Host { return p.host }

// User returns who the process runs as.
func (p *Process) User() string { return p.user }

// Alive reports whether the process is still running.
func (p *Process) Alive() bool { return p.alive }

// Main returns the main thread, or nil once the process has exited.
func (p *Process) Main() *Thread {
	if len(p.threads) == 0 {
		return nil
	}
	return p.threads[0]
}

// Threads returns the live threads, main thread first.
func (p *Process) Threads() []*Thread { return p.threads }

// Socket returns the socket behind fd, or nil.
func (p *Process) Socket(fd int) *Socket {
	if fd < 0 || fd >= len(p.fds) {
		return nil
	}
	return p.fds[fd]
}

// FDs returns the open socket descriptors in increasing order.
func (p *Process) FDs() []int {
	var out []int
	for fd, s := range p.fds {
		if s != nil {
			out = append(out, fd)
		}
	}
	return out
}

// Print writes a line to the process's terminal (process.output), as a
// program prints to its standard output.
func (p *Process) Print(t *Thread, line string) {
	if !p.alive {
		return
	}
	e := p.host.w.newEvent(KindProcessOutput)
	e.Host, e.Program, e.PID = p.host.name, p.prog.Name, p.pid
	if t != nil {
		e.TID = t.tid
	}
	e.Len = len(line)
	e.Data = truncData(line)
	p.host.w.emit(e)
}

func (p *Process) emitThread(k Kind, t *Thread) {
	e := p.host.w.newEvent(k)
	e.Host, e.Program, e.PID, e.TID, e.Job = p.host.name, p.prog.Name, p.pid, t.tid, t.job
	p.host.w.emit(e)
}

// StartThread starts a new thread in the process and emits thread.start.
func (p *Process) StartThread(job string) (*Thread, error) {
	if !p.alive {
		return nil, fmt.Errorf("process %d has exited", p.pid)
	}
	if len(p.threads) >= maxThreadsPerProc {
		return nil, fmt.Errorf("process %d: too many threads (the limit is %d)", p.pid, maxThreadsPerProc)
	}
	t := &Thread{proc: p, tid: p.host.allocPID(), job: job, alive: true}
	p.threads = append(p.threads, t)
	p.emitThread(KindThreadStart, t)
	return t, nil
}

// Thread returns the live thread with the ID, or nil.
func (p *Process) Thread(tid int) *Thread {
	for _, t := range p.threads {
		if t.tid == tid {
			return t
		}
	}
	return nil
}

// TID returns the thread ID.
func (t *Thread) TID() int { return t.tid }

// Job returns what the thread was started to do.
func (t *Thread) Job() string { return t.job }

// Process returns the thread's process.
func (t *Thread) Process() *Process { return t.proc }

// Alive reports whether the thread is running.
func (t *Thread) Alive() bool { return t.alive }

// Exit ends the thread and emits thread.exit. Ending the main thread ends
// the process (as returning from main does).
func (t *Thread) Exit() {
	if !t.alive {
		return
	}
	p := t.proc
	if p.Main() == t {
		p.Exit(0)
		return
	}
	t.end()
}

func (t *Thread) end() {
	p := t.proc
	t.alive = false
	for i, x := range p.threads {
		if x == t {
			p.threads = append(p.threads[:i:i], p.threads[i+1:]...)
			break
		}
	}
	// Calls the thread was blocked in end with it.
	for _, s := range p.fds {
		if s != nil {
			s.cancelAccepts(t)
		}
	}
	p.emitThread(KindThreadExit, t)
}

// Exit ends the process with the exit code: its threads end, the OS closes
// every descriptor it still holds, and process.exit is emitted.
func (p *Process) Exit(code int) { p.exit(code, "") }

// exit ends the process; signal names the signal that ended it, if any.
func (p *Process) exit(code int, signal string) {
	if !p.alive || p.exiting {
		return
	}
	p.exiting = true
	for i := len(p.threads) - 1; i >= 1; i-- {
		p.threads[i].end()
	}
	main := p.Main()
	for fd := range p.fds {
		if p.fds[fd] != nil {
			p.closeFD(main, fd)
		}
	}
	if main != nil {
		main.end()
	}
	p.alive = false
	h := p.host
	for i, x := range h.procs {
		if x == p {
			h.procs = append(h.procs[:i:i], h.procs[i+1:]...)
			break
		}
	}
	delete(h.byPID, p.pid)
	e := h.w.newEvent(KindProcessExit)
	e.Host, e.Program, e.PID, e.Code, e.Signal = h.name, p.prog.Name, p.pid, code, signal
	h.w.emit(e)
}

// Fork makes a child process running the same program, as fork(2) does: the
// child gets a new PID and a copy of the parent's descriptors, which refer
// to the same sockets (socket.inherit, one per descriptor).
func (p *Process) Fork() (*Process, error) {
	if !p.alive {
		return nil, fmt.Errorf("process %d has exited", p.pid)
	}
	c, err := p.host.newProcess(p.prog, p.pid, p.user)
	if err != nil {
		return nil, err
	}
	c.spec = p.spec
	for fd, s := range p.fds {
		if s == nil {
			continue
		}
		for len(c.fds) <= fd {
			c.fds = append(c.fds, nil)
		}
		c.fds[fd] = s
		s.holders = append(s.holders, holder{c, fd})
		e := p.host.w.newEvent(KindSocketInherit)
		e.Host, e.Program, e.PID, e.PPID, e.FD, e.Sock = p.host.name, p.prog.Name, c.pid, p.pid, fd, s.id
		e.Proto, e.Local, e.Remote = s.proto, s.local, s.remote
		p.host.w.emit(e)
	}
	if p.app != nil {
		c.app = &appState{worker: true}
	}
	return c, nil
}

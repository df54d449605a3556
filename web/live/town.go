package live

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"

	"portville/sim"
)

// Town is the machine as the view draws it, kept from look to look. Update
// turns a new look into the events that move the view's state (the
// reducer of static/js/model.js) from the last look to this one, and
// Snapshot is that state, for a browser that opens the page now. A socket
// keeps its id while it lives (the same protocol, local and remote ends),
// so an apartment stays where it is and a connection that closes is seen
// to move out (TIME_WAIT) and leave.
type Town struct {
	seq      uint64
	t        sim.Time
	nextID   int
	machine  hostInfo
	started  bool
	programs []string
	procs    []Proc // in the order they appeared
	socks    map[sockKey]*tsock
	remotes  []*remote // in the order they appeared
	// More and RemoteMore are what the last look left out: sockets past
	// MaxSockets, and the ends of connections at addresses past
	// maxRemotes.
	More, RemoteMore int
}

// maxRemotes is the most buildings across the street: the other ends of
// connections, one per address; connections to further addresses are
// drawn on the machine's building only.
const maxRemotes = 8

type hostInfo struct {
	name  string
	addrs []netip.Addr
	os    string
	rng   [2]uint16
}

type sockKey struct {
	proto         sim.Proto
	local, remote netip.AddrPort
}

// tsock is a socket as drawn.
type tsock struct {
	id        int
	s         Socket
	parent    int  // an accepted connection's listener
	ephemeral bool // the OS chose its port
	binding   bool // it has an apartment of its own
	until     sim.Time
}

// remote is a building across the street: one address, its ports in use.
type remote struct {
	addr  netip.Addr
	ports map[portKey]int // the apartment's id
}

type portKey struct {
	proto sim.Proto
	port  uint16
}

// Event is one event of the live stream, in the JSON form of the event
// stream (docs/events.md); Text and Analogy are the captions.
type Event struct {
	Seq       uint64   `json:"seq"`
	T         sim.Time `json:"t_us"`
	Kind      string   `json:"kind"`
	Text      string   `json:"text"`
	Analogy   string   `json:"analogy"`
	Host      string   `json:"host,omitempty"`
	Program   string   `json:"program,omitempty"`
	Path      string   `json:"path,omitempty"`
	User      string   `json:"user,omitempty"`
	PID       int      `json:"pid,omitempty"`
	PPID      int      `json:"ppid,omitempty"`
	FD        int      `json:"fd,omitempty"`
	Sock      int      `json:"sock,omitempty"`
	Parent    int      `json:"parent,omitempty"`
	Proto     string   `json:"proto,omitempty"`
	Local     string   `json:"local,omitempty"`
	Remote    string   `json:"remote,omitempty"`
	Port      uint16   `json:"port,omitempty"`
	Ephemeral *bool    `json:"ephemeral,omitempty"`
	From      string   `json:"from,omitempty"`
	To        string   `json:"to,omitempty"`
	Until     sim.Time `json:"until_us,omitempty"`
	Shared    int      `json:"shared,omitempty"`
	Addrs     []string `json:"addrs,omitempty"`
	OS        string   `json:"os,omitempty"`
	Range     []uint16 `json:"range,omitempty"`
	Services  []string `json:"services,omitempty"`
	Threads   int      `json:"nthreads,omitempty"`
}

// Event kinds the live stream adds to the simulator's (docs/events.md,
// "The live machine").
const (
	// KindProcessThreads: a process's thread count changed (nthreads).
	KindProcessThreads = "process.threads"
	// KindHostDown: a building across the street goes: no connection of
	// the machine has that address at its other end any more.
	KindHostDown = "host.down"
)

// NewTown returns an empty town.
func NewTown() *Town { return &Town{socks: map[sockKey]*tsock{}} }

// Seq is the number of the last event.
func (t *Town) Seq() uint64 { return t.seq }

// Name is the machine's building's name.
func (t *Town) Name() string { return t.machine.name }

var (
	yes = true
	no  = false
)

func boolp(b bool) *bool {
	if b {
		return &yes
	}
	return &no
}

// Update takes a new look at the machine, at time now since the town
// began, and returns the events that change the drawn town into it.
func (t *Town) Update(m *Machine, now sim.Time) []Event {
	t.t = max(t.t, now)
	var out []Event
	emit := func(e Event) {
		t.seq++
		e.Seq, e.T = t.seq, t.t
		out = append(out, e)
	}
	if !t.started {
		t.started = true
		t.machine = hostInfo{name: cmp.Or(m.Name, "this-machine"), addrs: m.Addrs, os: m.OS, rng: m.Range}
		emit(t.hostUp())
	}
	host := t.machine.name
	own := func(a netip.Addr) bool { return a.IsLoopback() || a.IsUnspecified() || slices.Contains(m.Addrs, a) }

	// The sockets of this look. A socket whose process could not be read
	// (it has just exited, or belongs to another user on a system that
	// hides it) is drawn as the kernel's.
	socks := slices.Clone(m.Sockets)
	procs := map[int]Proc{} // the processes that hold a socket of this look
	for i := range socks {
		p, ok := m.Procs[socks[i].PID]
		if !ok {
			socks[i].PID, socks[i].FD = 0, 0
			continue
		}
		procs[p.PID] = p
	}
	next := map[sockKey]Socket{}
	for _, s := range socks {
		next[keyOf(s)] = s
	}
	t.More = m.More

	// Buildings across the street: one per address at the other end.
	wantRemote := map[netip.Addr]map[portKey]bool{}
	var order []netip.Addr
	for _, s := range socks {
		if !s.Remote.IsValid() || own(s.Remote.Addr()) {
			continue
		}
		a := s.Remote.Addr()
		if wantRemote[a] == nil {
			wantRemote[a] = map[portKey]bool{}
			order = append(order, a)
		}
		wantRemote[a][portKey{s.Proto, s.Remote.Port()}] = true
	}
	kept := map[netip.Addr]bool{}
	for _, r := range t.remotes {
		if wantRemote[r.addr] != nil {
			kept[r.addr] = true
		}
	}
	t.RemoteMore = 0
	room := maxRemotes - len(kept)
	for _, a := range order {
		if kept[a] || t.remote(a) != nil {
			continue
		}
		if room <= 0 {
			t.RemoteMore++
			continue
		}
		room--
		r := &remote{addr: a, ports: map[portKey]int{}}
		t.remotes = append(t.remotes, r)
		emit(Event{Kind: string(sim.KindHostUp), Host: a.String(), Addrs: []string{a.String()}, Range: []uint16{0, 0},
			Text:    fmt.Sprintf("%s is at the other end of a connection of this machine.", a),
			Analogy: fmt.Sprintf("Across the street stands %s, a building this machine's letters go to.", a)})
	}

	// Processes and programs first, so that their sockets can join them.
	for _, pid := range sortedPIDs(procs) {
		p := procs[pid]
		i := slices.IndexFunc(t.procs, func(x Proc) bool { return x.PID == pid })
		if i >= 0 {
			if t.procs[i].Threads != p.Threads {
				emit(Event{Kind: KindProcessThreads, Host: host, PID: pid, Program: p.Name, Threads: p.Threads,
					Text:    fmt.Sprintf("%s (PID %d) now runs %s.", p.Name, pid, plural(p.Threads, "thread")),
					Analogy: fmt.Sprintf("The %s household now has %s doing its jobs.", p.Name, plural(p.Threads, "member"))})
			}
			t.procs[i] = p
			continue
		}
		if !slices.Contains(t.programs, p.Name) {
			t.programs = append(t.programs, p.Name)
			emit(Event{Kind: string(sim.KindProgramInstall), Host: host, Program: p.Name, Path: p.Name,
				Text:    fmt.Sprintf("%s runs on this machine.", p.Name),
				Analogy: fmt.Sprintf("The blueprint of %s is in the storage room.", p.Name)})
		}
		t.procs = append(t.procs, p)
		emit(Event{Kind: string(sim.KindProcessStart), Host: host, PID: pid, PPID: p.PPID, Program: p.Name, User: p.User, Threads: p.Threads,
			Text:    fmt.Sprintf("%s (PID %d, user %s, %s) holds sockets.", p.Name, pid, p.User, plural(p.Threads, "thread")),
			Analogy: fmt.Sprintf("The %s household (PID %d) lives in this building.", p.Name, pid)})
	}

	// Sockets that left, or changed.
	for _, k := range t.sortedKeys() {
		ts := t.socks[k]
		s, still := next[k]
		if !still {
			t.leave(ts, emit)
			delete(t.socks, k)
			continue
		}
		if s.PID != ts.s.PID || s.FD != ts.s.FD {
			if s.PID != 0 {
				emit(Event{Kind: string(sim.KindSocketInherit), Host: host, PID: s.PID, FD: s.FD, Sock: ts.id, Proto: s.Proto.String(),
					Text:    fmt.Sprintf("%s (PID %d) holds the socket %s now.", t.procName(s.PID), s.PID, describeSock(s)),
					Analogy: fmt.Sprintf("The %s household takes over the mail slot of %s.", t.procName(s.PID), s.Local)})
			}
			if ts.s.PID != 0 {
				emit(t.closeEvent(ts, s.PID != 0))
			}
		}
		if s.State != ts.s.State {
			e := Event{Kind: string(sim.KindSocketState), Host: host, Sock: ts.id, Proto: s.Proto.String(), Local: s.Local.String(),
				Remote: apString(s.Remote), From: ts.s.State, To: s.State, Parent: ts.parent,
				Text:    fmt.Sprintf("%s: %s -> %s.", describeSock(s), ts.s.State, s.State),
				Analogy: fmt.Sprintf("The conversation at apartment %d changes: %s.", s.Local.Port(), stateWords(s.State))}
			if s.State == "TIME_WAIT" {
				ts.until = t.t + t.timeWait()
				e.Until = ts.until
				e.Analogy = fmt.Sprintf("The tenant of apartment %d has moved out, but the apartment stays reserved for a while (TIME_WAIT).", s.Local.Port())
			}
			emit(e)
		}
		ts.s = s
	}

	// New sockets: listeners first (m.Sockets comes sorted so), so that an
	// accepted connection finds its listener.
	for _, s := range socks {
		k := keyOf(s)
		if t.socks[k] != nil {
			continue
		}
		t.nextID++
		ts := &tsock{id: t.nextID, s: s}
		t.socks[k] = ts
		t.arrive(ts, emit)
	}

	// The apartments across the street, and buildings that lost them all.
	for _, r := range t.remotes {
		want := wantRemote[r.addr]
		for _, pk := range sortedPorts(r.ports) {
			if !want[pk] {
				emit(Event{Kind: string(sim.KindPortRelease), Host: r.addr.String(), Sock: r.ports[pk], Proto: pk.proto.String(), Port: pk.port,
					Local:   netip.AddrPortFrom(r.addr, pk.port).String(),
					Text:    fmt.Sprintf("No connection of this machine goes to %s port %d any more.", r.addr, pk.port),
					Analogy: fmt.Sprintf("No letter of this machine goes to apartment %d across the street now.", pk.port)})
				delete(r.ports, pk)
			}
		}
		for _, pk := range sortedPorts(want) {
			if _, ok := r.ports[pk]; ok {
				continue
			}
			t.nextID++
			r.ports[pk] = t.nextID
			ap := netip.AddrPortFrom(r.addr, pk.port)
			emit(Event{Kind: string(sim.KindSocketBind), Host: r.addr.String(), Sock: t.nextID, Proto: pk.proto.String(), Local: ap.String(), Port: pk.port, Ephemeral: boolp(false),
				Text:    fmt.Sprintf("This machine talks to %s %s.", pk.proto.String(), serviceOf(pk.proto, pk.port, ap)),
				Analogy: fmt.Sprintf("Letters of this machine go to apartment %d of %s.", pk.port, r.addr)})
		}
	}
	keptRemotes := t.remotes[:0]
	for _, r := range t.remotes {
		if len(r.ports) > 0 {
			keptRemotes = append(keptRemotes, r)
			continue
		}
		emit(Event{Kind: KindHostDown, Host: r.addr.String(),
			Text:    fmt.Sprintf("No connection of this machine has %s at its other end any more.", r.addr),
			Analogy: fmt.Sprintf("The building %s across the street is out of sight: no letter goes there now.", r.addr)})
	}
	t.remotes = keptRemotes

	// Processes that hold no shown socket any more.
	keptProcs := t.procs[:0]
	for _, p := range t.procs {
		if _, ok := procs[p.PID]; ok {
			keptProcs = append(keptProcs, p)
			continue
		}
		emit(Event{Kind: string(sim.KindProcessExit), Host: host, PID: p.PID, Program: p.Name,
			Text:    fmt.Sprintf("%s (PID %d) holds no socket any more, or has exited.", p.Name, p.PID),
			Analogy: fmt.Sprintf("The %s household (PID %d) has left, or no longer has a mail slot.", p.Name, p.PID)})
	}
	t.procs = keptProcs
	return out
}

// arrive emits the events that make a socket appear as it is now.
func (t *Town) arrive(ts *tsock, emit func(Event)) {
	s := ts.s
	host := t.machine.name
	proto := s.Proto.String()
	name := t.procName(s.PID)
	if l := t.listenerFor(s); l != nil {
		// An accepted connection: the listener's kernel made it; it lives
		// in the listener's apartment.
		ts.parent = l.id
		emit(Event{Kind: string(sim.KindSocketState), Host: host, Sock: ts.id, Parent: l.id, Proto: proto, Local: s.Local.String(), Remote: s.Remote.String(),
			From: "LISTEN", To: "SYN_RECV",
			Text:    fmt.Sprintf("%s: a connection from %s to the listener on port %d.", s.Local, s.Remote, s.Local.Port()),
			Analogy: fmt.Sprintf("A visitor from %s at apartment %d's door.", s.Remote, s.Local.Port())})
		if s.State != "SYN_RECV" {
			t.stateTo(ts, "SYN_RECV", emit)
		}
		if s.PID != 0 {
			emit(Event{Kind: string(sim.KindSocketAccept), Host: host, PID: s.PID, FD: s.FD, Sock: ts.id, Proto: proto, Local: s.Local.String(), Remote: s.Remote.String(),
				Text:    fmt.Sprintf("%s (PID %d) has accepted the connection from %s on port %d (file descriptor %d).", name, s.PID, s.Remote, s.Local.Port(), s.FD),
				Analogy: fmt.Sprintf("The %s household talks with %s in apartment %d.", name, s.Remote, s.Local.Port())})
			ts.parent = 0 // accepted: the connection is the process's now
		}
		return
	}
	emit(Event{Kind: string(sim.KindSocketOpen), Host: host, PID: s.PID, FD: s.FD, Sock: ts.id, Proto: proto,
		Text:    fmt.Sprintf("%s (PID %d) has a %s socket: file descriptor %d.", name, s.PID, s.Proto.String(), s.FD),
		Analogy: fmt.Sprintf("The %s household has a %s mail slot.", name, s.Proto.String())})
	ts.ephemeral = s.State != "LISTEN" && t.inRange(s.Local.Port())
	ts.binding = true
	if ts.ephemeral {
		emit(Event{Kind: string(sim.KindPortAssign), Host: host, PID: s.PID, Sock: ts.id, Proto: proto, Local: s.Local.String(), Remote: apString(s.Remote), Port: s.Local.Port(), Ephemeral: boolp(true),
			Text:    fmt.Sprintf("%s uses ephemeral port %d (%s).", name, s.Local.Port(), describeSock(s)),
			Analogy: fmt.Sprintf("%s has the temporary apartment number %d for its letters.", name, s.Local.Port())})
	} else {
		emit(Event{Kind: string(sim.KindSocketBind), Host: host, PID: s.PID, Sock: ts.id, Proto: proto, Local: s.Local.String(), Port: s.Local.Port(), Ephemeral: boolp(false),
			Text:    fmt.Sprintf("%s is bound to %s %s.", name, proto, serviceOf(s.Proto, s.Local.Port(), s.Local)),
			Analogy: fmt.Sprintf("%s lives in apartment %d.", name, s.Local.Port())})
	}
	switch {
	case s.State == "LISTEN":
		emit(Event{Kind: string(sim.KindSocketListen), Host: host, PID: s.PID, Sock: ts.id, Proto: proto, Local: s.Local.String(), Port: s.Local.Port(),
			Text:    fmt.Sprintf("%s (PID %d) listens on %s %s.", name, s.PID, proto, serviceOf(s.Proto, s.Local.Port(), s.Local)),
			Analogy: fmt.Sprintf("%s waits for visitors at apartment %d.", name, s.Local.Port())})
	case s.Remote.IsValid():
		emit(Event{Kind: string(sim.KindSocketConnect), Host: host, PID: s.PID, Sock: ts.id, Proto: proto, Local: s.Local.String(), Remote: s.Remote.String(), Port: s.Remote.Port(),
			Text:    fmt.Sprintf("%s is connected from %s to %s.", name, s.Local, s.Remote),
			Analogy: fmt.Sprintf("%s writes from apartment %d to %s.", name, s.Local.Port(), s.Remote)})
		if s.Proto == sim.TCP && s.State != "SYN_SENT" {
			t.stateTo(ts, "SYN_SENT", emit)
		}
	}
}

// stateTo emits the state change of a socket arriving in a state past
// its first one.
func (t *Town) stateTo(ts *tsock, from string, emit func(Event)) {
	s := ts.s
	e := Event{Kind: string(sim.KindSocketState), Host: t.machine.name, Sock: ts.id, Parent: ts.parent, Proto: s.Proto.String(),
		Local: s.Local.String(), Remote: apString(s.Remote), From: from, To: s.State,
		Text:    fmt.Sprintf("%s is %s.", describeSock(s), s.State),
		Analogy: fmt.Sprintf("The conversation at apartment %d: %s.", s.Local.Port(), stateWords(s.State))}
	if s.State == "TIME_WAIT" {
		ts.until = t.t + t.timeWait()
		e.Until = ts.until
	}
	emit(e)
}

// leave emits the events that take a socket away.
func (t *Town) leave(ts *tsock, emit func(Event)) {
	s := ts.s
	if s.PID != 0 {
		emit(t.closeEvent(ts, false))
	}
	if s.Proto == sim.TCP {
		emit(Event{Kind: string(sim.KindSocketState), Host: t.machine.name, Sock: ts.id, Proto: s.Proto.String(), Local: s.Local.String(), Remote: apString(s.Remote),
			From: s.State, To: "CLOSED",
			Text:    fmt.Sprintf("%s is gone.", describeSock(s)),
			Analogy: fmt.Sprintf("Apartment %d's conversation is over.", s.Local.Port())})
	}
	if ts.binding {
		emit(Event{Kind: string(sim.KindPortRelease), Host: t.machine.name, Sock: ts.id, Proto: s.Proto.String(), Port: s.Local.Port(), Local: s.Local.String(),
			Text:    fmt.Sprintf("Port %s/%d is free again.", s.Proto, s.Local.Port()),
			Analogy: fmt.Sprintf("Apartment %d is free again.", s.Local.Port())})
	}
}

// closeEvent is a holder letting go of a socket; shared says another
// descriptor still holds it.
func (t *Town) closeEvent(ts *tsock, shared bool) Event {
	s := ts.s
	e := Event{Kind: string(sim.KindSocketClose), Host: t.machine.name, PID: s.PID, FD: s.FD, Sock: ts.id, Proto: s.Proto.String(), Local: s.Local.String(),
		Text:    fmt.Sprintf("%s (PID %d) closed file descriptor %d (%s).", t.procName(s.PID), s.PID, s.FD, describeSock(s)),
		Analogy: fmt.Sprintf("The %s household closes its mail slot at apartment %d.", t.procName(s.PID), s.Local.Port())}
	if shared {
		e.Shared = 1
	}
	return e
}

// listenerFor returns the listener an accepted TCP connection belongs
// to: one on its local port, on its address or on every address.
func (t *Town) listenerFor(s Socket) *tsock {
	if s.Proto != sim.TCP || !s.Remote.IsValid() {
		return nil
	}
	var best *tsock
	for _, ts := range t.socks {
		l := ts.s
		if l.State != "LISTEN" || l.Local.Port() != s.Local.Port() {
			continue
		}
		if l.Local.Addr() == s.Local.Addr() {
			return ts
		}
		if l.Local.Addr().IsUnspecified() && (best == nil || ts.id < best.id) {
			best = ts
		}
	}
	return best
}

func (t *Town) inRange(port uint16) bool { return port >= t.machine.rng[0] && port <= t.machine.rng[1] }

// timeWait is how long the machine's TIME_WAIT lasts: the OS profile's
// (Linux 60 s). It is what the view counts down; the kernel does not say
// how much of it is left.
func (t *Town) timeWait() sim.Time {
	if p, err := sim.ProfileByName(t.machine.os); err == nil {
		return p.TimeWait
	}
	return 60 * sim.Second
}

func (t *Town) procName(pid int) string {
	for _, p := range t.procs {
		if p.PID == pid {
			return p.Name
		}
	}
	if pid == 0 {
		return "the kernel"
	}
	return fmt.Sprintf("PID %d", pid)
}

func (t *Town) remote(a netip.Addr) *remote {
	for _, r := range t.remotes {
		if r.addr == a {
			return r
		}
	}
	return nil
}

func (t *Town) hostUp() Event {
	hi := t.machine
	// The sign shows 127.0.0.1 as a lesson's host has it, not ::1.
	addrs := make([]string, 0, len(hi.addrs))
	for _, a := range hi.addrs {
		if len(addrs) < maxAddrs && a != netip.IPv6Loopback() {
			addrs = append(addrs, a.String())
		}
	}
	return Event{Kind: string(sim.KindHostUp), Host: hi.name, Addrs: addrs, OS: hi.os, Range: []uint16{hi.rng[0], hi.rng[1]},
		Text:    fmt.Sprintf("This machine, %s, runs %s; its ephemeral ports are %d-%d.", hi.name, hi.os, hi.rng[0], hi.rng[1]),
		Analogy: fmt.Sprintf("Your own computer is the building %s; the OS lends temporary apartment numbers from %d to %d.", hi.name, hi.rng[0], hi.rng[1])}
}

func (t *Town) sortedKeys() []sockKey {
	keys := make([]sockKey, 0, len(t.socks))
	for k := range t.socks {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b sockKey) int { return cmp.Compare(t.socks[a].id, t.socks[b].id) })
	return keys
}

func keyOf(s Socket) sockKey { return sockKey{s.Proto, s.Local, s.Remote} }

func sortedPIDs(m map[int]Proc) []int {
	out := make([]int, 0, len(m))
	for pid := range m {
		out = append(out, pid)
	}
	slices.Sort(out)
	return out
}

func sortedPorts[V any](m map[portKey]V) []portKey {
	out := make([]portKey, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.SortFunc(out, func(a, b portKey) int { return cmp.Or(cmp.Compare(a.proto, b.proto), cmp.Compare(a.port, b.port)) })
	return out
}

func apString(ap netip.AddrPort) string {
	if !ap.IsValid() {
		return ""
	}
	return ap.String()
}

func describeSock(s Socket) string {
	if s.Remote.IsValid() {
		return fmt.Sprintf("%s %s <-> %s", s.Proto, s.Local, s.Remote)
	}
	return fmt.Sprintf("%s %s", s.Proto, s.Local)
}

// serviceOf names a port with its service when it has a well-known one:
// "port 443 (https)".
func serviceOf(proto sim.Proto, port uint16, ap netip.AddrPort) string {
	if name := sim.ServiceName(proto, port); name != "" {
		return fmt.Sprintf("%s (%s)", ap, name)
	}
	return ap.String()
}

func stateWords(state string) string {
	switch state {
	case "ESTABLISHED":
		return "letters go both ways"
	case "TIME_WAIT":
		return "moving out: the apartment stays reserved for a while"
	case "CLOSE_WAIT":
		return "the other side has said goodbye"
	case "FIN_WAIT_1", "FIN_WAIT_2", "LAST_ACK", "CLOSING":
		return "saying goodbye"
	case "SYN_SENT", "SYN_RECV":
		return "knocking"
	}
	return state
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

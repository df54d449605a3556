package live

import (
	"cmp"
	"net/netip"
	"slices"

	"portville/sim"
)

// Snapshot is the town as the view's reducer holds it after the last
// event: sim.Snapshot's JSON form, with a process's thread count
// (nthreads) where a lesson lists its threads.
type Snapshot struct {
	Seq     uint64      `json:"seq"`
	T       sim.Time    `json:"t_us"`
	Hosts   []HostState `json:"hosts"`
	Packets []struct{}  `json:"packets"`
}

// HostState is a building: the machine, or an address across the street.
type HostState struct {
	Name      string             `json:"name"`
	Addrs     []string           `json:"addrs"`
	OS        string             `json:"os"`
	Range     [2]uint16          `json:"range"`
	Programs  []sim.ProgramState `json:"programs"`
	Processes []ProcessState     `json:"processes"`
	Bindings  []sim.BindingState `json:"bindings"`
	Sockets   []sim.SocketState  `json:"sockets"`
}

// ProcessState is a process with its descriptors and thread count.
type ProcessState struct {
	PID      int               `json:"pid"`
	PPID     int               `json:"ppid"`
	Program  string            `json:"program"`
	User     string            `json:"user"`
	Threads  []sim.ThreadState `json:"threads"`
	FDs      []sim.FDState     `json:"fds"`
	NThreads int               `json:"nthreads,omitempty"`
}

// Snapshot returns the town after the last Update.
func (t *Town) Snapshot() Snapshot {
	snap := Snapshot{Seq: t.seq, T: t.t, Hosts: []HostState{}, Packets: []struct{}{}}
	if !t.started {
		return snap
	}
	hu := t.hostUp()
	h := HostState{Name: hu.Host, Addrs: hu.Addrs, OS: hu.OS, Range: t.machine.rng,
		Programs: []sim.ProgramState{}, Processes: []ProcessState{}, Bindings: []sim.BindingState{}, Sockets: []sim.SocketState{}}
	for _, name := range t.programs {
		h.Programs = append(h.Programs, sim.ProgramState{Name: name, Path: name, Services: []string{}})
	}
	socks := make([]*tsock, 0, len(t.socks))
	for _, ts := range t.socks {
		socks = append(socks, ts)
	}
	slices.SortFunc(socks, func(a, b *tsock) int { return cmp.Compare(a.id, b.id) })
	for _, p := range t.procs {
		ps := ProcessState{PID: p.PID, PPID: p.PPID, Program: p.Name, User: p.User, Threads: []sim.ThreadState{}, FDs: []sim.FDState{}, NThreads: p.Threads}
		for _, ts := range socks {
			if ts.s.PID == p.PID {
				ps.FDs = append(ps.FDs, sim.FDState{FD: ts.s.FD, Sock: ts.id})
			}
		}
		slices.SortFunc(ps.FDs, func(a, b sim.FDState) int { return cmp.Compare(a.FD, b.FD) })
		h.Processes = append(h.Processes, ps)
	}
	for _, ts := range socks {
		s := ts.s
		if ts.binding {
			h.Bindings = append(h.Bindings, sim.BindingState{Proto: s.Proto.String(), Local: s.Local.String(), Port: s.Local.Port(), Ephemeral: ts.ephemeral, Sock: ts.id})
		}
		var until sim.Time
		if s.State == "TIME_WAIT" {
			until = ts.until
		}
		h.Sockets = append(h.Sockets, sim.SocketState{Sock: ts.id, Proto: s.Proto.String(), State: s.State, Local: s.Local.String(),
			Remote: apString(s.Remote), Parent: ts.parent, Ephemeral: ts.ephemeral, Until: until})
	}
	snap.Hosts = append(snap.Hosts, h)
	for _, r := range t.remotes {
		rh := HostState{Name: r.addr.String(), Addrs: []string{r.addr.String()}, Programs: []sim.ProgramState{},
			Processes: []ProcessState{}, Bindings: []sim.BindingState{}, Sockets: []sim.SocketState{}}
		for _, pk := range sortedPorts(r.ports) {
			rh.Bindings = append(rh.Bindings, sim.BindingState{Proto: pk.proto.String(), Local: netip.AddrPortFrom(r.addr, pk.port).String(), Port: pk.port, Sock: r.ports[pk]})
		}
		slices.SortFunc(rh.Bindings, func(a, b sim.BindingState) int { return cmp.Compare(a.Sock, b.Sock) })
		snap.Hosts = append(snap.Hosts, rh)
	}
	return snap
}

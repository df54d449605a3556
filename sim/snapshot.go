package sim

import (
	"net/netip"
	"slices"
)

// Snapshot is the whole visible state of the world after event Seq. A
// viewer that starts from a snapshot and applies the events after it
// reaches the same state as the simulator: the browser's reducer is tested
// against this type. docs/protocol.md documents the JSON form.
type Snapshot struct {
	Seq     uint64        `json:"seq"`
	T       Time          `json:"t_us"`
	Hosts   []HostState   `json:"hosts"`
	Packets []PacketState `json:"packets"`
}

// In returns the snapshot with its threads' jobs in l (Language.Job):
// the only words of a snapshot meant for people. The snapshot itself is
// not changed; without a language it is returned as it is.
func (s Snapshot) In(l *Language) Snapshot {
	if l == nil {
		return s
	}
	s.Hosts = slices.Clone(s.Hosts)
	for i := range s.Hosts {
		h := &s.Hosts[i]
		h.Processes = slices.Clone(h.Processes)
		for j := range h.Processes {
			h.Processes[j].Threads = slices.Clone(h.Processes[j].Threads)
		}
	}
	s.Translate(l)
	return s
}

// Translate puts the threads' jobs of s in l, in place: for a snapshot
// made for one reader (In copies one that others share).
func (s *Snapshot) Translate(l *Language) {
	if l == nil {
		return
	}
	for i := range s.Hosts {
		for j := range s.Hosts[i].Processes {
			th := s.Hosts[i].Processes[j].Threads
			for k := range th {
				th[k].Job = l.Job(th[k].Job)
			}
		}
	}
}

// HostState is one host in a snapshot.
type HostState struct {
	Name      string         `json:"name"`
	Addrs     []string       `json:"addrs"`
	OS        string         `json:"os"`
	Range     [2]uint16      `json:"range"`
	Programs  []ProgramState `json:"programs"`
	Processes []ProcessState `json:"processes"`
	Bindings  []BindingState `json:"bindings"`
	Sockets   []SocketState  `json:"sockets"`
	// NAT is a router's mappings (nat.go), oldest first; absent for
	// other hosts.
	NAT []NATEntry `json:"nat,omitempty"`
}

// ProgramState is an installed program.
type ProgramState struct {
	Name     string   `json:"name"`
	Path     string   `json:"path"`
	Services []string `json:"services"`
}

// ProcessState is a live process.
type ProcessState struct {
	PID     int           `json:"pid"`
	PPID    int           `json:"ppid"`
	Program string        `json:"program"`
	User    string        `json:"user"`
	Threads []ThreadState `json:"threads"`
	FDs     []FDState     `json:"fds"`
}

// ThreadState is a live thread.
type ThreadState struct {
	_   noCompare
	TID int    `json:"tid"`
	Job string `json:"job"`
}

// FDState maps a descriptor to a socket id.
type FDState struct {
	FD   int `json:"fd"`
	Sock int `json:"sock"`
}

// BindingState is a port held on a host: an apartment.
type BindingState struct {
	_         noCompare
	Proto     string `json:"proto"`
	Local     string `json:"local"`
	Port      uint16 `json:"port"`
	Ephemeral bool   `json:"ephemeral"`
	Sock      int    `json:"sock"` // the socket that made the binding
}

// SocketState is a socket that exists: held by a descriptor, or still in
// the kernel (an unaccepted connection, an orphan closing, TIME_WAIT).
type SocketState struct {
	_         noCompare
	Sock      int    `json:"sock"`
	Proto     string `json:"proto"`
	State     string `json:"state"`
	Local     string `json:"local"`
	Remote    string `json:"remote"`
	Parent    int    `json:"parent"`
	Ephemeral bool   `json:"ephemeral"`
	Until     Time   `json:"until_us"`
}

// PacketState is a packet on its way.
type PacketState struct {
	Packet int      `json:"packet"`
	From   string   `json:"from"`
	To     string   `json:"to"`
	Proto  string   `json:"proto"`
	Src    string   `json:"src"`
	Dst    string   `json:"dst"`
	Flags  []string `json:"flags"`
	Len    int      `json:"len"`
	Wire   string   `json:"wire,omitempty"`
	Data   string   `json:"data"`
	Sent   Time     `json:"sent_us"`
	Arrive Time     `json:"arrive_us"`
}

func apString(ap netip.AddrPort) string {
	if !ap.IsValid() {
		return ""
	}
	return ap.String()
}

// Snapshot returns the world's current state.
func (w *World) Snapshot() Snapshot {
	snap := Snapshot{Seq: w.seq, T: w.now, Hosts: []HostState{}, Packets: []PacketState{}}
	for _, h := range w.hosts {
		hs := HostState{
			Name: h.name, OS: h.os.Name, Range: [2]uint16{h.lo, h.hi},
			Addrs: []string{}, Programs: []ProgramState{}, Processes: []ProcessState{},
			Bindings: []BindingState{}, Sockets: []SocketState{},
		}
		for _, a := range h.addrs {
			hs.Addrs = append(hs.Addrs, a.String())
		}
		for _, p := range h.programs {
			ps := ProgramState{Name: p.Name, Path: p.Path, Services: []string{}}
			if p.Server != nil {
				for _, l := range p.Server.Listen {
					ps.Services = append(ps.Services, l.String())
				}
			}
			hs.Programs = append(hs.Programs, ps)
		}
		for _, p := range h.procs {
			ps := ProcessState{PID: p.pid, PPID: p.ppid, Program: p.prog.Name, User: p.user, Threads: []ThreadState{}, FDs: []FDState{}}
			for _, t := range p.threads {
				ps.Threads = append(ps.Threads, ThreadState{TID: t.tid, Job: t.job})
			}
			for fd, s := range p.fds {
				if s != nil {
					ps.FDs = append(ps.FDs, FDState{FD: fd, Sock: s.id})
				}
			}
			hs.Processes = append(hs.Processes, ps)
		}
		// Bindings in the order of their socket, then protocol ("tcp"
		// before "udp"); sockets and packets by id. The lists are sorted
		// by int keys: one sort for every element type keeps the
		// WebAssembly module small (a sort per type costs about 20 KB).
		byKey := map[int]*binding{}
		for _, proto := range []Proto{TCP, UDP} {
			for _, pu := range h.ports[proto] {
				for _, s := range pu.socks {
					if b := s.bnd; b != nil {
						byKey[b.owner*4+int(b.proto)] = b
					}
				}
			}
		}
		for _, k := range sortedKeys(byKey) {
			b := byKey[k]
			hs.Bindings = append(hs.Bindings, BindingState{
				Proto: b.proto.String(), Local: netip.AddrPortFrom(b.addr, b.port).String(),
				Port: b.port, Ephemeral: b.ephemeral, Sock: b.owner,
			})
		}
		for _, id := range sortedKeys(h.live) {
			s := h.live[id]
			// A socket no process holds is gone once it is CLOSED (TCP) or
			// closed (UDP), even if its port is released a moment later.
			if len(s.holders) == 0 && (s.proto == UDP || s.state == StateClosed) {
				continue
			}
			hs.Sockets = append(hs.Sockets, s.state0())
		}
		hs.NAT = h.NATEntries()
		snap.Hosts = append(snap.Hosts, hs)
	}
	for _, id := range sortedKeys(w.inflight) {
		p := w.inflight[id]
		ps := PacketState{
			Packet: p.id, From: p.from.name, Proto: p.proto.String(),
			Src: p.src.String(), Dst: p.dst.String(), Flags: p.flags.Names(),
			Len: p.size, Wire: p.wire.String(), Data: truncData(p.data), Sent: p.sent, Arrive: p.arrive,
		}
		if ps.Flags == nil {
			ps.Flags = []string{}
		}
		if p.to != nil {
			ps.To = p.to.name
		}
		snap.Packets = append(snap.Packets, ps)
	}
	return snap
}

// sortedKeys returns a map's int keys in order.
func sortedKeys[V any](m map[int]V) []int {
	keys := make([]int, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func (s *Socket) state0() SocketState {
	ss := SocketState{
		Sock: s.id, Proto: s.proto.String(), State: s.state.String(),
		Local: apString(s.local), Remote: apString(s.remote), Until: s.until,
		Ephemeral: s.bnd != nil && s.bnd.ephemeral && s.local.IsValid(),
	}
	if s.proto == UDP {
		ss.State = "UNCONN"
		if s.remote.IsValid() {
			ss.State = "ESTABLISHED"
		}
	}
	if s.parent != nil {
		ss.Parent = s.parent.id
	}
	return ss
}

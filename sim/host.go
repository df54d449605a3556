package sim

import (
	"fmt"
	"net/netip"
)

// Loopback is the address every host has for talking to itself.
var Loopback = netip.MustParseAddr("127.0.0.1")

// HostSpec describes a host to add to the world.
type HostSpec struct {
	Name  string
	Addrs []netip.Addr // IPv4 addresses besides loopback; at least one
	OS    *Profile     // nil means Linux
	// RangeLo and RangeHi override the profile's ephemeral range when both
	// are set (for example 7000-7009 to show exhaustion quickly).
	RangeLo, RangeHi uint16
}

// Host is one computer: an apartment complex whose street address is its IP
// address. Its fields are reached through methods; the world owns it.
type Host struct {
	w        *World
	id       int
	name     string
	os       *Profile
	addrs    []netip.Addr // configured addresses, then loopback
	lo, hi   uint16
	secret   uint64
	perturb  map[uint32]uint32
	lastPort [3]uint16 // sequential allocators, per protocol
	nextPID  int
	programs []*Program
	procs    []*Process // live processes in PID order
	byPID    map[int]*Process
	ports    [3]map[uint16]*portUse // per protocol: who holds each port
	conns    [3]map[connKey]*Socket // sockets with a remote end, by 4-tuple
	live     map[int]*Socket        // every socket not yet released, by id
	nat      *natTable              // a router's NAT (nat.go), nil for other hosts
	gw       *Host                  // the router a host sits behind, nil if none
}

// connKey is the 4-tuple of a connection as seen from one host (the
// protocol is the index of the map that holds it).
type connKey struct{ local, remote netip.AddrPort }

// portUse is every socket holding one port number of one protocol on a
// host: listeners, connected sockets, accepted sockets and TIME_WAIT
// leftovers. byConnect records that connect() created the entry, which on
// Linux lets other connections share the port towards other destinations.
type portUse struct {
	socks     []*Socket
	byConnect bool
}

// AddHost adds a host and emits host.up.
func (w *World) AddHost(spec HostSpec) (*Host, error) {
	if len(w.hosts) >= maxHosts {
		return nil, fmt.Errorf("too many hosts (the limit is %d)", maxHosts)
	}
	if !validHostName(spec.Name) {
		return nil, fmt.Errorf("host name %q: want lower-case letters, digits and '-', starting with a letter, at most 32 characters", spec.Name)
	}
	if w.byName[spec.Name] != nil {
		return nil, fmt.Errorf("host %q already exists", spec.Name)
	}
	if len(spec.Addrs) == 0 {
		return nil, fmt.Errorf("host %q needs at least one IP address", spec.Name)
	}
	os := spec.OS
	if os == nil {
		os = Linux
	}
	h := &Host{
		w: w, id: len(w.hosts), name: spec.Name, os: os,
		lo: os.RangeLo, hi: os.RangeHi,
		secret:  w.rng.Uint64(),
		perturb: map[uint32]uint32{},
		nextPID: 1000 + w.randN(8000),
		byPID:   map[int]*Process{},
		live:    map[int]*Socket{},
	}
	if spec.RangeLo != 0 || spec.RangeHi != 0 {
		if spec.RangeLo == 0 || spec.RangeHi < spec.RangeLo {
			return nil, fmt.Errorf("host %q: ephemeral range %d-%d is not a range (want low <= high, both 1-65535)", spec.Name, spec.RangeLo, spec.RangeHi)
		}
		h.lo, h.hi = spec.RangeLo, spec.RangeHi
	}
	seen := map[netip.Addr]bool{}
	for _, a := range spec.Addrs {
		if !a.Is4() {
			return nil, fmt.Errorf("host %q: address %s is not IPv4", spec.Name, a)
		}
		if a.IsLoopback() || a.IsUnspecified() || a.IsMulticast() || a == netip.AddrFrom4([4]byte{255, 255, 255, 255}) {
			return nil, fmt.Errorf("host %q: address %s cannot be a host's address (loopback, 0.0.0.0, multicast and broadcast are reserved)", spec.Name, a)
		}
		if seen[a] {
			return nil, fmt.Errorf("host %q: address %s listed twice", spec.Name, a)
		}
		if other := w.byAddr[a]; other != nil {
			return nil, fmt.Errorf("host %q: address %s already belongs to host %q", spec.Name, a, other.name)
		}
		seen[a] = true
		h.addrs = append(h.addrs, a)
	}
	h.addrs = append(h.addrs, Loopback)
	for i := range h.ports {
		h.ports[i] = map[uint16]*portUse{}
		h.conns[i] = map[connKey]*Socket{}
	}
	for _, a := range h.addrs[:len(h.addrs)-1] {
		w.byAddr[a] = h
	}
	w.hosts = append(w.hosts, h)
	w.byName[h.name] = h
	// The sequential allocators start somewhere in the range, as on a
	// machine that has been up for a while.
	for p := range h.lastPort {
		h.lastPort[p] = h.lo + uint16(w.randN(int(h.hi-h.lo)+1))
	}
	e := w.newEvent(KindHostUp)
	e.Host = h.name
	e.Addrs = h.addrs
	e.OS = os.Name
	e.RangeLo, e.RangeHi = h.lo, h.hi
	w.emit(e)
	return h, nil
}

// Name returns the host's name.
func (h *Host) Name() string { return h.name }

// OS returns the host's OS profile.
func (h *Host) OS() *Profile { return h.os }

// Addrs returns the host's addresses, loopback last.
func (h *Host) Addrs() []netip.Addr { return h.addrs }

// Addr returns the host's first (primary) address.
func (h *Host) Addr() netip.Addr { return h.addrs[0] }

// EphemeralRange returns the host's ephemeral port range, inclusive.
func (h *Host) EphemeralRange() (lo, hi uint16) { return h.lo, h.hi }

// HasAddr reports whether a is one of the host's addresses (any 127/8
// address counts, as on Linux).
func (h *Host) HasAddr(a netip.Addr) bool {
	if a.IsLoopback() {
		return true
	}
	for _, x := range h.addrs {
		if x == a {
			return true
		}
	}
	return false
}

// Processes returns the live processes in PID order.
func (h *Host) Processes() []*Process { return h.procs }

// Process returns the live process with the PID, or nil.
func (h *Host) Process(pid int) *Process { return h.byPID[pid] }

// Programs returns the installed programs in install order.
func (h *Host) Programs() []*Program { return h.programs }

// Program returns the installed program with the name, or nil.
func (h *Host) Program(name string) *Program {
	for _, p := range h.programs {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// allocPID returns the next free PID. Threads take IDs from the same space,
// as on Linux.
func (h *Host) allocPID() int {
	for {
		h.nextPID++
		if h.nextPID > 4194304 {
			h.nextPID = 300
		}
		if h.byPID[h.nextPID] == nil {
			return h.nextPID
		}
	}
}

// srcAddrFor picks the source address for traffic to dst, as the routing
// table would: loopback for loopback, the address itself for one of the
// host's own addresses, otherwise the primary address.
func (h *Host) srcAddrFor(dst netip.Addr) netip.Addr {
	if dst.IsLoopback() {
		return Loopback
	}
	if h.HasAddr(dst) {
		return dst
	}
	return h.addrs[0]
}

// route returns the host that owns dst, or nil when no host has it.
func (h *Host) route(dst netip.Addr) *Host {
	if dst.IsLoopback() || h.HasAddr(dst) {
		return h
	}
	return h.w.byAddr[dst]
}

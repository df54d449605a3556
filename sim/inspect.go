package sim

import (
	"fmt"
	"net/netip"
	"slices"
)

// This file holds what the lab's tools read and change on a running host
// (sim/lab: ss, ps, kill, sysctl, apt): read-only views of its sockets and
// processes, and the two changes an administrator makes while it runs.

// Holder is a process holding a socket through a descriptor.
type Holder struct {
	_       noCompare
	PID     int
	FD      int
	Program string
}

// Sockets returns every socket the host still has, in the order they were
// opened: sockets a process holds, connections waiting to be accepted, and
// closed sockets still in the kernel (TIME_WAIT, an orphan finishing its
// FIN exchange). A socket that is gone for good is not listed.
func (h *Host) Sockets() []*Socket {
	out := make([]*Socket, 0, len(h.live))
	for _, id := range sortedKeys(h.live) { // ids grow as sockets open
		s := h.live[id]
		if len(s.holders) == 0 && (s.proto == UDP || s.state == StateClosed) {
			continue
		}
		out = append(out, s)
	}
	return out
}

// Holders returns the processes holding the socket, in the order they got
// their descriptor.
func (s *Socket) Holders() []Holder {
	out := make([]Holder, 0, len(s.holders))
	for _, hd := range s.holders {
		out = append(out, Holder{PID: hd.p.pid, FD: hd.fd, Program: hd.p.prog.Name})
	}
	return out
}

// Backlog returns a listener's backlog (0 for other sockets).
func (s *Socket) Backlog() int {
	if s.state != StateListen {
		return 0
	}
	return s.backlog
}

// Queued returns how many established connections wait in a listener's
// accept queue.
func (s *Socket) Queued() int { return len(s.acceptq) }

// Until returns when TIME_WAIT ends, for a socket in TIME_WAIT.
func (s *Socket) Until() Time { return s.until }

// SetRange changes the host's ephemeral port range while it runs (sysctl
// net.ipv4.ip_local_port_range on Linux) and emits host.range. Ports
// already handed out keep their numbers.
func (h *Host) SetRange(lo, hi uint16) error {
	if lo == 0 || hi < lo {
		return fmt.Errorf("host %q: ephemeral range %d-%d is not a range (want low <= high, both 1-65535)", h.name, lo, hi)
	}
	h.lo, h.hi = lo, hi
	e := h.w.newEvent(KindHostRange)
	e.Host = h.name
	e.RangeLo, e.RangeHi = lo, hi
	e.OS = h.os.Name
	h.w.emit(e)
	return nil
}

// Uninstall removes a program from the host (program.remove). Processes
// already running it go on: the file is gone, not the households.
func (h *Host) Uninstall(name string) error {
	for i, p := range h.programs {
		if p.Name == name {
			h.programs = append(h.programs[:i:i], h.programs[i+1:]...)
			e := h.w.newEvent(KindProgramRemove)
			e.Host, e.Program, e.Path = h.name, p.Name, p.Path
			h.w.emit(e)
			return nil
		}
	}
	return fmt.Errorf("host %q has no program %q", h.name, name)
}

// Signals a process can be sent (kill), with their numbers on Linux.
var signals = map[string]int{"HUP": 1, "INT": 2, "QUIT": 3, "KILL": 9, "TERM": 15}

// ValidSignal reports whether name is a signal Signal knows: HUP, INT,
// QUIT, KILL or TERM.
func ValidSignal(name string) bool { _, ok := signals[name]; return ok }

// Signal ends the process the way the signal does, with exit status 128
// plus the signal's number (process.exit names the signal); each ends a
// process that does not catch it. A server that forked workers stops
// them first on TERM, INT and QUIT, as nginx's master does; KILL leaves
// them running, orphaned. HUP to a server that reloads on it
// (ReloadsOnHUP) is an error.
func (p *Process) Signal(name string) error {
	n, ok := signals[name]
	if !ok {
		return fmt.Errorf("unknown signal %q (want HUP, INT, QUIT, KILL or TERM)", name)
	}
	if !p.alive {
		return fmt.Errorf("process %d has exited", p.pid)
	}
	if name == "HUP" && p.ReloadsOnHUP() {
		return fmt.Errorf("%s takes SIGHUP as a reload of its configuration, which the simulator does not model", p.prog.Name)
	}
	if name != "KILL" && p.app != nil {
		for _, c := range slices.Clone(p.host.procs) {
			if c.ppid == p.pid && c.app != nil && c.app.worker {
				c.exit(128+n, name)
			}
		}
	}
	p.exit(128+n, name)
	return nil
}

// ReloadsOnHUP reports whether the process catches SIGHUP to read its
// configuration again (nginx starts new workers, postgres reloads),
// rather than end: a server of those programs. Signal refuses HUP for
// it, since the simulator has no configuration to reload.
func (p *Process) ReloadsOnHUP() bool {
	return p.app != nil && (p.prog.Name == "nginx" || p.prog.Name == "postgres")
}

// LocalAddr returns the address a connect from the host to dst would use
// as its source: loopback for loopback, the address itself for one of the
// host's own, otherwise the host's primary address.
func (h *Host) LocalAddr(dst netip.Addr) netip.Addr { return h.srcAddrFor(dst) }

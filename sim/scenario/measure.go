package scenario

// This file answers checkpoints: what each measure observes in the window
// of steps after its question (docs/scenarios.md "Checkpoints").

import (
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"portville/sim"
)

// reveal measures what the checkpoint asked about, picks the choice the
// measurement makes right, and emits the answer. A measurement no choice
// covers is an error: a checkpoint can never claim an answer the
// simulation did not produce.
func (r *runner) reveal(win *window) error {
	st := win.step
	cp := st.Checkpoint
	value, err := r.measure(st, win)
	if err != nil {
		return err
	}
	var answer *ChoiceDef
	for i := range cp.Choices {
		if slices.Contains(cp.Choices[i].Values, value) {
			answer = &cp.Choices[i]
		}
	}
	if answer == nil {
		var all []string
		for _, c := range cp.Choices {
			all = append(all, c.Values...)
		}
		return r.fail(st, "checkpoint: the simulation gave %q, which matches no choice (the choices cover: %s); add a choice for it or change the question", value, strings.Join(all, ", "))
	}
	r.w.CheckpointAnswer(win.n, answer.ID, value, cp.Explain, cp.Analogy, answer.Text)
	r.result.Checkpoints = append(r.result.Checkpoints, CheckpointResult{Line: st.Line, Value: value, Answer: answer.ID})
	return nil
}

func (r *runner) measure(st *Step, win *window) (string, error) {
	m := st.Checkpoint.Measure
	sockOf := func(ref Ref) (*sim.Socket, error) {
		s := r.objs[ref]
		if s == nil {
			return nil, r.fail(st, "checkpoint: socket %s never existed in this run", ref)
		}
		return s, nil
	}
	pidOf := func(alias string) int {
		if p := r.procs[alias]; p != nil {
			return p.PID()
		}
		return -1
	}
	hostOfProc := func(alias string) string {
		if p := r.procs[alias]; p != nil {
			return p.Host().Name()
		}
		return ""
	}
	switch m.Kind {
	case "port":
		if _, err := sockOf(m.Socks[0]); err != nil {
			return "", err
		}
		return strconv.Itoa(int(r.portOf(m.Socks[0]))), nil
	case "ephemeral":
		s, err := sockOf(m.Socks[0])
		if err != nil {
			return "", err
		}
		if s.Ephemeral() {
			return "yes", nil
		}
		return "no", nil
	case "in_range":
		if _, err := sockOf(m.Socks[0]); err != nil {
			return "", err
		}
		p := r.procs[m.Socks[0].Proc]
		lo, hi := p.Host().EphemeralRange()
		port := r.portOf(m.Socks[0])
		if port >= lo && port <= hi {
			return "yes", nil
		}
		return "no", nil
	case "same_port":
		for _, ref := range m.Socks {
			if _, err := sockOf(ref); err != nil {
				return "", err
			}
		}
		if r.portOf(m.Socks[0]) == r.portOf(m.Socks[1]) {
			return "same", nil
		}
		return "different", nil
	case "port_step":
		for _, ref := range m.Socks {
			if _, err := sockOf(ref); err != nil {
				return "", err
			}
		}
		return strconv.Itoa(int(r.portOf(m.Socks[1])) - int(r.portOf(m.Socks[0]))), nil
	case "state":
		s, err := sockOf(m.Socks[0])
		if err != nil {
			return "", err
		}
		if s.Dead() {
			return "gone", nil
		}
		return s.State().String(), nil
	case "errno":
		for _, e := range win.errs {
			if m.Proc == "" || (e.PID == pidOf(m.Proc) && e.Host == hostOfProc(m.Proc)) {
				return string(e.Errno), nil
			}
		}
		return "none", nil
	case "processes":
		n := 0
		for _, p := range r.w.Host(m.Host).Processes() {
			if p.Program().Name == m.Prog {
				n++
			}
		}
		return strconv.Itoa(n), nil
	case "reaches":
		// Does the first letter to the socket's host in the window reach
		// the socket's port as it is now (an answer after its port
		// changed)?
		s, err := sockOf(m.Socks[0])
		if err != nil {
			return "", err
		}
		host := s.Host().Name()
		for _, e := range win.packets {
			if e.ToHost != host || e.Host == host {
				continue
			}
			if e.Dst.Port() == r.portOf(m.Socks[0]) {
				return "yes", nil
			}
			return "no", nil
		}
		return "none", nil
	case "mapped":
		// Did the router keep the socket's port when it mapped it?
		s, err := sockOf(m.Socks[0])
		if err != nil {
			return "", err
		}
		local := s.Local()
		if local.Addr().IsUnspecified() {
			local = netip.AddrPortFrom(s.Host().Addr(), local.Port())
		}
		for _, e := range win.maps {
			if e.Src == local {
				if e.Local.Port() == local.Port() {
					return "kept", nil
				}
				return "changed", nil
			}
		}
		return "none", nil
	case "source_seen":
		for _, e := range win.packets {
			if e.ToHost == m.Host && e.Host != m.Host {
				return e.Src.Addr().String(), nil
			}
		}
		return "none", nil
	case "dropped":
		for _, e := range win.drops {
			if e.Host == m.Host {
				return "yes", nil
			}
		}
		return "no", nil
	case "listeners":
		// Listening sockets, not descriptors: a forked worker's inherited
		// descriptor is the same socket as its master's.
		seen := map[int]bool{}
		for _, p := range r.w.Host(m.Host).Processes() {
			if p.Program().Name != m.Prog {
				continue
			}
			for _, fd := range p.FDs() {
				if s := p.Socket(fd); s.State() == sim.StateListen && !s.Dead() {
					seen[s.ID()] = true
				}
			}
		}
		return strconv.Itoa(len(seen)), nil
	case "accepting_processes", "accepting_threads":
		seen := map[int]bool{}
		for _, e := range win.accepts {
			if e.Host == m.Host && e.Program == m.Prog {
				if m.Kind == "accepting_threads" {
					seen[e.TID] = true
				} else {
					seen[e.PID] = true
				}
			}
		}
		return strconv.Itoa(len(seen)), nil
	case "threads":
		p := r.procs[m.Proc]
		if p == nil || !p.Alive() {
			return "0", nil
		}
		return strconv.Itoa(len(p.Threads())), nil
	case "accepted_port", "accepted_port_kind":
		seen := map[string]bool{}
		var ports []string
		for _, e := range win.accepts {
			if e.PID == pidOf(m.Proc) && e.Host == hostOfProc(m.Proc) {
				s := strconv.Itoa(int(e.Local.Port()))
				if m.Kind == "accepted_port_kind" {
					s = portKind(r.w.Host(e.Host), e.Local.Port())
				}
				if !seen[s] {
					seen[s] = true
					ports = append(ports, s)
				}
			}
		}
		if len(ports) == 0 {
			return "none", nil
		}
		// A few values: an insertion sort (a generic sort of strings
		// would add about 18 KB to the WebAssembly module).
		for i := 1; i < len(ports); i++ {
			for j := i; j > 0 && ports[j] < ports[j-1]; j-- {
				ports[j], ports[j-1] = ports[j-1], ports[j]
			}
		}
		return strings.Join(ports, ","), nil
	case "packet":
		for _, e := range win.packets {
			if m.Proc != "" && !(e.PID == pidOf(m.Proc) && e.Host == hostOfProc(m.Proc)) {
				continue
			}
			switch m.Field {
			case "to_host":
				if e.ToHost == "" {
					return "nowhere", nil
				}
				return e.ToHost, nil
			case "dst_port":
				return strconv.Itoa(int(e.Dst.Port())), nil
			case "src_port":
				return strconv.Itoa(int(e.Src.Port())), nil
			case "dst":
				return e.Dst.String(), nil
			case "src":
				return e.Src.String(), nil
			case "flags":
				return e.Flags.String(), nil
			case "src_port_kind":
				return portKind(r.w.Host(e.Host), e.Src.Port()), nil
			case "dst_port_kind":
				return portKind(r.w.Host(e.ToHost), e.Dst.Port()), nil
			}
		}
		return "none", nil
	}
	return "", r.fail(st, "checkpoint: unknown measure %q", m.Kind)
}

// portKind names what a port is on host h, for the *_kind measures:
// "ephemeral" when it lies in the host's ephemeral range (the OS lends such
// ports), "well-known" below 1024, "registered" otherwise. Ephemeral is
// judged by the host's own range, not by IANA's 49152-65535, because that
// is what the OS hands out (DOMAIN.md section 7). h may be nil (a packet to
// an address no host has): then only the number decides.
func portKind(h *sim.Host, port uint16) string {
	if h != nil {
		if lo, hi := h.EphemeralRange(); port >= lo && port <= hi {
			return "ephemeral"
		}
	}
	if port < 1024 {
		return "well-known"
	}
	return "registered"
}

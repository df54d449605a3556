//go:build !portville_noyaml

package scenario

import (
	"maps"
	"slices"
	"strconv"
	"strings"

	"portville/sim"
)

// The checks a scenario file gets once every step is read: what the
// syntax alone cannot tell, the references between hosts, programs,
// processes, threads and sockets, in script order. steps.go decodes the
// steps themselves.

var packetFields = []string{"to_host", "dst_port", "src_port", "dst", "src", "flags", "src_port_kind", "dst_port_kind"}

// check validates what the syntax alone cannot: references between hosts,
// programs, processes, threads and sockets, in script order.
func (d *decoder) check(sc *Scenario) {
	hosts := map[string]*HostDef{}
	var hostNames []string // in the order they join: the file's hosts, then add_host steps
	// progs holds the programs installed on each host at this point of
	// the script; everProgs every program a host has had.
	progs := map[string]map[string]*sim.Program{}
	everProgs := map[string]map[string]bool{}
	addHost := func(h *HostDef) {
		hosts[h.Name] = h
		hostNames = append(hostNames, h.Name)
		progs[h.Name] = map[string]*sim.Program{}
		everProgs[h.Name] = map[string]bool{}
		for i := range h.Programs {
			progs[h.Name][h.Programs[i].Name] = &h.Programs[i]
			everProgs[h.Name][h.Programs[i].Name] = true
		}
	}
	for i := range sc.Hosts {
		addHost(&sc.Hosts[i])
	}
	hostList := func() string {
		return strings.Join(hostNames, ", ")
	}
	// DNS names: the hosts' names, and the records of DNS servers, from
	// the whole file (add_host and install steps included).
	dnsNames := map[string]bool{}
	allHosts := slices.Collect(func(yield func(*HostDef) bool) {
		for i := range sc.Hosts {
			if !yield(&sc.Hosts[i]) {
				return
			}
		}
		for i := range sc.Steps {
			if h := sc.Steps[i].NewHost; h != nil && !yield(h) {
				return
			}
		}
	})
	nameOwner := map[string]*HostDef{}
	addRecords := func(p *sim.Program) {
		if p.Server != nil {
			for _, r := range p.Server.Records {
				dnsNames[r.Name] = true
			}
		}
	}
	for _, h := range allHosts {
		for _, n := range h.Names {
			if o := nameOwner[n]; o != nil && o != h {
				d.errAt(h.Line, h.Col, "host %s: names: %s already belongs to host %s (line %d)", h.Name, n, o.Name, o.Line)
			}
			nameOwner[n] = h
			dnsNames[n] = true
		}
		for i := range h.Programs {
			addRecords(&h.Programs[i])
		}
	}
	for i := range sc.Steps {
		if p := sc.Steps[i].Install; p != nil {
			addRecords(p)
		}
	}
	// Routers: their inside hosts, public address and forwarding rules.
	insideOf := map[string]string{}
	for i := range sc.Hosts {
		h := &sc.Hosts[i]
		n := h.NAT
		if n == nil {
			continue
		}
		for _, in := range n.Inside {
			switch {
			case in == h.Name:
				d.errAt(n.Line, n.Col, "host %s: nat: inside: a router is not inside itself", h.Name)
			case hosts[in] == nil:
				d.errAt(n.Line, n.Col, "host %s: nat: inside: unknown host %q (hosts: %s)", h.Name, in, hostList())
			case hosts[in].NAT != nil:
				d.errAt(n.Line, n.Col, "host %s: nat: inside: %s is a router itself (routers inside routers are not simulated)", h.Name, in)
			case insideOf[in] != "":
				d.errAt(n.Line, n.Col, "host %s: nat: inside: %s is inside router %s already", h.Name, in, insideOf[in])
			default:
				insideOf[in] = h.Name
			}
		}
		if n.Public.IsValid() && !slices.Contains(h.Addrs, n.Public) {
			d.errAt(n.Line, n.Col, "host %s: nat: public: %s is not one of its addresses", h.Name, n.Public)
		}
		if !n.Public.IsValid() && len(h.Addrs) < 2 {
			d.errAt(n.Line, n.Col, "host %s: nat: a router needs two addresses, a private one for the inside and a public one (or name it with public:)", h.Name)
		}
		seen := map[[2]int]bool{}
		for _, f := range n.Forward {
			key := [2]int{int(f.Proto), int(f.Port)}
			if seen[key] {
				d.errAt(n.Line, n.Col, "host %s: nat: forward: %s/%d has two rules", h.Name, f.Proto, f.Port)
			}
			seen[key] = true
			if f.To.Host != "" && !slices.Contains(n.Inside, f.To.Host) {
				d.errAt(n.Line, n.Col, "host %s: nat: forward: %s is not inside the router (inside: %s)", h.Name, f.To.Host, strings.Join(n.Inside, ", "))
			}
			if f.To.Host == "" && f.To.Addr.IsValid() {
				owner := addrOwner(sc.Hosts, f.To.Addr)
				if owner == nil || !slices.Contains(n.Inside, owner.Name) {
					d.errAt(n.Line, n.Col, "host %s: nat: forward: %s is not an inside host's address", h.Name, f.To.Addr)
				}
			}
			if f.To.Name != "" || f.To.Sock.Proc != "" {
				d.errAt(n.Line, n.Col, "host %s: nat: forward: to: expected an inside HOST:PORT", h.Name)
			}
		}
	}
	for i := range sc.Steps {
		if h := sc.Steps[i].NewHost; h != nil && h.NAT != nil {
			d.errAt(sc.Steps[i].Line, sc.Steps[i].Col, "step add_host: nat: a router is set up in hosts:, not added while the script runs")
		}
	}
	for _, h := range allHosts {
		if ns := h.Nameserver; ns != "" && hostRE.MatchString(ns) && !slices.ContainsFunc(allHosts, func(o *HostDef) bool { return o.Name == ns }) {
			d.errAt(h.Line, h.Col, "host %s: nameserver: unknown host %q (hosts: %s)", h.Name, ns, hostList())
		}
	}
	for _, l := range sc.Links {
		for _, n := range []string{l.A, l.B} {
			if hosts[n] == nil {
				d.errAt(l.Line, l.Col, "link: between: unknown host %q (hosts: %s)", n, hostList())
			}
		}
		if l.A == l.B && l.A != "" {
			d.errAt(l.Line, l.Col, "link: between: a link joins two different hosts, found %q twice", l.A)
		}
	}
	type sockInfo struct {
		proto  sim.Proto
		open   bool
		line   int
		closed int
	}
	type procInfo struct {
		host    string
		alive   bool
		line    int
		socks   map[string]*sockInfo
		threads map[string]bool
	}
	procs := map[string]*procInfo{}
	var waits sim.Time
	var overWait *Step // the step whose wait or after passes MaxWaitTotal
	type pending struct {
		at int
		st *Step
	}
	var checks []pending

	live := func(st *Step, alias string) *procInfo {
		p := procs[alias]
		switch {
		case p == nil:
			d.errAt(st.Line, st.Col, "step %s: unknown process %q (no earlier step starts it)", st.Action, alias)
		case !p.alive:
			d.errAt(st.Line, st.Col, "step %s: process %q has already exited", st.Action, alias)
			return nil
		}
		return p
	}
	checkEndpoint := func(st *Step, ep Endpoint, key string) {
		if ep.Host != "" && hosts[ep.Host] == nil {
			d.errAt(st.Line, st.Col, "step %s: %s: unknown host %q (hosts: %s)", st.Action, key, ep.Host, hostList())
		}
		if ep.Name != "" && !dnsNames[ep.Name] {
			known := slices.Sorted(maps.Keys(dnsNames))
			if len(known) == 0 {
				known = []string{"none; give a host names: [...]"}
			}
			d.errAt(st.Line, st.Col, "step %s: %s: unknown DNS name %q (names: %s)", st.Action, key, ep.Name, strings.Join(known, ", "))
		}
		if r := ep.Sock; r.Proc != "" {
			switch p := procs[r.Proc]; {
			case p == nil:
				d.errAt(st.Line, st.Col, "step %s: %s: unknown process %q", st.Action, key, r.Proc)
			case p.socks[r.Name] == nil || !p.socks[r.Name].open:
				d.errAt(st.Line, st.Col, "step %s: %s: process %q has no open socket %q here", st.Action, key, r.Proc, r.Name)
			}
		}
	}
	declare := func(p *procInfo, name string, proto sim.Proto, line int) {
		p.socks[name] = &sockInfo{proto: proto, open: true, line: line}
	}
	measureRefs := func(st *Step) {
		m := st.Checkpoint.Measure
		for _, r := range m.Socks {
			p := procs[r.Proc]
			if p == nil {
				d.errAt(st.Line, st.Col, "checkpoint: measure: unknown process %q", r.Proc)
				continue
			}
			if p.socks[r.Name] == nil {
				d.errAt(st.Line, st.Col, "checkpoint: measure: process %q has no socket %q by the time the answer is revealed", r.Proc, r.Name)
			}
		}
		if m.Proc != "" && procs[m.Proc] == nil {
			d.errAt(st.Line, st.Col, "checkpoint: measure: unknown process %q", m.Proc)
		}
		if (m.Kind == "source_seen" || m.Kind == "dropped") && hosts[m.Host] == nil {
			d.errAt(st.Line, st.Col, "checkpoint: measure: unknown host %q", m.Host)
		}
		if contains(programMeasures, m.Kind) {
			h := hosts[m.Host]
			if h == nil {
				d.errAt(st.Line, st.Col, "checkpoint: measure: unknown host %q", m.Host)
			} else if !everProgs[m.Host][m.Prog] {
				d.errAt(st.Line, st.Col, "checkpoint: measure: host %s has no program %q", m.Host, m.Prog)
			}
		}
	}

	for i := range sc.Steps {
		st := &sc.Steps[i]
		waits += st.After + st.Wait
		if waits > MaxWaitTotal && overWait == nil {
			overWait = st
		}
		var p *procInfo
		if st.Proc != "" && st.Action != "fork" && st.Action != "exit" && st.Action != "thread" {
			p = live(st, st.Proc)
		}
		if st.By != "" && st.Proc != "" {
			if q := procs[st.Proc]; q != nil && !q.threads[st.By] {
				d.errAt(st.Line, st.Col, "step %s: by: process %q has no running thread %q", st.Action, st.Proc, st.By)
			}
		}
		sock := func() *sockInfo {
			if p == nil {
				return nil
			}
			s := p.socks[st.Sock.Name]
			if s == nil || !s.open {
				if s != nil {
					d.errAt(st.Line, st.Col, "step %s: socket %s was closed at line %d", st.Action, st.Sock, s.closed)
				} else {
					d.errAt(st.Line, st.Col, "step %s: socket %s was never opened (open it with socket, connect, bind or accept first)", st.Action, st.Sock)
				}
				return nil
			}
			return s
		}
		implicit := func(def sim.Proto) {
			if p == nil {
				return
			}
			s := p.socks[st.Sock.Name]
			if s == nil || !s.open {
				proto := st.Proto
				if proto == sim.NoProto {
					proto = def
				}
				declare(p, st.Sock.Name, proto, st.Line)
				return
			}
			if st.Proto != sim.NoProto && st.Proto != s.proto {
				d.errAt(st.Line, st.Col, "step %s: socket %s is %s (opened at line %d), not %s", st.Action, st.Sock, strings.ToUpper(s.proto.String()), s.line, strings.ToUpper(st.Proto.String()))
			}
		}
		switch st.Action {
		case "note":
			if st.Host != "" && hosts[st.Host] == nil {
				d.errAt(st.Line, st.Col, "step note: host: unknown host %q (hosts: %s)", st.Host, hostList())
			}
		case "start":
			h := hosts[st.Host]
			if h == nil {
				d.errAt(st.Line, st.Col, "step start: on: unknown host %q (hosts: %s)", st.Host, hostList())
				break
			}
			prog := progs[st.Host][st.Program]
			if prog == nil {
				if everProgs[st.Host][st.Program] {
					d.errAt(st.Line, st.Col, "step start: program %q was uninstalled from host %s", st.Program, st.Host)
				} else {
					d.errAt(st.Line, st.Col, "step start: host %s has no program %q (install it under the host's programs)", st.Host, st.Program)
				}
				break
			}
			if q := procs[st.As]; q != nil {
				d.errAt(st.Line, st.Col, "step start: the name %q is already used by the process started at line %d (give this one another name with as:)", st.As, q.line)
				break
			}
			np := &procInfo{host: st.Host, alive: true, line: st.Line, socks: map[string]*sockInfo{}, threads: map[string]bool{"main": true}}
			spec := prog.Server
			if st.Server != nil {
				spec = st.Server
			}
			if spec != nil {
				for _, l := range spec.Listen {
					declare(np, l.Proto.String()+strconv.Itoa(int(l.Port)), l.Proto, st.Line)
				}
			}
			procs[st.As] = np
		case "add_host":
			h := st.NewHost
			if h == nil {
				break
			}
			if len(hostNames) >= MaxHosts {
				d.errAt(st.Line, st.Col, "step add_host: the scenario would have %d hosts; the limit is %d", len(hostNames)+1, MaxHosts)
				break
			}
			if old := hosts[h.Name]; old != nil {
				d.errAt(st.Line, st.Col, "step add_host: duplicate host name %q (first defined at line %d)", h.Name, old.Line)
				break
			}
			clash := false
			for _, a := range h.Addrs {
				for _, n := range hostNames {
					if slices.Contains(hosts[n].Addrs, a) {
						d.errAt(st.Line, st.Col, "step add_host: address %s already belongs to host %s (line %d)", a, n, hosts[n].Line)
						clash = true
					}
				}
			}
			if !clash {
				addHost(h)
			}
		case "install", "uninstall", "set_range":
			if hosts[st.Host] == nil {
				key := "on"
				if st.Action == "set_range" {
					key = "set_range"
				}
				d.errAt(st.Line, st.Col, "step %s: %s: unknown host %q (hosts: %s)", st.Action, key, st.Host, hostList())
				break
			}
			have := progs[st.Host]
			switch {
			case st.Action == "install" && st.Install != nil:
				if have[st.Program] != nil {
					d.errAt(st.Line, st.Col, "step install: host %s already has a program %q", st.Host, st.Program)
				} else if len(have) >= MaxProgramsPerHost {
					d.errAt(st.Line, st.Col, "step install: host %s would have %d programs; the limit is %d", st.Host, len(have)+1, MaxProgramsPerHost)
				} else {
					have[st.Program] = st.Install
					everProgs[st.Host][st.Program] = true
				}
			case st.Action == "uninstall":
				if have[st.Program] == nil {
					d.errAt(st.Line, st.Col, "step uninstall: host %s has no program %q", st.Host, st.Program)
				} else {
					delete(have, st.Program)
				}
			}
		case "fork":
			parent := live(st, st.Proc)
			if parent == nil {
				break
			}
			if q := procs[st.As]; q != nil {
				d.errAt(st.Line, st.Col, "step fork: the name %q is already used by the process started at line %d", st.As, q.line)
				break
			}
			np := &procInfo{host: parent.host, alive: true, line: st.Line, socks: map[string]*sockInfo{}, threads: map[string]bool{"main": true}}
			for n, s := range parent.socks {
				cp := *s
				np.socks[n] = &cp
			}
			procs[st.As] = np
		case "exit":
			if q := live(st, st.Proc); q != nil {
				q.alive = false
			}
		case "thread":
			q := live(st, st.Proc)
			if q == nil {
				break
			}
			if q.threads[st.As] {
				d.errAt(st.Line, st.Col, "step thread: process %q already has a running thread %q", st.Proc, st.As)
			}
			q.threads[st.As] = true
		case "end_thread":
			if p != nil {
				if !p.threads[st.Sock.Name] {
					d.errAt(st.Line, st.Col, "step end_thread: process %q has no running thread %q", st.Proc, st.Sock.Name)
				} else if st.Sock.Name == "main" {
					d.errAt(st.Line, st.Col, "step end_thread: the main thread ends with the process (use exit)")
				} else {
					delete(p.threads, st.Sock.Name)
				}
			}
		case "socket":
			if p != nil {
				if s := p.socks[st.Sock.Name]; s != nil && s.open {
					d.errAt(st.Line, st.Col, "step socket: %s is already open (since line %d)", st.Sock, s.line)
				} else {
					implicit(sim.TCP)
				}
			}
		case "setsockopt", "bind", "connect", "listen":
			implicit(sim.TCP)
			checkEndpoint(st, st.Addr, "addr")
			checkEndpoint(st, st.To, "to")
		case "sendto":
			implicit(sim.UDP)
			checkEndpoint(st, st.To, "to")
		case "accept":
			if sock() != nil {
				if s := p.socks[st.As]; s != nil && s.open {
					d.errAt(st.Line, st.Col, "step accept: as: %s.%s is already open (since line %d)", st.Proc, st.As, s.line)
				} else {
					declare(p, st.As, sim.TCP, st.Line)
				}
			}
		case "send":
			sock()
		case "rebind":
			if s := sock(); s != nil && s.proto != sim.UDP {
				d.errAt(st.Line, st.Col, "step rebind: %s is a TCP socket; only a UDP socket moves to a new port and keeps its conversation (QUIC)", st.Sock)
			}
		case "pipe":
			if q := live(st, st.Into); q != nil && p != nil && q.host != p.host {
				d.errAt(st.Line, st.Col, "step pipe: %q and %q run on different hosts; a pipe joins processes on one host", st.Proc, st.Into)
			}
		case "close":
			if s := sock(); s != nil {
				// A forked copy shares the socket: closing one
				// process's descriptor leaves the other's open.
				s.open = false
				s.closed = st.Line
			}
		case "checkpoint":
			if st.Checkpoint == nil {
				break
			}
			at := i + st.Checkpoint.RevealAfter
			if at >= len(sc.Steps) {
				d.errAt(st.Line, st.Col, "checkpoint: reveal_after: %d, but only %d step(s) follow", st.Checkpoint.RevealAfter, len(sc.Steps)-1-i)
				break
			}
			for k := i + 1; k <= at; k++ {
				if sc.Steps[k].Action == "checkpoint" {
					d.errAt(st.Line, st.Col, "checkpoint: the next checkpoint (line %d) comes before this one's answer is revealed", sc.Steps[k].Line)
				}
			}
			checks = append(checks, pending{at, st})
		}
		for len(checks) > 0 && checks[0].at == i {
			measureRefs(checks[0].st)
			checks = checks[1:]
		}
	}
	if overWait != nil {
		d.errAt(overWait.Line, overWait.Col, "step %s: the waits up to here add up to more than %s of simulated time, the limit for a scenario (in all: %s)", overWait.Action, humanDuration(MaxWaitTotal), humanDuration(waits))
	}
}

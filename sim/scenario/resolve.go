package scenario

import (
	"net/netip"

	"portville/sim"
)

// This file is the stub resolver of the scenario's programs: what
// getaddrinfo does with /etc/resolv.conf before a program can connect to a
// name (DOMAIN.md section 8). On a host with a nameserver, a step that
// connects or sends to a name (a host name, or a DNS name such as
// example.org) first asks the DNS server: a UDP socket from an ephemeral
// port, a query with a random ID to port 53, the answer back to that
// port; a truncated answer makes it ask again over TCP port 53. Each is an
// ordinary socket call, so every one shows in the events. A process
// remembers what it looked up, as a browser's host cache does, so its
// later connections to the name go out at once. On a host without
// a nameserver the name is looked up directly, with no traffic, as
// scenarios always did.

// dnsPort is DNS's well-known port, UDP and TCP.
const dnsPort = 53

// addNames gives the world's DNS a host's names: its host name and its
// names:, for its addresses; and the records of its DNS servers. It notes
// the host's nameserver.
func (r *runner) addNames(hd *HostDef) error {
	if hd.Nameserver != "" {
		if r.nameservers == nil {
			r.nameservers = map[string]string{}
		}
		r.nameservers[hd.Name] = hd.Nameserver
	}
	for _, n := range append([]string{hd.Name}, hd.Names...) {
		if err := r.w.AddName(n, hd.Addrs...); err != nil {
			return err
		}
	}
	for _, p := range hd.Programs {
		r.addRecords(&p)
	}
	return nil
}

// addRecords makes a DNS server's own records known to direct lookups
// too, so that a host without a nameserver can reach those names.
func (r *runner) addRecords(p *sim.Program) {
	if p.Server == nil {
		return
	}
	for _, rec := range p.Server.Records {
		if _, ok := r.w.LookupName(rec.Name); !ok {
			r.w.AddName(rec.Name, rec.Addrs...)
		}
	}
}

// setNAT makes a host with nat: a router for its inside hosts.
func (r *runner) setNAT(hd *HostDef) error {
	n := hd.NAT
	if n == nil {
		return nil
	}
	spec := sim.NATSpec{Public: n.Public, Mapping: n.Mapping, UDPTimeout: n.UDPTimeout}
	if !spec.Public.IsValid() && len(hd.Addrs) > 0 {
		spec.Public = hd.Addrs[len(hd.Addrs)-1]
	}
	for _, in := range n.Inside {
		if h := r.w.Host(in); h != nil {
			spec.Inside = append(spec.Inside, h)
		}
	}
	for _, f := range n.Forward {
		to := netip.AddrPortFrom(f.To.Addr, f.To.Port)
		if h := r.w.Host(f.To.Host); h != nil {
			to = netip.AddrPortFrom(h.Addr(), f.To.Port)
		}
		spec.Forward = append(spec.Forward, sim.Forward{Proto: f.Proto, Port: f.Port, To: to})
	}
	if err := r.w.SetNAT(r.w.Host(hd.Name), spec); err != nil {
		return &RunError{File: r.sc.File, Line: n.Line, Col: n.Col, Msg: err.Error()}
	}
	return nil
}

// nameserver returns the address of the DNS server a host's programs ask,
// if it has one. A host name is looked up when asked: the nameserver may
// be a host that an add_host step adds later.
func (r *runner) nameserver(host string) (netip.Addr, bool) {
	ns := r.nameservers[host]
	if ns == "" {
		return netip.Addr{}, false
	}
	if a, err := netip.ParseAddr(ns); err == nil {
		return a, true
	}
	if h := r.w.Host(ns); h != nil {
		return h.Addr(), true
	}
	return netip.Addr{}, false
}

// resolveFor returns the address a step's process reaches for ep. A name
// on a host with a nameserver is looked up over DNS first; ok is false
// when the lookup failed (the error is in the events, and the step does
// nothing more, as a program that cannot resolve a name gives up).
func (r *runner) resolveFor(st *Step, p *sim.Process, t *sim.Thread, ep Endpoint) (ap netip.AddrPort, ok bool, err error) {
	name := ep.Name
	if name == "" {
		name = ep.Host
	}
	if name == "" || ep.Sock.Proc != "" {
		ap, err = r.resolve(st, ep)
		return ap, err == nil, err
	}
	ns, has := r.nameserver(p.Host().Name())
	if !has {
		ap, err = r.resolve(st, ep)
		return ap, err == nil, err
	}
	if addr, ok := r.dnsCache[p][name]; ok {
		return netip.AddrPortFrom(addr, ep.Port), true, nil
	}
	addr, ok, err := r.lookup(p, t, name, ns)
	if err != nil || !ok {
		return netip.AddrPort{}, false, err
	}
	// The program remembers the answer for its later connections, as a
	// browser's host cache does.
	if r.dnsCache == nil {
		r.dnsCache = map[*sim.Process]map[string]netip.Addr{}
	}
	if r.dnsCache[p] == nil {
		r.dnsCache[p] = map[string]netip.Addr{}
	}
	r.dnsCache[p][name] = addr
	return netip.AddrPortFrom(addr, ep.Port), true, nil
}

// lookup asks the DNS server at ns for name's address, as a stub resolver
// does: over UDP, and again over TCP when the answer comes back truncated.
func (r *runner) lookup(p *sim.Process, t *sim.Thread, name string, ns netip.Addr) (netip.Addr, bool, error) {
	id := r.w.RandUint16()
	query := sim.DNSQuery(name, id)
	ans, err := r.ask(p, t, sim.UDP, ns, query, id)
	if err != nil {
		return netip.Addr{}, false, err
	}
	if ans != nil && ans.Truncated {
		if ans, err = r.ask(p, t, sim.TCP, ns, query, id); err != nil {
			return netip.Addr{}, false, err
		}
	}
	switch {
	case ans == nil:
		t.Fail("getaddrinfo", sim.EAI_AGAIN)
		return netip.Addr{}, false, nil
	case ans.NXDomain || len(ans.Addrs) == 0:
		t.Fail("getaddrinfo", sim.EAI_NONAME)
		return netip.Addr{}, false, nil
	}
	return ans.Addrs[0], true, nil
}

// ask sends one query to ns port 53 over proto and waits for the answer
// with the query's ID; nil when none came.
func (r *runner) ask(p *sim.Process, t *sim.Thread, proto sim.Proto, ns netip.Addr, query string, id uint16) (*sim.DNSAnswer, error) {
	fd, err := t.Socket(proto)
	if err != nil {
		return nil, nil
	}
	defer t.Close(fd)
	if t.Connect(fd, netip.AddrPortFrom(ns, dnsPort)) != nil {
		return nil, nil
	}
	s := p.Socket(fd)
	if proto == sim.TCP {
		if err := r.w.Settle(); err != nil {
			return nil, r.worldErr()
		}
		if s.State() != sim.StateEstablished {
			return nil, nil
		}
	}
	r.dnsSock, r.dnsReply = s.ID(), ""
	defer func() { r.dnsSock = 0 }()
	t.Send(fd, query)
	if err := r.w.Settle(); err != nil {
		return nil, r.worldErr()
	}
	ans, ok := sim.ParseDNSAnswer(r.dnsReply)
	if !ok || ans.ID != id {
		return nil, nil
	}
	return &ans, nil
}

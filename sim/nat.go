package sim

import (
	"fmt"
	"net/netip"
	"slices"
)

// A home router (NAPT, RFC 3022; DOMAIN.md section 8). The router is a
// host with a private address for the hosts inside and a public one. A
// letter from inside to anywhere else goes to the router, which rewrites
// its return address to its public address and a port it chooses,
// remembers the mapping (a conntrack entry), and sends it on; a reply to
// that public address and port is rewritten back and handed inside. A
// letter from outside that matches no mapping and no port-forwarding rule
// is dropped. The outside cannot address an inside host at all.

// NAT mapping behaviours (NATSpec.Mapping).
const (
	// MappingLinux is netfilter's MASQUERADE, measured on kernel 6.18:
	// the private source port is kept when the outgoing 4-tuple stays
	// unique (port preservation); otherwise a random port from 1024-65535.
	MappingLinux = "linux"
	// MappingEndpointIndependent is RFC 4787's recommendation: one public
	// port per private address and port, whatever the destination.
	MappingEndpointIndependent = "endpoint-independent"
)

// Default NAT timeouts: a UDP mapping lives 2 minutes after its last
// letter (RFC 4787 REQ-5); a TCP mapping 2 minutes after the connection
// closed (conntrack's TIME_WAIT). An established TCP mapping lasts at
// least 2 h 4 min (RFC 5382), longer than a scenario runs, so it does not
// time out here.
const (
	DefaultUDPTimeout = 120 * Second
	natTCPCloseTime   = 120 * Second
)

// Forward is a port-forwarding rule: letters to the router's public
// address on Proto/Port go to To inside.
type Forward struct {
	_     noCompare
	Proto Proto
	Port  uint16
	To    netip.AddrPort
}

// NATSpec makes a host a NAT router.
type NATSpec struct {
	Inside     []*Host    // the hosts on its private side
	Public     netip.Addr // the address it rewrites to; one of its own
	Mapping    string     // MappingLinux (default) or MappingEndpointIndependent
	UDPTimeout Time       // 0 means DefaultUDPTimeout
	Forward    []Forward
}

// natEntry is one mapping, as conntrack keeps it.
type natEntry struct {
	_         noCompare
	proto     Proto
	inner     netip.AddrPort // the inside end (laptop:port, or a forward's target)
	outer     netip.AddrPort // the router's public address and port
	remote    netip.AddrPort // the outside end
	forwarded bool           // made by a port-forwarding rule, not by a letter from inside
	replied   bool
	state     string // TCP: SYN_SENT, ESTABLISHED, FIN_WAIT, TIME_WAIT; UDP: ""
	finIn     bool   // TCP: a FIN went out (from inside)
	finOut    bool   // TCP: a FIN came in (from outside)
	expires   Time   // 0: no timeout pending
	gen       int    // bumped on every refresh; voids stale timers
}

// natTable is a router's NAT state.
type natTable struct {
	spec    NATSpec
	entries []*natEntry // oldest first
}

// SetNAT makes h a NAT router for the hosts of spec.Inside.
func (w *World) SetNAT(h *Host, spec NATSpec) error {
	if h.nat != nil {
		return fmt.Errorf("host %s is a router already", h.name)
	}
	if !slices.Contains(h.addrs, spec.Public) || spec.Public.IsLoopback() {
		return fmt.Errorf("router %s: public address %s is not one of its addresses", h.name, spec.Public)
	}
	if spec.Mapping == "" {
		spec.Mapping = MappingLinux
	}
	if spec.Mapping != MappingLinux && spec.Mapping != MappingEndpointIndependent {
		return fmt.Errorf("router %s: mapping %q: want %s or %s", h.name, spec.Mapping, MappingLinux, MappingEndpointIndependent)
	}
	if spec.UDPTimeout == 0 {
		spec.UDPTimeout = DefaultUDPTimeout
	}
	for _, in := range spec.Inside {
		switch {
		case in == h:
			return fmt.Errorf("router %s cannot be inside itself", h.name)
		case in.gw != nil:
			return fmt.Errorf("host %s is inside router %s already", in.name, in.gw.name)
		case in.nat != nil:
			return fmt.Errorf("host %s is a router; routers inside routers are not simulated", in.name)
		}
	}
	for _, f := range spec.Forward {
		owner := w.byAddr[f.To.Addr()]
		if owner == nil || !slices.Contains(spec.Inside, owner) {
			return fmt.Errorf("router %s: forward %s/%d to %s: not an inside host's address", h.name, f.Proto, f.Port, f.To)
		}
	}
	h.nat = &natTable{spec: spec}
	for _, in := range spec.Inside {
		in.gw = h
	}
	return nil
}

// behind reports whether a letter from h to dst's owner must pass h's
// router: h is inside, and dst is neither on h, nor inside the same
// router, nor the router itself.
func (h *Host) behind(to *Host) bool {
	return h.gw != nil && to != h && to != h.gw && (to == nil || to.gw != h.gw)
}

// unreachable reports whether h cannot address to at all: to sits inside
// a router that h is not behind (a private address, from outside).
func (h *Host) unreachable(to *Host) bool {
	return to != nil && to.gw != nil && to.gw != h && h.gw != to.gw
}

// natArrive handles a letter reaching a router: from inside to elsewhere
// it goes out rewritten; to the public address it goes in by a mapping or
// a forwarding rule, or is dropped unless the router itself listens on
// that port. It reports whether it took the letter.
func (r *Host) natArrive(p *packet) bool {
	if p.from != nil && p.from.gw == r && !r.HasAddr(p.dst.Addr()) {
		r.natReceive(p)
		r.natOut(p)
		return true
	}
	if p.dst.Addr() != r.nat.spec.Public {
		return false
	}
	if r.natMatches(p) {
		r.natReceive(p)
		r.natIn(p)
		return true
	}
	if r.ports[p.proto][p.dst.Port()] == nil {
		// Nothing inside asked for this letter: the router drops it, and
		// answers nothing (no RST, no ICMP), as home routers do.
		r.dropEvent(p, "no-mapping")
		return true
	}
	return false
}

// natReceive reports that the router took a letter that is not for
// itself (packet.deliver, match "nat"): its NAT sends it on.
func (r *Host) natReceive(p *packet) {
	e := r.packetEvent(KindPacketDeliver, p, nil)
	e.Match = "nat"
	r.w.emit(e)
}

// natMatches reports whether a letter to the public address has a mapping
// or a forwarding rule.
func (r *Host) natMatches(p *packet) bool {
	t := r.nat
	if t.find(p.proto, func(e *natEntry) bool { return e.outer == p.dst && e.remote == p.src }) != nil {
		return true
	}
	return slices.ContainsFunc(t.spec.Forward, func(f Forward) bool { return f.Proto == p.proto && f.Port == p.dst.Port() })
}

// natEvent fills a NAT event's fields from an entry.
func (r *Host) natEvent(k Kind, en *natEntry) *Event {
	e := r.w.newEvent(k)
	e.Host, e.Proto = r.name, en.proto
	e.Src, e.Local, e.Remote, e.Port = en.inner, en.outer, en.remote, en.outer.Port()
	if en.forwarded {
		e.Reason = "forward"
	}
	return e
}

// natOut rewrites a letter from inside on its way out: it finds or makes
// the mapping (nat.map), rewrites the source (nat.rewrite) and sends the
// letter on from the router.
func (r *Host) natOut(p *packet) {
	t := r.nat
	en := t.find(p.proto, func(e *natEntry) bool { return e.inner == p.src && e.remote == p.dst })
	if en == nil {
		port, ok := t.pickPort(r.w, p.proto, p.src, p.dst)
		if !ok {
			r.dropEvent(p, "nat-full")
			return
		}
		en = &natEntry{proto: p.proto, inner: p.src, outer: netip.AddrPortFrom(t.spec.Public, port), remote: p.dst}
		if p.proto == TCP {
			en.state = "SYN_SENT"
		}
		t.entries = append(t.entries, en)
		r.w.emit(r.natEvent(KindNATMap, en))
	}
	r.natPass(en, p, true)
}

// natIn handles a letter to the router's public address: a mapping or a
// forwarding rule rewrites it to the inside host; it reports false when
// neither matches, so the router handles the letter as its own.
func (r *Host) natIn(p *packet) bool {
	t := r.nat
	if p.dst.Addr() != t.spec.Public {
		return false
	}
	en := t.find(p.proto, func(e *natEntry) bool { return e.outer == p.dst && e.remote == p.src })
	if en == nil {
		for _, f := range t.spec.Forward {
			if f.Proto == p.proto && f.Port == p.dst.Port() {
				en = &natEntry{proto: p.proto, inner: f.To, outer: p.dst, remote: p.src, forwarded: true}
				if p.proto == TCP {
					en.state = "SYN_SENT"
				}
				t.entries = append(t.entries, en)
				r.w.emit(r.natEvent(KindNATMap, en))
				break
			}
		}
	}
	if en == nil {
		return false
	}
	r.natPass(en, p, false)
	return true
}

// natPass rewrites a letter by its mapping and sends it on: a letter
// from inside (out) gets the public source, one from outside the inside
// destination.
func (r *Host) natPass(en *natEntry, p *packet, out bool) {
	w := r.w
	e := r.packetEvent(KindNATRewrite, p, nil)
	q := *p
	q.id, q.sock = 0, nil
	if out {
		q.src = en.outer
		// For a forwarded server's reply too: its source becomes the
		// public address and port the client wrote to.
		e.Local, e.Reason = q.src, "out"
	} else {
		q.dst = en.inner
		e.Local, e.Reason = q.dst, "in"
	}
	// The reply direction is from outside for a mapping made from inside,
	// from inside for a forwarded one.
	if out == en.forwarded {
		en.replied = true
	}
	r.natTrack(en, p, out)
	// The event carries the mapping as it is now: its TCP state (to) and
	// when it will expire (until_us), for the view's table.
	e.To, e.Until = en.state, en.expires
	w.emit(e)
	r.transmit(nil, &q)
}

// natTrack follows a mapping's life: a UDP mapping expires after its
// timeout of silence; a TCP one 2 minutes after both sides sent FIN, or
// after an RST.
func (r *Host) natTrack(en *natEntry, p *packet, fromInside bool) {
	if p.proto == UDP {
		r.natExpireAfter(en, r.nat.spec.UDPTimeout)
		return
	}
	switch {
	case p.flags&RST != 0:
		en.state = "CLOSE"
		r.natExpireAfter(en, 10*Second)
		return
	case p.flags&FIN != 0 && en.state != "TIME_WAIT":
		if fromInside {
			en.finIn = true
		} else {
			en.finOut = true
		}
		en.state = "FIN_WAIT"
		if en.finIn && en.finOut {
			en.state = "TIME_WAIT"
			r.natExpireAfter(en, natTCPCloseTime)
		}
	case p.flags&ACK != 0 && en.state == "SYN_SENT" && en.replied:
		en.state = "ESTABLISHED"
	}
}

// natExpireAfter removes the mapping (nat.expire) after d, unless a letter
// refreshes it first.
func (r *Host) natExpireAfter(en *natEntry, d Time) {
	w := r.w
	en.gen++
	gen := en.gen
	en.expires = w.now + d
	w.schedule(w.now+d, true, func() {
		if en.gen != gen {
			return
		}
		t := r.nat
		if i := slices.Index(t.entries, en); i >= 0 {
			t.entries = slices.Delete(t.entries, i, i+1)
			w.emit(r.natEvent(KindNATExpire, en))
		}
	})
}

func (t *natTable) find(proto Proto, match func(*natEntry) bool) *natEntry {
	for _, e := range t.entries {
		if e.proto == proto && match(e) {
			return e
		}
	}
	return nil
}

// pickPort chooses the public port for a new mapping from inner to
// remote. Linux keeps inner's port when no other mapping uses that public
// port towards the same remote (the whole 4-tuple stays unique), else
// picks at random from 1024-65535. Endpoint-independent mapping reuses
// inner's public port for every destination, and keeps the port when no
// other inside address holds it.
func (t *natTable) pickPort(w *World, proto Proto, inner, remote netip.AddrPort) (uint16, bool) {
	taken := func(port uint16) bool {
		for _, e := range t.entries {
			if e.proto != proto || e.outer.Port() != port {
				continue
			}
			if t.spec.Mapping == MappingEndpointIndependent {
				if e.inner != inner {
					return true
				}
				continue
			}
			if e.remote == remote {
				return true
			}
		}
		return false
	}
	if t.spec.Mapping == MappingEndpointIndependent {
		if e := t.find(proto, func(e *natEntry) bool { return e.inner == inner }); e != nil {
			return e.outer.Port(), true
		}
	}
	if p := inner.Port(); !taken(p) {
		return p, true
	}
	for range 64 {
		p := uint16(1024 + w.randN(65536-1024))
		if !taken(p) {
			return p, true
		}
	}
	return 0, false
}

// NATEntry is a router's mapping as conntrack -L shows it.
type NATEntry struct {
	_         noCompare
	Proto     string `json:"proto"`
	State     string `json:"state,omitempty"` // TCP only
	Inner     string `json:"inner"`           // the inside end
	Outer     string `json:"outer"`           // the router's public address and port
	Remote    string `json:"remote"`          // the outside end
	Forwarded bool   `json:"forwarded,omitempty"`
	Replied   bool   `json:"replied"`
	Expires   Time   `json:"expires_us,omitempty"`
}

// NATEntries returns a router's mappings in the order they were made.
func (h *Host) NATEntries() []NATEntry {
	if h.nat == nil {
		return nil
	}
	out := make([]NATEntry, 0, len(h.nat.entries))
	for _, e := range h.nat.entries {
		out = append(out, NATEntry{
			Proto: e.proto.String(), State: e.state, Inner: e.inner.String(), Outer: e.outer.String(),
			Remote: e.remote.String(), Forwarded: e.forwarded, Replied: e.replied, Expires: e.expires,
		})
	}
	return out
}

// Gateway returns the router h sits behind (its default route), or nil
// when h reaches every address of the town directly.
func (h *Host) Gateway() *Host { return h.gw }

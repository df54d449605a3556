package sim

import "net/netip"

// packet is a letter on the street: one TCP segment or UDP datagram.
type packet struct {
	_        noCompare
	id       int
	proto    Proto
	src, dst netip.AddrPort
	flags    Flags
	seq, ack uint32
	data     string
	wire     Wire // the protocol whose message data describes (wire.go)
	size     int  // the payload's size on the wire: len(data) unless wire is set
	from     *Host
	sock     *Socket // the sending socket; nil for the kernel's own RSTs
	to       *Host
	sent     Time
	arrive   Time
}

func truncData(d string) string {
	if len(d) <= eventDataMaxBytes {
		return d
	}
	return d[:eventDataMaxBytes]
}

// packetEvent fills the fields every packet event shares.
func (h *Host) packetEvent(k Kind, p *packet, s *Socket) *Event {
	var e *Event
	if s != nil {
		e = s.event(k, nil)
		e.Local, e.Remote = netip.AddrPort{}, netip.AddrPort{}
		if s.lastTID != 0 && len(s.holders) > 0 {
			if t := s.holders[0].p.Thread(s.lastTID); t != nil {
				e.TID = t.tid
			}
		}
	} else {
		e = h.w.newEvent(k)
	}
	e.Host = h.name
	e.Proto = p.proto
	e.Src, e.Dst = p.src, p.dst
	e.Flags = p.flags
	e.TCPSeq, e.TCPAck = p.seq, p.ack
	e.Len = p.size
	e.Wire = p.wire
	e.Data = truncData(p.data)
	e.Payload = p.data
	e.Packet = p.id
	return e
}

// transmit puts a packet on the street (packet.send) and schedules its
// arrival at the destination host after the link's latency.
func (h *Host) transmit(s *Socket, p *packet) {
	w := h.w
	w.nextPkt++
	p.id = w.nextPkt
	p.wire, p.size = describe(p.proto, p.data)
	p.from = h
	p.sock = s
	to := h.route(p.dst.Addr())
	if h.unreachable(to) {
		to = nil // a private address behind a router, seen from outside: no route
	}
	if h.behind(to) {
		to = h.gw // the letter leaves through the router (nat.go)
	}
	lat := w.cfg.Latency
	if to != nil {
		lat = w.linkLatency(h, to)
	}
	e := h.packetEvent(KindPacketSend, p, s)
	if to != nil {
		e.ToHost = to.name
	}
	e.Arrive = w.now + lat
	p.to, p.sent, p.arrive = to, w.now, w.now+lat
	w.inflight[p.id] = p
	w.emit(e)
	w.schedule(w.now+lat, false, func() {
		delete(w.inflight, p.id)
		h.arrive(to, p)
	})
}

// arrive runs when a packet reaches its destination host: the mailroom
// sorts it to the socket it belongs to (demultiplexing).
func (from *Host) arrive(to *Host, p *packet) {
	if to == nil {
		e := from.packetEvent(KindPacketDrop, p, nil)
		e.Reason = "no-host"
		from.w.emit(e)
		if s := p.sock; s != nil && p.proto == TCP && p.flags&SYN != 0 && s.state == StateSynSent {
			// Nobody answers ARP for the address: connect() reports
			// EHOSTUNREACH after about three seconds.
			s.gen++
			s.after(unreachableTime, true, func() {
				if s.state == StateSynSent {
					s.fail(nil, "connect", EHOSTUNREACH, 0, s.remote)
					s.finish()
					s.host.appFailed(s)
				}
			})
		}
		return
	}
	if to.nat != nil && to.natArrive(p) {
		return
	}
	if p.proto == TCP {
		to.tcpInput(p)
	} else {
		to.udpInput(p)
	}
}

func (h *Host) deliverEvent(p *packet, s *Socket, match string) {
	e := h.packetEvent(KindPacketDeliver, p, s)
	e.Match = match
	if s.parent != nil {
		e.Parent = s.parent.id
	}
	h.w.emit(e)
}

func (h *Host) dropEvent(p *packet, reason string) {
	e := h.packetEvent(KindPacketDrop, p, nil)
	e.Reason = reason
	h.w.emit(e)
}

// tcpInput demultiplexes a segment: a connection with the exact 4-tuple
// first, then a listener on the port (for a SYN); with neither, the host
// answers RST.
func (h *Host) tcpInput(p *packet) {
	if s := h.conns[TCP][connKey{p.dst, p.src}]; s != nil && !s.dead {
		h.deliverEvent(p, s, "established")
		s.input(p)
		return
	}
	if p.flags&(SYN|ACK|RST) == SYN {
		if l := h.findBound(TCP, p, true); l != nil {
			if len(l.acceptq) > l.backlog {
				h.dropEvent(p, "backlog-full")
				return
			}
			h.deliverEvent(p, l, "listener")
			l.onSyn(p)
			return
		}
	}
	h.dropEvent(p, "no-socket")
	h.resetFor(p)
}

// findBound returns the socket bound to the packet's destination port that
// should receive it: a socket bound to the exact address beats one bound to
// 0.0.0.0, and a SO_REUSEPORT group is chosen from by a hash of the
// 4-tuple, as Linux does. listening restricts the search to TCP listeners;
// for UDP only sockets not connected elsewhere qualify.
func (h *Host) findBound(proto Proto, p *packet, listening bool) *Socket {
	pu := h.ports[proto][p.dst.Port()]
	if pu == nil {
		return nil
	}
	best, n := 0, 0
	var group [8]*Socket
	for _, s := range pu.socks {
		if listening && s.state != StateListen {
			continue
		}
		if !listening && (s.remote.IsValid() || s.dead) {
			continue
		}
		score := 0
		switch {
		case s.local.Addr() == p.dst.Addr():
			score = 2
		case s.local.Addr().IsUnspecified():
			score = 1
		default:
			continue
		}
		if score > best {
			best, n = score, 0
		}
		if score == best && n < len(group) {
			group[n] = s
			n++
		}
	}
	if n == 0 {
		return nil
	}
	if n > 1 && group[0].reusePort {
		a, b := p.src.Addr().As4(), p.dst.Addr().As4()
		hash := mix64(uint64(a[0])<<56 | uint64(a[1])<<48 | uint64(a[2])<<40 | uint64(a[3])<<32 |
			uint64(p.src.Port())<<16 | uint64(p.dst.Port()))
		hash = mix64(hash ^ uint64(b[0])<<24 ^ uint64(b[1])<<16 ^ uint64(b[2])<<8 ^ uint64(b[3]))
		return group[hash%uint64(n)]
	}
	return group[0]
}

// udpInput demultiplexes a datagram: a connected socket with the exact
// 4-tuple first, then a socket bound to the destination port.
func (h *Host) udpInput(p *packet) {
	s := h.conns[UDP][connKey{p.dst, p.src}]
	match := "udp-connected"
	if s == nil || s.dead {
		s, match = h.findBound(UDP, p, false), "udp"
	}
	if s == nil {
		// A real host would answer with ICMP port unreachable.
		h.dropEvent(p, "no-socket")
		return
	}
	h.deliverEvent(p, s, match)
	s.receive(p.data, p.src)
}

// sendDatagram sends one UDP datagram from s to raddr.
func (s *Socket) sendDatagram(raddr netip.AddrPort, data string) {
	src := s.local.Addr()
	if src.IsUnspecified() {
		src = s.host.srcAddrFor(raddr.Addr())
	}
	s.host.transmit(s, &packet{proto: UDP, src: netip.AddrPortFrom(src, s.local.Port()), dst: raddr, data: data})
}

// receive hands arrived data to the process that holds s: it reads it at
// once (socket.recv). Data for a connection nobody has accepted yet waits
// in the socket until accept.
func (s *Socket) receive(data string, from netip.AddrPort) {
	if len(s.holders) == 0 {
		if !s.orphan {
			s.buf = append(s.buf, data)
		}
		return
	}
	s.emitRecv(data, from)
	s.host.appData(s, from, data)
}

func (s *Socket) emitRecv(data string, from netip.AddrPort) {
	p := s.holders[0].p
	t := p.Thread(s.lastTID)
	if t == nil {
		t = p.Main()
	}
	e := s.event(KindSocketRecv, t)
	if s.proto == UDP {
		e.Remote = from
	}
	// A described letter (wire.go) is read as the message it describes.
	_, e.Len = describe(s.proto, data)
	e.Data = truncData(data)
	s.host.w.emit(e)
}

package sim

import "net/netip"

// setState moves s to a new TCP state and emits socket.state. Any timer
// armed for the old state is void from now on.
func (s *Socket) setState(ns State) { s.transition(ns, nil) }

// transition changes the state, applies mutate (which must not emit), and
// then emits socket.state describing the socket as it was. Emitting after
// the change keeps the rule that the world after event k is the state a
// viewer reaches by applying events 1..k.
func (s *Socket) transition(ns State, mutate func()) {
	if s.state == ns && mutate == nil {
		return
	}
	e := s.event(KindSocketState, nil)
	e.From, e.To = s.state.String(), ns.String()
	if s.parent != nil {
		e.Parent = s.parent.id
	}
	s.until = 0
	if ns == StateTimeWait {
		s.until = s.host.w.now + s.host.os.TimeWait
		e.Until = s.until
	}
	s.state = ns
	s.gen++
	if mutate != nil {
		mutate()
	}
	s.host.w.emit(e)
}

// finish moves s to CLOSED and gives up its connection. A socket no
// process holds is released entirely; one still held by a descriptor gives
// back an OS-chosen port but keeps a port the program bound itself, as
// Linux does.
func (s *Socket) finish() {
	held := !s.orphan && len(s.holders) > 0
	dropPort := held && s.bnd != nil && s.bnd.ephemeral
	s.transition(StateClosed, func() {
		if s.parent != nil {
			s.parent.dropChild(s)
			s.parent = nil
		}
		if held {
			s.unlinkConn()
			s.remote = netip.AddrPort{}
			if dropPort {
				s.local = netip.AddrPort{}
			}
		}
	})
	if !held {
		s.release()
		return
	}
	if dropPort {
		s.dropBinding()
	}
}

func (l *Socket) dropChild(c *Socket) {
	for i, x := range l.synq {
		if x == c {
			l.synq = append(l.synq[:i:i], l.synq[i+1:]...)
			return
		}
	}
	for i, x := range l.acceptq {
		if x == c {
			l.acceptq = append(l.acceptq[:i:i], l.acceptq[i+1:]...)
			return
		}
	}
}

// sendSegment sends one TCP segment from s and returns the size of its
// payload on the wire, which is what it takes of the sequence space. Any
// segment carrying ACK satisfies a pending delayed acknowledgement.
func (s *Socket) sendSegment(flags Flags, seq, ack uint32, data string) uint32 {
	if flags&ACK != 0 {
		s.ackPending = false
	}
	p := &packet{proto: TCP, src: s.local, dst: s.remote, flags: flags, seq: seq, ack: ack, data: data}
	s.host.transmit(s, p)
	return uint32(p.size)
}

func (s *Socket) sendFin() {
	s.sendSegment(FIN|ACK, s.sndNxt, s.rcvNxt, "")
	s.sndNxt++
	s.finSent = true
}

// after schedules fn for s, void if s changes state in the meantime.
func (s *Socket) after(d Time, timer bool, fn func()) {
	gen := s.gen
	s.host.w.schedule(s.host.w.now+d, timer, func() {
		if s.gen == gen && !s.dead {
			fn()
		}
	})
}

// armSynTimer retransmits an unanswered SYN with exponential backoff and
// gives up with ETIMEDOUT after synRetries tries.
func (s *Socket) armSynTimer(rto Time) {
	s.after(rto, true, func() {
		if s.state != StateSynSent {
			return
		}
		s.synTries++
		if s.synTries > synRetries {
			s.fail(nil, "connect", ETIMEDOUT, 0, s.remote)
			s.finish()
			s.host.appFailed(s)
			return
		}
		s.sendSegment(SYN, s.iss, 0, "")
		s.armSynTimer(rto * 2)
	})
}

func (s *Socket) armFinTimeout() {
	s.after(finTimeout, true, func() {
		if s.state == StateFinWait2 {
			s.finish()
		}
	})
}

func (s *Socket) enterTimeWait() {
	s.setState(StateTimeWait)
	s.after(s.host.os.TimeWait, true, func() {
		if s.state == StateTimeWait {
			s.finish()
		}
	})
}

func (s *Socket) scheduleDelayedAck() {
	if s.ackPending {
		return
	}
	s.ackPending = true
	gen := s.gen
	s.host.w.schedule(s.host.w.now+delayedAckTime, false, func() {
		if !s.ackPending || s.dead || (s.gen != gen && s.state != StateCloseWait && s.state != StateFinWait2) {
			return
		}
		switch s.state {
		case StateEstablished, StateCloseWait, StateFinWait1, StateFinWait2:
			s.sendSegment(ACK, s.sndNxt, s.rcvNxt, "")
		}
	})
}

// onSyn is a listener's answer to a SYN: a new connection socket in
// SYN_RECV on the listener's port, and a SYN/ACK.
func (l *Socket) onSyn(p *packet) {
	h := l.host
	w := h.w
	w.nextSock++
	c := &Socket{
		id: w.nextSock, host: h, proto: TCP, state: StateListen,
		local: p.dst, remote: p.src, bnd: l.bnd,
		reuseAddr: l.reuseAddr, reusePort: l.reusePort, user: l.user, parent: l,
	}
	l.bnd.refs++
	h.live[c.id] = c
	h.addToPort(c, false)
	h.conns[TCP][connKey{c.local, c.remote}] = c
	l.synq = append(l.synq, c)
	c.iss = w.rng.Uint32()
	c.sndNxt = c.iss + 1
	c.rcvNxt = p.seq + 1
	c.setState(StateSynRecv)
	c.sendSegment(SYN|ACK, c.iss, c.rcvNxt, "")
}

// input handles a segment that matched s by its 4-tuple.
func (s *Socket) input(p *packet) {
	f := p.flags
	if f&RST != 0 {
		s.onReset(p)
		return
	}
	switch s.state {
	case StateSynSent:
		if f&(SYN|ACK) == SYN|ACK && p.ack == s.sndNxt {
			s.rcvNxt = p.seq + 1
			s.setState(StateEstablished)
			s.sendSegment(ACK, s.sndNxt, s.rcvNxt, "")
			if s.sec != nil {
				s.secureStart() // TLS: the ClientHello follows the handshake
			}
		}
		return
	case StateSynRecv:
		if f&ACK == 0 || p.ack != s.sndNxt {
			return
		}
		s.setState(StateEstablished)
		if l := s.parent; l != nil {
			l.dropChild(s)
			l.acceptq = append(l.acceptq, s)
			l.serveAccepts()
		}
	case StateTimeWait:
		if f&FIN != 0 {
			// A retransmitted FIN: acknowledge it again.
			s.sendSegment(ACK, s.sndNxt, s.rcvNxt, "")
		}
		return
	case StateClosed, StateListen:
		return
	}
	finAcked := f&ACK != 0 && s.finSent && p.ack == s.sndNxt
	if finAcked {
		switch s.state {
		case StateFinWait1:
			if f&FIN == 0 {
				s.setState(StateFinWait2)
				if s.orphan {
					s.armFinTimeout()
				}
			}
		case StateClosing:
			s.enterTimeWait()
			return
		case StateLastAck:
			s.finish()
			return
		}
	}
	if len(p.data) > 0 && p.seq == s.rcvNxt {
		switch s.state {
		case StateEstablished, StateFinWait1, StateFinWait2:
			s.rcvNxt += uint32(p.size)
			s.receive(p.data, p.src)
			if f&FIN == 0 {
				s.scheduleDelayedAck()
			}
		}
	}
	if f&FIN != 0 {
		switch s.state {
		case StateEstablished:
			s.rcvNxt++
			s.setState(StateCloseWait)
			s.sendSegment(ACK, s.sndNxt, s.rcvNxt, "")
			s.host.appPeerClosed(s)
		case StateFinWait1:
			s.rcvNxt++
			s.sendSegment(ACK, s.sndNxt, s.rcvNxt, "")
			if finAcked {
				s.enterTimeWait()
			} else {
				s.setState(StateClosing)
			}
		case StateFinWait2:
			s.rcvNxt++
			s.sendSegment(ACK, s.sndNxt, s.rcvNxt, "")
			s.enterTimeWait()
		}
	}
}

// onReset handles an RST: a refused connect, or a connection the peer
// abandoned.
func (s *Socket) onReset(p *packet) {
	switch s.state {
	case StateSynSent:
		if p.flags&ACK == 0 || p.ack != s.sndNxt {
			return
		}
		s.fail(nil, "connect", ECONNREFUSED, 0, s.remote)
		s.finish()
		s.host.appFailed(s)
	case StateTimeWait, StateSynRecv, StateLastAck:
		s.finish()
	case StateClosed, StateListen:
	default:
		if len(s.holders) > 0 {
			s.fail(nil, "recv", ECONNRESET, 0, s.remote)
		}
		s.finish()
		s.host.appFailed(s)
	}
}

// resetFor answers a segment nothing wanted with an RST from the host
// itself, as the kernel does (RFC 9293 section 3.10.7.1).
func (h *Host) resetFor(p *packet) {
	if p.flags&RST != 0 {
		return
	}
	r := &packet{proto: TCP, src: p.dst, dst: p.src}
	if p.flags&ACK != 0 {
		r.flags, r.seq = RST, p.ack
	} else {
		r.flags = RST | ACK
		r.ack = p.seq + uint32(p.size)
		if p.flags&SYN != 0 {
			r.ack++
		}
		if p.flags&FIN != 0 {
			r.ack++
		}
	}
	h.transmit(nil, r)
}

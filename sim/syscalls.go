package sim

import "net/netip"

// The socket calls a thread makes, as the kernel answers them: socket,
// setsockopt, bind, listen, connect, accept, send, sendto and close, each
// with its event and its errno.

// Fail reports that a library call the thread made failed (the resolver's
// getaddrinfo): an error event, and the error to return.
func (t *Thread) Fail(call string, errno Errno) error { return t.fail(call, errno, 0) }

// fail reports an error for a call that has no socket yet: an error
// event, and the error to return.
func (t *Thread) fail(call string, errno Errno, fd int) error {
	p := t.proc
	e := p.host.w.newEvent(KindError)
	e.Host, e.Program, e.PID, e.TID, e.FD, e.Call, e.Errno = p.host.name, p.prog.Name, p.pid, t.tid, fd, call, errno
	p.host.w.emit(e)
	return &CallError{Call: call, Errno: errno}
}

// sock returns the socket behind fd, or fails with EBADF.
func (t *Thread) sock(call string, fd int) (*Socket, error) {
	if !t.alive || !t.proc.alive {
		return nil, &CallError{Call: call, Errno: EBADF}
	}
	s := t.proc.Socket(fd)
	if s == nil {
		return nil, t.fail(call, EBADF, fd)
	}
	s.lastTID = t.tid
	return s, nil
}

// Socket opens a socket and returns its descriptor (socket.open).
func (t *Thread) Socket(proto Proto) (int, error) {
	if !t.alive || !t.proc.alive {
		return 0, &CallError{Call: "socket", Errno: EBADF}
	}
	if proto != TCP && proto != UDP {
		return 0, t.fail("socket", EINVAL, 0)
	}
	p := t.proc
	w := p.host.w
	fd := p.freeFD()
	if fd < 0 {
		return 0, t.fail("socket", EMFILE, 0)
	}
	w.nextSock++
	s := &Socket{id: w.nextSock, host: p.host, proto: proto, user: p.user, lastTID: t.tid}
	p.host.live[s.id] = s
	p.setFD(fd, s)
	s.holders = append(s.holders, holder{p, fd})
	w.emit(s.event(KindSocketOpen, t))
	return fd, nil
}

func (p *Process) freeFD() int {
	for fd := 3; fd < len(p.fds); fd++ {
		if p.fds[fd] == nil {
			return fd
		}
	}
	if len(p.fds) >= maxFDsPerProcess {
		return -1
	}
	return len(p.fds)
}

func (p *Process) setFD(fd int, s *Socket) {
	for len(p.fds) <= fd {
		p.fds = append(p.fds, nil)
	}
	p.fds[fd] = s
}

// Socket option names accepted by SetOption.
const (
	SO_REUSEADDR = "SO_REUSEADDR"
	SO_REUSEPORT = "SO_REUSEPORT"
)

// SetOption turns SO_REUSEADDR or SO_REUSEPORT on or off (socket.option).
func (t *Thread) SetOption(fd int, name string, on bool) error {
	s, err := t.sock("setsockopt", fd)
	if err != nil {
		return err
	}
	switch name {
	case SO_REUSEADDR:
		s.reuseAddr = on
	case SO_REUSEPORT:
		s.reusePort = on
	default:
		return s.fail(t, "setsockopt", EINVAL, fd, netip.AddrPort{})
	}
	if on {
		e := s.event(KindSocketOption, t)
		e.Option = name
		s.host.w.emit(e)
	}
	return nil
}

// Bind gives the socket a local address and port (socket.bind). Port 0 asks
// the OS to choose an ephemeral port (port.assign, then socket.bind).
func (t *Thread) Bind(fd int, ap netip.AddrPort) error {
	s, err := t.sock("bind", fd)
	if err != nil {
		return err
	}
	h := s.host
	if s.bnd != nil {
		return s.fail(t, "bind", EINVAL, fd, ap)
	}
	addr := ap.Addr()
	if !addr.Is4() {
		return s.fail(t, "bind", EINVAL, fd, ap)
	}
	if !addr.IsUnspecified() && !h.HasAddr(addr) {
		return s.fail(t, "bind", EADDRNOTAVAIL, fd, ap)
	}
	port := ap.Port()
	if port != 0 && port < h.os.PrivilegedBelow && t.proc.user != "root" {
		return s.fail(t, "bind", EACCES, fd, ap)
	}
	if port == 0 {
		var ok bool
		if s.proto == UDP {
			port, ok = h.pickUDPPort(s, addr)
		} else {
			port, ok = h.pickBindPort(s, addr)
		}
		if !ok {
			errno := EADDRINUSE
			if s.proto == UDP && h.os.algo == algoLinux {
				errno = EAGAIN
			}
			return s.fail(t, "bind", errno, fd, ap)
		}
		h.attach(s, addr, port, true, false)
		e := s.event(KindPortAssign, t)
		e.Port, e.Ephemeral, e.Call = port, boolPtr(true), "bind"
		h.w.emit(e)
	} else {
		if h.conflicts(s, s.proto, addr, port) {
			return s.fail(t, "bind", EADDRINUSE, fd, ap)
		}
		h.attach(s, addr, port, false, false)
	}
	e := s.event(KindSocketBind, t)
	e.Port, e.Ephemeral = port, boolPtr(s.bnd.ephemeral)
	h.w.emit(e)
	return nil
}

// Listen makes a TCP socket a listener (socket.listen). An unbound socket
// first gets an ephemeral port, as on Linux.
func (t *Thread) Listen(fd int, backlog int) error {
	s, err := t.sock("listen", fd)
	if err != nil {
		return err
	}
	h := s.host
	if s.proto != TCP {
		return s.fail(t, "listen", EOPNOTSUPP, fd, netip.AddrPort{})
	}
	if s.state == StateListen {
		s.backlog = clampBacklog(backlog)
		return nil
	}
	if s.state != StateClosed || s.remote.IsValid() {
		return s.fail(t, "listen", EINVAL, fd, netip.AddrPort{})
	}
	if s.bnd == nil {
		port, ok := h.pickBindPort(s, netip.IPv4Unspecified())
		if !ok {
			return s.fail(t, "listen", EADDRINUSE, fd, netip.AddrPort{})
		}
		h.attach(s, netip.IPv4Unspecified(), port, true, false)
		e := s.event(KindPortAssign, t)
		e.Port, e.Ephemeral, e.Call = port, boolPtr(true), "listen"
		h.w.emit(e)
	} else {
		// Two sockets may share a port through SO_REUSEADDR while neither
		// listens; only SO_REUSEPORT lets a second one listen.
		pu := h.ports[TCP][s.local.Port()]
		for _, o := range pu.socks {
			if o != s && o.state == StateListen && addrsOverlap(o.local.Addr(), s.local.Addr()) &&
				!(s.reusePort && o.reusePort && s.user == o.user) {
				return s.fail(t, "listen", EADDRINUSE, fd, s.local)
			}
		}
	}
	s.state = StateListen
	s.backlog = clampBacklog(backlog)
	e := s.event(KindSocketListen, t)
	e.Backlog = s.backlog
	e.Port = s.local.Port()
	h.w.emit(e)
	return nil
}

// somaxconn is Linux's default cap on a listen backlog.
const somaxconn = 4096

func clampBacklog(n int) int {
	if n < 0 {
		return 0
	}
	if n > somaxconn {
		return somaxconn
	}
	return n
}

// Connect connects the socket to raddr. For TCP it sends a SYN and returns;
// the connection completes (or is refused) when the answer arrives. An
// unbound socket first gets an ephemeral port (port.assign).
func (t *Thread) Connect(fd int, raddr netip.AddrPort) error {
	s, err := t.sock("connect", fd)
	if err != nil {
		return err
	}
	h := s.host
	if !raddr.Addr().Is4() {
		return s.fail(t, "connect", EINVAL, fd, raddr)
	}
	if raddr.Addr().IsUnspecified() {
		// Linux treats a connect to 0.0.0.0 as a connect to this host.
		raddr = netip.AddrPortFrom(Loopback, raddr.Port())
	}
	if s.proto == TCP {
		switch s.state {
		case StateClosed:
		case StateSynSent:
			return s.fail(t, "connect", EALREADY, fd, raddr)
		default:
			return s.fail(t, "connect", EISCONN, fd, raddr)
		}
	}
	src := h.srcAddrFor(raddr.Addr())
	if s.bnd != nil && !s.local.Addr().IsUnspecified() {
		src = s.local.Addr()
	}
	if s.bnd == nil {
		var port uint16
		var ok bool
		if s.proto == UDP {
			port, ok = h.pickUDPPort(s, src)
		} else {
			port, ok = h.pickConnectPort(s, src, raddr)
		}
		if !ok {
			errno := EADDRNOTAVAIL
			if s.proto == UDP && h.os.algo == algoLinux {
				errno = EAGAIN
			}
			return s.fail(t, "connect", errno, fd, raddr)
		}
		h.attach(s, src, port, true, s.proto == TCP)
		e := s.event(KindPortAssign, t)
		e.Port, e.Ephemeral, e.Call = port, boolPtr(true), "connect"
		e.Remote = raddr
		h.w.emit(e)
	} else {
		k := connKey{netip.AddrPortFrom(src, s.local.Port()), raddr}
		if o := h.conns[s.proto][k]; o != nil && o != s {
			return s.fail(t, "connect", EADDRNOTAVAIL, fd, raddr)
		}
		if s.remote.IsValid() {
			delete(h.conns[s.proto], connKey{s.local, s.remote})
		}
		s.local = k.local
	}
	s.remote = raddr
	h.conns[s.proto][connKey{s.local, s.remote}] = s
	if s.proto == TCP {
		s.state = StateSynSent
		s.gen++
	}
	e := s.event(KindSocketConnect, t)
	e.Port = raddr.Port()
	h.w.emit(e)
	if s.proto == UDP && s.sec != nil {
		s.secureStart() // QUIC: the Initial goes out at once
	}
	if s.proto == TCP {
		s.iss = h.w.rng.Uint32()
		s.sndNxt = s.iss + 1
		s.synTries = 0
		s.sendSegment(SYN, s.iss, 0, "")
		s.armSynTimer(synRTO)
	}
	return nil
}

// Accept takes the next established connection from a listener. When none
// is waiting the call blocks: done runs when one arrives, with the new
// descriptor. The new socket has the listener's local port.
func (t *Thread) Accept(fd int, done func(fd int, s *Socket)) error {
	s, err := t.sock("accept", fd)
	if err != nil {
		return err
	}
	if s.proto != TCP {
		return s.fail(t, "accept", EOPNOTSUPP, fd, netip.AddrPort{})
	}
	if s.state != StateListen {
		return s.fail(t, "accept", EINVAL, fd, netip.AddrPort{})
	}
	s.waiting = append(s.waiting, pendingAccept{t: t, done: done})
	s.serveAccepts()
	return nil
}

// serveAccepts hands queued connections to blocked accept calls, first
// come first served.
func (l *Socket) serveAccepts() {
	for len(l.acceptq) > 0 && len(l.waiting) > 0 {
		c := l.acceptq[0]
		l.acceptq = l.acceptq[1:]
		pa := l.waiting[0]
		l.waiting = l.waiting[1:]
		if !pa.t.alive || !pa.t.proc.alive {
			l.acceptq = append([]*Socket{c}, l.acceptq...)
			continue
		}
		p := pa.t.proc
		fd := p.freeFD()
		if fd < 0 {
			l.fail(pa.t, "accept", EMFILE, 0, netip.AddrPort{})
			l.acceptq = append([]*Socket{c}, l.acceptq...)
			continue
		}
		c.parent = nil
		p.setFD(fd, c)
		c.holders = append(c.holders, holder{p, fd})
		c.lastTID = pa.t.tid
		e := c.event(KindSocketAccept, pa.t)
		e.FD, e.Parent, e.Port = fd, l.id, c.local.Port()
		l.host.w.emit(e)
		if pa.done != nil {
			pa.done(fd, c)
		}
		buf := c.buf
		c.buf = nil
		for _, d := range buf {
			c.receive(d, c.remote)
		}
		if c.state == StateCloseWait {
			c.host.appPeerClosed(c)
		}
	}
}

func (s *Socket) cancelAccepts(t *Thread) {
	kept := s.waiting[:0]
	for _, pa := range s.waiting {
		if pa.t != t {
			kept = append(kept, pa)
		}
	}
	s.waiting = kept
}

// Send sends data on a connected socket.
func (t *Thread) Send(fd int, data string) error {
	s, err := t.sock("send", fd)
	if err != nil {
		return err
	}
	if len(data) > maxDataBytes {
		return s.fail(t, "send", EINVAL, fd, netip.AddrPort{})
	}
	if s.sec != nil && s.sec.done {
		data = s.sealed(data)
	}
	if s.proto == UDP {
		if !s.remote.IsValid() {
			return s.fail(t, "send", EDESTADDRREQ, fd, netip.AddrPort{})
		}
		if len(data) > maxUDPPayloadBytes {
			return s.fail(t, "send", EMSGSIZE, fd, s.remote)
		}
		s.sendDatagram(s.remote, data)
		return nil
	}
	switch s.state {
	case StateEstablished, StateCloseWait:
	default:
		return s.fail(t, "send", EPIPE, fd, netip.AddrPort{})
	}
	if data == "" {
		return nil
	}
	s.sndNxt += s.sendSegment(PSH|ACK, s.sndNxt, s.rcvNxt, data)
	return nil
}

// SendTo sends a UDP datagram to raddr; an unbound socket first gets an
// ephemeral port.
func (t *Thread) SendTo(fd int, raddr netip.AddrPort, data string) error {
	s, err := t.sock("sendto", fd)
	if err != nil {
		return err
	}
	if s.proto != UDP {
		if s.state == StateEstablished || s.state == StateCloseWait {
			return t.Send(fd, data)
		}
		return s.fail(t, "sendto", EPIPE, fd, raddr)
	}
	if len(data) > maxDataBytes || !raddr.Addr().Is4() {
		return s.fail(t, "sendto", EINVAL, fd, raddr)
	}
	if len(data) > maxUDPPayloadBytes {
		return s.fail(t, "sendto", EMSGSIZE, fd, raddr)
	}
	h := s.host
	if s.bnd == nil {
		port, ok := h.pickUDPPort(s, netip.IPv4Unspecified())
		if !ok {
			errno := EADDRNOTAVAIL
			if h.os.algo == algoLinux {
				errno = EAGAIN
			}
			return s.fail(t, "sendto", errno, fd, raddr)
		}
		h.attach(s, netip.IPv4Unspecified(), port, true, false)
		e := s.event(KindPortAssign, t)
		e.Port, e.Ephemeral, e.Call, e.Remote = port, boolPtr(true), "sendto", raddr
		h.w.emit(e)
	}
	s.sendDatagram(raddr, data)
	return nil
}

// Close closes the descriptor (socket.close). The socket itself closes when
// its last descriptor does: a TCP connection then starts its FIN exchange,
// a listener resets connections nobody accepted, a UDP socket releases its
// port.
func (t *Thread) Close(fd int) error {
	if _, err := t.sock("close", fd); err != nil {
		return err
	}
	t.proc.closeFD(t, fd)
	return nil
}

func (p *Process) closeFD(t *Thread, fd int) {
	s := p.fds[fd]
	p.fds[fd] = nil
	for i, h := range s.holders {
		if h.p == p && h.fd == fd {
			s.holders = append(s.holders[:i:i], s.holders[i+1:]...)
			break
		}
	}
	e := s.event(KindSocketClose, t)
	if t == nil {
		e.PID, e.Program = p.pid, p.prog.Name
	}
	e.FD = fd
	e.Shared = len(s.holders)
	p.host.w.emit(e)
	if len(s.holders) == 0 {
		s.cancelAccepts(t)
		s.waiting = nil
		s.orphan = true
		s.closeLast()
	}
}

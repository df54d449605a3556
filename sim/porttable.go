package sim

import "net/netip"

// The host's port table: which socket holds which (address, port),
// Linux's rules for sharing one (SO_REUSEADDR, SO_REUSEPORT), and
// giving a port back when its last socket is gone. Which free port the
// OS picks is ports.go's.

// binding is one bind of an (address, port): created by bind(), or by the
// OS when connect(), listen() or sendto() needs a port. Sockets accepted
// from a listener share its binding; the port is released when the last
// socket using the binding is gone.
type binding struct {
	_         noCompare
	proto     Proto
	addr      netip.Addr
	port      uint16
	ephemeral bool
	refs      int
	owner     int // socket id of the socket that made the binding
}

func addrsOverlap(a, b netip.Addr) bool {
	return a == b || a.IsUnspecified() || b.IsUnspecified()
}

// conflicts reports whether binding s to (addr, port) clashes with a socket
// already holding the port, by Linux's rules: addresses overlap when equal
// or when either is 0.0.0.0; SO_REUSEADDR on both lets a port be shared
// unless the other socket is listening; SO_REUSEPORT on both, by the same
// user, lets several sockets share it, listeners included.
func (h *Host) conflicts(s *Socket, proto Proto, addr netip.Addr, port uint16) bool {
	pu := h.ports[proto][port]
	if pu == nil {
		return false
	}
	for _, o := range pu.socks {
		if o == s || !addrsOverlap(o.local.Addr(), addr) {
			continue
		}
		if s.reusePort && o.reusePort && s.user == o.user {
			continue
		}
		if s.reuseAddr && o.reuseAddr && o.state != StateListen {
			continue
		}
		return true
	}
	return false
}

// attach gives s the (addr, port) and records it in the port table.
func (h *Host) attach(s *Socket, addr netip.Addr, port uint16, ephemeral, byConnect bool) {
	s.local = netip.AddrPortFrom(addr, port)
	s.bnd = &binding{proto: s.proto, addr: addr, port: port, ephemeral: ephemeral, refs: 1, owner: s.id}
	h.addToPort(s, byConnect)
}

func (h *Host) addToPort(s *Socket, byConnect bool) {
	port := s.local.Port()
	pu := h.ports[s.proto][port]
	if pu == nil {
		pu = &portUse{byConnect: byConnect}
		h.ports[s.proto][port] = pu
	}
	pu.socks = append(pu.socks, s)
}

// release gives up everything s holds: its 4-tuple, its share of the port
// binding (port.release when it was the last), and marks it dead.
func (s *Socket) release() {
	if s.dead {
		return
	}
	s.unlinkConn()
	s.dropBinding()
	s.dead = true
	delete(s.host.live, s.id)
}

// unlinkConn removes s from the host's 4-tuple table.
func (s *Socket) unlinkConn() {
	if !s.remote.IsValid() {
		return
	}
	k := connKey{s.local, s.remote}
	if s.host.conns[s.proto][k] == s {
		delete(s.host.conns[s.proto], k)
	}
}

// dropBinding takes s off its port. When s was the last socket on its
// binding, the port is released (port.release).
func (s *Socket) dropBinding() {
	b := s.bnd
	if b == nil {
		return
	}
	h := s.host
	s.bnd = nil
	if pu := h.ports[s.proto][b.port]; pu != nil {
		for i, o := range pu.socks {
			if o == s {
				pu.socks = append(pu.socks[:i:i], pu.socks[i+1:]...)
				break
			}
		}
		if len(pu.socks) == 0 {
			delete(h.ports[s.proto], b.port)
		}
	}
	b.refs--
	if b.refs == 0 {
		e := h.w.newEvent(KindPortRelease)
		e.Host, e.Proto, e.Port, e.Sock = h.name, b.proto, b.port, b.owner
		e.Local = netip.AddrPortFrom(b.addr, b.port)
		e.Ephemeral = boolPtr(b.ephemeral)
		h.w.emit(e)
	}
}

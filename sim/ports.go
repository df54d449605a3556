package sim

import "net/netip"

// This file holds the ephemeral port choice of each OS profile. Each
// function returns the port and true, or false when the range is used up.

// pickConnectPort chooses the local port for connect() on an unbound TCP
// socket whose source address is src.
func (h *Host) pickConnectPort(s *Socket, src netip.Addr, raddr netip.AddrPort) (uint16, bool) {
	free := func(port uint16) bool { return !h.conflicts(s, TCP, src, port) }
	switch h.os.algo {
	case algoLinux:
		return h.linuxConnectPort(src, raddr)
	case algoSequential:
		return h.sequentialPort(0, free)
	case algoXNU:
		return h.sequentialPort(int(TCP), free)
	default:
		return h.randomLinearPort(free)
	}
}

// pickBindPort chooses the port for bind(port 0) or listen() on an unbound
// TCP socket.
func (h *Host) pickBindPort(s *Socket, addr netip.Addr) (uint16, bool) {
	free := func(port uint16) bool { return !h.conflicts(s, s.proto, addr, port) }
	switch h.os.algo {
	case algoLinux:
		return h.linuxBindPort(free)
	case algoSequential:
		return h.sequentialPort(0, free)
	case algoXNU:
		return h.sequentialPort(int(s.proto), free)
	default:
		return h.randomLinearPort(free)
	}
}

// pickUDPPort chooses the port a UDP socket gets on bind(0), connect() or
// its first sendto().
func (h *Host) pickUDPPort(s *Socket, addr netip.Addr) (uint16, bool) {
	free := func(port uint16) bool { return !h.conflicts(s, UDP, addr, port) }
	switch h.os.algo {
	case algoSequential:
		return h.sequentialPort(0, free)
	default:
		// Linux's udp_lib_get_port starts at a random port and walks the
		// hash chains; the simulator starts at a random port and walks the
		// range. Both give random ports with no parity bias.
		return h.randomLinearPort(free)
	}
}

// linuxConnectPort is __inet_hash_connect (net/ipv4/inet_hashtables.c),
// RFC 6056 algorithm 4: a per-destination starting point from a keyed hash
// plus a perturbation table slot, ports of the range's low-end parity first
// in steps of 2, then the others; a port whose bind bucket was made by
// connect() can be shared as long as the 4-tuple is unique. After a success
// the slot grows by max(tries, rand(0..7)*2) + 2.
func (h *Host) linuxConnectPort(src netip.Addr, raddr netip.AddrPort) (uint16, bool) {
	low, high := uint32(h.lo), uint32(h.hi)+1
	remaining := high - low
	if remaining > 1 {
		remaining &^= 1
	}
	po := h.linuxPortOffset(src.As4(), raddr.Addr().As4(), raddr.Port(), h.w.now)
	index := uint32(po & (linuxPerturbSize - 1))
	offset := (h.linuxPerturb(index) + uint32(po>>32)) % remaining
	offset &^= 1
	for {
		port := low + offset
		for i := uint32(0); i < remaining; i, port = i+2, port+2 {
			if port >= high {
				port -= remaining
			}
			if pu := h.ports[TCP][uint16(port)]; pu != nil {
				if !pu.byConnect {
					continue
				}
				if h.conns[TCP][connKey{netip.AddrPortFrom(src, uint16(port)), raddr}] != nil {
					continue
				}
			}
			inc := max(i, uint32(h.w.randN(8))*2)
			h.perturb[index] = h.linuxPerturb(index) + inc + 2
			return uint16(port), true
		}
		offset++
		if offset&1 != 0 && remaining > 1 {
			continue
		}
		return 0, false
	}
}

// linuxBindPort is inet_csk_find_open_port (net/ipv4/inet_connection_sock.c):
// a random start forced odd, odd ports first in steps of 2, then even ones,
// so bind(0) leaves the even ports to connect().
func (h *Host) linuxBindPort(free func(uint16) bool) (uint16, bool) {
	low, high := uint32(h.lo), uint32(h.hi)+1
	remaining := high - low
	if remaining > 1 {
		remaining &^= 1
	}
	offset := uint32(h.w.randN(int(remaining))) | 1
	for {
		port := low + offset
		for i := uint32(0); i < remaining; i, port = i+2, port+2 {
			if port >= high {
				port -= remaining
			}
			if free(uint16(port)) {
				return uint16(port), true
			}
		}
		offset--
		if offset&1 == 0 {
			continue
		}
		return 0, false
	}
}

// sequentialPort hands out the port after the last one, wrapping at the end
// of the range and skipping ports in use. slot picks the counter (Windows
// shares one across protocols; macOS keeps one per protocol).
func (h *Host) sequentialPort(slot int, free func(uint16) bool) (uint16, bool) {
	n := int(h.hi-h.lo) + 1
	for i := 0; i < n; i++ {
		h.lastPort[slot]++
		if h.lastPort[slot] > h.hi || h.lastPort[slot] < h.lo {
			h.lastPort[slot] = h.lo
		}
		if free(h.lastPort[slot]) {
			return h.lastPort[slot], true
		}
	}
	return 0, false
}

// randomLinearPort starts at a random port and searches upwards, wrapping
// (RFC 6056 algorithm 1, as FreeBSD's in_pcb_lport_dest does).
func (h *Host) randomLinearPort(free func(uint16) bool) (uint16, bool) {
	n := int(h.hi-h.lo) + 1
	port := h.lo + uint16(h.w.randN(n))
	for i := 0; i < n; i++ {
		port++
		if port > h.hi || port < h.lo {
			port = h.lo
		}
		if free(port) {
			return port, true
		}
	}
	return 0, false
}

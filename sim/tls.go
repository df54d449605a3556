package sim

import (
	"fmt"
	"net/netip"
	"strings"
)

// TLS and QUIC as named stages (DOMAIN.md section 8). HTTPS is HTTP inside
// TLS on TCP 443: the client's first letter after the handshake is a
// ClientHello that names the site in clear text (SNI); what follows is
// encrypted. HTTP/3 runs over QUIC on UDP 443: its letters carry
// connection IDs, and a server finds a connection by its ID, not by the
// 4-tuple, so the connection goes on when the client's port changes
// (Rebind). Letters name their stage in one line:
//
//	TLS ClientHello (SNI example.org)
//	TLS ServerHello, Certificate (example.org), Finished
//	TLS Finished
//	TLS application data, 16 bytes (encrypted)
//	QUIC Initial, SCID 5f3a9c01d2e4b687, ClientHello (SNI example.org)
//	QUIC Handshake, DCID 5f3a9c01d2e4b687, SCID 0c77e1a94b2d3f58, ServerHello, Certificate (example.org), Finished
//	QUIC Handshake, DCID 0c77e1a94b2d3f58, Finished
//	QUIC 1-RTT, DCID 0c77e1a94b2d3f58, 16 bytes (encrypted HTTP/3)

// secure is a client socket's TLS or QUIC state.
type secure struct {
	_       noCompare
	sni     string
	myCID   string // QUIC: the connection ID this end chose
	peerCID string // QUIC: the other end's connection ID
	done    bool   // the handshake is over: data goes encrypted
}

// quicConn is a QUIC server's connection: the client's ID and where the
// client is now.
type quicConn struct {
	_         noCompare
	clientCID string
	peer      netip.AddrPort
}

// UseTLS makes the socket speak TLS (TCP) or QUIC (UDP) to a server named
// serverName: over TCP the ClientHello goes out once the connection is
// established; over UDP the QUIC Initial goes out when the socket
// connects. Data sent afterwards travels encrypted.
func (t *Thread) UseTLS(fd int, serverName string) error {
	s, err := t.sock("setsockopt", fd)
	if err != nil {
		return err
	}
	s.sec = &secure{sni: serverName}
	return nil
}

func (w *World) connectionID() string {
	return fmt.Sprintf("%016x", w.rng.Uint64())
}

// secureStart sends a secure socket's first letter: the ClientHello, in a
// QUIC Initial over UDP.
func (s *Socket) secureStart() {
	sec := s.sec
	if s.proto == UDP {
		sec.myCID = s.host.w.connectionID()
		s.sendDatagram(s.remote, fmt.Sprintf("QUIC Initial, SCID %s, ClientHello (SNI %s)", sec.myCID, sec.sni))
		return
	}
	s.sndNxt += s.sendSegment(PSH|ACK, s.sndNxt, s.rcvNxt, "TLS ClientHello (SNI "+sec.sni+")")
}

// sealed is what a secure socket puts on the street for data: its size,
// not its words.
func (s *Socket) sealed(data string) string {
	if s.proto == UDP {
		return fmt.Sprintf("QUIC 1-RTT, DCID %s, %d bytes (encrypted HTTP/3)", s.sec.peerCID, len(data))
	}
	return fmt.Sprintf("TLS application data, %d bytes (encrypted)", len(data))
}

// secureData is a secure client's reaction to the server's handshake: it
// finishes it.
func (p *Process) secureData(t *Thread, s *Socket, fd int, data string) {
	sec := s.sec
	switch {
	// The Finished is a handshake letter, sent as it is: data is sealed
	// only once the handshake is done.
	case strings.HasPrefix(data, "TLS ServerHello"):
		t.Send(fd, "TLS Finished")
		sec.done = true
	case strings.HasPrefix(data, "QUIC Handshake"):
		sec.peerCID = fieldAfter(data, "SCID ")
		t.Send(fd, "QUIC Handshake, DCID "+sec.peerCID+", Finished")
		sec.done = true
	}
}

// fieldAfter returns the word after prefix in a comma-separated letter.
func fieldAfter(s, prefix string) string {
	i := strings.Index(s, prefix)
	if i < 0 {
		return ""
	}
	rest := s[i+len(prefix):]
	if j := strings.IndexAny(rest, ", "); j >= 0 {
		return rest[:j]
	}
	return rest
}

// tlsServe is an HTTPS server's answer on TCP: its part of the handshake
// to a ClientHello, an encrypted response to anything else.
func (p *Process) tlsServe(data string) string {
	if strings.HasPrefix(data, "TLS ClientHello") {
		return "TLS ServerHello, Certificate (" + sniOf(data) + "), Finished"
	}
	if strings.HasPrefix(data, "TLS Finished") {
		return ""
	}
	resp := httpMessage("200 OK", p.prog.Name, "hello from "+p.host.name+"\n", true)
	return fmt.Sprintf("TLS application data, %d bytes (encrypted)", len(resp))
}

// quicServe is an HTTP/3 server's answer on UDP. It finds the connection
// by the letter's connection ID, wherever the letter comes from: when the
// client's address or port has changed, the connection goes on and the
// answer goes to the new address (connection migration, RFC 9000
// section 9).
func (p *Process) quicServe(t *Thread, c *appConn, from netip.AddrPort, data string) {
	if p.app.quic == nil {
		p.app.quic = map[string]*quicConn{}
	}
	switch {
	case strings.HasPrefix(data, "QUIC Initial"):
		cid := p.host.w.connectionID()
		cc := &quicConn{clientCID: fieldAfter(data, "SCID "), peer: from}
		p.app.quic[cid] = cc
		t.SendTo(c.fd, from, fmt.Sprintf("QUIC Handshake, DCID %s, SCID %s, ServerHello, Certificate (%s), Finished", cc.clientCID, cid, sniOf(data)))
	case strings.HasPrefix(data, "QUIC 1-RTT"):
		cc := p.app.quic[fieldAfter(data, "DCID ")]
		if cc == nil {
			return // no such connection: a real server would send a stateless reset
		}
		if cc.peer != from {
			p.Print(t, fmt.Sprintf("connection %s moved: %s -> %s", fieldAfter(data, "DCID "), cc.peer, from))
			cc.peer = from
		}
		resp := httpMessage("200 OK", p.prog.Name, "hello from "+p.host.name+"\n", true)
		t.SendTo(c.fd, from, fmt.Sprintf("QUIC 1-RTT, DCID %s, %d bytes (encrypted HTTP/3)", cc.clientCID, len(resp)))
	}
}

// sniOf reads the site name out of a ClientHello.
func sniOf(hello string) string {
	i := strings.Index(hello, "(SNI ")
	if i < 0 {
		return "?"
	}
	rest := hello[i+len("(SNI "):]
	if j := strings.IndexByte(rest, ')'); j >= 0 {
		return rest[:j]
	}
	return rest
}

// Rebind gives a connected UDP socket a new ephemeral port, as when a
// phone moves from Wi-Fi to mobile data or a NAT forgets its mapping: the
// old port is released (port.release) and a new one assigned
// (port.assign, call "rebind"). A QUIC connection on it goes on.
func (t *Thread) Rebind(fd int) error {
	s, err := t.sock("rebind", fd)
	if err != nil {
		return err
	}
	if s.proto != UDP || s.bnd == nil || !s.bnd.ephemeral {
		return s.fail(t, "rebind", EINVAL, fd, netip.AddrPort{})
	}
	h := s.host
	old := s.local
	src := old.Addr()
	s.unlinkConn()
	s.dropBinding()
	port, ok := h.pickUDPPort(s, src)
	if ok && port == old.Port() {
		port, ok = h.pickUDPPort(s, src)
	}
	if !ok {
		return s.fail(t, "rebind", EAGAIN, fd, netip.AddrPort{})
	}
	h.attach(s, src, port, true, false)
	if s.remote.IsValid() {
		h.conns[UDP][connKey{s.local, s.remote}] = s
	}
	e := s.event(KindPortAssign, t)
	e.Port, e.Ephemeral, e.Call = port, boolPtr(true), "rebind"
	h.w.emit(e)
	return nil
}

package sim

import (
	"net/netip"
)

// State is a socket's TCP state, named as netstat prints it. UDP sockets
// stay in StateClosed; whether they are bound or connected shows in their
// addresses.
type State uint8

// TCP states (RFC 9293 section 3.3.2).
const (
	StateClosed State = iota
	StateListen
	StateSynSent
	StateSynRecv
	StateEstablished
	StateFinWait1
	StateFinWait2
	StateCloseWait
	StateClosing
	StateLastAck
	StateTimeWait
)

var stateNames = [...]string{
	"CLOSED", "LISTEN", "SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT_1",
	"FIN_WAIT_2", "CLOSE_WAIT", "CLOSING", "LAST_ACK", "TIME_WAIT",
}

func (s State) String() string { return stateNames[s] }

// finTimeout is Linux's tcp_fin_timeout: how long an orphaned socket waits
// in FIN_WAIT_2 for the peer's FIN.
const finTimeout = 60 * Second

// synRetries and synRTO follow Linux's defaults (tcp_syn_retries = 6,
// initial RTO 1 s, doubling): an unanswered connect gives up after 127 s.
const (
	synRetries = 6
	synRTO     = 1 * Second
)

type holder struct {
	p  *Process
	fd int
}

type pendingAccept struct {
	t    *Thread
	done func(fd int, s *Socket)
}

// Socket is an endpoint of communication: the apartment's mail slot.
// Processes hold it through descriptors; it can outlive them (TIME_WAIT).
type Socket struct {
	id        int
	host      *Host
	proto     Proto
	state     State
	local     netip.AddrPort
	remote    netip.AddrPort
	bnd       *binding
	reuseAddr bool
	reusePort bool
	user      string
	holders   []holder
	lastTID   int
	// listener side
	backlog int
	synq    []*Socket
	acceptq []*Socket
	waiting []pendingAccept
	parent  *Socket // the listener, for a connection not yet accepted
	// TCP sequence space
	iss, sndNxt, rcvNxt uint32
	ackPending          bool
	finSent             bool
	gen                 int  // bumped on every state change; voids stale timers
	until               Time // end of TIME_WAIT
	synTries            int
	buf                 []string // data that arrived before a process took the socket
	orphan              bool     // no descriptor refers to it any more
	dead                bool
	sec                 *secure // TLS or QUIC (tls.go), nil for plain
}

// ID returns the socket's world-unique id.
func (s *Socket) ID() int { return s.id }

// Proto returns the socket's protocol.
func (s *Socket) Proto() Proto { return s.proto }

// State returns the TCP state.
func (s *Socket) State() State { return s.state }

// Local returns the local address and port (zero until bound).
func (s *Socket) Local() netip.AddrPort { return s.local }

// Host returns the host the socket belongs to.
func (s *Socket) Host() *Host { return s.host }

// Remote returns the peer's address and port (zero until connected).
func (s *Socket) Remote() netip.AddrPort { return s.remote }

// Ephemeral reports whether the OS chose the socket's port.
func (s *Socket) Ephemeral() bool { return s.bnd != nil && s.bnd.ephemeral }

// Bound reports whether the socket holds a port.
func (s *Socket) Bound() bool { return s.bnd != nil }

// Dead reports whether the socket is gone: closed and its port released.
func (s *Socket) Dead() bool { return s.dead }

// event fills the common fields of a socket event: where, who, which
// socket. t may be nil for the kernel acting on its own.
func (s *Socket) event(k Kind, t *Thread) *Event {
	e := s.host.w.newEvent(k)
	e.Host = s.host.name
	e.Sock = s.id
	e.Proto = s.proto
	e.Local, e.Remote = s.local, s.remote
	var p *Process
	if t != nil {
		p = t.proc
		e.TID = t.tid
	} else if len(s.holders) > 0 {
		p = s.holders[0].p
	}
	if p != nil {
		e.PID, e.Program = p.pid, p.prog.Name
		for _, h := range s.holders {
			if h.p == p {
				e.FD = h.fd
				break
			}
		}
	}
	return e
}

// fail emits an error event for a call on s and returns the error.
func (s *Socket) fail(t *Thread, call string, errno Errno, fd int, target netip.AddrPort) error {
	e := s.event(KindError, t)
	e.Call, e.Errno = call, errno
	if t != nil {
		e.User = t.proc.user
	}
	if fd != 0 {
		e.FD = fd
	}
	if target.IsValid() {
		switch call {
		case "connect", "sendto":
			e.Remote = target
		default:
			e.Local = target
		}
		e.Port = target.Port()
	}
	s.host.w.emit(e)
	return &CallError{Call: call, Errno: errno}
}

func (s *Socket) closeLast() {
	if s.proto == UDP || s.state == StateClosed {
		s.release()
		return
	}
	switch s.state {
	case StateListen:
		s.setState(StateClosed)
		for _, c := range append(s.synq, s.acceptq...) {
			c.sendSegment(RST|ACK, c.sndNxt, c.rcvNxt, "")
			c.setState(StateClosed)
			c.release()
		}
		s.synq, s.acceptq = nil, nil
		s.release()
	case StateSynSent:
		s.setState(StateClosed)
		s.release()
	case StateEstablished, StateSynRecv:
		s.setState(StateFinWait1)
		s.sendFin()
	case StateCloseWait:
		s.setState(StateLastAck)
		s.sendFin()
	case StateFinWait2:
		s.armFinTimeout()
	}
}

package sim

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// This file holds what programs do on their own once started: servers open
// their ports, accept clients and answer them; FTP and TFTP clients follow
// the server's instructions (a passive-mode port, a new transfer port).
// Everything runs through the same socket calls a scenario uses, so the
// events show exactly the system calls a real daemon would make.

// appState is a process's application state.
type appState struct {
	worker bool             // a forked worker: it accepts, it does not set up
	conns  map[int]*appConn // by socket id
	lfds   []int            // listening descriptors to accept on
	// acceptors are the threads that accept and serve (AcceptThreads).
	acceptors []*Thread
	quic      map[string]*quicConn // an HTTP/3 server's connections by ID
}

// appConn is what a program knows about one of its sockets.
type appConn struct {
	_       noCompare
	t       *Thread // the thread that serves it
	fd      int
	owned   bool // the thread was started for this connection
	ftp     *ftpState
	xfer    bool     // a TFTP transfer socket
	dataFor *appConn // an FTP data connection: its control connection
	req     string   // an HTTP request's bytes until its head is whole
}

type ftpState struct {
	pasvFD  int      // the passive-mode listener, 0 when none
	dataFD  int      // the accepted data connection, 0 when none
	pending *ftpXfer // a transfer waiting for its data connection
}

// ftpXfer is a transfer an FTP server was asked for: the listing, or a
// file.
type ftpXfer struct {
	_    noCompare
	list bool
	name string
}

// ftpFiles are the files an FTP server offers: one, the notes a lesson
// fetches.
var ftpFiles = map[string]string{
	"notes.txt": "Ports are per protocol: TCP 21 carries the commands, and every transfer gets a port of its own.\n",
}

func (a *appState) conn(s *Socket) *appConn {
	return a.conns[s.id]
}

func (a *appState) track(s *Socket, c *appConn) {
	if a.conns == nil {
		a.conns = map[int]*appConn{}
	}
	a.conns[s.id] = c
}

// later runs fn after the program's think time, if the process still runs.
func (p *Process) later(fn func()) {
	w := p.host.w
	w.schedule(w.now+appThinkTime, false, func() {
		if p.alive && !p.exiting {
			fn()
		}
	})
}

// startServer opens the program's ports with the main thread: socket,
// options, bind, listen. Like a real daemon, it exits with status 1 when a
// port cannot be had.
func (p *Process) startServer() {
	spec := p.spec
	t := p.Main()
	addr := spec.BindAddr
	if !addr.IsValid() {
		addr = netip.IPv4Unspecified()
	}
	for _, svc := range spec.Listen {
		fd, ok := p.openService(t, addr, svc)
		if !ok {
			p.Exit(1)
			return
		}
		if svc.Proto == TCP {
			if err := t.Listen(fd, spec.Backlog); err != nil {
				p.Exit(1)
				return
			}
			p.app.lfds = append(p.app.lfds, fd)
		} else {
			p.app.track(p.fds[fd], &appConn{t: t, fd: fd})
		}
		if spec.Announce {
			p.Print(t, "listening on "+serviceURL(spec.Protocol, p.fds[fd]))
		}
	}
	if spec.Workers > 0 {
		for i := 0; i < spec.Workers; i++ {
			c, err := p.Fork()
			if err != nil {
				break
			}
			c.app.lfds = append([]int(nil), p.app.lfds...)
			for fd, s := range p.fds {
				if s != nil && s.proto == UDP {
					c.app.track(s, &appConn{t: c.Main(), fd: fd})
				}
			}
			c.acceptAll()
		}
		return
	}
	p.acceptAll()
}

// openService opens, sets up and binds the socket of one service. A
// server with PortTries tries the following port numbers while a port is
// taken, printing what it does, as development servers do.
func (p *Process) openService(t *Thread, addr netip.Addr, svc Service) (int, bool) {
	spec := p.spec
	port := svc.Port
	for try := 0; ; try++ {
		fd, err := t.Socket(svc.Proto)
		if err != nil {
			return 0, false
		}
		if spec.ReuseAddr {
			t.SetOption(fd, SO_REUSEADDR, true)
		}
		if spec.ReusePort {
			t.SetOption(fd, SO_REUSEPORT, true)
		}
		err = t.Bind(fd, netip.AddrPortFrom(addr, port))
		if err == nil {
			return fd, true
		}
		t.Close(fd)
		if !errors.Is(err, EADDRINUSE) || try >= spec.PortTries || port == 0 || port == 65535 {
			var errno Errno
			if spec.Announce && errors.As(err, &errno) {
				p.Print(t, fmt.Sprintf("cannot listen on %s port %d: %s", svc.Proto, port, errno.Error()))
			}
			return 0, false
		}
		p.Print(t, fmt.Sprintf("Port %d is in use, trying %d instead.", port, port+1))
		port++
	}
}

// serviceURL is how a server names where it listens: a URL for web
// protocols, PROTO ADDRESS otherwise.
func serviceURL(protocol string, s *Socket) string {
	switch protocol {
	case "http", "https":
		return protocol + "://" + s.local.String()
	}
	return s.proto.String() + " " + s.local.String()
}

// acceptAll blocks the main thread in accept on every listener, or, for a
// server with accept threads, starts them and blocks each of them there.
func (p *Process) acceptAll() {
	if n := p.spec.AcceptThreads; n > 0 && len(p.app.lfds) > 0 {
		for i := 0; i < n; i++ {
			t, err := p.StartThread("accept connections")
			if err != nil {
				break
			}
			p.app.acceptors = append(p.app.acceptors, t)
			for _, fd := range p.app.lfds {
				p.acceptOn(t, fd)
			}
		}
		return
	}
	for _, fd := range p.app.lfds {
		p.acceptOn(p.Main(), fd)
	}
}

func (p *Process) acceptOn(t *Thread, lfd int) {
	t.Accept(lfd, func(fd int, s *Socket) { p.accepted(t, lfd, fd, s) })
}

// serveJob begins the job of a per-connection server's thread, before
// the client's address (Language.Job translates it).
const serveJob = "serve "

// accepted runs when an accept returns: the connection gets its own thread
// (per-connection servers), the accept is re-armed, and protocols where
// the server speaks first send their greeting.
func (p *Process) accepted(t *Thread, lfd, fd int, s *Socket) {
	spec := p.spec
	c := &appConn{t: t, fd: fd}
	if spec.Threads == "per-connection" && !slices.Contains(p.app.acceptors, t) {
		if nt, err := p.StartThread(serveJob + s.remote.String()); err == nil {
			c.t, c.owned = nt, true
		}
	}
	p.app.track(s, c)
	if !spec.Once {
		p.acceptOn(t, lfd)
	}
	var greeting string
	switch spec.Protocol {
	case "smtp":
		greeting = "220 mail ESMTP ready"
	case "ftp":
		greeting = "220 (vsFTPd 3.0.3)"
		c.ftp = &ftpState{}
	}
	if greeting != "" {
		p.later(func() { c.t.Send(c.fd, greeting) })
	}
}

// appOwner returns the process that reacts for s: the first holder with
// application behaviour.
func (h *Host) appOwner(s *Socket) *Process {
	for _, hd := range s.holders {
		if hd.p.app != nil && hd.p.alive {
			return hd.p
		}
	}
	return nil
}

// appData lets the owning program answer data that arrived on s.
func (h *Host) appData(s *Socket, from netip.AddrPort, data string) {
	p := h.appOwner(s)
	if p == nil {
		return
	}
	p.later(func() {
		if s.dead {
			return
		}
		p.onData(s, from, data)
	})
}

// appPeerClosed lets the program close its end after the peer's FIN. A
// server that serves once (nc -l) then exits.
func (h *Host) appPeerClosed(s *Socket) {
	p := h.appOwner(s)
	if p == nil {
		return
	}
	p.later(func() {
		p.closeConn(s)
		if p.spec != nil && p.spec.Once && s.proto == TCP {
			p.Exit(0)
		}
	})
}

// appFailed lets the program close a socket whose connection failed.
func (h *Host) appFailed(s *Socket) {
	p := h.appOwner(s)
	if p == nil {
		return
	}
	if c := p.app.conn(s); c != nil {
		p.later(func() { p.closeConn(s) })
	}
}

// closeConn closes a connection the program tracks and ends its thread.
func (p *Process) closeConn(s *Socket) {
	c := p.app.conn(s)
	if c == nil || p.fds[c.fd] != s {
		return
	}
	delete(p.app.conns, s.id)
	t := c.t
	if !t.alive {
		t = p.Main()
	}
	t.Close(c.fd)
	if c.owned && c.t.alive {
		c.t.Exit()
	}
}

func (p *Process) thread(c *appConn) *Thread {
	if c.t != nil && c.t.alive {
		return c.t
	}
	return p.Main()
}

func (p *Process) onData(s *Socket, from netip.AddrPort, data string) {
	c := p.app.conn(s)
	if p.spec == nil {
		p.clientData(s, c, from, data)
		return
	}
	if c == nil {
		return
	}
	t := p.thread(c)
	spec := p.spec
	if c.dataFor != nil {
		return // the server does not read on an FTP data connection
	}
	if s.proto == UDP {
		p.udpServe(t, c, s, from, data)
		return
	}
	var reply string
	closeAfter := spec.CloseFirst
	switch spec.Protocol {
	case "http":
		var bad, wait bool
		reply, bad, wait = p.httpServe(c, data)
		if wait {
			return
		}
		closeAfter = closeAfter || bad
	case "https":
		if f := strings.Fields(firstLine(data)); len(f) >= 3 && strings.HasPrefix(f[2], "HTTP/1.") {
			// Plain HTTP to the TLS port: nginx answers 400 in clear text.
			reply = httpMessage("400 Bad Request", p.prog.Name, "The plain HTTP request was sent to HTTPS port\n", true)
			closeAfter = true
			break
		}
		if reply = p.tlsServe(data); reply == "" {
			return
		}
	case "dns":
		var ok bool
		if reply, ok = p.dnsAnswer(data, false); !ok {
			reply = "answer: " + firstLine(data)
		}
	case "echo":
		reply = data
	case "smtp":
		switch cmd := strings.ToUpper(firstWord(data)); cmd {
		case "HELO", "EHLO":
			reply = "250 Hello"
		case "QUIT":
			reply, closeAfter = "221 Bye", true
		case "DATA":
			reply = "354 End data with <CR><LF>.<CR><LF>"
		default:
			reply = "250 OK"
		}
	case "ftp":
		p.ftpCommand(t, c, s, data)
		return
	default:
		return
	}
	t.Send(c.fd, reply)
	if closeAfter {
		p.closeConn(s)
	}
}

func firstWord(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, " \r\n"); i >= 0 {
		return s[:i]
	}
	return s
}

func firstLine(s string) string {
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		return s[:i]
	}
	return s
}

// udpServe answers a datagram. DNS and echo reply from the same socket;
// TFTP answers a read request from a new socket on a new port (the
// server's transfer ID, RFC 1350).
func (p *Process) udpServe(t *Thread, c *appConn, s *Socket, from netip.AddrPort, data string) {
	if from == s.local || (from.Port() == s.local.Port() && s.host.HasAddr(from.Addr())) {
		// A datagram the socket sent to itself is never answered: replying
		// would loop forever.
		return
	}
	if p.spec.Once && !s.remote.IsValid() && !c.xfer {
		// netcat's UDP listen mode connects its socket to the first
		// sender, and then hears from that peer only.
		t.Connect(c.fd, from)
	}
	switch p.spec.Protocol {
	case "dns":
		if strings.HasPrefix(data, "answer") {
			return // a response, not a query
		}
		reply, ok := p.dnsAnswer(data, true)
		if !ok {
			reply = "answer: " + firstLine(data)
		}
		t.SendTo(c.fd, from, reply)
	case "echo":
		t.SendTo(c.fd, from, data)
	case "https":
		p.quicServe(t, c, from, data)
	case "tftp":
		if strings.HasPrefix(data, "ERROR") {
			return // RFC 1350 section 7: an ERROR is not acknowledged
		}
		if c.xfer {
			if strings.HasPrefix(data, "ACK") {
				// The last block was short: the transfer is complete.
				p.closeConn(s)
			}
			return
		}
		word := strings.ToUpper(firstWord(data))
		if word != "RRQ" {
			t.SendTo(c.fd, from, "ERROR 4 Illegal TFTP operation")
			return
		}
		file := strings.TrimSpace(strings.TrimPrefix(data, firstWord(data)))
		if file == "" {
			file = "file"
		}
		xt, err := p.StartThread("send " + file)
		if err != nil {
			xt = t
		}
		fd, err := xt.Socket(UDP)
		if err != nil {
			return
		}
		if err := xt.Bind(fd, netip.AddrPortFrom(netip.IPv4Unspecified(), 0)); err != nil {
			xt.Close(fd)
			return
		}
		p.app.track(p.fds[fd], &appConn{t: xt, fd: fd, owned: xt != t, xfer: true})
		xt.SendTo(fd, from, "DATA block 1: "+file+" (300 bytes, last block)")
	}
}

// ftpCommand handles one command on an FTP control connection (RFC 959,
// passive mode as in RFC 959 PASV and RFC 2428 EPSV).
func (p *Process) ftpCommand(t *Thread, c *appConn, s *Socket, data string) {
	if c.ftp == nil {
		c.ftp = &ftpState{}
	}
	f := c.ftp
	cmd := strings.ToUpper(firstWord(data))
	arg := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(data), firstWord(data)))
	switch cmd {
	case "USER":
		t.Send(c.fd, "331 Please specify the password.")
	case "PASS":
		t.Send(c.fd, "230 Login successful.")
	case "SYST":
		t.Send(c.fd, "215 UNIX Type: L8")
	case "PWD":
		t.Send(c.fd, `257 "/" is the current directory`)
	case "TYPE":
		if strings.EqualFold(arg, "A") {
			t.Send(c.fd, "200 Switching to ASCII mode.")
		} else {
			t.Send(c.fd, "200 Switching to Binary mode.")
		}
	case "PASV", "EPSV":
		if f.pasvFD != 0 && p.fds[f.pasvFD] != nil {
			t.Close(f.pasvFD)
		}
		fd, err := t.Socket(TCP)
		if err != nil {
			t.Send(c.fd, "425 Cannot open data connection.")
			return
		}
		// The data listener is bound to the control connection's local
		// address, on a port the OS chooses.
		if err := t.Bind(fd, netip.AddrPortFrom(s.local.Addr(), 0)); err != nil {
			t.Close(fd)
			t.Send(c.fd, "425 Cannot open data connection.")
			return
		}
		if err := t.Listen(fd, 1); err != nil {
			t.Close(fd)
			t.Send(c.fd, "425 Cannot open data connection.")
			return
		}
		f.pasvFD = fd
		port := p.fds[fd].local.Port()
		t.Accept(fd, func(dfd int, ds *Socket) {
			// One data connection per PASV: the listener closes at once.
			if p.fds[f.pasvFD] != nil {
				t.Close(f.pasvFD)
			}
			f.pasvFD = 0
			f.dataFD = dfd
			p.app.track(ds, &appConn{t: t, fd: dfd, dataFor: c})
			if f.pending != nil {
				x := *f.pending
				f.pending = nil
				p.later(func() { p.ftpTransfer(t, c, x) })
			}
		})
		if cmd == "PASV" {
			a := s.local.Addr().As4()
			t.Send(c.fd, fmt.Sprintf("227 Entering Passive Mode (%d,%d,%d,%d,%d,%d).", a[0], a[1], a[2], a[3], port>>8, port&0xff))
		} else {
			t.Send(c.fd, fmt.Sprintf("229 Entering Extended Passive Mode (|||%d|)", port))
		}
	case "RETR", "LIST":
		if f.pasvFD == 0 && f.dataFD == 0 {
			t.Send(c.fd, "425 Use PORT or PASV first.")
			return
		}
		x := ftpXfer{list: cmd == "LIST", name: arg}
		if x.list {
			t.Send(c.fd, "150 Here comes the directory listing.")
		} else {
			body, ok := ftpFiles[arg]
			if !ok {
				t.Send(c.fd, "550 Failed to open file.")
				return
			}
			t.Send(c.fd, fmt.Sprintf("150 Opening BINARY mode data connection for %s (%d bytes).", arg, len(body)))
		}
		if f.dataFD != 0 {
			p.later(func() { p.ftpTransfer(t, c, x) })
		} else {
			f.pending = &x
		}
	case "QUIT":
		t.Send(c.fd, "221 Goodbye.")
		p.closeConn(s)
	default:
		t.Send(c.fd, "502 Command not implemented.")
	}
}

// ftpTransfer sends the listing or a file on the data connection and
// closes it: the server closes first, so its side of the data connection
// waits in TIME_WAIT on its ephemeral port. The replies are vsftpd's.
func (p *Process) ftpTransfer(t *Thread, c *appConn, x ftpXfer) {
	f := c.ftp
	fd := f.dataFD
	ds := p.fds[fd]
	if ds == nil {
		return
	}
	done := "226 Transfer complete."
	if x.list {
		t.Send(fd, fmt.Sprintf("-rw-r--r--    1 0        0        %8d Nov 30 03:00 notes.txt\r\n", len(ftpFiles["notes.txt"])))
		done = "226 Directory send OK."
	} else {
		t.Send(fd, ftpFiles[x.name])
	}
	delete(p.app.conns, ds.id)
	t.Close(fd)
	f.dataFD = 0
	t.Send(c.fd, done)
}

// clientData is what FTP and TFTP clients do on their own: open the data
// connection the server announced, acknowledge TFTP blocks to the port
// they came from.
func (p *Process) clientData(s *Socket, c *appConn, from netip.AddrPort, data string) {
	t := p.Thread(s.lastTID)
	if t == nil {
		t = p.Main()
	}
	sfd := 0
	for _, hd := range s.holders {
		if hd.p == p {
			sfd = hd.fd
		}
	}
	switch p.prog.Client {
	case "https":
		if s.sec != nil {
			p.secureData(t, s, sfd, data)
		}
	case "ftp":
		var target netip.AddrPort
		if ap, ok := parsePASV(data); ok {
			target = ap
		} else if port, ok := parseEPSV(data); ok {
			target = netip.AddrPortFrom(s.remote.Addr(), port)
		} else {
			return
		}
		fd, err := t.Socket(TCP)
		if err != nil {
			return
		}
		p.app.track(p.fds[fd], &appConn{t: t, fd: fd, dataFor: &appConn{fd: sfd}})
		t.Connect(fd, target)
	case "tftp":
		if strings.HasPrefix(data, "DATA block ") {
			n := strings.TrimPrefix(data, "DATA block ")
			if i := strings.IndexByte(n, ':'); i >= 0 {
				n = n[:i]
			}
			t.SendTo(sfd, from, "ACK block "+n)
		}
	}
}

// parsePASV reads "227 Entering Passive Mode (h1,h2,h3,h4,p1,p2)".
func parsePASV(s string) (netip.AddrPort, bool) {
	if !strings.HasPrefix(s, "227") {
		return netip.AddrPort{}, false
	}
	i, j := strings.IndexByte(s, '('), strings.IndexByte(s, ')')
	if i < 0 || j < i {
		return netip.AddrPort{}, false
	}
	parts := strings.Split(s[i+1:j], ",")
	if len(parts) != 6 {
		return netip.AddrPort{}, false
	}
	var n [6]byte
	for k, part := range parts {
		v, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil || v < 0 || v > 255 {
			return netip.AddrPort{}, false
		}
		n[k] = byte(v)
	}
	return netip.AddrPortFrom(netip.AddrFrom4([4]byte{n[0], n[1], n[2], n[3]}), uint16(n[4])<<8|uint16(n[5])), true
}

// parseEPSV reads "229 Entering Extended Passive Mode (|||port|)".
func parseEPSV(s string) (uint16, bool) {
	if !strings.HasPrefix(s, "229") {
		return 0, false
	}
	i := strings.Index(s, "(|||")
	if i < 0 {
		return 0, false
	}
	rest := s[i+4:]
	j := strings.IndexByte(rest, '|')
	if j < 0 {
		return 0, false
	}
	v, err := strconv.Atoi(rest[:j])
	if err != nil || v <= 0 || v > 65535 {
		return 0, false
	}
	return uint16(v), true
}

package lab

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"portville/sim"
	"portville/sim/scenario"
)

// ncUsage is netcat-openbsd's usage message.
var ncUsage = []string{
	"usage: nc [-46CDdFhklNnrStUuvZz] [-I length] [-i interval] [-M ttl]",
	"\t  [-m minttl] [-O length] [-P proxy_username] [-p source_port]",
	"\t  [-q seconds] [-s sourceaddr] [-T keyword] [-V rtable] [-W recvlimit]",
	"\t  [-w timeout] [-X proxy_protocol] [-x proxy_address[:port]]",
	"\t  [destination] [port]",
}

// ncOpts are the netcat options the lab takes.
type ncOpts struct {
	listen, udp, keep, verbose, scan, shutdown, numeric bool
	srcPort                                             uint16
	srcAddr                                             netip.Addr // -s
	args                                                []string
}

// parseNC reads netcat's options; a problem is printed and ok is false.
func (r *run) parseNC(args []string) (o ncOpts, ok bool) {
	valued := "IiMmOPpqsTVWwXx" // options that take a value
	for i := 0; i < len(args); i++ {
		a := args[i]
		if len(a) < 2 || a[0] != '-' || a == "--" {
			if a == "--" {
				o.args = append(o.args, args[i+1:]...)
				break
			}
			o.args = append(o.args, a)
			continue
		}
		for k := 1; k < len(a); k++ {
			c := a[k]
			if word := ncNotModelled(c); word != "" {
				r.outln(r.notModelled("nc", "-"+string(c), word))
				r.status(1)
				return o, false
			}
			if strings.IndexByte(valued, c) >= 0 {
				val := a[k+1:]
				if val == "" {
					if i+1 >= len(args) {
						r.outln(fmt.Sprintf("nc: option requires an argument -- '%c'", c))
						r.outln(ncUsage...)
						r.status(1)
						return o, false
					}
					i++
					val = args[i]
				}
				if c == 'p' {
					n, err := strconv.Atoi(val)
					if err != nil || n < 1 || n > 65535 {
						r.outln("nc: port number " + strtonumErr(val) + ": " + val)
						r.status(1)
						return o, false
					}
					o.srcPort = uint16(n)
				}
				if c == 's' {
					// A name is looked up as the destination is (the
					// town's /etc/hosts and DNS names, localhost).
					a, _, found := r.lab.hostAddr(val)
					if !found {
						r.outln("nc: getaddrinfo: Name or service not known")
						r.status(1)
						return o, false
					}
					o.srcAddr = a
				}
				if c == 'q' && val == "0" {
					o.shutdown = true
				}
				break
			}
			switch c {
			case 'l':
				o.listen = true
			case 'u':
				o.udp = true
			case 'k':
				o.keep = true
			case 'v':
				o.verbose = true
			case 'z':
				o.scan = true
			case 'N':
				o.shutdown = true
			case 'n':
				o.numeric = true
			case '4', 'd', 'D', 'C', 'F', 'r', 'S', 't', 'Z', 'b':
			case 'h':
				r.outln("OpenBSD netcat (Debian patchlevel 1.219-1)")
				r.outln(ncUsage...)
				return o, false
			default:
				r.outln(fmt.Sprintf("nc: invalid option -- '%c'", c))
				r.outln(ncUsage...)
				r.status(1)
				return o, false
			}
		}
	}
	return o, true
}

// ncNotModelled says what to try instead of a real netcat option the lab
// does not model, or "" for the others.
func ncNotModelled(c byte) string {
	switch c {
	case '6':
		return "the town has no IPv6 yet; nc HOST PORT connects over IPv4"
	case 'U':
		return "Unix-domain sockets are files, and the lab's hosts have none; nc HOST PORT uses TCP"
	case 'x', 'X', 'P':
		return "the town has no proxy; nc HOST PORT connects directly"
	}
	return ""
}

// strtonumErr is the word OpenBSD's strtonum gives for a bad number.
func strtonumErr(s string) string {
	n, err := strconv.Atoi(s)
	switch {
	case err != nil:
		if len(s) > 0 && strings.Trim(s, "0123456789") == "" {
			return "too large"
		}
		return "invalid"
	case n < 1:
		return "too small"
	}
	return "too large"
}

// ncPort reads a port argument as netcat does.
func (r *run) ncPort(s string, listen bool) (uint16, bool) {
	n, err := strconv.Atoi(s)
	if err == nil && n >= 1 && n <= 65535 {
		return uint16(n), true
	}
	if err != nil && strings.Trim(s, "0123456789") != "" {
		if listen {
			r.outln("nc: getaddrinfo: Servname not supported for ai_socktype")
		} else {
			r.outln("nc: port number invalid: " + s)
		}
		r.status(1)
		return 0, false
	}
	r.outln("nc: port number " + strtonumErr(s) + ": " + s)
	r.status(1)
	return 0, false
}

// nc is netcat: a listener in the background (-l), or a client that
// attaches the terminal to a connection.
func (r *run) nc(t *terminal, args []string, stdin *string) error {
	o, ok := r.parseNC(args)
	if !ok {
		return nil
	}
	if o.listen {
		return r.ncListen(t, o)
	}
	if len(o.args) != 2 {
		if len(o.args) == 1 && !o.scan {
			r.outln("nc: missing port number")
		} else {
			r.outln(ncUsage...)
		}
		r.status(1)
		return nil
	}
	host := o.args[0]
	ports, ok := r.ncPorts(o.args[1], o.scan)
	if !ok {
		return nil
	}
	addr, _, ok := r.lab.hostAddr(host)
	if !ok {
		r.outln(fmt.Sprintf("nc: getaddrinfo for host \"%s\" port %s: Name or service not known", host, o.args[1]))
		r.status(1)
		return nil
	}
	proto := sim.TCP
	if o.udp {
		proto = sim.UDP
	}
	alias, p, err := r.start("nc", nil)
	if err != nil {
		return err
	}
	t.tty[p.PID()] = true
	t.watch[p.PID()] = true
	status := 1
	for i, port := range ports {
		sock := "s"
		if len(ports) > 1 {
			sock = "s" + strconv.Itoa(i+1)
		}
		ref := scenario.Ref{Proc: alias, Name: sock}
		if o.srcPort != 0 || o.srcAddr.IsValid() {
			src := netip.IPv4Unspecified()
			if o.srcAddr.IsValid() {
				src = o.srcAddr
			}
			before := len(r.events)
			if err := r.step(scenario.Step{Action: "bind", Proc: alias, Sock: ref, Proto: proto, Addr: scenario.Endpoint{Addr: src, Port: o.srcPort}}); err != nil {
				return err
			}
			if r.lab.live.Socket(ref) == nil || !r.lab.live.Socket(ref).Bound() {
				// netcat gives up at once (err(1, "bind failed")).
				errno, _ := errnoOf(r.eventsSince(before), r.in.Host, p.PID())
				r.outln("nc: bind failed: " + errnoText(errno))
				if err := r.closeSock(alias, sock); err != nil {
					return err
				}
				break
			}
		}
		_, fail, err := r.connect(alias, sock, proto, host, netip.AddrPortFrom(addr, port))
		if err != nil {
			return err
		}
		if resolveFailed(fail) {
			r.outln(fmt.Sprintf("nc: getaddrinfo for host \"%s\" port %s: %s", host, o.args[1], fail))
			if err := r.closeSock(alias, sock); err != nil {
				return err
			}
			break
		}
		if fail != "" {
			if o.verbose {
				r.outln(fmt.Sprintf("nc: connect to %s port %d (%s) failed: %s", host, port, proto, fail))
			}
			if err := r.closeSock(alias, sock); err != nil {
				return err
			}
			continue
		}
		status = 0
		if o.verbose || o.scan {
			if o.verbose {
				r.outln(connectionInfo(host, addr, port, proto, o.numeric))
			}
			if o.scan {
				if proto == sim.UDP {
					// udptest: netcat writes to the port to see that
					// the datagram leaves.
					if err := r.step(scenario.Step{Action: "send", Proc: alias, Sock: ref, Data: "X"}); err != nil {
						return err
					}
				}
				if err := r.closeSock(alias, sock); err != nil {
					return err
				}
				continue
			}
		}
		job := &ncJob{alias: alias, sock: sock, pid: p.PID(), udp: o.udp}
		if stdin != nil && *stdin != "" {
			if err := r.step(scenario.Step{Action: "send", Proc: alias, Sock: ref, Data: *stdin}); err != nil {
				return err
			}
		}
		if stdin != nil && (o.shutdown || o.udp) {
			// End of input: -N shuts the connection down, and a UDP
			// netcat has nothing more to wait for.
			if err := r.closeSock(alias, sock); err != nil {
				return err
			}
			r.status(0)
			return r.exit(alias, 0, "")
		}
		t.fg = job
		r.status(0)
		return nil
	}
	r.status(status)
	return r.exit(alias, status, "")
}

// ncPorts reads a port, or a range LOW-HIGH for a scan (-z).
func (r *run) ncPorts(s string, scan bool) ([]uint16, bool) {
	if lo, hi, found := strings.Cut(s, "-"); found && scan {
		a, ok := r.ncPort(lo, false)
		if !ok {
			return nil, false
		}
		b, ok := r.ncPort(hi, false)
		if !ok {
			return nil, false
		}
		if b < a {
			a, b = b, a
		}
		if int(b)-int(a) >= 64 {
			r.outln(fmt.Sprintf("lab: a scan covers at most 64 ports (asked for %d)", int(b)-int(a)+1))
			r.status(1)
			return nil, false
		}
		var out []uint16
		for p := int(a); p <= int(b); p++ {
			out = append(out, uint16(p))
		}
		return out, true
	}
	p, ok := r.ncPort(s, false)
	return []uint16{p}, ok
}

// connectionInfo is netcat's -v line for a successful connection.
func connectionInfo(host string, addr netip.Addr, port uint16, proto sim.Proto, numeric bool) string {
	service := "*"
	if !numeric {
		if n := sim.ServiceName(proto, port); n != "" {
			service = n
		}
	}
	s := "Connection to " + host
	if !numeric && host != addr.String() {
		s += " (" + addr.String() + ")"
	}
	return fmt.Sprintf("%s %d port [%s/%s] succeeded!", s, port, proto, service)
}

// connect opens a socket of a started client and connects it, and waits
// (in simulated time) until the connection is made or has failed. fail
// is the error text (Connection refused, No route to host) or "".
func (r *run) connect(alias, sock string, proto sim.Proto, typed string, to netip.AddrPort) (*sim.Socket, string, error) {
	ref := scenario.Ref{Proc: alias, Name: sock}
	before := len(r.events)
	st := scenario.Step{Action: "connect", Proc: alias, Sock: ref, Proto: proto, To: target(typed, to)}
	if err := r.step(st); err != nil {
		return nil, "", err
	}
	// A SYN nobody answers is retried on timers that do not hold the
	// town back; wait for them as the program would, 1 s, 2 s, 4 s ...
	for wait := sim.Second; ; wait *= 2 {
		s := r.lab.live.Socket(ref)
		if s == nil || s.Proto() != sim.TCP || s.State() != sim.StateSynSent {
			break
		}
		if r.lab.waited()+wait > scenario.MaxWaitTotal || wait > 64*sim.Second {
			break
		}
		if err := r.step(scenario.Step{Action: "wait", Wait: wait}); err != nil {
			return nil, "", err
		}
	}
	p := r.lab.live.Process(alias)
	if errno, _ := errnoOf(r.eventsSince(before), r.in.Host, p.PID()); errno != "" {
		return nil, errnoText(errno), nil
	}
	s := r.lab.live.Socket(ref)
	if s == nil || (s.Proto() == sim.TCP && s.State() != sim.StateEstablished && s.State() != sim.StateCloseWait) {
		return nil, "Connection timed out", nil
	}
	return s, "", nil
}

// resolveFailed reports whether a connect's failure was the name's
// lookup (getaddrinfo's errors), before any address was tried.
func resolveFailed(fail string) bool {
	return fail == sim.EAI_AGAIN.Error() || fail == sim.EAI_NONAME.Error()
}

// errnoText is strerror for the errors a connect can give.
func errnoText(e sim.Errno) string {
	switch e {
	case sim.ECONNREFUSED:
		return "Connection refused"
	case sim.EHOSTUNREACH:
		return "No route to host"
	case sim.ETIMEDOUT:
		return "Connection timed out"
	case sim.EADDRNOTAVAIL:
		return "Cannot assign requested address"
	case sim.EADDRINUSE:
		return "Address already in use"
	case sim.EAGAIN:
		return "Resource temporarily unavailable"
	case sim.EACCES:
		return "Permission denied"
	}
	return e.Error()
}

// ncListen starts netcat's listen mode in the background: one client
// (-k: many), what arrives printed in this terminal.
func (r *run) ncListen(t *terminal, o ncOpts) error {
	var addr netip.Addr
	portArg := ""
	switch {
	case o.srcPort != 0 && len(o.args) == 0:
		portArg = strconv.Itoa(int(o.srcPort))
		addr = o.srcAddr
	case len(o.args) == 1 && o.srcAddr.IsValid():
		// -s names the address to listen on.
		addr, portArg = o.srcAddr, o.args[0]
	case len(o.args) == 1:
		portArg = o.args[0]
	case len(o.args) == 2:
		a, h, ok := r.lab.hostAddr(o.args[0])
		if !ok || (h != nil && h.Name() != r.in.Host) {
			r.outln("nc: Cannot assign requested address")
			r.status(1)
			return nil
		}
		addr, portArg = a, o.args[1]
	default:
		r.outln(ncUsage...)
		r.status(1)
		return nil
	}
	if o.scan {
		r.outln("nc: cannot use -z and -l")
		r.status(1)
		return nil
	}
	if addr.IsValid() {
		// -s ADDR or ADDR PORT: an address the host does not have.
		if h := r.lab.live.World().HostByAddr(addr); !addr.IsLoopback() && (h == nil || h.Name() != r.in.Host) {
			r.outln("nc: Cannot assign requested address")
			r.status(1)
			return nil
		}
	}
	port, ok := r.ncPort(portArg, true)
	if !ok {
		return nil
	}
	if len(t.jobs) >= maxJobsPerHost {
		r.outln("bash: fork: retry: Resource temporarily unavailable")
		r.status(254)
		return nil
	}
	proto := sim.TCP
	if o.udp {
		proto = sim.UDP
	}
	spec := &sim.ServerSpec{
		Listen: []sim.Service{{Proto: proto, Port: port}}, Protocol: "none", Threads: "single",
		ReusePort: true, Backlog: 1, Once: !o.keep, BindAddr: addr,
	}
	before := len(r.events)
	alias, p, err := r.start("nc", spec)
	if err != nil {
		return err
	}
	t.watch[p.PID()] = true
	r.addJob(t, alias, p, r.cmdText)
	if !p.Alive() {
		errno, _ := errnoOf(r.eventsSince(before), r.in.Host, p.PID())
		r.outln("nc: " + errnoText(errno))
		return nil
	}
	if o.verbose {
		shown := "0.0.0.0"
		if addr.IsValid() {
			shown = addr.String()
		}
		r.outln(fmt.Sprintf("Listening on %s %d", shown, port))
		t.announce[p.PID()] = o.numeric
	}
	return nil
}

// peerName is how netcat names a peer "ADDR PORT": getnameinfo finds a
// town host's name in /etc/hosts (readFile), -n keeps the address.
func (l *Lab) peerName(ap netip.AddrPort, numeric bool) string {
	name := ap.Addr().String()
	if n := l.hostsName(ap.Addr()); n != "" && !numeric {
		name = n
	}
	return name + " " + strconv.Itoa(int(ap.Port()))
}

// ncJob is a netcat client the terminal is attached to: lines typed are
// sent, what arrives is printed, Ctrl-C or Ctrl-D ends it, and it exits
// when the peer closes.
type ncJob struct {
	_           noCompare
	alias, sock string
	pid         int
	udp         bool
	done        bool
	telnet      bool // telnet's client: CRLF lines, its own words at the end
}

func (j *ncJob) name() string {
	if j.telnet {
		return "telnet"
	}
	return "nc"
}
func (j *ncJob) prompt() string    { return "" }
func (j *ncJob) procID() int       { return j.pid }
func (j *ncJob) procAlias() string { return j.alias }
func (j *ncJob) ended() bool       { return j.done }

func (j *ncJob) ref() scenario.Ref { return scenario.Ref{Proc: j.alias, Name: j.sock} }

func (j *ncJob) input(r *run, line string) error {
	if r.lab.live.Socket(j.ref()) == nil {
		return j.finish(r, 0, "")
	}
	if j.telnet {
		// telnet sends a line with CR LF, as the protocol has it.
		return r.step(scenario.Step{Action: "send", Proc: j.alias, Sock: j.ref(), Data: line + "\r\n"})
	}
	return r.step(scenario.Step{Action: "send", Proc: j.alias, Sock: j.ref(), Data: line + "\n"})
}

func (j *ncJob) key(r *run, key string) error {
	if j.telnet {
		// A real telnet sends the key to the server and stays; its own
		// prompt (Ctrl-] then quit) is what ends it.
		r.outln("lab: a real telnet sends Ctrl-C and Ctrl-D to the server and stays; Ctrl-] then quit at its telnet> prompt ends it, which the lab does not model, so the lab closes the connection", "Connection closed.")
		if err := r.closeSock(j.alias, j.sock); err != nil {
			return err
		}
		return j.finish(r, 0, "")
	}
	if key == KeyInterrupt {
		r.status(130)
		return j.finish(r, 0, "INT")
	}
	r.status(0)
	if err := r.closeSock(j.alias, j.sock); err != nil {
		return err
	}
	return j.finish(r, 0, "")
}

// finish ends netcat and gives the terminal back to the shell.
func (j *ncJob) finish(r *run, code int, sig string) error {
	j.done = true
	return r.exit(j.alias, code, sig)
}

func (j *ncJob) react(r *run) (bool, error) {
	if j.done {
		return false, nil
	}
	p := r.lab.live.Process(j.alias)
	if p == nil || !p.Alive() {
		j.done = true
		return true, nil
	}
	s := r.lab.live.Socket(j.ref())
	if s == nil {
		return true, j.finish(r, 0, "")
	}
	if !j.udp && (s.State() == sim.StateCloseWait || s.State() == sim.StateClosed) {
		// The peer closed: netcat sees the end of the connection and
		// exits.
		if j.telnet {
			r.outln("Connection closed by foreign host.")
		}
		if err := r.closeSock(j.alias, j.sock); err != nil {
			return true, err
		}
		return true, j.finish(r, 0, "")
	}
	return false, nil
}

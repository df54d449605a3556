package lab

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"portville/sim"
)

// The socket listers of Windows, macOS and FreeBSD, from the same tables
// as ss, in their own columns (testdata/other-os, where each format's
// source is named). The town has IPv4 only, so every row is IPv4.

// osSockets lists the host's sockets with an address, TCP and UDP as
// asked, in the order the sim opened them, with ss's states (ssRow: the
// one sort the listers share).
func (r *run) osSockets(tcp, udp bool) []ssRow {
	var out []ssRow
	for _, s := range r.host().Sockets() {
		if s.Local().IsValid() && (s.Proto() == sim.TCP && tcp || s.Proto() == sim.UDP && udp) {
			out = append(out, ssRow{s, ssState(s)})
		}
	}
	return out
}

// isServer reports whether a row is a listener or an unconnected UDP
// socket.
func isServer(o ssRow) bool { return o.state == "LISTEN" || o.state == "UNCONN" }

// osFlags reads one-letter options as the BSD and Windows tools take
// them ("-an", "-a -n", Windows's "/a"), those in valued with a value
// ("-p tcp"); bad is the first it does not know.
func osFlags(args []string, letters, valued string, slash bool) (set map[byte]string, bad string) {
	set = map[byte]string{}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if len(a) < 2 || a[0] != '-' && !(slash && a[0] == '/') {
			return set, a
		}
		for k := 1; k < len(a); k++ {
			c := a[k]
			if slash && c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			switch {
			case strings.IndexByte(valued, c) >= 0:
				if i+1 >= len(args) {
					return set, a
				}
				i++
				set[c] = args[i]
				k = len(a)
			case strings.IndexByte(letters, c) >= 0:
				set[c] = ""
			default:
				return set, "-" + string(c)
			}
		}
	}
	return set, ""
}

// lowestPID is the PID a socket shows: its holder with the lowest PID, 0
// for one no process holds (TIME_WAIT).
func lowestPID(s *sim.Socket) int {
	pid := 0
	for _, hd := range s.Holders() {
		if pid == 0 || hd.PID < pid {
			pid = hd.PID
		}
	}
	return pid
}

// winNetstat is Windows's netstat: -a adds the listeners and UDP, -n
// shows numbers, -o the owning PID, -p TCP or UDP one protocol.
func (r *run) winNetstat(args []string) {
	const try = "netstat -an and -ano (with -p TCP or UDP) list the sockets"
	f, bad := osFlags(args, "ano", "p", true)
	if bad != "" {
		r.fail(1, r.osOption(bad, "abefinopqrstxy", try))
		return
	}
	_, all := f['a']
	_, numeric := f['n']
	_, pids := f['o']
	proto := strings.ToUpper(f['p'])
	if !numeric {
		r.fail(1, "lab: netstat without -n looks every address up by name, which the lab does not model on Windows; "+try)
		return
	}
	tcp, udp := proto == "" || proto == "TCP", all && (proto == "" || proto == "UDP")
	if proto != "" && proto != "TCP" && proto != "UDP" && proto != "TCPV6" && proto != "UDPV6" {
		r.fail(1, r.notModelled("netstat", "-p "+proto, try))
		return
	}
	head, row := "  %-5s  %-21s  %-21s  %s", "  %-5s  %-21s  %-21s  %s"
	if pids {
		head, row = "  %-5s  %-21s  %-21s  %-14s  %s", "  %-5s  %-21s  %-21s  %-14s  %d"
	}
	titles := []any{"Proto", "Local Address", "Foreign Address", "State", "PID"}
	lines := []string{"", "Active Connections", "", fmt.Sprintf(head, titles[:strings.Count(head, "%")]...)}
	socks := r.osSockets(tcp, udp)
	// TCP before UDP, each by local address and port.
	sortRows(socks, func(a, b ssRow) int {
		if a.sock.Proto() != b.sock.Proto() {
			return int(a.sock.Proto()) - int(b.sock.Proto())
		}
		if c := a.sock.Local().Addr().Compare(b.sock.Local().Addr()); c != 0 {
			return c
		}
		return int(a.sock.Local().Port()) - int(b.sock.Local().Port())
	})
	for _, o := range socks {
		if isServer(o) && !all {
			continue
		}
		foreign, state := "*:*", ""
		if o.sock.Proto() == sim.TCP {
			foreign, state = "0.0.0.0:0", osState(o, "windows")
		}
		if o.sock.Remote().IsValid() {
			foreign = o.sock.Remote().String()
		}
		args := []any{strings.ToUpper(o.sock.Proto().String()), o.sock.Local().String(), foreign, state}
		if pids {
			args = append(args, lowestPID(o.sock))
		}
		lines = append(lines, fmt.Sprintf(row, args...))
	}
	r.outln(lines...)
}

// bsdNetstat is the netstat of macOS and FreeBSD: "Active Internet
// connections", addresses as HOST.PORT, the newest socket first; -a adds
// the listeners, -n shows numbers, -p tcp or udp one protocol.
func (r *run) bsdNetstat(args []string) {
	const try = "netstat -an and netstat -an -p tcp list the sockets"
	f, bad := osFlags(args, "an4W", "pf", false)
	if bad != "" {
		r.fail(1, r.osOption(bad, "46AaBbCcdFfgHhIijLlMmNnOoPpQqRrSsTvWwxz", try))
		return
	}
	_, all := f['a']
	_, numeric := f['n']
	proto := f['p']
	if proto != "" && proto != "tcp" && proto != "udp" {
		r.fail(1, r.notModelled("netstat", "-p "+proto, try))
		return
	}
	mac := r.host().OS().Name == "macos"
	title := "Active Internet connections"
	if all {
		title += " (including servers)"
	}
	// macOS 15 puts two spaces before the addresses and pads the state.
	head, row := "%-5.5s %-6.6s %-6.6s %-22.22s %-22.22s %s", "%-5s %6d %6d %-22.22s %-22.22s %s"
	if mac {
		head, row = "%-5.5s %-6.6s %-6.6s  %-22.22s %-22.22s %-11s", "%-5s %6d %6d  %-22.22s %-22.22s %-11s"
	}
	lines := []string{title, fmt.Sprintf(head, "Proto", "Recv-Q", "Send-Q", "Local Address", "Foreign Address", "(state)")}
	for _, p := range []sim.Proto{sim.TCP, sim.UDP} {
		if proto != "" && proto != p.String() {
			continue
		}
		socks := r.osSockets(p == sim.TCP, p == sim.UDP)
		for i := len(socks) - 1; i >= 0; i-- {
			o := socks[i]
			// Without -a, BSD's netstat leaves out TCP listeners and any
			// socket on the wildcard address (inet.c, protopr).
			if !all && (o.state == "LISTEN" || o.sock.Local().Addr().IsUnspecified()) {
				continue
			}
			foreign := "*.*"
			if o.sock.Remote().IsValid() {
				foreign = r.bsdAddr(p, o.sock.Remote(), numeric)
			}
			lines = append(lines, fmt.Sprintf(row, p.String()+"4", 0, 0, r.bsdAddr(p, o.sock.Local(), numeric), foreign, osState(o, "bsd")))
		}
	}
	// The title and the header come with the first row, or not at all.
	if len(lines) > 2 {
		r.outln(lines...)
	}
}

// osOption is the lab's word for a netstat option it does not take: real
// on this OS (one of real's letters), or one this OS's netstat does not
// have, which it would answer with its usage.
func (r *run) osOption(bad, real, try string) string {
	if len(bad) == 2 && bad[0] == '-' && strings.IndexByte(real, bad[1]) >= 0 {
		return r.notModelled("netstat", bad, try)
	}
	return "lab: " + r.host().OS().Title + "'s netstat has no " + bad + " (it answers with its usage); " + try
}

// osState names a socket's TCP state in an OS's words: BSD's tcpstates[]
// (SYN_RCVD, FIN_WAIT_1) or Windows's (LISTENING, SYN_RECEIVED); none for
// UDP.
func osState(o ssRow, os string) string {
	st := strings.ReplaceAll(o.state, "-", "_")
	switch {
	case o.sock.Proto() != sim.TCP:
		return ""
	case st == "ESTAB":
		return "ESTABLISHED"
	case st == "SYN_RECV" && os == "windows":
		return "SYN_RECEIVED"
	case st == "SYN_RECV":
		return "SYN_RCVD"
	case st == "LISTEN" && os == "windows":
		return "LISTENING"
	}
	return st
}

// bsdAddr is an address as BSD's netstat writes it: HOST.PORT, with "*"
// for the wildcard address and port 0, and with names (the host's
// /etc/hosts, the port's service) unless numeric.
func (r *run) bsdAddr(proto sim.Proto, ap netip.AddrPort, numeric bool) string {
	host, port := ap.Addr().String(), strconv.Itoa(int(ap.Port()))
	if ap.Addr().IsUnspecified() {
		host = "*"
	} else if n := r.lab.hostsName(ap.Addr()); n != "" && !numeric {
		host = n
	}
	if name := sim.ServiceName(proto, ap.Port()); name != "" && !numeric {
		port = name
	}
	if ap.Port() == 0 {
		port = "*"
	}
	return host + "." + port
}

// sockstat is FreeBSD's (14.x): a row for each process and descriptor
// that holds a socket, the newest process first; -l the listening, -c
// the connected, -4 IPv4 (all the town has), -P tcp or udp, -p PORTS.
func (r *run) sockstat(args []string) {
	const try = "sockstat -4, -l, -c, -P PROTO and -p PORT list the sockets"
	f, bad := osFlags(args, "lc4nw6u", "Pp", false)
	_, v6 := f['6']
	_, unix := f['u']
	switch {
	case bad != "":
		r.fail(1, r.notModelled("sockstat", bad, try))
		return
	case v6 || unix:
		// The town has no IPv6 or Unix-domain sockets: the header alone.
		r.outln(sockstatHeader)
		return
	}
	_, listen := f['l']
	_, conn := f['c']
	proto, ports := f['P'], f['p']
	lines := []string{sockstatHeader}
	socks := r.osSockets(proto == "" || strings.Contains(proto, "tcp"), proto == "" || strings.Contains(proto, "udp"))
	// A row for each process and descriptor holding a socket, the
	// newest process first; then the sockets no process holds.
	procs := r.host().Processes()
	for i := len(procs) - 1; i >= -1; i-- {
		for _, o := range socks {
			if listen != conn && isServer(o) != listen || ports != "" && !inPorts(ports, o.sock.Local().Port()) && !inPorts(ports, o.sock.Remote().Port()) {
				continue
			}
			holders := o.sock.Holders()
			foreign, local := "*:*", o.sock.Local().String()
			if o.sock.Remote().IsValid() {
				foreign = o.sock.Remote().String()
			}
			if o.sock.Local().Addr().IsUnspecified() {
				local = "*:" + strconv.Itoa(int(o.sock.Local().Port()))
			}
			row := "%-8s %-10.10s %5s %-3s %-6s %-21s %s"
			if i < 0 && len(holders) == 0 {
				// sockstat.c writes these "%-8s %-10s %-5s %-3s": the
				// PID's ? is on the left.
				lines = append(lines, fmt.Sprintf(row, "?", "?", "?    ", "?", o.sock.Proto().String()+"4", local, foreign))
			}
			for _, hd := range holders {
				if i >= 0 && hd.PID == procs[i].PID() {
					lines = append(lines, fmt.Sprintf(row, procs[i].User(), hd.Program, strconv.Itoa(hd.PID), strconv.Itoa(hd.FD), o.sock.Proto().String()+"4", local, foreign))
				}
			}
		}
	}
	r.outln(lines...)
}

// inPorts reports whether port is in a comma-separated list.
func inPorts(list string, port uint16) bool {
	return strings.Contains(","+list+",", ","+strconv.Itoa(int(port))+",")
}

// sockstatHeader is sockstat's first line (it ends in spaces).
const sockstatHeader = "USER     COMMAND    PID   FD  PROTO  LOCAL ADDRESS         FOREIGN ADDRESS      "

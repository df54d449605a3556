package lab

import (
	"fmt"
	"net/netip"
	"path"
	"strconv"
	"strings"

	"portville/sim"
)

// netstat lists the host's sockets as Debian's net-tools netstat (2.10)
// does on Linux (testdata/real: netstat-tanp, netstat-an, netstat-tlnp),
// from the same tables as ss. Windows, macOS and FreeBSD have netstats
// of their own columns (netstat_os.go).
func (r *run) netstat(args []string) {
	h := r.host()
	switch h.OS().Name {
	case "windows":
		r.winNetstat(args)
		return
	case "macos", "freebsd":
		r.bsdNetstat(args)
		return
	}
	// The long options are the short ones' other names.
	short := make([]string, len(args))
	for i, a := range args {
		short[i] = a
		if strings.HasPrefix(a, "--") {
			k := strings.Index(" --tcp --udp --all --listening --numeric --program", " "+a)
			if k < 0 || a == "--" {
				r.fail(1, r.notModelled("netstat", a, netstatTry))
				return
			}
			short[i] = a[1:3]
		}
	}
	f, bad := osFlags(short, "tualnp4Wv", "", false)
	switch {
	case bad == "":
	case !strings.HasPrefix(bad, "-") || bad == "-":
		r.fail(1, "lab: netstat "+bad+" is not an option; netstat -tanp lists the sockets")
		return
	case strings.Contains("rigsMNeoc6xwACFUSTZ", bad[1:]):
		r.fail(1, r.notModelled("netstat", bad, netstatTry))
		return
	default:
		r.fail(1, "netstat: invalid option -- '"+bad[1:]+"'", "usage: netstat [-vWeenNcCF] [<Af>] -r         netstat {-V|--version|-h|--help}")
		return
	}
	_, tcp := f['t']
	_, udp := f['u']
	_, all := f['a']
	_, listening := f['l']
	_, numeric := f['n']
	_, procs := f['p']
	unixToo := !tcp && !udp
	if unixToo {
		tcp, udp = true, true
	}
	what := "(w/o servers)"
	switch {
	case all:
		what = "(servers and established)"
	case listening:
		what = "(only servers)"
	}
	var rows []ssRow
	for _, s := range h.Sockets() {
		if !s.Local().IsValid() || s.Proto() == sim.TCP && !tcp || s.Proto() == sim.UDP && !udp {
			continue
		}
		state := ssState(s)
		server := state == "LISTEN" || state == "UNCONN"
		if !all && server != listening {
			continue
		}
		rows = append(rows, ssRow{sock: s, state: state})
	}
	sortRows(rows, ssOrder)
	head := "Proto Recv-Q Send-Q Local Address           Foreign Address         State      "
	if procs {
		head += " PID/Program name    "
	}
	lines := []string{"Active Internet connections " + what, head}
	for _, row := range rows {
		s := row.sock
		rq := 0
		if row.state == "LISTEN" {
			rq = s.Queued()
		}
		foreign := "0.0.0.0:*"
		if s.Remote().IsValid() {
			foreign = r.netstatAddr(s.Proto(), s.Remote(), numeric)
		}
		line := fmt.Sprintf("%-5s %6d %6d %-23s %-23s %-11s", s.Proto().String(), rq, 0,
			r.netstatAddr(s.Proto(), s.Local(), numeric), foreign, netstatState(s))
		if procs {
			line += fmt.Sprintf(" %-20s", r.netstatProgram(h, s))
		}
		lines = append(lines, line)
	}
	if unixToo {
		// The town's hosts have no Unix-domain sockets: the section is
		// there, and empty.
		lines = append(lines, "Active UNIX domain sockets "+what, "Proto RefCnt Flags       Type       State         I-Node   Path")
	}
	r.outln(lines...)
}

// netstatTry is what the lab's word for netstat suggests.
const netstatTry = "netstat -t, -u, -a, -l, -n and -p list the sockets; ss -tanp does too"

// netstatState names a socket's state as netstat does (nothing for an
// unconnected UDP socket).
func netstatState(s *sim.Socket) string {
	st := ssState(s)
	switch st {
	case "UNCONN":
		return ""
	case "ESTAB":
		return "ESTABLISHED"
	case "FIN-WAIT-1", "FIN-WAIT-2":
		return strings.ReplaceAll(strings.ReplaceAll(st, "-WAIT-", "_WAIT"), "-", "_")
	}
	return strings.ReplaceAll(st, "-", "_")
}

// netstatAddr is an address as netstat writes it: numbers with -n;
// otherwise a town host's name (its /etc/hosts) and the port's service
// name, cut to the column's 23 characters by shortening the host part.
func (r *run) netstatAddr(proto sim.Proto, ap netip.AddrPort, numeric bool) string {
	host, port := ap.Addr().String(), strconv.Itoa(int(ap.Port()))
	if !numeric {
		if n := r.lab.hostsName(ap.Addr()); n != "" {
			host = n
		}
		if name := sim.ServiceName(proto, ap.Port()); name != "" {
			port = name
		}
	}
	if len(host)+1+len(port) > 23 {
		host = host[:max(0, 22-len(port))]
	}
	return host + ":" + port
}

// netstatProgram is netstat's PID/Program name: the socket's holder with
// the lowest PID, and the first word of its command line (a title a
// server wrote over it, as nginx's, whole), cut to 19 characters; "-"
// for a socket no process holds (TIME_WAIT).
func (r *run) netstatProgram(h *sim.Host, s *sim.Socket) string {
	holders := s.Holders()
	if len(holders) == 0 {
		return "-"
	}
	low := holders[0]
	for _, hd := range holders {
		if hd.PID < low.PID {
			low = hd
		}
	}
	name := low.Program
	if p := h.Process(low.PID); p != nil {
		// net-tools shows the first word of the command line, and
		// nginx's title (which nginx wrote over it) whole.
		name = r.lab.cmdline(h, p)
		if f := strings.Fields(name); !strings.HasPrefix(name, "nginx: ") && len(f) > 0 {
			name = path.Base(f[0])
		}
	}
	out := strconv.Itoa(low.PID) + "/" + name
	if len(out) > 19 {
		out = out[:19]
	}
	return out
}

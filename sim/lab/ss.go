package lab

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"portville/sim"
)

// ss lists the host's sockets as iproute2's ss (6.1) does. It reads the
// kernel's tables and runs no program in the town, so it writes no step.
func (r *run) ss(args []string) {
	o, ok := r.parseSS(args)
	if !ok {
		return
	}
	h := r.host()
	var rows []ssRow
	for _, s := range h.Sockets() {
		if !s.Local().IsValid() {
			continue // never bound: in no table ss reads
		}
		proto := s.Proto()
		if (proto == sim.TCP && !o.tcp) || (proto == sim.UDP && !o.udp) {
			continue
		}
		state := ssState(s)
		if !o.states[state] {
			continue
		}
		if !o.match(s) {
			continue
		}
		rows = append(rows, ssRow{sock: s, state: state})
	}
	sortRows(rows, ssOrder)
	t := newSSTable(o)
	for _, row := range rows {
		s := row.sock
		rq, wq := 0, 0
		if row.state == "LISTEN" {
			rq, wq = s.Queued(), s.Backlog()
		}
		local, peer := s.Local(), s.Remote()
		peerAddr, peerPort := "0.0.0.0", "*"
		if peer.IsValid() {
			peerAddr, peerPort = peer.Addr().String(), o.port(s.Proto(), peer.Port())
		}
		proc := ""
		if o.processes {
			var users []string
			holders := s.Holders()
			for i := len(holders) - 1; i >= 0; i-- {
				hd := holders[i]
				users = append(users, fmt.Sprintf("(%q,pid=%d,fd=%d)", hd.Program, hd.PID, hd.FD))
			}
			if len(users) > 0 {
				proc = " users:(" + strings.Join(users, ",") + ")"
			}
		}
		t.add(s.Proto().String(), row.state, fmt.Sprintf("%-6d", rq), fmt.Sprintf("%-6d", wq),
			local.Addr().String()+":", o.port(s.Proto(), local.Port()), peerAddr+":", peerPort, proc)
	}
	r.out(t.render())
}

type ssRow struct {
	sock  *sim.Socket
	state string
}

// ssOrder is the order ss and netstat list sockets in. The kernel walks
// its listening hash before its established one; within each the order
// is the hash's. The lab sorts by port, and puts the newer of two sockets
// sharing a port first, as the kernel's SO_REUSEPORT groups list them.
func ssOrder(a, b ssRow) int {
	la, lb := a.state == "LISTEN" || a.state == "UNCONN", b.state == "LISTEN" || b.state == "UNCONN"
	if la != lb {
		if la {
			return -1
		}
		return 1
	}
	return cmp.Or(
		cmp.Compare(a.sock.Proto(), b.sock.Proto()),
		cmp.Compare(a.sock.Local().Port(), b.sock.Local().Port()),
		a.sock.Local().Addr().Compare(b.sock.Local().Addr()),
		a.sock.Remote().Addr().Compare(b.sock.Remote().Addr()),
		cmp.Compare(a.sock.Remote().Port(), b.sock.Remote().Port()),
		cmp.Compare(b.sock.ID(), a.sock.ID()),
	)
}

// sortRows sorts socket rows stably by order: a merge sort, as
// sortLines does, because slices.SortStableFunc over this type is 8 KB
// of the WebAssembly module. (One generic merge sort for both costs the
// module 0.7 KB more than the two copies: measured with TestWasmSize.)
func sortRows(rows []ssRow, order func(a, b ssRow) int) {
	tmp := make([]ssRow, len(rows))
	for width := 1; width < len(rows); width *= 2 {
		for lo := 0; lo < len(rows); lo += 2 * width {
			mid, hi := min(lo+width, len(rows)), min(lo+2*width, len(rows))
			i, j, k := lo, mid, lo
			for ; i < mid && j < hi; k++ {
				if order(rows[j], rows[i]) < 0 {
					tmp[k], j = rows[j], j+1
				} else {
					tmp[k], i = rows[i], i+1
				}
			}
			k += copy(tmp[k:], rows[i:mid])
			copy(tmp[k:], rows[j:hi])
		}
		copy(rows, tmp)
	}
}

// ssState names a socket's state as ss does.
func ssState(s *sim.Socket) string {
	if s.Proto() == sim.UDP {
		if s.Remote().IsValid() {
			return "ESTAB"
		}
		return "UNCONN"
	}
	switch s.State() {
	case sim.StateListen:
		return "LISTEN"
	case sim.StateSynSent:
		return "SYN-SENT"
	case sim.StateSynRecv:
		return "SYN-RECV"
	case sim.StateEstablished:
		return "ESTAB"
	case sim.StateFinWait1:
		return "FIN-WAIT-1"
	case sim.StateFinWait2:
		return "FIN-WAIT-2"
	case sim.StateCloseWait:
		return "CLOSE-WAIT"
	case sim.StateClosing:
		return "CLOSING"
	case sim.StateLastAck:
		return "LAST-ACK"
	case sim.StateTimeWait:
		return "TIME-WAIT"
	}
	return "UNCONN"
}

// ssAllStates are the states ss knows.
var (
	ssAllStates = []string{"ESTAB", "SYN-SENT", "SYN-RECV", "FIN-WAIT-1", "FIN-WAIT-2", "TIME-WAIT", "UNCONN", "CLOSE-WAIT", "LAST-ACK", "LISTEN", "CLOSING"}
	// ssDefault is what ss shows without -a or -l: connections, not
	// listeners, unbound sockets, TIME-WAIT or SYN-RECV.
	ssDefault = []string{"ESTAB", "SYN-SENT", "FIN-WAIT-1", "FIN-WAIT-2", "CLOSE-WAIT", "LAST-ACK", "CLOSING"}
)

// ssOpts are ss's options and filter.
type ssOpts struct {
	tcp, udp, numeric, processes, noHeader bool
	states                                 map[string]bool
	nstates                                int
	ports                                  []ssPortFilter
}

type ssPortFilter struct {
	dst  bool // dport, else sport
	neq  bool
	port uint16
}

func (o *ssOpts) port(p sim.Proto, port uint16) string {
	if !o.numeric {
		if n := sim.ServiceName(p, port); n != "" {
			return n
		}
	}
	return strconv.Itoa(int(port))
}

func (o *ssOpts) match(s *sim.Socket) bool {
	for _, f := range o.ports {
		ap := s.Local()
		if f.dst {
			ap = s.Remote()
		}
		if (ap.Port() == f.port) == f.neq {
			return false
		}
	}
	return true
}

var ssUsage = []string{
	"Usage: ss [ OPTIONS ]",
	"       ss [ OPTIONS ] [ FILTER ]",
	"   -n, --numeric       don't resolve service names",
	"   -a, --all           display all sockets",
	"   -l, --listening     display listening sockets",
	"   -p, --processes     show process using socket",
	"   -t, --tcp           display only TCP sockets",
	"   -u, --udp           display only UDP sockets",
}

// parseSS reads ss's options and its state and port filters.
// ssRealShort and ssRealLong are iproute2 6.1's ss options (ss(8)) that
// the lab does not model; they get its word, not ss's "invalid option".
const ssRealShort = "VvOreomTiKsEZzNb60MSdfADF"

var ssRealLong = []string{"--version", "--oneline", "--resolve", "--options", "--extended", "--memory",
	"--threads", "--info", "--tos", "--cgroup", "--tipcinfo", "--kill", "--summary", "--events", "--context",
	"--contexts", "--net", "--bpf", "--ipv6", "--packet", "--mptcp", "--sctp", "--dccp", "--tipc", "--vsock",
	"--xdp", "--family", "--query", "--socket", "--diag", "--filter", "--inet-sockopt"}

// ssTry says what to try instead of an ss option the lab does not model.
func ssTry(opt string) string {
	switch strings.TrimLeft(opt, "-") {
	case "s", "summary":
		return "the summary counts every socket; ss -tan lists each of them"
	case "o", "options":
		return "it adds each socket's timer (timer:(timewait,35sec,0)); ss -tan shows TIME-WAIT, and sleep lets it pass"
	case "6", "ipv6":
		return "the town has no IPv6 yet; ss -t4an lists the IPv4 sockets"
	case "e", "i", "m", "extended", "info", "memory":
		return "the town does not simulate the kernel's per-socket details; ss -tanp shows each socket's process"
	}
	return "ss [-t] [-u] [-l] [-a] [-n] [-p] [-H] [state STATE] [sport = :PORT] [dport = :PORT] work"
}

func (r *run) parseSS(args []string) (ssOpts, bool) {
	o := ssOpts{states: map[string]bool{}}
	all, listening := false, false
	var filter []string
	for _, a := range args {
		switch {
		case len(filter) > 0 || !strings.HasPrefix(a, "-") || a == "-":
			filter = append(filter, a)
		case strings.HasPrefix(a, "--"):
			switch a {
			case "--tcp":
				o.tcp = true
			case "--udp":
				o.udp = true
			case "--all":
				all = true
			case "--listening":
				listening = true
			case "--numeric":
				o.numeric = true
			case "--processes":
				o.processes = true
			case "--no-header":
				o.noHeader = true
			case "--help":
				r.outln(ssUsage...)
				return o, false
			case "--ipv4", "--raw", "--unix":
			default:
				if name, _, _ := strings.Cut(a, "="); slices.Contains(ssRealLong, name) {
					r.outln(r.notModelled("ss", a, ssTry(name)))
					r.status(255)
					return o, false
				}
				r.outln("ss: unrecognized option '"+a+"'", ssUsage[0], ssUsage[1])
				r.status(255)
				return o, false
			}
		default:
			for _, c := range a[1:] {
				switch c {
				case 't':
					o.tcp = true
				case 'u':
					o.udp = true
				case 'a':
					all = true
				case 'l':
					listening = true
				case 'n':
					o.numeric = true
				case 'p':
					o.processes = true
				case 'H':
					o.noHeader = true
				case '4':
				case 'x', 'w':
					// No Unix or raw sockets in the town: nothing to
					// list, and not a lie.
				case 'h':
					r.outln(ssUsage...)
					return o, false
				default:
					if strings.IndexRune(ssRealShort, c) >= 0 {
						r.outln(r.notModelled("ss", "-"+string(c), ssTry(string(c))))
						r.status(255)
						return o, false
					}
					r.outln(fmt.Sprintf("ss: invalid option -- '%c'", c), ssUsage[0], ssUsage[1])
					r.status(255)
					return o, false
				}
			}
		}
	}
	if !o.tcp && !o.udp {
		o.tcp, o.udp = true, true
	}
	states := ssDefault
	switch {
	case all:
		states = ssAllStates
	case listening:
		states = []string{"LISTEN", "UNCONN"}
	}
	explicit := false
	for i := 0; i < len(filter); i++ {
		w := filter[i]
		switch w {
		case "state":
			if i+1 >= len(filter) {
				r.outln("ss: state: missing state name")
				r.status(255)
				return o, false
			}
			i++
			set, ok := ssStateSet(filter[i])
			if !ok {
				r.outln("ss: wrong state name: " + filter[i])
				r.status(255)
				return o, false
			}
			if !explicit {
				states, explicit = nil, true
			}
			states = append(slices.Clone(states), set...)
		case "sport", "dport":
			if i+2 >= len(filter) {
				r.outln("ss: bad filter: " + strings.Join(filter, " "))
				r.status(255)
				return o, false
			}
			op, val := filter[i+1], filter[i+2]
			i += 2
			f := ssPortFilter{dst: w == "dport"}
			switch op {
			case "=", "==", "eq":
			case "!=", "neq":
				f.neq = true
			default:
				r.outln("lab: ss in the lab compares ports with = or != (not " + op + ")")
				r.status(255)
				return o, false
			}
			n, err := strconv.Atoi(strings.TrimPrefix(val, ":"))
			if err != nil || n < 0 || n > 65535 || !strings.HasPrefix(val, ":") {
				r.outln("Error: an inet prefix is expected rather than \"" + val + "\".")
				r.status(255)
				return o, false
			}
			f.port = uint16(n)
			o.ports = append(o.ports, f)
		default:
			r.outln("lab: ss in the lab takes the filters state STATE, sport = :PORT and dport = :PORT (not " + w + ")")
			r.status(255)
			return o, false
		}
	}
	for _, s := range states {
		if !o.states[s] {
			o.states[s] = true
			o.nstates++
		}
	}
	return o, true
}

// ssTable lays out ss's columns as iproute2 6.1 does when it writes to a
// pipe: each column as wide as its widest field (the Process field of the
// last row, which ss never measures, excepted), right-aligned addresses
// ending in ':', a one-space delimiter before State, the queues and the
// addresses.
type ssTable struct {
	cols   []ssCol
	rows   [][]string
	header bool // rows[0] is the header
}

type ssCol struct {
	_             noCompare
	header, delim string
	right, off    bool
}

func newSSTable(o ssOpts) *ssTable {
	t := &ssTable{cols: []ssCol{
		{header: "Netid", off: !(o.tcp && o.udp)},
		{header: "State", delim: " ", off: o.nstates == 1},
		{header: "Recv-Q", delim: " "},
		{header: "Send-Q", delim: " "},
		{header: "Local Address:", delim: " ", right: true},
		{header: "Port"},
		{header: "Peer Address:", delim: " ", right: true},
		{header: "Port"},
		{header: "Process"},
		{},
	}}
	if !o.noHeader {
		var row []string
		for _, c := range t.cols {
			row = append(row, c.header)
		}
		t.rows = append(t.rows, row)
		t.header = true
	}
	return t
}

func (t *ssTable) add(fields ...string) {
	t.rows = append(t.rows, append(fields, ""))
}

func (t *ssTable) render() string {
	if len(t.rows) == 0 {
		return ""
	}
	widths := make([]int, len(t.cols))
	for ri, row := range t.rows {
		for ci, f := range row {
			if ci == 8 && ri == len(t.rows)-1 && (ri > 0 || !t.header) {
				continue // the last socket's Process field is never measured
			}
			widths[ci] = max(widths[ci], len(f))
		}
	}
	first := true
	for ci, c := range t.cols {
		if c.off {
			widths[ci] = 0
			continue
		}
		if !first && widths[ci] > 0 {
			widths[ci] += len(c.delim)
		}
		if widths[ci] > 0 {
			first = false
		}
	}
	var b strings.Builder
	for _, row := range t.rows {
		started := false
		for ci, f := range row {
			c := t.cols[ci]
			if c.off {
				continue
			}
			printed := 0
			if started {
				b.WriteString(c.delim)
				printed = len(c.delim)
			}
			started = true
			if c.right && widths[ci] > 0 {
				if pad := widths[ci] - len(f) - printed; pad > 0 {
					b.WriteString(strings.Repeat(" ", pad))
				}
			}
			b.WriteString(f)
			printed += len(f)
			if !c.right && widths[ci] > 0 {
				if pad := widths[ci] - printed; pad > 0 {
					b.WriteString(strings.Repeat(" ", pad))
				}
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// ssStateSet returns the states a state filter names (ss(8): a state, or
// all, connected, synchronized, bucket, big). A switch of strings costs
// the WebAssembly module less than a map literal's init code.
func ssStateSet(name string) ([]string, bool) {
	var set string
	switch name {
	case "established":
		set = "ESTAB"
	case "syn-sent", "syn-recv", "fin-wait-1", "fin-wait-2", "time-wait", "close-wait", "last-ack", "closing":
		set = strings.ToUpper(name)
	case "closed":
		set = "UNCONN"
	case "listening":
		set = "LISTEN"
	case "all":
		return ssAllStates, true
	case "connected":
		set = "ESTAB SYN-SENT SYN-RECV FIN-WAIT-1 FIN-WAIT-2 CLOSE-WAIT LAST-ACK CLOSING"
	case "synchronized":
		set = "ESTAB FIN-WAIT-1 FIN-WAIT-2 CLOSE-WAIT LAST-ACK CLOSING"
	case "bucket":
		set = "SYN-RECV TIME-WAIT"
	case "big":
		set = "ESTAB SYN-SENT FIN-WAIT-1 FIN-WAIT-2 UNCONN CLOSE-WAIT LAST-ACK LISTEN CLOSING"
	default:
		return nil, false
	}
	return strings.Fields(set), true
}

package lab

import (
	"fmt"
	"net/netip"
	"strings"

	"portville/sim"
	"portville/sim/scenario"
)

// dig, host and nslookup (BIND 9.18, as Debian 12 has them): one query
// for a name's A records to the host's nameserver (its
// /etc/resolv.conf) or the one named, over UDP from an ephemeral port,
// and again over TCP when the answer comes back truncated. The query and
// the answer are letters in the town. The town's DNS holds A records
// only: host and nslookup, which also ask for AAAA (and MX) records, send
// the A query alone.

// digVersion is the version line's program and version.
const digVersion = "DiG 9.18.49-1~deb12u3-Debian"

// dnsWait is how long the tools wait for an answer (dig's +time=5); dig
// and nslookup send a query nobody answers 3 times, host twice
// (testdata/real: dig-timeout.txt, host-timeout.txt, nslookup-timeout.txt).
const dnsWait = 5 * sim.Second

// dnsQuery is what a DNS tool was asked.
type dnsQuery struct {
	tool, name, server   string
	short, noAll, answer bool // dig's +short, +noall, +answer
	tcp                  bool // dig +tcp
}

// dnsTry is what the lab's word for a DNS tool's real option suggests.
const dnsTry = "dig [@SERVER] NAME [+short] [+tcp], host NAME [SERVER] and nslookup NAME [SERVER] ask for a name's A records"

// dnsTool runs dig, host or nslookup.
func (r *run) dnsTool(t *terminal, tool string, args []string) error {
	q, ok := r.parseDNS(tool, args)
	if !ok {
		return nil
	}
	fail, server := 1, tool+" NAME SERVER"
	if tool == "dig" {
		// dig's status when no server answers, and how it names one.
		fail, server = 9, "dig @SERVER NAME"
	}
	var ns netip.Addr
	if q.server != "" {
		a, _, found := r.lab.hostAddr(q.server)
		if !found {
			r.outln(tool + ": couldn't get address for '" + q.server + "': not found")
			if tool == "dig" {
				r.status(10)
			} else {
				r.status(1)
			}
			return nil
		}
		ns = a
		if a.IsUnspecified() {
			// Linux takes a connect to 0.0.0.0 as one to this host.
			ns = netip.AddrFrom4([4]byte{127, 0, 0, 1})
		}
	} else if a, ok := r.nameserver(); ok {
		ns = a
	} else {
		r.fail(fail, "lab: "+r.in.Host+"'s /etc/resolv.conf names no DNS server: this town has none, and its hosts find each other's names in /etc/hosts (cat /etc/hosts). "+
			"A town with one: the lab of the a-web-page lesson; or name a DNS server: "+strings.Replace(server, "NAME", q.name, 1))
		return nil
	}
	alias, p, err := r.start(tool, nil)
	if err != nil {
		return err
	}
	t.tty[p.PID()] = true
	started := r.world().Now()
	// The query's ID: random on a real host; here from the town's clock
	// and the name, so that the scenario the lab writes sends the same.
	id := uint16(r.seq()*40503) ^ uint16(len(q.name)*257)
	query := sim.DNSQuery(q.name, id)
	proto := sim.UDP
	if q.tcp {
		proto = sim.TCP
	}
	reply, errLines, err := r.askDNS(alias, proto, ns, query, id, tool)
	if err != nil {
		return err
	}
	if reply != nil && reply.Truncated && proto == sim.UDP {
		if tool == "dig" && !q.short {
			r.outln(";; Truncated, retrying in TCP mode.")
		}
		proto = sim.TCP
		if reply, errLines, err = r.askDNS(alias, proto, ns, query, id, tool); err != nil {
			return err
		}
	}
	ms := int64((r.world().Now() - started) / sim.Millisecond)
	server = ns.String()
	if q.server != "" && q.server != server {
		server = q.server
	}
	code := 0
	if reply == nil {
		r.outln(errLines...)
		code = fail
		switch {
		case tool == "dig" && !q.short:
			r.outln("", "; <<>> "+digVersion+" <<>> "+strings.Join(args, " "), ";; global options: +cmd", ";; no servers could be reached")
		case tool == "host":
			r.outln(";; no servers could be reached")
		case tool == "nslookup":
			r.outln(";; no servers could be reached", "")
		}
	} else {
		switch tool {
		case "dig":
			r.out(digAnswer(q, args, reply, r.authoritative(ns, q.name), ns, server, proto, ms, r.world().Now()))
		case "host":
			code = r.hostLines(q, reply, ns)
		case "nslookup":
			code = r.nslookupLines(q, reply, r.authoritative(ns, q.name), ns)
		}
	}
	r.status(code)
	if err := r.closeSock(alias, "q"); err != nil {
		return err
	}
	return r.exit(alias, code, "")
}

// parseDNS reads a DNS tool's arguments; a problem is printed and ok is
// false.
func (r *run) parseDNS(tool string, args []string) (q dnsQuery, ok bool) {
	q.tool = tool
	var rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case tool == "dig" && strings.HasPrefix(a, "@"):
			q.server = a[1:]
		case tool == "dig" && strings.HasPrefix(a, "+"):
			switch o := a[1:]; {
			case o == "short":
				q.short = true
			case o == "noall":
				q.noAll = true
			case o == "answer":
				q.answer = true
			case o == "tcp" || o == "vc":
				q.tcp = true
			case o == "noedns" || o == "notcp":
				// The town's DNS speaks no EDNS, and UDP is the default.
			default:
				r.fail(1, r.notModelled(tool, a, dnsTry))
				return q, false
			}
		case a == "-t" || tool == "nslookup" && (strings.HasPrefix(a, "-type=") || strings.HasPrefix(a, "-query=")):
			typ := a[strings.IndexByte(a, '=')+1:]
			if a == "-t" && i+1 < len(args) {
				i++
				typ = args[i]
			}
			if !strings.EqualFold(typ, "A") {
				r.fail(1, dnsTypeWord(tool, typ))
				return q, false
			}
		case a == "-4" || tool == "dig" && (a == "IN" || a == "in"):
		case tool == "dig" && (strings.EqualFold(a, "A")):
		case tool == "dig" && isDNSType(a):
			r.fail(1, dnsTypeWord(tool, a))
			return q, false
		case a == "-x" || tool != "dig" && isDNSAddr(a) && len(rest) == 0:
			r.fail(1, "lab: "+tool+" "+a+" asks for a reverse (PTR) record, which is real, but the town's DNS holds A records only; cat /etc/hosts names the town's addresses")
			return q, false
		case strings.HasPrefix(a, "-") && len(a) > 1:
			r.fail(1, r.notModelled(tool, a, dnsTry))
			return q, false
		default:
			rest = append(rest, a)
		}
	}
	switch {
	case len(rest) == 0 && tool == "nslookup":
		r.fail(1, "lab: nslookup without a name starts its interactive mode, which is real, but the lab does not model it; nslookup NAME asks for one name")
		return q, false
	case len(rest) == 0 && tool == "host":
		r.fail(1, "Usage: host [-aCdilrTvVw] [-c class] [-N ndots] [-t type] [-W time]", "            [-R number] [-m flag] [-p port] hostname [server]")
		return q, false
	case len(rest) == 0:
		r.fail(1, "lab: dig without a name asks for the root servers (. NS), which is real, but the town has no root servers; dig NAME asks for a name's address")
		return q, false
	case len(rest) > 1 && tool == "dig":
		r.fail(1, r.notModelled(tool, "with two names", dnsTry))
		return q, false
	case len(rest) > 1:
		q.server = rest[1]
	}
	q.name = strings.ToLower(strings.TrimSuffix(rest[0], "."))
	if !sim.ValidDNSName(q.name) {
		r.fail(1, "lab: "+tool+" "+rest[0]+": the town's DNS carries names of letters, digits and '-' joined by dots; "+dnsTry)
		return q, false
	}
	return q, true
}

// isDNSType reports whether s is a record type dig takes as an argument.
func isDNSType(s string) bool {
	return strings.Contains(" AAAA MX NS TXT CNAME SOA PTR SRV ANY CAA HTTPS SVCB DS DNSKEY ", " "+strings.ToUpper(s)+" ")
}

// isDNSAddr reports whether s is an address (host and nslookup take one
// as a reverse lookup).
func isDNSAddr(s string) bool {
	_, err := netip.ParseAddr(s)
	return err == nil
}

func dnsTypeWord(tool, typ string) string {
	if typ == "" || typ == "-t" {
		return "lab: " + tool + " -t needs a record type (A is the one the town's DNS holds)"
	}
	return "lab: " + tool + " asks for " + strings.ToUpper(typ) + " records, which are real, but the town's DNS holds A records (IPv4 addresses) only; " + dnsTry
}

// nameserver is the address of the host's DNS server, if it has one.
func (r *run) nameserver() (netip.Addr, bool) {
	for _, h := range r.lab.sc.Hosts {
		if h.Name != r.in.Host || h.Nameserver == "" {
			continue
		}
		if a, err := netip.ParseAddr(h.Nameserver); err == nil {
			return a, true
		}
		if o := r.world().Host(h.Nameserver); o != nil {
			return o.Addr(), true
		}
	}
	return netip.Addr{}, false
}

// askDNS sends the query to ns port 53 and returns the answer with its
// ID, or nil and the lines the tool prints for each query nobody
// answered.
func (r *run) askDNS(alias string, proto sim.Proto, ns netip.Addr, query string, id uint16, tool string) (*sim.DNSAnswer, []string, error) {
	to := netip.AddrPortFrom(ns, 53)
	if err := r.closeSock(alias, "q"); err != nil {
		return nil, nil, err
	}
	_, fail, err := r.connect(alias, "q", proto, "", to)
	if err != nil {
		return nil, nil, err
	}
	where := ns.String() + "#53"
	if fail != "" {
		return nil, []string{";; communications error to " + where + ": " + strings.ToLower(fail)}, nil
	}
	var lines []string
	tries := 3 // dig's and nslookup's
	if tool == "host" {
		tries = 2
	}
	for try := 0; try < tries; try++ {
		before := len(r.events)
		if err := r.step(scenario.Step{Action: "send", Proc: alias, Sock: scenario.Ref{Proc: alias, Name: "q"}, Data: query}); err != nil {
			return nil, nil, err
		}
		pid := r.lab.live.Process(alias).PID()
		refused := false
		for _, e := range r.eventsSince(before) {
			if e.Kind == sim.KindSocketRecv && e.PID == pid && e.Host == r.in.Host {
				if a, ok := sim.ParseDNSAnswer(e.Data); ok && a.ID == id {
					return &a, nil, nil
				}
			}
			// No socket on the port: a real host answers with ICMP port
			// unreachable, which the tools report at once.
			refused = refused || e.Kind == sim.KindPacketDrop && e.Reason == "no-socket"
		}
		if refused {
			lines = append(lines, ";; communications error to "+where+": connection refused")
			continue
		}
		if r.lab.waited()+dnsWait > scenario.MaxWaitTotal {
			break
		}
		if err := r.step(scenario.Step{Action: "wait", Wait: dnsWait}); err != nil {
			return nil, nil, err
		}
		lines = append(lines, ";; communications error to "+where+": timed out")
		if proto == sim.TCP {
			break
		}
	}
	return nil, lines, nil
}

// digAnswer is dig's answer in its default layout (+short: the addresses
// alone; +noall +answer: the answer section alone).
func digAnswer(q dnsQuery, args []string, a *sim.DNSAnswer, aa bool, ns netip.Addr, server string, proto sim.Proto, ms int64, now sim.Time) string {
	var answer strings.Builder
	for _, ad := range a.Addrs {
		if q.short {
			answer.WriteString(ad.String() + "\n")
		} else {
			answer.WriteString(column(q.name+".", 24) + "0\tIN\tA\t" + ad.String() + "\n")
		}
	}
	switch {
	case q.short || q.noAll && q.answer:
		return answer.String()
	case q.noAll:
		return ""
	}
	status, section := "NOERROR", ""
	if a.NXDomain {
		status = "NXDOMAIN"
	}
	if answer.Len() > 0 {
		section = ";; ANSWER SECTION:\n" + answer.String() + "\n"
	}
	w := strings.Fields(strings.ReplaceAll(sim.HTTPDate(now), ",", "")) // Mon 30 Nov 2026 03:00:19 GMT
	// With @SERVER, dig says how many addresses the server's name gave.
	found := ""
	if q.server != "" {
		found = "; (1 server found)\n"
	}
	return fmt.Sprintf("\n; <<>> %s <<>> %s\n%s;; global options: +cmd\n;; Got answer:\n"+
		";; ->>HEADER<<- opcode: QUERY, status: %s, id: %d\n;; flags: qr%s rd ra; QUERY: 1, ANSWER: %d, AUTHORITY: 0, ADDITIONAL: 0\n\n"+
		";; QUESTION SECTION:\n%sIN\tA\n\n%s;; Query time: %d msec\n;; SERVER: %s#53(%s) (%s)\n;; WHEN: %s %s %s %s UTC %s\n;; MSG SIZE  rcvd: %d\n\n",
		digVersion, strings.Join(args, " "), found, status, a.ID, aaFlag(aa), len(a.Addrs), column(";"+q.name+".", 32), section,
		ms, ns, server, strings.ToUpper(proto.String()), w[0], w[2], w[1], w[4], w[3], sim.DNSMessageSize(q.name, len(a.Addrs)))
}

// column pads s with tabs to a column, as BIND's text format does (tab
// stops every 8; at least one tab).
func column(s string, col int) string {
	n, tabs := len(s), 0
	for n < col || tabs == 0 {
		n = (n/8 + 1) * 8
		tabs++
	}
	return s + strings.Repeat("\t", tabs)
}

// hostLines prints host's answer and returns its status.
func (r *run) hostLines(q dnsQuery, a *sim.DNSAnswer, ns netip.Addr) int {
	var b strings.Builder
	if q.server != "" {
		b.WriteString("Using domain server:\nName: " + q.server + "\nAddress: " + ns.String() + "#53\nAliases: \n\n")
	}
	for _, ad := range a.Addrs {
		b.WriteString(q.name + " has address " + ad.String() + "\n")
	}
	if a.NXDomain {
		b.WriteString("Host " + q.name + " not found: 3(NXDOMAIN)\n")
	}
	r.out(b.String())
	return boolInt(a.NXDomain)
}

// nslookupLines prints nslookup's answer and returns its status.
func (r *run) nslookupLines(q dnsQuery, a *sim.DNSAnswer, aa bool, ns netip.Addr) int {
	var b strings.Builder
	b.WriteString("Server:\t\t" + ns.String() + "\nAddress:\t" + ns.String() + "#53\n\n")
	if a.NXDomain {
		b.WriteString("** server can't find " + q.name + ": NXDOMAIN\n")
	} else if !aa {
		b.WriteString("Non-authoritative answer:\n")
	}
	for _, ad := range a.Addrs {
		b.WriteString("Name:\t" + q.name + "\nAddress: " + ad.String() + "\n")
	}
	r.out(b.String() + "\n")
	return boolInt(a.NXDomain)
}

// boolInt is 1 for true: a tool's status when the name is unknown.
func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// authoritative reports whether the DNS server at ns holds name among its
// own records (dnsmasq's local names, a zone of named's): its answer has
// the AA flag. A name it finds elsewhere in the town it answers as a
// recursive resolver does, without.
func (r *run) authoritative(ns netip.Addr, name string) bool {
	h := r.world().HostByAddr(ns)
	if h == nil {
		return false
	}
	for _, p := range h.Processes() {
		if spec := p.Server(); spec != nil && spec.Protocol == "dns" {
			for _, rec := range spec.Records {
				if rec.Name == name {
					return true
				}
			}
		}
	}
	return false
}

func aaFlag(aa bool) string {
	if aa {
		return " aa"
	}
	return ""
}

//go:build !portville_noyaml

package scenario

import (
	"cmp"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml/ast"

	"portville/sim"
)

var measureKinds = []string{
	"port", "ephemeral", "in_range", "same_port", "port_step", "state", "errno",
	"processes", "threads", "packet", "accepted_port", "accepted_port_kind",
	"listeners", "accepting_processes", "accepting_threads", "reaches",
	"mapped", "source_seen", "dropped",
}

// programMeasures are the measure kinds that name PROGRAM@HOST.
var programMeasures = []string{"processes", "listeners", "accepting_processes", "accepting_threads"}

var actions = []string{
	"note", "start", "fork", "exit", "thread", "end_thread", "socket", "setsockopt",
	"bind", "listen", "connect", "accept", "send", "sendto", "close", "rebind", "wait", "checkpoint",
	"pipe", "add_host", "install", "uninstall", "set_range",
}

// signalNames are the signals an exit step may name.
var signalNames = []string{"TERM", "INT", "KILL", "HUP", "QUIT"}

var (
	aliasRE = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,31}$`)
	hostRE  = regexp.MustCompile(`^[a-z][a-z0-9-]{0,31}$`)
	idRE    = regexp.MustCompile(`^[a-z][a-z0-9-]{0,47}$`)
)

// Parse reads and validates a scenario. The error, if any, is an
// ErrorList: every problem with its FILE:LINE:COL.
func Parse(file string, data []byte) (*Scenario, error) {
	if len(data) > MaxFileBytes {
		return nil, ErrorList{{File: file, Line: 1, Col: 1, Msg: fmt.Sprintf("the file is %d bytes; the limit is %d bytes (1 MiB)", len(data), MaxFileBytes)}}
	}
	root, err := parseYAML(file, data)
	if err != nil {
		return nil, err
	}
	d := &decoder{file: file}
	sc := &Scenario{File: file, Latency: sim.DefaultLatency}
	d.top(root, sc)
	if len(d.errs) == 0 {
		d.check(sc)
	}
	if len(d.errs) > 0 {
		// Fields are not always decoded in file order (a host's name
		// first); the list reads best in file order.
		slices.SortStableFunc(d.errs, func(a, b *Error) int {
			return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col))
		})
		return nil, d.errs
	}
	return sc, nil
}

func (d *decoder) top(root ast.Node, sc *Scenario) {
	fields, isMap := d.mapping(root, "scenario", "id", "title", "summary", "takeaways", "seed", "os", "latency", "finish", "hosts", "links", "steps")
	if !isMap {
		return
	}
	have := map[string]bool{}
	var hostsF, linksF, stepsF *field
	for i := range fields {
		f := fields[i]
		have[f.key] = true
		switch f.key {
		case "id":
			if s, ok := d.nonEmpty(f, "scenario"); ok {
				if !idRE.MatchString(s) {
					d.errf(f.val, "scenario: id: %q is not an id (expected lower-case letters, digits and '-')", s)
				}
				sc.ID = s
			}
		case "title":
			sc.Title, _ = d.nonEmpty(f, "scenario")
		case "summary":
			sc.Summary, _ = d.text(f, "scenario")
		case "takeaways":
			sc.Takeaways, _ = d.textList(f, "scenario")
		case "seed":
			if n, ok := d.integer(f, "scenario", 0, 1<<53); ok {
				sc.Seed, sc.SeedSet = uint64(n), true
			}
		case "os":
			sc.OS = d.osName(f, "scenario")
		case "latency":
			sc.Latency, _ = d.duration(f, "scenario", 0, 10*sim.Second)
		case "finish":
			if s, ok := d.nonEmpty(f, "scenario"); ok {
				if s != FinishRun && s != FinishSettle {
					d.errf(f.val, "scenario: finish: %q (expected %s or %s)", s, FinishRun, FinishSettle)
				}
				sc.Finish = s
			}
		case "hosts":
			hostsF = &fields[i]
		case "links":
			linksF = &fields[i]
		case "steps":
			stepsF = &fields[i]
		}
	}
	for _, req := range []string{"title", "hosts", "steps"} {
		if !have[req] {
			p := posOf(root)
			d.errAt(p.Line, p.Col, "scenario: missing field %q", req)
		}
	}
	if hostsF != nil {
		d.hosts(*hostsF, sc)
	}
	if linksF != nil {
		d.links(*linksF, sc)
	}
	if stepsF != nil {
		d.steps(*stepsF, sc)
	}
}

func (d *decoder) osName(f field, what string) string {
	s, ok := d.nonEmpty(f, what)
	if !ok {
		return ""
	}
	if _, err := sim.ProfileByName(s); err != nil {
		d.errf(f.val, "%s: os: unknown OS profile %q (expected linux, windows, macos or freebsd)", what, s)
		return ""
	}
	return s
}

func (d *decoder) hosts(f field, sc *Scenario) {
	items, ok := d.list(f, "scenario")
	if !ok {
		return
	}
	if len(items) == 0 {
		d.errf(f.keyN, "scenario: hosts: expected at least one host, found none")
		return
	}
	if len(items) > MaxHosts {
		d.errf(items[MaxHosts], "scenario: hosts: %d hosts; the limit is %d", len(items), MaxHosts)
		return
	}
	names := map[string]Pos{}
	for _, it := range items {
		if h, ok := d.hostDef(it, names, sc.Hosts); ok {
			sc.Hosts = append(sc.Hosts, h)
		}
	}
}

// hostDef reads one host: an item of hosts, or the value of an add_host
// step. names holds the host names seen so far (it gets this one);
// others are the hosts whose addresses this one must not reuse.
func (d *decoder) hostDef(it ast.Node, names map[string]Pos, others []HostDef) (HostDef, bool) {
	h := HostDef{Pos: posOf(it)}
	fields, isMap := d.mapping(it, "host", "name", "addr", "addrs", "os", "range", "programs", "names", "nameserver", "nat")
	if !isMap {
		return h, false
	}
	// The name comes first, wherever it is written, so that messages
	// about the host's other fields can name it.
	slices.SortStableFunc(fields, func(a, b field) int {
		return cmp.Compare(boolInt(a.key != "name"), boolInt(b.key != "name"))
	})
	var progsF *field
	what := "host" // "host NAME" once the name is known
	for i := range fields {
		hf := fields[i]
		switch hf.key {
		case "name":
			s, ok := d.nonEmpty(hf, "host")
			if !ok {
				continue
			}
			if !hostRE.MatchString(s) {
				d.errf(hf.val, "host: name: %q is not a host name (expected lower-case letters, digits and '-', starting with a letter, at most 32)", s)
				continue
			}
			if s == "localhost" {
				d.errf(hf.val, "host: name: \"localhost\" is reserved (it means 127.0.0.1)")
				continue
			}
			if p, dup := names[s]; dup {
				d.errf(hf.val, "host: name: duplicate host name %q (first defined at line %d)", s, p.Line)
				continue
			}
			names[s] = h.Pos
			h.Name = s
			what = "host " + s
		case "addr", "addrs":
			list, ok := d.textList(hf, what)
			if !ok {
				continue
			}
			if len(list) == 0 || len(list) > MaxAddrsPerHost {
				d.errf(hf.val, "%s: %s: expected 1 to %d addresses, found %d", what, hf.key, MaxAddrsPerHost, len(list))
				continue
			}
			for _, s := range list {
				a, err := netip.ParseAddr(strings.TrimSpace(s))
				owner := addrOwner(others, a)
				switch {
				case err != nil || !a.Is4():
					d.errf(hf.val, "%s: %s: %q is not an IPv4 address (expected four numbers 0-255 such as 10.0.0.2)", what, hf.key, s)
				case a.IsLoopback() || a.IsUnspecified() || a.IsMulticast() || a == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
					d.errf(hf.val, "%s: %s: %s cannot be a host's address (loopback, 0.0.0.0, multicast and broadcast are reserved; every host has 127.0.0.1 already)", what, hf.key, a)
				case slices.Contains(h.Addrs, a):
					d.errf(hf.val, "%s: %s: address %s is listed twice", what, hf.key, a)
				case owner != nil:
					d.errf(hf.val, "%s: %s: address %s already belongs to host %s (line %d)", what, hf.key, a, owner.Name, owner.Line)
				default:
					h.Addrs = append(h.Addrs, a)
				}
			}
		case "os":
			h.OS = d.osName(hf, what)
		case "range":
			h.RangeLo, h.RangeHi = d.portRange(hf, what)
		case "programs":
			progsF = &fields[i]
		case "names":
			list, ok := d.textList(hf, what)
			if !ok {
				continue
			}
			if len(list) > MaxNamesPerHost {
				d.errf(hf.val, "%s: names: %d names; the limit is %d", what, len(list), MaxNamesPerHost)
				continue
			}
			for _, n := range list {
				n = strings.TrimSpace(n)
				switch {
				case !sim.ValidDNSName(n) || !strings.Contains(n, "."):
					d.errf(hf.val, "%s: names: %q is not a DNS name with a dot (expected labels of a-z, 0-9 and '-', such as example.org)", what, n)
				case slices.Contains(h.Names, n):
					d.errf(hf.val, "%s: names: %s is listed twice", what, n)
				default:
					h.Names = append(h.Names, n)
				}
			}
		case "nat":
			h.NAT = d.nat(hf, what)
		case "nameserver":
			if s, ok := d.nonEmpty(hf, what); ok {
				if a, err := netip.ParseAddr(s); err == nil && !a.Is4() || err != nil && !hostRE.MatchString(s) {
					d.errf(hf.val, "%s: nameserver: %q is neither a host name nor an IPv4 address", what, s)
					continue
				}
				h.Nameserver = s
			}
		}
	}
	if h.Name == "" && !hasField(fields, "name") {
		d.errf(it, "host: missing field \"name\"")
	}
	if len(h.Addrs) == 0 && !hasField(fields, "addr") && !hasField(fields, "addrs") {
		d.errf(it, "%s: missing field \"addr\" (its IPv4 address, such as 10.0.0.2)", what)
	}
	if progsF != nil {
		d.programs(*progsF, &h)
	}
	return h, true
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// addrOwner returns the host, among those decoded so far, that has
// address a, or nil.
func addrOwner(hosts []HostDef, a netip.Addr) *HostDef {
	for i := range hosts {
		if slices.Contains(hosts[i].Addrs, a) {
			return &hosts[i]
		}
	}
	return nil
}

func hasField(fields []field, key string) bool {
	for _, f := range fields {
		if f.key == key {
			return true
		}
	}
	return false
}

func (d *decoder) portRange(f field, what string) (uint16, uint16) {
	s, ok := scalarText(f.val)
	if !ok {
		d.errf(f.val, "%s: range: expected a port range such as 32768-60999, found %s", what, describe(f.val))
		return 0, 0
	}
	lo, hi, found := strings.Cut(s, "-")
	l, err1 := strconv.Atoi(strings.TrimSpace(lo))
	h, err2 := strconv.Atoi(strings.TrimSpace(hi))
	if !found || err1 != nil || err2 != nil {
		d.errf(f.val, "%s: range: %q is not a port range (expected LOW-HIGH such as 32768-60999)", what, s)
		return 0, 0
	}
	if l < 1 || h > 65535 {
		d.errf(f.val, "%s: range: %d-%d is out of range (expected ports from 1 to 65535)", what, l, h)
		return 0, 0
	}
	if l > h {
		d.errf(f.val, "%s: range: %d-%d is backwards (expected LOW-HIGH with LOW <= HIGH)", what, l, h)
		return 0, 0
	}
	return uint16(l), uint16(h)
}

// nat reads a router's NAT: nat: {inside: [hosts], public: ADDR,
// mapping: linux, udp_timeout: 2m, forward: [{proto, port, to}]}.
func (d *decoder) nat(f field, what string) *NATDef {
	n := &NATDef{Pos: posOf(f.val)}
	fields, isMap := d.mapping(f.val, what+": nat", "inside", "public", "mapping", "udp_timeout", "forward")
	if !isMap {
		return n
	}
	for _, nf := range fields {
		switch nf.key {
		case "inside":
			list, ok := d.textList(nf, what+": nat")
			if !ok {
				continue
			}
			if len(list) == 0 || len(list) > MaxHosts {
				d.errf(nf.val, "%s: nat: inside: expected 1 to %d host names, found %d", what, MaxHosts, len(list))
				continue
			}
			for _, s := range list {
				if !hostRE.MatchString(s) {
					d.errf(nf.val, "%s: nat: inside: %q is not a host name", what, s)
					continue
				}
				n.Inside = append(n.Inside, s)
			}
		case "public":
			if s, ok := d.nonEmpty(nf, what+": nat"); ok {
				a, err := netip.ParseAddr(s)
				if err != nil || !a.Is4() {
					d.errf(nf.val, "%s: nat: public: %q is not an IPv4 address", what, s)
					continue
				}
				n.Public = a
			}
		case "mapping":
			if s, ok := d.nonEmpty(nf, what+": nat"); ok {
				if s != sim.MappingLinux && s != sim.MappingEndpointIndependent {
					d.errf(nf.val, "%s: nat: mapping: %q (expected %s or %s)", what, s, sim.MappingLinux, sim.MappingEndpointIndependent)
					continue
				}
				n.Mapping = s
			}
		case "udp_timeout":
			n.UDPTimeout, _ = d.duration(nf, what+": nat", sim.Second, MaxWaitTotal)
		case "forward":
			items, ok := d.list(nf, what+": nat")
			if !ok {
				continue
			}
			if len(items) > MaxForwards {
				d.errf(nf.val, "%s: nat: forward: %d rules; the limit is %d", what, len(items), MaxForwards)
				continue
			}
			for _, it := range items {
				rf, isMap := d.mapping(it, "forward", "proto", "port", "to")
				if !isMap {
					continue
				}
				r := ForwardDef{Proto: sim.TCP}
				for _, ff := range rf {
					switch ff.key {
					case "proto":
						if s, ok := d.nonEmpty(ff, "forward"); ok {
							p, okp := sim.ParseProto(s)
							if !okp {
								d.errf(ff.val, "forward: proto: %q (expected tcp or udp)", s)
								continue
							}
							r.Proto = p
						}
					case "port":
						v, _ := d.integer(ff, "forward", 1, 65535)
						r.Port = uint16(v)
					case "to":
						r.To, _ = d.endpoint(ff, "forward", false, 1)
					}
				}
				if r.Port == 0 && !hasField(rf, "port") {
					d.errf(it, "forward: missing field \"port\"")
				}
				if r.To.Port == 0 && !hasField(rf, "to") {
					d.errf(it, "forward: missing field \"to\" (the inside host and port, such as homeserver:80)")
				}
				n.Forward = append(n.Forward, r)
			}
		}
	}
	if len(n.Inside) == 0 && !hasField(fields, "inside") {
		d.errf(f.val, "%s: nat: missing field \"inside\" (the hosts behind the router)", what)
	}
	return n
}

func (d *decoder) links(f field, sc *Scenario) {
	items, ok := d.list(f, "scenario")
	if !ok {
		return
	}
	for _, it := range items {
		l := LinkDef{Pos: posOf(it)}
		fields, isMap := d.mapping(it, "link", "between", "latency")
		if !isMap {
			continue
		}
		for _, lf := range fields {
			switch lf.key {
			case "between":
				list, ok := d.textList(lf, "link")
				if ok && len(list) != 2 {
					d.errf(lf.val, "link: between: expected two host names, found %d", len(list))
				} else if ok {
					l.A, l.B = list[0], list[1]
				}
			case "latency":
				l.Latency, _ = d.duration(lf, "link", 0, 10*sim.Second)
			}
		}
		if l.A == "" && !hasField(fields, "between") {
			d.errf(it, "link: missing field \"between\"")
		}
		sc.Links = append(sc.Links, l)
	}
}

// parseEndpoint reads "host:port", "10.0.0.2:80", "localhost:8080",
// ":80" or "*:80". allowAny permits 0.0.0.0 (bind), minPort is 0 for bind
// and 1 for connect.
func parseEndpoint(s string, allowAny bool, minPort int) (Endpoint, error) {
	s = strings.TrimSpace(s)
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		if r, ok := parseRef(s); ok && !allowAny && strings.IndexFunc(r.Proc, func(c rune) bool { return c < '0' || c > '9' }) >= 0 {
			// A socket's own address: a client connects where a server
			// said it listens (a port the OS chose).
			return Endpoint{Sock: r}, nil
		}
		return Endpoint{}, fmt.Errorf("%q has no port (expected HOST:PORT, such as web:80 or 10.0.0.2:80, or a server's socket such as dev.tcp0)", s)
	}
	hostPart, portPart := s[:i], s[i+1:]
	n, err := strconv.Atoi(portPart)
	if err != nil {
		return Endpoint{}, fmt.Errorf("%q: port %q is not a number", s, portPart)
	}
	if n < minPort || n > 65535 {
		return Endpoint{}, fmt.Errorf("%q: port %d is out of range (expected %d to 65535)", s, n, minPort)
	}
	ep := Endpoint{Port: uint16(n)}
	switch {
	case hostPart == "" || hostPart == "*" || hostPart == "0.0.0.0":
		if !allowAny {
			return Endpoint{}, fmt.Errorf("%q: expected a host name or address to send to", s)
		}
		ep.Addr = netip.IPv4Unspecified()
	case hostPart == "localhost":
		ep.Addr = sim.Loopback
	default:
		if a, err := netip.ParseAddr(hostPart); err == nil {
			if !a.Is4() {
				return Endpoint{}, fmt.Errorf("%q: only IPv4 addresses are simulated", s)
			}
			ep.Addr = a
		} else if hostRE.MatchString(hostPart) {
			ep.Host = hostPart
		} else if strings.Contains(hostPart, ".") && sim.ValidDNSName(hostPart) && !allowAny {
			ep.Name = hostPart
		} else {
			return Endpoint{}, fmt.Errorf("%q: %q is neither a host name nor an IPv4 address", s, hostPart)
		}
	}
	return ep, nil
}

func parseRef(s string) (Ref, bool) {
	p, n, ok := strings.Cut(strings.TrimSpace(s), ".")
	if !ok || !aliasRE.MatchString(p) || !aliasRE.MatchString(n) {
		return Ref{}, false
	}
	return Ref{p, n}, true
}

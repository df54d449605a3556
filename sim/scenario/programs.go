//go:build !portville_noyaml

package scenario

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml/ast"

	"portville/sim"
)

// The programs of a scenario file: a host's programs, a server's
// services, threads and workers, and a DNS server's records.

func (d *decoder) programs(f field, h *HostDef) {
	items, ok := d.list(f, "host "+h.Name)
	if !ok {
		return
	}
	if len(items) > MaxProgramsPerHost {
		d.errf(items[MaxProgramsPerHost], "host %s: programs: %d programs; the limit is %d", h.Name, len(items), MaxProgramsPerHost)
		return
	}
	names := map[string]int{}
	for _, it := range items {
		p, at, ok := d.program(it)
		if !ok {
			continue
		}
		if p.Name != "" {
			if line, dup := names[p.Name]; dup {
				d.errAt(at.Line, at.Col, "program: name: host %s already has a program %q (line %d)", h.Name, p.Name, line)
				continue
			}
			names[p.Name] = at.Line
		}
		h.Programs = append(h.Programs, p)
	}
}

// program reads one program: an item of a host's programs, or the value
// of an install step. at is where its name is written.
func (d *decoder) program(it ast.Node) (p sim.Program, at Pos, ok bool) {
	what := "program"
	at = posOf(it)
	fields, isMap := d.mapping(it, what, "name", "path", "user", "server", "client")
	if !isMap {
		return p, at, false
	}
	for _, pf := range fields {
		switch pf.key {
		case "name":
			s, ok := d.nonEmpty(pf, what)
			if !ok {
				continue
			}
			if !aliasRE.MatchString(s) {
				d.errf(pf.val, "program: name: %q is not a program name (expected lower-case letters, digits, '-' or '_', starting with a letter, at most 32)", s)
				continue
			}
			p.Name = s
			at = posOf(pf.val)
		case "path":
			if s, ok := d.nonEmpty(pf, what); ok {
				if !strings.HasPrefix(s, "/") && !strings.Contains(s, `:\`) {
					d.errf(pf.val, "program: path: %q is not an absolute path (expected /usr/bin/name or C:\\...)", s)
				}
				p.Path = s
			}
		case "user":
			if s, ok := d.nonEmpty(pf, what); ok {
				if !aliasRE.MatchString(s) {
					d.errf(pf.val, "program: user: %q is not a user name", s)
				}
				p.User = s
			}
		case "client":
			if s, ok := d.nonEmpty(pf, what); ok {
				if s != "ftp" && s != "tftp" && s != "https" && s != "none" {
					d.errf(pf.val, "program: client: unknown client protocol %q (expected ftp, tftp, https or none)", s)
				}
				p.Client = s
			}
		case "server":
			p.Server = d.server(pf)
		}
	}
	if p.Name == "" && !hasField(fields, "name") {
		d.errf(it, "program: missing field \"name\"")
	}
	return p, at, true
}

func (d *decoder) server(f field) *sim.ServerSpec {
	what := "server"
	spec := &sim.ServerSpec{ReuseAddr: true, Protocol: "none"}
	fields, isMap := d.mapping(f.val, what, "listen", "protocol", "threads", "close", "reuseaddr", "reuseport", "workers", "addr", "backlog", "once", "accept_threads", "port_tries", "announce", "records")
	if !isMap {
		return spec
	}
	for _, sf := range fields {
		switch sf.key {
		case "listen":
			list, ok := d.textList(sf, what)
			if !ok {
				continue
			}
			if len(list) == 0 || len(list) > 8 {
				d.errf(sf.val, "server: listen: expected 1 to 8 services such as tcp/80, found %d", len(list))
				continue
			}
			seen := map[sim.Service]bool{}
			for _, s := range list {
				svc, err := parseService(s)
				if err != nil {
					d.errf(sf.val, "server: listen: %v", err)
					continue
				}
				if seen[svc] {
					d.errf(sf.val, "server: listen: %s is listed twice", svc)
					continue
				}
				seen[svc] = true
				spec.Listen = append(spec.Listen, svc)
			}
		case "protocol":
			if s, ok := d.nonEmpty(sf, what); ok {
				if !contains(sim.Protocols, s) {
					d.errf(sf.val, "server: protocol: unknown protocol %q (expected one of: %s)", s, strings.Join(sim.Protocols, ", "))
				}
				spec.Protocol = s
			}
		case "threads":
			if s, ok := d.nonEmpty(sf, what); ok {
				if s != "per-connection" && s != "single" {
					d.errf(sf.val, "server: threads: %q (expected per-connection or single)", s)
				}
				spec.Threads = s
			}
		case "close":
			if s, ok := d.nonEmpty(sf, what); ok {
				switch s {
				case "client-first":
				case "server-first":
					spec.CloseFirst = true
				default:
					d.errf(sf.val, "server: close: %q (expected client-first or server-first)", s)
				}
			}
		case "reuseaddr":
			spec.ReuseAddr, _ = d.boolean(sf, what)
		case "reuseport":
			spec.ReusePort, _ = d.boolean(sf, what)
		case "workers":
			spec.Workers, _ = d.integer(sf, what, 0, 16)
		case "backlog":
			spec.Backlog, _ = d.integer(sf, what, 1, 4096)
		case "once":
			spec.Once, _ = d.boolean(sf, what)
		case "accept_threads":
			spec.AcceptThreads, _ = d.integer(sf, what, 0, 16)
		case "port_tries":
			spec.PortTries, _ = d.integer(sf, what, 0, sim.MaxPortTries)
		case "announce":
			spec.Announce, _ = d.boolean(sf, what)
		case "records":
			spec.Records = d.records(sf)
		case "addr":
			if s, ok := d.nonEmpty(sf, what); ok {
				a, err := netip.ParseAddr(s)
				if err != nil || !a.Is4() {
					d.errf(sf.val, "server: addr: %q is not an IPv4 address", s)
					continue
				}
				spec.BindAddr = a
			}
		}
	}
	if len(spec.Listen) == 0 && !hasField(fields, "listen") {
		d.errf(f.val, "server: missing field \"listen\" (for example [tcp/80])")
	}
	return spec
}

// records reads a DNS server's own names: a list of {name, addrs}.
func (d *decoder) records(f field) []sim.Record {
	items, ok := d.list(f, "server")
	if !ok {
		return nil
	}
	var out []sim.Record
	for _, it := range items {
		fields, isMap := d.mapping(it, "record", "name", "addrs")
		if !isMap {
			continue
		}
		var r sim.Record
		for _, rf := range fields {
			switch rf.key {
			case "name":
				if s, ok := d.nonEmpty(rf, "record"); ok {
					if !sim.ValidDNSName(s) || !strings.Contains(s, ".") {
						d.errf(rf.val, "record: name: %q is not a DNS name with a dot (such as cdn.example)", s)
						continue
					}
					r.Name = s
				}
			case "addrs":
				list, ok := d.textList(rf, "record")
				if !ok {
					continue
				}
				if len(list) == 0 || len(list) > sim.MaxRecords {
					d.errf(rf.val, "record: addrs: expected 1 to %d addresses, found %d", sim.MaxRecords, len(list))
					continue
				}
				for _, s := range list {
					a, err := netip.ParseAddr(strings.TrimSpace(s))
					if err != nil || !a.Is4() {
						d.errf(rf.val, "record: addrs: %q is not an IPv4 address", s)
						continue
					}
					r.Addrs = append(r.Addrs, a)
				}
			}
		}
		if r.Name == "" && !hasField(fields, "name") {
			d.errf(it, "record: missing field \"name\"")
		}
		if len(r.Addrs) == 0 && !hasField(fields, "addrs") {
			d.errf(it, "record: missing field \"addrs\"")
		}
		if r.Name != "" && len(r.Addrs) > 0 {
			out = append(out, r)
		}
	}
	return out
}

func parseService(s string) (sim.Service, error) {
	proto, port, ok := strings.Cut(strings.TrimSpace(s), "/")
	p, okp := sim.ParseProto(proto)
	if !ok || !okp {
		return sim.Service{}, fmt.Errorf("%q is not a service (expected tcp/PORT or udp/PORT, such as tcp/80)", s)
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 0 || n > 65535 {
		return sim.Service{}, fmt.Errorf("%q: port %s is out of range (expected 0 to 65535; 0 asks the OS for an ephemeral port)", s, port)
	}
	return sim.Service{Proto: p, Port: uint16(n)}, nil
}

package sim

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// DNS in the town (RFC 1035; DOMAIN.md section 8). The world keeps the
// names of its hosts; a server with protocol "dns" answers queries for
// them, and for the records of its own ServerSpec, over UDP and TCP. A
// query and its answer are one line each, readable in a letter:
//
//	query A example.org (id 0x3f2a)
//	answer A example.org 93.184.215.14 (id 0x3f2a)
//	answer A cdn.example (truncated: 36 records do not fit in 512 bytes, ask again over TCP) (id 0x3f2a)
//	answer A nosuch.example NXDOMAIN (id 0x3f2a)
//
// The client side (a stub resolver: a UDP query from an ephemeral port
// with a random ID, TCP when the answer comes back truncated) is made of
// ordinary socket calls; sim/scenario drives it for steps that name a
// host, so that every call shows in the events.

// MaxUDPAnswer is the largest DNS message UDP carries without EDNS (RFC
// 1035 section 4.2.1); a larger answer comes back truncated.
const MaxUDPAnswer = 512

// MaxRecords bounds the addresses of one name.
const MaxRecords = 64

// Record is a DNS name and its addresses (A records).
type Record struct {
	Name  string
	Addrs []netip.Addr
}

// ValidDNSName reports whether s is a host name DNS can carry: labels of
// 1 to 63 lower-case letters, digits and '-' (not first or last), joined
// by dots, at most 253 characters. (No regexp: the WebAssembly build
// keeps it out.)
func ValidDNSName(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// AddName gives a name (A records) to the world's DNS: what a DNS server
// in the town answers for it. Later calls add addresses to the name.
func (w *World) AddName(name string, addrs ...netip.Addr) error {
	if !ValidDNSName(name) {
		return fmt.Errorf("%q is not a DNS name (labels of a-z, 0-9 and '-', joined by dots)", name)
	}
	if w.names == nil {
		w.names = map[string][]netip.Addr{}
	}
	for _, a := range addrs {
		if !slices.Contains(w.names[name], a) {
			w.names[name] = append(w.names[name], a)
		}
	}
	if len(w.names[name]) > MaxRecords {
		return fmt.Errorf("name %s: more than %d addresses", name, MaxRecords)
	}
	return nil
}

// LookupName returns the addresses the world's DNS has for a name, and
// whether it has the name.
func (w *World) LookupName(name string) ([]netip.Addr, bool) {
	a, ok := w.names[name]
	return a, ok
}

// DNSQuery is the line a resolver sends to ask for a name's addresses.
func DNSQuery(name string, id uint16) string {
	return fmt.Sprintf("query A %s (id 0x%04x)", name, id)
}

// DNSAnswer is a parsed answer line.
type DNSAnswer struct {
	Name      string
	ID        uint16
	Addrs     []netip.Addr
	NXDomain  bool
	Truncated bool
}

// ParseDNSAnswer reads an answer line; ok is false for anything else.
func ParseDNSAnswer(s string) (a DNSAnswer, ok bool) {
	rest, found := strings.CutPrefix(firstLine(s), "answer A ")
	if !found {
		return a, false
	}
	i := strings.LastIndex(rest, " (id 0x")
	if i < 0 || !strings.HasSuffix(rest, ")") {
		return a, false
	}
	id, err := strconv.ParseUint(rest[i+len(" (id 0x"):len(rest)-1], 16, 16)
	if err != nil {
		return a, false
	}
	a.ID = uint16(id)
	body := rest[:i]
	name, what, _ := strings.Cut(body, " ")
	a.Name = name
	switch {
	case what == "NXDOMAIN":
		a.NXDomain = true
	case strings.HasPrefix(what, "(truncated"):
		a.Truncated = true
	default:
		for _, f := range strings.Split(what, ", ") {
			ad, err := netip.ParseAddr(f)
			if err != nil {
				return a, false
			}
			a.Addrs = append(a.Addrs, ad)
		}
	}
	return a, true
}

// dnsAnswer is a DNS server's reply to a query line: the addresses from
// the server's own records, else from the town's names. Over UDP an answer
// larger than 512 bytes comes back truncated (the TC bit), so the client
// asks again over TCP. answer is false for a line that is not a query.
func (p *Process) dnsAnswer(query string, udp bool) (reply string, answer bool) {
	rest, found := strings.CutPrefix(firstLine(query), "query A ")
	if !found {
		return "", false
	}
	i := strings.LastIndex(rest, " (id 0x")
	if i < 0 {
		return "", false
	}
	name, id := rest[:i], rest[i:]
	var addrs []netip.Addr
	for _, r := range p.spec.Records {
		if r.Name == name {
			addrs = r.Addrs
		}
	}
	if addrs == nil {
		addrs, _ = p.host.w.LookupName(name)
	}
	if len(addrs) == 0 {
		return "answer A " + name + " NXDOMAIN" + id, true
	}
	if size := DNSMessageSize(name, len(addrs)); udp && size > MaxUDPAnswer {
		return fmt.Sprintf("answer A %s (truncated: %d records, %d bytes, do not fit in %d; ask again over TCP)%s", name, len(addrs), size, MaxUDPAnswer, id), true
	}
	list := make([]string, len(addrs))
	for k, a := range addrs {
		list[k] = a.String()
	}
	return "answer A " + name + " " + strings.Join(list, ", ") + id, true
}

// DNSMessageSize is the size of an answer on the wire: the 12-byte header,
// the question (the name's labels, type and class) and a 16-byte A record
// per address, its name compressed to a 2-byte pointer (RFC 1035 4.1).
func DNSMessageSize(name string, n int) int {
	return 12 + len(name) + 2 + 4 + 16*n
}

package lab

import (
	"fmt"
	"net/netip"
	"strconv"

	"portville/sim"
	"portville/sim/scenario"
)

// This file is the town's own terminal: it adds buildings while the lab
// runs.

// town runs a line typed at the town's own terminal: add-host.
func (r *run) town() error {
	if r.in.Key != "" {
		return nil
	}
	cl, err := parseLine(r.in.Line)
	if err != nil {
		r.outln(err.Error())
		r.status(2)
		return nil
	}
	if len(cl) == 0 {
		return nil
	}
	if len(cl) > 1 || len(cl[0].pipes) > 1 || len(cl[0].pipes[0].cmds) > 1 || cl[0].background {
		r.outln("town: the town's terminal takes one command per line")
		r.status(2)
		return nil
	}
	argv := literal(cl[0].pipes[0].cmds[0])
	switch argv[0] {
	case "add-host":
		return r.addHost(argv[1:])
	case "help":
		r.outln("add-host NAME ADDRESS [linux|windows|macos|freebsd]   build a new apartment complex on the street")
		return nil
	}
	r.outln("town: " + argv[0] + ": unknown (the town's terminal takes add-host and help)")
	r.status(127)
	return nil
}

// addHost adds a building while the lab runs.
func (r *run) addHost(args []string) error {
	if len(args) < 2 || len(args) > 3 {
		r.outln("usage: add-host NAME ADDRESS [linux|windows|macos|freebsd]")
		r.status(2)
		return nil
	}
	name, addr := args[0], args[1]
	os := ""
	if len(args) == 3 {
		os = args[2]
		if _, err := sim.ProfileByName(os); err != nil {
			r.outln("add-host: unknown OS profile " + strconv.Quote(os) + " (expected linux, windows, macos or freebsd)")
			r.status(2)
			return nil
		}
	}
	w := r.world()
	a, err := netip.ParseAddr(addr)
	switch {
	case !validHostName(name):
		r.outln("add-host: " + strconv.Quote(name) + " is not a host name (lower-case letters, digits and '-', starting with a letter, at most 32)")
	case name == "localhost" || name == TownHost:
		r.outln("add-host: the name " + name + " is reserved")
	case w.Host(name) != nil:
		r.outln("add-host: there is already a host named " + name)
	case err != nil || !a.Is4():
		r.outln("add-host: " + strconv.Quote(addr) + " is not an IPv4 address (expected four numbers 0-255 such as 10.0.0.30)")
	case a.IsLoopback() || a.IsUnspecified() || a.IsMulticast() || a == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		r.outln("add-host: " + addr + " cannot be a host's address (loopback, 0.0.0.0, multicast and broadcast are reserved)")
	case w.HostByAddr(a) != nil:
		r.outln("add-host: " + addr + " already belongs to " + w.HostByAddr(a).Name())
	case len(r.lab.order) >= scenario.MaxHosts:
		r.outln(fmt.Sprintf("add-host: the town has %d buildings, the most a scenario holds", scenario.MaxHosts))
	default:
		h := withBaseTools(scenario.HostDef{Name: name, Addrs: []netip.Addr{a}, OS: os}, r.lab.sc.OS)
		if err := r.step(scenario.Step{Action: "add_host", Host: name, NewHost: &h}); err != nil {
			return err
		}
		r.lab.addTerminal(name)
		nh := w.Host(name)
		lo, hi := nh.EphemeralRange()
		r.outln(fmt.Sprintf("added %s at %s (%s, ephemeral ports %d-%d)", name, addr, nh.OS().Title, lo, hi))
		return nil
	}
	r.status(1)
	return nil
}

// validHostName reports whether s matches ^[a-z][a-z0-9-]{0,31}$.
func validHostName(s string) bool {
	if len(s) == 0 || len(s) > 32 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

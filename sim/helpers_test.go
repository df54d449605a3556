package sim_test

import (
	"errors"
	"net/netip"
	"testing"

	"portville/sim"
)

// rig is a world with a recorder, for tests.
type rig struct {
	t      testing.TB
	w      *sim.World
	events []sim.Event
}

func newRig(t testing.TB, seed uint64) *rig {
	r := &rig{t: t}
	r.w = sim.NewWorld(sim.Config{Seed: seed, OnEvent: func(e *sim.Event) { r.events = append(r.events, *e) }})
	return r
}

func ap(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }
func ip(s string) netip.Addr     { return netip.MustParseAddr(s) }

// host adds a host with one address and one client program "client".
func (r *rig) host(name, addr string, os *sim.Profile, rng ...uint16) *sim.Host {
	r.t.Helper()
	spec := sim.HostSpec{Name: name, Addrs: []netip.Addr{ip(addr)}, OS: os}
	if len(rng) == 2 {
		spec.RangeLo, spec.RangeHi = rng[0], rng[1]
	}
	h, err := r.w.AddHost(spec)
	if err != nil {
		r.t.Fatalf("seed %d: AddHost %s: %v", r.w.Seed(), name, err)
	}
	if _, err := h.Install(sim.Program{Name: "client"}); err != nil {
		r.t.Fatal(err)
	}
	return h
}

// server installs and starts a server program listening on the services.
func (r *rig) server(h *sim.Host, name, protocol string, services ...sim.Service) *sim.Process {
	r.t.Helper()
	if _, err := h.Install(sim.Program{Name: name, Server: &sim.ServerSpec{Listen: services, Protocol: protocol, ReuseAddr: true}}); err != nil {
		r.t.Fatal(err)
	}
	p, err := h.Start(name, sim.StartOptions{})
	if err != nil {
		r.t.Fatal(err)
	}
	r.settle()
	return p
}

func (r *rig) start(h *sim.Host, prog string, user string) *sim.Process {
	r.t.Helper()
	p, err := h.Start(prog, sim.StartOptions{User: user})
	if err != nil {
		r.t.Fatal(err)
	}
	return p
}

func (r *rig) settle() {
	r.t.Helper()
	if err := r.w.Settle(); err != nil {
		r.t.Fatalf("seed %d: settle: %v", r.w.Seed(), err)
	}
}

// connect opens a TCP socket in p and connects it, settling the network.
func (r *rig) connect(p *sim.Process, to string) (int, error) {
	r.t.Helper()
	th := p.Main()
	fd, err := th.Socket(sim.TCP)
	if err != nil {
		r.t.Fatal(err)
	}
	err = th.Connect(fd, ap(to))
	r.settle()
	return fd, err
}

// kinds returns the events of the kinds given, in order.
func (r *rig) kinds(ks ...sim.Kind) []sim.Event {
	var out []sim.Event
	for _, e := range r.events {
		for _, k := range ks {
			if e.Kind == k {
				out = append(out, e)
			}
		}
	}
	return out
}

func (r *rig) lastErrno() sim.Errno {
	for i := len(r.events) - 1; i >= 0; i-- {
		if r.events[i].Kind == sim.KindError {
			return r.events[i].Errno
		}
	}
	return ""
}

func errnoOf(err error) sim.Errno {
	var e sim.Errno
	if errors.As(err, &e) {
		return e
	}
	return ""
}

package sim_test

import (
	"fmt"
	"testing"

	"portville/sim"
)

// assignedPorts returns the ports of port.assign events with the call.
func (r *rig) assignedPorts(call string) []uint16 {
	var out []uint16
	for _, e := range r.kinds(sim.KindPortAssign) {
		if e.Call == call {
			out = append(out, e.Port)
		}
	}
	return out
}

// TestLinuxConnectOneDestination reproduces DOMAIN.md's measurement: 20
// connects held open to one destination get even ports that climb in steps
// of 2 to 16 and wrap at the end of the range.
func TestLinuxConnectOneDestination(t *testing.T) {
	t.Parallel()
	wrapped := 0
	for seed := uint64(1); seed <= 50; seed++ {
		r := newRig(t, seed)
		cli := r.host("cli", "10.0.0.1", sim.Linux)
		srv := r.host("srv", "10.0.0.2", sim.Linux)
		r.server(srv, "httpd", "http", sim.Service{Proto: sim.TCP, Port: 80})
		c := r.start(cli, "client", "")
		for i := 0; i < 20; i++ {
			if _, err := r.connect(c, "10.0.0.2:80"); err != nil {
				t.Fatalf("seed %d: connect %d: %v", seed, i, err)
			}
		}
		ports := r.assignedPorts("connect")
		if len(ports) != 20 {
			t.Fatalf("seed %d: %d ports assigned, want 20", seed, len(ports))
		}
		for i, p := range ports {
			if p%2 != 0 || p < 32768 || p > 60999 {
				t.Fatalf("seed %d: port %d = %d: want even, in 32768-60999 (all %v)", seed, i, p, ports)
			}
			if i == 0 {
				continue
			}
			step := int(p) - int(ports[i-1])
			if step < 0 {
				step += 60999 - 32768 + 1 // wrapped at the end of the range
				wrapped++
			}
			if step < 2 || step > 16 {
				t.Fatalf("seed %d: step %d -> %d is %d, want 2 to 16 (all %v)", seed, ports[i-1], p, step, ports)
			}
		}
	}
	t.Logf("%d of 50 seeds wrapped at the end of the range", wrapped)
}

// TestLinuxConnectWrap: a destination whose base lies near the end of the
// range wraps to the start, as measured (60994 then 32772).
func TestLinuxConnectWrap(t *testing.T) {
	t.Parallel()
	for seed := uint64(1); seed <= 400; seed++ {
		r := newRig(t, seed)
		cli := r.host("cli", "10.0.0.1", sim.Linux)
		srv := r.host("srv", "10.0.0.2", sim.Linux)
		r.server(srv, "httpd", "http", sim.Service{Proto: sim.TCP, Port: 80})
		c := r.start(cli, "client", "")
		r.connect(c, "10.0.0.2:80")
		if first := r.assignedPorts("connect")[0]; first < 60999-40 {
			continue
		}
		for i := 0; i < 19; i++ {
			r.connect(c, "10.0.0.2:80")
		}
		ports := r.assignedPorts("connect")
		for i := 1; i < len(ports); i++ {
			if ports[i] < ports[i-1] {
				if ports[i] > 32768+16 || ports[i]%2 != 0 {
					t.Fatalf("seed %d: wrapped to %d, want an even port near 32768 (all %v)", seed, ports[i], ports)
				}
				return
			}
		}
		t.Fatalf("seed %d: base %d near the end did not wrap: %v", seed, ports[0], ports)
	}
	t.Fatal("no seed in 1-400 put the first port in the last 40 of the range")
}

// TestLinuxConnectManyDestinations: connects to 20 different destinations
// scatter over the whole range, and are all even.
func TestLinuxConnectManyDestinations(t *testing.T) {
	t.Parallel()
	r := newRig(t, 11)
	cli := r.host("cli", "10.0.0.1", sim.Linux)
	var servers []string
	for i := 0; i < 20; i++ {
		addr := fmt.Sprintf("10.0.1.%d", i+1)
		h := r.host(fmt.Sprintf("s%d", i), addr, sim.Linux)
		r.server(h, "httpd", "http", sim.Service{Proto: sim.TCP, Port: 80})
		servers = append(servers, addr+":80")
	}
	c := r.start(cli, "client", "")
	for _, s := range servers {
		if _, err := r.connect(c, s); err != nil {
			t.Fatal(err)
		}
	}
	ports := r.assignedPorts("connect")
	lo, hi := ports[0], ports[0]
	buckets := map[int]bool{}
	for _, p := range ports {
		if p%2 != 0 {
			t.Errorf("port %d is odd", p)
		}
		lo, hi = min(lo, p), max(hi, p)
		buckets[int(p-32768)*4/(60999-32768+1)] = true
	}
	if hi-lo < (60999-32768)/2 || len(buckets) < 3 {
		t.Errorf("ports %v span %d-%d over %d quarters of the range; want them scattered", ports, lo, hi, len(buckets))
	}
}

// TestLinuxBindZeroOdd: bind(port 0) gives odd ports, at random.
func TestLinuxBindZeroOdd(t *testing.T) {
	t.Parallel()
	r := newRig(t, 2)
	h := r.host("h", "10.0.0.1", sim.Linux)
	p := r.start(h, "client", "")
	for i := 0; i < 20; i++ {
		fd, _ := p.Main().Socket(sim.TCP)
		if err := p.Main().Bind(fd, ap("0.0.0.0:0")); err != nil {
			t.Fatal(err)
		}
	}
	ports := r.assignedPorts("bind")
	if len(ports) != 20 {
		t.Fatalf("%d ports, want 20", len(ports))
	}
	ascending := true
	for i, p := range ports {
		if p%2 != 1 || p < 32768 || p > 60999 {
			t.Errorf("bind(0) port %d: want odd, in range", p)
		}
		if i > 0 && p < ports[i-1] {
			ascending = false
		}
	}
	if ascending {
		t.Errorf("bind(0) ports %v climb in order; want random", ports)
	}
}

// TestLinuxUDPAutobind: UDP ports chosen on the first sendto are random
// with no parity bias.
func TestLinuxUDPAutobind(t *testing.T) {
	t.Parallel()
	r := newRig(t, 4)
	h := r.host("h", "10.0.0.1", sim.Linux)
	r.host("dns", "10.0.0.53", sim.Linux)
	p := r.start(h, "client", "")
	for i := 0; i < 40; i++ {
		fd, _ := p.Main().Socket(sim.UDP)
		if err := p.Main().SendTo(fd, ap("10.0.0.53:53"), "A? example.com"); err != nil {
			t.Fatal(err)
		}
	}
	ports := r.assignedPorts("sendto")
	odd := 0
	for _, p := range ports {
		odd += int(p % 2)
		if p < 32768 || p > 60999 {
			t.Errorf("UDP port %d outside the range", p)
		}
	}
	if len(ports) != 40 || odd < 8 || odd > 32 {
		t.Errorf("%d ports, %d odd: want 40 with both parities (%v)", len(ports), odd, ports)
	}
}

// TestTwoInstancesDifferentPorts: two processes of one program connecting
// to one server get different ports, on every OS.
func TestTwoInstancesDifferentPorts(t *testing.T) {
	t.Parallel()
	for _, os := range sim.Profiles {
		for seed := uint64(1); seed <= 20; seed++ {
			r := newRig(t, seed)
			cli := r.host("cli", "10.0.0.1", os)
			srv := r.host("srv", "10.0.0.2", sim.Linux)
			r.server(srv, "httpd", "http", sim.Service{Proto: sim.TCP, Port: 80})
			a, b := r.start(cli, "client", ""), r.start(cli, "client", "")
			r.connect(a, "10.0.0.2:80")
			r.connect(b, "10.0.0.2:80")
			ports := r.assignedPorts("connect")
			if len(ports) != 2 || ports[0] == ports[1] {
				t.Fatalf("%s seed %d: ports %v, want two different", os.Name, seed, ports)
			}
			for _, p := range ports {
				if p < os.RangeLo || p > os.RangeHi {
					t.Fatalf("%s seed %d: port %d outside %d-%d", os.Name, seed, p, os.RangeLo, os.RangeHi)
				}
			}
		}
	}
}

// TestOSChoices: each profile's characteristic choice for successive
// connects to one destination.
func TestOSChoices(t *testing.T) {
	t.Parallel()
	tests := []struct {
		os    *sim.Profile
		check func(ports []uint16) string
	}{
		{sim.Windows, sequential},
		{sim.MacOS, sequential},
		{sim.FreeBSD, func(ports []uint16) string {
			if s := sequential(ports); s == "" {
				return "FreeBSD ports are sequential; want a random start each time"
			}
			return ""
		}},
	}
	for _, tc := range tests {
		t.Run(tc.os.Name, func(t *testing.T) {
			r := newRig(t, 9)
			cli := r.host("cli", "10.0.0.1", tc.os)
			srv := r.host("srv", "10.0.0.2", sim.Linux)
			r.server(srv, "httpd", "http", sim.Service{Proto: sim.TCP, Port: 80})
			c := r.start(cli, "client", "")
			for i := 0; i < 10; i++ {
				r.connect(c, "10.0.0.2:80")
			}
			ports := r.assignedPorts("connect")
			if msg := tc.check(ports); msg != "" {
				t.Errorf("%s: %v: %s", tc.os.Name, ports, msg)
			}
		})
	}
}

func sequential(ports []uint16) string {
	for i := 1; i < len(ports); i++ {
		if ports[i] != ports[i-1]+1 && !(ports[i-1] == 65535 && ports[i] == 49152) {
			return fmt.Sprintf("port %d follows %d; want the next one", ports[i], ports[i-1])
		}
	}
	return ""
}

// TestLinuxSecretEpoch: the per-destination base moves when the secret is
// re-salted every 10 s; within an epoch the next connection lands right
// after the previous one.
func TestLinuxSecretEpoch(t *testing.T) {
	t.Parallel()
	moved := 0
	for seed := uint64(1); seed <= 20; seed++ {
		gap := func(wait sim.Time) int {
			r := newRig(t, seed)
			cli := r.host("cli", "10.0.0.1", sim.Linux)
			srv := r.host("srv", "10.0.0.2", sim.Linux)
			r.server(srv, "httpd", "http", sim.Service{Proto: sim.TCP, Port: 80})
			c := r.start(cli, "client", "")
			r.connect(c, "10.0.0.2:80")
			r.w.Advance(wait)
			r.connect(c, "10.0.0.2:80")
			ports := r.assignedPorts("connect")
			d := int(ports[1]) - int(ports[0])
			if d < 0 {
				d = -d
			}
			return d
		}
		if d := gap(sim.Second); d < 2 || d > 16 {
			t.Fatalf("seed %d: within one 10 s epoch the ports are %d apart, want 2 to 16", seed, d)
		}
		if gap(11*sim.Second) > 16 {
			moved++
		}
	}
	if moved < 18 {
		t.Errorf("after the 10 s re-salt the base moved for %d of 20 seeds; want nearly all", moved)
	}
}

// TestExhaustion follows DOMAIN.md section 4: with a 10-port range, 10
// connects to :7001 use all ten, the 11th fails with EADDRNOTAVAIL,
// connects to :7002 can still reuse those ports, and bind(0) fails with
// EADDRINUSE.
func TestExhaustion(t *testing.T) {
	t.Parallel()
	r := newRig(t, 6)
	cli := r.host("cli", "10.0.0.1", sim.Linux, 40000, 40009)
	srv := r.host("srv", "10.0.0.2", sim.Linux)
	r.server(srv, "a", "echo", sim.Service{Proto: sim.TCP, Port: 7001})
	r.server(srv, "b", "echo", sim.Service{Proto: sim.TCP, Port: 7002})
	c := r.start(cli, "client", "")
	for i := 0; i < 10; i++ {
		if _, err := r.connect(c, "10.0.0.2:7001"); err != nil {
			t.Fatalf("connect %d: %v", i, err)
		}
	}
	used := map[uint16]bool{}
	for _, p := range r.assignedPorts("connect") {
		used[p] = true
	}
	if len(used) != 10 {
		t.Fatalf("10 connects used %d distinct ports, want 10", len(used))
	}
	if _, err := r.connect(c, "10.0.0.2:7001"); errnoOf(err) != sim.EADDRNOTAVAIL {
		t.Fatalf("11th connect: %v, want EADDRNOTAVAIL", err)
	}
	if _, err := r.connect(c, "10.0.0.2:7002"); err != nil {
		t.Fatalf("connect to another port after exhaustion: %v, want success", err)
	}
	ports := r.assignedPorts("connect")
	if last := ports[len(ports)-1]; !used[last] {
		t.Errorf("connect to :7002 got port %d, want one of the ten in use (shared across destinations)", last)
	}
	fd, _ := c.Main().Socket(sim.TCP)
	if err := c.Main().Bind(fd, ap("0.0.0.0:0")); errnoOf(err) != sim.EADDRINUSE {
		t.Errorf("bind(0) with the range used up: %v, want EADDRINUSE", err)
	}
}

// TestExhaustionOtherOS: on profiles without per-destination sharing the
// 11th connect fails and so does one to another destination.
func TestExhaustionOtherOS(t *testing.T) {
	t.Parallel()
	for _, os := range []*sim.Profile{sim.Windows, sim.MacOS, sim.FreeBSD} {
		r := newRig(t, 6)
		cli := r.host("cli", "10.0.0.1", os, 50000, 50009)
		srv := r.host("srv", "10.0.0.2", sim.Linux)
		r.server(srv, "a", "echo", sim.Service{Proto: sim.TCP, Port: 7001})
		r.server(srv, "b", "echo", sim.Service{Proto: sim.TCP, Port: 7002})
		c := r.start(cli, "client", "")
		for i := 0; i < 10; i++ {
			if _, err := r.connect(c, "10.0.0.2:7001"); err != nil {
				t.Fatalf("%s connect %d: %v", os.Name, i, err)
			}
		}
		for _, to := range []string{"10.0.0.2:7001", "10.0.0.2:7002"} {
			if _, err := r.connect(c, to); errnoOf(err) != sim.EADDRNOTAVAIL {
				t.Errorf("%s: connect to %s with the range used: %v, want EADDRNOTAVAIL", os.Name, to, err)
			}
		}
	}
}

package sim_test

import (
	"net/netip"
	"testing"

	"portville/sim"
)

// natRig is two inside hosts, a router and a server outside.
func natRig(t *testing.T, mapping string) (*rig, *sim.Host, *sim.Host, *sim.Host) {
	r := newRig(t, 7)
	a := r.host("a", "192.168.1.10", nil)
	b := r.host("b", "192.168.1.11", nil)
	router, err := r.w.AddHost(sim.HostSpec{Name: "router", Addrs: []netip.Addr{ip("192.168.1.1"), ip("203.0.113.5")}})
	if err != nil {
		t.Fatal(err)
	}
	srv := r.host("srv", "198.51.100.10", nil)
	r.server(srv, "echo", "echo", sim.Service{Proto: sim.UDP, Port: 7}, sim.Service{Proto: sim.UDP, Port: 9})
	if err := r.w.SetNAT(router, sim.NATSpec{Inside: []*sim.Host{a, b}, Public: ip("203.0.113.5"), Mapping: mapping}); err != nil {
		t.Fatal(err)
	}
	return r, a, b, router
}

// udpFrom sends a datagram from port of a new client process on h to
// the address; again sends another from the same socket.
func (r *rig) udpFrom(h *sim.Host, port uint16, to string) (again func(to string)) {
	r.t.Helper()
	p := r.start(h, "client", "")
	fd, _ := p.Main().Socket(sim.UDP)
	if err := p.Main().Bind(fd, netip.AddrPortFrom(netip.IPv4Unspecified(), port)); err != nil {
		r.t.Fatal(err)
	}
	again = func(to string) {
		p.Main().SendTo(fd, ap(to), "hi")
		r.settle()
	}
	again(to)
	return again
}

// TestNATMappings: Linux keeps a port per 4-tuple and changes it on a
// clash towards the same server, but not towards another server;
// endpoint-independent mapping keeps one public port per inside address
// and port. The router's table lists the mappings.
func TestNATMappings(t *testing.T) {
	for _, tt := range []struct {
		mapping string
		want    []string // the public port of each mapping, "=" for kept
	}{
		{sim.MappingLinux, []string{"=", "changed", "=", "="}},
		{sim.MappingEndpointIndependent, []string{"=", "changed", "=", "changed"}},
	} {
		t.Run(tt.mapping, func(t *testing.T) {
			r, a, b, router := natRig(t, tt.mapping)
			r.udpFrom(a, 5000, "198.51.100.10:7")
			fromB := r.udpFrom(b, 5000, "198.51.100.10:7") // the same server: a clash
			r.udpFrom(b, 5001, "198.51.100.10:9")
			// b:5000 to another server: Linux keeps 5000 (no clash towards
			// it); endpoint-independent reuses b:5000's public port.
			fromB("198.51.100.10:9")
			maps := r.kinds(sim.KindNATMap)
			if len(maps) != 4 {
				t.Fatalf("%d mappings, want 4", len(maps))
			}
			for i, m := range maps {
				got := "changed"
				if m.Local.Port() == m.Src.Port() {
					got = "="
				}
				if got != tt.want[i] {
					t.Errorf("mapping %d: %s -> %s, want %s", i, m.Src, m.Local, tt.want[i])
				}
				if m.Local.Addr() != ip("203.0.113.5") {
					t.Errorf("mapping %d uses %s, want the public address", i, m.Local)
				}
			}
			if tt.mapping == sim.MappingEndpointIndependent && maps[3].Local != maps[1].Local {
				t.Errorf("endpoint-independent: b:5000 got %s and then %s, want one public port", maps[1].Local, maps[3].Local)
			}
			if n := len(router.NATEntries()); n != 4 {
				t.Errorf("the router lists %d mappings, want 4", n)
			}
			// Every echo came back to the device that sent.
			for _, m := range maps {
				back := 0
				for _, e := range r.kinds(sim.KindNATRewrite) {
					if e.Reason == "in" && e.Local == m.Src && e.Src == m.Remote {
						back++
					}
				}
				if back != 1 {
					t.Errorf("%d answers from %s rewritten to %s, want 1", back, m.Remote, m.Src)
				}
			}
		})
	}
}

// TestNATExpiry: a UDP mapping expires after its timeout without letters;
// a letter to it afterwards is dropped; an outside host cannot reach a
// private address.
func TestNATExpiry(t *testing.T) {
	r, a, _, _ := natRig(t, sim.MappingLinux)
	r.udpFrom(a, 5000, "198.51.100.10:7")
	if err := r.w.Advance(sim.DefaultUDPTimeout - sim.Second); err != nil {
		t.Fatal(err)
	}
	if n := len(r.kinds(sim.KindNATExpire)); n != 0 {
		t.Fatalf("%d expiries before the timeout", n)
	}
	if err := r.w.Advance(2 * sim.Second); err != nil {
		t.Fatal(err)
	}
	if n := len(r.kinds(sim.KindNATExpire)); n != 1 {
		t.Fatalf("%d expiries after the timeout, want 1", n)
	}
	srv := r.w.Host("srv")
	p := srv.Processes()[0]
	p.Main().SendTo(3, ap("203.0.113.5:5000"), "late")
	p.Main().SendTo(3, ap("192.168.1.10:5000"), "direct")
	r.settle()
	var reasons []string
	for _, e := range r.kinds(sim.KindPacketDrop) {
		reasons = append(reasons, e.Reason)
	}
	if len(reasons) != 2 || reasons[0] != "no-mapping" || reasons[1] != "no-host" {
		t.Errorf("drops = %q, want no-mapping (expired) and no-host (a private address from outside)", reasons)
	}
}

// TestNATTCPClose: a TCP mapping lives on while the connection does and
// is forgotten two minutes after both sides sent FIN.
func TestNATTCPClose(t *testing.T) {
	r, a, _, router := natRig(t, sim.MappingLinux)
	srv := r.w.Host("srv")
	r.server(srv, "web", "http", sim.Service{Proto: sim.TCP, Port: 80})
	p := r.start(a, "client", "")
	fd, _ := r.connect(p, "198.51.100.10:80")
	if es := router.NATEntries(); len(es) != 1 || es[0].State != "ESTABLISHED" || !es[0].Replied {
		t.Fatalf("after the handshake the router has %+v, want one replied ESTABLISHED mapping", es)
	}
	p.Main().Close(fd)
	r.settle()
	if err := r.w.Advance(119 * sim.Second); err != nil {
		t.Fatal(err)
	}
	if es := router.NATEntries(); len(es) != 1 || es[0].State != "TIME_WAIT" {
		t.Fatalf("before two minutes the router has %+v, want the mapping in TIME_WAIT", es)
	}
	if err := r.w.Advance(2 * sim.Second); err != nil {
		t.Fatal(err)
	}
	if es := router.NATEntries(); len(es) != 0 {
		t.Errorf("after two minutes the router still has %+v", es)
	}
}

func TestValidDNSName(t *testing.T) {
	for name, want := range map[string]bool{
		"example.org": true, "a": true, "www.example-1.org": true, "x1.y2": true,
		"": false, "Example.org": false, "-a.org": false, "a-.org": false, "a..org": false, ".org": false,
		"under_score.org": false, string(make([]byte, 254)): false,
	} {
		if got := sim.ValidDNSName(name); got != want {
			t.Errorf("ValidDNSName(%q) = %v, want %v", name, got, want)
		}
	}
}

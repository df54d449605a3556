package lab

import (
	"fmt"
	"net/netip"
	"strings"

	"portville/sim"
)

// ip shows the host's addresses and routes, as iproute2's ip addr and ip
// route do (IPv4 only: the town has no IPv6). It changes nothing.
func (r *run) ip(args []string) {
	v4 := false // -4: the addresses without the link lines
	for len(args) > 0 && strings.HasPrefix(args[0], "-") {
		switch args[0] {
		case "-4":
			v4 = true
		case "-6":
			r.fail(1, "lab: ip -6 is real, but the town has no IPv6 yet; ip addr shows the IPv4 addresses")
			return
		default:
			r.fail(1, r.notModelled("ip", args[0], "ip addr and ip route work"))
			return
		}
		args = args[1:]
	}
	if len(args) == 0 {
		r.fail(255, "Usage: ip [ OPTIONS ] OBJECT { COMMAND | help }", "where  OBJECT := { address | link | route | ... }")
		return
	}
	obj := args[0]
	switch {
	case strings.HasPrefix("address", obj) || obj == "addr":
		if len(args) > 1 && args[1] != "show" && args[1] != "list" && args[1] != "ls" {
			r.fail(255, "lab: the lab's ip shows addresses (ip addr); it does not change them")
			return
		}
	case len(obj) >= 1 && strings.HasPrefix("route", obj):
		r.ipRoute(args[1:])
		return
	case strings.HasPrefix("link", obj):
		r.fail(255, "lab: ip link is real, but the town has no link layer; ip addr shows each host's addresses")
		return
	default:
		r.fail(255, "Object \""+obj+"\" is unknown, try \"ip help\".")
		return
	}
	h := r.host()
	mac := macOf(h.Name())
	lo, eth := "\n    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00", "\n    link/ether "+mac+" brd ff:ff:ff:ff:ff:ff"
	if v4 {
		lo, eth = "", ""
	}
	lines := []string{
		"1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000" + lo,
		"    inet 127.0.0.1/8 scope host lo",
		"       valid_lft forever preferred_lft forever",
		"2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP group default qlen 1000" + eth,
	}
	var seen []netip.Prefix
	for _, a := range h.Addrs() {
		if a.IsLoopback() {
			continue
		}
		p := netip.PrefixFrom(a, 24)
		secondary := ""
		for _, q := range seen {
			if q.Masked() == p.Masked() {
				secondary = " secondary"
			}
		}
		seen = append(seen, p)
		b := p.Masked().Addr().As4()
		b[3] = 255
		lines = append(lines, fmt.Sprintf("    inet %s brd %s scope global%s eth0", p, netip.AddrFrom4(b), secondary),
			"       valid_lft forever preferred_lft forever")
	}
	r.outln(lines...)
}

// macOf is a host's made-up Ethernet address: locally administered
// (02:...), the same for a host name on every run.
func macOf(name string) string {
	var x uint64 = 1469598103934665603
	for i := 0; i < len(name); i++ {
		x ^= uint64(name[i])
		x *= 1099511628211
	}
	return fmt.Sprintf("02:%02x:%02x:%02x:%02x:%02x", byte(x>>32), byte(x>>24), byte(x>>16), byte(x>>8), byte(x))
}

// ipRoute prints the host's routing table as ip route does: a kernel
// route for each of its subnets (the town's hosts are /24s), and a
// default route through the router a host sits behind.
func (r *run) ipRoute(args []string) {
	if len(args) > 0 && args[0] != "show" && args[0] != "list" && args[0] != "ls" {
		r.fail(255, "lab: ip route "+args[0]+" is real, but the lab's ip only shows the routes (ip route); the town's routes follow from its addresses and routers")
		return
	}
	h := r.host()
	var lines []string
	if gw := h.Gateway(); gw != nil {
		lines = append(lines, "default via "+addrOn(gw, h.Addr()).String()+" dev eth0 ")
	}
	var nets []netip.Prefix
	for _, a := range h.Addrs() {
		if a.IsLoopback() {
			continue
		}
		p := netip.PrefixFrom(a, 24).Masked()
		if !containsPrefix(nets, p) {
			nets = append(nets, p)
			lines = append(lines, fmt.Sprintf("%s dev eth0 proto kernel scope link src %s ", p, a))
		}
	}
	r.outln(lines...)
	if h.Gateway() != nil {
		return
	}
	// The simulator's town is one street: say so where a real host would
	// need a route it does not have.
	for _, o := range r.world().Hosts() {
		if o != h && o.Gateway() == nil && !containsPrefix(nets, netip.PrefixFrom(o.Addr(), 24).Masked()) {
			r.outln("lab: " + h.Name() + " reaches " + o.Name() + " (" + o.Addr().String() + ") and the town's other addresses directly, as if the town were one street; a real host would need a route to them (default via a router)")
			return
		}
	}
}

// containsPrefix reports whether ps holds p.
func containsPrefix(ps []netip.Prefix, p netip.Prefix) bool {
	for _, q := range ps {
		if q == p {
			return true
		}
	}
	return false
}

// addrOn returns gw's address on the subnet of a (a router's inside
// address, as its inside hosts' default route names it), else its first.
func addrOn(gw *sim.Host, a netip.Addr) netip.Addr {
	p := netip.PrefixFrom(a, 24).Masked()
	for _, x := range gw.Addrs() {
		if netip.PrefixFrom(x, 24).Masked() == p {
			return x
		}
	}
	return gw.Addrs()[0]
}

package sim_test

import (
	"fmt"
	"net/netip"

	"portville/sim"
)

// A browser connects to a web server. The server listens on the
// well-known port 80; the OS gives the browser an ephemeral port from
// Linux's range, even, chosen per destination (RFC 6056 algorithm 4).
func Example() {
	w := sim.NewWorld(sim.Config{Seed: 7, OnEvent: func(e *sim.Event) {
		switch e.Kind {
		case sim.KindSocketListen, sim.KindPortAssign, sim.KindSocketAccept:
			text, _ := sim.Narrate(e)
			fmt.Println(text)
		}
	}})
	laptop, _ := w.AddHost(sim.HostSpec{Name: "laptop", Addrs: []netip.Addr{netip.MustParseAddr("192.168.1.10")}})
	web, _ := w.AddHost(sim.HostSpec{Name: "web", Addrs: []netip.Addr{netip.MustParseAddr("93.184.216.34")}})
	laptop.Install(sim.Program{Name: "firefox"})
	web.Install(sim.Program{Name: "nginx", Server: &sim.ServerSpec{
		Listen: []sim.Service{{Proto: sim.TCP, Port: 80}}, Protocol: "http", ReuseAddr: true}})
	web.Start("nginx", sim.StartOptions{})

	browser, _ := laptop.Start("firefox", sim.StartOptions{})
	t := browser.Main()
	fd, _ := t.Socket(sim.TCP)
	t.Connect(fd, netip.MustParseAddrPort("93.184.216.34:80"))
	w.Settle()
	fmt.Println(browser.Socket(fd).State(), browser.Socket(fd).Local())
	// Output:
	// nginx (PID 6521) listens on TCP 0.0.0.0:80 (backlog 128): it waits for clients to connect.
	// The OS assigns ephemeral port 50608 to firefox (PID 3329)'s TCP socket for its connection to 93.184.216.34:80.
	// nginx (PID 6521) accepts a connection from 192.168.1.10:50608: a new socket, descriptor 4, with the same local port 80 as the listener.
	// ESTABLISHED 192.168.1.10:50608
}

// Binding a port that another socket already holds fails with
// EADDRINUSE, as it does on a real system.
func ExampleThread_Bind() {
	w := sim.NewWorld(sim.Config{Seed: 1})
	h, _ := w.AddHost(sim.HostSpec{Name: "srv", Addrs: []netip.Addr{netip.MustParseAddr("10.0.0.2")}})
	h.Install(sim.Program{Name: "httpd", User: "root"})
	a, _ := h.Start("httpd", sim.StartOptions{})
	b, _ := h.Start("httpd", sim.StartOptions{})
	for _, p := range []*sim.Process{a, b} {
		fd, _ := p.Main().Socket(sim.TCP)
		err := p.Main().Bind(fd, netip.MustParseAddrPort("0.0.0.0:80"))
		fmt.Println(err)
	}
	// Output:
	// <nil>
	// bind: Address already in use (EADDRINUSE)
}

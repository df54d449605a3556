package lab

import (
	"net/netip"
	"strconv"
	"strings"

	"portville/sim"
)

// This file is inetutils' telnet client, on nc's connection (ncJob).

// telnet is inetutils' telnet client (testdata/real: telnet-http10,
// telnet-refused): it tries the address, says it is connected and what
// its escape key is, and the terminal is attached to the connection.
func (r *run) telnet(t *terminal, args []string) error {
	if len(args) > 0 && strings.HasPrefix(args[0], "-") {
		r.outln(r.notModelled("telnet", args[0], "telnet HOST [PORT] connects; nc HOST PORT does the same"))
		r.status(1)
		return nil
	}
	if len(args) == 0 || len(args) > 2 {
		r.outln("lab: the lab's telnet takes HOST [PORT] (its telnet> prompt is not modelled)")
		r.status(1)
		return nil
	}
	host, portArg := args[0], "23"
	if len(args) == 2 {
		portArg = args[1]
	}
	port, err := strconv.Atoi(portArg)
	if err != nil || port < 1 || port > 65535 {
		switch portArg {
		case "telnet":
			port = 23
		case "ftp":
			port = 21
		case "smtp":
			port = 25
		case "http":
			port = 80
		case "https":
			port = 443
		default:
			r.outln("telnet: could not resolve " + host + "/" + portArg + ": Servname not supported for ai_socktype")
			r.status(1)
			return nil
		}
	}
	addr, _, ok := r.lab.hostAddr(host)
	if !ok {
		r.outln("telnet: could not resolve " + host + "/" + portArg + ": Name or service not known")
		r.status(1)
		return nil
	}
	alias, p, err := r.start("telnet", nil)
	if err != nil {
		return err
	}
	t.tty[p.PID()] = true
	t.watch[p.PID()] = true
	r.outln("Trying " + addr.String() + "...")
	_, fail, err := r.connect(alias, "s", sim.TCP, host, netip.AddrPortFrom(addr, uint16(port)))
	if err != nil {
		return err
	}
	if fail != "" {
		if resolveFailed(fail) {
			fail = "Name or service not known"
		}
		r.outln("telnet: Unable to connect to remote host: " + fail)
		if err := r.closeSock(alias, "s"); err != nil {
			return err
		}
		r.status(1)
		return r.exit(alias, 1, "")
	}
	r.outln("Connected to "+host+".", "Escape character is '^]'.")
	t.fg = &ncJob{alias: alias, sock: "s", pid: p.PID(), telnet: true}
	return nil
}

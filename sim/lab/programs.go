package lab

import (
	"fmt"
	"strconv"
	"strings"

	"portville/sim"
	"portville/sim/scenario"
)

// This file starts the server programs a host has, as typing their names
// does, and speaks for them when they cannot start: nginx's own command
// line too.

// runProgram starts an installed program typed by name: a daemon detaches
// (nginx, vsftpd, postgres), another runs as a background job (a
// development server, a lesson's own programs). A server that cannot get
// its port says so as the real one does.
func (r *run) runProgram(t *terminal, name string, args []string, background bool) error {
	h := r.host()
	prog := h.Program(name)
	pkg := packageOf(name)
	var server *sim.ServerSpec
	if pkg != nil && pkg.PortFlag != "" {
		port, ok := r.portFlag(name, pkg, args)
		if !ok {
			return nil
		}
		if port != pkg.Port {
			spec := *prog.Server
			spec.Listen = []sim.Service{{Proto: sim.TCP, Port: port}}
			server = &spec
		}
	} else if len(args) > 0 && name == "nginx" {
		return r.nginxControl(t, args)
	} else if len(args) > 0 && pkg != nil {
		r.outln("lab: " + name + " " + args[0] + " is real, but the lab runs " + name + " with its default configuration and no options; type " + name + " to start it")
		r.status(2)
		return nil
	}
	if len(t.jobs) >= maxJobsPerHost {
		r.outln("bash: fork: retry: Resource temporarily unavailable")
		r.status(254)
		return nil
	}
	before := len(r.events)
	if pkg != nil && pkg.Daemon {
		// A daemon forks and its parent exits: bash's job for it ends
		// at once, and the lab shows none.
		r.bg = false
	}
	alias, p, err := r.start(name, server)
	if err != nil {
		return err
	}
	spec := p.Server()
	daemon := pkg != nil && pkg.Daemon
	if !daemon {
		r.addJob(t, alias, p, r.cmdText)
	}
	if p.Alive() {
		if pkg != nil && pkg.Name == "devserver" {
			r.outln(fmt.Sprintf("devserver: listening on http://0.0.0.0:%d", spec.Listen[0].Port))
		}
		return nil
	}
	// It could not start: say why, as the program would.
	errno, ev := errnoOf(r.eventsSince(before), r.in.Host, p.PID())
	port := uint16(0)
	if ev != nil {
		port = ev.Port
	}
	r.status(1)
	r.outln(startFailure(name, errno, port, r.clock())...)
	return nil
}

// portFlag reads a development server's --port N.
func (r *run) portFlag(name string, pkg *Package, args []string) (uint16, bool) {
	port := pkg.Port
	for i := 0; i < len(args); i++ {
		a := args[i]
		v, isFlag := "", false
		switch {
		case a == pkg.PortFlag || a == "-p":
			if i+1 >= len(args) {
				r.outln(name + ": option '" + a + "' needs a port number")
				r.status(2)
				return 0, false
			}
			i++
			v, isFlag = args[i], true
		case strings.HasPrefix(a, pkg.PortFlag+"="):
			v, isFlag = strings.TrimPrefix(a, pkg.PortFlag+"="), true
		}
		if !isFlag {
			r.outln(name + ": unknown option '" + a + "' (it takes " + pkg.PortFlag + " PORT)")
			r.status(2)
			return 0, false
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 65535 {
			r.outln(name + ": invalid port '" + v + "' (expected 1 to 65535)")
			r.status(2)
			return 0, false
		}
		port = uint16(n)
	}
	return port, true
}

// startFailure is what a server prints when it cannot bind its port.
func startFailure(name string, errno sim.Errno, port uint16, clock string) []string {
	reason := string(errno)
	code := 98
	text := "Address already in use"
	if errno == sim.EACCES {
		code, text = 13, "Permission denied"
	}
	switch name {
	case "nginx":
		line := fmt.Sprintf("%s [emerg] 1#1: bind() to 0.0.0.0:%d failed (%d: %s)", clock, port, code, text)
		return []string{line, line, line, line, line, clock + " [emerg] 1#1: still could not bind()"}
	case "vsftpd":
		return []string{"500 OOPS: could not bind listening IPv4 socket"}
	case "postgres":
		return []string{
			fmt.Sprintf("%s LOG:  could not bind IPv4 address \"0.0.0.0\": %s", clock, text),
			fmt.Sprintf("%s HINT:  Is another postmaster already running on port %d? If not, wait a few seconds and retry.", clock, port),
			clock + " WARNING:  could not create listen socket for \"*\"",
			clock + " FATAL:  could not create any TCP/IP sockets",
		}
	case "devserver":
		return []string{fmt.Sprintf("devserver: cannot listen on 0.0.0.0:%d: %s (%s)", port, strings.ToLower(text[:1])+text[1:], reason)}
	}
	return []string{fmt.Sprintf("%s: cannot bind port %d: %s", name, port, text)}
}

// clock is the town's wall clock for the programs that print one: the
// lab's clock starts at 2026/11/30 03:00:00 (the date of REAL-TOOLS.md's
// transcripts) and moves with simulated time.
func (r *run) clock() string {
	secs := int64(r.world().Now() / sim.Second)
	h, m, s := 3+secs/3600, secs/60%60, secs%60
	return fmt.Sprintf("2026/11/30 %02d:%02d:%02d", h%24, m, s)
}

// nginxControl is nginx's command line besides starting it: -t tests the
// configuration, -s stop|quit signals the running master (from a
// short-lived process of its own, whose log line says so), -v prints the
// version. A configuration of one's own (-c, -g) the lab does not model.
func (r *run) nginxControl(t *terminal, args []string) error {
	switch {
	case len(args) == 1 && args[0] == "-t":
		r.outln("nginx: the configuration file /etc/nginx/nginx.conf syntax is ok", "nginx: configuration file /etc/nginx/nginx.conf test is successful")
		return nil
	case len(args) == 1 && args[0] == "-v":
		r.outln("nginx version: " + sim.NginxVersion)
		return nil
	case len(args) == 2 && args[0] == "-s":
	default:
		r.outln("lab: nginx " + strings.Join(args, " ") + " is real, but the lab runs nginx with its default configuration; nginx starts it, nginx -t tests it, nginx -s stop|quit stops it")
		r.status(2)
		return nil
	}
	sig := "TERM"
	if args[1] == "quit" {
		sig = "QUIT"
	}
	switch args[1] {
	case "stop", "quit":
	case "reload", "reopen":
		r.outln("lab: nginx -s " + args[1] + " is real (a reload starts new workers with the new configuration), but the lab's nginx has no configuration to reload, so nothing would change; nginx -s stop stops it")
		r.status(2)
		return nil
	default:
		r.outln("nginx: invalid option: \"-s " + args[1] + "\"")
		r.status(1)
		return nil
	}
	// The line comes from the short-lived nginx that sends the signal;
	// the lab writes its PID as 1, as for nginx's other own lines
	// (startFailure).
	notice := r.clock() + " [notice] 1#1: signal process started"
	h := r.host()
	for _, p := range h.Processes() {
		if p.Program().Name != "nginx" || p.Server() == nil || !p.Alive() || p.PPID() != 0 {
			continue
		}
		alias := r.lab.aliasOf(h, p.PID())
		if alias == "" {
			continue
		}
		r.outln(notice)
		return r.step(scenario.Step{Action: "exit", Proc: alias, Signal: sig})
	}
	r.outln(notice, r.clock()+` [error] 1#1: open() "/run/nginx.pid" failed (2: No such file or directory)`)
	r.status(1)
	return nil
}

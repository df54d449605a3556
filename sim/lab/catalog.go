package lab

import "portville/sim"

// tool is a program of the base system every host of a lab has, like the
// few programs a minimal Linux install brings.
type tool struct {
	name, path, client string
}

// baseTools are on every host. The lab's terminal also has shell builtins
// and commands that read the kernel's state without running a program in
// the town (ss, ip, sysctl): see commands.
var baseTools = []tool{
	{name: "nc", path: "/usr/bin/nc"},
	{name: "curl", path: "/usr/bin/curl"},
	{name: "ftp", path: "/usr/bin/ftp", client: "ftp"},
	{name: "ps", path: "/usr/bin/ps"},
	{name: "telnet", path: "/usr/bin/telnet"},
	{name: "dig", path: "/usr/bin/dig"},
	{name: "host", path: "/usr/bin/host"},
	{name: "nslookup", path: "/usr/bin/nslookup"},
}

func isBaseTool(name string) bool {
	for _, t := range baseTools {
		if t.name == name {
			return true
		}
	}
	return false
}

// Package is a server program a learner can install: it covers the
// lessons' servers.
type Package struct {
	Name    string // what apt install takes
	Program string // the program it installs, as typed to start it
	Title   string // for the view's list
	Version string // Debian's version, for apt's lines
	// Daemon programs detach from the terminal when started, as nginx,
	// vsftpd and the database do; others run as a background job.
	Daemon bool
	// Port is the port it serves unless told otherwise, and PortFlag the
	// option that changes it ("--port"), if any.
	Port     uint16
	PortFlag string
	prog     sim.Program
}

// Catalogue lists the packages, in the order the view offers them.
var Catalogue = []Package{
	{
		Name: "nginx", Program: "nginx", Title: "Web server (nginx)", Version: "1.22.1-9+deb12u1", Daemon: true, Port: 80,
		prog: sim.Program{Name: "nginx", Path: "/usr/sbin/nginx", Server: &sim.ServerSpec{
			Listen: []sim.Service{{Proto: sim.TCP, Port: 80}}, Protocol: "http", ReuseAddr: true, Workers: 2, Backlog: 511}},
	},
	{
		Name: "vsftpd", Program: "vsftpd", Title: "FTP server (vsftpd)", Version: "3.0.3-13+b2", Daemon: true, Port: 21,
		prog: sim.Program{Name: "vsftpd", Path: "/usr/sbin/vsftpd", Server: &sim.ServerSpec{
			Listen: []sim.Service{{Proto: sim.TCP, Port: 21}}, Protocol: "ftp", ReuseAddr: true, Backlog: 32}},
	},
	{
		Name: "postgresql", Program: "postgres", Title: "Database (PostgreSQL)", Version: "15+248", Daemon: true, Port: 5432,
		prog: sim.Program{Name: "postgres", Path: "/usr/lib/postgresql/15/bin/postgres", Server: &sim.ServerSpec{
			Listen: []sim.Service{{Proto: sim.TCP, Port: 5432}}, Protocol: "none", ReuseAddr: true, Backlog: 200}},
	},
	{
		Name: "devserver", Program: "devserver", Title: "Development server (port 3000)", Version: "1.0.0", Port: 3000, PortFlag: "--port",
		prog: sim.Program{Name: "devserver", Path: "/usr/local/bin/devserver", Server: &sim.ServerSpec{
			Listen: []sim.Service{{Proto: sim.TCP, Port: 3000}}, Protocol: "http", ReuseAddr: true, Threads: "single", Backlog: 511}},
	},
}

// packageByName finds a package by its apt name or its program's name.
func packageByName(name string) *Package {
	for i := range Catalogue {
		if Catalogue[i].Name == name || Catalogue[i].Program == name {
			return &Catalogue[i]
		}
	}
	return nil
}

// packageOf returns the package that installs the program, or nil.
func packageOf(program string) *Package {
	for i := range Catalogue {
		if Catalogue[i].Program == program {
			return &Catalogue[i]
		}
	}
	return nil
}

// program returns a copy of the package's program.
func (p *Package) program() sim.Program {
	prog := p.prog
	if s := prog.Server; s != nil {
		cp := *s
		cp.Listen = append([]sim.Service(nil), s.Listen...)
		prog.Server = &cp
	}
	return prog
}

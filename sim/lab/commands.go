package lab

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"portville/sim"
	"portville/sim/scenario"
)

// stripSudo drops a leading sudo: the lab's shell already runs as root,
// as the shells of REAL-TOOLS.md's transcripts did.
func stripSudo(argv []string) []string {
	for len(argv) > 0 && argv[0] == "sudo" {
		argv = argv[1:]
	}
	return argv
}

// command runs one command, with stdin when a pipe feeds it.
func (r *run) command(t *terminal, argv []string, stdin *string, background bool) error {
	name, args := argv[0], argv[1:]
	os := r.host().OS().Name
	switch name {
	case "help":
		r.help()
		return nil
	case "clear":
		r.entry.Out = append(r.entry.Out, Chunk{Host: r.in.Host, Seq: r.seq(), Clear: true})
		return nil
	case "echo":
		r.out(echo(args))
		return nil
	case "printf":
		if len(args) == 0 {
			r.outln("printf: usage: printf [-v var] format [arguments]")
			r.status(2)
			return nil
		}
		r.out(printf(args[0], args[1:]))
		return nil
	case "hostname":
		r.outln(r.in.Host)
		return nil
	case "whoami":
		r.outln("root")
		return nil
	case "pwd":
		r.outln("/root")
		return nil
	case "cd", "true", ":":
		return nil
	case "false":
		r.status(1)
		return nil
	case "exit", "logout":
		r.outln("lab: the terminal stays open; switch to another building's terminal instead")
		return nil
	case "jobs":
		r.jobs(t)
		return nil
	case "fg":
		return r.fg(t, args)
	case "bg":
		return r.bgJob(t, args)
	case "history":
		r.history()
		return nil
	case "kill":
		return r.kill(t, args)
	case "sleep":
		return r.sleep(args)
	case "install":
		return r.install(args, false)
	case "uninstall":
		return r.uninstall(args, false)
	case "apt", "apt-get":
		if os != "linux" {
			break
		}
		return r.apt(name, args)
	case "nc":
		return r.nc(t, args, stdin)
	case "curl":
		return r.curl(t, args)
	case "telnet":
		return r.telnet(t, args)
	case "ftp":
		return r.ftp(t, args, stdin)
	case "ps":
		return r.ps(t, args)
	case "ss":
		r.ss(args)
		return nil
	case "netstat":
		r.netstat(args)
		return nil
	case "ip":
		r.ip(args)
		return nil
	case "sysctl":
		if os == "windows" {
			break
		}
		return r.sysctl(args)
	case "netsh":
		if os != "windows" {
			break
		}
		return r.netsh(args)
	}
	if h := r.host(); h.Program(name) != nil && !isBaseTool(name) {
		return r.runProgram(t, name, args, background)
	}
	if isFilter(name) {
		r.filter(name, args, stdin)
		return nil
	}
	if word, ok := realToolWord(name); ok {
		r.outln(word)
		r.status(127)
		return nil
	}
	r.outln("bash: " + name + ": command not found")
	r.status(127)
	return nil
}

// help lists what the lab's terminal takes.
func (r *run) help() {
	os := r.host().OS().Name
	lines := []string{
		"The lab's terminal takes a small set of real commands; their output looks like the real tools'.",
		"",
		"  nc [-v] [-u] [-z] [-N] HOST PORT   connect; what you type is sent, Ctrl-C or Ctrl-D ends it",
		"  nc -l [-u] [-k] PORT               listen (in the background) and print what arrives",
		"  curl [-v] [-s] [-o FILE] [-w FORMAT] URL    fetch a page: -w '%{local_port}\\n' prints the port",
		"  ftp HOST                           an FTP session in passive mode (ls, get FILE, quit)",
		"  telnet HOST [PORT]                 connect and type, as nc does (Connected to ..., Escape character is '^]')",
		"  ss [-t] [-u] [-l] [-a] [-n] [-p] [state STATE]   the sockets of this host",
		"  netstat [-tuanlp]                  the same, in net-tools' columns",
		"  ps [-e] [-L] [-f] [-o FORMAT]      its processes (-L: threads)",
		"  kill [-9] PID|%JOB                 end a process",
		"  ip addr                            its addresses",
	}
	switch os {
	case "linux":
		lines = append(lines, "  sysctl -w net.ipv4.ip_local_port_range=\"LOW HIGH\"   the ephemeral port range")
	case "macos", "freebsd":
		lines = append(lines, "  sysctl -w net.inet.ip.portrange.first=LOW net.inet.ip.portrange.last=HIGH   the ephemeral port range")
	case "windows":
		lines = append(lines, "  netsh int ipv4 set dynamicport tcp start=LOW num=N   the ephemeral port range")
	}
	lines = append(lines,
		"  sleep SECONDS                      let time pass in the town (TIME_WAIT ends after a while)",
		"  install NAME, uninstall NAME       add or remove a server program: "+packageNames(),
	)
	if os == "linux" {
		lines = append(lines, "  apt install NAME, apt remove NAME  the same, as Debian does it")
	}
	lines = append(lines, "  a program's name starts it: "+r.startable(),
		"  echo, printf (also into a pipe: echo hello | nc -N web 7000), history, clear, help",
		"  grep, head, tail, wc, sort, cat after a pipe: ss -tan | grep ESTAB | wc -l",
		"  ; && || join commands, $? is the last status; & runs one in the background",
		"  jobs, fg, bg; Ctrl-Z stops the program in the foreground",
		"",
		"Time in the town stands still between commands; only the commands' own work and sleep move it.")
	r.outln(lines...)
}

func packageNames() string {
	var names []string
	for _, p := range Catalogue {
		names = append(names, p.Name)
	}
	return strings.Join(names, ", ")
}

// startable lists the programs of the host that can be started by name.
func (r *run) startable() string {
	var names []string
	for _, p := range r.host().Programs() {
		if !isBaseTool(p.Name) {
			names = append(names, p.Name)
		}
	}
	if len(names) == 0 {
		return "none installed yet (try install nginx)"
	}
	return strings.Join(names, ", ")
}

// echo is bash's echo builtin with -n and -e.
func echo(args []string) string {
	newline, escapes := true, false
	for len(args) > 0 && len(args[0]) > 1 && args[0][0] == '-' && strings.Trim(args[0][1:], "neE") == "" {
		for _, c := range args[0][1:] {
			switch c {
			case 'n':
				newline = false
			case 'e':
				escapes = true
			case 'E':
				escapes = false
			}
		}
		args = args[1:]
	}
	s := strings.Join(args, " ")
	if escapes {
		s = unescape(s)
	}
	if newline {
		s += "\n"
	}
	return s
}

// printf is bash's printf for %s, %d, %% and backslash escapes; the
// format is reused while arguments are left, as bash does.
func printf(format string, args []string) string {
	var b strings.Builder
	for {
		used := 0
		f := unescape(format)
		for i := 0; i < len(f); i++ {
			if f[i] != '%' || i+1 >= len(f) {
				b.WriteByte(f[i])
				continue
			}
			i++
			switch f[i] {
			case '%':
				b.WriteByte('%')
			case 's', 'd', 'b':
				if used < len(args) {
					v := args[used]
					if f[i] == 'b' {
						v = unescape(v)
					}
					b.WriteString(v)
				} else if f[i] == 'd' {
					b.WriteByte('0')
				}
				used++
			default:
				b.WriteByte('%')
				b.WriteByte(f[i])
			}
		}
		if used == 0 || used >= len(args) {
			break
		}
		args = args[used:]
	}
	return b.String()
}

// unescape interprets \n, \t, \r, \\ and \a as echo -e and printf do.
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 >= len(s) {
			b.WriteByte(s[i])
			continue
		}
		i++
		if e, ok := escaped(s[i]); ok {
			b.WriteByte(e)
		} else {
			b.WriteByte('\\')
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// escaped is the byte a backslash escape stands for: \n, \t, \r, \\, \a.
func escaped(c byte) (byte, bool) {
	switch c {
	case 'n':
		return '\n', true
	case 't':
		return '\t', true
	case 'r':
		return '\r', true
	case '\\':
		return '\\', true
	case 'a':
		return '\a', true
	}
	return 0, false
}

// jobs lists the terminal's background jobs, as bash's jobs does.
func (r *run) jobs(t *terminal) {
	for _, j := range t.jobs {
		j.unreported = false
		if j.stopped {
			r.outln(fmt.Sprintf("[%d]%s  %-24s%s", j.n, t.mark(j), "Stopped", j.cmd))
			continue
		}
		r.outln(fmt.Sprintf("[%d]%s  %-24s%s &", j.n, t.mark(j), "Running", j.cmd))
	}
}

// mark is bash's mark for a job: + the current job (the last one
// started in the background or stopped), - the previous one.
func (t *terminal) mark(j *job) string {
	var first, second *job
	for _, x := range t.jobs {
		if x.done && x != j {
			continue
		}
		switch {
		case first == nil || x.touched > first.touched:
			first, second = x, first
		case second == nil || x.touched > second.touched:
			second = x
		}
	}
	switch j {
	case first:
		return "+"
	case second:
		return "-"
	}
	return " "
}

// touch makes a job the current one.
func (t *terminal) touch(j *job) {
	t.tick++
	j.touched = t.tick
}

// history lists the lines typed at this terminal's prompt, numbered.
func (r *run) history() {
	n := 0
	for _, e := range r.lab.entries {
		if e.Host == r.in.Host && e.Key == "" && strings.HasSuffix(e.Prompt, "$ ") {
			n++
			r.outln(fmt.Sprintf("%5d  %s", n, e.Line))
		}
	}
	r.outln(fmt.Sprintf("%5d  %s", n+1, r.in.Line))
}

// kill ends processes, as bash's kill builtin does: TERM unless a signal
// is named (-9, -KILL, -s KILL, -INT).
func (r *run) kill(t *terminal, args []string) error {
	sig := "TERM"
	for len(args) > 0 && strings.HasPrefix(args[0], "-") && len(args[0]) > 1 {
		a := strings.TrimPrefix(args[0], "-")
		args = args[1:]
		if a == "l" || a == "L" {
			if len(args) > 0 {
				// kill -l 15 names a signal, kill -l TERM numbers it.
				for _, x := range args {
					s := signalOf(x)
					switch {
					case s == "":
						r.outln("bash: kill: " + x + ": invalid signal specification")
						r.status(1)
					case x == s || "SIG"+s == strings.ToUpper(x):
						for n, name := range signalNames {
							if name == s {
								r.outln(strconv.Itoa(n))
							}
						}
					default:
						r.outln(s)
					}
				}
				return nil
			}
			r.outln(killList()...)
			return nil
		}
		if a == "s" || a == "n" {
			if len(args) == 0 {
				r.outln("bash: kill: -" + a + ": option requires an argument")
				r.status(2)
				return nil
			}
			a, args = args[0], args[1:]
		}
		s := signalOf(a)
		switch {
		case s == "":
			r.outln("bash: kill: " + a + ": invalid signal specification")
			r.status(1)
			return nil
		case !simSignal(s):
			r.outln("lab: kill -" + a + " (SIG" + s + ") is real, but the lab's processes take only TERM, INT, QUIT, HUP and KILL; kill PID sends TERM")
			r.status(1)
			return nil
		}
		sig = s
	}
	if len(args) == 0 {
		r.outln("kill: usage: kill [-s sigspec | -n signum | -sigspec] pid | jobspec ... or kill -l [sigspec]")
		r.status(2)
		return nil
	}
	h := r.host()
	for _, a := range args {
		var alias string
		var pid int
		if strings.HasPrefix(a, "%") {
			j := r.pickJob(t, "kill", a)
			if j == nil {
				continue
			}
			alias, pid = j.alias, j.pid
		} else {
			n, err := strconv.Atoi(a)
			if err != nil {
				r.outln("bash: kill: " + a + ": arguments must be process or job IDs")
				r.status(1)
				continue
			}
			pid = n
			p := h.Process(pid)
			if p == nil {
				r.outln(fmt.Sprintf("bash: kill: (%d) - No such process", pid))
				r.status(1)
				continue
			}
			alias = r.lab.aliasOf(h, pid)
			if alias == "" {
				master := h.Process(p.PPID())
				if master != nil {
					r.outln(fmt.Sprintf("lab: %d is a worker forked by %s (PID %d); kill the master, PID %d, to stop the server", pid, master.Program().Name, master.PID(), master.PID()))
				} else {
					r.outln(fmt.Sprintf("lab: %d was not started from a terminal or a step, so the lab cannot name it in the scenario it writes", pid))
				}
				r.status(1)
				continue
			}
		}
		if j := t.jobOf(pid); j != nil && j.stopped && sig != "KILL" && !(strings.HasPrefix(a, "%") && (sig == "TERM" || sig == "HUP")) {
			// A stopped process keeps the signal pending until it runs
			// again; bash's kill %N adds SIGCONT for TERM and HUP only.
			r.outln("lab: SIG" + sig + " waits while " + j.cmd + " is stopped (Linux delivers it once the job runs: fg or bg); kill %" + strconv.Itoa(j.n) + " (bash adds SIGCONT) or kill -9 " + strconv.Itoa(pid) + " ends it now")
			r.status(1)
			continue
		}
		if sig == "HUP" {
			if p := h.Process(pid); p != nil && p.ReloadsOnHUP() {
				r.outln("lab: " + p.Program().Name + " takes SIGHUP as \"reload the configuration\" (nginx starts new workers); the lab's servers have no configuration to reload, so nothing changes. kill PID stops it")
				continue
			}
		}
		if err := r.step(scenario.Step{Action: "exit", Proc: alias, Signal: sig}); err != nil {
			return err
		}
	}
	return nil
}

// aliasOf returns the scenario's name for the live process with pid on
// host h, or "" when no step named it (a worker a server forked).
func (l *Lab) aliasOf(h *sim.Host, pid int) string {
	p := h.Process(pid)
	if p == nil {
		return ""
	}
	for _, st := range l.sc.Steps {
		if st.Action == "start" && st.As != "" && l.live.Process(st.As) == p {
			return st.As
		}
	}
	return ""
}

// sleep lets simulated time pass: the only way the town's clock moves
// between commands.
func (r *run) sleep(args []string) error {
	if len(args) == 0 {
		r.outln("sleep: missing operand", "Try 'sleep --help' for more information.")
		r.status(1)
		return nil
	}
	var total sim.Time
	for _, a := range args {
		d, ok := parseSleep(a)
		if !ok {
			r.outln("sleep: invalid time interval '"+a+"'", "Try 'sleep --help' for more information.")
			r.status(1)
			return nil
		}
		total += d
	}
	if total == 0 {
		return nil
	}
	used := r.lab.waited()
	if used+total > scenario.MaxWaitTotal {
		r.outln(fmt.Sprintf("lab: the town's clock can move %s in all (a scenario's limit); %s of it is used", fmtDuration(scenario.MaxWaitTotal), fmtDuration(used)))
		r.status(1)
		return nil
	}
	return r.step(scenario.Step{Action: "wait", Wait: total})
}

// parseSleep reads GNU sleep's NUMBER[smhd], with a decimal fraction.
func parseSleep(s string) (sim.Time, bool) {
	unit := sim.Second
	if n := len(s); n > 0 {
		switch s[n-1] {
		case 's':
			s = s[:n-1]
		case 'm':
			s, unit = s[:n-1], 60*sim.Second
		case 'h':
			s, unit = s[:n-1], 3600*sim.Second
		case 'd':
			s, unit = s[:n-1], 86400*sim.Second
		}
	}
	if s == "" || strings.ContainsAny(s, "+-eExXpPnN") {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || f > 1e6 {
		return 0, false
	}
	return sim.Time(f * float64(unit)), true
}

// waited returns the simulated time the lab's waits have asked for.
func (l *Lab) waited() sim.Time {
	var t sim.Time
	for _, st := range l.sc.Steps {
		t += st.Wait + st.After
	}
	return t
}

func fmtDuration(t sim.Time) string {
	switch {
	case t%(3600*sim.Second) == 0:
		return strconv.FormatInt(int64(t/(3600*sim.Second)), 10) + "h"
	case t%(60*sim.Second) == 0:
		return strconv.FormatInt(int64(t/(60*sim.Second)), 10) + "m"
	}
	return t.String()
}

// install is the lab's own installer (any OS), and apt's when quiet is
// false... see apt for Debian's words.
func (r *run) install(args []string, viaApt bool) error {
	if len(args) == 0 {
		r.outln("lab: install NAME (the programs: " + packageNames() + ")")
		r.status(2)
		return nil
	}
	h := r.host()
	for _, name := range args {
		pkg := packageByName(name)
		switch {
		case pkg == nil && viaApt:
			r.outln("E: Unable to locate package " + name)
			r.status(100)
			return nil
		case pkg == nil:
			r.outln("lab: there is no program " + name + " to install (the programs: " + packageNames() + ")")
			r.status(1)
			return nil
		case h.Program(pkg.Program) != nil:
			if viaApt {
				r.outln(pkg.Name + " is already the newest version (" + pkg.Version + ").")
			} else {
				r.outln("lab: " + pkg.Program + " is already installed on " + r.in.Host)
			}
			continue
		case len(h.Programs()) >= scenario.MaxProgramsPerHost:
			r.outln(fmt.Sprintf("lab: %s has %d programs, the most a host holds", r.in.Host, scenario.MaxProgramsPerHost))
			r.status(1)
			return nil
		}
		prog := pkg.program()
		if err := r.step(scenario.Step{Action: "install", Host: r.in.Host, Program: prog.Name, Install: &prog}); err != nil {
			return err
		}
		if viaApt {
			r.outln("Setting up " + pkg.Name + " (" + pkg.Version + ") ...")
		} else {
			r.outln(fmt.Sprintf("lab: installed %s on %s (%s); type %s to start it", pkg.Program, r.in.Host, pkg.Title, pkg.Program))
		}
	}
	return nil
}

// uninstall removes a program; running processes of it are stopped
// first, as Debian's packages stop their service before removal.
func (r *run) uninstall(args []string, viaApt bool) error {
	if len(args) == 0 {
		r.outln("lab: uninstall NAME")
		r.status(2)
		return nil
	}
	h := r.host()
	for _, name := range args {
		pkg := packageByName(name)
		prog := name
		if pkg != nil {
			prog = pkg.Program
		}
		switch {
		case isBaseTool(prog):
			r.outln("lab: " + prog + " is part of the lab's base system and stays")
			r.status(1)
			return nil
		case h.Program(prog) == nil && viaApt:
			if pkg == nil {
				r.outln("E: Unable to locate package " + name)
				r.status(100)
				return nil
			}
			r.outln("Package '" + pkg.Name + "' is not installed, so not removed")
			continue
		case h.Program(prog) == nil:
			r.outln("lab: " + prog + " is not installed on " + r.in.Host)
			r.status(1)
			return nil
		}
		for _, p := range slices.Clone(h.Processes()) {
			if p.Program().Name == prog && p.Alive() {
				if alias := r.lab.aliasOf(h, p.PID()); alias != "" {
					if err := r.step(scenario.Step{Action: "exit", Proc: alias, Signal: "TERM"}); err != nil {
						return err
					}
				}
			}
		}
		if err := r.step(scenario.Step{Action: "uninstall", Host: r.in.Host, Program: prog}); err != nil {
			return err
		}
		if viaApt {
			version := "1.0"
			if pkg != nil {
				version = pkg.Version
			}
			r.outln("Removing " + name + " (" + version + ") ...")
		} else {
			r.outln("lab: removed " + prog + " from " + r.in.Host)
		}
	}
	return nil
}

// apt is Debian's apt install and apt remove, as root.
func (r *run) apt(name string, args []string) error {
	var pkgs []string
	op := ""
	for _, a := range args {
		switch {
		case a == "-y" || a == "--yes" || a == "-q" || a == "--no-install-recommends":
		case strings.HasPrefix(a, "-"):
			r.outln("E: Command line option '" + strings.TrimLeft(a, "-") + "' [from " + a + "] is not understood in combination with the other options.")
			r.status(100)
			return nil
		case op == "":
			op = a
		default:
			pkgs = append(pkgs, a)
		}
	}
	switch op {
	case "install", "remove", "purge":
	case "":
		r.outln("apt 2.6.1 (amd64)", "Usage: apt [options] command", "", "Most used commands:", "  install - install packages", "  remove - remove packages")
		r.status(1)
		return nil
	default:
		r.outln("E: Invalid operation " + op)
		r.status(100)
		return nil
	}
	if len(pkgs) == 0 {
		if op == "install" {
			r.outln("Reading package lists... Done", "Building dependency tree... Done", "Reading state information... Done", "0 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.")
		}
		return nil
	}
	r.outln("Reading package lists... Done", "Building dependency tree... Done", "Reading state information... Done")
	if op == "install" {
		return r.install(pkgs, true)
	}
	return r.uninstall(pkgs, true)
}

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
		h := withBaseTools(scenario.HostDef{Name: name, Addrs: []netip.Addr{a}, OS: os})
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

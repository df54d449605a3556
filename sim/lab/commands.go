package lab

import (
	"fmt"
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
	if r.missing(name) {
		return nil
	}
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
		if os == "windows" {
			return r.stopProcess(t, args)
		}
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
		if os == "windows" {
			r.fail(1, "lab: in PowerShell, ps is Get-Process, whose columns the lab does not model yet; netstat -ano shows each socket's PID")
			return nil
		}
		return r.ps(t, args)
	case "findstr":
		if os == "windows" {
			r.findstr(args, stdin)
			return nil
		}
	case "sockstat":
		if os == "freebsd" {
			r.sockstat(args)
			return nil
		}
	case "dig", "host", "nslookup":
		return r.dnsTool(t, name, args)
	case "pgrep", "pkill":
		return r.pgrep(t, name, args)
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
	r.notFound(name)
	return nil
}

// help lists what the lab's terminal takes.
func (r *run) help() {
	os := r.host().OS().Name
	var native, apt, note string
	switch os {
	case "linux":
		native = "  sysctl -w net.ipv4.ip_local_port_range=\"LOW HIGH\"   the ephemeral port range\n"
		apt = "  apt install NAME, apt remove NAME  the same, as Debian does it\n"
	case "macos":
		native = "  sysctl -w net.inet.ip.portrange.first=LOW net.inet.ip.portrange.last=HIGH   the ephemeral port range\n" +
			"  netstat -an [-p tcp|udp]           the sockets in macOS's columns\n"
	case "freebsd":
		native = "  sysctl -w net.inet.ip.portrange.first=LOW net.inet.ip.portrange.last=HIGH   the ephemeral port range\n" +
			"  sockstat -4 [-l|-c], netstat -an   the sockets in FreeBSD's columns\n"
	case "windows":
		native = "  netsh int ipv4 set dynamicport tcp start=LOW num=N   the ephemeral port range\n" +
			"  netstat -ano [-p TCP|UDP]          the sockets in Windows's columns; | findstr WORD keeps the lines with it\n"
	}
	if os != "linux" {
		note = "\nThis host runs " + r.host().OS().Title + ": a command it lacks (ss, ip, ...) says so, with what it has instead.\n"
	}
	// One string: each line a call of its own was 6 KB of the WebAssembly
	// module.
	r.out(helpHead + native + "  sleep SECONDS                      let time pass in the town (TIME_WAIT ends after a while)\n" +
		"  install NAME, uninstall NAME       add or remove a server program: " + packageNames() + "\n" + apt +
		"  a program's name starts it: " + r.startable() + "\n" + helpTail + note)
}

// helpHead and helpTail are help's lines for every OS.
const (
	helpHead = `The lab's terminal takes a small set of real commands; their output looks like the real tools'.

  nc [-v] [-u] [-z] [-N] HOST PORT   connect; what you type is sent, Ctrl-C or Ctrl-D ends it
  nc -l [-u] [-k] PORT               listen (in the background) and print what arrives
  curl [-v] [-s] [-o FILE] [-w FORMAT] URL    fetch a page: -w '%{local_port}\n' prints the port
  ftp HOST                           an FTP session in passive mode (ls, get FILE, quit)
  dig [@SERVER] NAME [+short], host NAME, nslookup NAME   ask the town's DNS server for a name
  telnet HOST [PORT]                 connect and type, as nc does (Connected to ..., Escape character is '^]')
  ss [-t] [-u] [-l] [-a] [-n] [-p] [state STATE]   the sockets of this host
  netstat [-tuanlp]                  the same, in net-tools' columns
  ps [-e] [-L] [-f] [-o FORMAT]      its processes (-L: threads)
  kill [-9] PID|%JOB                 end a process
  pgrep [-l] PATTERN, pkill [-9] PATTERN   find or end processes by name
  ip addr                            its addresses
`
	helpTail = `  echo, printf (also into a pipe: echo hello | nc -N web 7000), history, clear, help
  grep, head, tail, wc, sort, cat after a pipe: ss -tan | grep ESTAB | wc -l
  ; && || join commands, $? is the last status; & runs one in the background
  jobs, fg, bg; Ctrl-Z stops the program in the foreground

Time in the town stands still between commands; only the commands' own work and sleep move it.
`
)

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

// history lists the lines typed at this terminal's prompt, numbered.
func (r *run) history() {
	n := 0
	for _, e := range r.lab.entries {
		if e.Host == r.in.Host && e.Shell && e.Key == "" {
			n++
			r.outln(fmt.Sprintf("%5d  %s", n, e.Line))
		}
	}
	r.outln(fmt.Sprintf("%5d  %s", n+1, r.in.Line))
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

package lab

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"portville/sim"
	"portville/sim/scenario"
)

// ftp is netkit's ftp client (Debian's ftp), in passive mode: it logs in,
// lists and fetches files on an FTP server. The terminal stays attached
// to it until quit. With a pipe (printf 'user anonymous\nls\nquit\n' |
// ftp -n web) it reads its commands from the pipe instead.
func (r *run) ftp(t *terminal, args []string, stdin *string) error {
	j := &ftpJob{autoLogin: true, term: r.in.Host}
	var rest []string
	for _, a := range args {
		if len(a) > 1 && a[0] == '-' {
			for _, c := range a[1:] {
				switch c {
				case 'n':
					j.autoLogin = false
				case 'v', 'p', 'i', 'g', 'd':
				default:
					r.outln(fmt.Sprintf("ftp: %c: unknown option", c))
					r.status(1)
					return nil
				}
			}
			continue
		}
		rest = append(rest, a)
	}
	alias, p, err := r.start("ftp", nil)
	if err != nil {
		return err
	}
	t.tty[p.PID()] = true
	j.alias, j.pid = alias, p.PID()
	j.state = ftpIdle
	if len(rest) > 0 {
		if err := j.open(r, rest); err != nil {
			return err
		}
	}
	if stdin != nil {
		// Commands from a pipe: run them as if typed, then end as at
		// the end of input.
		for _, line := range strings.Split(strings.TrimSuffix(*stdin, "\n"), "\n") {
			if j.done {
				break
			}
			if err := j.input(r, line); err != nil {
				return err
			}
		}
		if !j.done {
			if err := j.quit(r, true); err != nil {
				return err
			}
		}
		return nil
	}
	t.fg = j
	return nil
}

// ftpJob's states: what the next line typed answers.
const (
	ftpIdle  = iota // "ftp> " with no connection
	ftpName         // "Name (web:root): "
	ftpPass         // "Password:"
	ftpReady        // "ftp> ", logged in (or not) on a connection
)

type ftpJob struct {
	_          noCompare
	alias      string
	pid        int
	state      int
	host       string // the server as typed
	sock       int    // the control connection's socket number in the scenario
	ctrl       int    // its socket id in the world
	term       string // the host ftp runs on
	autoLogin  bool
	done       bool
	seen       int  // events already read
	showData   bool // print what the data connection brings (ls)
	got        int  // bytes the data connection brought (get)
	lastReply  string
	connection bool
}

func (j *ftpJob) name() string      { return "ftp" }
func (j *ftpJob) procID() int       { return j.pid }
func (j *ftpJob) procAlias() string { return j.alias }
func (j *ftpJob) ended() bool       { return j.done }

func (j *ftpJob) prompt() string {
	switch j.state {
	case ftpName:
		return "Name (" + j.host + ":root): "
	case ftpPass:
		return "Password:"
	}
	return "ftp> "
}

func (j *ftpJob) ref() scenario.Ref {
	return scenario.Ref{Proc: j.alias, Name: "c" + strconv.Itoa(j.sock)}
}

// open connects to a server: ftp HOST [PORT], or open HOST at the prompt.
func (j *ftpJob) open(r *run, args []string) error {
	if j.connection {
		r.outln("Already connected to " + j.host + ", use close first.")
		return nil
	}
	host := args[0]
	port := uint16(21)
	if len(args) > 1 {
		n, err := strconv.Atoi(args[1])
		if err != nil || n < 1 || n > 65535 {
			r.outln("ftp: bad port number-- " + args[1])
			return nil
		}
		port = uint16(n)
	}
	addr, _, ok := r.lab.hostAddr(host)
	if !ok {
		r.outln("ftp: " + host + ": Name or service not known")
		return nil
	}
	j.sock++
	j.seen = len(r.events)
	_, fail, err := r.connect(j.alias, "c"+strconv.Itoa(j.sock), sim.TCP, host, netip.AddrPortFrom(addr, port))
	if err != nil {
		return err
	}
	if fail != "" {
		r.outln("ftp: connect: " + fail)
		if err := r.closeSock(j.alias, "c"+strconv.Itoa(j.sock)); err != nil {
			return err
		}
		return nil
	}
	j.host, j.connection = host, true
	j.ctrl = r.lab.live.Socket(j.ref()).ID()
	r.outln("Connected to " + host + ".")
	j.read(r, true)
	if !j.autoLogin {
		j.state = ftpReady
		return nil
	}
	j.state = ftpName
	return nil
}

// send sends one FTP command on the control connection and prints the
// replies (unless quiet).
func (j *ftpJob) send(r *run, cmd string, quiet bool) error {
	j.seen = len(r.events)
	if err := r.step(scenario.Step{Action: "send", Proc: j.alias, Sock: j.ref(), Data: cmd + "\r\n"}); err != nil {
		return err
	}
	j.read(r, !quiet)
	return nil
}

// read takes what arrived since the last look: replies on the control
// connection (printed when show), data on a data connection (printed
// for ls, counted for get).
func (j *ftpJob) read(r *run, show bool) {
	r.take()
	for ; j.seen < len(r.events); j.seen++ {
		e := &r.events[j.seen]
		if e.Kind != sim.KindSocketRecv || e.Host != j.term || e.PID != j.pid {
			continue
		}
		if e.Sock == j.ctrl {
			for _, line := range strings.Split(strings.TrimRight(e.Data, "\r\n"), "\r\n") {
				j.lastReply = line
				if show {
					r.printAt(j.term, line+"\n", e.Seq)
				}
			}
			continue
		}
		j.got += e.Len
		if j.showData {
			r.printAt(j.term, terminalText(e.Data), e.Seq)
		}
	}
}

func (j *ftpJob) input(r *run, line string) error {
	switch j.state {
	case ftpName:
		name := strings.TrimSpace(line)
		if name == "" {
			name = "root"
		}
		return j.user(r, name, "")
	case ftpPass:
		return j.pass(r, line)
	}
	words := strings.Fields(line)
	if len(words) == 0 {
		return nil
	}
	cmd, args := words[0], words[1:]
	if cmd != "open" && cmd != "help" && cmd != "?" && cmd != "quit" && cmd != "bye" && cmd != "exit" && !j.connection {
		r.outln("Not connected.")
		return nil
	}
	switch cmd {
	case "open":
		if len(args) == 0 {
			r.outln("usage: open host-name [port]")
			return nil
		}
		return j.open(r, args)
	case "user":
		if len(args) == 0 {
			r.outln("usage: user username [password] [account]")
			return nil
		}
		pass := ""
		if len(args) > 1 {
			pass = args[1]
		}
		return j.user(r, args[0], pass)
	case "ls", "dir":
		return j.transfer(r, "LIST", "")
	case "get", "recv":
		if len(args) == 0 {
			r.outln("(remote-file) usage: get remote-file [ local-file ]")
			return nil
		}
		return j.transfer(r, "RETR", args[0])
	case "pwd":
		return j.send(r, "PWD", false)
	case "binary", "image":
		return j.send(r, "TYPE I", false)
	case "ascii":
		return j.send(r, "TYPE A", false)
	case "passive":
		r.outln("lab: the lab's ftp uses passive mode only (the server opens an ephemeral port for each transfer)")
		return nil
	case "close", "disconnect":
		return j.closeConn(r, true)
	case "quit", "bye", "exit":
		return j.quit(r, false)
	case "help", "?":
		r.outln("Commands may be abbreviated.  Commands are:", "",
			"ascii\t\tbinary\t\tbye\t\tclose\t\tdir", "get\t\thelp\t\tls\t\topen\t\tpwd", "quit\t\trecv\t\tuser")
		return nil
	}
	r.outln("?Invalid command.")
	return nil
}

func (j *ftpJob) user(r *run, name, pass string) error {
	if err := j.send(r, "USER "+name, false); err != nil {
		return err
	}
	if strings.HasPrefix(j.lastReply, "331") {
		if pass != "" {
			return j.pass(r, pass)
		}
		j.state = ftpPass
		return nil
	}
	j.state = ftpReady
	return nil
}

func (j *ftpJob) pass(r *run, pass string) error {
	if err := j.send(r, "PASS "+pass, false); err != nil {
		return err
	}
	j.state = ftpReady
	if !strings.HasPrefix(j.lastReply, "230") {
		r.outln("Login failed.")
		return nil
	}
	// After logging in, netkit ftp asks the system type and switches to
	// binary, and says what it learnt.
	if err := j.send(r, "SYST", true); err != nil {
		return err
	}
	if strings.HasPrefix(j.lastReply, "215 UNIX") {
		r.outln("Remote system type is UNIX.")
		if err := j.send(r, "TYPE I", true); err != nil {
			return err
		}
		r.outln("Using binary mode to transfer files.")
	}
	return nil
}

// transfer asks for a passive data connection (EPSV, as Debian's ftp
// does) and runs LIST or RETR on it.
func (j *ftpJob) transfer(r *run, cmd, file string) error {
	if file != "" {
		r.outln("local: " + file + " remote: " + file)
	}
	start := r.world().Now()
	if err := j.send(r, "EPSV", false); err != nil {
		return err
	}
	if !strings.HasPrefix(j.lastReply, "229") {
		return nil
	}
	j.showData, j.got = cmd == "LIST", 0
	what := cmd
	if file != "" {
		what += " " + file
	}
	err := j.send(r, what, false)
	j.showData = false
	if err != nil {
		return err
	}
	if cmd == "RETR" && strings.HasPrefix(j.lastReply, "226") {
		secs := float64(r.world().Now()-start) / float64(sim.Second)
		rate := 0.0
		if secs > 0 {
			rate = float64(j.got) / 1024 / secs
		}
		r.outln(fmt.Sprintf("%d bytes received in %.2f secs (%.4f kB/s)", j.got, secs, rate))
	}
	return nil
}

// closeConn ends the session with the server (QUIT) and closes the
// control connection.
func (j *ftpJob) closeConn(r *run, show bool) error {
	if !j.connection {
		return nil
	}
	if err := j.send(r, "QUIT", !show); err != nil {
		return err
	}
	j.connection = false
	j.state = ftpIdle
	return r.closeSock(j.alias, "c"+strconv.Itoa(j.sock))
}

// quit leaves ftp: the session ends and the process exits.
func (j *ftpJob) quit(r *run, quiet bool) error {
	if err := j.closeConn(r, !quiet); err != nil {
		return err
	}
	j.done = true
	return r.exit(j.alias, 0, "")
}

func (j *ftpJob) key(r *run, key string) error {
	if key == KeyEOF {
		// End of input at the prompt is quit.
		return j.quit(r, false)
	}
	if j.state == ftpName || j.state == ftpPass {
		r.outln("Login failed.")
		j.state = ftpReady
	}
	return nil
}

func (j *ftpJob) react(r *run) (bool, error) {
	if j.done {
		return false, nil
	}
	if p := r.lab.live.Process(j.alias); p == nil || !p.Alive() {
		j.done = true
		return true, nil
	}
	if !j.connection {
		return false, nil
	}
	j.read(r, true)
	s := r.lab.live.Socket(j.ref())
	if s == nil || s.State() == sim.StateCloseWait || s.State() == sim.StateClosed {
		// The server went away under us.
		r.print(j.term, "421 Service not available, remote server has closed connection.\n")
		j.connection = false
		j.state = ftpIdle
		return true, r.closeSock(j.alias, "c"+strconv.Itoa(j.sock))
	}
	return false, nil
}

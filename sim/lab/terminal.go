package lab

import (
	"fmt"
	"strconv"
	"strings"

	"portville/sim"
	"portville/sim/scenario"
)

// terminal is one host's terminal: a shell with its background jobs, or a
// program in the foreground that the terminal is attached to.
type terminal struct {
	host string
	jobs []*job
	next int // the last job number handed out
	fg   foreground
	// tty holds the processes started from this terminal: ps shows them
	// on pts/0, daemons on ?.
	tty map[int]bool
	// watch holds the processes whose output goes to this terminal,
	// printed as it arrives (netcat prints what it reads).
	watch map[int]bool
	// announce holds the listeners started with -v: each connection
	// they accept prints netcat's "Connection received on" line; the
	// value is true with -n (numbers only).
	announce map[int]bool
	last     int // $?: the status of the last command
	tick     int // counts jobs started in the background or stopped
	lastBg   int // $!: the PID of the last command put in the background
}

// job is a program running in the background of a terminal.
type job struct {
	_     noCompare
	n     int
	alias string
	pid   int
	cmd   string // the command line, as jobs and bash's notices show it
	done  bool
	// prog is the program when it would have the terminal (nc, ftp,
	// curl waiting): stopped, or running in the background.
	prog       foreground
	stopped    bool
	foreground bool // brought back with fg: its end gets no notice
	unreported bool // stopped, and bash has not said so yet
	touched    int  // when it was last started in the background or stopped (terminal.tick)
}

// foreground is a program the terminal is attached to: the lines typed
// go to it, and Ctrl-C and Ctrl-D reach it, until it ends.
type foreground interface {
	name() string   // the program, as the terminal's title says
	prompt() string // what the terminal shows before input
	input(r *run, line string) error
	key(r *run, key string) error
	// react lets the program act on what happened since it last looked
	// (its peer closed, a reply arrived). It returns whether it did
	// anything.
	react(r *run) (bool, error)
	// ended reports that the program has exited: the shell is back.
	ended() bool
	procID() int       // its PID
	procAlias() string // its name in the scenario
}

// foreground passes an input to the program the terminal is attached
// to.
func (r *run) foreground(t *terminal) error {
	if r.in.Key == KeyStop {
		r.suspend(t)
		return nil
	}
	if r.in.Key != "" {
		return t.fg.key(r, r.in.Key)
	}
	return t.fg.input(r, r.in.Line)
}

// keyAtPrompt is a key typed at the shell's prompt: Ctrl-C starts a new
// line; Ctrl-D would log out, which a lab's terminal does not.
func (r *run) keyAtPrompt(t *terminal) {
	switch r.in.Key {
	case KeyInterrupt:
		r.status(130)
		t.last = 130
		return
	case KeyStop:
		// Nothing in the foreground to stop: bash ignores it.
		return
	}
	r.outln("lab: the terminal stays open (Ctrl-D would log out of a real shell)")
}

// react lets every terminal act on what the entry caused: print what its
// programs read, end a foreground program whose peer closed, announce
// background jobs that ended. Reactions can cause more (a client closing
// makes its server exit), so it goes round until nothing moves, at most
// maxReactRounds times.
func (r *run) react() error {
	for round := 0; round < maxReactRounds; round++ {
		r.take()
		moved := false
		r.showOutput()
		// at lets a program react with its own terminal's output.
		at := func(host string, prog foreground) error {
			r.term = host
			did, err := prog.react(r)
			r.term = r.in.Host
			moved = moved || did
			return err
		}
		for _, host := range r.lab.order {
			t := r.lab.terms[host]
			// A program in the background that has not stopped (curl
			// waiting for its page) goes on too.
			for _, j := range t.jobs {
				if j.prog == nil || j.stopped || j.done {
					continue
				}
				if err := at(host, j.prog); err != nil {
					return err
				}
			}
			if t.fg == nil {
				continue
			}
			if err := at(host, t.fg); err != nil {
				return err
			}
			if t.fg.ended() {
				t.fg = nil
				if host == r.in.Host {
					t.last = r.entry.Status
				}
			}
		}
		r.take()
		r.showOutput()
		r.notices()
		if !moved {
			return nil
		}
	}
	return nil
}

// showOutput prints what watched processes read since the last look, in
// their terminals, each at the event that carried it.
func (r *run) showOutput() {
	for ; r.seen < len(r.events); r.seen++ {
		e := &r.events[r.seen]
		if e.Kind == sim.KindSocketAccept {
			if t := r.lab.terms[e.Host]; t != nil {
				if numeric, ok := t.announce[e.PID]; ok {
					r.printAt(e.Host, "Connection received on "+r.lab.peerName(e.Remote, numeric)+"\n", e.Seq)
				}
			}
			continue
		}
		if e.Kind != sim.KindSocketRecv {
			continue
		}
		t := r.lab.terms[e.Host]
		if t == nil || !t.watch[e.PID] {
			continue
		}
		if j := t.jobOf(e.PID); j != nil && j.stopped {
			// A stopped program reads nothing; what arrived waits.
			continue
		}
		r.printAt(e.Host, terminalText(e.Data), e.Seq)
	}
}

// terminalText is data as a terminal shows it: line breaks as they are,
// carriage returns dropped, and a last line ended.
func terminalText(d string) string {
	d = strings.ReplaceAll(d, "\r", "")
	if d != "" && !strings.HasSuffix(d, "\n") {
		d += "\n"
	}
	return d
}

// notices prints bash's line for each background job that has ended
// ("[1]+  Done                    nc -l 7000"), at the event of its exit.
func (r *run) notices() {
	for _, host := range r.lab.order {
		t := r.lab.terms[host]
		for _, j := range t.jobs {
			if j.done {
				continue
			}
			p := r.lab.live.Process(j.alias)
			if p != nil && p.Alive() {
				continue
			}
			j.done = true
			if j.foreground {
				// It ended in the foreground: bash says nothing.
				continue
			}
			state, seq := "Done", r.seq()
			for k := len(r.events) - 1; k >= 0; k-- {
				e := &r.events[k]
				if e.Kind == sim.KindProcessExit && e.Host == host && e.PID == j.pid {
					state, seq = exitState(e), e.Seq
					break
				}
			}
			r.printAt(host, fmt.Sprintf("[%d]%s  %-24s%s\n", j.n, t.mark(j), state, j.cmd), seq)
		}
		// A job list with only finished jobs starts again at [1].
		live := t.jobs[:0]
		for _, j := range t.jobs {
			if !j.done {
				live = append(live, j)
			}
		}
		t.jobs = live
		if len(t.jobs) == 0 {
			t.next = 0
		}
	}
}

// exitState is how bash reports a job's end.
func exitState(e *sim.Event) string {
	if e.Signal != "" {
		return exitWord(e.Signal)
	}
	if e.Code != 0 {
		return "Exit " + strconv.Itoa(e.Code)
	}
	return "Done"
}

// addJob puts a started process in the terminal's background and prints
// bash's "[1] 4242".
func (r *run) addJob(t *terminal, alias string, p *sim.Process, cmd string) {
	if t.jobOf(p.PID()) != nil {
		return
	}
	j := t.newJob(alias, p.PID(), cmd)
	t.tty[p.PID()] = true
	t.lastBg = p.PID()
	r.jobbed = true
	r.outln(fmt.Sprintf("[%d] %d", j.n, p.PID()))
}

// newJob gives a process the terminal's next job number and makes it
// the current job.
func (t *terminal) newJob(alias string, pid int, cmd string) *job {
	t.next++
	j := &job{n: t.next, alias: alias, pid: pid, cmd: cmd}
	t.jobs = append(t.jobs, j)
	t.touch(j)
	return j
}

// start runs a program as a new process of the terminal's host and
// returns its name in the scenario and the process.
func (r *run) start(program string, server *sim.ServerSpec) (string, *sim.Process, error) {
	alias := r.lab.alias(program)
	// The lab's shell is root's, as the transcripts of REAL-TOOLS.md
	// were taken: its programs run as root.
	err := r.step(scenario.Step{Action: "start", Program: program, Host: r.in.Host, As: alias, User: "root", Server: server})
	if err != nil {
		return "", nil, err
	}
	p := r.lab.live.Process(alias)
	if len(r.argv) > 0 {
		var q []string
		for _, w := range r.argv {
			q = append(q, shellQuote(w))
		}
		r.lab.cmdlines[cmdKey{r.in.Host, p.PID()}] = strings.Join(q, " ")
	}
	if r.bg && p.Alive() {
		r.addJob(r.lab.terms[r.in.Host], alias, p, r.cmdText)
	}
	return alias, p, nil
}

// exit ends a process of the lab with a status, or a signal when sig is
// set.
func (r *run) exit(alias string, code int, sig string) error {
	p := r.lab.live.Process(alias)
	if p == nil || !p.Alive() {
		return nil
	}
	return r.step(scenario.Step{Action: "exit", Proc: alias, Code: code, Signal: sig})
}

// closeSock closes a socket of the lab's, if it is still open.
func (r *run) closeSock(alias, name string) error {
	ref := scenario.Ref{Proc: alias, Name: name}
	if r.lab.live.Socket(ref) == nil {
		return nil
	}
	return r.step(scenario.Step{Action: "close", Proc: alias, Sock: ref})
}

// errnoOf returns the errno of the first error event for process pid
// among events, or "".
func errnoOf(events []sim.Event, host string, pid int) (sim.Errno, *sim.Event) {
	for i := range events {
		e := &events[i]
		if e.Kind == sim.KindError && e.Host == host && e.PID == pid {
			return e.Errno, e
		}
	}
	return "", nil
}

func itoa(n int) string { return strconv.Itoa(n) }

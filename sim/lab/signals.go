package lab

import (
	"fmt"
	"strconv"
	"strings"

	"portville/sim"
	"portville/sim/scenario"
)

// signalNames are Linux's signals by number, as bash's kill -l lists
// them (1-31; 32 and 33 are glibc's own, 34-64 real-time).
var signalNames = func() []string {
	out := make([]string, 65)
	for i, n := range strings.Fields("HUP INT QUIT ILL TRAP ABRT BUS FPE KILL USR1 SEGV USR2 PIPE ALRM TERM STKFLT CHLD CONT STOP TSTP TTIN TTOU URG XCPU XFSZ VTALRM PROF WINCH IO PWR SYS") {
		out[i+1] = n
	}
	out[34], out[64] = "RTMIN", "RTMAX"
	for i := 1; i <= 15; i++ {
		out[34+i] = "RTMIN+" + strconv.Itoa(i)
	}
	for i := 1; i <= 14; i++ {
		out[64-i] = "RTMAX-" + strconv.Itoa(i)
	}
	return out
}()

// simSignal reports whether the simulator delivers a signal the simulator delivers: each ends the
// process (nginx and postgres take HUP as "reload", which the lab says
// it does not model).
func simSignal(s string) bool {
	switch s {
	case "HUP", "INT", "QUIT", "KILL", "TERM":
		return true
	}
	return false
}

// signalOf reads a signal as kill takes it (9, KILL, SIGKILL, kill),
// returning its name, or "" when there is no such signal.
func signalOf(s string) string {
	if n, err := strconv.Atoi(s); err == nil {
		if n >= 0 && n < len(signalNames) && (signalNames[n] != "" || n == 0) {
			if n == 0 {
				return "0"
			}
			return signalNames[n]
		}
		return ""
	}
	name := strings.TrimPrefix(strings.ToUpper(s), "SIG")
	for _, n := range signalNames {
		if n != "" && n == name {
			return n
		}
	}
	return ""
}

// killList is bash's kill -l: five to a row, a tab after each but the
// row's last.
func killList() []string {
	var b strings.Builder
	col := 0
	for i, n := range signalNames {
		if n == "" {
			continue
		}
		fmt.Fprintf(&b, "%2d) SIG%s", i, n)
		if col++; col < 5 {
			b.WriteByte('\t')
		} else {
			b.WriteByte('\n')
			col = 0
		}
	}
	return strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
}

// exitWord is how bash reports a job that a signal ended.
func exitWord(sig string) string {
	switch sig {
	case "TERM":
		return "Terminated"
	case "KILL":
		return "Killed"
	case "INT":
		return "Interrupt"
	case "HUP":
		return "Hangup"
	case "QUIT":
		return "Quit"
	}
	return sig
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
				r.unnamed(h, p)
				continue
			}
		}
		if err := r.signal(t, alias, pid, sig, strings.HasPrefix(a, "%")); err != nil {
			return err
		}
	}
	return nil
}

// unnamed is the lab's word for a process no step named, which a signal
// step cannot reach.
func (r *run) unnamed(h *sim.Host, p *sim.Process) {
	if master := h.Process(p.PPID()); master != nil {
		r.outln(fmt.Sprintf("lab: %d is a worker forked by %s (PID %d); kill the master, PID %d, to stop the server", p.PID(), master.Program().Name, master.PID(), master.PID()))
	} else {
		r.outln(fmt.Sprintf("lab: %d was not started from a terminal or a step, so the lab cannot name it in the scenario it writes", p.PID()))
	}
	r.status(1)
}

// signal sends sig to the process a step named alias (pid), as kill and
// pkill do; byJob is kill %N.
func (r *run) signal(t *terminal, alias string, pid int, sig string, byJob bool) error {
	if j := t.jobOf(pid); j != nil && j.stopped && sig != "KILL" && !(byJob && (sig == "TERM" || sig == "HUP")) {
		// A stopped process keeps the signal pending until it runs
		// again; bash's kill %N adds SIGCONT for TERM and HUP only.
		r.outln("lab: SIG" + sig + " waits while " + j.cmd + " is stopped (Linux delivers it once the job runs: fg or bg); kill %" + strconv.Itoa(j.n) + " (bash adds SIGCONT) or kill -9 " + strconv.Itoa(pid) + " ends it now")
		r.status(1)
		return nil
	}
	if sig == "HUP" {
		if p := r.host().Process(pid); p != nil && p.ReloadsOnHUP() {
			r.outln("lab: " + p.Program().Name + " takes SIGHUP as \"reload the configuration\" (nginx starts new workers); the lab's servers have no configuration to reload, so nothing changes. kill PID stops it")
			return nil
		}
	}
	return r.step(scenario.Step{Action: "exit", Proc: alias, Signal: sig})
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

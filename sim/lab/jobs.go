package lab

import (
	"fmt"
	"strconv"
	"strings"
)

// This file is bash's job control: the jobs a terminal has, which one is
// current, and the builtins that list them and move them between the
// foreground and the background.

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

// jobOf returns the terminal's job for the process pid, or nil.
func (t *terminal) jobOf(pid int) *job {
	for _, j := range t.jobs {
		if j.pid == pid && !j.done {
			return j
		}
	}
	return nil
}

// jobLine is bash's line for a job whose state changed:
// "[1]+  Stopped                 nc web 80".
func jobLine(j *job, t *terminal, state string) string {
	return fmt.Sprintf("[%d]%s  %-24s%s", j.n, t.mark(j), state, j.cmd)
}

// pickJob finds the job a jobspec names (%1, %%, %+, %-, %nc), or the
// current job for "". It prints bash's error and returns nil when none.
func (r *run) pickJob(t *terminal, builtin, spec string) *job {
	var live []*job
	for _, j := range t.jobs {
		if !j.done {
			live = append(live, j)
		}
	}
	fail := func(what string) *job {
		r.outln("bash: " + builtin + ": " + what + ": no such job")
		r.status(1)
		return nil
	}
	// The current job is the last one started in the background or
	// stopped; the previous one the one before it (mark says which).
	pick := func(m string) *job {
		for _, j := range live {
			if t.mark(j) == m {
				return j
			}
		}
		return nil
	}
	switch {
	case spec == "" || spec == "%" || spec == "%%" || spec == "%+":
		if j := pick("+"); j != nil {
			return j
		}
		return fail("current")
	case spec == "%-":
		if j := pick("-"); j != nil {
			return j
		}
		return fail("previous")
	}
	s := strings.TrimPrefix(spec, "%")
	if n, err := strconv.Atoi(s); err == nil {
		for _, j := range live {
			if j.n == n {
				return j
			}
		}
		return fail(spec)
	}
	for k := len(live) - 1; k >= 0; k-- {
		if strings.HasPrefix(live[k].cmd, s) {
			return live[k]
		}
	}
	return fail(spec)
}

// firstArg is a builtin's first argument, or "" (fg and bg take the
// current job then).
func firstArg(args []string) string {
	if len(args) == 0 {
		return ""
	}
	return args[0]
}

// fg brings a job to the foreground: bash prints its command, and the
// terminal is the program's again.
func (r *run) fg(t *terminal, args []string) error {
	j := r.pickJob(t, "fg", firstArg(args))
	if j == nil {
		return nil
	}
	r.outln(j.cmd)
	if j.prog == nil {
		r.outln("lab: " + j.cmd + " goes on in the background in the lab (what it receives is printed here); Ctrl-C cannot reach it, kill %" + strconv.Itoa(j.n) + " ends it")
		return nil
	}
	j.stopped, j.unreported = false, false
	j.foreground = true
	t.fg, j.prog = j.prog, nil
	return nil
}

// bgJob is bash's bg: it lets a stopped job go on in the background: bash prints it with &.
// A program that reads the terminal is stopped again at once.
func (r *run) bgJob(t *terminal, args []string) error {
	j := r.pickJob(t, "bg", firstArg(args))
	if j == nil {
		return nil
	}
	if !j.stopped {
		r.outln("bash: bg: job " + strconv.Itoa(j.n) + " already in background")
		return nil
	}
	r.outln(fmt.Sprintf("[%d]%s %s &", j.n, t.mark(j), j.cmd))
	if j.prog != nil && readsTerminal(j.prog) {
		r.outln(jobLine(j, t, "Stopped"))
		return nil
	}
	j.stopped = false
	return nil
}

// suspend is Ctrl-Z: the program in the foreground stops, bash lists it
// as a stopped job and the prompt is back.
func (r *run) suspend(t *terminal) {
	prog := t.fg
	t.fg = nil
	j := t.jobOf(prog.procID())
	if j == nil {
		j = t.newJob(prog.procAlias(), prog.procID(), r.lab.typedAs(t.host, prog.procID()))
	} else {
		t.touch(j)
	}
	j.prog, j.stopped, j.foreground = prog, true, false
	// The terminal echoes ^Z (the view, the transcript); bash adds its
	// line.
	r.outln(jobLine(j, t, "Stopped"))
	r.status(148)
	t.last = 148
}

// typedAs is the command line a process of host was started with, as ps
// -f shows it, or its program's name.
func (l *Lab) typedAs(host string, pid int) string {
	if s, ok := l.cmdlines[cmdKey{host, pid}]; ok {
		return s
	}
	if h := l.live.World().Host(host); h != nil {
		if p := h.Process(pid); p != nil {
			return p.Program().Name
		}
	}
	return ""
}

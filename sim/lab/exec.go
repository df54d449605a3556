package lab

import (
	"strconv"
	"strings"
)

// This file runs a parsed command line as bash does: the lists one after
// the other, && and || on the last status, pipes that feed one command's
// output to the next, & that puts a command in the background with its
// job notice, and the parameters ($?, $!, $HOME) each command sees.

// shell runs a command line typed at a host's prompt.
func (r *run) shell(t *terminal) error {
	cl, err := parseLine(r.in.Line)
	if err != nil {
		r.outln(err.Error())
		r.status(2)
		t.last = 2
		return nil
	}
	var pending []*job
	for _, j := range t.jobs {
		if j.unreported {
			pending = append(pending, j)
		}
	}
	defer func() {
		for _, j := range pending {
			if j.unreported && !j.done && r.term == r.in.Host {
				j.unreported = false
				r.outln(jobLine(j, t, "Stopped"))
			}
		}
	}()
	for i, ao := range cl {
		if i > 0 && t.fg != nil {
			r.outln("lab: " + t.fg.name() + " has the terminal now; bash would run the rest of the line when it ends, the lab's shell does not: type the rest then")
			return nil
		}
		if ao.background {
			err = r.background(t, ao)
		} else {
			err = r.andOr(t, ao)
		}
		if err != nil {
			return err
		}
	}
	r.entry.Status = t.last
	return nil
}

// andOr runs pipelines joined by && and ||: each runs when the status
// of the last one run allows it.
func (r *run) andOr(t *terminal, ao andOr) error {
	for i, p := range ao.pipes {
		if i > 0 {
			op := ao.ops[i-1]
			if op == "&&" && t.last != 0 || op == "||" && t.last == 0 {
				continue
			}
			if t.fg != nil {
				r.outln("lab: " + t.fg.name() + " has the terminal now; bash would go on with " + op + " when it ends, the lab's shell does not: type the rest then")
				return nil
			}
		}
		if err := r.pipeline(t, p); err != nil {
			return err
		}
	}
	return nil
}

// pipeline runs commands joined by |: each one's output is the next
// one's input, and the status is the last one's.
func (r *run) pipeline(t *terminal, p pipeline) error {
	var stdin *string
	for i, words := range p.cmds {
		last := i == len(p.cmds)-1
		var captured *strings.Builder
		if !last {
			captured = &strings.Builder{}
		}
		status, err := r.runWords(t, words, p.raw[i], stdin, captured, false)
		if err != nil {
			return err
		}
		t.last = status
		if last {
			break
		}
		if t.fg != nil {
			r.outln("lab: " + t.fg.name() + " stays attached to the terminal, so the lab's shell cannot pipe its output on; run it on its own")
			return nil
		}
		s := captured.String()
		stdin = &s
	}
	return nil
}

// background runs a command with &: bash prints its job number and PID
// and is back at the prompt, the command going on without the terminal.
func (r *run) background(t *terminal, ao andOr) error {
	if len(ao.pipes) > 1 || len(ao.pipes[0].cmds) > 1 {
		r.outln("lab: the lab's shell puts one command at a time in the background (nc -l 7000 &); type the others on their own")
		t.last = 2
		return nil
	}
	words := ao.pipes[0].cmds[0]
	r.jobbed = false
	_, err := r.runWords(t, words, ao.pipes[0].raw[0], nil, nil, true)
	if err != nil {
		return err
	}
	// bash has started the job: $? is 0, whatever the job does.
	t.last = 0
	if t.fg == nil {
		// An empty expansion ($1) drops its word: name the first left.
		if argv := expand(words, t.param); !r.jobbed && !startsProcess(r, words) && len(argv) > 0 {
			r.outln("lab: " + argv[0] + " ran in the foreground: in the lab it is not a process of the town, so there is no job to put in the background")
		}
		return nil
	}
	// The program would have the terminal: in the background it keeps
	// running (curl waiting for its page) or, when it reads the
	// terminal (nc, ftp), the kernel stops it (SIGTTIN), and bash says
	// so.
	prog := t.fg
	t.fg = nil
	j := t.jobOf(prog.procID())
	if j == nil {
		return nil
	}
	j.prog = prog
	if readsTerminal(prog) {
		// bash is back at the prompt before the job stops: it reports
		// the stop before the next prompt, or in jobs.
		j.stopped, j.unreported = true, true
	}
	return nil
}

// startsProcess reports whether a command is a process of the town when
// it runs: a program installed on the host (the base tools, nc, curl,
// ftp, ps and telnet, among them), rather than the lab's own answer (ss,
// ip, echo, the filters).
func startsProcess(r *run, words []word) bool {
	argv := stripSudo(expand(words, r.lab.terms[r.in.Host].param))
	return len(argv) == 0 || r.host().Program(argv[0]) != nil
}

// readsTerminal reports whether a program reads what is typed (and is
// stopped when it tries to in the background).
func readsTerminal(f foreground) bool {
	_, curl := f.(*curlJob)
	return !curl
}

// runWords expands a command's words and runs it (raw is the command as
// typed, for its job's line); out, when set, takes
// what it prints instead of the terminal (the next command of a pipe
// reads it). It returns the command's exit status.
func (r *run) runWords(t *terminal, words []word, raw string, stdin *string, out *strings.Builder, background bool) (int, error) {
	argv := stripSudo(expand(words, t.param))
	if len(argv) > 0 && isAssignment(argv[0]) {
		r.outln("lab: shell variables (" + argv[0] + ") are not simulated; the lab's shell has $HOME, $USER, $HOSTNAME, $? and $!")
		return 1, nil
	}
	if len(argv) == 0 {
		if lw := literal(words); len(lw) > 0 && lw[0] == "sudo" { // sudo alone
			r.outln("usage: sudo -h | -K | -k | -V", "usage: sudo [-AbEHknPS] [-C num] [-D directory] [-g group] [-h host] [-p prompt] [-R directory] [-T timeout] [-u user] [VAR=value] [-i|-s] [<command>]")
			return 1, nil
		}
		return 0, nil
	}
	prevOut, prevBg, prevArgv, prevCmd := r.capture, r.bg, r.argv, r.cmdText
	r.capture, r.bg, r.argv = out, background, argv
	r.cmdText = raw
	r.entry.Status = 0
	err := r.command(t, argv, stdin, background)
	if err == nil && out != nil {
		// What the command reads from the network (nc) and how it ends
		// (a server that closes) belong to its output too: let the
		// terminals react now, while the pipe takes what it prints.
		err = r.react()
	}
	status := r.entry.Status
	r.capture, r.bg, r.argv, r.cmdText = prevOut, prevBg, prevArgv, prevCmd
	return status, err
}

// isAssignment reports whether a word is NAME=VALUE, which bash takes
// as setting a variable.
func isAssignment(w string) bool {
	name, _, ok := strings.Cut(w, "=")
	return ok && isName(name)
}

// param is the value of a shell parameter at this terminal's prompt.
func (t *terminal) param(name string) string {
	switch name {
	case "?":
		return strconv.Itoa(t.last)
	case "!":
		if t.lastBg == 0 {
			return ""
		}
		return strconv.Itoa(t.lastBg)
	case "HOME":
		return "/root"
	case "USER", "LOGNAME":
		return "root"
	case "PWD":
		return "/root"
	case "HOSTNAME":
		return t.host
	case "SHELL":
		return "/bin/bash"
	case "0":
		return "bash"
	case "#":
		return "0"
	case "-":
		return "himBHs"
	case "PATH":
		return "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	}
	// An unset variable is empty, as in bash ($$ too: the lab's shell
	// is not a process of the town).
	return ""
}

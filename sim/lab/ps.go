package lab

import (
	"fmt"
	"strings"

	"portville/sim"
)

var psUsage = []string{
	"error: unsupported SysV option",
	"",
	"Usage:",
	" ps [options]",
	"",
	" Try 'ps --help <simple|list|output|threads|misc|all>'",
	"  or 'ps --help <s|l|o|t|m|a>'",
	" for additional help text.",
	"",
	"For more details see ps(1).",
}

// ps lists processes as procps's ps does. ps is itself a process: it
// moves into the building, lists everyone (itself included) and leaves.
func (r *run) ps(t *terminal, args []string) error {
	all, threads, full := false, false, false
	for _, a := range args {
		if !strings.HasPrefix(a, "-") {
			if a == "aux" || a == "ax" || a == "au" {
				r.outln("lab: the lab's ps takes the standard options -e, -L and -f (ps aux reports memory, which the town does not simulate); try ps -ef")
			} else {
				r.outln(psUsage...)
			}
			r.status(1)
			return nil
		}
		for _, c := range a[1:] {
			switch c {
			case 'e', 'A':
				all = true
			case 'L':
				threads = true
			case 'f':
				full = true
			default:
				r.outln(psUsage...)
				r.status(1)
				return nil
			}
		}
	}
	alias, me, err := r.start("ps", nil)
	if err != nil {
		return err
	}
	t.tty[me.PID()] = true
	h := r.host()
	var lines []string
	switch {
	case full && threads:
		lines = append(lines, "UID          PID    PPID     LWP  C NLWP STIME TTY          TIME CMD")
	case full:
		lines = append(lines, "UID          PID    PPID  C STIME TTY          TIME CMD")
	case threads:
		lines = append(lines, "    PID     LWP TTY          TIME CMD")
	default:
		lines = append(lines, "    PID TTY          TIME CMD")
	}
	for _, p := range h.Processes() {
		tty := "?"
		if t.tty[p.PID()] {
			tty = "pts/0"
		}
		if !all && tty == "?" {
			continue
		}
		cmd := p.Program().Name
		if len(cmd) > 15 {
			cmd = cmd[:15] // the kernel keeps 15 bytes of a command's name
		}
		if full {
			cmd = r.lab.cmdline(h, p)
		}
		stime := r.lab.startTime(h.Name(), p.PID())
		ppid := p.PPID()
		if ppid != 0 && h.Process(ppid) == nil {
			// Its parent is gone: the kernel has given it to init.
			ppid = 1
		}
		rows := []*sim.Thread{nil}
		if threads {
			rows = p.Threads()
		}
		for _, th := range rows {
			switch {
			case full && threads:
				lines = append(lines, fmt.Sprintf("%-8s %7d %7d %7d %2d %4d %5s %-8s %8s %s", p.User(), p.PID(), ppid, th.TID(), 0, len(p.Threads()), stime, tty, "00:00:00", cmd))
			case full:
				lines = append(lines, fmt.Sprintf("%-8s %7d %7d %2d %5s %-8s %8s %s", p.User(), p.PID(), ppid, 0, stime, tty, "00:00:00", cmd))
			case threads:
				lines = append(lines, fmt.Sprintf("%7d %7d %-8s %8s %s", p.PID(), th.TID(), tty, "00:00:00", cmd))
			default:
				lines = append(lines, fmt.Sprintf("%7d %-8s %8s %s", p.PID(), tty, "00:00:00", cmd))
			}
		}
	}
	r.outln(lines...)
	return r.exit(alias, 0, "")
}

// cmdline is a process's full command line, as ps -f shows it: what was
// typed for a process started from a terminal, what a daemon calls
// itself, and the program's path otherwise.
func (l *Lab) cmdline(h *sim.Host, p *sim.Process) string {
	name := p.Program().Name
	if name == "nginx" && p.Server() != nil {
		// nginx renames its processes; a worker keeps its name when its
		// master is gone (kill -9 of the master: ps-ef-after-kill-9 in
		// testdata/real).
		if parent := h.Process(p.PPID()); p.PPID() != 0 && (parent == nil || parent.Program().Name == "nginx") {
			return "nginx: worker process"
		}
		return "nginx: master process nginx"
	}
	if c, ok := l.cmdlines[cmdKey{h.Name(), p.PID()}]; ok {
		return c
	}
	return p.Program().Path
}

type cmdKey struct {
	host string
	pid  int
}

// startTime is when a process started on the town's clock, as ps's
// STIME shows it (HH:MM).
func (l *Lab) startTime(host string, pid int) string {
	t := l.sink.started[cmdKey{host, pid}]
	secs := int64(t / sim.Second)
	return fmt.Sprintf("%02d:%02d", (3+secs/3600)%24, secs/60%60)
}

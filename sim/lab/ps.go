package lab

import (
	"fmt"
	"strconv"
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
	var format []psColumn
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") || a == "-" {
			// procps takes BSD options without a dash (ps aux).
			r.outln("lab: ps " + a + " is real (BSD syntax: ps aux adds CPU and memory, which the town does not simulate), but the lab does not model it; try ps -ef, ps -eL or ps -eo pid,ppid,comm")
			r.status(1)
			return nil
		}
		if strings.HasPrefix(a, "--") {
			r.outln(r.notModelled("ps", a, psTry))
			r.status(1)
			return nil
		}
		for k := 1; k < len(a); k++ {
			switch c := a[k]; {
			case c == 'e' || c == 'A':
				all = true
			case c == 'L':
				threads = true
			case c == 'f':
				full = true
			case c == 'o':
				spec := a[k+1:]
				if spec == "" {
					if i+1 >= len(args) {
						r.outln("error: format specification must follow -o", "", "Usage:", " ps [options]")
						r.status(1)
						return nil
					}
					i++
					spec = args[i]
				}
				cols, ok := r.psFormat(spec)
				if !ok {
					return nil
				}
				format = append(format, cols...)
				k = len(a)
			case strings.IndexByte("aCcdFGgHjlMmNOPpqSsTtUuVwXyZ", c) >= 0:
				r.outln(r.notModelled("ps", "-"+string(c), psTry))
				r.status(1)
				return nil
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
	if format != nil {
		return r.psColumns(t, alias, format, all, threads)
	}
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
	for _, row := range psRows(t, h, all, threads) {
		p, th, tty := row.p, row.th, row.tty
		cmd := min15(p.Program().Name)
		if full {
			cmd = r.lab.cmdline(h, p)
		}
		stime := r.lab.startTime(h.Name(), p.PID())
		ppid := shownPPID(h, p)
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

// psTry is what the lab's word for ps suggests.
const psTry = "ps -e, -f, -L and -o FORMAT (pid, ppid, lwp, nlwp, user, uid, comm, args, cmd, tty, stime, time) work"

// psColumn is one column of ps -o: its key, its header and how it is
// laid out.
type psColumn struct {
	key, header string
	width       int
	right       bool
}

// psColumns are the keys of ps -o the lab knows, with procps's headers
// and widths.
var psColumns = []psColumn{
	{"pid", "PID", 7, true}, {"ppid", "PPID", 7, true}, {"lwp", "LWP", 7, true}, {"tid", "TID", 7, true},
	{"spid", "SPID", 7, true}, {"nlwp", "NLWP", 4, true}, {"user", "USER", 8, false}, {"euser", "EUSER", 8, false},
	{"uname", "USER", 8, false}, {"uid", "UID", 5, true}, {"comm", "COMMAND", 15, false}, {"ucmd", "CMD", 15, false},
	{"args", "COMMAND", 27, false}, {"command", "COMMAND", 27, false}, {"cmd", "CMD", 27, false},
	{"tty", "TT", 8, false}, {"tt", "TT", 8, false}, {"tname", "TTY", 8, false}, {"stime", "STIME", 5, false},
	{"start_time", "START", 5, false}, {"time", "TIME", 8, true},
}

// psFormat reads ps -o's list ("pid,comm", "pid=ID"): a key procps does
// not know is its error, one the lab does not model gets the lab's word.
func (r *run) psFormat(spec string) ([]psColumn, bool) {
	var out []psColumn
	for _, f := range strings.FieldsFunc(spec, func(c rune) bool { return c == ',' || c == ' ' }) {
		key, header, rename := strings.Cut(f, "=")
		found := false
		for _, c := range psColumns {
			if c.key == key {
				if rename {
					c.header = header
				}
				out, found = append(out, c), true
				break
			}
		}
		if !found {
			r.outln("lab: ps -o " + key + ": the key may be real (%cpu, rss, stat, etime ...), but the lab does not model it; " + psTry)
			r.status(1)
			return nil, false
		}
	}
	return out, true
}

// psColumns lists the host's processes in the columns ps -o asked for,
// each separated by a space, numbers right-aligned, the last column
// unpadded, as procps lays them out.
func (r *run) psColumns(t *terminal, alias string, cols []psColumn, all, threads bool) error {
	h := r.host()
	line := func(cell func(c psColumn) string) string {
		var b strings.Builder
		for i, c := range cols {
			v := cell(c)
			last := i == len(cols)-1
			switch {
			case c.right:
				v = strings.Repeat(" ", max(0, c.width-len(v))) + v
			case !last:
				v += strings.Repeat(" ", max(0, c.width-len(v)))
			}
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(v)
		}
		return b.String()
	}
	var lines []string
	if head := line(func(c psColumn) string { return c.header }); strings.TrimSpace(head) != "" {
		// procps leaves the header out when every column's is empty
		// (ps -o pid=).
		lines = append(lines, head)
	}
	for _, row := range psRows(t, h, all, threads) {
		p, th, tty := row.p, row.th, row.tty
		lines = append(lines, line(func(c psColumn) string {
			switch c.key {
			case "pid":
				return strconv.Itoa(p.PID())
			case "ppid":
				return strconv.Itoa(shownPPID(h, p))
			case "lwp", "tid", "spid":
				if th != nil {
					return strconv.Itoa(th.TID())
				}
				return strconv.Itoa(p.PID())
			case "nlwp":
				return strconv.Itoa(len(p.Threads()))
			case "user", "euser", "uname":
				return p.User()
			case "uid":
				if p.User() == "root" {
					return "0"
				}
				return "65534"
			case "comm", "ucmd":
				return min15(p.Program().Name)
			case "args", "command", "cmd":
				return r.lab.cmdline(h, p)
			case "tty", "tt", "tname":
				return tty
			case "stime", "start_time":
				return r.lab.startTime(h.Name(), p.PID())
			}
			return "00:00:00"
		}))
	}
	r.outln(lines...)
	return r.exit(alias, 0, "")
}

// psRow is one line of ps: a process, its thread with -L, its terminal.
type psRow struct {
	p   *sim.Process
	th  *sim.Thread // nil without -L
	tty string      // pts/0 for what a terminal started, ? for the rest
}

// psRows are the lines ps lists: every process with -e, else those of a
// terminal; with -L, one per thread.
func psRows(t *terminal, h *sim.Host, all, threads bool) []psRow {
	var out []psRow
	for _, p := range h.Processes() {
		tty := "?"
		if t.tty[p.PID()] {
			tty = "pts/0"
		}
		if !all && tty == "?" {
			continue
		}
		if !threads {
			out = append(out, psRow{p, nil, tty})
			continue
		}
		for _, th := range p.Threads() {
			out = append(out, psRow{p, th, tty})
		}
	}
	return out
}

// shownPPID is a process's parent as ps shows it: 1 when the parent is
// gone, for the kernel has given the process to init.
func shownPPID(h *sim.Host, p *sim.Process) int {
	if ppid := p.PPID(); ppid == 0 || h.Process(ppid) != nil {
		return ppid
	}
	return 1
}

// min15 is a command's name as the kernel keeps it: 15 bytes.
func min15(s string) string {
	if len(s) > 15 {
		return s[:15]
	}
	return s
}

package lab

import (
	"slices"
	"strconv"
	"strings"

	"portville/sim"
)

// pgrep and pkill (procps): find the host's processes whose name (or,
// with -f, whole command line) matches an extended regular expression,
// and list them or signal them. Like ss, they run no process in the
// town: their own PID would be the only trace.

// pkillOpts are the options the lab takes.
type pkillOpts struct {
	sig                         string
	list, full, count, echo     bool // -l, -f, -c, -e
	exact, newest, oldest, fold bool // -x, -n, -o, -i
	cmdline                     bool // -a
	users                       []string
	delim                       string
	pattern                     string
}

// pkillTry is what the lab's word for a real option suggests.
const pkillTry = "-l, -a, -c, -f, -x, -i, -n, -o, -u USER and (pkill) -SIGNAL and -e work"

func (r *run) parsePkill(name string, args []string) (o pkillOpts, ok bool) {
	o.sig, o.delim = "TERM", "\n"
	kill := name == "pkill"
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			args = args[i+1:]
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			if o.pattern != "" {
				r.pkillUsage(name, name+": only one pattern can be provided")
				return o, false
			}
			o.pattern = a
			continue
		}
		if strings.HasPrefix(a, "--") {
			opt, val, hasVal := strings.Cut(a[2:], "=")
			switch opt {
			case "signal":
				if !kill {
					break
				}
				if !hasVal {
					if i+1 >= len(args) {
						r.pkillUsage(name, name+": option '--signal' requires an argument")
						return o, false
					}
					i++
					val = args[i]
				}
				if o.sig = signalOf(val); o.sig == "" {
					r.fail(2, name+": Unknown signal \""+val+"\".")
					return o, false
				}
				continue
			}
			r.fail(2, r.notModelled(name, "--"+opt, pkillTry))
			return o, false
		}
		if kill && (a[1] >= '0' && a[1] <= '9' || a[1] >= 'A' && a[1] <= 'Z') {
			// pkill -9, -KILL, -SIGKILL: a signal, wherever it stands.
			if s := signalOf(a[1:]); s != "" {
				o.sig = s
				continue
			}
		}
		for k := 1; k < len(a); k++ {
			c := a[k]
			valued := strings.IndexByte("ugGPstUFOr", c) >= 0 || c == 'd' && !kill
			val := ""
			if valued {
				val = a[k+1:]
				if val == "" {
					if i+1 >= len(args) {
						r.pkillUsage(name, name+": option requires an argument -- '"+string(c)+"'")
						return o, false
					}
					i++
					val = args[i]
				}
				k = len(a)
			}
			switch {
			case c == 'l' && !kill:
				o.list = true
			case c == 'a' && !kill:
				o.cmdline = true
			case c == 'd' && !kill:
				o.delim = val
			case c == 'e' && kill:
				o.echo = true
			case c == 'c':
				o.count = true
			case c == 'f':
				o.full = true
			case c == 'x':
				o.exact = true
			case c == 'n':
				o.newest = true
			case c == 'o':
				o.oldest = true
			case c == 'i':
				o.fold = true
			case c == 'u':
				o.users = strings.Split(val, ",")
			case strings.IndexByte("gGPstUFOLwvrAHqQ", c) >= 0:
				r.fail(2, r.notModelled(name, "-"+string(c), pkillTry))
				return o, false
			default:
				r.pkillUsage(name, name+": invalid option -- '"+string(c)+"'")
				return o, false
			}
		}
	}
	if len(args) > 0 && o.pattern == "" {
		// After --, the pattern may start with a dash.
		o.pattern = args[0]
		if len(args) > 1 {
			r.pkillUsage(name, name+": only one pattern can be provided")
			return o, false
		}
	}
	if o.pattern == "" && o.users == nil {
		r.pkillUsage(name, name+": no matching criteria specified")
		return o, false
	}
	return o, true
}

// pgrep lists or (pkill) signals the matching processes. The status is
// 0 when one matched, 1 when none did.
func (r *run) pgrep(t *terminal, name string, args []string) error {
	o, ok := r.parsePkill(name, args)
	if !ok {
		return nil
	}
	var pt *pattern
	if o.pattern != "" {
		var perr *patternError
		if pt, perr = compilePattern(o.pattern, true, false, o.fold); perr != nil {
			if perr.lab {
				r.outln("lab: " + name + "'s " + perr.msg + " are real, but the lab's " + name + " does not model them; plain words, ^, $, ., *, +, ?, [...] and | work")
			} else {
				r.outln(name + ": cannot compile regular expression '" + o.pattern + "': " + perr.msg)
			}
			r.status(2)
			return nil
		}
	}
	h := r.host()
	var found []*sim.Process
	for _, p := range h.Processes() {
		subject := min15(p.Program().Name)
		if o.full {
			subject = r.lab.cmdline(h, p)
		}
		var whole func(s, e int) bool
		if o.exact {
			whole = func(s, e int) bool { return s == 0 && e == len(subject) }
		}
		if pt != nil && !pt.matches(subject, whole) {
			continue
		}
		if o.users != nil && !slices.Contains(o.users, p.User()) {
			continue
		}
		found = append(found, p)
	}
	if len(found) > 0 && o.newest {
		found = found[len(found)-1:]
	}
	if len(found) > 0 && o.oldest {
		found = found[:1]
	}
	if len(found) == 0 {
		r.status(1)
	}
	if name == "pgrep" {
		if o.count {
			r.outln(strconv.Itoa(len(found)))
			return nil
		}
		var b strings.Builder
		for i, p := range found {
			if i > 0 {
				b.WriteString(o.delim)
			}
			b.WriteString(strconv.Itoa(p.PID()))
			switch {
			case o.cmdline:
				b.WriteString(" " + r.lab.cmdline(h, p))
			case o.list:
				b.WriteString(" " + min15(p.Program().Name))
			}
		}
		if len(found) > 0 {
			r.out(b.String() + "\n")
		}
		return nil
	}
	if !simSignal(o.sig) {
		r.fail(1, "lab: pkill -"+o.sig+" (SIG"+o.sig+") is real, but the lab's processes take only TERM, INT, QUIT, HUP and KILL; pkill NAME sends TERM")
		return nil
	}
	// Signal the processes the scenario can name; a worker goes with its
	// master when that is signalled too.
	signalled := map[int]bool{}
	for _, p := range found {
		if alias := r.lab.aliasOf(h, p.PID()); alias != "" {
			signalled[p.PID()] = true
			if o.echo {
				r.outln(min15(p.Program().Name) + " killed (pid " + strconv.Itoa(p.PID()) + ")")
			}
			if err := r.signal(t, alias, p.PID(), o.sig, false); err != nil {
				return err
			}
			continue
		}
		if signalled[p.PPID()] && o.sig != "KILL" {
			// The master ends its workers; SIGKILL leaves it no time to.
			if o.echo {
				r.outln(min15(p.Program().Name) + " killed (pid " + strconv.Itoa(p.PID()) + ")")
			}
			continue
		}
		if o.sig == "KILL" {
			r.outln("lab: pkill -9 kills worker PID " + strconv.Itoa(p.PID()) + " too on a real host, but the lab cannot name a worker in the scenario it writes, so it goes on; without -9, nginx's master stops its workers")
		} else {
			r.outln("lab: pkill signals PID " + strconv.Itoa(p.PID()) + " too on a real host, a worker whose master is gone; the lab cannot name it in the scenario it writes, so it goes on")
		}
	}
	if o.count {
		r.outln(strconv.Itoa(len(found)))
	}
	return nil
}

// pkillUsage is procps's answer to a usage error: the problem, where to
// read more, status 2.
func (r *run) pkillUsage(name, problem string) {
	r.fail(2, problem, "Try `"+name+" --help' for more information.")
}

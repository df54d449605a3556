//go:build !portville_noyaml

package scenario

import (
	"strings"

	"github.com/goccy/go-yaml/ast"

	"portville/sim"
)

// commonKeys may appear on any step.
var commonKeys = []string{"say", "analogy", "breaks", "after", "by"}

// actionKeys lists, per action, the keys it takes besides its own.
var actionKeys = map[string][]string{
	"note":       {"host"},
	"start":      {"on", "as", "user", "server"},
	"fork":       {"as"},
	"exit":       {"code", "signal"},
	"thread":     {"job", "as"},
	"end_thread": {},
	"socket":     {"proto"},
	"setsockopt": {"option", "proto"},
	"bind":       {"addr", "proto"},
	"listen":     {"backlog"},
	"connect":    {"to", "proto"},
	"accept":     {"as"},
	"send":       {"data"},
	"sendto":     {"to", "data", "proto"},
	"close":      {},
	"rebind":     {},
	"wait":       {},
	"checkpoint": {},
	"pipe":       {"into", "data"},
	"add_host":   {},
	"install":    {"on"},
	"uninstall":  {"on"},
	"set_range":  {"range"},
}

// requiredKeys lists the keys an action cannot do without.
var requiredKeys = map[string][]string{
	"start":      {"on"},
	"fork":       {"as"},
	"thread":     {"job", "as"},
	"bind":       {"addr"},
	"connect":    {"to"},
	"accept":     {"as"},
	"send":       {"data"},
	"sendto":     {"to", "data"},
	"setsockopt": {"option"},
	"pipe":       {"into", "data"},
	"install":    {"on"},
	"uninstall":  {"on"},
	"set_range":  {"range"},
}

func (d *decoder) steps(f field, sc *Scenario) {
	items, ok := d.list(f, "scenario")
	if !ok {
		return
	}
	if len(items) == 0 {
		d.errf(f.keyN, "scenario: steps: expected at least one step, found none")
		return
	}
	if len(items) > MaxSteps {
		d.errf(items[MaxSteps], "scenario: steps: %d steps; the limit is %d", len(items), MaxSteps)
		return
	}
	for _, it := range items {
		if st, ok := d.step(it); ok {
			sc.Steps = append(sc.Steps, st)
		}
	}
}

func (d *decoder) step(n ast.Node) (Step, bool) {
	st := Step{Pos: posOf(n)}
	fields, isMap := d.mapping(n, "step")
	if !isMap {
		return st, false
	}
	var act *field
	for i := range fields {
		if contains(actions, fields[i].key) {
			if act != nil {
				d.errf(fields[i].keyN, "step: has two actions, %q and %q (expected one action per step)", act.key, fields[i].key)
				return st, false
			}
			act = &fields[i]
		}
	}
	if act == nil {
		d.errf(n, "step: no action (expected one of: %s)", strings.Join(actions, ", "))
		return st, false
	}
	st.Action = act.key
	st.Pos = posOf(act.keyN)
	allowed := append(append([]string{act.key}, commonKeys...), actionKeys[act.key]...)
	what := "step " + act.key
	ok := true
	for _, f := range fields {
		if !contains(allowed, f.key) {
			d.errf(f.keyN, "%s: unknown field %q (expected one of: %s)", what, f.key, strings.Join(allowed, ", "))
			ok = false
		}
	}
	for _, req := range requiredKeys[act.key] {
		if !hasField(fields, req) {
			d.errf(act.keyN, "%s: missing field %q", what, req)
			ok = false
		}
	}
	if !ok {
		return st, false
	}
	for _, f := range fields {
		switch f.key {
		case "say":
			st.Say, _ = d.nonEmpty(f, what)
		case "analogy":
			st.Analogy, _ = d.nonEmpty(f, what)
		case "breaks":
			st.Breaks, _ = d.nonEmpty(f, what)
		case "after":
			st.After, _ = d.duration(f, what, 0, MaxWaitTotal)
		case "by":
			st.By = d.alias(f, what, "thread name")
		case "on", "host":
			st.Host = d.hostName(f, what)
		case "as":
			st.As = d.alias(f, what, "name")
		case "into":
			st.Into = d.alias(f, what, "process name")
		case "user":
			st.User = d.alias(f, what, "user name")
		case "job":
			st.Job, _ = d.nonEmpty(f, what)
		case "code":
			st.Code, _ = d.integer(f, what, 0, 255)
		case "proto":
			if s, ok := d.nonEmpty(f, what); ok {
				p, okp := sim.ParseProto(s)
				if !okp {
					d.errf(f.val, "%s: proto: %q (expected tcp or udp)", what, s)
				}
				st.Proto = p
			}
		case "option":
			if s, ok := d.nonEmpty(f, what); ok {
				if s != sim.SO_REUSEADDR && s != sim.SO_REUSEPORT {
					d.errf(f.val, "%s: option: %q (expected SO_REUSEADDR or SO_REUSEPORT)", what, s)
				}
				st.Option = s
			}
		case "addr":
			st.Addr, _ = d.endpoint(f, what, true, 0)
		case "to":
			st.To, _ = d.endpoint(f, what, false, 1)
		case "data":
			// A message may be only a line break (the blank line that
			// ends an HTTP request's head, typed into nc): only no
			// bytes at all is nothing.
			if s, ok := d.text(f, what); ok && s == "" {
				d.errf(f.val, "%s: %s: expected text, found nothing", what, f.key)
			} else {
				st.Data = s
			}
		case "backlog":
			st.Backlog, _ = d.integer(f, what, 0, 4096)
		case "server":
			st.Server = d.server(f)
		case "signal":
			if s, ok := d.nonEmpty(f, what); ok {
				if !contains(signalNames, s) {
					d.errf(f.val, "%s: signal: %q (expected one of: %s)", what, s, strings.Join(signalNames, ", "))
				}
				st.Signal = s
			}
		case "range":
			st.RangeLo, st.RangeHi = d.portRange(f, what)
		}
	}
	if !hasField(fields, "backlog") {
		st.Backlog = 128
	}
	d.actionValue(*act, &st, what)
	return st, true
}

func (d *decoder) alias(f field, what, kind string) string {
	s, ok := d.nonEmpty(f, what)
	if !ok {
		return ""
	}
	if !aliasRE.MatchString(s) {
		d.errf(f.val, "%s: %s: %q is not a valid %s (expected lower-case letters, digits, '-' or '_', starting with a letter)", what, f.key, s, kind)
		return ""
	}
	return s
}

func (d *decoder) hostName(f field, what string) string {
	s, ok := d.nonEmpty(f, what)
	if !ok {
		return ""
	}
	if !hostRE.MatchString(s) {
		d.errf(f.val, "%s: %s: %q is not a host name", what, f.key, s)
		return ""
	}
	return s
}

func (d *decoder) endpoint(f field, what string, allowAny bool, minPort int) (Endpoint, bool) {
	s, ok := scalarText(f.val)
	if !ok {
		d.errf(f.val, "%s: %s: expected HOST:PORT, found %s", what, f.key, describe(f.val))
		return Endpoint{}, false
	}
	ep, err := parseEndpoint(s, allowAny, minPort)
	if err != nil {
		d.errf(f.val, "%s: %s: %v", what, f.key, err)
		return Endpoint{}, false
	}
	return ep, true
}

func (d *decoder) ref(f field, what string) Ref {
	s, ok := d.nonEmpty(f, what)
	if !ok {
		return Ref{}
	}
	r, ok := parseRef(s)
	if !ok {
		d.errf(f.val, "%s: %q is not a socket name (expected PROCESS.SOCKET, such as browser.web)", what, s)
	}
	return r
}

// actionValue reads the value of the action key itself.
func (d *decoder) actionValue(f field, st *Step, what string) {
	switch st.Action {
	case "note":
		st.Say, _ = d.nonEmpty(f, what)
	case "start":
		st.Program = d.alias(f, what, "program name")
		if st.As == "" {
			st.As = st.Program
		}
	case "fork", "exit", "thread", "pipe":
		st.Proc = d.alias(f, what, "process name")
	case "end_thread":
		st.Sock = d.ref(f, what)
		st.Proc = st.Sock.Proc
	case "socket", "setsockopt", "bind", "listen", "connect", "accept", "send", "sendto", "close", "rebind":
		st.Sock = d.ref(f, what)
		st.Proc = st.Sock.Proc
	case "wait":
		st.Wait, _ = d.duration(f, what, sim.Microsecond, MaxWaitTotal)
	case "checkpoint":
		st.Checkpoint = d.checkpoint(f)
	case "add_host":
		// Names and addresses are checked against the other hosts in
		// check, which knows every host by then.
		if h, ok := d.hostDef(f.val, map[string]Pos{}, nil); ok {
			st.NewHost = &h
			st.Host = h.Name
		}
	case "install":
		if p, _, ok := d.program(f.val); ok {
			st.Install = &p
			st.Program = p.Name
		}
	case "uninstall":
		st.Program = d.alias(f, what, "program name")
	case "set_range":
		st.Host = d.hostName(f, what)
	}
}

func (d *decoder) checkpoint(f field) *Checkpoint {
	what := "checkpoint"
	fields, isMap := d.mapping(f.val, what, "question", "choices", "measure", "reveal_after", "explain", "analogy")
	if !isMap {
		return nil
	}
	cp := &Checkpoint{RevealAfter: 1}
	for _, req := range []string{"question", "choices", "measure"} {
		if !hasField(fields, req) {
			d.errf(f.val, "checkpoint: missing field %q", req)
		}
	}
	for _, cf := range fields {
		switch cf.key {
		case "question":
			cp.Question, _ = d.nonEmpty(cf, what)
		case "explain":
			cp.Explain, _ = d.nonEmpty(cf, what)
		case "analogy":
			cp.Analogy, _ = d.nonEmpty(cf, what)
		case "reveal_after":
			cp.RevealAfter, _ = d.integer(cf, what, 1, MaxRevealAfter)
		case "choices":
			d.choices(cf, cp)
		case "measure":
			d.measure(cf, cp)
		}
	}
	return cp
}

func (d *decoder) choices(f field, cp *Checkpoint) {
	items, ok := d.list(f, "checkpoint")
	if !ok {
		return
	}
	if len(items) < 2 || len(items) > MaxChoices {
		d.errf(f.keyN, "checkpoint: choices: expected 2 to %d choices, found %d", MaxChoices, len(items))
		return
	}
	ids := map[string]bool{}
	values := map[string]bool{}
	for i, it := range items {
		c := ChoiceDef{ID: string(rune('a' + i))}
		fields, isMap := d.mapping(it, "choice", "id", "text", "value")
		if !isMap {
			continue
		}
		for _, cf := range fields {
			switch cf.key {
			case "id":
				c.ID = d.alias(cf, "choice", "choice id")
			case "text":
				c.Text, _ = d.nonEmpty(cf, "choice")
			case "value":
				vals, ok := d.textList(cf, "choice")
				if ok && len(vals) == 0 {
					d.errf(cf.val, "choice: value: expected at least one value")
				}
				for _, v := range vals {
					if values[v] {
						d.errf(cf.val, "choice: value: %q belongs to two choices; each value must pick one choice", v)
					}
					values[v] = true
				}
				c.Values = vals
			}
		}
		for _, req := range []string{"text", "value"} {
			if !hasField(fields, req) {
				d.errf(it, "choice: missing field %q", req)
			}
		}
		if ids[c.ID] {
			d.errf(it, "choice: id %q is used twice", c.ID)
		}
		ids[c.ID] = true
		cp.Choices = append(cp.Choices, c)
	}
}

func (d *decoder) measure(f field, cp *Checkpoint) {
	what := "measure"
	errsBefore := len(d.errs)
	fields, isMap := d.mapping(f.val, what, append(append([]string(nil), measureKinds...), "from")...)
	if !isMap {
		return
	}
	m := &cp.Measure
	for _, mf := range fields {
		if mf.key == "from" {
			m.Proc = d.alias(mf, what, "process name")
			continue
		}
		if m.Kind != "" {
			d.errf(mf.keyN, "measure: has two kinds, %q and %q (expected one)", m.Kind, mf.key)
			return
		}
		m.Kind = mf.key
		switch mf.key {
		case "port", "ephemeral", "in_range", "state", "reaches", "mapped":
			if r := d.ref(mf, what+" "+mf.key); r.Proc != "" {
				m.Socks = []Ref{r}
			}
		case "same_port", "port_step":
			list, ok := d.textList(mf, what)
			if ok && len(list) != 2 {
				d.errf(mf.val, "measure: %s: expected two socket names, found %d", mf.key, len(list))
				continue
			}
			for _, s := range list {
				r, ok := parseRef(s)
				if !ok {
					d.errf(mf.val, "measure: %s: %q is not a socket name (expected PROCESS.SOCKET)", mf.key, s)
					continue
				}
				m.Socks = append(m.Socks, r)
			}
		case "errno":
			if b, ok := mf.val.(*ast.BoolNode); ok {
				if !b.Value {
					d.errf(mf.val, "measure: errno: expected true (any process) or a process name")
				}
				continue
			}
			m.Proc = d.alias(mf, what, "process name")
		case "threads", "accepted_port", "accepted_port_kind":
			m.Proc = d.alias(mf, what, "process name")
		case "source_seen", "dropped":
			m.Host = d.hostName(mf, what)
		case "processes", "listeners", "accepting_processes", "accepting_threads":
			s, ok := d.nonEmpty(mf, what)
			if !ok {
				continue
			}
			prog, host, found := strings.Cut(s, "@")
			if !found || !aliasRE.MatchString(prog) || !hostRE.MatchString(host) {
				d.errf(mf.val, "measure: %s: %q (expected PROGRAM@HOST, such as writer@laptop)", mf.key, s)
				continue
			}
			m.Prog, m.Host = prog, host
		case "packet":
			s, ok := d.nonEmpty(mf, what)
			if !ok {
				continue
			}
			if !contains(packetFields, s) {
				d.errf(mf.val, "measure: packet: %q (expected one of: %s)", s, strings.Join(packetFields, ", "))
				continue
			}
			m.Field = s
		}
	}
	if m.Kind == "" {
		if len(d.errs) == errsBefore { // an unknown key has listed the kinds already
			d.errf(f.val, "measure: expected one of: %s", strings.Join(measureKinds, ", "))
		}
		return
	}
	if hasField(fields, "from") && m.Kind != "packet" {
		d.errf(f.val, "measure: from: only a packet measure takes from (this one is %s)", m.Kind)
	}
}

package lab

import (
	"strconv"
	"strings"

	"portville/sim"
	"portville/sim/scenario"
)

// Export writes the lab as a scenario file (docs/scenarios.md) that
// portville check accepts and portville run replays to the lab's events,
// byte for byte: the base town's hosts (with the base system's
// programs), the seed and OS the lab ran with, finish: settle, and every
// step the entries wrote, each entry's typed line as a comment above its
// steps. The YAML is written by hand (the package stays free of a YAML
// library, for the WebAssembly build); TestExportRoundTrip parses it
// back.
func (l *Lab) Export() []byte {
	sc := l.sc
	var b strings.Builder
	b.WriteString("# A Portville lab, saved as a scenario. Replay it with:\n")
	b.WriteString("#   portville run --file FILE   (or portville check FILE)\n")
	b.WriteString("# Each '# HOST$ ...' comment is a line typed into the lab; the steps under it are what it did.\n")
	kv(&b, "", "title", yq(sc.Title))
	if sc.Summary != "" {
		kv(&b, "", "summary", yq(sc.Summary))
	}
	if len(sc.Takeaways) > 0 {
		b.WriteString("takeaways:\n")
		for _, t := range sc.Takeaways {
			b.WriteString("  - " + yq(t) + "\n")
		}
	}
	kv(&b, "", "seed", strconv.FormatUint(l.Seed(), 10))
	if sc.OS != "" {
		kv(&b, "", "os", sc.OS)
	}
	kv(&b, "", "latency", duration(sc.Latency))
	kv(&b, "", "finish", scenario.FinishSettle)
	b.WriteString("hosts:\n")
	for _, h := range sc.Hosts {
		b.WriteString("  - " + hostFlow(h) + "\n")
	}
	if len(sc.Links) > 0 {
		b.WriteString("links:\n")
		for _, lk := range sc.Links {
			b.WriteString("  - {between: [" + lk.A + ", " + lk.B + "], latency: " + duration(lk.Latency) + "}\n")
		}
	}
	b.WriteString("steps:\n")
	i := 0
	for _, e := range l.entries {
		b.WriteString("  # " + commentOf(e) + "\n")
		for k := 0; k < e.Steps; k++ {
			writeStep(&b, &sc.Steps[i])
			i++
		}
	}
	if len(sc.Steps) == 0 {
		// A scenario needs a step; a wait of one microsecond changes
		// nothing a viewer sees.
		b.WriteString("  - wait: 1us\n")
	}
	return []byte(b.String())
}

// commentOf is an entry as a comment line shows it.
func commentOf(e Entry) string {
	switch {
	case e.Key == KeyInterrupt:
		return e.Host + ": ^C"
	case e.Key == KeyEOF:
		return e.Host + ": ^D"
	case e.Key == KeyStop:
		return e.Host + ": ^Z"
	case e.Secret():
		return e.Host + ": " + e.Prompt + " (not shown)"
	case e.Prompt == e.Host+"$ ":
		return e.Prompt + e.Line
	}
	return e.Host + ": " + e.Prompt + e.Line
}

func kv(b *strings.Builder, indent, key, val string) {
	b.WriteString(indent + key + ": " + val + "\n")
}

// writeStep writes one step as a YAML mapping, its action first.
func writeStep(b *strings.Builder, st *scenario.Step) {
	const in = "    "
	first := true
	put := func(key, val string) {
		if first {
			b.WriteString("  - " + key + ": " + val + "\n")
			first = false
			return
		}
		b.WriteString(in + key + ": " + val + "\n")
	}
	switch st.Action {
	case "start":
		put("start", st.Program)
		put("on", st.Host)
		put("as", st.As)
		if st.User != "" {
			put("user", st.User)
		}
		if st.Server != nil {
			put("server", serverFlow(st.Server))
		}
	case "exit":
		put("exit", st.Proc)
		if st.Signal != "" {
			put("signal", st.Signal)
		} else if st.Code != 0 {
			put("code", strconv.Itoa(st.Code))
		}
	case "connect":
		put("connect", st.Sock.String())
		put("to", endpoint(st.To))
		if st.Proto != sim.NoProto {
			put("proto", st.Proto.String())
		}
	case "bind":
		put("bind", st.Sock.String())
		put("addr", endpoint(st.Addr))
		if st.Proto != sim.NoProto {
			put("proto", st.Proto.String())
		}
	case "send":
		put("send", st.Sock.String())
		put("data", yq(st.Data))
	case "close":
		put("close", st.Sock.String())
	case "wait":
		put("wait", duration(st.Wait))
	case "install":
		put("install", programFlow(*st.Install))
		put("on", st.Host)
	case "uninstall":
		put("uninstall", st.Program)
		put("on", st.Host)
	case "set_range":
		put("set_range", st.Host)
		put("range", strconv.Itoa(int(st.RangeLo))+"-"+strconv.Itoa(int(st.RangeHi)))
	case "add_host":
		put("add_host", hostFlow(*st.NewHost))
	default:
		put(st.Action, yq("unsupported step"))
	}
	if st.Say != "" {
		b.WriteString(in + "say: " + yq(st.Say) + "\n")
	}
	if st.Analogy != "" {
		b.WriteString(in + "analogy: " + yq(st.Analogy) + "\n")
	}
}

// hostFlow writes a host as a flow mapping.
func hostFlow(h scenario.HostDef) string {
	var addrs []string
	for _, a := range h.Addrs {
		addrs = append(addrs, a.String())
	}
	parts := []string{"name: " + h.Name, "addr: [" + strings.Join(addrs, ", ") + "]"}
	if h.OS != "" {
		parts = append(parts, "os: "+h.OS)
	}
	if h.RangeLo != 0 {
		parts = append(parts, "range: "+strconv.Itoa(int(h.RangeLo))+"-"+strconv.Itoa(int(h.RangeHi)))
	}
	if len(h.Programs) > 0 {
		var progs []string
		for _, p := range h.Programs {
			progs = append(progs, programFlow(p))
		}
		parts = append(parts, "programs: ["+strings.Join(progs, ", ")+"]")
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// programFlow writes a program as a flow mapping.
func programFlow(p sim.Program) string {
	parts := []string{"name: " + p.Name}
	if p.Path != "" {
		parts = append(parts, "path: "+yq(p.Path))
	}
	if p.User != "" {
		parts = append(parts, "user: "+p.User)
	}
	if p.Client != "" {
		parts = append(parts, "client: "+p.Client)
	}
	if p.Server != nil {
		parts = append(parts, "server: "+serverFlow(p.Server))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// serverFlow writes a server spec with every field that differs from
// what the parser assumes.
func serverFlow(s *sim.ServerSpec) string {
	var svcs []string
	for _, l := range s.Listen {
		svcs = append(svcs, l.String())
	}
	parts := []string{"listen: [" + strings.Join(svcs, ", ") + "]"}
	if s.Protocol != "" && s.Protocol != "none" {
		parts = append(parts, "protocol: "+s.Protocol)
	}
	if s.Threads != "" && s.Threads != "per-connection" {
		parts = append(parts, "threads: "+s.Threads)
	}
	if s.CloseFirst {
		parts = append(parts, "close: server-first")
	}
	if !s.ReuseAddr {
		parts = append(parts, "reuseaddr: false")
	}
	if s.ReusePort {
		parts = append(parts, "reuseport: true")
	}
	if s.Workers != 0 {
		parts = append(parts, "workers: "+strconv.Itoa(s.Workers))
	}
	if s.BindAddr.IsValid() && !s.BindAddr.IsUnspecified() {
		parts = append(parts, "addr: "+s.BindAddr.String())
	}
	if s.Backlog != 0 && s.Backlog != sim.DefaultBacklog {
		parts = append(parts, "backlog: "+strconv.Itoa(s.Backlog))
	}
	if s.Once {
		parts = append(parts, "once: true")
	}
	if s.AcceptThreads != 0 {
		parts = append(parts, "accept_threads: "+strconv.Itoa(s.AcceptThreads))
	}
	if s.PortTries != 0 {
		parts = append(parts, "port_tries: "+strconv.Itoa(s.PortTries))
	}
	if s.Announce {
		parts = append(parts, "announce: true")
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

func endpoint(e scenario.Endpoint) string { return e.String() }

// duration writes a time in the largest unit that divides it, in a
// scenario's units.
func duration(t sim.Time) string {
	switch {
	case t == 0:
		return "0s"
	case t%(3600*sim.Second) == 0:
		return strconv.FormatInt(int64(t/(3600*sim.Second)), 10) + "h"
	case t%(60*sim.Second) == 0:
		return strconv.FormatInt(int64(t/(60*sim.Second)), 10) + "m"
	case t%sim.Second == 0:
		return strconv.FormatInt(int64(t/sim.Second), 10) + "s"
	case t%sim.Millisecond == 0:
		return strconv.FormatInt(int64(t/sim.Millisecond), 10) + "ms"
	}
	return strconv.FormatInt(int64(t), 10) + "us"
}

// yq quotes text as a YAML double-quoted scalar. Go's escapes are a
// subset of YAML's, and the lab's text is valid UTF-8.
func yq(s string) string { return strconv.Quote(s) }

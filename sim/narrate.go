package sim

import (
	"strconv"
	"strings"
)

// Narrate returns the technical and analogy sentences for an event, from
// Catalogue. Notes and checkpoints carry their own words.
func Narrate(e *Event) (text, analogy string) { return NarrateIn(e, nil) }

// NarrateIn is Narrate in language l (nil: English). A scenario's own
// words (notes, questions, answers) are looked up in l's Texts.
func NarrateIn(e *Event, l *Language) (text, analogy string) {
	if e.Kind == KindNote || e.Kind == KindCheckpoint || e.Kind == KindCheckpointReply {
		t, a := e.Text, e.Analogy
		if l != nil {
			if e.Kind == KindCheckpointReply && e.answerTmpl != nil {
				t, a = e.answerTmpl.in(l)
			} else {
				t, a = l.Text(t), l.Text(a)
			}
		}
		if t == "" {
			t = l.Text(e.Question)
		}
		if a == "" {
			a = t
		}
		return t, a
	}
	key := catalogueKey(e)
	s, ok := l.sentence(key)
	if !ok {
		return string(e.Kind), string(e.Kind)
	}
	return fill(s.Text, e, l), fill(s.Analogy, e, l)
}

// answerTmpl keeps what a checkpoint's answer was written from, so that
// it can be told again in another language: the explanation and its
// analogy before {value} was filled in, the value, and the right choice.
type answerTmpl struct {
	_                               noCompare
	explain, analogy, value, choice string
}

// in returns the answer's sentences in l.
func (a *answerTmpl) in(l *Language) (text, analogy string) {
	v := l.value(a.value)
	if a.explain == "" {
		text = l.word("answer", "choice", l.Text(a.choice))
	} else {
		text = strings.ReplaceAll(l.Text(a.explain), "{value}", v)
	}
	if a.analogy != "" {
		analogy = strings.ReplaceAll(l.Text(a.analogy), "{value}", v)
	}
	return text, analogy
}

// catalogueKey picks the most specific catalogue entry for e.
func catalogueKey(e *Event) string {
	k := string(e.Kind)
	var variants []string
	switch e.Kind {
	case KindProgramInstall:
		if len(e.Services) > 0 {
			variants = []string{"server"}
		}
	case KindProcessStart:
		if e.PPID != 0 {
			variants = []string{"fork"}
		}
	case KindProcessExit:
		switch {
		case e.Signal != "":
			variants = []string{"signal"}
		case e.Code != 0:
			variants = []string{"error"}
		}
	case KindThreadStart:
		if e.TID == e.PID {
			variants = []string{"main"}
		}
	case KindSocketOption:
		variants = []string{e.Option}
	case KindSocketBind:
		switch {
		case e.Ephemeral != nil && *e.Ephemeral:
			variants = []string{"ephemeral"}
		case e.Local.Addr().IsUnspecified():
			variants = []string{"any"}
		}
	case KindSocketConnect, KindSocketRecv:
		if e.Proto == UDP {
			variants = []string{"udp"}
		}
	case KindSocketState:
		variants = []string{e.To + "/" + e.From, e.To}
	case KindSocketClose:
		switch {
		case e.Shared > 0:
			variants = []string{"shared"}
		case !e.Local.IsValid():
			variants = []string{"unbound"}
		}
	case KindPortAssign:
		variants = []string{e.Call}
	case KindPortRelease:
		if e.Ephemeral != nil && *e.Ephemeral {
			variants = []string{"ephemeral"}
		}
	case KindPacketSend:
		switch {
		case e.Proto == UDP:
			variants = []string{"udp"}
		case e.Flags&RST != 0:
			variants = []string{"RST"}
		case e.Flags&SYN != 0 && e.Flags&ACK != 0:
			variants = []string{"SYN/ACK"}
		case e.Flags&SYN != 0:
			variants = []string{"SYN"}
		case e.Flags&FIN != 0:
			variants = []string{"FIN"}
		case e.Len > 0:
			variants = []string{"data"}
		default:
			variants = []string{"ACK"}
		}
	case KindPacketDeliver:
		variants = []string{e.Match}
	case KindPacketDrop:
		variants = []string{e.Reason + "/" + e.Proto.String(), e.Reason}
	case KindError:
		variants = []string{string(e.Errno) + "/" + e.Call, string(e.Errno)}
	case KindNATMap:
		switch {
		case e.Reason == "forward":
			variants = []string{"forward"}
		case e.Src.Port() == e.Local.Port():
			variants = []string{"kept"}
		default:
			variants = []string{"changed"}
		}
	case KindNATRewrite:
		variants = []string{e.Reason}
	}
	for _, v := range variants {
		if _, ok := Catalogue[k+"/"+v]; ok {
			return k + "/" + v
		}
	}
	return k
}

// fill replaces each {name} in tmpl with the event's value for it.
func fill(tmpl string, e *Event, l *Language) string {
	if strings.IndexByte(tmpl, '{') < 0 {
		return tmpl
	}
	var b strings.Builder
	b.Grow(len(tmpl) + 32)
	for {
		i := strings.IndexByte(tmpl, '{')
		if i < 0 {
			b.WriteString(tmpl)
			return b.String()
		}
		j := strings.IndexByte(tmpl[i:], '}')
		if j < 0 {
			b.WriteString(tmpl)
			return b.String()
		}
		b.WriteString(tmpl[:i])
		b.WriteString(field(e, tmpl[i+1:i+j], l))
		tmpl = tmpl[i+j+1:]
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// maxCaptionDataRunes bounds how much of a payload a caption quotes.
const maxCaptionDataRunes = 80

// captionData is a payload as a caption quotes it: its first line, at most
// maxCaptionDataRunes characters, with an ellipsis when there is more. An
// HTTP response reads "HTTP/1.1 200 OK …"; the event's data field keeps
// the payload itself.
func captionData(d string) string {
	line, more := d, false
	if i := strings.IndexAny(d, "\r\n"); i >= 0 {
		line = d[:i]
		more = strings.TrimRight(d[i:], "\r\n") != ""
	}
	n := 0
	for i := range line {
		if n == maxCaptionDataRunes {
			line, more = line[:i], true
			break
		}
		n++
	}
	if more {
		return line + " …"
	}
	return line
}

// field returns an event's value for a narration placeholder.
func field(e *Event, name string, l *Language) string {
	// The numeric fields set n and share one itoa after the switch: a
	// call per case costs more WebAssembly than the assignment.
	var n int
	switch name {
	case "host":
		return e.Host
	case "host_s":
		// The possessive: "web's", but "files'".
		if strings.HasSuffix(e.Host, "s") {
			return e.Host + "'"
		}
		return e.Host + "'s"
	case "to_host":
		return e.ToHost
	case "program":
		if e.Program == "" {
			return l.word("the_kernel")
		}
		return e.Program
	case "path":
		return e.Path
	case "user":
		return e.User
	case "pid":
		n = e.PID
	case "ppid":
		n = e.PPID
	case "tid":
		n = e.TID
	case "job":
		return l.Job(e.Job)
	case "fd":
		n = e.FD
	case "who":
		if e.PID == 0 {
			return l.word("kernel_of", "host", e.Host)
		}
		return e.Program + " (PID " + itoa(e.PID) + ")"
	case "PROTO":
		return strings.ToUpper(e.Proto.String())
	case "local":
		return e.Local.String()
	case "remote":
		return e.Remote.String()
	case "src":
		return e.Src.String()
	case "dst":
		return e.Dst.String()
	case "local_ip":
		return e.Local.Addr().String()
	case "local_port":
		n = int(e.Local.Port())
	case "remote_ip":
		return e.Remote.Addr().String()
	case "remote_port":
		n = int(e.Remote.Port())
	case "src_ip":
		return e.Src.Addr().String()
	case "src_port":
		n = int(e.Src.Port())
	case "dst_ip":
		return e.Dst.Addr().String()
	case "dst_port":
		n = int(e.Dst.Port())
	case "port":
		n = int(e.Port)
	case "port_desc":
		p := e.Port
		if p == 0 {
			p = e.Local.Port()
		}
		if n := ServiceName(e.Proto, p); n != "" {
			return itoa(int(p)) + " (" + n + ")"
		}
		return itoa(int(p))
	case "services":
		var parts []string
		for _, s := range e.Services {
			proto, port, _ := strings.Cut(s, "/")
			parts = append(parts, l.word("service", "PROTO", strings.ToUpper(proto), "port", port))
		}
		return strings.Join(parts, l.word("and"))
	case "service_ports":
		var parts []string
		for _, s := range e.Services {
			proto, port, _ := strings.Cut(s, "/")
			parts = append(parts, port+" ("+strings.ToUpper(proto)+")")
		}
		return strings.Join(parts, l.word("and"))
	case "from":
		return e.From
	case "to":
		return e.To
	case "until":
		return (e.Until - e.T).String()
	case "flags":
		return e.Flags.String()
	case "flags_or_data":
		if e.Len > 0 {
			return l.word("bytes", "len", strconv.Itoa(e.Len))
		}
		return e.Flags.String()
	case "tcp_seq":
		n = int(e.TCPSeq)
	case "tcp_ack":
		n = int(e.TCPAck)
	case "len":
		n = e.Len
	case "data":
		return captionData(e.Data)
	case "call":
		return e.Call
	case "errno":
		return string(e.Errno)
	case "errtext":
		return l.errText(e.Errno)
	case "code":
		n = e.Code
	case "signal":
		return e.Signal
	case "option":
		return e.Option
	case "shared":
		n = e.Shared
	case "backlog":
		n = e.Backlog
	case "addrs":
		var parts []string
		for _, a := range e.Addrs {
			if !a.IsLoopback() {
				parts = append(parts, a.String())
			}
		}
		return strings.Join(parts, ", ")
	case "os_title":
		if p, err := ProfileByName(e.OS); err == nil {
			return p.Title
		}
		return l.word("the_os")
	case "range":
		return itoa(int(e.RangeLo)) + "-" + itoa(int(e.RangeHi))
	case "privileged":
		return "1024"
	case "user_or_proc":
		if e.User != "" {
			return e.User
		}
		return l.word("ordinary_user")
	default:
		return "{" + name + "}"
	}
	return itoa(n)
}

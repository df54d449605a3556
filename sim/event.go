package sim

import (
	"fmt"
	"net/netip"
	"strconv"
	"unicode/utf8"

	"portville/sim/smalljson"
)

// Kind names what an event reports. The names are part of the public
// contract (docs/events.md); new kinds may be added, existing ones keep their
// meaning.
type Kind string

// Event kinds.
const (
	KindHostUp          Kind = "host.up"
	KindHostRange       Kind = "host.range"
	KindProgramInstall  Kind = "program.install"
	KindProgramRemove   Kind = "program.remove"
	KindProcessStart    Kind = "process.start"
	KindProcessExit     Kind = "process.exit"
	KindProcessOutput   Kind = "process.output"
	KindThreadStart     Kind = "thread.start"
	KindThreadExit      Kind = "thread.exit"
	KindSocketOpen      Kind = "socket.open"
	KindSocketInherit   Kind = "socket.inherit"
	KindSocketOption    Kind = "socket.option"
	KindSocketBind      Kind = "socket.bind"
	KindSocketListen    Kind = "socket.listen"
	KindSocketConnect   Kind = "socket.connect"
	KindSocketAccept    Kind = "socket.accept"
	KindSocketState     Kind = "socket.state"
	KindSocketRecv      Kind = "socket.recv"
	KindSocketClose     Kind = "socket.close"
	KindPortAssign      Kind = "port.assign"
	KindPortRelease     Kind = "port.release"
	KindPacketSend      Kind = "packet.send"
	KindPacketDeliver   Kind = "packet.deliver"
	KindPacketDrop      Kind = "packet.drop"
	KindNATMap          Kind = "nat.map"
	KindNATRewrite      Kind = "nat.rewrite"
	KindNATExpire       Kind = "nat.expire"
	KindPipeWrite       Kind = "pipe.write"
	KindPipeRead        Kind = "pipe.read"
	KindError           Kind = "error"
	KindNote            Kind = "note"
	KindCheckpoint      Kind = "checkpoint"
	KindCheckpointReply Kind = "checkpoint.answer"
)

// Kinds lists every kind in the order docs/events.md presents them.
var Kinds = []Kind{
	KindHostUp, KindHostRange, KindProgramInstall, KindProgramRemove, KindProcessStart, KindProcessExit, KindProcessOutput,
	KindThreadStart, KindThreadExit, KindSocketOpen, KindSocketInherit, KindSocketOption,
	KindSocketBind, KindSocketListen, KindSocketConnect, KindSocketAccept,
	KindSocketState, KindSocketRecv, KindSocketClose, KindPortAssign,
	KindPortRelease, KindPacketSend, KindPacketDeliver, KindPacketDrop,
	KindNATMap, KindNATRewrite, KindNATExpire,
	KindPipeWrite, KindPipeRead,
	KindError, KindNote, KindCheckpoint, KindCheckpointReply,
}

// Proto is a transport protocol. Ports are per protocol: TCP 53 and UDP 53
// are different ports.
type Proto uint8

// Transport protocols.
const (
	NoProto Proto = iota
	TCP
	UDP
)

// String returns "tcp", "udp" or "".
func (p Proto) String() string {
	switch p {
	case TCP:
		return "tcp"
	case UDP:
		return "udp"
	}
	return ""
}

// ParseProto parses "tcp" or "udp".
func ParseProto(s string) (Proto, bool) {
	switch s {
	case "tcp":
		return TCP, true
	case "udp":
		return UDP, true
	}
	return NoProto, false
}

// Flags is a set of TCP header flags.
type Flags uint8

// TCP flags, in the order they are printed.
const (
	SYN Flags = 1 << iota
	FIN
	RST
	PSH
	ACK
)

var flagNames = [...]string{"SYN", "FIN", "RST", "PSH", "ACK"}

// Names returns the flags as a list of names in a fixed order, for example
// ["SYN", "ACK"].
func (f Flags) Names() []string {
	var out []string
	for i, n := range flagNames {
		if f&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return out
}

// String joins the flag names with "/", for example "SYN/ACK".
func (f Flags) String() string {
	s := ""
	for i, n := range flagNames {
		if f&(1<<i) != 0 {
			if s != "" {
				s += "/"
			}
			s += n
		}
	}
	return s
}

// Choice is one answer a checkpoint offers.
type Choice struct {
	_    noCompare
	ID   string `json:"id"`
	Text string `json:"text"`
}

// Event is one change of state in the world. Fields that do not apply to an
// event's kind are zero and left out of its JSON form. Text and Analogy are
// filled from the narration catalogue when the event is encoded (see
// Narrate); the engine leaves them empty except for notes and checkpoints,
// whose words come from the scenario.
type Event struct {
	Seq     uint64
	T       Time
	Kind    Kind
	Text    string
	Analogy string

	Host    string // the host where it happens
	ToHost  string // packets: the destination host, if any
	Program string
	Path    string
	User    string
	PID     int
	PPID    int
	TID     int
	Job     string
	FD      int
	Sock    int // the socket's id, unique in the world
	Parent  int // for accepted sockets: the listener's socket id
	Proto   Proto
	Local   netip.AddrPort
	Remote  netip.AddrPort
	Src     netip.AddrPort
	Dst     netip.AddrPort
	Port    uint16
	// Ephemeral is set on port and bind events: whether the OS chose the port.
	Ephemeral *bool
	From, To  string // TCP states
	Flags     Flags
	TCPSeq    uint32
	TCPAck    uint32
	Len       int    // packets: the payload's size on the wire
	Wire      Wire   // packets: the protocol whose message Data describes (wire.go)
	Data      string // the payload, at most eventDataMaxBytes of it
	// Payload is a packet's whole payload (Data may be cut short). It is
	// not part of the JSON form: sim/pcap reads it from the events of a
	// run.
	Payload  string
	Packet   int    // packet id, shared by its send, deliver and drop events
	Arrive   Time   // packet.send: when it will arrive
	Until    Time   // socket.state to TIME_WAIT: when it ends
	Match    string // packet.deliver: "established", "listener", "udp", "udp-connected"
	Reason   string
	Call     string
	Errno    Errno
	Code     int
	Signal   string // process.exit: the signal that ended it ("TERM"), if any
	Option   string
	Shared   int // socket.close: how many other descriptors still hold the socket
	Backlog  int
	Addrs    []netip.Addr
	OS       string
	RangeLo  uint16
	RangeHi  uint16
	Services []string // program.install: "tcp/80", ...
	Question string
	Choices  []Choice
	Answer   string // checkpoint.answer: the id of the right choice
	Value    string // checkpoint.answer: what the simulation did
	Checkpt  int    // checkpoint number within the run, from 1
	Breaks   string // where the apartment analogy breaks, for notes

	// answerTmpl is a checkpoint answer's sentences before the value
	// was filled in (NarrateIn); not part of the JSON form.
	answerTmpl *answerTmpl
}

var (
	trueVal  = true
	falseVal = false
)

// boolPtr returns a pointer to a shared true or false, so events do not
// allocate for it.
func boolPtr(b bool) *bool {
	if b {
		return &trueVal
	}
	return &falseVal
}

// MarshalJSON encodes the event as one JSON object, with text and analogy
// filled from the narration catalogue. Field order is fixed, so the same
// event always gives the same bytes.
func (e Event) MarshalJSON() ([]byte, error) {
	return e.AppendJSON(make([]byte, 0, 512)), nil
}

// AppendJSON appends the event's JSON encoding (without a newline) to b.
func (e *Event) AppendJSON(b []byte) []byte { return e.AppendJSONIn(b, nil) }

// sentences returns the event's text and analogy in l: its own, where the
// engine or the scenario set them, else the catalogue's.
func (e *Event) sentences(l *Language) (text, analogy string) {
	text, analogy = e.Text, e.Analogy
	own := e.Kind == KindNote || e.Kind == KindCheckpoint || e.Kind == KindCheckpointReply
	if own && l != nil {
		return NarrateIn(e, l)
	}
	text, analogy = l.Text(text), l.Text(analogy)
	if text == "" || analogy == "" {
		t, a := NarrateIn(e, l)
		if text == "" {
			text = t
		}
		if analogy == "" {
			analogy = a
		}
	}
	return text, analogy
}

// AppendJSONIn is AppendJSON in language l (nil: English): text and
// analogy, and a scenario's own words (question, choices, breaks, job),
// are l's; every other field is the same bytes in every language.
func (e *Event) AppendJSONIn(b []byte, l *Language) []byte {
	text, analogy := e.sentences(l)
	b = append(b, `{"seq":`...)
	b = strconv.AppendUint(b, e.Seq, 10)
	b = append(b, `,"t_us":`...)
	b = strconv.AppendInt(b, int64(e.T), 10)
	b = appendStr(b, "kind", string(e.Kind))
	b = appendStr(b, "text", text)
	b = appendStr(b, "analogy", analogy)
	b = appendOptStr(b, "host", e.Host)
	b = appendOptStr(b, "to_host", e.ToHost)
	b = appendOptStr(b, "program", e.Program)
	b = appendOptStr(b, "path", e.Path)
	b = appendOptStr(b, "user", e.User)
	b = appendOptInt(b, "pid", e.PID)
	b = appendOptInt(b, "ppid", e.PPID)
	b = appendOptInt(b, "tid", e.TID)
	b = appendOptStr(b, "job", l.Job(e.Job))
	b = appendOptInt(b, "fd", e.FD)
	b = appendOptInt(b, "sock", e.Sock)
	b = appendOptInt(b, "parent", e.Parent)
	b = appendOptStr(b, "proto", e.Proto.String())
	b = appendAddrPort(b, "local", e.Local)
	b = appendAddrPort(b, "remote", e.Remote)
	b = appendAddrPort(b, "src", e.Src)
	b = appendAddrPort(b, "dst", e.Dst)
	b = appendOptInt(b, "port", int(e.Port))
	if e.Ephemeral != nil {
		b = append(b, `,"ephemeral":`...)
		b = strconv.AppendBool(b, *e.Ephemeral)
	}
	b = appendOptStr(b, "from", e.From)
	b = appendOptStr(b, "to", e.To)
	if e.Flags != 0 {
		b = append(b, `,"flags":[`...)
		first := true
		for i, n := range flagNames {
			if e.Flags&(1<<i) != 0 {
				if !first {
					b = append(b, ',')
				}
				first = false
				b = append(b, '"')
				b = append(b, n...)
				b = append(b, '"')
			}
		}
		b = append(b, ']')
	}
	if e.Kind == KindPacketSend || e.Kind == KindPacketDeliver || e.Kind == KindPacketDrop {
		if e.Proto == TCP {
			b = append(b, `,"tcp_seq":`...)
			b = strconv.AppendUint(b, uint64(e.TCPSeq), 10)
			b = append(b, `,"tcp_ack":`...)
			b = strconv.AppendUint(b, uint64(e.TCPAck), 10)
		}
		b = append(b, `,"len":`...)
		b = strconv.AppendInt(b, int64(e.Len), 10)
		b = appendOptStr(b, "wire", e.Wire.String())
	} else {
		b = appendOptInt(b, "len", e.Len)
	}
	b = appendOptStr(b, "data", e.Data)
	b = appendOptInt(b, "packet", e.Packet)
	if e.Arrive != 0 {
		b = append(b, `,"arrive_us":`...)
		b = strconv.AppendInt(b, int64(e.Arrive), 10)
	}
	if e.Until != 0 {
		b = append(b, `,"until_us":`...)
		b = strconv.AppendInt(b, int64(e.Until), 10)
	}
	b = appendOptStr(b, "match", e.Match)
	b = appendOptStr(b, "reason", e.Reason)
	b = appendOptStr(b, "call", e.Call)
	b = appendOptStr(b, "errno", string(e.Errno))
	if e.Kind == KindProcessExit {
		b = append(b, `,"code":`...)
		b = strconv.AppendInt(b, int64(e.Code), 10)
		b = appendOptStr(b, "signal", e.Signal)
	}
	b = appendOptStr(b, "option", e.Option)
	if e.Kind == KindSocketClose {
		b = append(b, `,"shared":`...)
		b = strconv.AppendInt(b, int64(e.Shared), 10)
	}
	b = appendOptInt(b, "backlog", e.Backlog)
	if len(e.Addrs) > 0 {
		b = append(b, `,"addrs":[`...)
		for i, a := range e.Addrs {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, '"')
			b = a.AppendTo(b)
			b = append(b, '"')
		}
		b = append(b, ']')
	}
	b = appendOptStr(b, "os", e.OS)
	if e.RangeHi != 0 {
		b = append(b, `,"range":[`...)
		b = strconv.AppendUint(b, uint64(e.RangeLo), 10)
		b = append(b, ',')
		b = strconv.AppendUint(b, uint64(e.RangeHi), 10)
		b = append(b, ']')
	}
	if len(e.Services) > 0 {
		b = append(b, `,"services":[`...)
		for i, s := range e.Services {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendQuoted(b, s)
		}
		b = append(b, ']')
	}
	b = appendOptStr(b, "question", l.Text(e.Question))
	if len(e.Choices) > 0 {
		b = append(b, `,"choices":[`...)
		for i, c := range e.Choices {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"id":`...)
			b = appendQuoted(b, c.ID)
			b = append(b, `,"text":`...)
			b = appendQuoted(b, l.Text(c.Text))
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = appendOptStr(b, "answer", e.Answer)
	b = appendOptStr(b, "value", e.Value)
	b = appendOptInt(b, "checkpoint", e.Checkpt)
	b = appendOptStr(b, "breaks", l.Text(e.Breaks))
	return append(b, '}')
}

// eventWire is the decoded form of an event; it exists so that
// UnmarshalJSON can use encoding/json for the parts that need no care.
type eventWire struct {
	Seq       uint64   `json:"seq"`
	T         Time     `json:"t_us"`
	Kind      Kind     `json:"kind"`
	Text      string   `json:"text"`
	Analogy   string   `json:"analogy"`
	Host      string   `json:"host"`
	ToHost    string   `json:"to_host"`
	Program   string   `json:"program"`
	Path      string   `json:"path"`
	User      string   `json:"user"`
	PID       int      `json:"pid"`
	PPID      int      `json:"ppid"`
	TID       int      `json:"tid"`
	Job       string   `json:"job"`
	FD        int      `json:"fd"`
	Sock      int      `json:"sock"`
	Parent    int      `json:"parent"`
	Proto     string   `json:"proto"`
	Local     string   `json:"local"`
	Remote    string   `json:"remote"`
	Src       string   `json:"src"`
	Dst       string   `json:"dst"`
	Port      uint16   `json:"port"`
	Ephemeral *bool    `json:"ephemeral"`
	From      string   `json:"from"`
	To        string   `json:"to"`
	Flags     []string `json:"flags"`
	TCPSeq    uint32   `json:"tcp_seq"`
	TCPAck    uint32   `json:"tcp_ack"`
	Len       int      `json:"len"`
	Wire      string   `json:"wire"`
	Data      string   `json:"data"`
	Packet    int      `json:"packet"`
	Arrive    Time     `json:"arrive_us"`
	Until     Time     `json:"until_us"`
	Match     string   `json:"match"`
	Reason    string   `json:"reason"`
	Call      string   `json:"call"`
	Errno     Errno    `json:"errno"`
	Code      int      `json:"code"`
	Signal    string   `json:"signal"`
	Option    string   `json:"option"`
	Shared    int      `json:"shared"`
	Backlog   int      `json:"backlog"`
	Addrs     []string `json:"addrs"`
	OS        string   `json:"os"`
	Range     []uint16 `json:"range"`
	Services  []string `json:"services"`
	Question  string   `json:"question"`
	Choices   []Choice `json:"choices"`
	Answer    string   `json:"answer"`
	Value     string   `json:"value"`
	Checkpt   int      `json:"checkpoint"`
	Breaks    string   `json:"breaks"`
}

// UnmarshalJSON decodes an event encoded by AppendJSON.
func (e *Event) UnmarshalJSON(data []byte) error {
	var w eventWire
	if err := smalljson.Unmarshal(data, &w); err != nil {
		return err
	}
	out := Event{
		Seq: w.Seq, T: w.T, Kind: w.Kind, Text: w.Text, Analogy: w.Analogy,
		Host: w.Host, ToHost: w.ToHost, Program: w.Program, Path: w.Path, User: w.User,
		PID: w.PID, PPID: w.PPID, TID: w.TID, Job: w.Job, FD: w.FD, Sock: w.Sock,
		Parent: w.Parent, Port: w.Port, Ephemeral: w.Ephemeral, From: w.From, To: w.To,
		TCPSeq: w.TCPSeq, TCPAck: w.TCPAck, Len: w.Len, Data: w.Data, Packet: w.Packet,
		Arrive: w.Arrive, Until: w.Until, Match: w.Match, Reason: w.Reason, Call: w.Call, Errno: w.Errno,
		Code: w.Code, Signal: w.Signal, Option: w.Option, Shared: w.Shared, Backlog: w.Backlog, OS: w.OS,
		Services: w.Services, Question: w.Question, Choices: w.Choices, Answer: w.Answer,
		Value: w.Value, Checkpt: w.Checkpt, Breaks: w.Breaks,
	}
	if w.Wire != "" {
		wire, ok := ParseWire(w.Wire)
		if !ok {
			return fmt.Errorf("event %d: unknown wire protocol %q", w.Seq, w.Wire)
		}
		out.Wire = wire
	}
	if w.Proto != "" {
		p, ok := ParseProto(w.Proto)
		if !ok {
			return fmt.Errorf("event %d: unknown proto %q", w.Seq, w.Proto)
		}
		out.Proto = p
	}
	for _, f := range []struct {
		s   string
		dst *netip.AddrPort
	}{{w.Local, &out.Local}, {w.Remote, &out.Remote}, {w.Src, &out.Src}, {w.Dst, &out.Dst}} {
		if f.s == "" {
			continue
		}
		ap, err := netip.ParseAddrPort(f.s)
		if err != nil {
			return fmt.Errorf("event %d: %w", w.Seq, err)
		}
		*f.dst = ap
	}
	for _, n := range w.Flags {
		found := false
		for i, fn := range flagNames {
			if fn == n {
				out.Flags |= 1 << i
				found = true
			}
		}
		if !found {
			return fmt.Errorf("event %d: unknown TCP flag %q", w.Seq, n)
		}
	}
	for _, s := range w.Addrs {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return fmt.Errorf("event %d: %w", w.Seq, err)
		}
		out.Addrs = append(out.Addrs, a)
	}
	if len(w.Range) == 2 {
		out.RangeLo, out.RangeHi = w.Range[0], w.Range[1]
	}
	*e = out
	return nil
}

func appendOptStr(b []byte, key, v string) []byte {
	if v == "" {
		return b
	}
	return appendStr(b, key, v)
}

func appendStr(b []byte, key, v string) []byte {
	b = append(b, ',', '"')
	b = append(b, key...)
	b = append(b, '"', ':')
	return appendQuoted(b, v)
}

func appendOptInt(b []byte, key string, v int) []byte {
	if v == 0 {
		return b
	}
	b = append(b, ',', '"')
	b = append(b, key...)
	b = append(b, '"', ':')
	return strconv.AppendInt(b, int64(v), 10)
}

func appendAddrPort(b []byte, key string, ap netip.AddrPort) []byte {
	if !ap.IsValid() {
		return b
	}
	b = append(b, ',', '"')
	b = append(b, key...)
	b = append(b, '"', ':', '"')
	b = ap.AppendTo(b)
	return append(b, '"')
}

const hexDigits = "0123456789abcdef"

// appendQuoted appends s as a JSON string, escaping what JSON requires
// (and U+2028, U+2029 for JavaScript); invalid UTF-8 becomes U+FFFD. It does
// not escape <, > and & as encoding/json does: events are never inlined in
// HTML, and "->" reads better in a transcript than "-\u003e".
func appendQuoted(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

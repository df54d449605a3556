package scenario

// This file holds what a scenario is and what running one needs; the YAML
// front end (Parse, in scenario.go, steps.go and yaml.go) is left out of
// builds with the tag portville_noyaml, so that the WebAssembly build of
// the static site (cmd/portville-wasm) runs scenarios without linking the
// YAML parser.

import (
	"net/netip"
	"strconv"

	"portville/sim"
)

// Limits on a scenario file. Each has its own error message.
const (
	// MaxFileBytes and MaxSteps leave room for a lab of its 500 commands
	// exported as a scenario (sim/lab): a few steps and a comment each.
	MaxFileBytes       = 1 << 20
	MaxHosts           = 12
	MaxAddrsPerHost    = 4
	MaxProgramsPerHost = 16
	MaxSteps           = 5000
	MaxChoices         = 6
	MaxRevealAfter     = 10
	// MaxWaitTotal bounds the simulated time a script asks for with wait
	// and after; MaxSimTime bounds the whole run, timers included.
	MaxWaitTotal = 3600 * sim.Second
	MaxSimTime   = 2 * 3600 * sim.Second
	// MaxEvents bounds the events one run may produce.
	MaxEvents = 100_000
)

// Scenario is a parsed, validated scenario file.
type Scenario struct {
	File      string
	ID        string
	Title     string
	Summary   string
	Takeaways []string
	Seed      uint64
	SeedSet   bool
	OS        string // default OS profile for hosts that name none
	Latency   sim.Time
	Hosts     []HostDef
	Links     []LinkDef
	Steps     []Step
	// Finish says what happens after the last step: FinishRun (the
	// default) runs everything left, TIME_WAIT included; FinishSettle
	// stops once the last step has settled, leaving long timers pending,
	// as a lab does between commands.
	Finish string
}

// What a scenario does after its last step (Scenario.Finish).
const (
	FinishRun    = "run"
	FinishSettle = "settle"
)

// HostDef is a host in a scenario.
type HostDef struct {
	Pos
	Name             string
	Addrs            []netip.Addr
	OS               string // "" means the scenario's default
	RangeLo, RangeHi uint16
	Programs         []sim.Program
	// Names are the host's DNS names (A records for its addresses), such
	// as example.org; its host name is one too.
	Names []string
	// NAT makes the host a home router for the hosts it lists inside.
	NAT *NATDef
	// Nameserver is the DNS server the host's programs ask (its
	// /etc/resolv.conf): a host name or an IPv4 address; empty means names
	// in its steps are looked up directly, with no DNS traffic.
	Nameserver string
}

// NATDef is a router's NAT, as the file writes it.
type NATDef struct {
	Pos
	Inside     []string   // host names
	Public     netip.Addr // one of the router's addresses; default its last
	Mapping    string     // sim.MappingLinux (default) or sim.MappingEndpointIndependent
	UDPTimeout sim.Time
	Forward    []ForwardDef
}

// ForwardDef is a port-forwarding rule: PROTO/PORT on the public address
// to an inside host's address and port.
type ForwardDef struct {
	_     noCompare
	Proto sim.Proto
	Port  uint16
	To    Endpoint
}

// MaxForwards bounds a router's port-forwarding rules.
const MaxForwards = 16

// MaxNamesPerHost bounds a host's names.
const MaxNamesPerHost = 8

// LinkDef sets the latency between two hosts.
type LinkDef struct {
	_ noCompare
	Pos
	A, B    string
	Latency sim.Time
}

// Endpoint is an address and port as written in a step: a host name or an
// IPv4 address, and a port; or a socket, standing for the address it is
// bound to (a client connects where a server said it listens).
type Endpoint struct {
	_    noCompare
	Host string // a host name, resolved to its first address when run
	Addr netip.Addr
	Port uint16
	Sock Ref    // set for a socket's address
	Name string // a DNS name (with a dot), such as example.org
}

func (e Endpoint) String() string {
	if e.Sock.Proc != "" {
		return e.Sock.String()
	}
	if e.Host != "" || e.Name != "" {
		return e.Host + e.Name + ":" + strconv.Itoa(int(e.Port))
	}
	return netip.AddrPortFrom(e.Addr, e.Port).String()
}

// Ref names a socket ("browser.web") or a thread of a process.
type Ref struct {
	Proc string
	Name string
}

func (r Ref) String() string { return r.Proc + "." + r.Name }

// Step is one line of the script.
type Step struct {
	_ noCompare
	Pos
	Action  string // the action key: start, connect, ...
	Say     string // narration shown before the step
	Analogy string // the same narration in analogy terms
	Breaks  string // where the analogy breaks, if it does here
	After   sim.Time
	By      string // thread alias that makes the call; "" = main thread

	Proc    string // process alias the step acts on (or creates, for start)
	Sock    Ref    // the socket the step acts on
	Program string
	Host    string
	User    string
	Job     string
	As      string // alias the step creates (fork, thread, accept)
	Into    string // pipe: the reading process
	Proto   sim.Proto
	Addr    Endpoint
	To      Endpoint
	Data    string
	Code    int
	Backlog int
	Option  string
	Wait    sim.Time
	Signal  string // exit: the signal that ends the process ("TERM"), if any
	// RangeLo and RangeHi are set_range's new ephemeral range.
	RangeLo, RangeHi uint16

	// NewHost is add_host's building; Install is install's program;
	// Server is a start's own server spec, in place of its program's.
	NewHost *HostDef
	Install *sim.Program
	Server  *sim.ServerSpec

	Checkpoint *Checkpoint
}

// Checkpoint is a question for the class, answered by what the
// simulation does in the next RevealAfter steps.
type Checkpoint struct {
	Question    string
	Choices     []ChoiceDef
	Measure     Measure
	RevealAfter int
	Explain     string
	Analogy     string
}

// ChoiceDef is one answer, and the measured values that make it right.
type ChoiceDef struct {
	ID     string
	Text   string
	Values []string
}

// Measure says what to observe to answer a checkpoint.
type Measure struct {
	Kind  string // see measureKinds
	Socks []Ref
	Proc  string
	Host  string
	Prog  string
	Field string
}

// Pos is a position in a scenario file.
type Pos struct {
	Line, Col int
}

// humanDuration writes a duration in the largest unit that divides it, in
// the same units a scenario file uses: 1us, 10ms, 61s, 2m, 1h.
func humanDuration(t sim.Time) string {
	units := []struct {
		suffix string
		unit   sim.Time
	}{{"h", 3600 * sim.Second}, {"m", 60 * sim.Second}, {"s", sim.Second}, {"ms", sim.Millisecond}}
	if t == 0 {
		return "0s"
	}
	for _, u := range units {
		if t%u.unit == 0 {
			return strconv.FormatInt(int64(t/u.unit), 10) + u.suffix
		}
	}
	return strconv.FormatInt(int64(t), 10) + "us"
}

// noCompare, as a struct's first field, makes the struct not comparable,
// so that the compiler generates no equality function for it: each is
// hundreds of bytes of the WebAssembly module, for types nothing
// compares.
type noCompare [0]func()

package lab

import (
	"cmp"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"portville/sim"
	"portville/sim/scenario"
)

// Limits of a lab. Each has its own message.
const (
	// MaxEntries bounds the lines typed into a lab, answered or not.
	MaxEntries = 500
	// MaxLineBytes bounds one typed line. It is below what an event
	// carries of a payload, so a line sent through nc arrives whole.
	MaxLineBytes = 1000
	// maxJobsPerHost bounds the background jobs of one terminal.
	maxJobsPerHost = 32
	// maxReactRounds bounds how often the terminals react to each other
	// after one entry (a client that closes because its server did).
	maxReactRounds = 8
)

// TownHost is the terminal of the town itself, for what no host's shell
// does: adding a building (town$ add-host NAME ADDR [OS]).
const TownHost = "town"

// Keys a terminal sends besides lines.
const (
	KeyInterrupt = "ctrl-c" // SIGINT to the foreground job
	KeyEOF       = "ctrl-d" // end of input
	KeyStop      = "ctrl-z" // SIGTSTP: the foreground job stops
)

// Input is one thing typed at a terminal: a line, or a key.
type Input struct {
	Host string `json:"host"`
	Line string `json:"line,omitempty"`
	Key  string `json:"key,omitempty"`
}

// Chunk is output that appears in a terminal once the viewer has reached
// event Seq (0: at once). Text is whole lines, each ending in "\n", except
// a prompt a program leaves open ("Password:"). Clear wipes the terminal
// (the clear command).
type Chunk struct {
	_     noCompare
	Host  string `json:"host"`
	Text  string `json:"text,omitempty"`
	Seq   uint64 `json:"seq"`
	Clear bool   `json:"clear,omitempty"`
}

// Entry is one input and what it did: the output it caused in any
// terminal, the events it caused (From to To; none when From > To), and
// the exit status of the command.
type Entry struct {
	Input
	Prompt string  `json:"prompt"`          // the prompt the input was typed at
	Shell  bool    `json:"shell,omitempty"` // typed at the shell's prompt, not into a program
	At     uint64  `json:"at"`              // the town's last event when it was typed: a terminal shows the input from there
	Out    []Chunk `json:"out"`
	From   uint64  `json:"from"`
	To     uint64  `json:"to"`
	Status int     `json:"status"`
	Steps  int     `json:"steps"` // scenario steps it wrote
}

// Options choose the OS profile (for hosts that name none) and the seed.
type Options struct {
	_       noCompare
	OS      string
	Seed    uint64
	SeedSet bool
}

// InputError is an input the lab refuses before it reaches a terminal: a
// line over the length limit, a lab full of entries, a host that does not
// exist. Nothing changes.
type InputError struct{ Msg string }

func (e *InputError) Error() string { return e.Msg }

// Lab is a town and the entries typed into it.
type Lab struct {
	base    *scenario.Scenario // the town it started from, without steps
	baseID  string
	opt     Options
	sc      *scenario.Scenario // the scenario the entries have written
	live    *scenario.Live
	entries []Entry
	terms   map[string]*terminal
	order   []string       // terminals in the order their hosts joined
	count   map[string]int // names handed out per program, for aliases
	setup   []sim.Event    // the events that build the base town
	sink    *sink          // where the engine's events arrive
	stopped error          // a step failed; the lab must be rebuilt
	// cmdlines are the command lines processes were started with from a
	// terminal, for ps -f.
	cmdlines map[cmdKey]string
}

// sink collects the engine's events for the entry running, and when each
// process started (ps's STIME). The engine holds a pointer to it, so it
// stays the lab's when rebuild replaces the rest.
type sink struct {
	pending []sim.Event
	started map[cmdKey]sim.Time
	last    sim.Time // when the latest event happened
}

func (k *sink) observe(e *sim.Event) {
	k.pending = append(k.pending, *e)
	k.last = e.T
	if e.Kind == sim.KindProcessStart {
		k.started[cmdKey{e.Host, e.PID}] = e.T
	}
}

// New starts a lab on the hosts and programs of base (a lesson, or the
// default town of DefaultTown): nothing of base's script runs. baseID
// names base for Script ("" for the default town).
func New(base *scenario.Scenario, baseID string, opt Options) (*Lab, error) {
	if opt.OS != "" {
		if _, err := sim.ProfileByName(opt.OS); err != nil {
			return nil, &InputError{Msg: err.Error()}
		}
	}
	l := &Lab{base: base, baseID: baseID, opt: opt, count: map[string]int{}, terms: map[string]*terminal{},
		cmdlines: map[cmdKey]string{}, sink: &sink{started: map[cmdKey]sim.Time{}}}
	sc := &scenario.Scenario{
		File: "lab", Title: labTitle(base), Summary: base.Summary, Takeaways: base.Takeaways,
		Seed: base.Seed, SeedSet: base.SeedSet, OS: base.OS, Latency: base.Latency,
		Links: slices.Clone(base.Links), Finish: scenario.FinishSettle,
	}
	if opt.SeedSet {
		sc.Seed, sc.SeedSet = opt.Seed, true
	}
	if opt.OS != "" {
		sc.OS = opt.OS
	}
	if sc.Latency == 0 {
		sc.Latency = sim.DefaultLatency
	}
	for _, h := range base.Hosts {
		sc.Hosts = append(sc.Hosts, withBaseTools(h, sc.OS))
	}
	l.sc = sc
	live, err := sc.Start(scenario.Options{OnEvent: l.sink.observe})
	if err != nil {
		return nil, fmt.Errorf("lab: %w", err)
	}
	l.live = live
	l.setup, l.sink.pending = l.sink.pending, nil
	for _, h := range sc.Hosts {
		l.addTerminal(h.Name)
	}
	return l, nil
}

func labTitle(base *scenario.Scenario) string {
	if base.ID == "" {
		return base.Title
	}
	return "Lab: " + base.Title
}

// withBaseTools returns a copy of h with the base system's programs it
// lacks, those its OS has (os: the scenario's, for a host that names
// none). On Windows, ps is PowerShell's alias, no program.
func withBaseTools(h scenario.HostDef, os string) scenario.HostDef {
	h.Programs = slices.Clone(h.Programs)
	h.Addrs = slices.Clone(h.Addrs)
	os = cmp.Or(h.OS, os, "linux")
	for _, t := range baseTools {
		if _, missing := absent(os, t.name); missing || os == "windows" && t.name == "ps" {
			continue
		}
		if !slices.ContainsFunc(h.Programs, func(p sim.Program) bool { return p.Name == t.name }) {
			h.Programs = append(h.Programs, sim.Program{Name: t.name, Path: t.path, Client: t.client})
		}
	}
	return h
}

// DefaultTown is the town /lab opens with: a laptop and a web server,
// as in the transcripts of REAL-TOOLS.md, with nginx installed and not
// yet started.
func DefaultTown() *scenario.Scenario {
	nginx := packageByName("nginx").program()
	return &scenario.Scenario{
		Title:   "Lab",
		Summary: "Your own town: type commands into a building's terminal and watch what they do to ports, sockets and letters.",
		Latency: sim.DefaultLatency,
		Hosts: []scenario.HostDef{
			{Name: "laptop", Addrs: []netip.Addr{netip.MustParseAddr("10.0.0.10")}},
			{Name: "web", Addrs: []netip.Addr{netip.MustParseAddr("10.0.0.20")}, Programs: []sim.Program{nginx}},
		},
	}
}

func (l *Lab) addTerminal(host string) *terminal {
	t := &terminal{host: host, tty: map[int]bool{}, watch: map[int]bool{}, announce: map[int]bool{}}
	l.terms[host] = t
	l.order = append(l.order, host)
	return t
}

// SetupEvents returns the events that build the base town, before any
// entry: host.up and program.install for each host.
func (l *Lab) SetupEvents() []sim.Event { return l.setup }

// Entries returns the entries so far. The slice must not be changed.
func (l *Lab) Entries() []Entry { return l.entries }

// BaseID returns the lesson the lab started from ("" for the default
// town).
func (l *Lab) BaseID() string { return l.baseID }

// Options returns the OS and seed the lab runs with.
func (l *Lab) Options() Options { return l.opt }

// Seed returns the seed the lab runs with.
func (l *Lab) Seed() uint64 { return l.sc.SeedFor(scenario.Options{}) }

// OS returns the OS profile of hosts that name none.
func (l *Lab) OS() string {
	if l.sc.OS == "" {
		return "linux"
	}
	return l.sc.OS
}

// Events returns how many events the lab has caused, the town's setup
// included.
func (l *Lab) Events() uint64 { return l.live.World().Seq() }

// Snapshot returns the town as the lab's last event left it: what
// timeline.SnapshotAt gives for Events() by running the scenario again,
// without running it again. Its time is the last event's, as a re-run's
// is, though sleep may have moved the lab's clock on since.
func (l *Lab) Snapshot() sim.Snapshot {
	snap := l.live.World().Snapshot()
	snap.T = l.sink.last
	return snap
}

// StartSeq is the last event of the base town's setup.
func (l *Lab) StartSeq() uint64 { return l.live.StartSeq() }

// Capacity returns, per host, the most ports it has held at once.
func (l *Lab) Capacity() map[string]int { return maps(l.live.Capacity()) }

func maps(m map[string]int) map[string]int {
	out := make(map[string]int, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// Scenario returns the scenario the lab has written so far: a copy that
// later entries do not change, which Run replays to the lab's events.
func (l *Lab) Scenario() *scenario.Scenario {
	cp := *l.sc
	cp.Steps = l.sc.Steps[:len(l.sc.Steps):len(l.sc.Steps)]
	cp.Hosts = slices.Clone(l.sc.Hosts)
	return &cp
}

// Hosts returns the lab's hosts in the order they joined.
func (l *Lab) Hosts() []string { return slices.Clone(l.order) }

// Prompt returns what a host's terminal shows before the next input:
// "HOST$ " for the shell, or the prompt of the program it is attached to
// ("" for netcat, "ftp> ").
func (l *Lab) Prompt(host string) string {
	t := l.terms[host]
	if t == nil {
		return ""
	}
	if t.fg != nil {
		return t.fg.prompt()
	}
	os := "linux"
	if h := l.live.World().Host(host); h != nil {
		os = h.OS().Name
	}
	return osPrompt(os, host)
}

// Attached returns the program a host's terminal is attached to, or "".
func (l *Lab) Attached(host string) string {
	if t := l.terms[host]; t != nil && t.fg != nil {
		return t.fg.name()
	}
	return ""
}

// Do runs one input and returns its entry and the events it caused. An
// InputError changes nothing; any other error means the lab could not
// take the input (a step the engine refused, a limit of the run) and is
// rebuilt without it.
func (l *Lab) Do(in Input) (Entry, []sim.Event, error) {
	if err := l.check(in); err != nil {
		return Entry{}, nil, err
	}
	if l.stopped != nil {
		if err := l.rebuild(len(l.entries)); err != nil {
			return Entry{}, nil, err
		}
	}
	e, events, err := l.do(in)
	if err != nil {
		l.stopped = err
		if rerr := l.rebuild(len(l.entries)); rerr != nil {
			return Entry{}, nil, rerr
		}
		return Entry{}, nil, runError(err)
	}
	return e, events, nil
}

// check refuses inputs the lab does not take at all.
func (l *Lab) check(in Input) error {
	switch {
	case len(l.entries) >= MaxEntries:
		return &InputError{Msg: fmt.Sprintf("lab: this lab has %d entries, the limit; save it as a scenario or undo something", MaxEntries)}
	case len(in.Line) > MaxLineBytes:
		return &InputError{Msg: fmt.Sprintf("lab: the line is %d bytes; the limit is %d", len(in.Line), MaxLineBytes)}
	case in.Key != "" && in.Line != "":
		return &InputError{Msg: "lab: an input is a line or a key, not both"}
	case in.Key != "" && in.Key != KeyInterrupt && in.Key != KeyEOF && in.Key != KeyStop:
		return &InputError{Msg: fmt.Sprintf("lab: unknown key %q (expected %s, %s or %s)", in.Key, KeyInterrupt, KeyEOF, KeyStop)}
	case in.Host != TownHost && l.terms[in.Host] == nil:
		return &InputError{Msg: fmt.Sprintf("lab: no host %q (hosts: %s)", in.Host, strings.Join(l.order, ", "))}
	case strings.ContainsAny(in.Line, "\r\n\x00"):
		return &InputError{Msg: "lab: a line cannot contain a line break or a NUL byte"}
	case !utf8.ValidString(in.Line):
		return &InputError{Msg: "lab: the line is not valid UTF-8 text"}
	}
	return nil
}

// runError explains a failure of the engine to the learner.
func runError(err error) error {
	var re *scenario.RunError
	if errors.As(err, &re) {
		return &InputError{Msg: "lab: the town could not run that: " + re.Msg}
	}
	return err
}

func (l *Lab) do(in Input) (Entry, []sim.Event, error) {
	r := &run{lab: l, in: in, term: in.Host}
	t := l.terms[in.Host]
	r.entry = Entry{Input: in, Prompt: l.promptOf(in.Host), Shell: t == nil || t.fg == nil, At: l.Events()}
	var err error
	switch {
	case in.Host == TownHost:
		err = r.town()
	case t.fg != nil:
		err = r.foreground(t)
	case in.Key != "":
		r.keyAtPrompt(t)
	default:
		err = r.shell(t)
	}
	if err == nil {
		err = r.react()
	}
	if err != nil {
		return Entry{}, nil, err
	}
	r.take()
	r.entry.From, r.entry.To = 1, 0
	if len(r.events) > 0 {
		r.entry.From, r.entry.To = r.events[0].Seq, r.events[len(r.events)-1].Seq
	}
	if r.entry.Out == nil {
		r.entry.Out = []Chunk{}
	}
	l.entries = append(l.entries, r.entry)
	return r.entry, r.events, nil
}

func (l *Lab) promptOf(host string) string {
	if host == TownHost {
		return TownHost + "$ "
	}
	return l.Prompt(host)
}

// Undo takes back the last entry: the lab is rebuilt from its base and
// every entry but the last, which gives the same events up to where the
// last entry began. It returns that entry; ok is false when there is
// none.
func (l *Lab) Undo() (Entry, bool, error) {
	if len(l.entries) == 0 {
		return Entry{}, false, nil
	}
	last := l.entries[len(l.entries)-1]
	if err := l.rebuild(len(l.entries) - 1); err != nil {
		return Entry{}, false, err
	}
	return last, true, nil
}

// rebuild replaces the lab's state with a new run of its base and its
// first n entries.
func (l *Lab) rebuild(n int) error {
	fresh, err := New(l.base, l.baseID, l.opt)
	if err != nil {
		return err
	}
	for _, e := range l.entries[:n] {
		if _, _, err := fresh.do(e.Input); err != nil {
			return fmt.Errorf("lab: rebuild: entry %q: %w", e.Line, err)
		}
	}
	*l = *fresh
	return nil
}

// Replay runs the inputs of a script on a new lab, stopping at the first
// that is refused.
func Replay(base *scenario.Scenario, baseID string, opt Options, inputs []Input) (*Lab, error) {
	l, err := New(base, baseID, opt)
	if err != nil {
		return nil, err
	}
	for i, in := range inputs {
		if _, _, err := l.Do(in); err != nil {
			return nil, fmt.Errorf("input %d (%s): %w", i+1, in.Host, err)
		}
	}
	return l, nil
}

// alias returns a new process name for a program: curl1, curl2, ...
func (l *Lab) alias(program string) string {
	l.count[program]++
	name := strings.ReplaceAll(program, ".", "-")
	if len(name) > 24 {
		name = name[:24]
	}
	if c := name[len(name)-1]; c >= '0' && c <= '9' {
		name += "-"
	}
	return name + strconv.Itoa(l.count[program])
}

// hostAddr returns the address a command names for a host name, an IPv4
// address or localhost, and the host that has it (nil when none does).
func (l *Lab) hostAddr(name string) (netip.Addr, *sim.Host, bool) {
	w := l.live.World()
	if name == "localhost" {
		return sim.Loopback, nil, true
	}
	if h := w.Host(name); h != nil {
		return h.Addr(), h, true
	}
	if a, err := netip.ParseAddr(name); err == nil && a.Is4() {
		if a.IsLoopback() {
			return a, nil, true
		}
		return a, w.HostByAddr(a), true
	}
	// A DNS name of the town (a host's names:, a DNS server's records).
	if addrs, ok := w.LookupName(name); ok && len(addrs) > 0 {
		return addrs[0], w.HostByAddr(addrs[0]), true
	}
	return netip.Addr{}, nil, false
}

// target is how a connect step names where a command connects: by the
// name the learner typed, so that on a host with a nameserver the program
// looks it up over DNS first (sim/scenario/resolve.go), or by address.
func target(typed string, to netip.AddrPort) scenario.Endpoint {
	switch {
	case typed == "localhost", typed == "":
	case strings.Contains(typed, ".") && sim.ValidDNSName(typed):
		if _, err := netip.ParseAddr(typed); err != nil {
			return scenario.Endpoint{Name: typed, Port: to.Port()}
		}
	default:
		if _, err := netip.ParseAddr(typed); err != nil {
			return scenario.Endpoint{Host: typed, Port: to.Port()}
		}
	}
	return scenario.Endpoint{Addr: to.Addr(), Port: to.Port()}
}

// Startable lists the programs of a host a learner can start by typing
// their name: those the base system does not bring.
func (l *Lab) Startable(host string) []string {
	out := []string{}
	h := l.live.World().Host(host)
	if h == nil {
		return out
	}
	for _, p := range h.Programs() {
		if !isBaseTool(p.Name) {
			out = append(out, p.Name)
		}
	}
	return out
}

// View is a lab's state as its viewers see it (docs/protocol.md, "The
// lab"): the server's lab message and the static build's carry it.
type View struct {
	Base     string        `json:"base"` // the lesson whose town it started from, "" for the default town
	Hosts    []HostView    `json:"hosts"`
	Entries  []Entry       `json:"entries"`
	Packages []PackageView `json:"packages"`
	Limits   Limits        `json:"limits"`
}

// HostView is one host's terminal: the prompt it shows and the program it
// is attached to ("" for the shell).
type HostView struct {
	Name     string   `json:"name"`
	Prompt   string   `json:"prompt"`
	Attached string   `json:"attached"`
	Secret   bool     `json:"secret,omitempty"` // the prompt asks for a password
	Programs []string `json:"programs"`         // programs it can start by name
}

// PackageView is a program the view offers to install.
type PackageView struct {
	_       noCompare
	Name    string `json:"name"`
	Program string `json:"program"`
	Title   string `json:"title"`
	Port    uint16 `json:"port"`
}

// Limits are a lab's bounds, for a view to say so before the lab does.
type Limits struct {
	Entries   int `json:"entries"`
	LineBytes int `json:"line"`
	Hosts     int `json:"hosts"`
}

// View returns the lab's state for its viewers.
func (l *Lab) View() View {
	v := View{Base: l.baseID, Hosts: l.HostViews(), Entries: l.entries,
		Limits: Limits{Entries: MaxEntries, LineBytes: MaxLineBytes, Hosts: scenario.MaxHosts}}
	if v.Entries == nil {
		v.Entries = []Entry{}
	}
	for _, p := range Catalogue {
		v.Packages = append(v.Packages, PackageView{Name: p.Name, Program: p.Program, Title: p.Title, Port: p.Port})
	}
	return v
}

// HostViews returns the terminals' state, in the order the hosts joined.
func (l *Lab) HostViews() []HostView {
	out := []HostView{}
	for _, name := range l.order {
		p := l.Prompt(name)
		out = append(out, HostView{Name: name, Prompt: p, Attached: l.Attached(name), Secret: p == "Password:", Programs: l.Startable(name)})
	}
	return out
}

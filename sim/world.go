package sim

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
)

// Default bounds of a world. Every one can be lowered in Config.
const (
	DefaultMaxEvents  = 2_000_000
	DefaultMaxTime    = 24 * 3600 * Second
	maxHosts          = 64
	maxProcsPerHost   = 4096
	maxFDsPerProcess  = 1024
	maxThreadsPerProc = 256
	maxDataBytes      = 64 << 10
	// maxUDPPayloadBytes is the most one IPv4 UDP datagram carries: 65,535
	// less the 20-byte IP and 8-byte UDP headers. A larger sendto fails with
	// EMSGSIZE, as on Linux.
	maxUDPPayloadBytes = 65535 - 20 - 8
	// eventDataMaxBytes bounds how much of a payload an event carries; the
	// len field always has the full length. It is larger than a line the
	// lab's terminal sends (sim/lab's maxLineBytes), so a terminal can show
	// what arrived from the events alone.
	eventDataMaxBytes = 1024
)

// Default timings.
const (
	DefaultLatency  = 5 * Millisecond
	loopbackLatency = 20 * Microsecond
	appThinkTime    = 200 * Microsecond
	delayedAckTime  = 40 * Millisecond
	unreachableTime = 3 * Second
)

// ErrTooManyEvents and ErrTooLong stop a run that exceeds its bounds.
var (
	ErrTooManyEvents = errors.New("the simulation produced more events than its limit")
	ErrTooLong       = errors.New("the simulation ran past its time limit")
)

// Config sets up a world.
type Config struct {
	// Seed drives every random choice (ephemeral ports, PIDs, sequence
	// numbers). The same seed and the same calls give the same events.
	Seed uint64
	// MaxEvents and MaxTime bound a run; zero means the defaults.
	MaxEvents int
	MaxTime   Time
	// Latency between two different hosts unless SetLatency says
	// otherwise; zero means DefaultLatency.
	Latency Time
	// OnEvent receives every event. The pointer is valid only during the
	// call: copy the event to keep it.
	OnEvent func(*Event)
}

// action is one scheduled piece of work. Actions run in (at, seq) order, so
// two actions at the same time run in the order they were scheduled.
type action struct {
	at    Time
	seq   uint64
	timer bool // long timers (TIME_WAIT) do not keep the network busy
	fn    func()
}

// World is a simulated network of hosts. It is not safe for concurrent use:
// one goroutine drives it, and every event is emitted from that goroutine in
// sequence order.
type World struct {
	cfg      Config
	rng      *rand.Rand
	now      Time
	seq      uint64 // last event sequence number
	aseq     uint64 // action sequence, the tie-breaker
	queue    []action
	busy     int // queued actions that are not timers
	err      error
	hosts    []*Host
	byName   map[string]*Host
	byAddr   map[netip.Addr]*Host
	latency  map[[2]int]Time
	nextSock int
	nextPkt  int
	inflight map[int]*packet         // packets on the street, by id
	names    map[string][]netip.Addr // the town's DNS names (dns.go)
	ev       Event                   // scratch event, reused to avoid allocation
}

// NewWorld returns an empty world.
func NewWorld(cfg Config) *World {
	if cfg.MaxEvents <= 0 {
		cfg.MaxEvents = DefaultMaxEvents
	}
	if cfg.MaxTime <= 0 {
		cfg.MaxTime = DefaultMaxTime
	}
	if cfg.Latency <= 0 {
		cfg.Latency = DefaultLatency
	}
	return &World{
		cfg:      cfg,
		rng:      rand.New(rand.NewPCG(cfg.Seed, 0x706f727476696c6c)), // "portvill"
		byName:   map[string]*Host{},
		byAddr:   map[netip.Addr]*Host{},
		latency:  map[[2]int]Time{},
		inflight: map[int]*packet{},
	}
}

// Now returns the current virtual time.
func (w *World) Now() Time { return w.now }

// Seq returns the sequence number of the last event emitted.
func (w *World) Seq() uint64 { return w.seq }

// Err returns the error that stopped the world, if any.
func (w *World) Err() error { return w.err }

// Seed returns the world's seed.
func (w *World) Seed() uint64 { return w.cfg.Seed }

// Hosts returns the hosts in the order they were added.
func (w *World) Hosts() []*Host { return w.hosts }

// Host returns the named host, or nil.
func (w *World) Host(name string) *Host { return w.byName[name] }

// HostByAddr returns the host that owns the (non-loopback) address, or nil.
func (w *World) HostByAddr(a netip.Addr) *Host { return w.byAddr[a] }

// SetLatency sets the one-way latency between two hosts, both ways.
func (w *World) SetLatency(a, b *Host, d Time) error {
	if d < 0 || d > 10*Second {
		return fmt.Errorf("latency %s out of range (0 to 10s)", d)
	}
	w.latency[[2]int{a.id, b.id}] = d
	w.latency[[2]int{b.id, a.id}] = d
	return nil
}

func (w *World) linkLatency(a, b *Host) Time {
	if a == b {
		return loopbackLatency
	}
	if d, ok := w.latency[[2]int{a.id, b.id}]; ok {
		return d
	}
	return w.cfg.Latency
}

// emit stamps e with the next sequence number and the current time and
// hands it to the sink. Once the world has stopped, events are dropped.
func (w *World) emit(e *Event) {
	if w.err != nil {
		return
	}
	if w.seq >= uint64(w.cfg.MaxEvents) {
		w.err = ErrTooManyEvents
		return
	}
	w.seq++
	e.Seq = w.seq
	e.T = w.now
	if w.cfg.OnEvent != nil {
		w.cfg.OnEvent(e)
	}
}

// newEvent returns the world's scratch event, cleared, with kind set. The
// caller fills it and passes it to emit before asking for another.
func (w *World) newEvent(k Kind) *Event {
	w.ev = Event{Kind: k}
	return &w.ev
}

// schedule runs fn at time at (never earlier than now).
func (w *World) schedule(at Time, timer bool, fn func()) {
	if at < w.now {
		at = w.now
	}
	w.aseq++
	a := action{at: at, seq: w.aseq, timer: timer, fn: fn}
	if !timer {
		w.busy++
	}
	// Sift up.
	w.queue = append(w.queue, a)
	i := len(w.queue) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !w.queue[i].before(&w.queue[p]) {
			break
		}
		w.queue[i], w.queue[p] = w.queue[p], w.queue[i]
		i = p
	}
}

func (a *action) before(b *action) bool {
	if a.at != b.at {
		return a.at < b.at
	}
	return a.seq < b.seq
}

func (w *World) pop() action {
	q := w.queue
	top := q[0]
	n := len(q) - 1
	q[0] = q[n]
	q[n] = action{}
	q = q[:n]
	i := 0
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		m := l
		if r := l + 1; r < n && q[r].before(&q[l]) {
			m = r
		}
		if !q[m].before(&q[i]) {
			break
		}
		q[i], q[m] = q[m], q[i]
		i = m
	}
	w.queue = q
	if !top.timer {
		w.busy--
	}
	return top
}

func (w *World) step() bool {
	if len(w.queue) == 0 || w.err != nil {
		return false
	}
	if w.queue[0].at > w.cfg.MaxTime {
		w.err = ErrTooLong
		return false
	}
	a := w.pop()
	w.now = a.at
	a.fn()
	return true
}

// Settle runs the world until no packet is in flight and no program has work
// pending; long timers such as TIME_WAIT stay queued unless they fall due
// first. It returns the error that stopped the world, if any.
func (w *World) Settle() error {
	for w.busy > 0 && w.step() {
	}
	return w.err
}

// Advance runs everything due within d of now, then moves the clock to
// now+d.
func (w *World) Advance(d Time) error {
	end := w.now + d
	if end > w.cfg.MaxTime {
		end = w.cfg.MaxTime
	}
	for len(w.queue) > 0 && w.queue[0].at <= end && w.step() {
	}
	if w.err == nil && end > w.now {
		w.now = end
	}
	if w.err == nil && w.now >= w.cfg.MaxTime && d > 0 {
		w.err = ErrTooLong
	}
	return w.err
}

// Run runs until nothing is left to do, timers included.
func (w *World) Run() error {
	for w.step() {
	}
	return w.err
}

// Stop halts the world: later events are dropped and Run, Settle and
// Advance return err.
func (w *World) Stop(err error) {
	if w.err == nil {
		w.err = err
	}
}

// Pending reports whether anything is still scheduled.
func (w *World) Pending() bool { return len(w.queue) > 0 }

// Note emits a narration note written by a scenario author. breaks, when
// set, says where the apartment analogy stops being true.
func (w *World) Note(host, text, analogy, breaks string) {
	e := w.newEvent(KindNote)
	e.Host, e.Text, e.Analogy, e.Breaks = host, text, analogy, breaks
	w.emit(e)
}

// Checkpoint emits a question for the class.
func (w *World) Checkpoint(n int, question string, choices []Choice) {
	e := w.newEvent(KindCheckpoint)
	e.Checkpt, e.Question, e.Choices = n, question, choices
	w.emit(e)
}

// CheckpointAnswer emits the answer to checkpoint n: the id of the right
// choice, the value the simulation produced, and the explanation: explain
// and analogy as the scenario writes them, with {value} where the value
// goes, and the right choice's text for when explain is empty. The event
// keeps them, so that it can be told in another language (NarrateIn).
func (w *World) CheckpointAnswer(n int, answer, value, explain, analogy, choice string) {
	e := w.newEvent(KindCheckpointReply)
	t := &answerTmpl{explain: explain, analogy: analogy, value: value, choice: choice}
	e.Checkpt, e.Answer, e.Value, e.answerTmpl = n, answer, value, t
	e.Text, e.Analogy = t.in(nil)
	w.emit(e)
}

func (w *World) randN(n int) int { return w.rng.IntN(n) }

// RandUint16 returns a random 16-bit number from the world's seeded
// source (a DNS query ID): the same seed and calls give the same numbers.
func (w *World) RandUint16() uint16 { return uint16(w.rng.Uint32()) }

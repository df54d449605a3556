package scenario

import (
	"errors"

	"portville/sim"
)

// Live is a run that grows a step at a time: the lab writes its scenario
// while it runs (sim/lab). Do appends a step to the scenario and runs it
// exactly as Run would, then lets the world settle, so what a caller
// observes between two steps is what Run's next step starts from: the
// scenario a Live has grown, run with the same options, gives the same
// events (with Finish settle, the same events and no more).
type Live struct {
	_   noCompare
	r   *runner
	err error
}

// Start sets up sc's world (its hosts, programs and links), runs the
// steps it already has, and returns the run, ready for more steps.
func (sc *Scenario) Start(opt Options) (*Live, error) {
	r := newRunner(sc, opt)
	l := &Live{r: r}
	if err := r.setup(opt); err != nil {
		return nil, err
	}
	for i := range sc.Steps {
		if err := r.step(&sc.Steps[i]); err != nil {
			return nil, err
		}
	}
	if err := r.w.Settle(); err != nil {
		return nil, r.worldErr()
	}
	return l, nil
}

// ErrLiveStopped is returned by Do after a step has failed: the run cannot
// go on, and a caller builds a new one from the steps that worked.
var ErrLiveStopped = errors.New("the run stopped at an earlier step")

// Do appends st to the scenario and runs it, then lets the world settle.
// A step that fails leaves the scenario without it, but the world may be
// half-changed: every later Do returns ErrLiveStopped.
func (l *Live) Do(st Step) error {
	if l.err != nil {
		return ErrLiveStopped
	}
	sc := l.r.sc
	sc.Steps = append(sc.Steps, st)
	p := &sc.Steps[len(sc.Steps)-1]
	err := l.r.step(p)
	if err == nil {
		if err = l.r.w.Settle(); err != nil {
			err = l.r.worldErr()
		}
	}
	if err != nil {
		sc.Steps = sc.Steps[:len(sc.Steps)-1]
		l.err = err
	}
	return err
}

// World returns the world: for reading only. Changing it would make the
// run differ from its scenario.
func (l *Live) World() *sim.World { return l.r.w }

// Process returns the process a step named alias (started or forked), or
// nil. It may have exited.
func (l *Live) Process(alias string) *sim.Process { return l.r.procs[alias] }

// Socket returns the open socket a step named ref, or nil once it is
// closed.
func (l *Live) Socket(ref Ref) *sim.Socket {
	p := l.r.procs[ref.Proc]
	if p == nil {
		return nil
	}
	fd, ok := l.r.socks[ref.Proc][ref.Name]
	if !ok {
		return nil
	}
	return p.Socket(fd)
}

// StartSeq is the sequence number of the last event that builds the world,
// before the first step.
func (l *Live) StartSeq() uint64 { return l.r.result.Start }

// Capacity returns, per host, the most ports it has held at once so far.
func (l *Live) Capacity() map[string]int { return l.r.result.Capacity }

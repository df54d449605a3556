package web

import (
	"errors"
	"fmt"

	"portville/sim"
	"portville/sim/scenario"
)

// maxInlineTimelineBytes bounds the encoded events of an inline scenario's
// timeline (built-in lessons are trusted). A session keeps its whole
// timeline in memory; at about 400 bytes an event this allows some 40,000
// events.
const maxInlineTimelineBytes = 16 << 20

// timeline is the complete event stream of one scenario with one OS
// profile and one seed, computed once when a session loads it. It is
// immutable, so sessions and readers share it without locks.
type timeline struct {
	lesson string             // built-in lesson ID; "" for an inline scenario
	sc     *scenario.Scenario // nil for a synthetic timeline (tests)
	opt    scenario.Options   // the OS and seed asked for; no callbacks
	info   LessonInfo
	// data holds every event's JSON back to back: event seq is
	// data[ends[seq-2]:ends[seq-1]] (from 0 for seq 1).
	data  []byte
	ends  []int
	kinds []sim.Kind
}

func (tl *timeline) total() uint64 { return uint64(len(tl.ends)) }

// event returns the JSON of event seq (1 to total).
func (tl *timeline) event(seq uint64) []byte {
	start := 0
	if seq > 1 {
		start = tl.ends[seq-2]
	}
	return tl.data[start:tl.ends[seq-1]]
}

func (tl *timeline) kind(seq uint64) sim.Kind { return tl.kinds[seq-1] }

// errTimelineTooBig stops the encoding of an inline scenario whose events
// outgrow maxInlineTimelineBytes.
var errTimelineTooBig = errors.New("timeline too big")

// buildTimeline runs sc once with opt and keeps every event's JSON.
// maxBytes (0: no bound) bounds the encoded events. Problems in the
// scenario come back as a *userError with code scenario and positions.
func buildTimeline(lessonID string, sc *scenario.Scenario, opt scenario.Options, maxBytes int) (*timeline, error) {
	opt.OnEvent, opt.StopAfter, opt.OnStop = nil, 0, nil
	tl := &timeline{lesson: lessonID, sc: sc, opt: opt}
	tooBig := false
	checkpoints := []uint64{}
	run := opt
	run.OnEvent = func(e *sim.Event) {
		if tooBig {
			return
		}
		tl.data = e.AppendJSON(tl.data)
		tl.ends = append(tl.ends, len(tl.data))
		tl.kinds = append(tl.kinds, e.Kind)
		if e.Kind == sim.KindCheckpoint {
			checkpoints = append(checkpoints, e.Seq)
		}
		if maxBytes > 0 && len(tl.data) > maxBytes {
			tooBig = true
		}
	}
	res, err := sc.Run(run)
	if tooBig {
		return nil, &userError{code: CodeScenario, msg: "the scenario is too long to play",
			problems: []ScenarioProblem{{Line: 1, Col: 1, Message: fmt.Sprintf(
				"its events take more than %d MiB; the limit for an inline scenario", maxBytes>>20)}}}
	}
	if err != nil {
		return nil, scenarioError(err)
	}
	takeaways := sc.Takeaways
	if takeaways == nil {
		takeaways = []string{}
	}
	osName := opt.OS
	if osName == "" {
		osName = sc.OS
	}
	if osName == "" {
		osName = "linux"
	}
	tl.info = LessonInfo{
		ID: lessonID, Title: sc.Title, Summary: sc.Summary, Takeaways: takeaways,
		OS: osName, Seed: res.Seed, Start: res.Start, Total: tl.total(), Checkpoints: checkpoints,
		Capacity: res.Capacity,
	}
	return tl, nil
}

// scenarioError turns the errors of scenario.Parse and Scenario.Run into a
// userError that lists every problem with its position.
func scenarioError(err error) error {
	var list scenario.ErrorList
	var re *scenario.RunError
	var problems []ScenarioProblem
	switch {
	case errors.As(err, &list):
		for _, e := range list {
			problems = append(problems, ScenarioProblem{Line: e.Line, Col: e.Col, Message: e.Msg})
		}
	case errors.As(err, &re):
		problems = append(problems, ScenarioProblem{Line: re.Line, Col: re.Col, Message: re.Msg})
	default:
		return err
	}
	msg := "the scenario has a problem"
	if len(problems) > 1 {
		msg = fmt.Sprintf("the scenario has %d problems", len(problems))
	}
	return &userError{code: CodeScenario, msg: msg, problems: problems}
}

// snapshot returns the world after event seq, by running the scenario
// again up to that event (it is deterministic). Seq 0 is the empty world.
func (tl *timeline) snapshot(seq uint64) (sim.Snapshot, error) {
	if seq == 0 || tl.sc == nil {
		// A synthetic timeline (tests) has no world; it shows an
		// empty one at every seq.
		snap := sim.NewWorld(sim.Config{}).Snapshot()
		snap.Seq = seq
		return snap, nil
	}
	var snap sim.Snapshot
	found := false
	opt := tl.opt
	opt.StopAfter = seq
	opt.OnStop = func(w *sim.World) {
		snap, found = w.Snapshot(), true
	}
	if _, err := tl.sc.Run(opt); err != nil {
		return snap, fmt.Errorf("snapshot at %d: %w", seq, err)
	}
	if !found {
		return snap, fmt.Errorf("snapshot at %d: the run ended after %d events", seq, tl.total())
	}
	return snap, nil
}

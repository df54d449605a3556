package web

import (
	"errors"
	"fmt"

	"portville/sim/scenario"
	tlpkg "portville/sim/timeline"
	"portville/web/wire"
)

// maxInlineTimelineBytes bounds the encoded events of an inline scenario's
// timeline (built-in lessons are trusted). A session keeps its whole
// timeline in memory; at about 400 bytes an event this allows some 40,000
// events.
const maxInlineTimelineBytes = 16 << 20

// timeline is the complete event stream a session plays: one scenario,
// one OS profile, one seed, every event's JSON encoded once. It is
// immutable, so sessions and readers share it without locks. The static
// build plays the same type in the browser (sim/timeline).
type timeline = tlpkg.Timeline

// buildTimeline runs sc once with opt and keeps every event's JSON.
// maxBytes (0: no bound) bounds the encoded events. Problems in the
// scenario come back as a *userError with code scenario and positions.
func buildTimeline(lessonID string, sc *scenario.Scenario, opt scenario.Options, maxBytes int) (*timeline, error) {
	tl, err := tlpkg.BuildLimited(lessonID, sc, opt, maxBytes)
	if errors.Is(err, tlpkg.ErrTooBig) {
		return nil, &userError{code: wire.CodeScenario, msg: "the scenario is too long to play",
			problems: []ScenarioProblem{{Line: 1, Col: 1, Message: fmt.Sprintf(
				"its events take more than %d MiB; the limit for an inline scenario", maxBytes>>20)}}}
	}
	if err != nil {
		return nil, scenarioError(err)
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
	return &userError{code: wire.CodeScenario, msg: msg, problems: problems}
}

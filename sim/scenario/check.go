package scenario

import (
	"errors"
	"fmt"
	"slices"

	"portville/sim"
)

// CheckSeeds are the extra seeds Check runs a scenario with, besides its
// own.
var CheckSeeds = []uint64{1, 2, 3, 42}

// Check runs the scenario the ways a viewer can: with its own seed and a
// few others, on its own OS and on every OS profile. It returns the
// problems that only show when it runs, each once, in file order: a step on
// a process that has exited, a checkpoint no choice answers, and a
// checkpoint whose right answer changes with the seed or the OS (the class
// would be told different things on different machines; pin the hosts' os:
// or ask another question).
func (sc *Scenario) Check() error {
	seeds := append([]uint64{sc.SeedFor(Options{})}, CheckSeeds...)
	oses := []string{""}
	for _, p := range sim.Profiles {
		oses = append(oses, p.Name)
	}
	var errs ErrorList
	reported := map[string]bool{} // run errors, by message, whatever the OS
	type answer struct{ id, value, how string }
	first := map[int]answer{} // each checkpoint's answer in the first run, by line
	unsteady := map[int]bool{}
	for _, os := range oses {
		for _, seed := range seeds {
			how := fmt.Sprintf("seed %d", seed)
			if os != "" {
				how += ", --os " + os
			}
			res, err := sc.Run(Options{Seed: seed, SeedSet: true, OS: os})
			for _, cp := range res.Checkpoints {
				a, ok := first[cp.Line]
				if !ok {
					first[cp.Line] = answer{cp.Answer, cp.Value, how}
					continue
				}
				if a.id != cp.Answer && !unsteady[cp.Line] {
					unsteady[cp.Line] = true
					errs = append(errs, &Error{File: sc.File, Line: cp.Line, Col: sc.stepCol(cp.Line), Msg: fmt.Sprintf(
						"checkpoint: the right answer changes with the seed or OS: choice %s (%q) with %s, but choice %s (%q) with %s; pin the hosts' os: or ask a question whose answer does not depend on them",
						a.id, a.value, a.how, cp.Answer, cp.Value, how)})
				}
			}
			if err == nil {
				continue
			}
			var re *RunError
			if !errors.As(err, &re) {
				return err
			}
			if reported[re.Msg] {
				continue
			}
			reported[re.Msg] = true
			msg := re.Msg
			if os != "" {
				msg += " (with --os " + os + ")"
			}
			errs = append(errs, &Error{File: re.File, Line: re.Line, Col: re.Col, Msg: msg})
		}
	}
	if len(errs) > 0 {
		slices.SortStableFunc(errs, func(a, b *Error) int { return a.Line - b.Line })
		return errs
	}
	return nil
}

// stepCol returns the column of the step that starts on line, for errors
// reported by line.
func (sc *Scenario) stepCol(line int) int {
	for _, st := range sc.Steps {
		if st.Line == line {
			return st.Col
		}
	}
	return 1
}

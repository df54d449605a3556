package scenario

import (
	"errors"

	"portville/sim"
)

// CheckSeeds are the extra seeds Check runs a scenario with, besides its
// own.
var CheckSeeds = []uint64{1, 2, 3, 42}

// Check runs the scenario the ways a viewer can: with its own seed and a
// few others, on its own OS and on every OS profile. It returns the
// problems that only show when it runs (a checkpoint no choice answers for
// some seed or OS, a step on a process that has exited), each once.
func (sc *Scenario) Check() error {
	seeds := append([]uint64{sc.SeedFor(Options{})}, CheckSeeds...)
	oses := []string{""}
	for _, p := range sim.Profiles {
		oses = append(oses, p.Name)
	}
	var errs ErrorList
	seen := map[string]bool{}
	for _, os := range oses {
		for _, seed := range seeds {
			_, err := sc.Run(Options{Seed: seed, SeedSet: true, OS: os})
			if err == nil {
				continue
			}
			var re *RunError
			if !errors.As(err, &re) {
				return err
			}
			msg := re.Msg
			if os != "" {
				msg += " (with --os " + os + ")"
			}
			if seen[re.Msg] {
				continue
			}
			seen[re.Msg] = true
			errs = append(errs, &Error{File: re.File, Line: re.Line, Col: re.Col, Msg: msg})
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

package web

import (
	"errors"
	"fmt"

	"portville/sim/lab"
	"portville/sim/lang/catalogues"
	"portville/sim/scenario"
	"portville/web/internal/classbus"
)

// A mirror: this instance's copy of a class another instance plays
// (cluster.go).

// built is a timeline built from a class's source, with its lab.
type built struct {
	tl   *timeline
	lab  *lab.Lab
	text string // the scenario's text, for a scenario
}

// build makes a class's timeline from its source, as its owner did.
func (c *cluster) build(src classSource) (built, error) {
	var text string
	if src.Hash != "" {
		data, _, err := c.bus.Get(srcKey(src.Hash))
		if err != nil {
			return built{}, fmt.Errorf("the class's scenario %s: %w", src.Hash[:12], err)
		}
		if sourceHash(string(data)) != src.Hash {
			return built{}, fmt.Errorf("the class's scenario %s: its text does not match its hash", src.Hash[:12])
		}
		text = string(data)
	}
	lng := catalogues.Get(src.Lang)
	opt := scenario.Options{OS: src.OS, Seed: src.Seed, SeedSet: true}
	if lng != nil {
		opt.Lang = lng.Sim()
	}
	s := c.srv
	switch src.Kind {
	case "lesson":
		l, err := s.lesson(src.Lesson)
		if err != nil {
			return built{}, err
		}
		tl, err := s.buildTimeline(l.ID, l.Scenario, opt, 0)
		return built{tl: tl}, err
	case "scenario":
		sc, err := scenario.Parse("scenario", []byte(text))
		if err != nil {
			return built{}, scenarioError(err)
		}
		tl, err := s.buildTimeline("", sc, opt, maxInlineTimelineBytes)
		return built{tl: tl, text: text}, err
	case "lab":
		inputs, err := lab.ParseScript(text)
		if err != nil {
			return built{}, err
		}
		base, err := s.labBase(src.Lesson)
		if err != nil {
			return built{}, err
		}
		l, tl, err := s.newLab(base, src.Lesson, lab.Options{OS: src.OS, Seed: src.Seed, SeedSet: src.SeedSet}, inputs, opt.Lang)
		return built{tl: tl, lab: l}, err
	}
	return built{}, fmt.Errorf("a class source of kind %q", src.Kind)
}

// mirror opens this instance's copy of a class another instance plays,
// or returns the one it has.
func (c *cluster) mirror(code string) (*classEntry, error) {
	if !c.bus.Connected() {
		return nil, fmt.Errorf("class %s: %w", code, errClusterDown)
	}
	r, _, err := c.getRecord(code)
	if errors.Is(err, classbus.ErrNotFound) {
		return nil, fmt.Errorf("class %q: %w", code, errUnknownClass)
	}
	if err != nil {
		return nil, fmt.Errorf("class %s: %w: %v", code, errClusterDown, err)
	}
	s := c.srv
	s.openMu.Lock()
	defer s.openMu.Unlock()
	if e := s.localClass(code); e != nil {
		return e, nil
	}
	b, err := c.build(r.Source)
	if err != nil {
		return nil, fmt.Errorf("class %s: rebuild its timeline: %w", code, err)
	}
	e, sess, err := s.openMirror(c, code, r, b)
	if err != nil {
		return nil, err
	}
	// A move may have gone out between the read and the subscription.
	if r2, _, err := c.getRecord(code); err == nil && r2.Move != r.Move {
		c.sync(sess, r2)
	}
	s.log.Info("class mirrored", "session", sess.id, "code", code, "owner", r.Owner)
	return e, nil
}

// sync brings a class's hub to its record: for a mirror that missed
// moves (a reconnect, a subscription that started late).
func (c *cluster) sync(sess *session, r classRecord) {
	var b *built
	if r.Timeline != sess.timelineID() {
		nb, err := c.build(r.Source)
		if err != nil {
			c.srv.log.Warn("class sync", "code", r.Code, "err", err)
			return
		}
		b = &nb
	}
	sess.catchUpWith(r, b)
}

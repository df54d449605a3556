package timeline

import (
	"portville/sim"
	"portville/sim/scenario"
	"portville/sim/smalljson"
)

// Picture is what the lesson picker draws of a lesson's town (a small
// picture on its card, by the view's own renderer): the world at the
// lesson's first question, where its point is set up, or at its end when
// it asks none, and how many apartments each building needs.
type Picture struct {
	Seq      uint64         `json:"seq"`
	Capacity map[string]int `json:"capacity"`
	Snapshot sim.Snapshot   `json:"snapshot"`
}

// PictureOf returns the lesson's picture as JSON, with its own OS and
// seed.
func PictureOf(id string, sc *scenario.Scenario) ([]byte, error) {
	tl, err := Build(id, sc, scenario.Options{})
	if err != nil {
		return nil, err
	}
	seq := tl.Info.Total
	if len(tl.Info.Checkpoints) > 0 {
		seq = tl.Info.Checkpoints[0]
	}
	snap, err := tl.Snapshot(seq)
	if err != nil {
		return nil, err
	}
	return smalljson.Marshal(Picture{Seq: seq, Capacity: tl.Info.Capacity, Snapshot: snap})
}

package lab_test

import (
	"testing"
	"time"

	"portville/sim/lab"
	"portville/sim/lab/labtest"
)

// BenchmarkReplay500 types a lab of 500 inputs from its script: what a
// share link, a load or portville lab costs, and what an undo repeats
// (it rebuilds the lab from its inputs).
func BenchmarkReplay500(b *testing.B) {
	in, err := lab.ParseScript(labtest.ClassScript(500))
	if err != nil {
		b.Fatal(err)
	}
	var events uint64
	for b.Loop() {
		l, err := lab.Replay(lab.DefaultTown(), "", lab.Options{}, in)
		if err != nil {
			b.Fatal(err)
		}
		events = l.Events()
	}
	b.ReportMetric(float64(events), "events")
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/500, "µs/input")
}

// BenchmarkDoAt490 types ten curls into a lab of 490 inputs: the
// interpreter's and the engine's share of Enter to first event drawn.
// An iteration replays the 490 first (ns/op is mostly that); do-µs is
// the mean of the ten inputs alone.
func BenchmarkDoAt490(b *testing.B) {
	in, err := lab.ParseScript(labtest.ClassScript(490))
	if err != nil {
		b.Fatal(err)
	}
	curl := lab.Input{Host: "laptop", Line: "curl -s -o /dev/null -w '%{local_port}\\n' http://web/"}
	var spent time.Duration
	var typed int
	for b.Loop() {
		l, err := lab.Replay(lab.DefaultTown(), "", lab.Options{}, in)
		if err != nil {
			b.Fatal(err)
		}
		for range 10 {
			t0 := time.Now()
			if _, _, err := l.Do(curl); err != nil {
				b.Fatal(err)
			}
			spent += time.Since(t0)
			typed++
		}
	}
	b.ReportMetric(float64(spent.Microseconds())/float64(typed), "do-µs")
}

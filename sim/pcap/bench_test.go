package pcap_test

import (
	"io"
	"testing"

	"portville/sim"
	"portville/sim/lessons"
	"portville/sim/pcap"
	"portville/sim/scenario"
)

// BenchmarkCaptureLessons writes the capture of every lesson (the run and
// the frames): what /api/pcap and export-static cost. frames/s counts the
// frames written. docs/benchmarks.md reports it.
func BenchmarkCaptureLessons(b *testing.B) {
	all, err := lessons.All()
	if err != nil {
		b.Fatal(err)
	}
	frames := 0
	for b.Loop() {
		for _, l := range all {
			w, err := pcap.NewWriter(io.Discard)
			if err != nil {
				b.Fatal(err)
			}
			var werr error
			if _, err := l.Scenario.Run(scenario.Options{OnEvent: func(e *sim.Event) {
				if werr == nil {
					werr = w.Event(e)
				}
			}}); err != nil || werr != nil {
				b.Fatal(err, werr)
			}
			w.Flush()
			frames += w.Frames()
		}
	}
	b.ReportMetric(float64(frames)/b.Elapsed().Seconds(), "frames/s")
}

// BenchmarkRunLessons is the same runs without a capture, for comparison.
func BenchmarkRunLessons(b *testing.B) {
	all, err := lessons.All()
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		for _, l := range all {
			if _, err := l.Scenario.Run(scenario.Options{OnEvent: func(*sim.Event) {}}); err != nil {
				b.Fatal(err)
			}
		}
	}
}

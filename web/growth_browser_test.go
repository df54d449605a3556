package web

import (
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/heapprofiler"
	"github.com/chromedp/cdproto/performance"
	"github.com/chromedp/chromedp"

	"portville/web/internal/browsertest"
)

// pageSize is what a page holds: its JS heap after a garbage collection,
// its DOM nodes (attached or not: a leaked element counts) and its event
// listeners, as DevTools' Performance.getMetrics reports them.
type pageSize struct {
	Heap, Nodes, Listeners float64
	Loops                  int
}

func (p pageSize) String() string {
	return fmt.Sprintf("%.0f KB heap, %.0f nodes, %.0f listeners after %d loops", p.Heap/1024, p.Nodes, p.Listeners, p.Loops)
}

// loopJS plays the lesson at 8x and, like a class that forgot to stop it,
// plays on through every question and starts again at the end. It counts
// the times it went round. While window.__hold is set it stops at the
// end instead (window.__held), so that the page is measured at the same
// point of the lesson each time.
const loopJS = `(() => {
  const v = window.portville.viewer;
  window.__loops = 0;
  window.__hold = false;
  window.__held = false;
  v.send({type: "speed", x: 8});
  v.send({type: "play"});
  window.__loop = setInterval(() => {
    const p = v.playback;
    if (p.playing) return;
    if (p.seq >= p.total) {
      if (window.__hold) { window.__held = true; return; }
      window.__held = false;
      window.__loops++;
      v.send({type: "restart"});
    }
    v.send({type: "play"});
  }, 50);
  return true;
})()`

// measurePage waits for the loop to reach the lesson's end, collects
// garbage and reads the page's size there, and lets the loop go on.
func measurePage(tb testing.TB, tab *browsertest.Tab) pageSize {
	tb.Helper()
	browsertest.Eval[bool](tab, `window.__hold = true`)
	browsertest.Wait(tab, `window.__held && window.portville.seq() === window.portville.playback().total`, 60*time.Second)
	// Letters fade and apartments that emptied go within 1.5 s.
	time.Sleep(2 * time.Second)
	defer browsertest.Eval[bool](tab, `(window.__hold = false), true`)
	if _, err := chromedp.Call(tab.Ctx, heapprofiler.CollectGarbage, cdp.Empty{}); err != nil {
		tb.Fatalf("collect garbage: %v", err)
	}
	r, err := chromedp.Call(tab.Ctx, performance.GetMetrics, cdp.Empty{})
	if err != nil {
		tb.Fatalf("performance metrics: %v", err)
	}
	var p pageSize
	for _, m := range r.Metrics {
		switch m.Name {
		case "JSHeapUsedSize":
			p.Heap = m.Value
		case "Nodes":
			p.Nodes = m.Value
		case "JSEventListeners":
			p.Listeners = m.Value
		}
	}
	p.Loops = int(browsertest.Eval[float64](tab, `window.__loops`))
	return p
}

// loopLesson opens a lesson on base, lets it loop, and returns the
// page's size at the end of the first time through (when every kind of
// element the lesson makes has been made) and at an end after d more.
func loopLesson(tb testing.TB, base string, d time.Duration) (start, end pageSize) {
	tab := browsertest.New(tb, browsertest.Options{Width: 1280, Height: 720, Timeout: d + 2*time.Minute})
	tab.Do(chromedp.Navigate(base + "/lesson/many-clients-one-port"))
	browsertest.Wait(tab, `window.portville && window.portville.viewer.meta !== null`, 20*time.Second)
	if _, err := chromedp.Call(tab.Ctx, performance.Enable, performance.EnableParams{}); err != nil {
		tb.Fatal(err)
	}
	browsertest.Eval[bool](tab, loopJS)
	start = measurePage(tb, tab)
	time.Sleep(d)
	end = measurePage(tb, tab)
	browsertest.Eval[bool](tab, `clearInterval(window.__loop), true`)
	if errs := tab.ConsoleErrors(); len(errs) > 0 {
		tb.Errorf("console errors: %v", errs)
	}
	return start, end
}

// grew reports how the page grew from start to end, if it grew more
// than a page that keeps what it holds bounded may: its event log and
// captions are bounded (log.js maxShown, the viewer's events), so a
// loop adds nothing that stays.
func grew(start, end pageSize) string {
	switch {
	case end.Loops < start.Loops+3:
		return fmt.Sprintf("the lesson went round %d times only", end.Loops-start.Loops)
	case end.Nodes > start.Nodes*1.05+50:
		return fmt.Sprintf("DOM nodes %.0f -> %.0f", start.Nodes, end.Nodes)
	case end.Listeners > start.Listeners+5:
		return fmt.Sprintf("event listeners %.0f -> %.0f", start.Listeners, end.Listeners)
	case end.Heap > start.Heap*1.25+2<<20:
		return fmt.Sprintf("JS heap %.0f KB -> %.0f KB", start.Heap/1024, end.Heap/1024)
	}
	return ""
}

// TestBrowserPageNeverGrows (issue 17): a lesson left looping keeps its
// heap, its DOM and its listeners flat. Events come every 2 ms here, so
// 20 s go round the lesson more often than ten minutes at 8x would
// (BenchmarkPageNeverGrows plays those ten minutes at the lesson's own
// pace).
func TestBrowserPageNeverGrows(t *testing.T) {
	base := browserServer(t, fastHold)
	start, end := loopLesson(t, base, 20*time.Second)
	t.Logf("start: %v; end: %v", start, end)
	if g := grew(start, end); g != "" {
		t.Errorf("a looping lesson grew: %s (start %v, end %v)", g, start, end)
	}
}

// BenchmarkPageNeverGrows plays a lesson in a loop at 8x for ten minutes
// at the lesson's own pace (PORTVILLE_LOOP_MINUTES changes how long) and
// reports the heap, DOM nodes and listeners at the start and the end.
func BenchmarkPageNeverGrows(b *testing.B) {
	minutes := 10.0
	if s := os.Getenv("PORTVILLE_LOOP_MINUTES"); s != "" {
		m, err := strconv.ParseFloat(s, 64)
		if err != nil || m <= 0 {
			b.Fatalf("PORTVILLE_LOOP_MINUTES=%q: want a number of minutes above 0", s)
		}
		minutes = m
	}
	base := browserServer(b, nil)
	for i := 0; i < b.N; i++ {
		start, end := loopLesson(b, base, time.Duration(minutes*float64(time.Minute)))
		b.ReportMetric(start.Heap/1024, "heap-start-KB")
		b.ReportMetric(end.Heap/1024, "heap-end-KB")
		b.ReportMetric(start.Nodes, "nodes-start")
		b.ReportMetric(end.Nodes, "nodes-end")
		b.ReportMetric(end.Listeners-start.Listeners, "listeners-added")
		b.ReportMetric(float64(end.Loops-start.Loops), "loops")
		b.Logf("start: %v; end: %v", start, end)
		if g := grew(start, end); g != "" {
			b.Errorf("a looping lesson grew: %s", g)
		}
	}
}

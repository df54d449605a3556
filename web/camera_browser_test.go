package web

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"portville/sim"
	"portville/sim/lessons"
	"portville/web/internal/browsertest"
)

// inViewJS reports, per building, whether it is whole inside the town's
// box on screen, and how far its middle is from the box's middle (as a
// fraction of the box's width).
const inViewJS = `(() => {
  const box = document.getElementById("scene").getBoundingClientRect();
  const out = {};
  for (const g of document.querySelectorAll("#scene .building")) {
    const r = g.querySelector(".facade").getBoundingClientRect();
    out[g.dataset.host] = { whole: r.left >= box.left - 1 && r.right <= box.right + 1 && r.top >= box.top - 1 && r.bottom <= box.bottom + 1,
      off: Math.abs((r.left + r.right) / 2 - (box.left + box.right) / 2) / box.width };
  }
  return out;
})()`

type inView struct {
	Whole bool
	Off   float64
}

// cameraStill waits until the camera has stopped moving.
func cameraStill(t *testing.T, tab *browsertest.Tab) {
	t.Helper()
	// Still: no move, none waiting for the camera's hold, the view sharp,
	// and no drawing queued that could start a move.
	still := `(() => { const s = window.portville.viewer.scene; return !s.camTween && !s.camLater && !s.sharpenTimer && !s.renderQueued && window.portville.seq() === window.portville.playback().seq; })()`
	browsertest.Wait(tab, still, 10*time.Second)
	browsertest.Eval[bool](tab, `new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))`)
	browsertest.Wait(tab, still, 10*time.Second)
}

// TestBrowserCamera (issue 19): the view frames the buildings the current
// event involves (a connect: both ends; a bind: that building), the whole
// town on W and back on W again, and a seek frames exactly what playing
// to the same event frames.
func TestBrowserCamera(t *testing.T) {
	base := browserServer(t, fastHold)
	l, err := lessons.Get("ephemeral-ports")
	if err != nil {
		t.Fatal(err)
	}
	events := lessonEvents(t, l.Scenario)
	connect := firstSeq(events, func(e sim.Event) bool { return e.Kind == sim.KindSocketConnect && e.Host == "laptop" })
	bind := firstSeq(events, func(e sim.Event) bool { return e.Kind == sim.KindSocketListen && e.Host == "web" })
	tab := browsertest.New(t, browsertest.Options{Width: 1920, Height: 1080})
	openViewer(t, tab, base+"/lesson/ephemeral-ports?theme=projector")
	look := func(seq uint64) map[string]inView {
		seekTo(t, tab, tab, seq)
		cameraStill(t, tab)
		return browsertest.Eval[map[string]inView](tab, inViewJS)
	}
	if v := look(connect); !v["laptop"].Whole || !v["web"].Whole {
		t.Errorf("at the connect (event %d) the frame shows laptop whole %v, web whole %v; want both ends", connect, v["laptop"].Whole, v["web"].Whole)
	}
	v := look(bind)
	if !v["web"].Whole || v["web"].Off > 0.25 {
		t.Errorf("at nginx's listen (event %d) web is whole %v, %.2f of the width from the middle; want it framed", bind, v["web"].Whole, v["web"].Off)
	}
	framed := browsertest.Eval[string](tab, `document.getElementById("scene").getAttribute("viewBox")`)

	// W: the whole town, pressed; W again: back to the frame.
	tab.Do(chromedp.KeyEvent("w"))
	cameraStill(t, tab)
	v = browsertest.Eval[map[string]inView](tab, inViewJS)
	if !v["laptop"].Whole || !v["web"].Whole || browsertest.Eval[string](tab, `document.querySelector(".ctl-whole").getAttribute("aria-pressed")`) != "true" {
		t.Errorf("after W: laptop whole %v, web whole %v, button pressed %q; want the whole town", v["laptop"].Whole, v["web"].Whole,
			browsertest.Eval[string](tab, `document.querySelector(".ctl-whole").getAttribute("aria-pressed")`))
	}
	tab.Do(chromedp.Click(chromedp.CSS(".ctl-whole")))
	cameraStill(t, tab)
	if got := browsertest.Eval[string](tab, `document.getElementById("scene").getAttribute("viewBox")`); got != framed {
		t.Errorf("after the button again the view is %q, want the frame %q", got, framed)
	}

	// Playing to an event and seeking to it frame the same.
	for _, target := range []uint64{connect + 6, bind + 30} {
		seekTo(t, tab, tab, target-4)
		for i := 0; i < 4; i++ {
			browsertest.Eval[bool](tab, `window.portville.viewer.send({type: "step"}), true`)
			browsertest.Wait(tab, fmt.Sprintf(`window.portville.seq() === %d`, target-4+uint64(i)+1), 10*time.Second)
		}
		cameraStill(t, tab)
		played := browsertest.Eval[string](tab, `document.getElementById("scene").getAttribute("viewBox")`)
		seekTo(t, tab, tab, 0)
		seekTo(t, tab, tab, target)
		cameraStill(t, tab)
		sought := browsertest.Eval[string](tab, `document.getElementById("scene").getAttribute("viewBox")`)
		if played != sought || strings.HasPrefix(played, "0 0 ") && played == "" {
			t.Errorf("at event %d: stepped there the view is %q, sought there %q", target, played, sought)
		}
	}
	if errs := tab.ConsoleErrors(); len(errs) > 0 {
		t.Errorf("console errors: %v", errs)
	}
}

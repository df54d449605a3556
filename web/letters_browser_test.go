package web

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"portville/sim"
	"portville/sim/lessons"
	"portville/web/internal/browsertest"
)

// TestBrowserClickLetterInFlight: a letter is painted on the canvas and
// its node in the overlay stays where it set off until it stops
// (letters.js place); a click where the letter is painted, half-way,
// still opens that letter in the inspector.
func TestBrowserClickLetterInFlight(t *testing.T) {
	base := browserServer(t, nil)
	tab := browsertest.New(t, browsertest.Options{Width: 1280, Height: 720})
	openViewer(t, tab, base+"/lesson/ephemeral-ports?view=whole")
	l, err := lessons.Get("ephemeral-ports")
	if err != nil {
		t.Fatal(err)
	}
	send := firstSeq(lessonEvents(t, l.Scenario), func(e sim.Event) bool { return e.Kind == sim.KindPacketSend })
	seekTo(t, tab, tab, send-1)
	browsertest.Eval[bool](tab, `window.portville.viewer.send({type: "step"}), true`)
	browsertest.Wait(tab, `window.portville.viewer.scene.tweens.size === 1`, 10*time.Second)
	// Half-way (a step's letter travels for over a second): where is it painted?
	time.Sleep(500 * time.Millisecond)
	at := browsertest.Eval[map[string]float64](tab, `(() => {
  const s = window.portville.viewer.scene;
  const n = s.lettersG.querySelector(".letter");
  const v = s.view, px = s.stagePx, r = s.svg.parentElement.getBoundingClientRect();
  const k = Math.min(px.w / v.w, px.h / v.h);
  const x = r.left + (px.w - v.w * k) / 2 + (n.__pos.x - v.x) * k;
  const y = r.top + (px.h - v.h * k) / 2 + (n.__pos.y - v.y) * k;
  const start = n.getAttribute("transform");
  return { x, y, packet: n.__packet.packet, moving: s.tweens.size, startX: Number(start.match(/translate\(([-\d.]+)/)[1]), posX: n.__pos.x };
})()`)
	if at["moving"] != 1 || at["startX"] == at["posX"] {
		t.Fatalf("no letter half-way to test with: %v", at)
	}
	tab.Do(chromedp.MouseClickXY(at["x"], at["y"]))
	want := fmt.Sprintf("Letter #%d", int(at["packet"]))
	browsertest.Wait(tab, fmt.Sprintf(`!document.getElementById("inspector").hidden && document.getElementById("inspector").textContent.includes(%q)`, want), 5*time.Second)
}

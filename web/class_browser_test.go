package web

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"portville/web/internal/browsertest"
)

// TestBrowserClassroom: a presenter page starts a class, two follower
// pages join it by its URL, and after play, step and seek the followers'
// scenes and states match the presenter's. A follower's keys do nothing;
// a follower's answer reaches the presenter's question card.
func TestBrowserClassroom(t *testing.T) {
	base := browserServer(t, nil)
	presenter := browsertest.New(t, browsertest.Options{Width: 1280, Height: 720})
	openViewer(t, presenter, base+"/lesson/ephemeral-ports")
	presenter.Do(chromedp.Click(chromedp.CSS(".class-start")))
	browsertest.Wait(presenter, `!document.querySelector(".join-screen").hidden && window.portville.viewer.classroom.info !== null`, 10*time.Second)
	code := browsertest.Eval[string](presenter, `window.portville.viewer.classroom.info.code`)
	if len(code) != 8 {
		t.Fatalf("join code %q", code)
	}
	shown := browsertest.Eval[string](presenter, `document.querySelector(".join-code").textContent`)
	if shown != code[:4]+" "+code[4:] {
		t.Errorf("join screen shows %q, want %q", shown, code[:4]+" "+code[4:])
	}
	qrOK := browsertest.Eval[bool](presenter, `(async () => { const img = document.querySelector(".join-qr"); if (!img.complete) await new Promise(r => img.onload = r); return img.naturalWidth > 0; })()`)
	if !qrOK {
		t.Error("the QR code image did not load")
	}
	// On a 1280x720 projector, beside the sidebar, the join screen shows
	// all of itself: the QR code beside the code, nothing to scroll to.
	fit := browsertest.Eval[string](presenter, `(() => {
  const s = document.querySelector(".join-screen"), box = s.getBoundingClientRect();
  if (s.scrollHeight > s.clientHeight + 1 || s.scrollWidth > s.clientWidth + 1) return "the join screen scrolls: " + s.scrollWidth + "x" + s.scrollHeight + " in " + s.clientWidth + "x" + s.clientHeight;
  const qr = document.querySelector(".join-qr").getBoundingClientRect(), code = document.querySelector(".join-code").getBoundingClientRect();
  if (qr.top < box.top || qr.bottom > box.bottom || code.bottom > box.bottom) return "QR " + JSON.stringify(qr) + ", code " + JSON.stringify(code) + " outside " + JSON.stringify(box);
  if (code.left < qr.right) return "the code is under the QR code, not beside it";
  return "";
})()`)
	if fit != "" {
		t.Error(fit)
	}
	var followers []*browsertest.Tab
	for i := 0; i < 2; i++ {
		f := browsertest.New(t, browsertest.Options{Width: 1280, Height: 720})
		openViewer(t, f, base+"/join/"+code)
		followers = append(followers, f)
	}
	browsertest.Wait(presenter, `document.querySelector(".class-count").textContent === "2 following"`, 10*time.Second)
	send := func(js string) { browsertest.Eval[bool](presenter, js+", true") }
	same := func(what string) {
		t.Helper()
		seq := browsertest.Eval[float64](presenter, `window.portville.seq()`)
		for i, f := range followers {
			browsertest.Wait(f, fmt.Sprintf(`window.portville.seq() === %v`, seq), 10*time.Second)
			time.Sleep(200 * time.Millisecond)
			if a, b := browsertest.Eval[string](presenter, stateJS), browsertest.Eval[string](f, stateJS); a != b {
				t.Errorf("%s: follower %d's state differs from the presenter's at event %v", what, i, seq)
			}
			if a, b := browsertest.Eval[string](presenter, townDOMJS), browsertest.Eval[string](f, townDOMJS); a != b {
				t.Errorf("%s: follower %d's scene differs from the presenter's at event %v:\n%s", what, i, seq, domDiff(a, b))
			}
		}
	}
	// Step.
	for i := 0; i < 3; i++ {
		send(`window.portville.viewer.send({type: "step"})`)
	}
	browsertest.Wait(presenter, `window.portville.seq() === window.portville.viewer.meta.start + 3`, 10*time.Second)
	same("after 3 steps")
	// Play for a while, then pause.
	send(`window.portville.viewer.send({type: "speed", x: 8}), window.portville.viewer.send({type: "play"})`)
	browsertest.Wait(presenter, `window.portville.seq() > 20`, 20*time.Second)
	send(`window.portville.viewer.send({type: "pause"})`)
	browsertest.Wait(presenter, `window.portville.playback().playing === false`, 10*time.Second)
	same("after play and pause")
	// Seek back and forward.
	send(`window.portville.viewer.send({type: "seek", seq: 12})`)
	browsertest.Wait(presenter, `window.portville.seq() === 12`, 10*time.Second)
	same("after seeking back to 12")
	send(`window.portville.viewer.send({type: "seek", seq: 70})`)
	browsertest.Wait(presenter, `window.portville.seq() === 70`, 10*time.Second)
	same("after seeking to 70")

	// A follower's keys do not drive the class, and the page does not send
	// them for the server to refuse.
	followers[0].Do(chromedp.KeyEvent(kb.ArrowRight), chromedp.KeyEvent(" "))
	time.Sleep(500 * time.Millisecond)
	if seq := browsertest.Eval[float64](presenter, `window.portville.seq()`); seq != 70 {
		t.Errorf("a follower's keys moved the class to event %v", seq)
	}
	if toast := browsertest.Eval[string](followers[0], `document.getElementById("toast").textContent`); strings.Contains(toast, "Only the presenter") {
		t.Errorf("a follower's keys reached the server, which refused them: %q", toast)
	}

	// The first question: a follower answers, the presenter sees it.
	cp := browsertest.Eval[float64](presenter, `window.portville.viewer.meta.checkpoints[0]`)
	send(fmt.Sprintf(`window.portville.viewer.send({type: "seek", seq: %v})`, cp))
	browsertest.Wait(followers[0], `!document.getElementById("checkpoint").hidden`, 10*time.Second)
	if txt := browsertest.Eval[string](followers[0], `document.getElementById("checkpoint").textContent`); strings.Contains(txt, "null") || strings.Contains(txt, "press play") {
		t.Errorf("a follower's question card reads %q: no stray null, no play instructions", txt)
	}
	followers[0].Do(chromedp.Click(chromedp.CSS("#checkpoint .cp-choices li:nth-child(2) button")))
	browsertest.Wait(presenter, `(document.querySelector("#checkpoint .cp-count") || {}).textContent === "1 of 2 answered"`, 10*time.Second)
	if got := browsertest.Eval[string](followers[0], `document.querySelector("#checkpoint .cp-choice.picked .cp-text").textContent`); got == "" {
		t.Error("the follower's pick is not marked")
	}
	for _, tab := range append(followers, presenter) {
		if errs := tab.ConsoleErrors(); len(errs) > 0 {
			t.Errorf("console errors: %v", errs)
		}
	}
}

// TestBrowserPresenterReconnects: a presenter whose connection drops
// comes back as the presenter (its token along), and its step reaches
// the follower.
func TestBrowserPresenterReconnects(t *testing.T) {
	base := browserServer(t, nil)
	presenter := browsertest.New(t, browsertest.Options{Width: 1280, Height: 720})
	openViewer(t, presenter, base+"/lesson/ephemeral-ports")
	presenter.Do(chromedp.Click(chromedp.CSS(".class-start")))
	browsertest.Wait(presenter, `window.portville.viewer.classroom.info !== null`, 10*time.Second)
	code := browsertest.Eval[string](presenter, `window.portville.viewer.classroom.info.code`)
	follower := browsertest.New(t, browsertest.Options{Width: 1280, Height: 720})
	openViewer(t, follower, base+"/join/"+code)
	browsertest.Eval[bool](presenter, `window.portville.viewer.transport.drop(), true`)
	browsertest.Wait(presenter, `!document.getElementById("connection").hidden`, 10*time.Second)
	browsertest.Wait(presenter, `document.getElementById("connection").hidden && window.portville.viewer.classroom.info.role === "presenter"`, 10*time.Second)
	seq := browsertest.Eval[float64](presenter, `window.portville.seq()`) + 1
	browsertest.Eval[bool](presenter, `window.portville.viewer.send({type: "step"}), true`)
	browsertest.Wait(presenter, fmt.Sprintf(`window.portville.seq() === %v`, seq), 10*time.Second)
	browsertest.Wait(follower, fmt.Sprintf(`window.portville.seq() === %v`, seq), 10*time.Second)
	if errs := presenter.ConsoleErrors(); len(errs) > 0 {
		t.Errorf("console errors: %v", errs)
	}
}

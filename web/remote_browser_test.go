package web

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/device"
	"github.com/gorilla/websocket"

	"portville/web/internal/browsertest"
	"portville/web/wire"
)

// TestBrowserRemote (issue 19): the presenter's screen offers "Control
// from your phone" with a QR code; the remote opened from it on an
// emulated phone fits the screen with big buttons, and its step reaches a
// follower's websocket. The same page with a wrong token is refused and
// controls nothing.
func TestBrowserRemote(t *testing.T) {
	base := browserServer(t, nil)
	presenter := browsertest.New(t, browsertest.Options{Width: 1280, Height: 720})
	openViewer(t, presenter, base+"/lesson/ephemeral-ports")
	presenter.Do(chromedp.Click(chromedp.CSS(".class-start")))
	browsertest.Wait(presenter, `!!(window.portville.viewer.classroom.info && window.portville.viewer.classroom.info.remote)`, 10*time.Second)
	code := browsertest.Eval[string](presenter, `window.portville.viewer.classroom.info.code`)

	// The join screen, which the class sees, never shows the remote.
	if browsertest.Eval[bool](presenter, `!document.querySelector(".remote-panel").hidden || document.querySelector(".join-screen").textContent.includes("#")`) {
		t.Error("the remote shows with the join screen")
	}
	shot(t, presenter, "remote-presenter-join")
	presenter.Do(chromedp.Click(chromedp.CSS(".class-remote")))
	browsertest.Wait(presenter, `!document.querySelector(".remote-panel").hidden && document.querySelector(".join-screen").hidden`, 5*time.Second)
	if !browsertest.Eval[bool](presenter, `(async () => { const img = document.querySelector(".remote-qr"); if (!img.complete) await new Promise(r => img.onload = r); return img.naturalWidth > 0; })()`) {
		t.Error("the remote's QR code did not load")
	}
	link := browsertest.Eval[string](presenter, `document.querySelector(".remote-link").value`)
	if !strings.HasPrefix(link, base+"/remote/"+code+"#") {
		t.Fatalf("the remote's link is %q", link)
	}

	// A follower, as a student's browser would be: a websocket.
	u := "ws" + strings.TrimPrefix(base, "http") + "/ws?class=" + code
	fc, _, err := websocket.DefaultDialer.Dial(u, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer fc.Close()
	var hello struct {
		State State `json:"state"`
	}
	if err := fc.ReadJSON(&hello); err != nil {
		t.Fatal(err)
	}

	phone := browsertest.New(t, browsertest.Options{Width: 390, Height: 844})
	phone.Do(chromedp.Emulate(device.IPhone12))
	phone.Do(chromedp.Navigate(link))
	browsertest.Wait(phone, `document.querySelector(".remote-count").textContent === "1 following" && document.querySelector(".remote-counter").textContent.includes(" / ")`, 10*time.Second)
	shot(t, phone, "remote-phone")
	fit := browsertest.Eval[map[string]float64](phone, `(() => {
		const hs = [...document.querySelectorAll(".remote-btn")].map((b) => b.getBoundingClientRect().height);
		const last = document.querySelector(".remote-buttons").getBoundingClientRect();
		return { width: document.documentElement.scrollWidth, view: innerWidth, minButton: Math.min(...hs), buttonsBottom: last.bottom, view_h: innerHeight };
	})()`)
	if fit["width"] > fit["view"] || fit["minButton"] < 44 || fit["buttonsBottom"] > fit["view_h"] {
		t.Errorf("remote on a 390x844 phone: page %v px wide in %v, smallest button %v px, buttons end at %v of %v", fit["width"], fit["view"], fit["minButton"], fit["buttonsBottom"], fit["view_h"])
	}
	before := hello.State.Seq
	phone.Do(chromedp.Click(chromedp.CSS(".remote-step")))
	fc.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		_, data, err := fc.ReadMessage()
		if err != nil {
			t.Fatalf("the follower got no state after the remote's step: %v", err)
		}
		var m struct {
			Type  string `json:"type"`
			State *State `json:"state"`
		}
		json.Unmarshal(data, &m)
		// A step's state rides in its event's frame (docs/protocol.md).
		if m.Type == wire.TypeEvent && m.State != nil && m.State.Seq == before+1 {
			break
		}
	}
	browsertest.Wait(presenter, "window.portville.seq() === "+itoa(before+1), 5*time.Second)

	// A wrong token: refused, no buttons, nothing moves.
	wrong := browsertest.New(t, browsertest.Options{Width: 390, Height: 844})
	wrong.Do(chromedp.Emulate(device.IPhone12))
	wrong.Do(chromedp.Navigate(base + "/remote/" + code + "#" + strings.Repeat("x", 22)))
	browsertest.Wait(wrong, `document.body.dataset.refused === "1"`, 10*time.Second)
	if got := browsertest.Eval[string](wrong, `document.querySelector(".remote-status").textContent`); !strings.Contains(got, "key is wrong") {
		t.Errorf("a wrong token's remote says %q", got)
	}
	if browsertest.Eval[bool](wrong, `!!document.querySelector(".remote-buttons")`) {
		t.Error("a refused remote still has its buttons")
	}
	if seq := browsertest.Eval[float64](presenter, `window.portville.seq()`); uint64(seq) != before+1 {
		t.Errorf("the class moved to %v with a refused remote, want %d", seq, before+1)
	}
	for _, tb := range []*browsertest.Tab{presenter, phone} {
		if errs := tb.ConsoleErrors(); len(errs) > 0 {
			t.Errorf("console errors: %v", errs)
		}
	}
}

func itoa(n uint64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

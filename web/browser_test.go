package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"portville/sim"
	"portville/sim/lang/catalogues"
	"portville/sim/lessons"
	"portville/sim/scenario"
	"portville/web/internal/browsertest"
)

// browserServer starts the real server with the built-in lessons and the
// real front end on 127.0.0.1:0. hold, when set, replaces the pacing (to
// play lessons quickly).
func browserServer(t testing.TB, hold func(sim.Kind) time.Duration) string {
	t.Helper()
	return browserServerWith(t, Config{hold: hold, ControlRate: 200, ControlBurst: 400})
}

// browserServerWith starts the real server with cfg on 127.0.0.1:0.
func browserServerWith(t testing.TB, cfg Config) string {
	t.Helper()
	_, hs := browserInstance(t, cfg)
	return hs.URL
}

// browserInstance is browserServerWith's server, for a test that stops
// it itself.
func browserInstance(t testing.TB, cfg Config) (*Server, *httptest.Server) {
	t.Helper()
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		hs.Close()
	})
	return srv, hs
}

func fastHold(sim.Kind) time.Duration { return 2 * time.Millisecond }

// openViewer loads a page and waits until the viewer has its first hello.
func openViewer(t *testing.T, tab *browsertest.Tab, url string) {
	t.Helper()
	tab.Do(chromedp.Navigate(url))
	browsertest.Wait(tab, `window.portville && window.portville.viewer.meta !== null && window.portville.viewer.state.hosts.length > 0`, 20*time.Second)
}

// moduleURL returns the address of one of the page's ES modules (the
// assets' paths carry a content hash), for a test to import it.
func moduleURL(tab *browsertest.Tab, name string) string {
	return browsertest.Eval[string](tab, fmt.Sprintf(`new URL(document.querySelector('link[rel=stylesheet]').getAttribute('href').replace('css/app.css', 'js/' + %q), location.href).href`, name))
}

// snapshotJSON runs a lesson to event seq and returns the world's snapshot
// as the browser's JSON.stringify writes it.
func snapshotJSON(t *testing.T, sc *scenario.Scenario, seq uint64) string {
	t.Helper()
	var snap sim.Snapshot
	_, err := sc.Run(scenario.Options{StopAfter: seq, OnStop: func(w *sim.World) { snap = w.Snapshot() }})
	if err != nil {
		t.Fatal(err)
	}
	return marshalPlain(t, snap)
}

func marshalPlain(t *testing.T, v any) string {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(b.String())
}

// lessonEvents returns a lesson's events with its default options.
func lessonEvents(t *testing.T, sc *scenario.Scenario) []sim.Event {
	t.Helper()
	var evs []sim.Event
	if _, err := sc.Run(scenario.Options{OnEvent: func(e *sim.Event) { evs = append(evs, *e) }}); err != nil {
		t.Fatal(err)
	}
	return evs
}

const stateJS = `JSON.stringify(window.portville.state())`

// playToEnd plays the lesson until the cursor reaches the end, pressing
// play again after every checkpoint.
const playToEndJS = `(async () => {
  const v = window.portville.viewer;
  const total = v.meta.total;
  const t0 = Date.now();
  while (v.state.seq < total) {
    if (!v.playback.playing) v.send({ type: "play" });
    await new Promise((r) => setTimeout(r, 60));
    if (Date.now() - t0 > 60000) throw new Error("stuck at event " + v.state.seq + " of " + total);
  }
  return v.state.seq;
})()`

// TestBrowserLessonsPlayToEnd plays every lesson to its end in Chromium:
// no console error, one building per host, and the browser's state at
// the end equals the simulator's snapshot.
func TestBrowserLessonsPlayToEnd(t *testing.T) {
	base := browserServer(t, fastHold)
	all, err := lessons.All()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range all {
		t.Run(l.ID, func(t *testing.T) {
			t.Parallel() // two lessons at a time: the time goes to waiting for playback
			tab := browsertest.New(t, browsertest.Options{Width: 1280, Height: 720})
			openViewer(t, tab, base+"/lesson/"+l.ID)
			seq := browsertest.Eval[float64](tab, playToEndJS)
			evs := lessonEvents(t, l.Scenario)
			if int(seq) != len(evs) {
				t.Fatalf("played to %v, want %d", seq, len(evs))
			}
			if got, want := browsertest.Eval[string](tab, stateJS), snapshotJSON(t, l.Scenario, uint64(len(evs))); got != want {
				t.Errorf("the browser's state at the end differs from the simulator's:\n got %s\nwant %s", clip(got), clip(want))
			}
			hosts := len(l.Scenario.Hosts)
			if n := browsertest.Eval[float64](tab, `document.querySelectorAll("#scene .building").length`); int(n) != hosts {
				t.Errorf("%v buildings drawn, want %d", n, hosts)
			}
			if errs := tab.ConsoleErrors(); len(errs) > 0 {
				t.Errorf("console errors: %v", errs)
			}
		})
	}
}

func clip(s string) string {
	if len(s) > 600 {
		return s[:600] + "..."
	}
	return s
}

// TestBrowserReducer checks the browser's model against the simulator over
// every lesson's recorded events: starting from the empty world and
// applying each event must give exactly the simulator's snapshot after
// that event.
func TestBrowserReducer(t *testing.T) {
	base := browserServer(t, nil)
	tab := browsertest.New(t, browsertest.Options{})
	tab.Do(chromedp.Navigate(base + "/"))
	modelURL := moduleURL(tab, "model.js")
	all, err := lessons.All()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range all {
		var events []json.RawMessage
		var snaps []json.RawMessage
		_, err := l.Scenario.Run(scenario.Options{OnEvent: func(e *sim.Event) {
			events = append(events, e.AppendJSON(nil))
		}})
		if err != nil {
			t.Fatal(err)
		}
		for seq := 1; seq <= len(events); seq++ {
			snaps = append(snaps, json.RawMessage(snapshotJSON(t, l.Scenario, uint64(seq))))
		}
		data := marshalPlain(t, map[string]any{"events": events, "snaps": snaps})
		js := fmt.Sprintf(`(async () => {
  const m = await import(%q);
  const data = %s;
  let s = m.empty();
  for (let i = 0; i < data.events.length; i++) {
    s = m.apply(s, data.events[i]);
    const want = JSON.stringify(data.snaps[i]);
    const got = m.canonical(s);
    if (got !== want) {
      let at = 0;
      while (at < got.length && got[at] === want[at]) at++;
      const from = Math.max(0, at - 200);
      return "event " + data.events[i].seq + " (" + data.events[i].kind + "), from character " + from + ": got …" + got.slice(from, at + 200) + " want …" + want.slice(from, at + 200);
    }
  }
  return "";
})()`, modelURL, data)
		if msg := browsertest.Eval[string](tab, js); msg != "" {
			t.Errorf("%s: the reducer differs from the simulator at %s", l.ID, msg)
		}
	}
	if errs := tab.ConsoleErrors(); len(errs) > 0 {
		t.Errorf("console errors: %v", errs)
	}
}

// TestBrowserPacing: the browser's copy of the server's pacing (holdMs in
// static/js/protocol.js, which the static build plays by) gives every event
// kind the same hold as web/player.go's holdFor.
func TestBrowserPacing(t *testing.T) {
	base := browserServer(t, nil)
	tab := browsertest.New(t, browsertest.Options{})
	tab.Do(chromedp.Navigate(base + "/"))
	protoURL := moduleURL(tab, "protocol.js")
	want := map[string]int64{}
	for _, k := range sim.Kinds {
		want[string(k)] = holdFor(k).Milliseconds()
	}
	got := browsertest.Eval[map[string]int64](tab, fmt.Sprintf(`(async () => {
  const { holdMs } = await import(%q);
  return Object.fromEntries(%s.map((k) => [k, holdMs(k)]));
})()`, protoURL, marshalPlain(t, sim.Kinds)))
	if !maps.Equal(got, want) {
		t.Errorf("holdMs in protocol.js %v, want web/player.go's holdFor %v", got, want)
	}
}

// firstSeq returns the seq of the first event matching f.
func firstSeq(evs []sim.Event, f func(sim.Event) bool) uint64 {
	for _, e := range evs {
		if f(e) {
			return e.Seq
		}
	}
	return 0
}

// TestBrowserApartments: the scene shows the apartments the lesson
// creates: apartment 80 on the server, an ephemeral apartment inside the
// range on the laptop, and the ephemeral one gone once released.
func TestBrowserApartments(t *testing.T) {
	base := browserServer(t, nil)
	l, err := lessons.Get("ephemeral-ports")
	if err != nil {
		t.Fatal(err)
	}
	evs := lessonEvents(t, l.Scenario)
	assigned := firstSeq(evs, func(e sim.Event) bool { return e.Kind == sim.KindPortAssign && e.Host == "laptop" })
	var port uint16
	for _, e := range evs {
		if e.Seq == assigned {
			port = e.Port
		}
	}
	tab := browsertest.New(t, browsertest.Options{Width: 1920, Height: 1080})
	openViewer(t, tab, base+"/lesson/ephemeral-ports")
	seek := func(seq uint64) {
		browsertest.Eval[bool](tab, fmt.Sprintf(`window.portville.viewer.send({type: "seek", seq: %d}), true`, seq))
		browsertest.Wait(tab, fmt.Sprintf(`window.portville.seq() === %d`, seq), 10*time.Second)
	}
	seek(assigned)
	type apt struct {
		Port      int    `json:"port"`
		Proto     string `json:"proto"`
		Ephemeral string `json:"eph"`
		Host      string `json:"host"`
	}
	apts := func() []apt {
		raw := browsertest.Eval[string](tab, `JSON.stringify([...document.querySelectorAll("#scene .apt:not(.leaving)")].map(a => ({port: Number(a.dataset.port), proto: a.dataset.proto, eph: a.dataset.ephemeral, host: a.closest(".building").dataset.host})))`)
		var out []apt
		if err := json.Unmarshal([]byte(raw), &out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	got := apts()
	has := func(list []apt, a apt) bool {
		for _, x := range list {
			if x == a {
				return true
			}
		}
		return false
	}
	if !has(got, apt{80, "tcp", "0", "web"}) {
		t.Errorf("apartments %+v: want TCP 80 on web", got)
	}
	if !has(got, apt{int(port), "tcp", "1", "laptop"}) || port < 32768 || port > 60999 {
		t.Errorf("apartments %+v: want the ephemeral apartment %d (in 32768-60999) on the laptop", got, port)
	}
	// At the end every ephemeral port has been released.
	seek(uint64(len(evs)))
	for _, a := range apts() {
		if a.Host == "laptop" {
			t.Errorf("at the end the laptop still has apartment %+v", a)
		}
	}
	if errs := tab.ConsoleErrors(); len(errs) > 0 {
		t.Errorf("console errors: %v", errs)
	}
}

// TestBrowserKeyboard drives playback with the keys the controls promise.
func TestBrowserKeyboard(t *testing.T) {
	base := browserServer(t, nil)
	tab := browsertest.New(t, browsertest.Options{})
	openViewer(t, tab, base+"/lesson/sockets")
	start := browsertest.Eval[float64](tab, `window.portville.seq()`)
	key := func(k string) {
		tab.Do(chromedp.KeyEvent(k))
	}
	waitFor := func(js string) { browsertest.Wait(tab, js, 10*time.Second) }
	key(kb.ArrowRight)
	waitFor(fmt.Sprintf(`window.portville.seq() === %v`, start+1))
	key(kb.PageDown)
	waitFor(fmt.Sprintf(`window.portville.seq() === %v`, start+2))
	key(kb.ArrowLeft)
	waitFor(fmt.Sprintf(`window.portville.seq() === %v`, start+1))
	key(kb.PageUp)
	waitFor(fmt.Sprintf(`window.portville.seq() === %v`, start))
	key("+")
	waitFor(`window.portville.playback().speed === 2`)
	key("-")
	waitFor(`window.portville.playback().speed === 1`)
	key(" ")
	waitFor(`window.portville.playback().playing === true`)
	key(" ")
	waitFor(`window.portville.playback().playing === false`)
	key(kb.ArrowRight)
	key(kb.ArrowRight)
	waitFor(fmt.Sprintf(`window.portville.seq() > %v`, start))
	key(kb.Home)
	waitFor(fmt.Sprintf(`window.portville.seq() === %v`, start))
	key("p")
	waitFor(`document.documentElement.dataset.theme === "projector"`)
	key("p")
	waitFor(`document.documentElement.dataset.theme !== "projector"`)
	if errs := tab.ConsoleErrors(); len(errs) > 0 {
		t.Errorf("console errors: %v", errs)
	}
}

// sceneDOM returns the scene's markup without what is transient: the
// classes of running animations and highlights, a new apartment's
// glowing ring (removed when its animation ends), letters that are
// fading, and error callouts (which follow the latest event).
const sceneDOMJS = `(() => {
  const svg = document.getElementById("scene").cloneNode(true);
  svg.querySelectorAll(".leaving, .apt-glow, .letter.gone, .letter.delivered, .letter.dropped, .callouts > *").forEach((n) => n.remove());
  svg.querySelectorAll(".appear, .focus").forEach((n) => n.classList.remove("appear", "focus"));
  svg.removeAttribute("style"); // its size on this screen, and the camera's move (camera.js)
  return svg.outerHTML;
})()`

// townDOMJS is sceneDOMJS without the viewBox, and with what the camera
// frames instead: two screens of different sizes frame the same event
// (camera.js), each as large as its own stage allows.
const townDOMJS = `(() => {
  const svg = document.getElementById("scene").cloneNode(true);
  svg.querySelectorAll(".leaving, .apt-glow, .letter.gone, .letter.delivered, .letter.dropped, .callouts > *").forEach((n) => n.remove());
  svg.querySelectorAll(".appear, .focus").forEach((n) => n.classList.remove("appear", "focus"));
  svg.removeAttribute("viewBox");
  svg.removeAttribute("style");
  const f = window.portville.viewer.scene.focusEvent;
  return "camera on " + (f ? f.seq : "the whole town") + "\n" + svg.outerHTML;
})()`

// TestBrowserStepBack: stepping forward then back returns the scene to
// exactly the markup it had, at several points of a lesson.
func TestBrowserStepBack(t *testing.T) {
	base := browserServer(t, nil)
	tab := browsertest.New(t, browsertest.Options{})
	openViewer(t, tab, base+"/lesson/many-clients-one-port")
	total := browsertest.Eval[float64](tab, `window.portville.viewer.meta.total`)
	for _, at := range []float64{20, 45, 70, 100, total - 2} {
		browsertest.Eval[bool](tab, fmt.Sprintf(`window.portville.viewer.send({type: "seek", seq: %v}), true`, at))
		browsertest.Wait(tab, fmt.Sprintf(`window.portville.seq() === %v`, at), 10*time.Second)
		// Walk forward to it one event at a time, as a class would.
		browsertest.Eval[bool](tab, `window.portville.viewer.send({type: "step"}), true`)
		browsertest.Wait(tab, fmt.Sprintf(`window.portville.seq() === %v`, at+1), 10*time.Second)
		time.Sleep(1500 * time.Millisecond) // let animations end
		before := browsertest.Eval[string](tab, sceneDOMJS)
		browsertest.Eval[bool](tab, `window.portville.viewer.send({type: "step"}), true`)
		browsertest.Wait(tab, fmt.Sprintf(`window.portville.seq() === %v`, at+2), 10*time.Second)
		browsertest.Eval[bool](tab, `window.portville.viewer.send({type: "back"}), true`)
		browsertest.Wait(tab, fmt.Sprintf(`window.portville.seq() === %v`, at+1), 10*time.Second)
		time.Sleep(300 * time.Millisecond)
		after := browsertest.Eval[string](tab, sceneDOMJS)
		if before != after {
			t.Errorf("after step and back at event %v the scene differs:\n%s", at+1, domDiff(before, after))
		}
	}
}

// domDiff shows where two markups first differ.
func domDiff(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	from := max(0, i-200)
	return fmt.Sprintf("before: ...%s\n after: ...%s", a[from:min(len(a), i+200)], b[from:min(len(b), i+200)])
}

// TestBrowserCounterFollowsPlay: while a lesson plays, the counter and the
// scrubber move with the events on screen (the session sends no state
// message for each event).
func TestBrowserCounterFollowsPlay(t *testing.T) {
	base := browserServer(t, nil)
	tab := browsertest.New(t, browsertest.Options{Width: 1280, Height: 720})
	openViewer(t, tab, base+"/lesson/ephemeral-ports")
	start := browsertest.Eval[float64](tab, `window.portville.seq()`)
	browsertest.Eval[bool](tab, `window.portville.viewer.send({type: "speed", x: 8}), window.portville.viewer.send({type: "play"}), true`)
	browsertest.Wait(tab, fmt.Sprintf(`window.portville.seq() >= %v`, start+5), 20*time.Second)
	// The controls catch up within a frame of the events.
	browsertest.Wait(tab, `(() => {
  const v = window.portville.viewer, seq = v.state.seq;
  return v.playback.playing && document.querySelector(".ctl-counter").textContent === seq + " / " + v.meta.total
    && document.querySelector(".ctl-scrub").value === String(seq);
})()`, 5*time.Second)
}

// TestBrowserReducedMotion: with prefers-reduced-motion, letters jump to
// where they end (no animation frames) and CSS animations are off.
func TestBrowserReducedMotion(t *testing.T) {
	base := browserServer(t, nil)
	tab := browsertest.New(t, browsertest.Options{ReducedMotion: true})
	openViewer(t, tab, base+"/lesson/ephemeral-ports")
	for i := 0; i < 25; i++ {
		browsertest.Eval[bool](tab, `window.portville.viewer.send({type: "step"}), true`)
		time.Sleep(40 * time.Millisecond)
	}
	browsertest.Wait(tab, `window.portville.seq() >= 25`, 10*time.Second)
	if f := browsertest.Eval[float64](tab, `window.portville.frames()`); f != 0 {
		t.Errorf("%v animation frames with reduced motion, want none", f)
	}
	anim := browsertest.Eval[string](tab, `(() => { const a = document.querySelector("#scene .apt"); return a ? getComputedStyle(a).animationName : "no apartment"; })()`)
	if anim != "none" {
		t.Errorf("apartment animation %q with reduced motion, want none", anim)
	}
	// A letter sent by a step is at its end point at once: nothing left to
	// move (with motion, it travels for over a second).
	l, err := lessons.Get("ephemeral-ports")
	if err != nil {
		t.Fatal(err)
	}
	send := firstSeq(lessonEvents(t, l.Scenario), func(e sim.Event) bool { return e.Kind == sim.KindPacketSend })
	browsertest.Eval[bool](tab, fmt.Sprintf(`window.portville.viewer.send({type: "seek", seq: %d}), true`, send-1))
	browsertest.Wait(tab, fmt.Sprintf(`window.portville.seq() === %d`, send-1), 10*time.Second)
	browsertest.Eval[bool](tab, `window.portville.viewer.send({type: "step"}), true`)
	browsertest.Wait(tab, `document.querySelectorAll(".letter").length === 1`, 10*time.Second)
	if n := browsertest.Eval[float64](tab, `window.portville.viewer.scene.tweens.size`); n != 0 {
		t.Errorf("%v letters moving just after the step that sends the first one; want it at its end point at once", n)
	}
}

// TestBrowserFits: the scene fits the window without scrolling at the
// classroom sizes, and the embed route fits an 800x450 iframe.
func TestBrowserFits(t *testing.T) {
	base := browserServer(t, nil)
	for _, size := range []struct{ w, h int64 }{{1920, 1080}, {1280, 720}} {
		t.Run(fmt.Sprintf("%dx%d", size.w, size.h), func(t *testing.T) {
			tab := browsertest.New(t, browsertest.Options{Width: size.w, Height: size.h})
			openViewer(t, tab, base+"/lesson/os-differences")
			fits := browsertest.Eval[string](tab, `(() => {
  const d = document.scrollingElement;
  if (d.scrollHeight > innerHeight + 1 || d.scrollWidth > innerWidth + 1) return "the page scrolls: " + d.scrollWidth + "x" + d.scrollHeight;
  const r = document.getElementById("scene").getBoundingClientRect();
  if (r.bottom > innerHeight + 1 || r.right > innerWidth + 1 || r.height < 200) return "scene " + JSON.stringify(r);
  return "";
})()`)
			if fits != "" {
				t.Error(fits)
			}
		})
	}
	t.Run("embed-800x450", func(t *testing.T) {
		// A course page with the lesson in an 800x450 iframe, on the
		// server's origin so the test can look inside the frame.
		tab := browsertest.New(t, browsertest.Options{Width: 1000, Height: 700})
		tab.Do(chromedp.Navigate(base + "/"))
		browsertest.Eval[bool](tab, `(() => {
  const f = document.createElement("iframe");
  Object.assign(f, { id: "f", src: "/embed/ephemeral-ports", width: 800, height: 450 });
  f.style.border = "0";
  document.body.replaceChildren(f);
  return true;
})()`)
		browsertest.Wait(tab, `(() => { const p = document.getElementById("f").contentWindow.portville; return !!p && p.viewer.meta !== null && p.viewer.state.hosts.length > 0; })()`, 20*time.Second)
		fits := browsertest.Eval[string](tab, `(() => {
  const w = document.getElementById("f").contentWindow, d = w.document, se = d.scrollingElement;
  if (w.innerWidth !== 800 || w.innerHeight !== 450) return "the frame's window is " + w.innerWidth + "x" + w.innerHeight;
  if (se.scrollHeight > w.innerHeight + 1 || se.scrollWidth > w.innerWidth + 1) return "the embed scrolls: " + se.scrollWidth + "x" + se.scrollHeight;
  const r = d.getElementById("scene").getBoundingClientRect();
  if (r.height < 150 || r.bottom > w.innerHeight + 1 || r.right > w.innerWidth + 1) return "the scene does not fit: " + JSON.stringify(r);
  const side = d.querySelector(".sidebar");
  if (side && w.getComputedStyle(side).display !== "none") return "the sidebar shows in the embed";
  return "";
})()`)
		if fits != "" {
			t.Error(fits)
		}
		if errs := tab.ConsoleErrors(); len(errs) > 0 {
			t.Errorf("console errors: %v", errs)
		}
	})
}

// TestBrowserTransferSize: a lesson page with everything it loads
// transfers less than 200 KB (gzip on), as the browser's resource timing
// reports it, in every language; and a page carries its own language's
// ui table, no other.
func TestBrowserTransferSize(t *testing.T) {
	base := browserServer(t, nil)
	for _, code := range catalogues.Codes {
		t.Run(code, func(t *testing.T) {
			tab := browsertest.New(t, browsertest.Options{Width: 1280, Height: 720})
			// Tabs share the browser's cache: each language loads cold.
			if _, err := chromedp.Call(tab.Ctx, network.Enable, network.EnableParams{}); err != nil {
				t.Fatal(err)
			}
			if _, err := chromedp.Call(tab.Ctx, network.SetCacheDisabled, network.SetCacheDisabledParams{CacheDisabled: true}); err != nil {
				t.Fatal(err)
			}
			openViewer(t, tab, base+"/lesson/ephemeral-ports?lang="+code)
			raw := browsertest.Eval[string](tab, `JSON.stringify({
  page: performance.getEntriesByType("navigation")[0].transferSize,
  html: document.documentElement.outerHTML,
  assets: performance.getEntriesByType("resource").map((r) => ({name: r.name, size: r.transferSize, decoded: r.decodedBodySize})),
})`)
			var got struct {
				Page   int    `json:"page"`
				HTML   string `json:"html"`
				Assets []struct {
					Name    string `json:"name"`
					Size    int    `json:"size"`
					Decoded int    `json:"decoded"`
				} `json:"assets"`
			}
			if err := json.Unmarshal([]byte(raw), &got); err != nil {
				t.Fatal(err)
			}
			total, decoded := got.Page, 0
			for _, a := range got.Assets {
				total += a.Size
				decoded += a.Decoded
			}
			t.Logf("%s: a lesson page transfers %d bytes in %d requests (%d bytes of assets once decoded; the page %d bytes)", code, total, len(got.Assets)+1, decoded, len(got.HTML))
			if len(got.Assets) < 10 {
				t.Errorf("only %d assets loaded: %s", len(got.Assets), raw)
			}
			if total >= 200<<10 || total == 0 {
				t.Errorf("a lesson page transfers %d bytes, want under 200 KB", total)
			}
			if total*2 > decoded {
				t.Errorf("transferred %d bytes for %d decoded: the assets are not compressed", total, decoded)
			}
			// The page carries its own language only.
			const probe = "Whoever opens this link controls the class. Show it only on your own screen, not on the projector."
			for _, other := range catalogues.Codes[1:] {
				tr := catalogues.Get(other).T(probe)
				if has := strings.Contains(got.HTML, tr); has != (other == code) {
					t.Errorf("the %s page has the %s ui table: %v", code, other, has)
				}
			}
		})
	}
}

// TestBrowserSeekPastAnswer: after a question was open and the viewer
// seeks far past its answer, the question is not shown again. (The viewer
// then knows the events around the question and those before the new
// point, with a gap between: the captions must read only the unbroken run
// before the new point.)
func TestBrowserSeekPastAnswer(t *testing.T) {
	base := browserServer(t, fastHold)
	tab := browsertest.New(t, browsertest.Options{})
	openViewer(t, tab, base+"/lesson/home-router")
	cp := uint64(browsertest.Eval[float64](tab, `window.portville.viewer.meta.checkpoints[0]`))
	seekTo(t, tab, tab, cp+6)
	if browsertest.Eval[bool](tab, `document.getElementById("checkpoint").hidden`) {
		t.Fatalf("the first question is not open just after it was asked")
	}
	seekTo(t, tab, tab, cp+68)
	if !browsertest.Eval[bool](tab, `document.getElementById("checkpoint").hidden`) {
		t.Errorf("after seeking past its answer the question shows again: %q", browsertest.Eval[string](tab, `document.getElementById("checkpoint").textContent.slice(0, 80)`))
	}
}

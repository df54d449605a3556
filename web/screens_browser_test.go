package web

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/device"

	"portville/sim/lessons"
	"portville/web/internal/browsertest"
)

// The two screens of a class (issue 19), measured: the projector and a
// student's phone, for every lesson at its start, at each checkpoint, in
// its middle and at its end.

// screenJS measures the page as it is drawn. Town text is every <text> of
// the scene that is on screen (inside the stage and the viewport, not
// hidden); its size is its font size times the scene's scale, in CSS
// pixels. Overflow is the content a box hides (scrollHeight beyond
// clientHeight). Overlaps are pairs of the caption, the question, the class
// bar and the toolbar whose boxes intersect.
const screenJS = `(() => {
  const vw = innerWidth, vh = innerHeight;
  const stage = document.getElementById("stage").getBoundingClientRect();
  const shown = (el) => { if (!el || el.hidden || el.closest("[hidden]")) return null; const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0 ? r : null; };
  const sizes = [];
  for (const t of document.querySelectorAll("#scene text, .scene-overlay text")) {
    if (!t.textContent.trim()) continue;
    const cs = getComputedStyle(t);
    if (cs.display === "none" || cs.visibility === "hidden" || Number(cs.opacity) === 0) continue;
    const r = t.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    const ix = Math.min(r.right, stage.right, vw) - Math.max(r.left, stage.left, 0);
    const iy = Math.min(r.bottom, stage.bottom, vh) - Math.max(r.top, stage.top, 0);
    if (ix < r.width / 2 || iy < r.height / 2) continue;
    const m = t.getScreenCTM();
    sizes.push(parseFloat(cs.fontSize) * Math.hypot(m.a, m.b));
  }
  sizes.sort((a, b) => a - b);
  const q = (f) => sizes.length ? sizes[Math.min(sizes.length - 1, Math.floor(f * sizes.length))] : 0;
  const over = (el) => el && !el.hidden ? Math.max(0, el.scrollHeight - el.clientHeight) : 0;
  const boxes = { caption: shown(document.getElementById("captions")), question: shown(document.getElementById("checkpoint")),
    classbar: shown(document.getElementById("class-bar")), toolbar: shown(document.getElementById("controls")) };
  const overlaps = [];
  const names = Object.keys(boxes);
  for (let i = 0; i < names.length; i++) for (let j = i + 1; j < names.length; j++) {
    const a = boxes[names[i]], b = boxes[names[j]];
    if (!a || !b) continue;
    const w = Math.min(a.right, b.right) - Math.max(a.left, b.left), h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
    if (w > 1 && h > 1) overlaps.push(names[i] + "/" + names[j]);
  }
  const small = [];
  for (const b of document.querySelectorAll("button, select, input, a.lab-link, summary")) {
    const r = shown(b);
    if (!r || r.bottom < 0 || r.top > vh || getComputedStyle(b).visibility === "hidden") continue;
    if (r.height < 44) small.push((b.getAttribute("aria-label") || b.textContent || b.className).trim().slice(0, 24) + " " + Math.round(r.height));
  }
  let questionOverTown = false;
  const svgBox = shown(document.getElementById("scene"));
  if (boxes.question && svgBox) {
    const a = boxes.question, b = svgBox;
    questionOverTown = Math.min(a.right, b.right) - Math.max(a.left, b.left) > 1 && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 1;
  }
  let barOverBuilding = false;
  const bar = boxes.classbar;
  if (bar) for (const g of document.querySelectorAll("#scene .building")) {
    const r = g.getBoundingClientRect();
    const w = Math.min(r.right, bar.right, stage.right) - Math.max(r.left, bar.left, stage.left), h = Math.min(r.bottom, bar.bottom, stage.bottom) - Math.max(r.top, bar.top, stage.top);
    if (w > 1 && h > 1) barOverBuilding = true;
  }
  return JSON.stringify({ median: q(0.5), p10: q(0.1), texts: sizes.length,
    captionOver: over(document.getElementById("captions")), questionOver: over(document.getElementById("checkpoint")),
    questionOpen: !!boxes.question, overlaps, docWidth: document.documentElement.scrollWidth, viewWidth: vw,
    small, barOverBuilding, questionOverTown });
})()`

// screenFigures is what screenJS measures.
type screenFigures struct {
	Median, P10      float64
	Texts            int
	CaptionOver      float64
	QuestionOver     float64
	QuestionOpen     bool
	Overlaps         []string
	DocWidth         float64
	ViewWidth        float64
	Small            []string
	BarOverBuilding  bool
	QuestionOverTown bool
}

func measureScreen(t *testing.T, tab *browsertest.Tab) screenFigures {
	t.Helper()
	var f screenFigures
	if err := json.Unmarshal([]byte(browsertest.Eval[string](tab, screenJS)), &f); err != nil {
		t.Fatal(err)
	}
	return f
}

// screenPoints are the events a lesson is measured at: its start, each
// checkpoint, its middle and its end.
func screenPoints(tab *browsertest.Tab) []uint64 {
	meta := browsertest.Eval[map[string]any](tab, `window.portville.viewer.meta`)
	start, total := uint64(meta["start"].(float64)), uint64(meta["total"].(float64))
	pts := []uint64{start}
	if cps, ok := meta["checkpoints"].([]any); ok {
		for _, c := range cps {
			pts = append(pts, uint64(c.(float64)))
		}
	}
	return append(pts, (start+total)/2, total)
}

// seekTo moves the presenter to event seq and waits until tab shows it,
// settled: the question open when seq is a checkpoint, the frame drawn.
func seekTo(t *testing.T, presenter, tab *browsertest.Tab, seq uint64) {
	t.Helper()
	browsertest.Eval[bool](presenter, fmt.Sprintf(`window.portville.viewer.send({type: "seek", seq: %d}), true`, seq))
	browsertest.Wait(tab, fmt.Sprintf(`window.portville.seq() === %d && !window.portville.playback().playing`, seq), 10*time.Second)
	settle(tab)
}

type screenRow struct {
	screen, lesson string
	seq            uint64
	f              screenFigures
}

// The targets of issue 19.
const (
	projectorMedianPx = 16 // visible town text, median, on the projector
	projectorP10Px    = 12 // and its 10th percentile
	phoneMedianPx     = 12 // on a follower's phone
	fingerPx          = 44 // every button on a phone (WCAG 2.5.5)
)

// TestBrowserScreens (issue 19) measures the projector theme at 1280x720
// and 1024x768, a follower's phone at 390x844, 360x740 and 844x390 (held
// sideways; mobile emulation), and the remote on both upright phones, for
// every lesson at the points of screenPoints. The figures are logged per
// screen (docs/benchmarks.md "The two screens of a class" has them); each
// point must meet issue 19's targets. With PORTVILLE_SHOTS set (make
// shots) it also measures the projector at 1920x1080 and saves a
// screenshot of every point, for a person to look at.
func TestBrowserScreens(t *testing.T) {
	base := browserServer(t, fastHold)
	all, err := lessons.All()
	if err != nil {
		t.Fatal(err)
	}
	// One tab is every projector and one follower every phone: at each
	// point the viewport changes to each screen in turn (the view lays
	// itself out again on a resize, as when a phone is turned), so a
	// lesson is loaded and sought once for all the screens. The two
	// subtests share one browser and run one after the other (two at once
	// were slower on two cores).
	var rows []screenRow
	add := func(r screenRow) { rows = append(rows, r) }
	projectors := []screen{{"projector 1280x720", 1280, 720, nil}, {"projector 1024x768", 1024, 768, nil}}
	if os.Getenv(shotsEnv) != "" {
		// 1920x1080 has no target of its own (the smaller screens are
		// the hard ones); make shots measures and pictures it too.
		projectors = append(projectors, screen{"projector 1920x1080", 1920, 1080, nil})
	}
	t.Run("projectors", func(t *testing.T) {
		tab := browsertest.New(t, browsertest.Options{Width: 1280, Height: 720, Timeout: screensTimeout})
		for _, l := range all {
			openViewer(t, tab, base+"/lesson/"+l.ID+"?theme=projector")
			for _, seq := range screenPoints(tab) {
				seekTo(t, tab, tab, seq)
				for _, sc := range projectors {
					sc.apply(tab)
					add(screenRow{sc.name, l.ID, seq, measureScreen(t, tab)})
					shot(t, tab, fmt.Sprintf("%s-%s-%03d", strings.ReplaceAll(sc.name, " ", "-"), l.ID, seq))
				}
			}
		}
	})
	t.Run("phones", func(t *testing.T) {
		measurePhones(t, base, all, add)
	})
	report(t, rows)
	check(t, rows)
}

// phoneEmulation emulates a phone: its viewport in CSS pixels, mobile and
// touch. The measurements are in CSS pixels and do not depend on the
// device's pixel ratio, and drawing at a phone's 3x costs nine times the
// pixels; so the pixel ratio is the phone's own only when screenshots are
// taken (make shots).
func phoneEmulation(dev chromedp.Device) chromedp.Action[chromedp.Void] {
	if os.Getenv(shotsEnv) != "" {
		return chromedp.Emulate(dev)
	}
	d := dev.Device()
	opts := []chromedp.EmulateViewportOption{chromedp.EmulateScale(1), chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait}
	if d.Landscape {
		opts[3] = chromedp.EmulateLandscape
	}
	return chromedp.EmulateViewport(d.Width, d.Height, opts...)
}

// screensTimeout bounds a tab that walks every lesson (the default 90 s is
// for one page).
const screensTimeout = 6 * time.Minute

// screen is a screen of a class: a projector's window or a phone.
type screen struct {
	name string
	w, h int64
	dev  chromedp.Device // a phone, emulated; nil for a projector
}

// apply makes tab's viewport this screen's and waits for the view to be
// laid out and drawn again.
func (sc screen) apply(tab *browsertest.Tab) {
	if sc.dev != nil {
		tab.Do(phoneEmulation(sc.dev))
	} else {
		tab.Do(chromedp.EmulateViewport(sc.w, sc.h))
	}
	// The view lays itself out in a ResizeObserver, which runs before
	// the next frame is painted.
	browsertest.Eval[bool](tab, `new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))`)
}

// settle waits for two frames and a little more: what a change asked of
// the view is drawn.
func settle(tab *browsertest.Tab) {
	browsertest.Eval[bool](tab, `new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(() => r(true), 50))))`)
}

// The phones a follower is measured on, and those the teacher's remote is
// (held upright).
var (
	phones  = []screen{{"phone 390x844", 0, 0, device.IPhone12}, {"phone 360x740", 0, 0, device.GalaxyS8}, {"phone 844x390 landscape", 0, 0, device.IPhone12landscape}}
	remotes = phones[:2]
)

// measurePhones measures a follower's phone, and the teacher's remote, on
// each phone for every lesson at the points of screenPoints.
func measurePhones(t *testing.T, base string, all []*lessons.Lesson, add func(screenRow)) {
	presenter := browsertest.New(t, browsertest.Options{Width: 1280, Height: 720, Timeout: screensTimeout})
	follower := browsertest.New(t, browsertest.Options{Width: 390, Height: 844, Timeout: screensTimeout})
	remote := browsertest.New(t, browsertest.Options{Width: 390, Height: 844, Timeout: screensTimeout})
	follower.Do(phoneEmulation(phones[0].dev))
	remote.Do(phoneEmulation(remotes[0].dev))
	for _, l := range all {
		openViewer(t, presenter, base+"/lesson/"+l.ID)
		browsertest.Eval[bool](presenter, `window.portville.viewer.sendClass({type: "class.start"}), true`)
		browsertest.Wait(presenter, `!!(window.portville.viewer.classroom.info && window.portville.viewer.classroom.info.remote)`, 10*time.Second)
		code := browsertest.Eval[string](presenter, `window.portville.viewer.classroom.info.code`)
		openViewer(t, follower, base+"/join/"+code)
		remote.Do(chromedp.Navigate(browsertest.Eval[string](presenter, `window.portville.viewer.classroom.info.remote`)))
		browsertest.Wait(remote, `document.querySelector(".remote-counter") && document.querySelector(".remote-counter").textContent.includes(" / ")`, 10*time.Second)
		for _, seq := range screenPoints(presenter) {
			seekTo(t, presenter, follower, seq)
			for _, sc := range phones {
				sc.apply(follower)
				add(screenRow{sc.name, l.ID, seq, measureScreen(t, follower)})
				shot(t, follower, fmt.Sprintf("%s-%s-%03d", strings.ReplaceAll(sc.name, " ", "-"), l.ID, seq))
			}
			browsertest.Wait(remote, fmt.Sprintf(`document.querySelector(".remote-counter").textContent.startsWith("%d / ")`, seq), 10*time.Second)
			for _, sc := range remotes {
				sc.apply(remote)
				add(screenRow{sc.name + " remote", l.ID, seq, measureRemote(t, remote)})
				shot(t, remote, fmt.Sprintf("%s-remote-%s-%03d", strings.ReplaceAll(sc.name, " ", "-"), l.ID, seq))
			}
		}
		browsertest.Eval[bool](presenter, `window.portville.viewer.sendClass({type: "class.end"}), true`)
	}
}

// check fails a screen's point that misses issue 19's targets.
func check(t *testing.T, rows []screenRow) {
	for _, r := range rows {
		f := r.f
		var bad []string
		switch {
		case strings.HasPrefix(r.screen, "projector"):
			if f.Median < projectorMedianPx || f.P10 < projectorP10Px {
				bad = append(bad, fmt.Sprintf("town text %.1f px at the median and %.1f px at the 10th percentile, want %d and %d", f.Median, f.P10, projectorMedianPx, projectorP10Px))
			}
		case strings.HasSuffix(r.screen, "remote"):
		default:
			if f.Median < phoneMedianPx {
				bad = append(bad, fmt.Sprintf("town text %.1f px at the median, want %d", f.Median, phoneMedianPx))
			}
		}
		if strings.HasPrefix(r.screen, "phone") {
			if f.DocWidth > f.ViewWidth+1 {
				bad = append(bad, fmt.Sprintf("the page is %.0f px wide on a %.0f px screen", f.DocWidth, f.ViewWidth))
			}
			if len(f.Small) > 0 {
				bad = append(bad, fmt.Sprintf("controls under %d px: %s", fingerPx, strings.Join(f.Small, "; ")))
			}
			if f.BarOverBuilding {
				bad = append(bad, "the class bar covers a building")
			}
		}
		if f.CaptionOver > 1 || f.QuestionOver > 1 {
			bad = append(bad, fmt.Sprintf("the caption hides %.0f px, the question %.0f px", f.CaptionOver, f.QuestionOver))
		}
		if len(f.Overlaps) > 0 || f.QuestionOverTown {
			bad = append(bad, fmt.Sprintf("overlaps: %s (question over the town: %v)", strings.Join(f.Overlaps, ", "), f.QuestionOverTown))
		}
		if len(bad) > 0 {
			t.Errorf("%s, %s at event %d: %s", r.screen, r.lesson, r.seq, strings.Join(bad, "; "))
		}
	}
}

// remoteJS measures the remote page: its width and its buttons.
const remoteJS = `(() => {
  const small = [];
  for (const b of document.querySelectorAll("button")) {
    const r = b.getBoundingClientRect();
    if (r.width > 0 && r.height > 0 && r.height < 44) small.push((b.getAttribute("aria-label") || b.textContent).trim().slice(0, 24) + " " + Math.round(r.height));
  }
  const cap = document.querySelector(".remote-captions");
  return JSON.stringify({ docWidth: document.documentElement.scrollWidth, viewWidth: innerWidth, small,
    captionOver: cap ? Math.max(0, cap.scrollHeight - cap.clientHeight) : 0, overlaps: [] });
})()`

func measureRemote(t *testing.T, tab *browsertest.Tab) screenFigures {
	t.Helper()
	var f screenFigures
	if err := json.Unmarshal([]byte(browsertest.Eval[string](tab, remoteJS)), &f); err != nil {
		t.Fatal(err)
	}
	return f
}

// report logs the figures per screen.
func report(t *testing.T, rows []screenRow) {
	byScreen := map[string][]screenRow{}
	var order []string
	for _, r := range rows {
		if _, ok := byScreen[r.screen]; !ok {
			order = append(order, r.screen)
		}
		byScreen[r.screen] = append(byScreen[r.screen], r)
	}
	for _, s := range order {
		if strings.HasSuffix(s, "remote") {
			var wide, small, cut int
			for _, r := range byScreen[s] {
				if r.f.DocWidth > r.f.ViewWidth+1 {
					wide++
				}
				if len(r.f.Small) > 0 {
					small++
				}
				if r.f.CaptionOver > 1 {
					cut++
				}
			}
			t.Logf("%s: %d points (no town); wider than the screen %d, controls under 44 px %d, caption cut %d", s, len(byScreen[s]), wide, small, cut)
			continue
		}
		var med, p10 []float64
		var cut, overlaps, wide, small, bar int
		for _, r := range byScreen[s] {
			med = append(med, r.f.Median)
			p10 = append(p10, r.f.P10)
			if r.f.CaptionOver > 1 || r.f.QuestionOver > 1 {
				cut++
			}
			if len(r.f.Overlaps) > 0 || r.f.QuestionOverTown {
				overlaps++
			}
			if r.f.DocWidth > r.f.ViewWidth+1 {
				wide++
			}
			if len(r.f.Small) > 0 {
				small++
			}
			if r.f.BarOverBuilding {
				bar++
			}
		}
		sort.Float64s(med)
		sort.Float64s(p10)
		t.Logf("%s: %d points; town text px at the median: lowest %.1f, median %.1f; at the 10th percentile: lowest %.1f, median %.1f; points with a caption or question cut %d, overlaps %d, wider than the screen %d, controls under 44 px %d, class bar over a building %d",
			s, len(med), med[0], med[len(med)/2], p10[0], p10[len(p10)/2], cut, overlaps, wide, small, bar)
	}
}

// sixChoices is a scenario whose question has six choices, the most a
// checkpoint may have (docs/scenarios.md), each a line or two long.
const sixChoices = `title: Six choices
hosts:
  - name: laptop
    addr: 192.168.1.10
    programs:
      - name: firefox
        path: /usr/bin/firefox
  - name: web
    addr: 93.184.216.34
    programs:
      - name: nginx
        path: /usr/sbin/nginx
        server:
          listen: [tcp/80]
          protocol: http
steps:
  - start: nginx
    on: web
    say: The web server starts.
  - start: firefox
    on: laptop
    as: w1
    say: A browser window opens.
  - connect: w1.page
    to: web:80
    say: The first window connects.
  - start: firefox
    on: laptop
    as: w2
    say: A second window opens.
  - checkpoint:
      question: The second window connects to the same web server while the first is still connected. Which source port will the operating system give it?
      choices:
        - text: The same port as the first window, since both talk to the same server
          value: same
        - text: A different port from the ephemeral range, chosen by the OS
          value: different
        - text: Port 80, the same as the server's, because replies come back there
          value: eighty
        - text: No port at all until the server answers the first letter
          value: none
        - text: A port below 1024, because firefox runs as a normal user
          value: low
        - text: The connection fails with EADDRINUSE, so it gets no port
          value: fails
      measure: {same_port: [w1.page, w2.page]}
    say: Predict before it happens.
  - connect: w2.page
    to: web:80
    say: The second window connects.
`

// TestBrowserQuestionFits (issue 19): a question with six choices fits
// whole, in type no smaller than 14 px, beside the town rather than over
// it: in the projector's question column at 1024x768 and 1280x720, and on
// a follower's phone at 360x740 and 390x844.
func TestBrowserQuestionFits(t *testing.T) {
	base := browserServer(t, fastHold)
	yaml, _ := json.Marshal(sixChoices)
	load := func(tab *browsertest.Tab, url string) uint64 {
		openViewer(t, tab, url)
		browsertest.Eval[bool](tab, fmt.Sprintf(`window.portville.viewer.send({type: "load", scenario: %s}), true`, yaml))
		browsertest.Wait(tab, `window.portville.viewer.meta.title === "Six choices"`, 10*time.Second)
		return uint64(browsertest.Eval[float64](tab, `window.portville.viewer.meta.checkpoints[0]`))
	}
	// touch: the screen is a phone, whose buttons must fit a finger.
	check := func(name string, tab *browsertest.Tab, touch bool) {
		shot(t, tab, "six-choices-"+strings.ReplaceAll(name, " ", "-"))
		f := measureScreen(t, tab)
		font := browsertest.Eval[float64](tab, `Math.min(...[...document.querySelectorAll("#checkpoint .cp-text")].map((e) => parseFloat(getComputedStyle(e).fontSize)))`)
		n := browsertest.Eval[float64](tab, `document.querySelectorAll("#checkpoint .cp-choice").length`)
		if !touch {
			f.Small = nil
		}
		if !f.QuestionOpen || n != 6 || f.QuestionOver > 1 || font < 14 || f.QuestionOverTown || len(f.Overlaps) > 0 || len(f.Small) > 0 {
			t.Errorf("%s: question open %v with %v choices, %.0f px hidden, choices in %.1f px type, over the town %v, overlaps %v, small controls %v",
				name, f.QuestionOpen, n, f.QuestionOver, font, f.QuestionOverTown, f.Overlaps, f.Small)
		}
	}
	for _, size := range []struct {
		name string
		w, h int64
	}{{"projector 1024x768", 1024, 768}, {"projector 1280x720", 1280, 720}} {
		tab := browsertest.New(t, browsertest.Options{Width: size.w, Height: size.h})
		seekTo(t, tab, tab, load(tab, base+"/lesson/ephemeral-ports?theme=projector"))
		check(size.name, tab, false)
	}
	for _, phone := range []struct {
		name string
		dev  chromedp.Device
	}{{"phone 360x740", device.GalaxyS8}, {"phone 390x844", device.IPhone12}} {
		presenter := browsertest.New(t, browsertest.Options{Width: 1280, Height: 720})
		cp := load(presenter, base+"/lesson/ephemeral-ports")
		browsertest.Eval[bool](presenter, `window.portville.viewer.sendClass({type: "class.start"}), true`)
		browsertest.Wait(presenter, `!!(window.portville.viewer.classroom.info && window.portville.viewer.classroom.info.code)`, 10*time.Second)
		follower := browsertest.New(t, browsertest.Options{Width: 390, Height: 844})
		follower.Do(phoneEmulation(phone.dev))
		openViewer(t, follower, base+"/join/"+browsertest.Eval[string](presenter, `window.portville.viewer.classroom.info.code`))
		seekTo(t, presenter, follower, cp)
		check(phone.name, follower, true)
	}
}

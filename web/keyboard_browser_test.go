package web

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"portville/web/internal/browsertest"
)

// focusedJS describes the focused element and whether its focus shows:
// an outline, a box shadow, or (an SVG outline of a building or letter) a
// stroke.
const focusedJS = `(() => {
  const a = document.activeElement;
  if (!a || a === document.body) return JSON.stringify({ name: "body", shown: true });
  const cs = getComputedStyle(a);
  const ring = (cs.outlineStyle !== "none" && parseFloat(cs.outlineWidth) > 0) || cs.boxShadow !== "none" ||
    (a instanceof SVGElement && cs.stroke !== "none" && parseFloat(cs.strokeWidth) > 0);
  let within = false;
  for (let p = a.parentElement; p && !within; p = p.parentElement) {
    const ps = getComputedStyle(p);
    within = p.matches(":focus-within") && ps.boxShadow !== "none" && !p.matches("body, html, main");
  }
  const r = a.getBoundingClientRect();
  const name = a.id ? "#" + a.id : a.tagName.toLowerCase() + (a.className && a.className.baseVal === undefined ? "." + String(a.className).trim().split(/\s+/).join(".") : a.getAttribute("class") ? "." + a.getAttribute("class").trim().split(/\s+/).join(".") : "");
  return JSON.stringify({ name, label: (a.getAttribute("aria-label") || a.textContent || "").trim().slice(0, 40),
    shown: ring || within, onScreen: r.width > 0 && r.height > 0 });
})()`

type focused struct {
	Name, Label     string
	Shown, OnScreen bool
}

// tabWalk presses Tab (or Shift-Tab) until the focus comes back to where
// it started or n presses, and returns what was focused after each.
func tabWalk(t *testing.T, tab *browsertest.Tab, back bool, n int) []focused {
	t.Helper()
	var out []focused
	for range n {
		if back {
			tab.Do(chromedp.KeyEvent(kb.Tab, chromedp.KeyModifiers(chromedp.ModifierShift)))
		} else {
			tab.Do(chromedp.KeyEvent(kb.Tab))
		}
		var f focused
		if err := json.Unmarshal([]byte(browsertest.Eval[string](tab, focusedJS)), &f); err != nil {
			t.Fatal(err)
		}
		if len(out) > 0 && f.Name == out[0].Name && f.Label == out[0].Label {
			break
		}
		out = append(out, f)
	}
	return out
}

// focusOn presses Tab until the element matching css has the focus.
func focusOn(t *testing.T, tab *browsertest.Tab, css string) {
	t.Helper()
	for range 200 {
		tab.Do(chromedp.KeyEvent(kb.Tab))
		if browsertest.Eval[bool](tab, fmt.Sprintf(`!!document.activeElement && document.activeElement.matches(%q)`, css)) {
			return
		}
	}
	t.Fatalf("Tab never reached %s", css)
}

// TestBrowserKeyboardOnly (issue 14) uses a lesson and the lab with the
// keyboard alone. Tab and Shift-Tab reach every control and every
// building, each with its focus drawn, and come back round (no trap);
// Enter on a building opens its inspector and Escape closes it; the whole
// lesson is walked with the arrow key, each question answered by Tab and
// Enter; in the lab a command is typed into the terminal Tab reaches.
func TestBrowserKeyboardOnly(t *testing.T) {
	base := browserServer(t, fastHold)
	tab := browsertest.New(t, browsertest.Options{Timeout: 3 * time.Minute})
	openViewer(t, tab, base+"/lesson/port-conflict")

	fwd := tabWalk(t, tab, false, 120)
	if len(fwd) >= 120 {
		t.Fatalf("Tab went %d times without coming back round: %v", len(fwd), fwd)
	}
	back := tabWalk(t, tab, true, 120)
	if len(back) != len(fwd) {
		t.Errorf("Shift-Tab stops at %d places, Tab at %d", len(back), len(fwd))
	}
	reached := map[string]bool{}
	for _, f := range fwd {
		reached[f.Name] = true
		if f.Name == "body" {
			continue // past the last control, before the first
		}
		if !f.Shown || !f.OnScreen {
			t.Errorf("focus on %s (%q): drawn %v, on screen %v", f.Name, f.Label, f.Shown, f.OnScreen)
		}
	}
	want := browsertest.Eval[[]string](tab, `[...document.querySelectorAll("#controls button, #controls select, #controls input, .b-hit")].filter((e) => e.getBoundingClientRect().width > 0).map((e) => e.id ? "#" + e.id : e.tagName.toLowerCase() + "." + e.getAttribute("class").trim().split(/\s+/).join("."))`)
	for _, w := range want {
		if !reached[w] {
			t.Errorf("Tab never reaches %s; it reaches %v", w, fwd)
		}
	}

	// A building opens its inspector.
	focusOn(t, tab, `#b-web .b-hit`)
	tab.Do(chromedp.KeyEvent(kb.Enter))
	browsertest.Wait(tab, `!document.getElementById("inspector").hidden && document.getElementById("inspector").textContent.includes("web")`, 5*time.Second)
	if !browsertest.Eval[bool](tab, `document.getElementById("inspector").contains(document.activeElement)`) {
		t.Error("the inspector opened from the keyboard does not take the focus")
	}
	tab.Do(chromedp.KeyEvent(kb.Escape))
	browsertest.Wait(tab, `document.getElementById("inspector").hidden`, 5*time.Second)
	if !browsertest.Eval[bool](tab, `document.activeElement.matches("#b-web .b-hit")`) {
		t.Error("closing the inspector does not give the focus back to the building")
	}

	// The whole lesson, step by step; each question is answered from the
	// keyboard.
	total := browsertest.Eval[float64](tab, `window.portville.playback().total`)
	answered := 0
	for i := 0; browsertest.Eval[float64](tab, `window.portville.seq()`) < total; i++ {
		if i > int(total)+20 {
			t.Fatalf("the arrow key did not reach the end: at %v of %v", browsertest.Eval[float64](tab, `window.portville.seq()`), total)
		}
		if browsertest.Eval[bool](tab, `!document.getElementById("checkpoint").hidden && !!document.querySelector("#checkpoint .cp-choice:not([disabled])") && !document.querySelector("#checkpoint .cp-choice.picked")`) {
			focusOn(t, tab, "#checkpoint .cp-choice")
			tab.Do(chromedp.KeyEvent(kb.Enter))
			browsertest.Wait(tab, `!!document.querySelector("#checkpoint .cp-choice.picked")`, 5*time.Second)
			answered++
			// Back to the town: the arrow keys drive playback from
			// anywhere but a form field.
			tab.Do(chromedp.KeyEvent(kb.Escape))
		}
		seq := browsertest.Eval[float64](tab, `window.portville.seq()`)
		tab.Do(chromedp.KeyEvent(kb.ArrowRight))
		browsertest.Wait(tab, fmt.Sprintf(`window.portville.seq() > %v && !window.portville.playback().playing`, seq), 5*time.Second)
	}
	if cps := browsertest.Eval[float64](tab, `window.portville.viewer.meta.checkpoints.length`); answered != int(cps) {
		t.Errorf("answered %d questions from the keyboard; the lesson asks %v", answered, cps)
	}

	// The lab: Tab reaches the terminal; a command typed there runs.
	openLab(t, tab, base+"/lab")
	focusOn(t, tab, "#term-input")
	n := browsertest.Eval[float64](tab, `window.portville.viewer.lab.info.entries.length`)
	tab.Do(chromedp.SendKeys("#term-input", "nginx"+kb.Enter))
	browsertest.Wait(tab, fmt.Sprintf(`window.portville.viewer.lab.info.entries.length === %v`, n+1), 10*time.Second)
	if got := browsertest.Eval[string](tab, termTextJS); !strings.Contains(got, "nginx") {
		t.Errorf("the terminal shows %q, want the command typed", got)
	}
	// Tab leaves the terminal again: no trap. On an empty line at once;
	// with a word typed, Tab completes it, and Escape then Tab leaves.
	tab.Do(chromedp.KeyEvent(kb.Tab))
	if browsertest.Eval[bool](tab, `document.activeElement && document.activeElement.id === "term-input"`) {
		t.Error("Tab on an empty line does not leave the terminal")
	}
	focusOn(t, tab, "#term-input")
	tab.Do(chromedp.SendKeys("#term-input", "cur"))
	tab.Do(chromedp.KeyEvent(kb.Tab))
	if v := browsertest.Eval[string](tab, `document.activeElement.id + " " + document.getElementById("term-input").value`); v != "term-input curl " {
		t.Errorf("Tab after a word: focus and line %q, want the word completed in the terminal", v)
	}
	tab.Do(chromedp.KeyEvent(kb.Escape))
	tab.Do(chromedp.KeyEvent(kb.Tab))
	if browsertest.Eval[bool](tab, `document.activeElement && document.activeElement.id === "term-input"`) {
		t.Error("Escape then Tab does not leave the terminal")
	}
	if errs := tab.ConsoleErrors(); len(errs) > 0 {
		t.Errorf("console errors: %v", errs)
	}
}

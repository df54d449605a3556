package web

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"portville/web/internal/browsertest"
)

// reachJS finds what a reader at this size cannot get to: the page wider
// than the window (WCAG 1.4.10: content reflows, no sideways scrolling),
// controls outside the page's scrollable area or covered by another box,
// and text boxes that hide content without letting it scroll.
const reachJS = `(() => {
  const vw = innerWidth;
  const out = [];
  if (document.documentElement.scrollWidth > vw + 1) out.push("the page is " + document.documentElement.scrollWidth + " px wide in a " + vw + " px window");
  const H = document.documentElement.scrollHeight;
  for (const el of document.querySelectorAll("button, select, input, a[href], summary, [tabindex='0']")) {
    if (el.closest("[hidden]") || el.closest(".sr-only")) continue;
    // Inside a closed <details>: its summary opens it.
    const folded = el.closest("details:not([open])");
    if (folded && !(el.tagName === "SUMMARY" && el.parentElement === folded)) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    if (el instanceof SVGElement) continue; // the town: the camera brings it into view
    const name = (el.getAttribute("aria-label") || el.textContent || el.className).trim().slice(0, 30);
    // In a row that scrolls sideways (a phone's settings), the row is
    // what must be in reach: scrolling it, or Tab, brings the rest.
    let box = r;
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const ox = getComputedStyle(p).overflowX;
      if ((ox === "auto" || ox === "scroll") && p.scrollWidth > p.clientWidth) { box = p.getBoundingClientRect(); break; }
    }
    const top = box.top + scrollY, left = box.left + scrollX;
    if (left < -1 || left + box.width > vw + 1 || top < -1 || top + box.height > H + 1) { out.push("out of reach: " + name); continue; }
    // The control's own centre must be its own (not under another box),
    // once scrolled into view.
    el.scrollIntoView({ block: "center", inline: "center" });
    const q = el.getBoundingClientRect();
    const hit = document.elementFromPoint(q.left + q.width / 2, q.top + q.height / 2);
    if (hit && hit !== el && !el.contains(hit) && !hit.contains(el) && !(hit.closest("label") && hit.closest("label").contains(el))) out.push("covered: " + name + " under " + (hit.id || hit.getAttribute("class") || hit.tagName));
  }
  for (const el of document.querySelectorAll("#captions, #checkpoint, #lesson-info, .lab-panel, #inspector")) {
    if (el.hidden || el.closest("[hidden]")) continue;
    const cs = getComputedStyle(el);
    if (el.scrollHeight > el.clientHeight + 1 && cs.overflowY !== "auto" && cs.overflowY !== "scroll") out.push((el.id || el.className) + " hides " + (el.scrollHeight - el.clientHeight) + " px it cannot scroll");
  }
  scrollTo(0, 0);
  return out;
})()`

// TestBrowserZoom (issue 14): at 200% zoom (1280x720 shows 640x360 CSS
// pixels) and in a 320 px wide window, every page reflows: nothing wider
// than the window, every control reachable and not covered, no text box
// that hides what it cannot scroll to. Checked on a lesson (at its start
// and with a question open), the embed, the lab, the picker and the join
// form.
func TestBrowserZoom(t *testing.T) {
	base := browserServer(t, fastHold)
	for _, size := range []struct {
		name string
		w, h int64
	}{{"200% zoom", 640, 360}, {"320 px", 320, 640}} {
		t.Run(size.name, func(t *testing.T) {
			tab := browsertest.New(t, browsertest.Options{Width: size.w, Height: size.h, Timeout: 2 * time.Minute})
			check := func(page string) {
				t.Helper()
				shot(t, tab, fmt.Sprintf("zoom-%dx%d-%s", size.w, size.h, strings.NewReplacer("/", "-", " ", "-", ",", "").Replace(page)))
				for _, p := range browsertest.Eval[[]string](tab, reachJS) {
					t.Errorf("%s, %s: %s", size.name, page, p)
				}
			}
			openViewer(t, tab, base+"/lesson/port-conflict")
			check("lesson")
			cp := uint64(browsertest.Eval[float64](tab, `window.portville.viewer.meta.checkpoints[0]`))
			seekTo(t, tab, tab, cp)
			check("lesson, question open")
			openViewer(t, tab, base+"/lesson/port-conflict?theme=projector")
			check("lesson, projector")
			openViewer(t, tab, base+"/embed/os-differences")
			check("embed")
			openLab(t, tab, base+"/lab")
			check("lab")
			for _, p := range []string{"/", "/join"} {
				tab.Do(chromedp.Navigate(base + p))
				browsertest.Wait(tab, `document.readyState === "complete"`, 10*time.Second)
				check(p)
			}
		})
	}
}

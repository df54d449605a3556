package web

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"portville/sim"
	"portville/sim/lang"
	"portville/sim/lang/catalogues"
	"portville/sim/lessons"
	"portville/web/internal/browsertest"
)

// overflowJS lists what spills out of its box on the page: an HTML
// element whose content is wider than it (and that neither scrolls nor
// ends its text with an ellipsis, the header's lesson title's way), a
// menu too narrow for the option it shows, and
// a label of the town wider than the room, apartment or building it
// starts in.
const overflowJS = `(() => {
  const bad = [];
  const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.className && el.className.baseVal === undefined && el.className ? "." + String(el.className).trim().split(/\s+/).join(".") : "") +
    ": " + JSON.stringify((el.textContent || "").trim().slice(0, 50));
  for (const el of document.querySelectorAll("body *")) {
    if (el.closest("svg, [hidden], .sr-only, noscript, dialog:not([open])")) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    const cs = getComputedStyle(el);
    if (cs.visibility === "hidden" || cs.textOverflow === "ellipsis" || /auto|scroll/.test(cs.overflowX)) continue;
    if (el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1) bad.push(name(el) + " is " + el.scrollWidth + "px wide in " + el.clientWidth + "px");
  }
  // A select clips its chosen option where its box is too narrow, and
  // its scrollWidth does not say so: a copy of it free to take its own
  // width tells how wide the option needs it to be.
  for (const s of document.querySelectorAll("select")) {
    if (s.closest("[hidden], .sr-only, noscript, dialog:not([open])") || s.selectedIndex < 0) continue;
    const r = s.getBoundingClientRect();
    const cs = getComputedStyle(s);
    if (r.width === 0 || cs.visibility === "hidden" || cs.textOverflow === "ellipsis") continue;
    const probe = s.cloneNode(false);
    probe.removeAttribute("id");
    for (const p of ["font", "padding", "border", "letter-spacing", "text-transform", "appearance"]) probe.style.setProperty(p, cs.getPropertyValue(p));
    Object.assign(probe.style, { width: "auto", minWidth: "0", maxWidth: "none", flex: "none", position: "absolute", visibility: "hidden", left: "0", top: "0" });
    probe.append(s.options[s.selectedIndex].cloneNode(true));
    s.parentNode.append(probe);
    const need = probe.getBoundingClientRect().width;
    probe.remove();
    if (need > r.width + 1) bad.push(name(s).replace(/: .*/, "") + " shows " + JSON.stringify(s.options[s.selectedIndex].text) + " in " + Math.round(r.width) + "px, which needs " + Math.round(need) + "px");
  }
  for (const b of document.querySelectorAll("#scene g.building")) {
    const rects = [...b.querySelectorAll("rect")].map((x) => x.getBoundingClientRect()).filter((x) => x.width > 20 && x.height > 10);
    for (const t of b.querySelectorAll("text")) {
      const tr = t.getBoundingClientRect();
      if (tr.width === 0) continue;
      const inside = rects.filter((x) => tr.left >= x.left - 1 && tr.left <= x.right && tr.top + tr.height / 2 >= x.top && tr.top + tr.height / 2 <= x.bottom);
      if (!inside.length) continue;
      const box = inside.reduce((a, x) => (x.width * x.height < a.width * a.height ? x : a));
      if (tr.right > box.right + 1) bad.push("svg text " + JSON.stringify(t.textContent) + " ends " + Math.round(tr.right - box.right) + "px past its box");
    }
  }
  return bad;
})()`

// pageWordsJS is every word the page shows or says: its visible text, the
// town's words for a screen reader, the announcements, and the labels,
// titles and placeholders of its elements.
const pageWordsJS = `(() => {
  const out = [document.body.innerText];
  for (const id of ["town-text", "announce", "announce-now"]) {
    const el = document.getElementById(id);
    if (el) out.push(el.textContent);
  }
  for (const el of document.querySelectorAll("[aria-label], [title], [placeholder], [alt]"))
    for (const a of ["aria-label", "title", "placeholder", "alt"]) if (el.hasAttribute(a)) out.push(el.getAttribute(a));
  for (const el of document.querySelectorAll("svg title, svg text, option")) out.push(el.textContent);
  return out.join("\n");
})()`

// labelsJS lists the short texts of the page: the town's labels,
// buttons, headings, options, table headings and summaries.
const labelsJS = `[...document.querySelectorAll("svg text, button, h1, h2, h3, option, th, summary, label, .room-title")]
  .filter((el) => !el.closest("[hidden], .sr-only"))
  .map((el) => el.textContent.trim()).filter((s) => s && s.length < 40)`

// translates reports whether s is also some ui string's translation in c
// (then its showing is no sign of English: "Pause" is German too).
func translates(c *lang.Catalogue, s string) bool {
	for _, tr := range c.UI() {
		if tr == s {
			return true
		}
	}
	return false
}

// englishNeedles are pieces of English a page in c must not show: every
// ui string and narration sentence c translates differently, as runs of
// three words or more between its placeholders, and every sentence of
// the lesson.
func englishNeedles(t *testing.T, c *lang.Catalogue, lessonID string) []string {
	var out []string
	ph := regexp.MustCompile(`\{[a-zA-Z_]+\}|%[-+# 0]*\d*(?:\.\d+)?[a-zA-Z%]`)
	pieces := func(en string) {
		for _, p := range ph.Split(en, -1) {
			p = strings.TrimSpace(strings.Trim(p, ".,:;()\"“”"))
			if len(strings.Fields(p)) >= 3 {
				out = append(out, p)
			}
		}
	}
	for en, tr := range c.UI() {
		if tr != en {
			pieces(en)
		}
	}
	for key, en := range sim.Catalogue {
		tr := c.Narration()[key]
		if tr.Text != en.Text {
			pieces(en.Text)
		}
		if tr.Analogy != en.Analogy {
			pieces(en.Analogy)
		}
	}
	l, err := lessons.Get(lessonID)
	if err != nil {
		t.Fatal(err)
	}
	for _, en := range l.Scenario.Texts() {
		if c.Sim().Text(en) != en {
			pieces(en)
		}
	}
	return out
}

// checkLanguage fails for every overflow and every piece of English on
// the tab's page.
func checkLanguage(t *testing.T, tab *browsertest.Tab, c *lang.Catalogue, needles []string, where string) {
	t.Helper()
	for _, o := range browsertest.Eval[[]string](tab, overflowJS) {
		t.Errorf("%s: %s", where, o)
	}
	words := browsertest.Eval[string](tab, pageWordsJS)
	for _, n := range needles {
		if strings.Contains(words, n) {
			t.Errorf("%s: English left on the page: %q", where, n)
		}
	}
	// Short labels (a word or two) are checked whole: no label of the
	// town, no button, heading or option is a ui string's English.
	labels := browsertest.Eval[[]string](tab, labelsJS)
	for _, l := range labels {
		if tr, ok := c.UI()[l]; ok && tr != l && !translates(c, l) {
			t.Errorf("%s: the label %q is English (%s: %q)", where, l, c.Code, tr)
		}
	}
	if got := browsertest.Eval[string](tab, `document.documentElement.lang`); got != c.Code {
		t.Errorf("%s: <html lang=%q>, want %q", where, got, c.Code)
	}
}

// TestBrowserLanguages plays a lesson in each language, on a lesson's
// page at 1280x720 and in an 800x450 embed, and at its start, a question,
// the answer and its end finds no box that its words overflow and no
// English left; the picker and the join form too.
func TestBrowserLanguages(t *testing.T) {
	base := browserServer(t, fastHold)
	const id = "os-differences"
	for _, code := range catalogues.Codes[1:] {
		c := catalogues.Get(code)
		needles := englishNeedles(t, c, id)
		if len(needles) < 200 {
			t.Fatalf("%s: only %d English needles: the check is broken", code, len(needles))
		}
		t.Run(code, func(t *testing.T) {
			for _, page := range []struct {
				path string
				w, h int64
			}{{"/lesson/" + id, 1280, 720}, {"/embed/" + id, 800, 450}} {
				tab := browsertest.New(t, browsertest.Options{Width: page.w, Height: page.h})
				where := fmt.Sprintf("%s %s at %dx%d", code, page.path, page.w, page.h)
				openViewer(t, tab, base+page.path+"?lang="+code)
				checkLanguage(t, tab, c, needles, where+", start")
				shot(t, tab, fmt.Sprintf("lang-%s-%s-%d-start", code, id, page.w))
				cps := browsertest.Eval[[]float64](tab, `window.portville.viewer.meta.checkpoints`)
				if len(cps) == 0 {
					t.Fatal("the lesson has no question")
				}
				seekTo(t, tab, tab, uint64(cps[0]))
				browsertest.Wait(tab, `!document.getElementById("checkpoint").hidden`, 10*time.Second)
				checkLanguage(t, tab, c, needles, where+", first question")
				shot(t, tab, fmt.Sprintf("lang-%s-%s-%d-question", code, id, page.w))
				// The answer comes a few events later.
				total := browsertest.Eval[float64](tab, `window.portville.viewer.meta.total`)
				seekTo(t, tab, tab, uint64(min(cps[0]+6, total)))
				checkLanguage(t, tab, c, needles, where+", after the first question")
				seekTo(t, tab, tab, uint64(total))
				checkLanguage(t, tab, c, needles, where+", end")
				shot(t, tab, fmt.Sprintf("lang-%s-%s-%d-end", code, id, page.w))
				captions := browsertest.Eval[string](tab, `document.getElementById("captions").innerText`)
				if strings.TrimSpace(captions) == "" {
					t.Errorf("%s: no caption at the end", where)
				}
			}
			tab := browsertest.New(t, browsertest.Options{})
			for _, p := range []string{"/", "/join", "/lab"} {
				tab.Do(chromedp.Navigate(base + p + "?lang=" + code))
				browsertest.Wait(tab, `document.readyState === "complete" && (!document.getElementById("app") || (window.portville && window.portville.viewer.meta !== null))`, 20*time.Second)
				checkLanguage(t, tab, c, needles[:0:0], code+" "+p)
				words := browsertest.Eval[string](tab, pageWordsJS)
				for en, tr := range c.UI() {
					if tr != en && len(strings.Fields(en)) >= 3 && !strings.ContainsAny(en, "{%") && strings.Contains(words, en) {
						t.Errorf("%s %s: English left: %q", code, p, en)
					}
				}
			}
		})
	}
}

// TestBrowserLanguageSwitch: the picker's menu reloads the page in the
// language picked, keeps the page's settings, and the websocket's
// session speaks it.
func TestBrowserLanguageSwitch(t *testing.T) {
	base := browserServer(t, fastHold)
	tab := browsertest.New(t, browsertest.Options{})
	openViewer(t, tab, base+"/lesson/sockets?theme=dark")
	code := catalogues.Codes[1]
	c := catalogues.Get(code)
	browsertest.Eval[bool](tab, fmt.Sprintf(`(() => { const s = document.getElementById("lang-select"); s.value = %q; s.dispatchEvent(new Event("change")); return true; })()`, code))
	// The page reloads: wait for the new one.
	tab.Do(chromedp.Sleep(300 * time.Millisecond))
	tab.Do(chromedp.WaitReady(chromedp.CSS("#app")))
	browsertest.Wait(tab, fmt.Sprintf(`location.search.includes("lang=%s") && window.portville && window.portville.viewer.meta !== null`, code), 20*time.Second)
	if got := browsertest.Eval[string](tab, `new URLSearchParams(location.search).get("theme")`); got != "dark" {
		t.Errorf("after the switch ?theme=%q, want dark", got)
	}
	want := c.Sim().Text("Sockets")
	if got := browsertest.Eval[string](tab, `window.portville.viewer.meta.title`); got != want {
		t.Errorf("the session's lesson title is %q, want %q", got, want)
	}
	// A link to another lesson keeps the language.
	href := browsertest.Eval[string](tab, `(async () => (await import(document.querySelector('script[type=module]').src.replace('app.js', 'page.js'))).lessonURL("addressing"))()`)
	if !strings.Contains(href, "lang="+code) {
		t.Errorf("lessonURL gives %q, without lang=%s", href, code)
	}
}

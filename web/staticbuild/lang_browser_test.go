package staticbuild

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"portville/sim"
	"portville/sim/lang/catalogues"
	"portville/sim/lessons"
	"portville/sim/scenario"
	"portville/sim/timeline"
	"portville/web/internal/browsertest"
)

// TestStaticLanguages: every language's folder of the static build plays
// a lesson in that language: the page is in it (<html lang>, its title),
// the module narrates every event and names every thread's job in it
// (the world at each stop is the simulator's in that language, after
// seeks and steps back too), and the language menu opens the same page
// in another language, keeping the page's settings.
func TestStaticLanguages(t *testing.T) {
	base := serveDir(t, siteDir(t))
	const id = "programs-processes-threads" // threads with jobs
	l, err := lessons.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range catalogues.Codes[1:] {
		t.Run(code, func(t *testing.T) {
			c := catalogues.Get(code)
			tl, err := timeline.Build(id, l.Scenario, scenario.Options{Lang: c.Sim()})
			if err != nil {
				t.Fatal(err)
			}
			if tl.Info.Title == l.Title() {
				t.Fatalf("%s has no title for %s", code, id)
			}
			tab := browsertest.New(t, browsertest.Options{Width: 1280, Height: 720})
			tab.Do(chromedp.Navigate(base + "/" + code + "/lesson/" + id + ".html?os=linux"))
			p := &pageDriver{t: t, tab: tab, name: code + "/lesson/" + id}
			p.wait(`!!(window.portville && window.portville.viewer.meta) && document.querySelectorAll("#scene .building").length > 0`, openWait)
			if got := browsertest.Eval[string](tab, `document.documentElement.lang`); got != code {
				t.Errorf("<html lang=%q>, want %q", got, code)
			}
			if got := browsertest.Eval[string](tab, `document.querySelector("h1.lesson-title").textContent`); got != tl.Info.Title {
				t.Errorf("the page's title is %q, want %q", got, tl.Info.Title)
			}
			p.playThrough(tl)
			// The jobs the world shows are the language's: seek to where
			// the spell-checker runs.
			spell := c.Sim().Text("check spelling")
			var at uint64
			for seq := uint64(1); seq <= tl.Total() && at == 0; seq++ {
				var e sim.Event
				json.Unmarshal(tl.Event(seq), &e)
				if e.Kind == sim.KindThreadStart && e.Job == spell {
					at = seq
				}
			}
			if at == 0 {
				t.Fatalf("no event starts the thread %q", spell)
			}
			p.send(fmt.Sprintf(`{type: "seek", seq: %d}`, at+1))
			p.checkState(tl, at+1, "a seek to the spell-checker")
			var state sim.Snapshot
			if err := json.Unmarshal(p.eval(`window.portville.state()`), &state); err != nil {
				t.Fatal(err)
			}
			found := false
			for _, h := range state.Hosts {
				for _, pr := range h.Processes {
					for _, th := range pr.Threads {
						found = found || th.Job == spell
						if th.Job == "check spelling" {
							t.Errorf("a thread's job is English: %q", th.Job)
						}
					}
				}
			}
			if !found {
				t.Errorf("no thread's job is %q after event %d", spell, at)
			}
			p.send(`{type: "restart"}`)
			p.checkState(tl, tl.Info.Start, "a restart")
			captions := browsertest.Eval[string](tab, `document.getElementById("captions").innerText`)
			var first sim.Event
			json.Unmarshal(tl.Event(tl.Info.Start), &first)
			if !strings.Contains(captions, first.Text) && !strings.Contains(captions, first.Analogy) {
				t.Errorf("the caption at the start is %q, want the event's %q", captions, first.Text)
			}
			noConsoleErrors(t, tab)
			// The menu: English, the same lesson, the same settings.
			browsertest.Eval[bool](tab, `(() => { const s = document.getElementById("lang-select"); s.value = "en"; s.dispatchEvent(new Event("change")); return true; })()`)
			want := "/lesson/" + id + ".html?os=linux en"
			var got string
			for end := time.Now().Add(20 * time.Second); time.Now().Before(end) && got != want; {
				time.Sleep(200 * time.Millisecond)
				// The page is navigating: an evaluation may fail meanwhile.
				if v, err := chromedp.Run(tab.Ctx, chromedp.Evaluate[string](`location.pathname + location.search + " " + document.documentElement.lang`)); err == nil {
					got = v
				}
			}
			if got != want {
				t.Errorf("the menu's English opened %q, want %q", got, want)
			}
		})
	}
	// Each language's lesson list is in it.
	tab := browsertest.New(t, browsertest.Options{})
	for _, code := range catalogues.Codes[1:] {
		c := catalogues.Get(code)
		tab.Do(chromedp.Navigate(base + "/" + code + "/index.html"))
		browsertest.Wait(tab, `document.readyState === "complete"`, 20*time.Second)
		got := browsertest.Eval[string](tab, `document.querySelector(".lesson-title").textContent`)
		if want := c.Sim().Text(l.Title()); !strings.Contains(got, want) {
			t.Errorf("%s/index.html: first lesson %q, want %q", code, got, want)
		}
		href := browsertest.Eval[string](tab, `document.querySelector(".lesson-link").href`)
		if !strings.Contains(href, "/"+code+"/lesson/") {
			t.Errorf("%s/index.html links to %s, outside its language", code, href)
		}
	}
}

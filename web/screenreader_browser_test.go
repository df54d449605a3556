package web

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"portville/sim"
	"portville/web/internal/browsertest"
)

// TestBrowserScreenReader (issue 14): what a screen reader hears. A step's
// caption is put in the polite live region; a lesson played at 8x is
// announced at most once a second (and still announced); the town's words
// list every apartment the picture draws, per building, after each move;
// a question is announced at once with its choices.
func TestBrowserScreenReader(t *testing.T) {
	base := browserServer(t, nil)
	tab := browsertest.New(t, browsertest.Options{})
	openViewer(t, tab, base+"/lesson/port-conflict")
	if live := browsertest.Eval[string](tab, `document.getElementById("captions").getAttribute("aria-live") || ""`); live != "" && live != "off" {
		t.Errorf("the caption box is a live region (%s): playing fast it would flood a screen reader", live)
	}
	start := browsertest.Eval[float64](tab, `window.portville.seq()`)
	browsertest.Eval[bool](tab, `window.portville.viewer.send({type: "step"}), true`)
	browsertest.Wait(tab, fmt.Sprintf(`window.portville.seq() === %v`, start+1), 10*time.Second)
	browsertest.Wait(tab, fmt.Sprintf(`document.getElementById("announce").textContent.startsWith("Step %v: ")`, start+1), 5*time.Second)
	said := browsertest.Eval[string](tab, `document.getElementById("announce").textContent`)
	shown := browsertest.Eval[string](tab, `[...document.querySelectorAll("#captions .analogy")].map((e) => e.textContent).find((x) => document.getElementById("announce").textContent.includes(x)) || document.querySelector("#captions .analogy").textContent`)
	if !strings.Contains(said, shown) {
		t.Errorf("announced %q; the caption shows %q", said, shown)
	}

	// Played fast (25 events a second, past the last question of a long
	// lesson): the announcements, with their times.
	fast := browserServer(t, func(sim.Kind) time.Duration { return 40 * time.Millisecond })
	openViewer(t, tab, fast+"/lesson/many-clients-one-port")
	last := browsertest.Eval[float64](tab, `window.portville.viewer.meta.checkpoints.at(-1)`)
	seekTo(t, tab, tab, uint64(last)+1)
	browsertest.Eval[bool](tab, `window.__said = []; new MutationObserver(() => window.__said.push([performance.now(), document.getElementById("announce").textContent])).observe(document.getElementById("announce"), { childList: true, characterData: true, subtree: true }); true`)
	browsertest.Eval[bool](tab, `window.portville.viewer.send({type: "play"}), true`)
	browsertest.Wait(tab, `!window.portville.playback().playing && window.portville.seq() === window.portville.playback().total`, 20*time.Second)
	browsertest.Eval[bool](tab, `new Promise((r) => setTimeout(() => r(true), 1100))`)
	var times []float64
	var texts []string
	var raw [][2]any
	json.Unmarshal([]byte(browsertest.Eval[string](tab, `JSON.stringify(window.__said)`)), &raw)
	for _, r := range raw {
		times = append(times, r[0].(float64))
		texts = append(texts, r[1].(string))
	}
	played := browsertest.Eval[float64](tab, `window.portville.seq()`) - last - 1
	t.Logf("played %v events at 25 a second; %d announcements", played, len(times))
	if len(times) < 2 {
		t.Errorf("%d announcements while %v events played: the captions are not read out", len(times), played)
	}
	for i := 1; i < len(times); i++ {
		if gap := times[i] - times[i-1]; gap < 950 {
			t.Errorf("announcements %q and %q %.0f ms apart; want at most one a second", texts[i-1], texts[i], gap)
		}
	}

	if n := len(texts); n > 0 && !strings.HasPrefix(texts[n-1], fmt.Sprintf("Step %v: ", browsertest.Eval[float64](tab, `window.portville.seq()`))) {
		t.Errorf("the last announcement is %q, not the last step's", texts[n-1])
	}

	// The town in words matches the picture, building by building.
	openViewer(t, tab, base+"/lesson/port-conflict")
	for _, seq := range []float64{start + 5, start + 30, start} {
		seekTo(t, tab, tab, uint64(seq))
		browsertest.Eval[bool](tab, `new Promise((r) => setTimeout(() => r(true), 300))`)
		picture := browsertest.Eval[map[string][]string](tab, `(() => {
  const out = {};
  for (const b of document.querySelectorAll("#scene .building")) out[b.dataset.host] = [...b.querySelectorAll(".apt:not(.leaving)")].map((a) => a.dataset.proto.toUpperCase() + " " + a.dataset.port).sort();
  return out;
})()`)
		words := browsertest.Eval[map[string][]string](tab, `(() => {
  const out = {};
  for (const li of document.querySelectorAll("#town-text > ul > li")) {
    const m = li.firstChild.textContent.match(/^Building (\S+) at/);
    if (m) out[m[1]] = [...li.querySelectorAll("li")].map((x) => x.textContent.match(/^Apartment (\w+ \d+)/)[1]).sort();
  }
  return out;
})()`)
		if fmt.Sprint(picture) != fmt.Sprint(words) {
			t.Errorf("at event %v the picture has apartments %v, the town's words %v", seq, picture, words)
		}
	}

	// A question: announced at once, with its choices.
	cp := browsertest.Eval[float64](tab, `window.portville.viewer.meta.checkpoints[0]`)
	seekTo(t, tab, tab, uint64(cp))
	browsertest.Wait(tab, `document.getElementById("announce-now").textContent.startsWith("Question 1 for the class: ")`, 5*time.Second)
	asked := browsertest.Eval[string](tab, `document.getElementById("announce-now").textContent`)
	q := browsertest.Eval[string](tab, `document.querySelector("#checkpoint .cp-question").textContent`)
	choices := browsertest.Eval[[]string](tab, `[...document.querySelectorAll("#checkpoint .cp-text")].map((e) => e.textContent)`)
	if !strings.Contains(asked, q) {
		t.Errorf("announced %q, without the question %q", asked, q)
	}
	for _, c := range choices {
		if !strings.Contains(asked, c) {
			t.Errorf("announced %q, without the choice %q", asked, c)
		}
	}
	if errs := tab.ConsoleErrors(); len(errs) > 0 {
		t.Errorf("console errors: %v", errs)
	}
}

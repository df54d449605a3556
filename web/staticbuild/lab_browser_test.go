package staticbuild

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"portville/sim"
	"portville/sim/lab"
	"portville/sim/scenario"
	"portville/web/internal/browsertest"
)

// TestStaticLab: lab.html runs the lab in WebAssembly as the server runs
// it: typed commands print what the Go interpreter prints (the same
// transcript, byte for byte), the port curl prints is the laptop's
// apartment, undo takes it back, the saved scenario replays to the page's
// events, and lab.html?lesson=ID opens on a lesson's town.
func TestStaticLab(t *testing.T) {
	base := serveDir(t, siteDir(t))
	tab := browsertest.New(t, browsertest.Options{Width: 1280, Height: 720})
	tab.Do(chromedp.Navigate(base + "/lab.html"))
	p := &pageDriver{t: t, tab: tab, name: "lab.html"}
	p.wait(`!!(window.portville && window.portville.viewer.lab && window.portville.viewer.lab.info) && document.querySelectorAll(".term-tab").length === 2`, openWait)
	typeLine := func(host, line string) {
		t.Helper()
		var n int
		json.Unmarshal(p.eval(`window.portville.viewer.lab.info.entries.length`), &n)
		tab.Do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`.term-tab[data-host=%q]`, host))))
		tab.Do(chromedp.SendKeys("#term-input", line+kb.Enter))
		p.wait(fmt.Sprintf(`window.portville.viewer.lab.info.entries.length === %d`, n+1), moveWait)
	}
	settled := func() {
		t.Helper()
		p.wait(browsertest.LabSettled, 30*time.Second)
		// The terminals draw at the next animation frame.
		browsertest.Eval[bool](tab, `new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))`)
	}
	script := "web$ nginx\nlaptop$ curl -s -o /dev/null -w '%{local_port}\\n' http://web/\nlaptop$ nc web 7000\nweb$ ss -tlnp\n"
	inputs, err := lab.ParseScript(script)
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range inputs {
		typeLine(in.Host, in.Line)
	}
	settled()
	// The page's entries are the Go lab's: same output, same events.
	want, err := lab.Replay(lab.DefaultTown(), "", lab.Options{}, inputs)
	if err != nil {
		t.Fatal(err)
	}
	var got []lab.Entry
	if err := json.Unmarshal(p.eval(`window.portville.viewer.lab.info.entries`), &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want.Entries()) {
		t.Fatalf("the page has %d entries, the Go lab %d", len(got), len(want.Entries()))
	}
	for i, e := range want.Entries() {
		a, _ := json.Marshal(e)
		b, _ := json.Marshal(got[i])
		if string(a) != string(b) {
			t.Errorf("entry %d differs:\npage: %s\ngo:   %s", i+1, b, a)
		}
	}
	var text string
	json.Unmarshal(p.eval(`(document.querySelector('.term-tab[data-host="laptop"]').click(), document.getElementById("term-screen").textContent)`), &text)
	m := regexp.MustCompile(`(?m)^(\d{4,5})$`).FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("curl printed no port:\n%s", text)
	}
	var onScreen string
	json.Unmarshal(p.eval(`document.getElementById("b-laptop").textContent`), &onScreen)
	if !strings.Contains(onScreen, m[1]) {
		t.Errorf("curl printed port %s; the laptop's building shows %q", m[1], onScreen)
	}
	// Undo twice: the ss, then the nc still attached (its entry comes
	// off; the laptop's terminal is the shell again).
	for i := 0; i < 2; i++ {
		p.eval(`window.portville.viewer.lab.undo(), true`)
	}
	p.wait(`window.portville.viewer.lab.info.entries.length === 2`, moveWait)
	settled()
	var prompt string
	json.Unmarshal(p.eval(`window.portville.viewer.lab.info.hosts[0].prompt`), &prompt)
	if prompt != "laptop$ " {
		t.Errorf("after undo the laptop's prompt is %q", prompt)
	}
	// Save as scenario: it replays to the page's events.
	p.eval(`window.__saved = null; window.portville.viewer.lab.download = (y) => { window.__saved = y; }; document.querySelector(".lab-save").click(), true`)
	p.wait(`window.__saved !== null`, moveWait)
	var yaml string
	json.Unmarshal(p.eval(`window.__saved`), &yaml)
	sc, err := scenario.Parse("lab.yaml", []byte(yaml))
	if err != nil {
		t.Fatalf("the saved scenario does not parse: %v\n%s", err, yaml)
	}
	var n float64
	if _, err := sc.Run(scenario.Options{OnEvent: func(*sim.Event) { n++ }}); err != nil {
		t.Fatal(err)
	}
	var total float64
	json.Unmarshal(p.eval(`window.portville.playback().total`), &total)
	if n != total {
		t.Errorf("the saved scenario replays %v events; the page has %v", n, total)
	}
	noConsoleErrors(t, tab)

	// A lesson's town.
	other := browsertest.New(t, browsertest.Options{Width: 1280, Height: 720})
	other.Do(chromedp.Navigate(base + "/lab.html?lesson=ephemeral-ports&os=macos"))
	q := &pageDriver{t: t, tab: other, name: "lab.html?lesson=ephemeral-ports"}
	q.wait(`!!(window.portville && window.portville.viewer.lab && window.portville.viewer.lab.info) && window.portville.viewer.meta.os === "macos"`, openWait)
	var title string
	json.Unmarshal(q.eval(`document.querySelector(".viewer-header .lesson-title").textContent`), &title)
	if title != "Lab: Ephemeral ports" {
		t.Errorf("lab.html?lesson=ephemeral-ports is titled %q", title)
	}
	noConsoleErrors(t, other)
}

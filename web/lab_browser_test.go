package web

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/device"
	"github.com/chromedp/chromedp/kb"

	"portville/sim"
	"portville/sim/scenario"
	"portville/web/internal/browsertest"
)

// shotsEnv names the directory shot saves into (make shots sets it).
const shotsEnv = "PORTVILLE_SHOTS"

// shot saves a screenshot into $PORTVILLE_SHOTS when it is set, for a
// person to look at the page (make shots).
func shot(t *testing.T, tab *browsertest.Tab, name string) {
	dir := os.Getenv(shotsEnv)
	if dir == "" {
		return
	}
	buf, err := chromedp.Run(tab.Ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return
	}
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, name+".png"), buf, 0o644)
}

// openLab loads a lab page and waits for its terminals.
func openLab(t *testing.T, tab *browsertest.Tab, url string) {
	t.Helper()
	openViewer(t, tab, url)
	browsertest.Wait(tab, `document.querySelectorAll(".term-tab").length > 0`, 10*time.Second)
}

// termText returns what the terminal on screen shows.
const termTextJS = `document.getElementById("term-screen").textContent`

// typeInto types a line into the terminal of a host, as a learner does:
// a click on the building's tab, the keys, Enter. It waits for the
// entry to come back from the session.
func typeInto(t *testing.T, tab *browsertest.Tab, host, line string) {
	t.Helper()
	n := browsertest.Eval[float64](tab, `window.portville.viewer.lab.info.entries.length`)
	tab.Do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`.term-tab[data-host=%q]`, host))))
	tab.Do(chromedp.SendKeys("#term-input", line+kb.Enter))
	browsertest.Wait(tab, fmt.Sprintf(`window.portville.viewer.lab.info.entries.length === %v`, n+1), 10*time.Second)
}

// settled waits until the town has played every event the lab has.
func settled(t *testing.T, tab *browsertest.Tab) {
	t.Helper()
	browsertest.Wait(tab, browsertest.LabSettled, 30*time.Second)
	// The terminals and the log draw at the next animation frame.
	browsertest.Eval[bool](tab, `new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))`)
}

// TestBrowserLab types into the lab as a learner does, on the server's
// transport: the port curl prints is an apartment of the laptop's
// building, undo takes it back, the saved scenario replays, the share
// link reopens the same lab, and a follower of a lab class sees the
// terminals and cannot type.
func TestBrowserLab(t *testing.T) {
	base := browserServer(t, fastHold)
	tab := browsertest.New(t, browsertest.Options{Width: 1280, Height: 720})
	openLab(t, tab, base+"/lab")
	if got := browsertest.Eval[string](tab, `document.querySelector(".term-prompt").textContent`); got != "laptop$ " {
		t.Fatalf("the first terminal's prompt is %q, want laptop$", got)
	}
	// A click on a building opens its terminal.
	tab.Do(chromedp.Click(chromedp.CSS(`#b-web`)))
	browsertest.Wait(tab, `document.querySelector(".term-tab.on").dataset.host === "web" && document.activeElement.id === "term-input"`, 5*time.Second)
	typeInto(t, tab, "web", "nginx")
	typeInto(t, tab, "laptop", `curl -s -o /dev/null -w '%{local_port}\n' http://web/`)
	settled(t, tab)
	shot(t, tab, "lab-curl")
	text := browsertest.Eval[string](tab, termTextJS)
	m := regexp.MustCompile(`(?m)^(\d{4,5})$`).FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("curl printed no port:\n%s", text)
	}
	port := m[1]
	// The apartment with that port stands in the laptop's building (in
	// TIME_WAIT: the laptop closed first), in the model and on screen.
	inModel := browsertest.Eval[bool](tab, fmt.Sprintf(`window.portville.state().hosts.find(h => h.name === "laptop").bindings.some(b => b.port === %s)`, port))
	onScreen := browsertest.Eval[string](tab, `document.getElementById("b-laptop").textContent`)
	if !inModel || !strings.Contains(onScreen, port) {
		t.Errorf("curl printed port %s; the laptop's apartments in the model: %v; on screen: %q", port, inModel, onScreen)
	}
	// A bad command: the shell's message, nothing else.
	total := browsertest.Eval[float64](tab, `window.portville.playback().total`)
	typeInto(t, tab, "laptop", "nc 10.0.0.20 70000")
	browsertest.Wait(tab, `document.getElementById("term-screen").textContent.includes("nc: port number too large: 70000")`, 5*time.Second)
	if got := browsertest.Eval[float64](tab, `window.portville.playback().total`); got != total {
		t.Errorf("a bad command changed the timeline: %v events, want %v", got, total)
	}
	// Undo with Alt-Z (Ctrl-Z is the shell's) takes the bad command back,
	// then the curl: the port leaves the terminal and the town.
	for i := 0; i < 2; i++ {
		n := browsertest.Eval[float64](tab, `window.portville.viewer.lab.info.entries.length`)
		tab.Do(chromedp.Focus("#term-input"), chromedp.KeyEvent("z", chromedp.KeyModifiers(chromedp.ModifierAlt)))
		browsertest.Wait(tab, fmt.Sprintf(`window.portville.viewer.lab.info.entries.length === %v`, n-1), 5*time.Second)
	}
	// The town jumps back (a snapshot) and the terminal draws at the
	// next frame: wait for both, then look.
	gone := fmt.Sprintf(`!document.getElementById("term-screen").textContent.includes("%s") && !window.portville.state().hosts.find(h => h.name === "laptop").bindings.some(b => b.port === %s)`, port, port)
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end) && !browsertest.Eval[bool](tab, gone); {
		time.Sleep(50 * time.Millisecond)
	}
	settled(t, tab)
	if text := browsertest.Eval[string](tab, termTextJS); strings.Contains(text, port) {
		t.Errorf("after undo the terminal still shows port %s:\n%s", port, text)
	}
	if browsertest.Eval[bool](tab, fmt.Sprintf(`window.portville.state().hosts.find(h => h.name === "laptop").bindings.some(b => b.port === %s)`, port)) {
		t.Errorf("after undo the laptop still holds port %s", port)
	}
	// Again, and a shared link reopens the same lab: same terminal text.
	typeInto(t, tab, "laptop", `curl -v http://web/`)
	typeInto(t, tab, "web", `ss -tan`)
	typeInto(t, tab, "laptop", `help`)
	typeInto(t, tab, "laptop", `help`)
	settled(t, tab)
	// Save as scenario: the file portville run replays to the session's
	// events.
	browsertest.Eval[bool](tab, `window.__saved = null; window.portville.viewer.lab.download = (y) => { window.__saved = y; }; true`)
	tab.Do(chromedp.Click(chromedp.CSS(".lab-save")))
	browsertest.Wait(tab, `window.__saved !== null`, 5*time.Second)
	yaml := browsertest.Eval[string](tab, `window.__saved`)
	sc, err := scenario.Parse("lab.yaml", []byte(yaml))
	if err != nil {
		t.Fatalf("the saved scenario does not parse: %v", err)
	}
	var n uint64
	if _, err := sc.Run(scenario.Options{OnEvent: func(*sim.Event) { n++ }}); err != nil {
		t.Fatal(err)
	}
	if want := browsertest.Eval[float64](tab, `window.portville.playback().total`); float64(n) != want {
		t.Errorf("the saved scenario replays %d events, the lab has %v", n, want)
	}
	tab.Do(chromedp.Click(chromedp.CSS(".lab-share")))
	browsertest.Wait(tab, `!!document.querySelector(".lab-share-link")`, 5*time.Second)
	link := browsertest.Eval[string](tab, `document.querySelector(".lab-share-link").value`)
	if !strings.Contains(link, "#lab=") || len(link) > 6500 {
		t.Fatalf("share link %q", link)
	}
	tab.Do(chromedp.Click(chromedp.CSS(`.term-tab[data-host="laptop"]`)))
	want := browsertest.Eval[string](tab, termTextJS)
	// The screen is drawn in blocks of lines; copying it gives its
	// lines, with no blank line where one block meets the next.
	if n := browsertest.Eval[float64](tab, `document.querySelectorAll("#term-screen .term-block").length`); n < 2 {
		t.Errorf("the laptop's %d lines are in %v block(s), want several", strings.Count(want, "\n"), n)
	}
	copied := browsertest.Eval[string](tab, `(() => { const r = document.createRange(); r.selectNodeContents(document.getElementById("term-screen"));
		const sel = getSelection(); sel.removeAllRanges(); sel.addRange(r); const s = sel.toString(); sel.removeAllRanges(); return s; })()`)
	if strings.TrimRight(copied, "\n") != strings.TrimRight(want, "\n") {
		t.Errorf("copying the terminal gives\n%q\nwant\n%q", copied, want)
	}
	other := browsertest.New(t, browsertest.Options{Width: 1280, Height: 720})
	openLab(t, other, link)
	browsertest.Wait(other, `window.portville.viewer.lab.info.entries.length === 5`, 10*time.Second)
	settled(t, other)
	if got := browsertest.Eval[string](other, termTextJS); got != want {
		t.Errorf("the shared lab's laptop terminal differs:\n%s\nwant:\n%s", got, want)
	}
	// The same link on another OS profile runs the lab there: the port
	// curl -v got (in TIME_WAIT on the laptop, which closed first) is from
	// macOS's range, 49152-65535.
	if !strings.Contains(link, "os=linux") {
		t.Fatalf("share link %q does not name its OS", link)
	}
	mac := browsertest.New(t, browsertest.Options{Width: 1280, Height: 720})
	openLab(t, mac, strings.Replace(link, "os=linux", "os=macos", 1))
	browsertest.Wait(mac, `window.portville.viewer.lab.info.entries.length === 5 && window.portville.viewer.meta.os === "macos"`, 10*time.Second)
	settled(t, mac)
	ports := browsertest.Eval[[]float64](mac, `window.portville.state().hosts.find(h => h.name === "laptop").bindings.map(b => b.port)`)
	if len(ports) != 1 || ports[0] < 49152 {
		t.Errorf("on macOS the laptop holds ports %v, want one from 49152-65535", ports)
	}
	for _, tb := range []*browsertest.Tab{tab, other, mac} {
		if errs := tb.ConsoleErrors(); len(errs) > 0 {
			t.Errorf("console errors: %v", errs)
		}
	}
}

// TestBrowserLabClass: a teacher starts a class from a lab; a follower's
// page shows the terminals as the teacher types, read-only.
func TestBrowserLabClass(t *testing.T) {
	base := browserServer(t, fastHold)
	presenter := browsertest.New(t, browsertest.Options{Width: 1280, Height: 720})
	openLab(t, presenter, base+"/lab?lesson=ephemeral-ports")
	presenter.Do(chromedp.Click(chromedp.CSS(".class-start")))
	browsertest.Wait(presenter, `window.portville.viewer.classroom.info !== null`, 10*time.Second)
	code := browsertest.Eval[string](presenter, `window.portville.viewer.classroom.info.code`)
	presenter.Do(chromedp.Click(chromedp.CSS(".join-close")))
	follower := browsertest.New(t, browsertest.Options{Width: 1280, Height: 720})
	openLab(t, follower, base+"/join/"+code)
	if !browsertest.Eval[bool](follower, `document.getElementById("term-input").disabled`) {
		t.Error("a follower can type into the class's lab")
	}
	typeInto(t, presenter, "web", "nginx")
	typeInto(t, presenter, "laptop", "curl -v http://web/")
	settled(t, presenter)
	follower.Do(chromedp.Click(chromedp.CSS(`.term-tab[data-host="laptop"]`)))
	browsertest.Wait(follower, `document.getElementById("term-screen").textContent.includes("left intact")`, 10*time.Second)
	shot(t, follower, "lab-follower")
	if a, b := browsertest.Eval[string](presenter, termTextJS), browsertest.Eval[string](follower, termTextJS); a != b {
		t.Errorf("the follower's laptop terminal differs from the teacher's:\n%s\n---\n%s", b, a)
	}
	for _, tb := range []*browsertest.Tab{presenter, follower} {
		if errs := tb.ConsoleErrors(); len(errs) > 0 {
			t.Errorf("console errors: %v", errs)
		}
	}
}

// TestBrowserLabSizes opens the lab as a class sees it: on the projector
// (1280x720, large type) the terminal stays beside the town; on a phone
// (390x844, device emulation) it sits under the town with room for some
// lines, its prompt on screen, and the tools on one line each. Before
// the first command the captions say what to do, not how the town was
// set up.
func TestBrowserLabSizes(t *testing.T) {
	base := browserServer(t, fastHold)
	proj := browsertest.New(t, browsertest.Options{Width: 1280, Height: 720})
	openLab(t, proj, base+"/lab?theme=projector")
	if got := browsertest.Eval[string](proj, `document.querySelector(".captions").textContent`); !strings.Contains(got, "Your town is ready") {
		t.Errorf("an empty lab's captions say %q, want what to do first", got)
	}
	typeInto(t, proj, "web", "nginx")
	typeInto(t, proj, "laptop", `curl -v http://web/`)
	typeInto(t, proj, "web", `ss -tanp`)
	settled(t, proj)
	shot(t, proj, "lab-projector")
	// The terminal is beside the town, in type the back row reads, and
	// ss's long lines wrap rather than run off the edge.
	geo := browsertest.Eval[map[string]float64](proj, `(() => {
		const s = document.getElementById("term-screen"), town = document.getElementById("stage").getBoundingClientRect(), r = s.getBoundingClientRect();
		return { font: parseFloat(getComputedStyle(s).fontSize), left: r.left, townRight: town.right, overflow: s.scrollWidth - s.clientWidth };
	})()`)
	if geo["font"] < 16 || geo["left"] < geo["townRight"]-1 || geo["overflow"] > 0 {
		t.Errorf("projector: terminal font %vpx (want >= 16), left %v (town ends at %v), %v px cut off at the right", geo["font"], geo["left"], geo["townRight"], geo["overflow"])
	}

	phone := browsertest.New(t, browsertest.Options{Width: 390, Height: 844})
	phone.Do(chromedp.Emulate(device.IPhone12))
	openLab(t, phone, base+"/lab")
	typeInto(t, phone, "web", "nginx")
	typeInto(t, phone, "laptop", `curl -s -o /dev/null -w '%{local_port}\n' http://web/`)
	settled(t, phone)
	shot(t, phone, "lab-phone")
	geo = browsertest.Eval[map[string]float64](phone, `(() => {
		const s = document.getElementById("term-screen"), line = parseFloat(getComputedStyle(s).lineHeight);
		const input = document.getElementById("term-input").getBoundingClientRect(), town = document.getElementById("stage").getBoundingClientRect();
		const btn = document.querySelector(".lab-undo").getBoundingClientRect().height;
		return { lines: s.clientHeight / line, inputBottom: input.bottom, vh: innerHeight, townBottom: town.bottom, top: s.getBoundingClientRect().top,
			actions: document.querySelector(".lab-actions").getBoundingClientRect().height / btn, townHeight: town.height };
	})()`)
	if geo["lines"] < 5 || geo["inputBottom"] > geo["vh"] || geo["top"] < geo["townBottom"] || geo["actions"] > 1.5 || geo["townHeight"] < 150 {
		t.Errorf("phone: the terminal shows %.1f lines (want >= 5), prompt bottom %v of %v, top %v under the town's bottom %v (town %v px high, want >= 150), tools %.1f buttons high (want one line)",
			geo["lines"], geo["inputBottom"], geo["vh"], geo["top"], geo["townBottom"], geo["townHeight"], geo["actions"])
	}
}

package web

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"portville/web/internal/browsertest"
)

// TestBrowserLabOSTerminal: on a phone, a Windows host's terminal shows
// PowerShell's prompt whole beside the input, netstat -ano answers in
// Windows's columns, a command Windows lacks says so, and the line typed
// at the prompt comes back with the up arrow (the entry is marked as the
// shell's, whatever its prompt looks like).
func TestBrowserLabOSTerminal(t *testing.T) {
	base := browserServer(t, fastHold)
	tab := browsertest.New(t, browsertest.Options{Width: 390, Height: 844})
	openLab(t, tab, base+"/lab?os=windows")
	if got := browsertest.Eval[string](tab, `document.querySelector(".term-prompt").textContent`); got != `PS C:\Windows\system32> ` {
		t.Fatalf("a Windows host's prompt is %q", got)
	}
	typeInto(t, tab, "web", "nginx")
	typeInto(t, tab, "web", "netstat -ano")
	typeInto(t, tab, "web", "ss -tan")
	settled(t, tab)
	shot(t, tab, "lab-windows-phone")
	text := browsertest.Eval[string](tab, termTextJS)
	for _, want := range []string{"Active Connections", "LISTENING", "ss: The term 'ss' is not recognized", "lab: Windows 11 has no ss"} {
		if !strings.Contains(text, want) {
			t.Errorf("the terminal does not show %q:\n%s", want, text)
		}
	}
	// The lab's word is set apart from what the real shell says.
	lab := browsertest.Eval[[]string](tab, `[...document.querySelectorAll("#term-screen .term-lab")].map((s) => s.textContent)`)
	if len(lab) == 0 || !strings.HasPrefix(lab[len(lab)-1], "lab: Windows 11 has no ss") {
		t.Errorf("the lab's lines on screen: %q", lab)
	}
	for _, l := range lab {
		if !strings.HasPrefix(l, "lab: ") {
			t.Errorf("a line of the real tool's is set as the lab's: %q", l)
		}
	}
	for _, o := range browsertest.Eval[[]string](tab, overflowJS) {
		// The scene is a camera on a wider town: it clips on purpose.
		if !strings.HasPrefix(o, "div.scene-box") {
			t.Errorf("on a phone, overflows its box: %s", o)
		}
	}
	if w := browsertest.Eval[float64](tab, `document.getElementById("term-input").getBoundingClientRect().width`); w < 120 {
		t.Errorf("beside PowerShell's prompt, the input is %v px wide", w)
	}
	tab.Do(chromedp.Focus("#term-input"), chromedp.KeyEvent(kb.ArrowUp))
	browsertest.Wait(tab, `document.getElementById("term-input").value === "ss -tan"`, 5*time.Second)
}

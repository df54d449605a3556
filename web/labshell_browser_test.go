package web

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"portville/web/internal/browsertest"
)

// TestBrowserLabJobControl: Ctrl-Z in the terminal stops the program in
// the foreground as a real terminal does (bash's Stopped line, the prompt
// back, the connection still in the town), fg gives the terminal back,
// and a pipe's filtered output shows; Alt-Z, not Ctrl-Z, is the undo.
func TestBrowserLabJobControl(t *testing.T) {
	base := browserServer(t, fastHold)
	tab := browsertest.New(t, browsertest.Options{Width: 1280, Height: 720})
	openLab(t, tab, base+"/lab")
	typeInto(t, tab, "web", "nginx")
	typeInto(t, tab, "laptop", "nc web 80")
	settled(t, tab)
	prompt := `document.querySelector(".term-prompt").textContent`
	if got := browsertest.Eval[string](tab, prompt); got != "" {
		t.Fatalf("attached to nc, the prompt is %q, want none", got)
	}
	n := browsertest.Eval[float64](tab, `window.portville.viewer.lab.info.entries.length`)
	tab.Do(chromedp.Focus("#term-input"), chromedp.KeyEvent("z", chromedp.KeyModifiers(chromedp.ModifierCtrl)))
	browsertest.Wait(tab, fmt.Sprintf(`window.portville.viewer.lab.info.entries.length === %v`, n+1), 5*time.Second)
	settled(t, tab)
	text := browsertest.Eval[string](tab, termTextJS)
	if !strings.Contains(text, "^Z") || !strings.Contains(text, "[1]+  Stopped                 nc web 80") {
		t.Errorf("after Ctrl-Z the terminal shows:\n%s\nwant ^Z and bash's Stopped line", text)
	}
	if got := browsertest.Eval[string](tab, prompt); got != "laptop$ " {
		t.Errorf("after Ctrl-Z the prompt is %q, want laptop$ ", got)
	}
	typeInto(t, tab, "laptop", "ss -tn | grep -c ESTAB")
	settled(t, tab)
	if text := browsertest.Eval[string](tab, termTextJS); !strings.Contains(text, "ss -tn | grep -c ESTAB\n1\n") {
		t.Errorf("the stopped nc's connection is not counted:\n%s", text)
	}
	shot(t, tab, "lab-job-control")
	typeInto(t, tab, "laptop", "fg")
	settled(t, tab)
	if got := browsertest.Eval[string](tab, prompt); got != "" {
		t.Errorf("after fg the prompt is %q, want none (nc has the terminal)", got)
	}
	// Alt-Z takes fg back: the job is stopped again, the prompt is back.
	n = browsertest.Eval[float64](tab, `window.portville.viewer.lab.info.entries.length`)
	tab.Do(chromedp.Focus("#term-input"), chromedp.KeyEvent("z", chromedp.KeyModifiers(chromedp.ModifierAlt)))
	browsertest.Wait(tab, fmt.Sprintf(`window.portville.viewer.lab.info.entries.length === %v`, n-1), 5*time.Second)
	settled(t, tab)
	if got := browsertest.Eval[string](tab, prompt); got != "laptop$ " {
		t.Errorf("after undoing fg the prompt is %q, want laptop$ ", got)
	}
}

// TestBrowserLabEmptyLine: an empty line typed into a program (the blank
// line that ends an HTTP request's head) shows as an empty line, not
// "undefined", in the terminal and in the lab's script.
func TestBrowserLabEmptyLine(t *testing.T) {
	base := browserServer(t, fastHold)
	tab := browsertest.New(t, browsertest.Options{Width: 1280, Height: 720})
	openLab(t, tab, base+"/lab")
	typeInto(t, tab, "web", "nginx")
	for _, line := range []string{"telnet web 80", "GET / HTTP/1.0", ""} {
		typeInto(t, tab, "laptop", line)
	}
	settled(t, tab)
	text := browsertest.Eval[string](tab, termTextJS)
	if strings.Contains(text, "undefined") || !strings.Contains(text, "GET / HTTP/1.0\n\nHTTP/1.1 200 OK") || !strings.Contains(text, "Connection closed by foreign host.") {
		t.Errorf("the terminal shows:\n%s\nwant the request, an empty line, nginx's answer and telnet's end", text)
	}
	if script := browsertest.Eval[string](tab, `window.portville.viewer.lab.script()`); !strings.HasSuffix(script, "laptop$ GET / HTTP/1.0\nlaptop$ \n") {
		t.Errorf("the lab's script ends %q, want the empty line as 'laptop$ '", script[max(0, len(script)-60):])
	}
}

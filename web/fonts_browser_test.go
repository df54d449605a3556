package web

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"portville/sim/lang/catalogues"
	"portville/web/internal/browsertest"
)

// TestBrowserWideFonts opens the pages in every language with each of
// the wide fonts Linux desktops have (DejaVu Sans, Debian's and Ubuntu's
// fontconfig default, and Noto Sans) and finds nothing that spills out
// of its box: the header's menus, the log's filters, the buttons, a
// question. TestBrowserLanguages does the same and more with Liberation.
func TestBrowserWideFonts(t *testing.T) {
	base := browserServer(t, fastHold)
	const id = "os-differences"
	for _, font := range browsertest.WideFonts {
		if font.Name == browsertest.Liberation.Name {
			continue
		}
		t.Run(font.Name, func(t *testing.T) {
			t.Parallel() // each font has a browser of its own
			for _, page := range []struct {
				path     string
				w, h     int64
				question bool
			}{
				{"/lesson/" + id, 1280, 720, true},
				{"/lesson/" + id, 390, 844, true},
				{"/embed/" + id, 800, 450, false},
				{"/", 1280, 720, false},
				{"/join", 390, 844, false},
				{"/lab", 1280, 720, false},
			} {
				tab := browsertest.New(t, browsertest.Options{Width: page.w, Height: page.h, Font: font})
				for _, code := range catalogues.Codes {
					where := fmt.Sprintf("%s, %s %s at %dx%d", font.Name, code, page.path, page.w, page.h)
					tab.Do(chromedp.Navigate(base + page.path + "?lang=" + code))
					browsertest.Wait(tab, fmt.Sprintf(`document.readyState === "complete" && document.documentElement.lang === %q && (!document.getElementById("app") || (window.portville && window.portville.viewer.meta !== null && window.portville.viewer.state.hosts.length > 0))`, code), 20*time.Second)
					for _, o := range browsertest.Eval[[]string](tab, overflowJS) {
						t.Errorf("%s: %s", where, o)
					}
					shot(t, tab, fmt.Sprintf("font-%s-%s-%s-%d", font.Name, code, pageName(page.path), page.w))
					if !page.question {
						continue
					}
					cps := browsertest.Eval[[]float64](tab, `window.portville.viewer.meta.checkpoints`)
					if len(cps) == 0 {
						t.Fatal("the lesson has no question")
					}
					seekTo(t, tab, tab, uint64(cps[0]))
					browsertest.Wait(tab, `!document.getElementById("checkpoint").hidden`, 10*time.Second)
					for _, o := range browsertest.Eval[[]string](tab, overflowJS) {
						t.Errorf("%s, first question: %s", where, o)
					}
				}
			}
		})
	}
}

// pageName is a path as a file name's part: "/lesson/x" is "lesson-x".
func pageName(path string) string {
	if name := strings.ReplaceAll(strings.Trim(path, "/"), "/", "-"); name != "" {
		return name
	}
	return "home"
}

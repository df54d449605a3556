package staticbuild

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"portville/web/internal/browsertest"
)

// TestStaticAccessible (issue 14): axe-core finds no WCAG 2.1 A or AA
// violation, nor a best practice broken, on the static build's pages: the
// picker, a lesson, an embed and the lab, served by a plain file server.
func TestStaticAccessible(t *testing.T) {
	base := serveDir(t, siteDir(t))
	tab := browsertest.New(t, browsertest.Options{Audit: true, Timeout: 3 * time.Minute})
	viewer := `!!(window.portville && window.portville.viewer.meta) && document.querySelectorAll("#scene .building").length > 0`
	for _, pg := range []struct{ path, ready string }{
		{"/index.html", `document.readyState === "complete"`},
		{"/lesson/port-conflict.html", viewer},
		{"/lesson/a-web-page.html?theme=dark", viewer},
		{"/embed/os-differences.html", viewer},
		{"/lab.html", `!!(window.portville && window.portville.viewer.lab && window.portville.viewer.lab.info) && document.querySelectorAll(".term-tab").length > 0`},
	} {
		tab.Do(chromedp.Navigate(base + pg.path))
		p := &pageDriver{t: t, tab: tab, name: pg.path}
		p.wait(pg.ready, openWait)
		for _, v := range browsertest.Audit(tab) {
			t.Errorf("%s: %s", pg.path, v)
		}
	}
	noConsoleErrors(t, tab)
}

package web

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/device"

	"portville/web/internal/browsertest"
)

// A school's host: Portville under /portville/ behind a reverse proxy
// that rewrites the Host header. A browser opens a lesson through the
// proxy, plays it, starts a class, and a second browser follows it by the
// join URL the first one shows.
func TestBrowserBehindReverseProxy(t *testing.T) {
	backend := browserServerWith(t, Config{hold: fastHold, BasePath: "/portville/", TrustProxy: []string{"127.0.0.1", "::1"}})
	front := proxied(t, backend)

	tab := browsertest.New(t, browsertest.Options{Width: 1280, Height: 720})
	openViewer(t, tab, front+"/portville/lesson/ephemeral-ports")
	if css := browsertest.Eval[string](tab, `document.querySelector('link[rel=stylesheet]').href`); !strings.HasPrefix(css, front+"/portville/static/") {
		t.Errorf("stylesheet %s is not under the proxy's path", css)
	}
	browsertest.Eval[bool](tab, `window.portville.viewer.send({type: "play"}), true`)
	browsertest.Wait(tab, `window.portville.seq() > window.portville.viewer.meta.start + 5`, 20*time.Second)
	// The lesson menu and the lab link stay under the path.
	if href := browsertest.Eval[string](tab, `document.querySelector(".lab-link").href`); !strings.HasPrefix(href, front+"/portville/lab") {
		t.Errorf("the lab link is %s", href)
	}
	if pcap := browsertest.Eval[string](tab, `window.portville.viewer.captureSource().url || ""`); !strings.HasPrefix(pcap, "/portville/api/pcap?") {
		t.Errorf("the capture's URL is %q", pcap)
	}

	tab.Do(chromedp.Click(chromedp.CSS(".class-start")))
	browsertest.Wait(tab, `window.portville.viewer.classroom.info !== null`, 10*time.Second)
	join := browsertest.Eval[string](tab, `window.portville.viewer.classroom.info.url`)
	if !strings.HasPrefix(join, front+"/portville/join/") {
		t.Fatalf("join URL %s, want one through the proxy", join)
	}
	if step := browsertest.Eval[string](tab, `document.querySelector(".join-screen").textContent`); !strings.Contains(step, "/portville/join ") {
		t.Errorf("the join screen does not name /portville/join: %q", step)
	}
	qrOK := browsertest.Eval[bool](tab, `(async () => { const img = document.querySelector(".join-qr"); if (!img.complete) await new Promise(r => img.onload = r); return img.naturalWidth > 0; })()`)
	if !qrOK {
		t.Error("the QR code did not load through the proxy")
	}
	f := browsertest.New(t, browsertest.Options{Width: 390, Height: 844})
	f.Do(chromedp.Emulate(device.IPhone12))
	openViewer(t, f, join)
	browsertest.Wait(tab, `document.querySelector(".class-count").textContent === "1 following"`, 10*time.Second)
	seq := browsertest.Eval[float64](tab, `window.portville.seq()`)
	browsertest.Wait(f, fmt.Sprintf(`window.portville.seq() === %v`, seq), 10*time.Second)
	if os.Getenv("PORTVILLE_SHOTS") != "" {
		tab.SaveScreenshot("proxy-presenter-1280x720")
		f.SaveScreenshot("proxy-follower-390x844")
	}
}

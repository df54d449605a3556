package web

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"portville/web/internal/browsertest"
)

// TestBrowserEmbedCrossOrigin: a course page on one origin embeds a lesson
// from the server on another and drives it through the postMessage API
// (docs/embedding.md): it hears ready, events, state and a height, and its
// play, pause and seek take effect.
func TestBrowserEmbedCrossOrigin(t *testing.T) {
	app := browserServer(t, nil)
	// The course page is served from "localhost", the app from
	// "127.0.0.1": two origins.
	var frameURL string
	host := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><title>course</title>
<iframe id="pv" src="%s" width="800" height="450" style="border:0"></iframe>
<script>
  window.received = [];
  const frame = document.getElementById("pv");
  window.addEventListener("message", (ev) => {
    if (ev.source !== frame.contentWindow || !ev.data || ev.data.portville !== 1) return;
    window.received.push({origin: ev.origin, ...ev.data});
  });
  window.send = (m) => frame.contentWindow.postMessage({portville: 1, ...m}, "*");
</script>`, frameURL)
	}))
	defer host.Close()
	hostURL := strings.Replace(host.URL, "127.0.0.1", "localhost", 1)
	frameURL = app + "/embed/ephemeral-ports?origin=" + hostURL
	tab := browsertest.New(t, browsertest.Options{Width: 1000, Height: 700})
	tab.Do(chromedp.Navigate(hostURL + "/"))
	has := func(cond string) { browsertest.Wait(tab, cond, 20*time.Second) }
	has(`window.received.some(m => m.type === "ready" && m.lesson.id === "ephemeral-ports" && m.lesson.total > 0)`)
	if o := browsertest.Eval[string](tab, `window.received[0].origin`); o != app {
		t.Errorf("messages come from origin %q, want the app's %q", o, app)
	}
	has(`window.received.some(m => m.type === "height" && m.height >= 240)`)
	browsertest.Eval[bool](tab, `window.send({type: "play"}), true`)
	has(`window.received.some(m => m.type === "event" && m.event.seq > 5 && typeof m.event.text === "string")`)
	has(`window.received.some(m => m.type === "state" && m.playing === true)`)
	browsertest.Eval[bool](tab, `window.send({type: "pause"}), true`)
	browsertest.Eval[bool](tab, `window.send({type: "seek", seq: 40}), true`)
	has(`window.received.some(m => m.type === "state" && m.seq === 40 && m.playing === false)`)
	// Junk and unknown types are ignored; the frame stays usable.
	browsertest.Eval[bool](tab, `window.send({type: "explode"}), window.send({type: "seek", seq: "x"}), true`)
	browsertest.Eval[bool](tab, `window.send({type: "seek", seq: 20}), true`)
	has(`window.received.some(m => m.type === "state" && m.seq === 20)`)

	if errs := tab.ConsoleErrors(); len(errs) > 0 {
		t.Errorf("console errors: %v", errs)
	}
}

// TestBrowserEmbedBridgeChecks: the bridge obeys only its parent window,
// only the allowed origins, only namespaced messages of known types with
// valid fields.
func TestBrowserEmbedBridgeChecks(t *testing.T) {
	app := browserServer(t, nil)
	tab := browsertest.New(t, browsertest.Options{})
	tab.Do(chromedp.Navigate(app + "/"))
	embedURL := moduleURL(tab, "embed.js")
	got := browsertest.Eval[string](tab, fmt.Sprintf(`(async () => {
  const { EmbedBridge } = await import(%q);
  const sent = [];
  const viewer = { send: (m) => sent.push(m) };
  const b = new EmbedBridge(viewer, ["https://course.example"]);
  const parent = {}; const stranger = {};
  b.parent = parent;
  const msg = (data, origin = "https://course.example", source = parent) => b.receive({ data, origin, source });
  msg({ portville: 1, type: "play" });                                  // obeyed
  msg({ portville: 1, type: "play" }, "https://evil.example");          // wrong origin
  msg({ portville: 1, type: "play" }, "https://course.example", stranger); // not the parent
  msg({ type: "play" });                                                // no namespace
  msg({ portville: 2, type: "play" });                                  // another version
  msg({ portville: 1, type: "explode" });                               // unknown type
  msg({ portville: 1, type: "seek", seq: "x" });                        // bad field
  msg({ portville: 1, type: "seek", seq: -1 });                         // out of range
  msg({ portville: 1, type: "seek", seq: 12 });                         // obeyed
  msg({ portville: 1, type: "load", lesson: "sockets", seed: 4 });      // obeyed
  msg("play");                                                          // not an object
  return JSON.stringify(sent);
})()`, embedURL))
	want := `[{"type":"play"},{"type":"seek","seq":12},{"type":"load","lesson":"sockets","seed":4}]`
	if got != want {
		t.Errorf("the bridge passed on %s, want %s", got, want)
	}
}

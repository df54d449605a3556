package web

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"portville/sim"
	"portville/sim/lessons"
	"portville/web/internal/browsertest"
)

// auditPage runs axe-core in tab and reports every rule broken, under
// name.
func auditPage(t *testing.T, tab *browsertest.Tab, name string) int {
	t.Helper()
	vs := browsertest.Audit(tab)
	for _, v := range vs {
		t.Errorf("%s: %s", name, v)
	}
	if len(vs) > 0 {
		tab.SaveScreenshot("axe-" + strings.NewReplacer(" ", "-", "/", "-", ",", "").Replace(name))
	}
	return len(vs)
}

// TestBrowserAccessible (issue 14) runs axe-core, every WCAG 2.1 A and AA
// rule and its best practices, on every page of the app: the picker, a
// lesson in each theme at its start, with letters in flight, with an
// error callout and with a question open, the embed, the join form, a
// follower, the presenter's class screen, the remote, the lab with a
// command run, and the 404 page. Any violation fails.
func TestBrowserAccessible(t *testing.T) {
	base := browserServer(t, fastHold)
	tab := browsertest.New(t, browsertest.Options{Audit: true, Timeout: 5 * time.Minute})

	tab.Do(chromedp.Navigate(base + "/"))
	browsertest.Wait(tab, `document.readyState === "complete"`, 10*time.Second)
	auditPage(t, tab, "home")
	// Each card has the picture of its lesson's town, drawn by the view's
	// renderer: the buildings of the lesson's hosts at its first question.
	pics := browsertest.Eval[[]string](tab, `[...document.querySelectorAll(".lesson-card")].map((c) => c.id + " " + [...c.querySelectorAll(".lesson-town .building")].map((b) => b.dataset.host).join(","))`)
	all, err := lessons.All()
	if err != nil {
		t.Fatal(err)
	}
	if len(pics) != len(all) {
		t.Errorf("%d cards, want %d", len(pics), len(all))
	}
	for i, l := range all {
		if i >= len(pics) {
			break
		}
		var hosts []string
		for _, h := range l.Scenario.Hosts {
			hosts = append(hosts, h.Name)
		}
		if want := "lesson-" + l.ID + " " + strings.Join(hosts, ","); pics[i] != want {
			t.Errorf("card %d: picture %q, want %q", i+1, pics[i], want)
		}
	}
	tab.Do(chromedp.Navigate(base + "/join"))
	browsertest.Wait(tab, `document.readyState === "complete"`, 10*time.Second)
	auditPage(t, tab, "join form")

	sc := parseFile(t, "../sim/lessons/port-conflict.yaml")
	evs := lessonEvents(t, sc)
	failed := firstSeq(evs, func(e sim.Event) bool { return e.Errno != "" })
	for _, theme := range []string{"light", "dark", "projector"} {
		openViewer(t, tab, base+"/lesson/port-conflict?theme="+theme)
		auditPage(t, tab, "lesson "+theme+", start")
		cp := uint64(browsertest.Eval[float64](tab, `window.portville.viewer.meta.checkpoints[0]`))
		seekTo(t, tab, tab, cp)
		auditPage(t, tab, "lesson "+theme+", question open")
		seekTo(t, tab, tab, failed)
		auditPage(t, tab, "lesson "+theme+", error callout")
	}
	// Letters in flight: a step that sends one, at the lesson's own pace.
	web := parseFile(t, "../sim/lessons/a-web-page.yaml")
	send := firstSeq(lessonEvents(t, web), func(e sim.Event) bool { return e.Kind == "packet.send" })
	slow := browserServer(t, nil)
	openViewer(t, tab, slow+"/lesson/a-web-page")
	seekTo(t, tab, tab, send-1)
	browsertest.Eval[bool](tab, `window.portville.viewer.send({type: "step"}), true`)
	browsertest.Wait(tab, `document.querySelectorAll(".scene-overlay .letter").length > 0`, 10*time.Second)
	auditPage(t, tab, "lesson, letters in flight")

	openViewer(t, tab, base+"/embed/os-differences")
	auditPage(t, tab, "embed")

	// A system that asks for more contrast gets the projector's palette,
	// in the light theme too.
	contrast := browsertest.New(t, browsertest.Options{Audit: true, MoreContrast: true})
	openViewer(t, contrast, base+"/lesson/sockets?theme=light")
	if bg := browsertest.Eval[string](contrast, `getComputedStyle(document.body).backgroundColor`); bg != "rgb(0, 0, 0)" {
		t.Errorf("with prefers-contrast: more the page's background is %s, want the projector's black", bg)
	}
	auditPage(t, contrast, "lesson, prefers-contrast: more")

	// A class: the presenter's screen with its join code, a follower, the
	// remote.
	openViewer(t, tab, base+"/lesson/sockets")
	browsertest.Eval[bool](tab, `window.portville.viewer.sendClass({type: "class.start"}), true`)
	browsertest.Wait(tab, `!!(window.portville.viewer.classroom.info && window.portville.viewer.classroom.info.remote)`, 10*time.Second)
	code := browsertest.Eval[string](tab, `window.portville.viewer.classroom.info.code`)
	remote := browsertest.Eval[string](tab, `window.portville.viewer.classroom.info.remote`)
	browsertest.Eval[bool](tab, `new Promise((r) => setTimeout(() => r(true), 300))`)
	auditPage(t, tab, "presenter's class screen")
	follower := browsertest.New(t, browsertest.Options{Audit: true})
	openViewer(t, follower, base+"/join/"+code)
	auditPage(t, follower, "follower")
	follower.Do(chromedp.Navigate(remote))
	browsertest.Wait(follower, `document.querySelector(".remote-counter") && document.querySelector(".remote-counter").textContent.includes(" / ")`, 10*time.Second)
	auditPage(t, follower, "remote")
	follower.Do(chromedp.Navigate(base + "/lesson/no-such-lesson"))
	browsertest.Wait(follower, `document.readyState === "complete"`, 10*time.Second)
	auditPage(t, follower, "404")

	openLab(t, tab, base+"/lab")
	typeInto(t, tab, "web", "nginx")
	typeInto(t, tab, "laptop", "curl -s http://web/")
	settled(t, tab)
	auditPage(t, tab, "lab")
	if errs := tab.ConsoleErrors(); len(errs) > 0 {
		t.Errorf("console errors: %v", errs)
	}
}

// Package browsertest runs the view in a real headless Chromium for tests.
//
// One browser is started per test binary and font (and stopped by Main),
// each test gets its own tab of it (New). A browser sees only the font
// its tabs ask for (Options.Font; Liberation by default), whatever fonts
// the machine has: no result depends on them, and a test can run the
// page with the wide fonts that Linux desktops have (see fonts.go). When no browser is installed the
// tests skip with a message, unless PORTVILLE_REQUIRE_BROWSER=1 (as in
// CI), which makes them fail.
// A failing test saves a screenshot of its tab in its artifact directory
// (go test -artifacts keeps it; the path is logged).
package browsertest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// RequireEnv names the variable that makes a missing browser a failure.
const RequireEnv = "PORTVILLE_REQUIRE_BROWSER"

// browser is one headless Chromium that sees only one font (see Fonts).
type browser struct {
	once      sync.Once
	allocStop context.CancelFunc
	// ctx is the browser's first tab: every New opens a tab of it (a
	// context made from the allocator would start a browser of its own,
	// two seconds each).
	ctx     context.Context
	stop    context.CancelFunc
	err     error
	fontDir string // the fontconfig directory made for it, removed by Main
}

var (
	execOnce sync.Once
	execPath string
	// browsers holds one browser per font, started by the first tab
	// that asks for that font.
	browsersMu sync.Mutex
	browsers   = map[string]*browser{}
)

// candidates are the browser executables looked for, in order.
var candidates = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"}

// Find returns the path of a Chromium-like browser, or "".
func Find() string {
	if p := os.Getenv("PORTVILLE_BROWSER"); p != "" {
		return p
	}
	for _, c := range candidates {
		if p, err := exec.LookPath(c); err == nil {
			return p
		}
	}
	return ""
}

// Main runs the tests and then stops the shared browser. Call it from
// TestMain: os.Exit(browsertest.Main(m)).
func Main(m *testing.M) int {
	code := m.Run()
	browsersMu.Lock()
	defer browsersMu.Unlock()
	for _, b := range browsers {
		if b.stop != nil {
			b.stop()
		}
		if b.allocStop != nil {
			b.allocStop()
		}
		if b.fontDir != "" {
			os.RemoveAll(b.fontDir)
		}
	}
	return code
}

// start starts a browser that sees only font f's files.
func (b *browser) start(f Font) {
	dir, err := os.MkdirTemp("", "portville-fonts-")
	if err != nil {
		b.err = err
		return
	}
	b.fontDir = dir
	conf := filepath.Join(dir, "fonts.conf")
	if err := os.WriteFile(conf, f.config(filepath.Join(dir, "cache")), 0o644); err != nil {
		b.err = err
		return
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(execPath),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		// Tabs in the background must keep animating: the frame counter
		// and the animations are what some tests measure.
		chromedp.Flag("disable-background-timer-throttling", true),
		chromedp.Flag("disable-renderer-backgrounding", true),
		chromedp.Flag("disable-backgrounding-occluded-windows", true),
		// The browser's fontconfig reads this file instead of the
		// machine's: the page's fonts are the test's choice.
		chromedp.Env("FONTCONFIG_FILE="+conf),
	)
	var allocCtx context.Context
	allocCtx, b.allocStop = chromedp.NewExecAllocator(context.Background(), opts...)
	b.ctx, b.stop = chromedp.NewContext(allocCtx)
	b.err = chromedp.Do(b.ctx)
}

// Options tune a tab.
type Options struct {
	Width, Height int64 // viewport, default 1280 x 720
	ReducedMotion bool  // emulate prefers-reduced-motion: reduce
	MoreContrast  bool  // emulate prefers-contrast: more
	// Audit lets axe-core (Audit) run in the tab's pages: it measures
	// styles by adding inline ones, which the app's Content Security
	// Policy (style-src 'self') would refuse with a console error.
	Audit   bool
	Timeout time.Duration
	// Font is the only font the tab's browser has (Liberation, the
	// default, DejaVu or Noto): every family a page asks for, system-ui
	// and monospace included, is that font's.
	Font Font
}

// Tab is a browser tab for one test.
type Tab struct {
	Ctx     context.Context
	t       testing.TB
	mu      sync.Mutex
	console []chromedp.ConsoleMessage
}

// tabs numbers the tabs, so that each failed tab's screenshot has a name
// of its own.
var tabs atomic.Int64

// New opens a tab, or skips the test when no browser is installed (fails
// when RequireEnv is set). The tab closes when the test ends; if the test
// failed, a screenshot is saved first.
func New(t testing.TB, o Options) *Tab {
	t.Helper()
	execOnce.Do(func() { execPath = Find() })
	if execPath == "" {
		if os.Getenv(RequireEnv) == "1" {
			t.Fatalf("no Chromium found (looked for %s) and %s=1: install Debian's chromium (see .ci/install-browser)", strings.Join(candidates, ", "), RequireEnv)
		}
		t.Skipf("skipping browser test: no Chromium found (looked for %s); install Debian's chromium or run make test, which installs it", strings.Join(candidates, ", "))
	}
	if o.Font.Name == "" {
		o.Font = Liberation
	}
	if missing := o.Font.missing(); missing != "" {
		// The fonts are as much the test's tools as the browser is.
		if os.Getenv(RequireEnv) == "1" {
			t.Fatalf("font %s: %s is missing and %s=1: install Debian's %s (see .ci/install-browser)", o.Font.Name, missing, RequireEnv, o.Font.Package)
		}
		t.Skipf("skipping browser test: font %s: %s is missing; install Debian's %s or run make test, which installs it", o.Font.Name, missing, o.Font.Package)
	}
	if o.Width == 0 {
		o.Width, o.Height = 1280, 720
	}
	if o.Timeout == 0 {
		o.Timeout = 90 * time.Second
	}
	browsersMu.Lock()
	b := browsers[o.Font.Name]
	if b == nil {
		b = &browser{}
		browsers[o.Font.Name] = b
	}
	browsersMu.Unlock()
	b.once.Do(func() { b.start(o.Font) })
	if b.err != nil {
		t.Fatalf("start %s with the font %s: %v", execPath, o.Font.Name, b.err)
	}
	ctx, cancelTab := chromedp.NewContext(b.ctx)
	ctx, cancelTimeout := context.WithTimeout(ctx, o.Timeout)
	tab := &Tab{Ctx: ctx, t: t}
	msgs := chromedp.Console(ctx)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			tab.mu.Lock()
			tab.console = append(tab.console, m)
			tab.mu.Unlock()
		}
	}()
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(o.Width, o.Height)); err != nil {
		cancelTimeout()
		cancelTab()
		t.Fatalf("start the browser tab: %v", err)
	}
	// The tabs share one browser, and only one of them would have the
	// focus: each behaves as the focused page (keys, :focus-visible).
	if _, err := chromedp.Call(ctx, emulation.SetFocusEmulationEnabled, emulation.SetFocusEmulationEnabledParams{Enabled: true}); err != nil {
		t.Fatalf("emulate focus: %v", err)
	}
	var media []*emulation.MediaFeature
	if o.ReducedMotion {
		media = append(media, &emulation.MediaFeature{Name: "prefers-reduced-motion", Value: "reduce"})
	}
	if o.MoreContrast {
		media = append(media, &emulation.MediaFeature{Name: "prefers-contrast", Value: "more"})
	}
	if len(media) > 0 {
		if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Features: media}); err != nil {
			t.Fatalf("emulate %v: %v", media, err)
		}
	}
	if o.Audit {
		if _, err := chromedp.Call(ctx, page.SetBypassCSP, page.SetBypassCSPParams{Enabled: true}); err != nil {
			t.Fatalf("let axe-core run: %v", err)
		}
	}
	// The artifact directory is made now, so that it is removed after
	// (cleanups run last first) the failure screenshots below are saved.
	if at, ok := t.(interface{ ArtifactDir() string }); ok {
		at.ArtifactDir()
	}
	n := tabs.Add(1)
	t.Cleanup(func() {
		if t.Failed() {
			tab.SaveScreenshot(fmt.Sprintf("failure-tab%d", n))
		}
		cancelTimeout()
		cancelTab()
	})
	return tab
}

// SaveScreenshot writes a PNG of the tab to the test's artifact directory
// and logs where.
func (tab *Tab) SaveScreenshot(name string) string {
	buf, err := chromedp.Run(tab.Ctx, chromedp.CaptureScreenshot())
	if err != nil {
		tab.t.Logf("screenshot %s: %v", name, err)
		return ""
	}
	dir := os.TempDir()
	if at, ok := tab.t.(interface{ ArtifactDir() string }); ok {
		dir = at.ArtifactDir()
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		tab.t.Logf("screenshot %s: %v", name, err)
		return ""
	}
	tab.t.Logf("screenshot saved: %s", path)
	return path
}

// ConsoleErrors returns the errors and uncaught exceptions the page logged.
func (tab *Tab) ConsoleErrors() []string {
	tab.mu.Lock()
	defer tab.mu.Unlock()
	var out []string
	for _, m := range tab.console {
		if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleException {
			out = append(out, fmt.Sprintf("%s: %s", m.Type, m.Text))
		}
	}
	return out
}

// Do runs actions in the tab, failing the test on error.
func (tab *Tab) Do(steps ...chromedp.Action[chromedp.Void]) {
	tab.t.Helper()
	if err := chromedp.Do(tab.Ctx, steps...); err != nil {
		tab.t.Fatalf("browser: %v", err)
	}
}

// Eval evaluates JavaScript in the page (awaiting a promise) and decodes
// the result into T, failing the test on error.
func Eval[T any](tab *Tab, js string) T {
	tab.t.Helper()
	v, err := chromedp.Run(tab.Ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		tab.t.Fatalf("evaluate %s: %v", short(js), err)
	}
	return v
}

// Wait polls a JavaScript condition until it is true, failing after d.
func Wait(tab *Tab, cond string, d time.Duration) {
	tab.t.Helper()
	ctx, cancel := context.WithTimeout(tab.Ctx, d)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](cond, chromedp.WithPollingInterval(20*time.Millisecond))); err != nil {
		tab.t.Fatalf("waiting for %s: %v", short(cond), err)
	}
}

func short(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 120 {
		return s[:117] + "..."
	}
	return s
}

// LabSettled is true in a lab page once the town has played every event
// of the lab's last entry and stopped: the entry arrives before its events
// and before the state that says the timeline grew, so seq === total alone
// can still describe the timeline before it.
const LabSettled = `(() => {
  const es = window.portville.viewer.lab.info.entries, last = es[es.length - 1];
  const pb = window.portville.playback();
  return window.portville.seq() === pb.total && !pb.playing && (!last || window.portville.seq() >= last.to);
})()`

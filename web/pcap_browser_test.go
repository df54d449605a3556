package web

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"portville/sim/lessons"
	"portville/sim/pcap"
	"portville/sim/scenario"
	"portville/web/internal/browsertest"
)

// allowDownloads saves the tab's downloads into a fresh directory, under
// the names the page gives them, and returns it.
func allowDownloads(t *testing.T, tab *browsertest.Tab) string {
	t.Helper()
	dir := t.TempDir()
	if _, err := chromedp.CallBrowser(tab.Ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir,
	}); err != nil {
		t.Fatalf("allow downloads: %v", err)
	}
	return dir
}

// waitFile waits for a download to be whole and returns it.
func waitFile(t *testing.T, path string, size int) []byte {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if data, err := os.ReadFile(path); err == nil && len(data) == size {
			return data
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no download of %d bytes at %s", size, path)
	return nil
}

// TestBrowserDownloadCapture: the Share dialog's "Download for Wireshark"
// saves the capture of the lesson with the view's OS and seed, and the
// lab's button the capture of the lab's commands.
func TestBrowserDownloadCapture(t *testing.T) {
	base := browserServer(t, fastHold)
	tab := browsertest.New(t, browsertest.Options{})
	dir := allowDownloads(t, tab)
	openViewer(t, tab, base+"/lesson/a-web-page?os=macos&seed=4")
	tab.Do(chromedp.Click(chromedp.CSS(".ctl-share")))
	tab.Do(chromedp.Click(chromedp.CSS(".share-pcap")))
	browsertest.Wait(tab, `document.querySelector(".share-status").textContent.startsWith("Saved ")`, 10*time.Second)
	l, err := lessons.Get("a-web-page")
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	if err := pcap.Capture(&want, l.Scenario, scenario.Options{OS: "macos", Seed: 4, SeedSet: true}, 0); err != nil {
		t.Fatal(err)
	}
	status := browsertest.Eval[string](tab, `document.querySelector(".share-status").textContent`)
	const name = "portville-a-web-page-macos-seed4.pcap"
	if !strings.HasPrefix(status, "Saved "+name) {
		t.Errorf("status %q, want it to name %s", status, name)
	}
	if got := waitFile(t, filepath.Join(dir, name), want.Len()); !bytes.Equal(got, want.Bytes()) {
		t.Error("the downloaded capture is not the lesson's with macOS and seed 4")
	}

	openLab(t, tab, base+"/lab")
	typeInto(t, tab, "web", "nginx")
	typeInto(t, tab, "laptop", "curl -s http://web/")
	settled(t, tab)
	tab.Do(chromedp.Click(chromedp.CSS(".lab-pcap")))
	browsertest.Wait(tab, `document.querySelector(".toast") && document.querySelector(".toast").textContent.startsWith("Saved portville-lab-linux-seed1.pcap")`, 10*time.Second)
	// The toast is shown once the page hands the file to the browser,
	// which may still be writing it: wait for the size the toast names.
	toast := browsertest.Eval[string](tab, `document.querySelector(".toast").textContent`)
	var size int
	if _, err := fmt.Sscanf(strings.ReplaceAll(toast, ",", ""), "Saved portville-lab-linux-seed1.pcap (%d bytes)", &size); err != nil || size <= 24 {
		t.Fatalf("toast %q does not give the capture's size: %v", toast, err)
	}
	data := waitFile(t, filepath.Join(dir, "portville-lab-linux-seed1.pcap"), size)
	if !bytes.Contains(data, []byte("GET / HTTP/1.1")) {
		t.Error("the lab's capture does not hold the request curl sent")
	}
	if errs := tab.ConsoleErrors(); len(errs) > 0 {
		t.Errorf("console errors: %v", errs)
	}
}

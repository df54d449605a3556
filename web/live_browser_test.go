package web

import (
	"context"
	"fmt"
	"net"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"portville/web/internal/browsertest"
)

// TestBrowserLive: the live view draws a listener the test opens as an
// apartment of the machine's building, with its port, within a look or
// two, and takes it away when the listener closes; the caption names
// the browser's own port; axe-core finds no violation on it.
func TestBrowserLive(t *testing.T) {
	srv, err := New(Config{Live: true, liveEvery: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		hs.Close()
	})
	tab := browsertest.New(t, browsertest.Options{Audit: true})
	openViewer(t, tab, hs.URL+"/live")
	browsertest.Wait(tab, `document.querySelector("#captions").textContent.includes("You are reading this with")`, 10*time.Second)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	apt := fmt.Sprintf(`#scene .building .apt[data-port="%d"]:not(.leaving)`, port)
	browsertest.Wait(tab, fmt.Sprintf(`!!document.querySelector(%q)`, apt), 10*time.Second)
	if state := browsertest.Eval[string](tab, fmt.Sprintf(`document.querySelector(%q).textContent`, apt)); !containsAll(state, "LISTEN", fmt.Sprint(port)) {
		t.Errorf("the apartment of port %d says %q", port, state)
	}
	// The live view is accessible as the lessons are (issue 14).
	for _, v := range browsertest.Audit(tab) {
		t.Errorf("/live: %s", v)
	}
	ln.Close()
	browsertest.Wait(tab, fmt.Sprintf(`!document.querySelector(%q)`, apt), 10*time.Second)
	if errs := tab.ConsoleErrors(); len(errs) > 0 {
		t.Errorf("console errors: %v", errs)
	}
}

func containsAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

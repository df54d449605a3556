package web

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"portville/web/internal/browsertest"
)

// failoverProxy is a load balancer in front of instances: each request
// goes to the first instance that accepts a connection, so when that
// one dies the next takes its browsers (as nginx's proxy_next_upstream
// does).
func failoverProxy(t *testing.T, backends ...string) string {
	t.Helper()
	var addrs []string
	for _, b := range backends {
		u, _ := url.Parse(b)
		addrs = append(addrs, u.Host)
	}
	dialer := &net.Dialer{Timeout: time.Second}
	rp := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.Out.URL.Scheme, r.Out.URL.Host = "http", "instances"
			r.Out.Host = r.In.Host
		},
		Transport: &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var last error
			for _, a := range addrs {
				c, err := dialer.DialContext(ctx, network, a)
				if err == nil {
					return c, nil
				}
				last = err
			}
			return nil, last
		}, DisableKeepAlives: true},
	}
	hs := httptest.NewServer(rp)
	t.Cleanup(hs.Close)
	return hs.URL
}

// TestBrowserClusterFailover: two instances share a class through NATS
// behind a load balancer. The presenter's page plays it on A, a phone
// follows it on B. A dies: the presenter's page reconnects by itself,
// lands on B, which takes the class over, and the phone follows the
// presenter's next steps; the presenter still sees the phone in its
// count.
func TestBrowserClusterFailover(t *testing.T) {
	nats := startNATS(t)
	mk := func() (*Server, *httptest.Server) {
		return browserInstance(t, Config{NATS: nats.url(), ControlRate: 200, ControlBurst: 400})
	}
	a, ahs := mk()
	_, bhs := mk()
	lb := failoverProxy(t, ahs.URL, bhs.URL)

	presenter := browsertest.New(t, browsertest.Options{Width: 1280, Height: 720})
	openViewer(t, presenter, lb+"/lesson/ephemeral-ports")
	presenter.Do(chromedp.Click(chromedp.CSS(".class-start")))
	browsertest.Wait(presenter, `window.portville.viewer.classroom.info !== null`, 10*time.Second)
	code := browsertest.Eval[string](presenter, `window.portville.viewer.classroom.info.code`)
	if a.localClass(code) == nil {
		t.Fatal("the class did not start on the first instance")
	}
	phone := browsertest.New(t, browsertest.Options{Width: 390, Height: 844})
	phone.Do(phoneEmulation(phones[0].dev))
	openViewer(t, phone, bhs.URL+"/join/"+code)
	browsertest.Wait(presenter, `document.querySelector(".class-count").textContent === "1 following"`, 10*time.Second)
	send := func(js string) { browsertest.Eval[bool](presenter, js+", true") }
	for range 3 {
		send(`window.portville.viewer.send({type: "step"})`)
	}
	browsertest.Wait(presenter, `window.portville.seq() === window.portville.viewer.meta.start + 3`, 10*time.Second)
	seq := browsertest.Eval[float64](presenter, `window.portville.seq()`)
	browsertest.Wait(phone, fmt.Sprintf(`window.portville.seq() === %v`, seq), 10*time.Second)

	// A dies.
	crash(a, ahs)
	browsertest.Wait(presenter, `!document.getElementById("connection").hidden`, 10*time.Second)
	browsertest.Wait(presenter, `document.getElementById("connection").hidden && window.portville.viewer.classroom.info.role === "presenter"`, 20*time.Second)
	for range 2 {
		send(`window.portville.viewer.send({type: "step"})`)
	}
	browsertest.Wait(presenter, fmt.Sprintf(`window.portville.seq() === %v`, seq+2), 10*time.Second)
	browsertest.Wait(phone, fmt.Sprintf(`window.portville.seq() === %v`, seq+2), 10*time.Second)
	time.Sleep(300 * time.Millisecond)
	if x, y := browsertest.Eval[string](presenter, stateJS), browsertest.Eval[string](phone, stateJS); x != y {
		t.Errorf("after the failover the phone's town differs from the presenter's:\n%s\n%s", x, y)
	}
	browsertest.Wait(presenter, `document.querySelector(".class-count").textContent === "1 following"`, 10*time.Second)
	presenter.SaveScreenshot("cluster-failover-presenter")
	phone.SaveScreenshot("cluster-failover-phone")
	for _, tab := range []*browsertest.Tab{presenter, phone} {
		for _, e := range tab.ConsoleErrors() {
			t.Errorf("console error: %s", e)
		}
	}
}

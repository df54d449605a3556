package web

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/gorilla/websocket"

	"portville/web/wire"
)

func TestClientBehindProxies(t *testing.T) {
	trust, err := parseTrustProxy([]string{"127.0.0.1", "10.0.0.0/8", "::1"})
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{trust: trust}
	tests := []struct {
		name   string
		peer   string
		header http.Header
		addr   string
		scheme string
		host   string
		fwdBy  bool
	}{
		{"no proxy", "192.0.2.1:5000", nil, "192.0.2.1", "http", "app.example", false},
		{"an untrusted peer's header counts for nothing", "192.0.2.1:5000",
			http.Header{"X-Forwarded-For": {"203.0.113.9"}}, "192.0.2.1", "http", "app.example", true},
		{"a trusted proxy names the browser", "127.0.0.1:5000",
			http.Header{"X-Forwarded-For": {"203.0.113.9"}, "X-Forwarded-Proto": {"https"}, "X-Forwarded-Host": {"school.example"}},
			"203.0.113.9", "https", "school.example", false},
		{"a browser's own X-Forwarded-For is skipped", "127.0.0.1:5000",
			http.Header{"X-Forwarded-For": {"1.2.3.4, 203.0.113.9"}}, "203.0.113.9", "http", "app.example", false},
		{"a chain of trusted proxies", "127.0.0.1:5000",
			http.Header{"X-Forwarded-For": {"203.0.113.9, 10.1.2.3", "10.4.5.6"}}, "203.0.113.9", "http", "app.example", false},
		{"every hop trusted: the first", "127.0.0.1:5000",
			http.Header{"X-Forwarded-For": {"10.9.9.9, 10.1.2.3"}}, "10.9.9.9", "http", "app.example", false},
		{"garbage stops at the proxy that passed it", "127.0.0.1:5000",
			http.Header{"X-Forwarded-For": {"nonsense, 10.1.2.3"}}, "10.1.2.3", "http", "app.example", false},
		{"Forwarded, IPv6 with a port", "[::1]:5000",
			http.Header{"Forwarded": {`for="[2001:db8:cafe::17]:4711";proto=https;host=school.example`}},
			"2001:db8:cafe::17", "https", "school.example", false},
		{"Forwarded wins over X-Forwarded-For", "127.0.0.1:5000",
			http.Header{"Forwarded": {"for=198.51.100.2"}, "X-Forwarded-For": {"203.0.113.9"}}, "198.51.100.2", "http", "app.example", false},
		{"a bad proto and host are ignored", "127.0.0.1:5000",
			http.Header{"X-Forwarded-For": {"203.0.113.9"}, "X-Forwarded-Proto": {"javascript"}, "X-Forwarded-Host": {"a b"}},
			"203.0.113.9", "http", "app.example", false},
		{"obfuscated for= keeps the proxy", "127.0.0.1:5000",
			http.Header{"Forwarded": {"for=_hidden"}}, "127.0.0.1", "http", "app.example", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "http://app.example/", nil)
			r.RemoteAddr = tt.peer
			for k, v := range tt.header {
				r.Header[k] = v
			}
			c := s.clientFor(r)
			if c.addr != netip.MustParseAddr(tt.addr) || c.scheme != tt.scheme || c.host != tt.host || c.forwardedBy != tt.fwdBy {
				t.Errorf("client %v %s %s forwardedBy=%v, want %s %s %s %v", c.addr, c.scheme, c.host, c.forwardedBy, tt.addr, tt.scheme, tt.host, tt.fwdBy)
			}
		})
	}
}

func FuzzForwarded(f *testing.F) {
	f.Add(`for=192.0.2.60;proto=http;by=203.0.113.43, for="[2001:db8:cafe::17]:4711"`, "203.0.113.9, 10.0.0.1")
	f.Add(`for="_gazonk"`, "")
	f.Add(`for=";,"`, ",,,")
	trust, _ := parseTrustProxy([]string{"127.0.0.1", "10.0.0.0/8"})
	s := &Server{trust: trust}
	f.Fuzz(func(t *testing.T, fwd, xff string) {
		r := httptest.NewRequest("GET", "http://app.example/", nil)
		r.RemoteAddr = "127.0.0.1:1"
		if fwd != "" {
			r.Header.Set("Forwarded", fwd)
		}
		if xff != "" {
			r.Header.Set("X-Forwarded-For", xff)
		}
		c := s.clientFor(r)
		if !c.addr.IsValid() {
			t.Fatalf("no address for %q %q", fwd, xff)
		}
		if c.scheme != "http" && c.scheme != "https" {
			t.Fatalf("scheme %q", c.scheme)
		}
	})
}

func TestTrustProxyAndBasePathChecked(t *testing.T) {
	for _, bad := range []string{"portville", "/a//b/", "/../x", "/a b/", "/über/"} {
		if _, err := New(Config{BasePath: bad}); err == nil || !strings.Contains(err.Error(), "base path") {
			t.Errorf("BasePath %q: err %v, want one naming the base path", bad, err)
		}
	}
	for _, bad := range []string{"10.0.0.0/33", "localhost", "1.2.3"} {
		if _, err := New(Config{TrustProxy: []string{bad}}); err == nil || !strings.Contains(err.Error(), bad) {
			t.Errorf("TrustProxy %q: err %v, want one naming it", bad, err)
		}
	}
	if _, err := New(Config{PublicURL: "https://school.example/other/", BasePath: "/portville/"}); err == nil {
		t.Error("a public URL whose path is not the base path was accepted")
	}
	s, err := New(Config{PublicURL: "https://school.example/portville/", BasePath: "/portville"})
	if err != nil || s.cfg.PublicURL != "https://school.example" {
		t.Errorf("public URL with the base path: %v %q", err, s.cfg.PublicURL)
	}
}

var hrefRE = regexp.MustCompile(`(?:href|src|action|data-href)="([^"]*)"`)

// Under --base-path every link, asset, websocket and redirect carries the
// path.
func TestBasePath(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.BasePath = "/portville/" })
	resp, _ := e.get("/portville", nil)
	if resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != "/portville/" {
		t.Errorf("GET /portville: %d to %q, want 301 to /portville/", resp.StatusCode, resp.Header.Get("Location"))
	}
	for _, page := range []string{"/portville/", "/portville/lesson/tiny", "/portville/lab", "/portville/join", "/portville/nothing-here"} {
		resp, body := e.get(page, nil)
		if page != "/portville/nothing-here" && resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %d", page, resp.StatusCode)
		}
		if !strings.Contains(string(body), `data-base="/portville"`) {
			t.Errorf("%s has no data-base", page)
		}
		for _, m := range hrefRE.FindAllStringSubmatch(string(body), -1) {
			u := m[1]
			if strings.HasPrefix(u, "/") && !strings.HasPrefix(u, "/portville/") {
				t.Errorf("%s links to %s, outside the base path", page, u)
			}
		}
		if page == "/portville/lesson/tiny" && !strings.Contains(string(body), `data-ws="/portville/ws"`) {
			t.Errorf("the lesson page's websocket is not under the base path")
		}
	}
	_, body := e.get("/portville/", nil)
	css := regexp.MustCompile(`href="(/portville/static/[^"]+)"`).FindStringSubmatch(string(body))
	if css == nil {
		t.Fatal("no stylesheet under /portville/static/")
	}
	if resp, _ := e.get(css[1], nil); resp.StatusCode != http.StatusOK {
		t.Errorf("GET %s: %d", css[1], resp.StatusCode)
	}
	var lessons []lessonJSON
	_, body = e.get("/portville/api/lessons", nil)
	if err := json.Unmarshal(body, &lessons); err != nil || len(lessons) == 0 || !strings.HasPrefix(lessons[0].URL, "/portville/lesson/") {
		t.Errorf("/api/lessons: %v %+v", err, lessons)
	}

	// The websocket, a class, its join URL and QR code.
	p, _ := e.dialURL("ws"+strings.TrimPrefix(e.hs.URL, "http")+"/portville/ws?lesson=tiny", nil)
	p.expect(wire.TypeHello)
	p.send(map[string]any{"type": wire.TypeClassStart})
	class := p.nextOf(wire.TypeClass)
	if want := e.hs.URL + "/portville/join/" + class.Code; class.URL != want {
		t.Errorf("join URL %s, want %s", class.URL, want)
	}
	if want := "/portville/class/" + class.Code + "/qr.svg"; class.QR != want {
		t.Errorf("QR %s, want %s", class.QR, want)
	}
	if resp, _ := e.get(class.QR, nil); resp.StatusCode != http.StatusOK {
		t.Errorf("GET %s: %d", class.QR, resp.StatusCode)
	}
	resp, _ = e.get("/portville/join?code="+strings.ToLower(class.Code), nil)
	if loc := resp.Header.Get("Location"); loc != "/portville/join/"+class.Code {
		t.Errorf("the join form redirects to %q", loc)
	}
	resp, _ = e.get("/portville/join/"+strings.ToLower(class.Code)+"?lang=de", nil)
	if loc := resp.Header.Get("Location"); loc != "/portville/join/"+class.Code+"?lang=de" {
		t.Errorf("a lower-case code redirects to %q", loc)
	}
}

func (e *env) dialURL(u string, header http.Header) (*client, *http.Response) {
	e.t.Helper()
	c, resp, err := websocketDial(u, header)
	if err != nil {
		e.t.Fatalf("dial %s: %v", u, err)
	}
	e.t.Cleanup(func() { c.Close() })
	return e.reading(c), resp
}

// proxied starts a reverse proxy (Go's httputil.ReverseProxy, as a host's
// Caddy or nginx would be) that serves the app at front/portville/: it
// passes the path on whole and says who the browser is in
// X-Forwarded-For, -Host and -Proto. It returns the proxy's URL.
func proxied(t testing.TB, backend string) string {
	t.Helper()
	target, _ := url.Parse(backend)
	rp := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		pr.SetURL(target) // the Host header becomes the backend's
		pr.SetXForwarded()
	}}
	mux := http.NewServeMux()
	mux.Handle("/portville/", rp)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "the school's own site", http.StatusNotFound)
	})
	front := httptest.NewServer(mux)
	t.Cleanup(front.Close)
	return front.URL
}

// Behind a proxy that rewrites the Host header, the app still accepts
// its own pages' websockets and writes join URLs with the browser's host.
func TestBehindReverseProxy(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.BasePath = "/portville/"; trustLoopback(c) })
	front := proxied(t, e.hs.URL)
	ws := "ws" + strings.TrimPrefix(front, "http") + "/portville/ws?lesson=tiny"
	p, _ := e.dialURL(ws, http.Header{"Origin": {front}})
	p.expect(wire.TypeHello)
	p.send(map[string]any{"type": wire.TypeClassStart})
	class := p.nextOf(wire.TypeClass)
	if want := front + "/portville/join/" + class.Code; class.URL != want {
		t.Errorf("join URL %s, want %s", class.URL, want)
	}
	// A page of another site may not open the websocket.
	if _, resp, err := websocketDial(ws, http.Header{"Origin": {"https://evil.example"}}); err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("a foreign origin through the proxy: err %v", err)
	}
	if !strings.Contains(e.logs.String(), "remote=127.0.0.1:0") {
		t.Error("the log does not name the browser (127.0.0.1 as the proxy forwarded it)")
	}
	req, _ := http.NewRequest("GET", front+"/portville/", nil)
	req.Header.Set("X-Request-Id", "from-the-proxy-42")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if id := resp.Header.Get("X-Request-Id"); id != "from-the-proxy-42" {
		t.Errorf("X-Request-Id %q: a trusted proxy's id is kept", id)
	}
	if !strings.Contains(e.logs.String(), "request_id=from-the-proxy-42") {
		t.Error("the log line does not carry the request id")
	}
}

// An untrusted client's X-Request-Id is replaced.
func TestRequestID(t *testing.T) {
	e := newEnv(t, nil)
	resp, _ := e.get("/healthz", http.Header{"X-Request-Id": {"forged"}})
	id := resp.Header.Get("X-Request-Id")
	if id == "forged" || len(id) != requestIDLen {
		t.Errorf("X-Request-Id %q, want a new id of %d characters", id, requestIDLen)
	}
	if !strings.Contains(e.logs.String(), "request_id="+id) {
		t.Error("the log does not carry the id")
	}
}

func websocketDial(u string, header http.Header) (*websocket.Conn, *http.Response, error) {
	return websocket.DefaultDialer.Dial(u, header)
}

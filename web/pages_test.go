package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/PuerkitoBio/goquery"

	"portville/web/wire"
)

func (e *env) page(path string, wantStatus int) (*http.Response, *goquery.Document) {
	e.t.Helper()
	resp, body := e.get(path, nil)
	if resp.StatusCode != wantStatus {
		e.t.Fatalf("GET %s: status %d, want %d", path, resp.StatusCode, wantStatus)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		e.t.Errorf("GET %s: Content-Type %q", path, ct)
	}
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	checkLayout(e.t, e.srv, path, doc)
	return resp, doc
}

// checkLayout checks what every page shares: the head, and no inline
// script or style for the CSP to forbid.
func checkLayout(t testing.TB, srv *Server, path string, doc *goquery.Document) {
	t.Helper()
	if doc.Find("html").AttrOr("lang", "") != "en" {
		t.Errorf("%s: html lang is not en", path)
	}
	if doc.Find("head title").Text() == "" {
		t.Errorf("%s: no title", path)
	}
	if v, _ := doc.Find(`head meta[name="viewport"]`).Attr("content"); !strings.Contains(v, "width=device-width") {
		t.Errorf("%s: viewport meta %q", path, v)
	}
	css := doc.Find(`head link[rel="stylesheet"]`)
	if css.Length() != 1 || css.AttrOr("href", "") != "/static/"+srv.assets.version+"/css/app.css" {
		t.Errorf("%s: stylesheet %q", path, css.AttrOr("href", ""))
	}
	scripts := doc.Find("script")
	if scripts.Length() != 1 || scripts.AttrOr("type", "") != "module" ||
		scripts.AttrOr("src", "") != "/static/"+srv.assets.version+"/js/app.js" || strings.TrimSpace(scripts.Text()) != "" {
		t.Errorf("%s: want exactly the app.js module script, found %d scripts", path, scripts.Length())
	}
	if n := doc.Find("style, [style]").Length(); n > 0 {
		t.Errorf("%s: %d inline styles", path, n)
	}
	doc.Find("*").Each(func(_ int, s *goquery.Selection) {
		for _, a := range s.Nodes[0].Attr {
			if strings.HasPrefix(a.Key, "on") {
				t.Errorf("%s: inline handler %s on <%s>", path, a.Key, goquery.NodeName(s))
			}
		}
	})
}

func TestPickerPage(t *testing.T) {
	e := newEnv(t, nil)
	_, doc := e.page("/", http.StatusOK)
	if !doc.Find("body").HasClass("page-picker") {
		t.Error("body is not .page-picker")
	}
	cards := doc.Find("main ol.lesson-list > li.lesson-card")
	if cards.Length() != len(e.cat.lessons) {
		t.Fatalf("%d lesson cards, want %d", cards.Length(), len(e.cat.lessons))
	}
	cards.Each(func(i int, s *goquery.Selection) {
		l := e.cat.lessons[i]
		link := s.Find("h2.lesson-title a.lesson-link")
		if href := link.AttrOr("href", ""); href != "/lesson/"+l.ID {
			t.Errorf("card %d links to %q, want /lesson/%s", i, href, l.ID)
		}
		if got := link.Find(".lesson-number").Text(); got != strconv.Itoa(i+1)+"." {
			t.Errorf("card %d number %q", i, got)
		}
		if !strings.Contains(link.Text(), l.Scenario.Title) {
			t.Errorf("card %d title %q, want %q", i, link.Text(), l.Scenario.Title)
		}
		if got := s.Find("details.lesson-more p.lesson-summary").Text(); got != l.Scenario.Summary {
			t.Errorf("card %d summary %q", i, got)
		}
		if lead := s.Find("p.lesson-lead").Text(); lead == "" || len(lead) > 204 || !strings.HasPrefix(l.Scenario.Summary, strings.TrimSuffix(lead, "…")) {
			t.Errorf("card %d lead %q: want the start of the summary, at most about 200 characters", i, lead)
		}
	})
	if href := doc.Find("header a.join-link").AttrOr("href", ""); href != "/join" {
		t.Errorf("join link %q, want /join", href)
	}
}

func TestViewerPages(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.FrameAncestors = "https://lms.example.edu, https://*.instructure.com" })
	tests := []struct {
		name      string
		path      string
		mode      string
		query     string
		header    bool
		ancestors string
	}{
		{"full", "/lesson/ephemeral-ports", "full", "", true, "'self'"},
		{"full with parameters", "/lesson/ephemeral-ports?os=windows&seed=3&speed=2", "full", "os=windows&seed=3&speed=2", true, "'self'"},
		{"embed", "/embed/ephemeral-ports?autoplay=1&controls=0&caption=analogy", "embed", "autoplay=1&controls=0&caption=analogy", false,
			"https://lms.example.edu https://*.instructure.com"},
	}
	l := e.cat.lessons[0]
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, doc := e.page(tt.path, http.StatusOK)
			body := doc.Find("body")
			if !body.HasClass("page-viewer") || body.AttrOr("data-mode", "") != tt.mode {
				t.Errorf("body class %q data-mode %q", body.AttrOr("class", ""), body.AttrOr("data-mode", ""))
			}
			header := body.Find("header.viewer-header")
			if (header.Length() == 1) != tt.header {
				t.Fatalf("%d headers, want header=%v", header.Length(), tt.header)
			}
			// Every page has its title as its h1; an embed's is for a
			// screen reader only (no header is drawn).
			if h1 := body.Find("h1"); h1.Length() != 1 || h1.Text() != l.Scenario.Title || (!tt.header && !h1.Parent().HasClass("sr-only")) {
				t.Errorf("%d h1 %q (in %q), want one, the lesson's title, drawn only with the header", h1.Length(), h1.Text(), h1.Parent().AttrOr("class", ""))
			}
			if tt.header {
				if header.Find("a.brand").AttrOr("href", "") != "/" {
					t.Error("the brand does not link to /")
				}
				if got := header.Find("h1").Text(); got != l.Scenario.Title {
					t.Errorf("h1 %q, want %q", got, l.Scenario.Title)
				}
				opts := header.Find("select#lesson-select option")
				if opts.Length() != len(e.cat.lessons) {
					t.Errorf("%d options, want %d", opts.Length(), len(e.cat.lessons))
				}
				opts.Each(func(i int, o *goquery.Selection) {
					_, selected := o.Attr("selected")
					want := e.cat.lessons[i]
					if o.AttrOr("value", "") != want.ID || o.Text() != want.Scenario.Title || selected != (want.ID == l.ID) {
						t.Errorf("option %d: value %q text %q selected %v", i, o.AttrOr("value", ""), o.Text(), selected)
					}
				})
			} else if doc.Find("select, h1:not(.sr-only h1)").Length() != 0 {
				t.Error("the embed has a select or a drawn h1")
			}
			app := body.Find("main#app")
			for attr, want := range map[string]string{"data-lesson": l.ID, "data-ws": "/ws", "data-mode": tt.mode, "data-query": tt.query} {
				if got, ok := app.Attr(attr); !ok || got != want {
					t.Errorf("#app %s=%q, want %q", attr, got, want)
				}
			}
			info := app.Find("section#lesson-info")
			if got := info.Find("p.lesson-summary").Text(); got != l.Scenario.Summary {
				t.Errorf("summary %q", got)
			}
			var takeaways []string
			info.Find("ul.lesson-takeaways li").Each(func(_ int, s *goquery.Selection) { takeaways = append(takeaways, s.Text()) })
			if !reflect.DeepEqual(takeaways, l.Scenario.Takeaways) {
				t.Errorf("takeaways %q", takeaways)
			}
			if !strings.Contains(app.Find("noscript").Text(), "JavaScript") {
				t.Error("no noscript explanation")
			}
			csp := resp.Header.Get("Content-Security-Policy")
			if !strings.HasSuffix(csp, "; frame-ancestors "+tt.ancestors) {
				t.Errorf("CSP %q, want frame-ancestors %s", csp, tt.ancestors)
			}
			if xfo := resp.Header.Get("X-Frame-Options"); (xfo == "SAMEORIGIN") != (tt.mode == "full") {
				t.Errorf("X-Frame-Options %q", xfo)
			}
		})
	}
}

func TestSecurityHeaders(t *testing.T) {
	e := newEnv(t, nil)
	const base = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; " +
		"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors "
	tests := []struct {
		name string
		path string
		csp  string
	}{
		{"picker", "/", base + "'self'"},
		{"lesson", "/lesson/tiny", base + "'self'"},
		{"embed, any origin by default", "/embed/tiny", base + "*"},
		{"embed 404", "/embed/nope", base + "*"},
		{"api", "/api/lessons", base + "'self'"},
		{"health", "/healthz", base + "'self'"},
		{"404", "/nope", base + "'self'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, _ := e.get(tt.path, nil)
			h := resp.Header
			if got := h.Get("Content-Security-Policy"); got != tt.csp {
				t.Errorf("CSP\n got %q\nwant %q", got, tt.csp)
			}
			if strings.Contains(h.Get("Content-Security-Policy"), "unsafe-inline") {
				t.Error("the CSP allows inline code")
			}
			if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") == "" {
				t.Errorf("nosniff %q referrer %q", h.Get("X-Content-Type-Options"), h.Get("Referrer-Policy"))
			}
		})
	}
}

func TestNotFoundPages(t *testing.T) {
	e := newEnv(t, nil)
	tests := []struct {
		name    string
		path    string
		heading string
	}{
		{"unknown lesson", "/lesson/no-such-lesson", "Lesson not found"},
		{"unknown embed", "/embed/no-such-lesson", "Lesson not found"},
		{"unknown path", "/no/such/page", "Page not found"},
		{"unknown asset", "/static/x/js/nope.js", "Page not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, doc := e.page(tt.path, http.StatusNotFound)
			if !doc.Find("body").HasClass("page-error") {
				t.Error("body is not .page-error")
			}
			if got := doc.Find("main h1").Text(); got != tt.heading {
				t.Errorf("h1 %q, want %q", got, tt.heading)
			}
			if doc.Find("main p.error-message").Text() == "" {
				t.Error("no message")
			}
			if doc.Find(`main .error-home a[href="/"]`).Length() != 1 {
				t.Error("no link home")
			}
		})
	}
}

func TestServerErrorsHideDetail(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Catalog = failingCatalog{} })
	for _, path := range []string{"/", "/lesson/tiny", "/api/lessons"} {
		resp, body := e.get(path, nil)
		if resp.StatusCode != http.StatusInternalServerError {
			t.Errorf("%s: status %d, want 500", path, resp.StatusCode)
		}
		if strings.Contains(string(body), "secret") {
			t.Errorf("%s shows the error's detail: %s", path, body)
		}
		if !strings.Contains(string(body), internalError.message) {
			t.Errorf("%s does not say %q", path, internalError.message)
		}
	}
	if !strings.Contains(e.logs.String(), "a secret detail") {
		t.Error("the log does not have the detail")
	}
	c := e.dial("lesson=tiny")
	c.expectError(wire.CodeInternal)
	c.expectClose(1011)
}

func TestAPILessons(t *testing.T) {
	e := newEnv(t, nil)
	resp, body := e.get("/api/lessons", nil)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("status %d, Content-Type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var got []lessonJSON
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	var want []lessonJSON
	for _, l := range e.cat.lessons {
		want = append(want, lessonJSON{ID: l.ID, Title: l.Scenario.Title, Summary: l.Scenario.Summary,
			Takeaways: l.Scenario.Takeaways, URL: "/lesson/" + l.ID})
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
}

func TestHealthz(t *testing.T) {
	e := newEnv(t, nil)
	resp, body := e.get("/healthz", nil)
	if resp.StatusCode != 200 || string(body) != "ok\n" {
		t.Errorf("status %d body %q", resp.StatusCode, body)
	}
	req, _ := http.NewRequest("POST", e.url("/healthz"), nil)
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: status %d", r.StatusCode)
	}
}

func TestStaticAssets(t *testing.T) {
	e := newEnv(t, nil)
	v := e.srv.assets.version
	tests := []struct {
		name        string
		path        string
		header      http.Header
		status      int
		contentType string
		cache       string
		location    string
		body        string
	}{
		{"css", "/static/" + v + "/css/app.css", nil, 200, "text/css; charset=utf-8",
			"public, max-age=31536000, immutable", "", "body { margin: 0 }\n"},
		{"js", "/static/" + v + "/js/app.js", nil, 200, "text/javascript; charset=utf-8",
			"public, max-age=31536000, immutable", "", "export const app = 1;\n"},
		{"not modified", "/static/" + v + "/js/app.js", http.Header{"If-None-Match": {e.srv.assets.files["js/app.js"].etag}}, 304, "",
			"public, max-age=31536000, immutable", "", ""},
		{"old version", "/static/0123456789ab/js/app.js", nil, 302, "text/html; charset=utf-8",
			"no-cache", "/static/" + v + "/js/app.js", ""},
		{"missing file", "/static/" + v + "/js/nope.js", nil, 404, "text/html; charset=utf-8", "no-cache", "", ""},
		{"directory", "/static/" + v + "/js/", nil, 404, "text/html; charset=utf-8", "no-cache", "", ""},
		{"escape", "/static/" + v + "/../server.go", nil, 404, "text/html; charset=utf-8", "no-cache", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := e.get(tt.path, tt.header)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.status)
			}
			if got := resp.Header.Get("Content-Type"); got != tt.contentType {
				t.Errorf("Content-Type %q, want %q", got, tt.contentType)
			}
			if got := resp.Header.Get("Cache-Control"); got != tt.cache {
				t.Errorf("Cache-Control %q, want %q", got, tt.cache)
			}
			if got := resp.Header.Get("Location"); got != tt.location {
				t.Errorf("Location %q, want %q", got, tt.location)
			}
			if tt.body != "" && string(body) != tt.body {
				t.Errorf("body %q, want %q", body, tt.body)
			}
			if tt.status == 200 && resp.Header.Get("ETag") == "" {
				t.Error("no ETag")
			}
		})
	}
}

func TestAssetVersionFollowsContent(t *testing.T) {
	a1, err := newAssets(testStatic)
	if err != nil {
		t.Fatal(err)
	}
	a2, err := newAssets(fstest.MapFS{
		"css/app.css": {Data: []byte("body { margin: 1px }\n")},
		"js/app.js":   testStatic["js/app.js"],
	})
	if err != nil {
		t.Fatal(err)
	}
	a3, err := newAssets(testStatic)
	if err != nil {
		t.Fatal(err)
	}
	if a1.version == a2.version || a1.version != a3.version || len(a1.version) != 12 {
		t.Errorf("versions %q %q %q: want a 12-digit hash that follows the content", a1.version, a2.version, a3.version)
	}
}

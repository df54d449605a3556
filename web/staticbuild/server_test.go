package staticbuild

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"portville/sim/lessons"
	"portville/web"
)

// skeleton describes the structure of a page the front end relies on:
// the body's class and data-mode, then every element inside #app (or the
// picker's <main>) as tag#id.class with its own text, and the header's
// title. URLs and the transport attributes are left out: they are what
// differs between the server and the static build.
func skeleton(t *testing.T, html []byte) string {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(html))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	body := doc.Find("body")
	fmt.Fprintf(&b, "body.%s mode=%s\n", body.AttrOr("class", ""), body.AttrOr("data-mode", ""))
	fmt.Fprintf(&b, "title=%s header-title=%q brand=%q\n", doc.Find("title").Text(),
		doc.Find("header .lesson-title").Text(), strings.TrimSpace(doc.Find("header .brand").Text()))
	root := doc.Find("main#app")
	if root.Length() == 0 {
		root = doc.Find("main")
	}
	fmt.Fprintf(&b, "main#%s.%s lesson=%s mode=%s\n", root.AttrOr("id", ""), root.AttrOr("class", ""),
		root.AttrOr("data-lesson", ""), root.AttrOr("data-mode", ""))
	root.Find("*").Each(func(_ int, s *goquery.Selection) {
		own := strings.Join(strings.Fields(s.Clone().Children().Remove().End().Text()), " ")
		fmt.Fprintf(&b, "%s#%s.%s %q\n", goquery.NodeName(s), s.AttrOr("id", ""), s.AttrOr("class", ""), own)
	})
	return b.String()
}

// TestPagesMatchServer: the static pages have the structure of the
// server's (web/pages.templ, web/view.templ), with the same text.
func TestPagesMatchServer(t *testing.T) {
	srv, err := web.New(web.Config{})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	defer srv.Shutdown(context.Background())
	b := wasmBuild(t)
	dir := filepath.Join(t.TempDir(), "site")
	if _, err := Export(context.Background(), dir, Options{Prebuilt: b}); err != nil {
		t.Fatal(err)
	}
	pages := [][2]string{{"/", "index.html"}, {"/lab", "lab.html"}}
	for _, id := range lessons.IDs {
		pages = append(pages, [2]string{"/lesson/" + id, "lesson/" + id + ".html"}, [2]string{"/embed/" + id, "embed/" + id + ".html"})
	}
	for _, pg := range pages {
		resp, err := http.Get(ts.URL + pg[0])
		if err != nil {
			t.Fatal(err)
		}
		var served bytes.Buffer
		served.ReadFrom(resp.Body)
		resp.Body.Close()
		static, err := os.ReadFile(filepath.Join(dir, pg[1]))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := skeleton(t, static), skeleton(t, served.Bytes()); got != want {
			t.Errorf("%s differs from the server's %s:\nstatic:\n%s\nserver:\n%s", pg[1], pg[0], got, want)
		}
	}
}

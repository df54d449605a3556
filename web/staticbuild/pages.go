package staticbuild

import (
	"bytes"
	"fmt"
	"html/template"
	"path"
	"strings"

	"portville/sim/lab"
	"portville/sim/lang"
	"portville/sim/lang/catalogues"
	"portville/sim/lessons"
	"portville/sim/timeline"
)

// The pages have the structure web/pages.templ and web/view.templ give
// the server's pages (a test compares them), so static/js and
// static/css treat both alike. What differs: every URL is relative; #app
// carries data-transport="wasm" and data-wasm (the module's URL), which
// make static/js/app.js use the in-page session of static/js/wasm.js; the
// header has no lesson <select> (app.js sends it to the server's
// /lesson/{id}); and, with no server to send headers, the
// Content-Security-Policy is a <meta> (frame-ancestors cannot be: any
// site may frame the pages, as the server allows for /embed/*).

// csp is the server's policy (web/server.go) less frame-ancestors.
const csp = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; " +
	"img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'"

// Viewer modes, as in web/pages.go.
const (
	modeFull  = "full"
	modeEmbed = "embed"
)

type head struct {
	Title string
	Root  string // relative URL of the folder's root from the page: "", "../" or "../../"
	Home  string // relative URL of the page's language's index.html
	L     *lang.Catalogue
	Lang  string // the page's language code
	UI    string // what static/js/i18n.js reads: the code, the languages, the ui table
	Langs []langLink
}

// langLink is the same page in one language, for the header's menu.
type langLink struct {
	Code, Name, Href string
	Selected         bool
}

type lessonCard struct {
	Number  int
	ID      string
	Title   string
	Lead    string
	Summary string
	URL     string
	Town    string // timeline.Picture as JSON, drawn by the page
}

type pickerView struct {
	Head    head
	Lessons []lessonCard
}

type viewerView struct {
	Head      head
	Mode      string
	ID        string
	Title     string
	Summary   string
	Takeaways []string
	Wasm      string // relative URL of the page's module: portville.wasm, or the lab's
	Lab       bool   // lab.html: the lab, on the town ?lesson=ID names (the page's script reads it)
	LabURL    string // a lesson's "Try it yourself"
	Options   []lessonCard
}

var pages = template.Must(template.New("").Parse(`
{{- define "head" -}}
<!DOCTYPE html>
<html lang="{{.Lang}}" data-ui="{{.UI}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="` + csp + `">
<title>{{.Title}}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{{.Root}}static/css/app.css">
<script type="module" src="{{.Root}}static/js/app.js"></script>
</head>
{{- end}}

{{- define "langs" -}}
<form class="lang-picker" method="get" action="">
<label class="sr-only" for="lang-select">{{.L.T "Language"}}</label>
<select id="lang-select" name="lang" title="{{.L.T "Language"}}">
{{- range .Langs}}
<option value="{{.Code}}" lang="{{.Code}}" data-href="{{.Href}}"{{if .Selected}} selected{{end}}>{{.Name}}</option>
{{- end}}
</select>
</form>
{{- end}}

{{- define "picker" -}}
{{template "head" .Head}}
<body class="page-picker">
<header class="site-header">
<h1 class="brand">Portville</h1>
<p class="tagline">{{.Head.L.T "How programs, processes and threads talk over a network through sockets, IP addresses and ports, told as a town of apartment buildings."}}</p>
{{template "langs" .Head}}
</header>
<main class="picker">
<p class="picker-intro">{{.Head.L.T "Pick a lesson. Play it, step through it with the arrow keys, or show it on a projector (press P)."}}</p>
<p class="picker-lab"><a class="lab-link" href="lab.html">{{.Head.L.T "Open the lab"}}</a>{{.Head.L.T ": build your own town and type real commands into it (curl, nc, ss, ps) to see which ports the OS hands out."}}</p>
<ol class="lesson-list">
{{- range .Lessons}}
<li class="lesson-card" id="lesson-{{.ID}}">
{{- if .Town}}
<div class="lesson-town" data-town="{{.Town}}" data-href="{{.URL}}" inert></div>
{{- end}}
<h2 class="lesson-title"><a class="lesson-link" href="{{.URL}}"><span class="lesson-number">{{.Number}}.</span> {{.Title}}</a></h2>
<p class="lesson-lead">{{.Lead}}</p>
<details class="lesson-more">
<summary>{{$.Head.L.T "More about this lesson"}}</summary>
<p class="lesson-summary">{{.Summary}}</p>
</details>
</li>
{{- end}}
</ol>
</main>
<footer class="site-footer">
<p>{{.Head.L.T "This copy of Portville runs in your browser, with no server."}} {{.Head.L.T "Every lesson also runs without a browser:"}} <code>portville run --lesson ID</code>.</p>
</footer>
</body>
</html>
{{end}}

{{- define "viewer" -}}
{{template "head" .Head}}
<body class="page-viewer" data-mode="{{.Mode}}"{{if .Lab}} data-lab="1"{{end}}>
{{- if eq .Mode "full"}}
<header class="viewer-header">
<a class="brand" href="{{.Head.Home}}">Portville</a>
<h1 class="lesson-title">{{.Title}}</h1>
{{- if .Lab}}
<select id="lesson-select" name="lesson" aria-label="{{.Head.L.T "The town the lab starts from"}}" data-lab="1">
<option value="">{{.Head.L.T "A laptop and a web server"}}</option>
{{- range .Options}}
<option value="{{.ID}}">{{$.Head.L.T "The town of: {title}" "title" .Title}}</option>
{{- end}}
</select>
{{- else}}
<a class="lab-link" href="{{.LabURL}}">{{.Head.L.T "Try it yourself"}}</a>
{{- end}}
{{template "langs" .Head}}
</header>
{{- else}}
<header class="sr-only"><h1>{{.Title}}</h1></header>
{{- end}}
<main id="app" data-lesson="{{.ID}}" data-mode="{{.Mode}}" data-transport="wasm" data-wasm="{{.Wasm}}"{{if .Lab}} data-lab="1"{{end}}>
<section id="lesson-info" tabindex="0" aria-label="{{.Head.L.T "About this lesson"}}">
<p class="lesson-summary">{{.Summary}}</p>
<ul class="lesson-takeaways">
{{- range .Takeaways}}
<li>{{.}}</li>
{{- end}}
</ul>
</section>
<noscript>
<p class="noscript">{{.Head.L.T "This lesson is an animation drawn by JavaScript. Turn JavaScript on to watch it; the summary above says what it teaches."}}</p>
</noscript>
</main>
</body>
</html>
{{end}}
`))

// renderPages returns the HTML pages of the folder, by path: English at
// its root, every other language in a folder of its code (fr/index.html,
// fr/lesson/{id}.html, ...), each page in its language with its ui table;
// the front end, the module and the captures are shared.
func renderPages(all []*lessons.Lesson) (map[string][]byte, error) {
	out := map[string][]byte{}
	for _, code := range catalogues.Codes {
		if err := renderLanguage(all, catalogues.Get(code), out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// langFolder is the folder of a language's pages: "" for English.
func langFolder(code string) string {
	if code == "en" {
		return ""
	}
	return code + "/"
}

// newHead returns the head of the page at rel (a slash path inside its
// language's folder, "index.html" or "lesson/x.html") in c.
func newHead(c *lang.Catalogue, title, rel string) head {
	depth := strings.Count(langFolder(c.Code)+rel, "/")
	root := strings.Repeat("../", depth)
	h := head{Title: title, Root: root, Home: strings.Repeat("../", strings.Count(rel, "/")) + indexFile,
		L: c, Lang: c.Code, UI: catalogues.PageUI(c)}
	for _, code := range catalogues.Codes {
		h.Langs = append(h.Langs, langLink{Code: code, Name: catalogues.Get(code).Name,
			Href: root + langFolder(code) + rel, Selected: code == c.Code})
	}
	return h
}

func renderLanguage(all []*lessons.Lesson, c *lang.Catalogue, out map[string][]byte) error {
	tr := c.Sim()
	dir := langFolder(c.Code)
	picker := pickerView{Head: newHead(c, c.T("Portville: lessons"), indexFile)}
	for i, l := range all {
		town, err := timeline.PictureOf(l.ID, l.Scenario)
		if err != nil {
			return fmt.Errorf("the picture of %s: %w", l.ID, err)
		}
		summary := tr.Text(l.Scenario.Summary)
		picker.Lessons = append(picker.Lessons, lessonCard{
			Town:   string(town),
			Number: i + 1, ID: l.ID, Title: tr.Text(l.Title()), Lead: lessons.Lead(summary), Summary: summary,
			URL: path.Join(lessonDir, l.ID+".html"),
		})
	}
	var err error
	if out[dir+indexFile], err = render("picker", picker); err != nil {
		return err
	}
	for _, l := range all {
		title := tr.Text(l.Title())
		for _, m := range []struct{ mode, dir string }{{modeFull, lessonDir}, {modeEmbed, embedDir}} {
			rel := path.Join(m.dir, l.ID+".html")
			h := newHead(c, title+" · Portville", rel)
			v := viewerView{
				Head: h, Mode: m.mode,
				ID: l.ID, Title: title, Summary: tr.Text(l.Scenario.Summary), Takeaways: tr.TextList(l.Scenario.Takeaways),
				Wasm: h.Root + path.Join(wasmDir, wasmFile), LabURL: "../" + labFile + "?lesson=" + l.ID,
			}
			if out[dir+rel], err = render("viewer", v); err != nil {
				return err
			}
		}
	}
	// The lab: one page for every town; its script reads ?lesson=ID.
	town := lab.DefaultTown()
	h := newHead(c, c.T("Lab")+" · Portville", labFile)
	labView := viewerView{
		Head: h, Mode: modeFull, Title: c.T("Lab"), Summary: tr.Text(town.Summary),
		Wasm: h.Root + path.Join(wasmDir, labWasmFile), Lab: true, Options: picker.Lessons,
	}
	if out[dir+labFile], err = render("viewer", labView); err != nil {
		return err
	}
	return nil
}

func render(name string, data any) ([]byte, error) {
	var buf bytes.Buffer
	if err := pages.ExecuteTemplate(&buf, name, data); err != nil {
		return nil, fmt.Errorf("render %s: %w", name, err)
	}
	return buf.Bytes(), nil
}

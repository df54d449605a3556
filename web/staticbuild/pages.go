package staticbuild

import (
	"bytes"
	"fmt"
	"html/template"
	"path"

	"portville/sim/lab"
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
	Root  string // relative URL of the folder's root from the page: "" or "../"
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
	Wasm      string // relative URL of portville.wasm
	Lab       bool   // lab.html: the lab, on the town ?lesson=ID names (the page's script reads it)
	LabURL    string // a lesson's "Try it yourself"
	Options   []lessonCard
}

var pages = template.Must(template.New("").Parse(`
{{- define "head" -}}
<!DOCTYPE html>
<html lang="en">
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

{{- define "picker" -}}
{{template "head" .Head}}
<body class="page-picker">
<header class="site-header">
<h1 class="brand">Portville</h1>
<p class="tagline">How programs, processes and threads talk over a network through sockets, IP addresses and ports, told as a town of apartment buildings.</p>
</header>
<main class="picker">
<p class="picker-intro">Pick a lesson. Play it, step through it with the arrow keys, or show it on a projector (press P).</p>
<p class="picker-lab"><a class="lab-link" href="lab.html">Open the lab</a>: build your own town and type real commands into it (curl, nc, ss, ps) to see which ports the OS hands out.</p>
<ol class="lesson-list">
{{- range .Lessons}}
<li class="lesson-card" id="lesson-{{.ID}}">
{{- if .Town}}
<div class="lesson-town" data-town="{{.Town}}" data-href="{{.URL}}" inert></div>
{{- end}}
<h2 class="lesson-title"><a class="lesson-link" href="{{.URL}}"><span class="lesson-number">{{.Number}}.</span> {{.Title}}</a></h2>
<p class="lesson-lead">{{.Lead}}</p>
<details class="lesson-more">
<summary>More about this lesson</summary>
<p class="lesson-summary">{{.Summary}}</p>
</details>
</li>
{{- end}}
</ol>
</main>
<footer class="site-footer">
<p>This copy of Portville runs in your browser, with no server. Every lesson also runs without a browser: <code>portville run --lesson ID</code>.</p>
</footer>
</body>
</html>
{{end}}

{{- define "viewer" -}}
{{template "head" .Head}}
<body class="page-viewer" data-mode="{{.Mode}}"{{if .Lab}} data-lab="1"{{end}}>
{{- if eq .Mode "full"}}
<header class="viewer-header">
<a class="brand" href="{{.Head.Root}}index.html">Portville</a>
<h1 class="lesson-title">{{.Title}}</h1>
{{- if .Lab}}
<select id="lesson-select" name="lesson" aria-label="The town the lab starts from" data-lab="1">
<option value="">A laptop and a web server</option>
{{- range .Options}}
<option value="{{.ID}}">The town of: {{.Title}}</option>
{{- end}}
</select>
{{- else}}
<a class="lab-link" href="{{.LabURL}}">Try it yourself</a>
{{- end}}
</header>
{{- else}}
<header class="sr-only"><h1>{{.Title}}</h1></header>
{{- end}}
<main id="app" data-lesson="{{.ID}}" data-mode="{{.Mode}}" data-transport="wasm" data-wasm="{{.Wasm}}"{{if .Lab}} data-lab="1"{{end}}>
<section id="lesson-info" tabindex="0" aria-label="About this lesson">
<p class="lesson-summary">{{.Summary}}</p>
<ul class="lesson-takeaways">
{{- range .Takeaways}}
<li>{{.}}</li>
{{- end}}
</ul>
</section>
<noscript>
<p class="noscript">This lesson is an animation drawn by JavaScript. Turn JavaScript on to watch it; the summary above says what it teaches.</p>
</noscript>
</main>
</body>
</html>
{{end}}
`))

// renderPages returns the HTML pages of the folder, by path.
func renderPages(all []*lessons.Lesson) (map[string][]byte, error) {
	out := map[string][]byte{}
	picker := pickerView{Head: head{Title: "Portville: lessons"}}
	for i, l := range all {
		town, err := timeline.PictureOf(l.ID, l.Scenario)
		if err != nil {
			return nil, fmt.Errorf("the picture of %s: %w", l.ID, err)
		}
		picker.Lessons = append(picker.Lessons, lessonCard{
			Town:   string(town),
			Number: i + 1, ID: l.ID, Title: l.Title(), Lead: l.Lead(), Summary: l.Scenario.Summary,
			URL: path.Join(lessonDir, l.ID+".html"),
		})
	}
	var err error
	if out[indexFile], err = render("picker", picker); err != nil {
		return nil, err
	}
	for _, l := range all {
		for _, m := range []struct{ mode, dir string }{{modeFull, lessonDir}, {modeEmbed, embedDir}} {
			v := viewerView{
				Head: head{Title: l.Title() + " · Portville", Root: "../"}, Mode: m.mode,
				ID: l.ID, Title: l.Title(), Summary: l.Scenario.Summary, Takeaways: l.Scenario.Takeaways,
				Wasm: "../" + path.Join(wasmDir, wasmFile), LabURL: "../" + labFile + "?lesson=" + l.ID,
			}
			if out[path.Join(m.dir, l.ID+".html")], err = render("viewer", v); err != nil {
				return nil, err
			}
		}
	}
	// The lab: one page for every town; its script reads ?lesson=ID.
	labView := viewerView{
		Head: head{Title: "Lab · Portville"}, Mode: modeFull, Title: "Lab", Summary: lab.DefaultTown().Summary,
		Wasm: path.Join(wasmDir, wasmFile), Lab: true, Options: picker.Lessons,
	}
	if out[labFile], err = render("viewer", labView); err != nil {
		return nil, err
	}
	return out, nil
}

func render(name string, data any) ([]byte, error) {
	var buf bytes.Buffer
	if err := pages.ExecuteTemplate(&buf, name, data); err != nil {
		return nil, fmt.Errorf("render %s: %w", name, err)
	}
	return buf.Bytes(), nil
}

package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/a-h/templ"
	"github.com/go-chi/chi/v5"

	"portville/sim/lab"
	"portville/sim/lang"
	"portville/sim/lessons"
	tlpkg "portville/sim/timeline"
)

// View models: the pages' templ components (pages.templ, view.templ) take
// these, shaped like the page, never the domain types.

// Viewer modes, the data-mode of a lesson page.
const (
	modeFull     = "full"     // /lesson/{id}: header, lesson picker
	modeEmbed    = "embed"    // /embed/{id}: minimal chrome for an iframe
	modeLive     = "live"     // /live: this machine (live.go)
	modeFollower = "follower" // /join/{code}: a class's follower (join.go)
)

// pageHead is what every page's <head> needs, and its language.
type pageHead struct {
	Title string
	CSS   string // URL of app.css
	JS    string // URL of app.js, a module
	// L is the page's language; Lang its code, for <html lang>.
	L    *lang.Catalogue
	Lang string
	// UI is the catalogue the page's script reads (static/js/i18n.js),
	// as JSON: {"lang", "languages", "ui"}.
	UI string
	// Explicit is set when the URL named the language (?lang=): the
	// page's links then carry it on.
	Explicit bool
	// Langs are the languages the picker offers; Params the page's
	// query but lang, which the picker's form sends again.
	Langs  []langOption
	Params [][2]string
	// CLILang is " --lang xx" for the picker's command line, "" in English.
	CLILang string
	// Base is the server's base path ("" or "/portville"), which every
	// link carries; the page's script reads it from data-base.
	Base string
}

// langOption is one language of the picker.
type langOption struct{ Code, Name string }

// Link returns the URL of path (a path of the app, such as /join) under
// the base path, with the page's ?lang= when the URL named one.
func (h pageHead) Link(path string) string {
	if strings.HasPrefix(path, "/") {
		path = h.Base + path
	}
	if !h.Explicit {
		return path
	}
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	return path + sep + "lang=" + url.QueryEscape(h.Lang)
}

// lessonCard is one lesson on the picker.
type lessonCard struct {
	Number  int // from 1, in teaching order
	ID      string
	Title   string
	Lead    string // the summary's first sentence
	Summary string
	URL     string
	Town    string // the picture of its town (timeline.Picture, JSON) that the page draws
}

type pickerView struct {
	Head    pageHead
	Lessons []lessonCard
}

// lessonOption is one entry of the viewer's lesson <select>.
type lessonOption struct {
	ID       string
	Title    string
	Selected bool
}

type viewerView struct {
	Head      pageHead
	Mode      string // modeFull or modeEmbed
	ID        string
	Title     string
	Summary   string
	Takeaways []string
	Options   []lessonOption // full mode only
	WS        string         // websocket path
	Query     string         // the page's query string, for the script (os, seed, speed, ...)
	Class     string         // follower mode: the class's join code
	Lab       bool           // the lab: ID is the lesson whose town it starts from ("" for the default)
	LabURL    string         // a lesson's "Try it yourself": its lab
}

// viewerBodyAttrs are the body's attributes: the mode, and data-lab on a
// lab's page.
func viewerBodyAttrs(v viewerView) templ.Attributes {
	a := templ.Attributes{"data-mode": v.Mode}
	if v.Lab {
		a["data-lab"] = "1"
	}
	return a
}

func labURL(lessonID string) string {
	if lessonID == "" {
		return "/lab"
	}
	return "/lab?lesson=" + url.QueryEscape(lessonID)
}

type errorView struct {
	Head    pageHead
	Status  int
	Title   string
	Message string
}

// lessonJSON is one entry of /api/lessons.
type lessonJSON struct {
	ID        string   `json:"id"`
	Title     string   `json:"title"`
	Summary   string   `json:"summary"`
	Takeaways []string `json:"takeaways"`
	URL       string   `json:"url"`
}

// head returns the head of a page for request r, in its language.
func (s *Server) head(r *http.Request, title string) pageHead {
	c, explicit := langOf(r.Context()), langExplicit(r.Context())
	h := pageHead{Title: title, CSS: s.assets.url("css/app.css"), JS: s.assets.url("js/app.js"),
		L: c, Lang: c.Code, UI: uiJSON(c), Explicit: explicit, Langs: langOptions(), Base: s.base}
	if c.Code != "en" {
		h.CLILang = " --lang " + c.Code
	}
	q := r.URL.Query()
	keys := make([]string, 0, len(q))
	for k := range q {
		if k != "lang" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range q[k] {
			h.Params = append(h.Params, [2]string{k, v})
		}
	}
	return h
}

func lessonURL(id string) string { return "/lesson/" + id }

// handlePicker serves the lesson picker.
func (s *Server) handlePicker(w http.ResponseWriter, r *http.Request) {
	all, err := s.catalog.Lessons()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := pickerView{Head: s.head(r, langOf(r.Context()).T("Portville: lessons"))}
	tr := langOf(r.Context()).Sim()
	for i, l := range all {
		summary := tr.Text(l.Scenario.Summary)
		v.Lessons = append(v.Lessons, lessonCard{
			Number: i + 1, ID: l.ID, Title: tr.Text(l.Title()), Lead: lessons.Lead(summary), Summary: summary, URL: v.Head.Link(lessonURL(l.ID)),
			Town: s.picture(l),
		})
	}
	s.render(w, r, http.StatusOK, pickerPage(v))
}

// picture returns the picture of a lesson's town for its card, or "" (a
// lesson that does not run has none: its card stays words only).
func (s *Server) picture(l *lessons.Lesson) string {
	if p, ok := s.pictures.Load(l.Scenario); ok {
		return p.(string)
	}
	b, err := tlpkg.PictureOf(l.ID, l.Scenario)
	if err != nil {
		s.log.Warn("no picture of the lesson's town", "lesson", l.ID, "err", err)
	}
	s.pictures.Store(l.Scenario, string(b))
	return string(b)
}

// handleViewer serves a lesson's view in the mode.
func (s *Server) handleViewer(mode string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := chi.URLParam(r, "id")
		l, err := s.lesson(id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		tr := langOf(r.Context()).Sim()
		title := tr.Text(l.Title())
		v := viewerView{
			Head: s.head(r, title+" · Portville"), Mode: mode,
			ID: l.ID, Title: title, Summary: tr.Text(l.Scenario.Summary), Takeaways: tr.TextList(l.Scenario.Takeaways),
			WS: s.path("/ws"), Query: r.URL.RawQuery, LabURL: labURL(l.ID),
		}
		if mode == modeFull {
			all, err := s.catalog.Lessons()
			if err != nil {
				s.fail(w, r, err)
				return
			}
			for _, o := range all {
				v.Options = append(v.Options, lessonOption{ID: o.ID, Title: tr.Text(o.Title()), Selected: o.ID == l.ID})
			}
		}
		s.render(w, r, http.StatusOK, viewerPage(v))
	}
}

// handleLab serves the lab: the viewer in lab mode, on the default town
// or (?lesson=ID) on a lesson's hosts and programs with nothing run yet.
func (s *Server) handleLab(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("lesson")
	c := langOf(r.Context())
	tr := c.Sim()
	title, summary := c.T("Lab"), tr.Text(lab.DefaultTown().Summary)
	var takeaways []string
	if id != "" {
		l, err := s.lesson(id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		lt := tr.Text(l.Title())
		title = c.T("Lab: {title}", "title", lt)
		summary = c.T("The town of the lesson “{title}”, with nothing run yet: type its commands yourself.", "title", lt) + " " + tr.Text(l.Scenario.Summary)
		takeaways = tr.TextList(l.Scenario.Takeaways)
	}
	all, err := s.catalog.Lessons()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := viewerView{
		Head: s.head(r, title+" · Portville"), Mode: modeFull, ID: id, Title: title, Summary: summary, Takeaways: takeaways,
		WS: s.path("/ws"), Query: r.URL.RawQuery, Lab: true,
	}
	for _, o := range all {
		v.Options = append(v.Options, lessonOption{ID: o.ID, Title: tr.Text(o.Title()), Selected: o.ID == id})
	}
	s.render(w, r, http.StatusOK, viewerPage(v))
}

// handleAPILessons lists the lessons as JSON.
func (s *Server) handleAPILessons(w http.ResponseWriter, r *http.Request) {
	all, err := s.catalog.Lessons()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]lessonJSON, 0, len(all))
	tr := langOf(r.Context()).Sim()
	for _, l := range all {
		out = append(out, lessonJSON{ID: l.ID, Title: tr.Text(l.Title()), Summary: tr.Text(l.Scenario.Summary),
			Takeaways: tr.TextList(nonNil(l.Scenario.Takeaways)), URL: s.path(lessonURL(l.ID))})
	}
	writeJSON(w, http.StatusOK, out)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// handleHealth says the server is up.
func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write([]byte("ok\n"))
}

func (s *Server) handleNotFound(w http.ResponseWriter, r *http.Request) {
	s.fail(w, r, errNotFound)
}

func (s *Server) handleMethodNotAllowed(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusMethodNotAllowed)
	w.Write([]byte("Method not allowed.\n"))
}

// fail answers a request that failed: errorTable picks the status and the
// sentence the user sees; the log gets the detail.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	s.metrics.refuse(err)
	info := describe(err)
	level := slog.LevelInfo
	if info.status >= 500 {
		level = slog.LevelError
	}
	s.log.Log(r.Context(), level, "request failed", "method", r.Method, "path", r.URL.Path, "status", info.status, "err", err)
	if strings.HasPrefix(r.URL.Path, "/api/") {
		writeJSON(w, info.status, map[string]string{"error": info.message})
		return
	}
	c := langOf(r.Context())
	title, message := c.T(info.title), messageIn(err, c)
	s.render(w, r, info.status, errorPage(errorView{
		Head: s.head(r, title+" · Portville"), Status: info.status, Title: title, Message: message,
	}))
}

// render writes a page. It renders into a buffer first, so a failing
// component gives a clean 500 rather than half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) {
	var buf bytes.Buffer
	if err := c.Render(r.Context(), &buf); err != nil {
		if errors.Is(err, context.Canceled) {
			return
		}
		s.log.Error("render", "path", r.URL.Path, "err", err)
		http.Error(w, internalError.message, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

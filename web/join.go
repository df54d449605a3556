package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"
)

// The classroom's pages: the join form, a follower's view and the QR
// code of a class (docs/protocol.md, "Classroom", "HTTP").

// joinView is the join form (join.templ).
type joinView struct {
	Head      pageHead
	Code      string // what the student typed, shown again after an error
	Message   string // why it did not work; "" on the empty form
	CodeLen   string // characters of a code
	MaxLength string // longest input the form takes
}

// handleJoin serves the join form, and sends a student who typed the code
// of a class on to it.
func (s *Server) handleJoin(w http.ResponseWriter, r *http.Request) {
	typed := strings.TrimSpace(r.URL.Query().Get("code"))
	c := langOf(r.Context())
	v := joinView{Head: s.head(r, c.T("Join a class")+" · Portville"), CodeLen: strconv.Itoa(classCodeLen), MaxLength: strconv.Itoa(maxCodeInputBytes)}
	if typed == "" {
		s.render(w, r, http.StatusOK, joinPage(v))
		return
	}
	v.Code = typed
	if len(v.Code) > maxCodeInputBytes {
		v.Code = v.Code[:maxCodeInputBytes]
	}
	code, ok := normalizeCode(typed)
	if !ok {
		v.Message = c.T("That is not a class code: a code has {n} letters and digits, without 0, O, 1, I or L.", "n", classCodeLen)
		s.render(w, r, http.StatusBadRequest, joinPage(v))
		return
	}
	if _, err := s.findClass(r.RemoteAddr, code); err != nil {
		s.metrics.refuse(err)
		info := describe(err)
		s.log.Info("join refused", "remote", r.RemoteAddr, "err", err)
		v.Message = messageIn(err, c)
		if errors.Is(err, errUnknownClass) {
			v.Message = c.T("No class has the code {code}. Check it on the teacher's screen: a code stops working when its class ends.", "code", code)
		}
		s.render(w, r, info.status, joinPage(v))
		return
	}
	http.Redirect(w, r, s.path(joinPath(code)), http.StatusSeeOther)
}

// handleFollower serves a class's follower view: the lesson view in
// follower mode.
func (s *Server) handleFollower(w http.ResponseWriter, r *http.Request) {
	code, ok := s.urlCode(w, r, joinPath)
	if !ok {
		return
	}
	e, err := s.findClass(r.RemoteAddr, code)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	tl := e.sess.current.Load()
	c := langOf(r.Context())
	info := tl.InfoIn(c.Sim())
	v := viewerView{
		Head: s.head(r, info.Title+" · "+c.T("Class {code}", "code", code)+" · Portville"), Mode: modeFollower,
		ID: tl.Info.ID, Title: info.Title, Summary: info.Summary, Takeaways: info.Takeaways,
		WS: s.path("/ws"), Query: r.URL.RawQuery, Class: code, Lab: info.Lab,
	}
	s.render(w, r, http.StatusOK, viewerPage(v))
}

// urlCode reads the class code of the URL's {code}. A code written
// another way (lower case, with a space) is redirected to canonical(code),
// the query kept, and ok is false, as for a code that cannot be one (the
// error page is sent).
func (s *Server) urlCode(w http.ResponseWriter, r *http.Request, canonical func(string) string) (code string, ok bool) {
	param := chi.URLParam(r, "code")
	code, ok = normalizeCode(param)
	if !ok {
		s.fail(w, r, fmt.Errorf("class %q: %w", param, errUnknownClass))
		return "", false
	}
	if canonical != nil && code != param {
		u := s.path(canonical(code))
		if r.URL.RawQuery != "" {
			u += "?" + r.URL.RawQuery
		}
		http.Redirect(w, r, u, http.StatusFound)
		return "", false
	}
	return code, true
}

// handleClassQR serves the QR code of a class's join URL.
func (s *Server) handleClassQR(w http.ResponseWriter, r *http.Request) {
	code, ok := s.urlCode(w, r, nil)
	if !ok {
		return
	}
	e, err := s.findClass(r.RemoteAddr, code)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	svg, err := e.svg()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "image/svg+xml")
	// The class may end at any moment; the image must not outlive it.
	h.Set("Cache-Control", "no-store")
	w.Write(svg)
}

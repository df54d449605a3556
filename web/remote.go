package web

import (
	"net/http"
)

// The teacher's remote (issue 19, docs/protocol.md "The remote"): a page
// for a phone in one hand that drives a class as its presenter. The
// presenter's class message carries its URL, /remote/CODE#TOKEN, and a QR
// code of it; the page itself knows only the code until its script reads
// the token from the fragment.

type remoteView struct {
	Head  pageHead
	Code  string // the class's join code
	Group string // the code as shown: "K7M3 QPXR"
	WS    string // websocket path
}

// handleRemote serves the remote of a class that exists; the token is
// checked when the page's websocket connects.
func (s *Server) handleRemote(w http.ResponseWriter, r *http.Request) {
	// A redirect keeps the fragment (the token) in the browser.
	code, ok := s.urlCode(w, r, remotePath)
	if !ok {
		return
	}
	if _, err := s.findClass(r.RemoteAddr, code); err != nil {
		s.fail(w, r, err)
		return
	}
	c := langOf(r.Context())
	head := s.head(r, c.T("Remote")+" · "+c.T("Class {code}", "code", code)+" · Portville")
	head.JS = s.assets.url("js/remote.js")
	s.render(w, r, http.StatusOK, remotePage(remoteView{Head: head, Code: code, Group: groupCode(code), WS: s.path("/ws")}))
}

// groupCode shows a join code in two groups of four, as the projector
// does (static/js/classroom.js): "K7M3 QPXR".
func groupCode(code string) string {
	if len(code) != classCodeLen {
		return code
	}
	return code[:4] + " " + code[4:]
}

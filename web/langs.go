package web

// A session's languages. A session's timeline is told in the language of
// the viewer that opened it (the presenter's, in a class); a viewer that
// reads another language (a class's follower with ?lang=fr) gets the same
// events, with the same sequence numbers and fields, from a translation
// of the timeline (timeline.In), made when the first such viewer needs it
// and dropped when the session's timeline changes. Everything else a
// session sends (state, cursor, snapshots of the world) is the same in
// every language.

import (
	"portville/sim"
	"portville/sim/lang"
	"portville/sim/lang/catalogues"
)

// translations are the session's timeline in other languages; base is
// the timeline they translate.
type translations struct {
	base *timeline
	by   map[*sim.Language]*timeline
}

// langOfViewer returns the language v reads.
func langOfViewer(v *viewer) *lang.Catalogue {
	if v.lang == nil {
		return lang.English
	}
	return v.lang
}

// tlFor returns the session's timeline in v's language.
func (sess *session) tlFor(v *viewer) *timeline { return sess.tlIn(langOfViewer(v).Sim()) }

// tlIn returns the session's timeline in language l.
func (sess *session) tlIn(l *sim.Language) *timeline {
	if l == sess.tl.Lang() {
		return sess.tl
	}
	if sess.trans.base != sess.tl {
		sess.trans = translations{base: sess.tl, by: map[*sim.Language]*timeline{}}
	}
	if tl, ok := sess.trans.by[l]; ok {
		return tl
	}
	tl, err := sess.tl.In(l)
	if err != nil {
		// A timeline of recorded events has no scenario to tell again:
		// its viewers read it as it is.
		sess.srv.log.Warn("timeline not translated", "session", sess.id, "lang", l.Code, "err", err)
		tl = sess.tl
	}
	sess.trans.by[l] = tl
	return tl
}

// broadcastIn sends every viewer that to selects (every viewer when to is
// nil) the message build makes of the timeline in its language: one
// message, encoded once, per language the viewers read.
func (sess *session) broadcastIn(to func(*viewer) bool, build func(tl *timeline) []byte) {
	base := sess.tl.Lang()
	mixed := false
	for _, v := range sess.viewers {
		if (to == nil || to(v)) && langOfViewer(v).Sim() != base {
			mixed = true
			break
		}
	}
	if !mixed {
		sess.broadcastIf(build(sess.tl), to)
		return
	}
	done := map[*sim.Language]bool{}
	for i := 0; i < len(sess.viewers); i++ {
		v := sess.viewers[i]
		if to != nil && !to(v) {
			continue
		}
		l := langOfViewer(v).Sim()
		if done[l] {
			continue
		}
		done[l] = true
		tl := sess.tlIn(l)
		sess.broadcastIf(build(tl), func(w *viewer) bool {
			return (to == nil || to(w)) && langOfViewer(w).Sim() == l
		})
	}
}

// langByCode returns the catalogue a timeline is told in.
func langByCode(tl *timeline) *lang.Catalogue {
	if l := tl.Lang(); l != nil {
		if c := catalogues.Get(l.Code); c != nil {
			return c
		}
	}
	return lang.English
}

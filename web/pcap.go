package web

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"portville/sim/pcap"
	"portville/sim/scenario"
	"portville/web/wire"
)

// Captures for Wireshark (sim/pcap, docs/wireshark.md): /api/pcap writes
// the letters of a lesson, or of what a session plays (an inline scenario
// or a lab), as a pcap file. The simulation is deterministic, so the same
// request gives the same file.

// maxCaptureBytes bounds one capture, which is held in memory until it is
// whole (so that a problem is an error, not half a file): a lesson's is a
// few KB, a long lab's a few MB. Captures are scenario runs, and like
// loads at most maxParallelLoads run at once.
const maxCaptureBytes = 32 << 20

// handlePcap serves /api/pcap?lesson=ID[&os=OS][&seed=N] and
// /api/pcap?session=SID.
func (s *Server) handlePcap(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var (
		sc   *scenario.Scenario
		opt  scenario.Options
		name string
	)
	switch id, sid := q.Get("lesson"), q.Get("session"); {
	case id != "" && sid == "":
		l, err := s.lesson(id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if opt.OS, opt.Seed, opt.SeedSet, err = urlOSSeed(q); err != nil {
			s.fail(w, r, err)
			return
		}
		sc, name = l.Scenario, l.ID
	case sid != "" && id == "":
		sess := s.session(sid)
		if sess == nil {
			s.fail(w, r, fmt.Errorf("capture of session %q: %w", sid, errUnknownSession))
			return
		}
		tl := sess.current.Load()
		if sc, opt = tl.Scenario(); sc == nil {
			s.fail(w, r, userErrorf(wire.CodeBadValue, "this session's timeline cannot be captured"))
			return
		}
		name = tl.Info.ID
		if name == "" {
			name = "scenario"
		}
		if tl.Info.Lab {
			name = "lab"
		}
	default:
		s.fail(w, r, userErrorf(wire.CodeBadValue, "give lesson=ID (with os and seed if you like) or session=SID"))
		return
	}
	select {
	case s.loads <- struct{}{}:
		defer func() { <-s.loads }()
	case <-r.Context().Done():
		return
	}
	var buf bytes.Buffer
	err := pcap.Capture(&buf, sc, opt, maxCaptureBytes)
	switch {
	case errors.Is(err, pcap.ErrTooLarge):
		s.fail(w, r, userErrorf(wire.CodeBadValue, "the capture would be larger than %d MiB, the limit", maxCaptureBytes>>20))
		return
	case err != nil:
		s.fail(w, r, scenarioError(err))
		return
	}
	file := fmt.Sprintf("portville-%s-%s-seed%d.pcap", name, osName(sc, opt), sc.SeedFor(opt))
	h := w.Header()
	h.Set("Content-Type", "application/vnd.tcpdump.pcap")
	h.Set("Content-Disposition", `attachment; filename="`+file+`"`)
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	h.Set("Cache-Control", "no-cache")
	w.Write(buf.Bytes())
}

// osName is the OS profile a run with opt gives hosts that name none.
func osName(sc *scenario.Scenario, opt scenario.Options) string {
	switch {
	case opt.OS != "":
		return opt.OS
	case sc.OS != "":
		return sc.OS
	}
	return "linux"
}

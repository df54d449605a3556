package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/websocket"

	"portville/sim"
	"portville/web/live"
	"portville/web/wire"
)

// The learner's own machine (portville serve --live, docs/live.md): /live
// draws the machine Portville runs on with the view of a lesson, from a
// look at its sockets every second (web/live). It is private: off unless
// Config.Live, served only to a browser on the machine itself (the
// connection's peer is a loopback address, whatever the server listens
// on and whatever a proxy says), never part of a class, and bounded to
// maxLiveViewers connections at once, each looking once a second.

const (
	// liveEvery is how often a live view looks at the machine again.
	liveEvery = time.Second
	// maxLiveViewers bounds the live views open at once: each one reads
	// the machine's socket table every liveEvery.
	maxLiveViewers = 4
	// maxCaptionPorts is the most of the browser's other ports the
	// caption lists.
	maxCaptionPorts = 8
)

// Errors of the live view.
var (
	errLiveOff    = errors.New("the live view is off")
	errLiveRemote = errors.New("the live view is only for this machine")
	errLiveBusy   = errors.New("as many live views are open as the server allows")
)

// LiveMsg is the live message: what the caption says about the browser
// reading the page, which of its ports those are, and what the look left
// out.
type LiveMsg struct {
	Type    string `json:"type"`
	Text    string `json:"text"`
	Analogy string `json:"analogy"`
	// Host is the machine's building; Ports are the local ports of the
	// browser's sockets on it.
	Host  string   `json:"host"`
	Ports []uint16 `json:"ports"`
	// More is how many sockets the look left out (past live.MaxSockets);
	// RemoteMore how many addresses at the other end of connections have
	// no building.
	More       int `json:"more"`
	RemoteMore int `json:"remote_more"`
	Limit      int `json:"limit"`
}

// liveEvents is an events message of the live view.
type liveEvents struct {
	Type   string       `json:"type"`
	Events []live.Event `json:"events"`
}

// loopbackPeer reports whether the request comes from this machine: its
// peer address (never a header) is a loopback address.
func loopbackPeer(r *http.Request) bool {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	return err == nil && ap.Addr().Unmap().IsLoopback()
}

// liveAllowed says whether r may see the live view, and why not.
func (s *Server) liveAllowed(r *http.Request) error {
	switch {
	case !s.cfg.Live:
		return errLiveOff
	case !loopbackPeer(r) || clientOf(r).forwardedBy:
		// A request with a proxy's headers from a peer that is not a
		// trusted proxy may be a remote browser behind a proxy on this
		// machine.
		return fmt.Errorf("live view for %s: %w", r.RemoteAddr, errLiveRemote)
	}
	return nil
}

// handleLive serves /live: the viewer, drawing the machine.
func (s *Server) handleLive(w http.ResponseWriter, r *http.Request) {
	if err := s.liveAllowed(r); err != nil {
		s.fail(w, r, err)
		return
	}
	c := langOf(r.Context())
	title := c.T("This machine")
	v := viewerView{
		Head: s.head(r, title+" · Portville"), Mode: modeLive, Title: title,
		Summary: c.T("The computer you are using, drawn as a town: its processes with their TCP and UDP sockets as one building, " +
			"listening ports as apartments with their services, connections with their ephemeral ports, and the other ends of " +
			"its connections as buildings across the street. It is looked at again every second. Click the building for its " +
			"sockets in the columns of ss -tuanp."),
		WS: s.path("/live/ws"), Query: r.URL.RawQuery,
	}
	s.render(w, r, http.StatusOK, viewerPage(v))
}

// handleLiveWS is the live view's websocket: a hello with the machine's
// town, then every second the events that changed it and a live message.
func (s *Server) handleLiveWS(w http.ResponseWriter, r *http.Request) {
	if err := s.liveAllowed(r); err != nil {
		s.fail(w, r, err)
		return
	}
	if n := s.liveViewers.Add(1); n > maxLiveViewers {
		s.liveViewers.Add(-1)
		s.fail(w, r, errLiveBusy)
		return
	}
	conn, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		s.liveViewers.Add(-1)
		s.log.Info("websocket refused", "err", err, "remote", r.RemoteAddr)
		return
	}
	v := &viewer{conn: conn, readDone: make(chan struct{}), idx: -1, remote: r.RemoteAddr}
	if err := s.track(v, true); err != nil {
		s.liveViewers.Add(-1)
		s.refuse(conn, err, acceptLang(r.Header.Get("Accept-Language")))
		return
	}
	browser, _ := netip.ParseAddrPort(r.RemoteAddr)
	var server netip.AddrPort
	if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		server, _ = netip.ParseAddrPort(a.String())
	}
	lv := &liveView{srv: s, v: v, browser: unmap(browser), server: unmap(server)}
	ok := s.spawn(func() {
		defer s.liveViewers.Add(-1)
		defer s.track(v, false)
		lv.run()
	})
	if !ok {
		s.liveViewers.Add(-1)
		s.track(v, false)
		conn.Close()
	}
}

func unmap(ap netip.AddrPort) netip.AddrPort {
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}

// liveView is one live websocket: it looks at the machine every second
// and writes what changed. It owns its connection; a reader goroutine
// only answers pings and notices the end.
type liveView struct {
	srv     *Server
	v       *viewer
	browser netip.AddrPort // the browser's end of this websocket
	server  netip.AddrPort // the server's end
	reader  *live.Reader
	town    *live.Town
}

func (lv *liveView) run() {
	s, c := lv.srv, lv.v.conn
	defer c.Close()
	c.SetReadLimit(s.cfg.MaxMessageBytes)
	c.SetReadDeadline(time.Now().Add(pongWait))
	c.SetPongHandler(func(string) error { c.SetReadDeadline(time.Now().Add(pongWait)); return nil })
	// The view sends nothing the live view acts on; reading keeps the
	// pongs coming and notices the browser going.
	s.spawn(func() {
		defer close(lv.v.readDone)
		for {
			if _, _, err := c.ReadMessage(); err != nil {
				return
			}
		}
	})
	lv.reader = live.NewReader()
	lv.reader.Prefer = lv.mine
	lv.reader.Max = s.cfg.liveMaxSockets
	lv.town = live.NewTown()
	start := time.Now()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	m, err := lv.reader.Read(ctx)
	if err != nil {
		s.log.Error("live view", "err", err)
		lv.close(websocket.CloseInternalServerErr, "the machine's sockets could not be read")
		return
	}
	lv.town.Update(m, 0)
	snap, _ := json.Marshal(lv.town.Snapshot())
	seq := lv.town.Seq()
	info := &LessonInfo{ID: "", Title: "This machine: " + lv.town.Name(), Summary: "", Takeaways: []string{}, OS: m.OS,
		Start: seq, Total: seq, Checkpoints: []uint64{}, Capacity: map[string]int{}}
	hello := Hello{Type: wire.TypeHello, V: wire.ProtocolVersion, Session: "", Timeline: 1, Lesson: info, Snapshot: snap,
		State: State{Playing: false, Speed: 1, Seq: seq, Total: seq}}
	if !lv.write(hello) || !lv.write(lv.captionBounded(m)) {
		return
	}
	tick := time.NewTicker(s.cfg.liveEvery)
	defer tick.Stop()
	ping := time.NewTicker(pingPeriod)
	defer ping.Stop()
	for {
		select {
		case <-lv.v.readDone:
			return
		case <-s.stopping:
			lv.close(websocket.CloseGoingAway, "the server is shutting down")
			return
		case <-ping.C:
			if err := c.WriteControl(websocket.PingMessage, nil, time.Now().Add(s.cfg.writeWait)); err != nil {
				return
			}
		case <-tick.C:
			m, err := lv.reader.Read(ctx)
			if err != nil {
				s.log.Error("live view", "err", err)
				continue
			}
			events := lv.town.Update(m, sim.Time(time.Since(start)/time.Microsecond))
			if len(events) > 0 {
				seq := lv.town.Seq()
				if !lv.write(liveEvents{Type: wire.TypeEvents, Events: events}) ||
					!lv.write(State{Type: wire.TypeState, Playing: false, Speed: 1, Seq: seq, Total: seq}) {
					return
				}
			}
			if !lv.write(lv.captionBounded(m)) {
				return
			}
		}
	}
}

// captionBounded is the caption, with what the look left out.
func (lv *liveView) captionBounded(m *live.Machine) LiveMsg {
	msg := lv.caption(m)
	msg.bounds()
	return msg
}

// mine reports whether a socket is one end of this page's websocket.
func (lv *liveView) mine(local, remote netip.AddrPort) bool {
	return local == lv.browser && remote == lv.server || local == lv.server && remote == lv.browser
}

// caption says which ephemeral ports the browser reading the page uses
// right now: the process that holds the browser's end of this websocket,
// and its other sockets.
func (lv *liveView) caption(m *live.Machine) LiveMsg {
	msg := LiveMsg{Type: wire.TypeLive, Host: lv.town.Name(), More: m.More, RemoteMore: lv.town.RemoteMore, Limit: len(m.Sockets), Ports: []uint16{}}
	pid := 0
	for _, s := range m.Sockets {
		if s.Local == lv.browser && s.Remote == lv.server {
			pid = s.PID
		}
	}
	port := lv.browser.Port()
	if pid == 0 {
		msg.Ports = append(msg.Ports, port)
		msg.Text = fmt.Sprintf("Your browser reads this page over a connection from its ephemeral port %d to Portville's port %d.", port, lv.server.Port())
		msg.Analogy = fmt.Sprintf("Your browser's letters to Portville leave from the temporary apartment %d and go to apartment %d.", port, lv.server.Port())
		return msg
	}
	name := m.Procs[pid].Name
	var others []string
	for _, s := range m.Sockets {
		if s.PID != pid || s.State == "LISTEN" || s.Local.Port() < m.Range[0] || s.Local.Port() > m.Range[1] {
			continue
		}
		msg.Ports = append(msg.Ports, s.Local.Port())
		if s.Local != lv.browser {
			others = append(others, strconv.Itoa(int(s.Local.Port())))
		}
	}
	msg.Text = fmt.Sprintf("You are reading this with %s (PID %d): its ephemeral port %d carries this page's websocket to Portville's port %d.", name, pid, port, lv.server.Port())
	if n := len(others); n > 0 {
		if n > maxCaptionPorts {
			others = append(others[:maxCaptionPorts], fmt.Sprintf("and %d more", n-maxCaptionPorts))
		}
		msg.Text += fmt.Sprintf(" It holds %s more right now: %s.", plural(n, "ephemeral port"), strings.Join(others, ", "))
	}
	msg.Analogy = fmt.Sprintf("Your browser, the %s household, writes to Portville from the temporary apartment %d; it has %s at the moment.", name, port, plural(len(msg.Ports), "temporary apartment"))
	return msg
}

// bounds adds to the caption what the look left out.
func (msg *LiveMsg) bounds() {
	if msg.More > 0 {
		msg.Text += fmt.Sprintf(" The machine has %s more than the %d drawn here; ss -tuanp lists them all.", plural(msg.More, "socket"), msg.Limit)
		msg.Analogy += fmt.Sprintf(" %s more are not drawn.", plural(msg.More, "mail slot"))
	}
	if msg.RemoteMore > 0 {
		msg.Text += fmt.Sprintf(" Connections to %s more have no building across the street.", plural(msg.RemoteMore, "address"))
	}
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// write sends one message; false means the connection is gone.
func (lv *liveView) write(v any) bool {
	data, err := json.Marshal(v)
	if err != nil {
		lv.srv.log.Error("live view", "err", err)
		return false
	}
	c := lv.v.conn
	c.SetWriteDeadline(time.Now().Add(lv.srv.cfg.writeWait))
	return c.WriteMessage(websocket.TextMessage, data) == nil
}

func (lv *liveView) close(code int, text string) {
	lv.v.conn.WriteControl(websocket.CloseMessage, closeMessage(code, text), time.Now().Add(closeGracePeriod))
}

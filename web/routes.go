package web

import (
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
)

// compressLevel and compressTypes configure gzip for pages and assets.
const compressLevel = 5

var compressTypes = []string{"text/html", "text/css", "text/javascript", "application/javascript", "application/json", "image/svg+xml"}

// routes lists every route of the app.
func (s *Server) routes() http.Handler {
	r := chi.NewRouter()
	r.Use(s.withClient, s.withRequestID, s.logRequests, s.recoverPanics, s.securityHeaders, middleware.GetHead)
	if s.cfg.PublicMetrics {
		r.Handle("/metrics", s.Metrics()) // Prometheus's text format (metrics.go); only with PublicMetrics
	}

	r.Get("/ws", s.handleWS)          // the websocket of a session or a class (docs/protocol.md)
	r.Get("/live/ws", s.handleLiveWS) // the live view's websocket: this machine, for loopback clients (live.go)

	// Everything else is compressed for browsers that accept gzip: a
	// lesson page with its modules is about 60 KB instead of 180 KB.
	r.Group(func(r chi.Router) {
		r.Use(middleware.Compress(compressLevel, compressTypes...), s.withLang)
		r.Get("/", s.handlePicker)                      // the lesson picker
		r.Get("/lesson/{id}", s.handleViewer(modeFull)) // a lesson's view, with header and lesson menu
		r.Get("/embed/{id}", s.handleViewer(modeEmbed)) // the same view with minimal chrome, for iframes
		r.Get("/lab", s.handleLab)                      // the lab: a town to type commands into (?lesson=ID: a lesson's town)
		r.Get("/live", s.handleLive)                    // this machine as a town (serve --live; loopback clients only)
		r.Get("/join", s.handleJoin)                    // the form for a class code; ?code=CODE redirects to the class
		r.Get("/join/{code}", s.handleFollower)         // a class's follower view (the lesson view, data-mode follower)
		r.Get("/class/{code}/qr.svg", s.handleClassQR)  // the QR code of a class's join URL, an SVG image
		r.Get("/remote/{code}", s.handleRemote)         // the teacher's phone as a remote; the presenter token comes in the fragment
		r.Get("/api/lessons", s.handleAPILessons)       // the lessons as JSON: id, title, summary, takeaways, url
		r.Get("/api/pcap", s.handlePcap)                // a capture for Wireshark: ?lesson=ID[&os=&seed=] or ?session=SID (pcap.go)
		r.Get("/healthz", s.handleHealth)               // "ok" while the server runs
		r.Get("/static/{version}/*", s.serveAsset)      // the front end, cached forever under a content hash
		r.NotFound(s.handleNotFound)                    // everything else: the 404 page
		r.MethodNotAllowed(s.handleMethodNotAllowed)    // a known path with another method
	})
	return r
}

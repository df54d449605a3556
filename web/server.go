package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"portville/sim"
	"portville/static"
)

// Defaults of the limits in Config; docs/protocol.md lists them with the
// flags of `portville serve` that change them.
const (
	DefaultMaxSessions     = 500
	DefaultMaxViewers      = 2500
	DefaultIdleTimeout     = 2 * time.Minute
	DefaultMaxMessageBytes = 320 << 10
	DefaultControlRate     = 20 // messages per second
	DefaultControlBurst    = 40 // messages
	DefaultFrameAncestors  = "*"
	DefaultMaxClasses      = 50
	DefaultMaxFollowers    = 5000 // followers of all classes together
	DefaultClassIdle       = 2 * time.Hour
)

// Connection timing (gorilla/websocket examples/chat).
const (
	writeWait        = 10 * time.Second       // time allowed to write one message
	pongWait         = 60 * time.Second       // time allowed between two messages or pongs from the browser
	pingPeriod       = pongWait * 9 / 10      // pings go out this often; less than pongWait
	closeGracePeriod = 500 * time.Millisecond // time a closing browser gets to answer our close frame
	handshakeTimeout = 10 * time.Second       // time allowed for the websocket handshake
)

// Bounds of the connection machinery.
const (
	sendQueueLen     = 64      // messages queued for one viewer before it counts as too slow
	inboxLen         = 64      // messages queued for a session's hub from its viewers' readers
	maxResumeEvents  = 1000    // more events missed than this are replaced by a snapshot
	maxParallelLoads = 4       // scenario runs (loads, new sessions) at the same time
	maxDrainBytes    = 4 << 20 // bytes read and dropped after an oversize message, so the 1009 close arrives
	readBufferBytes  = 1024    // per-connection read buffer
	writeBufferBytes = 4096    // write buffers, pooled: idle viewers hold none
)

// Config configures a Server. The zero value of every field means its
// default.
type Config struct {
	// Catalog is where lessons come from; nil means the built-in ones.
	Catalog Catalog
	// Static is the front end (js/, css/); nil means static.FS.
	Static fs.FS
	// Logger receives request and error logs; nil discards them.
	Logger *slog.Logger
	// Clock paces playback and expires idle sessions; nil is the
	// system clock.
	Clock Clock
	// FrameAncestors is the CSP frame-ancestors source list for
	// /embed/* pages ("*", or origins separated by spaces); other pages
	// may be framed only by their own origin.
	FrameAncestors string
	// AllowOrigins are origins (scheme://host[:port]) besides the app's
	// own from which a browser may open a websocket.
	AllowOrigins []string

	MaxSessions     int           // sessions on the server
	MaxViewers      int           // viewers of one session
	IdleTimeout     time.Duration // a session without viewers for this long ends
	MaxMessageBytes int64         // largest message a browser may send
	ControlRate     float64       // control messages per second per viewer
	ControlBurst    int           // control messages a viewer may send at once

	// Classroom (class.go).
	MaxClasses   int           // classes on the server
	MaxFollowers int           // followers of all classes together
	ClassIdle    time.Duration // a class whose presenters send nothing for this long ends
	// PublicURL is the origin (scheme://host[:port]) of the join URLs and
	// QR codes; "" means the scheme and Host the presenter's browser used.
	PublicURL string
	// NATS (nats://host:port, several separated by commas) shares classes
	// with the other instances that use it (cluster.go); "" keeps them in
	// this one. NATSCreds is a credentials file, NATSToken a token.
	NATS      string
	NATSCreds string
	NATSToken string
	// Live turns on /live, this machine drawn as a town, for browsers on
	// this machine only (live.go).
	Live bool

	// Hosting (hosting.go, fairness.go). What one client address
	// (an IPv4 address or an IPv6 /64) may hold at once.
	MaxSessionsPerAddr int
	MaxClassesPerAddr  int
	MaxConnsPerAddr    int // websockets
	// TrustProxy are the peers (addresses or CIDR prefixes) whose
	// X-Forwarded-For, X-Forwarded-Proto, X-Forwarded-Host and
	// Forwarded headers name the browser; other peers' are ignored.
	TrustProxy []string
	// BasePath is the path the app is served under ("/portville/"); ""
	// is the root. Every link, asset, websocket and join URL carries it.
	BasePath string
	// PublicMetrics adds /metrics to the app's own routes; otherwise
	// only the Metrics handler serves them.
	PublicMetrics bool

	// Tuning for tests; zero means the constants above.
	sendQueueLen   int
	writeWait      time.Duration
	joinBurst      int                                   // wrong join codes an address may send at once
	joinRate       float64                               // wrong join codes per second after the burst
	hold           func(sim.Kind) time.Duration          // pacing per kind at speed 1
	onPublish      func(session string, from, to uint64) // events from..to of a session are about to go out
	liveEvery      time.Duration                         // how often a live view looks at the machine
	liveMaxSockets int                                   // the sockets a look keeps (live.MaxSockets when 0)
}

// Server is the Portville web app: an http.Handler, and the sessions
// behind its websockets. Shutdown ends them.
type Server struct {
	cfg      Config
	log      *slog.Logger
	clock    Clock
	catalog  Catalog
	assets   *assets
	handler  http.Handler
	upgrader websocket.Upgrader
	origins  map[string]bool
	csp      string // for every page but /embed/*
	cspEmbed string
	base     string         // Config.BasePath without its final slash
	trust    []netip.Prefix // Config.TrustProxy
	metrics  *metrics
	loads    chan struct{} // semaphore of maxParallelLoads
	joins    *joinLimiter  // wrong join codes per address
	// followers counts the followers of every class, against
	// cfg.MaxFollowers.
	followers atomic.Int64
	// cluster shares classes with other instances through NATS
	// (cluster.go); nil without Config.NATS. openMu keeps two joins from
	// mirroring one class twice.
	cluster *cluster
	openMu  sync.Mutex

	// reg is what the server has open: sessions, classes,
	// websockets, and what each address holds (registry.go).
	reg *registry
	// wg counts the goroutines started by spawn; its Add happens only
	// in reg.whileOpen or reg.addSession, so none comes after Shutdown's
	// Wait has begun.
	wg   sync.WaitGroup
	live atomic.Int64 // goroutines started by spawn and still running
	// stopping is closed when Shutdown begins, for the loops that are
	// not sessions (the live views).
	stopping    chan struct{}
	liveViewers atomic.Int64 // open live views, against maxLiveViewers
	// pictures holds each lesson's picture for the picker (JSON of
	// timeline.Picture), by scenario: built once, on the first visit.
	pictures sync.Map
}

// New returns a server with the configuration; it checks the settings.
func New(cfg Config) (*Server, error) {
	if cfg.Catalog == nil {
		cfg.Catalog = BuiltinLessons{}
	}
	if cfg.Static == nil {
		cfg.Static = static.FS
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Clock == nil {
		cfg.Clock = systemClock{}
	}
	if cfg.FrameAncestors == "" {
		cfg.FrameAncestors = DefaultFrameAncestors
	}
	setDefault(&cfg.MaxSessions, DefaultMaxSessions)
	setDefault(&cfg.MaxViewers, DefaultMaxViewers)
	setDefault(&cfg.IdleTimeout, DefaultIdleTimeout)
	setDefault(&cfg.MaxMessageBytes, DefaultMaxMessageBytes)
	setDefault(&cfg.ControlRate, DefaultControlRate)
	setDefault(&cfg.ControlBurst, DefaultControlBurst)
	setDefault(&cfg.sendQueueLen, sendQueueLen)
	setDefault(&cfg.writeWait, writeWait)
	setDefault(&cfg.liveEvery, liveEvery)
	setDefault(&cfg.MaxClasses, DefaultMaxClasses)
	setDefault(&cfg.MaxFollowers, DefaultMaxFollowers)
	setDefault(&cfg.ClassIdle, DefaultClassIdle)
	setDefault(&cfg.joinBurst, failedJoinBurst)
	setDefault(&cfg.joinRate, failedJoinRate)
	setDefault(&cfg.MaxSessionsPerAddr, DefaultMaxSessionsPerAddr)
	setDefault(&cfg.MaxClassesPerAddr, DefaultMaxClassesPerAddr)
	setDefault(&cfg.MaxConnsPerAddr, DefaultMaxConnsPerAddr)
	if cfg.MaxSessions < 0 || cfg.MaxViewers < 0 || cfg.IdleTimeout < 0 || cfg.MaxMessageBytes < 0 || cfg.ControlRate < 0 || cfg.ControlBurst < 0 ||
		cfg.MaxClasses < 0 || cfg.MaxFollowers < 0 || cfg.ClassIdle < 0 ||
		cfg.MaxSessionsPerAddr < 0 || cfg.MaxClassesPerAddr < 0 || cfg.MaxConnsPerAddr < 0 {
		return nil, errors.New("limits must not be negative")
	}
	base, err := checkBasePath(cfg.BasePath)
	if err != nil {
		return nil, err
	}
	trust, err := parseTrustProxy(cfg.TrustProxy)
	if err != nil {
		return nil, err
	}
	if cfg.PublicURL != "" {
		u, err := publicOrigin(cfg.PublicURL, base)
		if err != nil {
			return nil, err
		}
		cfg.PublicURL = u
	}
	ancestors, err := checkFrameAncestors(cfg.FrameAncestors)
	if err != nil {
		return nil, err
	}
	origins := map[string]bool{}
	for _, o := range cfg.AllowOrigins {
		n, err := normalizeOrigin(o)
		if err != nil {
			return nil, err
		}
		origins[n] = true
	}
	a, err := newAssets(cfg.Static)
	if err != nil {
		return nil, err
	}
	a.base = base
	s := &Server{
		cfg: cfg, log: slog.New(requestIDHandler{cfg.Logger.Handler()}), clock: cfg.Clock, catalog: cfg.Catalog, assets: a,
		base: base, trust: trust,
		origins:  origins,
		csp:      contentSecurityPolicy("'self'"),
		cspEmbed: contentSecurityPolicy(ancestors),
		loads:    make(chan struct{}, maxParallelLoads),
		stopping: make(chan struct{}),
		joins:    newJoinLimiter(cfg.joinRate, cfg.joinBurst),
	}
	s.reg = newRegistry(&cfg, cfg.Clock, s.sessionReclaimed)
	s.upgrader = websocket.Upgrader{
		HandshakeTimeout: handshakeTimeout,
		ReadBufferSize:   readBufferBytes,
		WriteBufferSize:  writeBufferBytes,
		WriteBufferPool:  &sync.Pool{},
		CheckOrigin:      s.checkOrigin,
	}
	s.metrics = newMetrics(s)
	s.handler = s.routes()
	if cfg.NATS != "" {
		if s.cluster, err = newCluster(s); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func setDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}

// ServeHTTP serves the app.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r = s.underBase(w, r); r != nil {
		s.handler.ServeHTTP(w, r)
	}
}

// Shutdown ends every session: each viewer's websocket is closed with 1001
// (going away). It returns when every goroutine of the server has ended,
// or when ctx is done; then it closes the connections that are left and
// returns ctx's error. It does not stop the http.Server that serves s.
func (s *Server) Shutdown(ctx context.Context) error {
	sessions, first := s.reg.close()
	if first {
		close(s.stopping)
	}
	for _, sess := range sessions {
		sess.shutdown()
	}
	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		if s.cluster != nil {
			s.cluster.close()
		}
		return nil
	case <-ctx.Done():
	}
	if s.cluster != nil {
		s.cluster.close()
	}
	s.reg.closeConns()
	return fmt.Errorf("web: shutdown: %w", ctx.Err())
}

// spawn runs f on a new goroutine that Shutdown waits for. It refuses,
// returning false, once Shutdown has begun.
func (s *Server) spawn(f func()) bool {
	return s.reg.whileOpen(func() { s.spawnLocked(f) })
}

// spawnLocked runs f on a new goroutine that Shutdown waits for; the
// registry's lock is held and it is open.
func (s *Server) spawnLocked(f func()) {
	s.wg.Add(1)
	s.live.Add(1)
	go func() {
		defer s.wg.Done()
		defer s.live.Add(-1)
		f()
	}()
}

// checkOrigin accepts a websocket from the app's own origin (the host
// the browser asked for, as a trusted proxy tells it, or --public-url),
// from the configured origins, and from clients that send no Origin (not
// a browser, so not a cross-site page).
func (s *Server) checkOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err == nil && (strings.EqualFold(u.Host, r.Host) || strings.EqualFold(u.Host, clientOf(r).host)) {
		return true
	}
	n, err := normalizeOrigin(origin)
	if err == nil && (s.origins[n] || n == s.cfg.PublicURL) {
		return true
	}
	s.log.Warn("websocket origin refused", "origin", origin, "host", r.Host)
	return false
}

// publicOrigin checks a --public-url: an origin, or an origin with the
// base path (https://school.example/portville/), and returns the origin.
func publicOrigin(public, base string) (string, error) {
	bad := fmt.Errorf("public URL %q: want scheme://host[:port], for example https://portville.school.example", public)
	u, err := url.Parse(public)
	if err != nil {
		return "", bad
	}
	if p := strings.TrimSuffix(u.Path, "/"); p != "" {
		if p != base {
			if base == "" {
				return "", fmt.Errorf("public URL %q has a path: serve Portville under it with --base-path %s/, or leave the path out", public, p)
			}
			return "", fmt.Errorf("public URL %q: its path is not the base path %s/", public, base)
		}
		u.Path, u.RawPath = "", ""
	}
	o, err := normalizeOrigin(u.String())
	if err != nil {
		return "", bad
	}
	return o, nil
}

// normalizeOrigin checks that o is an origin, scheme://host[:port], and
// returns it in lower case.
func normalizeOrigin(o string) (string, error) {
	u, err := url.Parse(o)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", fmt.Errorf("allowed origin %q: want scheme://host[:port], for example https://course.example.org", o)
	}
	return strings.ToLower(u.Scheme + "://" + u.Host), nil
}

// checkFrameAncestors checks a CSP source list for frame-ancestors and
// returns it with single spaces. Commas separate sources too.
func checkFrameAncestors(list string) (string, error) {
	fields := strings.Fields(strings.ReplaceAll(list, ",", " "))
	if len(fields) == 0 {
		return "", errors.New("frame ancestors: the list is empty")
	}
	for _, f := range fields {
		if strings.ContainsAny(f, ";\"\\") || !isPrintableASCII(f) {
			return "", fmt.Errorf("frame ancestors: %q is not a CSP source (want *, 'self', or an origin such as https://lms.example.edu)", f)
		}
	}
	return strings.Join(fields, " "), nil
}

func isPrintableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

// contentSecurityPolicy is the policy of every response. Pages have no
// inline script or style, so none is allowed; 'wasm-unsafe-eval' lets the
// static build compile the simulator's WebAssembly.
func contentSecurityPolicy(frameAncestors string) string {
	return "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; " +
		"img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; " +
		"form-action 'self'; frame-ancestors " + frameAncestors
}

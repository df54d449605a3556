package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"portville/web"
)

// HTTP server bounds.
const (
	shutdownTimeout   = 2 * time.Second // SIGINT/SIGTERM to exit, websockets included
	readHeaderTimeout = 5 * time.Second
	idleConnTimeout   = 2 * time.Minute // keep-alive connections between requests
	maxHeaderBytes    = 64 << 10
)

// serve runs the web app until ctx is done, then shuts it down within
// shutdownTimeout: websockets are closed with 1001 (going away).
func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("serve", stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	frameAncestors := fs.String("frame-ancestors", web.DefaultFrameAncestors,
		"origins that may show /embed/* pages in a frame, separated by spaces or commas (* means any)")
	var origins listFlag
	fs.Var(&origins, "allow-origin", "an origin (scheme://host[:port]) besides this server's own that may open websockets; repeat or separate with commas")
	maxSessions := fs.Int("max-sessions", web.DefaultMaxSessions, "most sessions at once")
	maxViewers := fs.Int("max-viewers", web.DefaultMaxViewers, "most viewers of one session")
	idleTimeout := fs.Duration("idle-timeout", web.DefaultIdleTimeout, "a session with no viewer for this long ends")
	maxMessage := fs.Int64("max-message-bytes", web.DefaultMaxMessageBytes, "largest websocket message a browser may send, in bytes")
	controlRate := fs.Float64("control-rate", web.DefaultControlRate, "control messages per second a viewer may send")
	controlBurst := fs.Int("control-burst", web.DefaultControlBurst, "control messages a viewer may send at once")
	maxClasses := fs.Int("max-classes", web.DefaultMaxClasses, "most classes at once")
	maxFollowers := fs.Int("max-followers", web.DefaultMaxFollowers, "most followers of all classes together (one class's are bounded by --max-viewers)")
	classIdle := fs.Duration("class-idle", web.DefaultClassIdle, "a class whose presenter sends nothing for this long ends")
	publicURL := fs.String("public-url", "",
		"the origin (scheme://host[:port]) students use to reach this server, for join URLs and QR codes; default: the address the teacher's browser used")
	liveView := fs.Bool("live", false, "add /live: this machine's processes and sockets drawn as a town, shown only to browsers on this machine")
	perAddrSessions := fs.Int("max-sessions-per-addr", web.DefaultMaxSessionsPerAddr, "most sessions one client address (an IPv4 address or an IPv6 /64) may hold")
	perAddrClasses := fs.Int("max-classes-per-addr", web.DefaultMaxClassesPerAddr, "most classes one client address may run")
	perAddrConns := fs.Int("max-conns-per-addr", web.DefaultMaxConnsPerAddr, "most websockets one client address may have open (a classroom behind one NAT shares it)")
	var trust listFlag
	fs.Var(&trust, "trust-proxy", "addresses or CIDR prefixes of reverse proxies whose X-Forwarded-For/-Proto/-Host or Forwarded headers name the browser; repeat or separate with commas")
	basePath := fs.String("base-path", "", "serve everything under this path, for a proxy that puts Portville at https://host/PATH/ (for example /portville/)")
	metricsAddr := fs.String("metrics-addr", "", "address for a second listener that serves only /metrics in Prometheus's format (for example 127.0.0.1:9090); off when empty")
	metricsPublic := fs.Bool("metrics-public", false, "also serve /metrics on the app's own address (anyone who reaches the app can read it)")
	natsURL := fs.String("nats", "", "share classes with the other instances that use these NATS servers (nats://host:4222, several separated by commas; JetStream on); off when empty (docs/hosting.md)")
	natsCreds := fs.String("nats-creds", "", "a NATS credentials file (.creds) for --nats")
	natsToken := fs.String("nats-token", "", "a NATS token for --nats (or set PORTVILLE_NATS_TOKEN)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("serve: unexpected argument %q", fs.Arg(0))
	}
	for _, f := range []struct {
		name string
		ok   bool
	}{
		{"--max-sessions", *maxSessions > 0},
		{"--max-viewers", *maxViewers > 0},
		{"--idle-timeout", *idleTimeout > 0},
		{"--max-message-bytes", *maxMessage > 0},
		{"--control-rate", *controlRate > 0},
		{"--control-burst", *controlBurst > 0},
		{"--max-classes", *maxClasses > 0},
		{"--max-followers", *maxFollowers > 0},
		{"--class-idle", *classIdle > 0},
		{"--max-sessions-per-addr", *perAddrSessions > 0},
		{"--max-classes-per-addr", *perAddrClasses > 0},
		{"--max-conns-per-addr", *perAddrConns > 0},
	} {
		if !f.ok {
			return usagef("%s must be greater than zero", f.name)
		}
	}

	if (*natsCreds != "" || *natsToken != "") && *natsURL == "" {
		return usagef("--nats-creds and --nats-token need --nats")
	}
	if *natsToken == "" {
		*natsToken = os.Getenv("PORTVILLE_NATS_TOKEN")
	}

	logger := slog.New(slog.NewTextHandler(stderr, nil))
	h, err := web.New(web.Config{
		Logger:          logger,
		FrameAncestors:  *frameAncestors,
		AllowOrigins:    origins,
		MaxSessions:     *maxSessions,
		MaxViewers:      *maxViewers,
		IdleTimeout:     *idleTimeout,
		MaxMessageBytes: *maxMessage,
		ControlRate:     *controlRate,
		ControlBurst:    *controlBurst,
		MaxClasses:      *maxClasses,
		MaxFollowers:    *maxFollowers,
		ClassIdle:       *classIdle,
		PublicURL:       *publicURL,
		Live:            *liveView,

		MaxSessionsPerAddr: *perAddrSessions,
		MaxClassesPerAddr:  *perAddrClasses,
		MaxConnsPerAddr:    *perAddrConns,
		TrustProxy:         trust,
		BasePath:           *basePath,
		PublicMetrics:      *metricsPublic,
		NATS:               *natsURL,
		NATSCreds:          *natsCreds,
		NATSToken:          *natsToken,
	})
	if errors.Is(err, web.ErrNATS) {
		return err // not a usage error: exit 1
	}
	if err != nil {
		return &usageError{err}
	}
	if _, err := (web.BuiltinLessons{}).Lessons(); err != nil {
		// Serve anyway: /healthz and the error pages still work, and
		// the log says what to fix.
		logger.Error("the built-in lessons do not load", "err", err)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	var metricsSrv *http.Server
	metricsLine := ""
	if *metricsAddr != "" {
		mln, err := net.Listen("tcp", *metricsAddr)
		if err != nil {
			ln.Close()
			return fmt.Errorf("--metrics-addr: %w", err)
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", h.Metrics())
		metricsSrv = &http.Server{Handler: mux, ReadHeaderTimeout: readHeaderTimeout, MaxHeaderBytes: maxHeaderBytes,
			ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
		go metricsSrv.Serve(mln)
		defer metricsSrv.Close()
		metricsLine = fmt.Sprintf("Metrics for Prometheus: http://%s/metrics\n", localURLHost(mln.Addr()))
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		IdleTimeout:       idleConnTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	base := strings.TrimSuffix(*basePath, "/")
	if base == "" {
		fmt.Fprintf(stdout, "Portville listening on http://%s\n", ln.Addr())
	} else {
		fmt.Fprintf(stdout, "Portville listening on http://%s%s/\n", ln.Addr(), base)
	}
	fmt.Fprint(stdout, metricsLine)
	if *liveView {
		fmt.Fprintf(stdout, "This machine, drawn as a town: http://%s%s/live (for a browser on this machine only)\n", localURLHost(ln.Addr()), base)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}

	logger.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	webDone := make(chan error, 1)
	go func() { webDone <- h.Shutdown(sctx) }()
	httpErr := srv.Shutdown(sctx)
	webErr := <-webDone
	if httpErr != nil {
		srv.Close()
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	if err := errors.Join(httpErr, webErr); err != nil {
		logger.Warn("shutdown cut short", "err", err)
	}
	return nil
}

// listFlag collects a flag given several times, or once with commas.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l = append(*l, s)
		}
	}
	return nil
}

// localURLHost is the host:port a browser on this machine reaches a
// listener at: its own address, or localhost when it listens on every
// address.
func localURLHost(a net.Addr) string {
	ta, ok := a.(*net.TCPAddr)
	if !ok || ta.IP.IsUnspecified() {
		if ok {
			return net.JoinHostPort("localhost", strconv.Itoa(ta.Port))
		}
		return a.String()
	}
	return a.String()
}

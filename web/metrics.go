package web

import (
	"errors"
	"net/http"
	"runtime/debug"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the figures a host watches, in Prometheus's text format
// (docs/hosting.md lists them). Server.Metrics serves them; `portville
// serve` puts that handler on its own listener (--metrics-addr), off the
// public routes, unless --metrics-public adds /metrics to them.
type metrics struct {
	reg       *prometheus.Registry
	messages  prometheus.Counter
	bytes     prometheus.Counter
	drops     prometheus.Counter
	reclaimed prometheus.Counter
	refusals  *prometheus.CounterVec
}

// refusalReasons names each refusal for the reason label; every reason is
// exported from the start, at 0.
var refusalReasons = []struct {
	err    error
	reason string
}{
	{errSessionLimit, "session_limit"},
	{errViewerLimit, "viewer_limit"},
	{errClassLimit, "class_limit"},
	{errFollowerLimit, "follower_limit"},
	{errAddrSessions, "address_sessions"},
	{errAddrClasses, "address_classes"},
	{errAddrConns, "address_connections"},
	{errJoinRateLimited, "join_rate"},
	{errRateLimited, "control_rate"},
	{errShuttingDown, "shutting_down"},
	{errLiveBusy, "live_limit"},
}

func newMetrics(s *Server) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		messages: prometheus.NewCounter(prometheus.CounterOpts{Name: "portville_messages_sent_total",
			Help: "Websocket messages written to browsers."}),
		bytes: prometheus.NewCounter(prometheus.CounterOpts{Name: "portville_bytes_sent_total",
			Help: "Bytes of websocket message payloads written to browsers."}),
		drops: prometheus.NewCounter(prometheus.CounterOpts{Name: "portville_viewers_dropped_total",
			Help: "Viewers dropped because they read too slowly (their queue was full)."}),
		reclaimed: prometheus.NewCounter(prometheus.CounterOpts{Name: "portville_sessions_reclaimed_total",
			Help: "Sessions nobody watched that a full server or a full address ended to make room."}),
		refusals: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "portville_refusals_total",
			Help: "Requests and messages refused by a limit, by reason."}, []string{"reason"}),
	}
	for _, r := range refusalReasons {
		m.refusals.WithLabelValues(r.reason)
	}
	gauge := func(name, help string, f func() float64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, f)
	}
	version := "(devel)"
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		version = bi.Main.Version
	}
	build := prometheus.NewGauge(prometheus.GaugeOpts{Name: "portville_build_info",
		Help:        "Always 1; the labels say which Portville this is.",
		ConstLabels: prometheus.Labels{"version": version, "assets": s.assets.version}})
	build.Set(1)
	m.reg.MustRegister(
		m.messages, m.bytes, m.drops, m.reclaimed, m.refusals, build,
		gauge("portville_sessions", "Open sessions (lessons, labs, classes, private copies).", func() float64 { return float64(s.sessionCount()) }),
		gauge("portville_classes", "Open classes.", func() float64 { return float64(s.classCount()) }),
		gauge("portville_viewers", "Open websockets of sessions and classes.", func() float64 { return float64(s.connCount()) }),
		gauge("portville_followers", "Followers of all classes.", func() float64 { return float64(s.followers.Load()) }),
		gauge("portville_addresses", "Client addresses holding sessions, classes or websockets.", func() float64 { return float64(s.addrCount()) }),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewBuildInfoCollector(),
	)
	return m
}

// refuse counts a refusal, if err is one.
func (m *metrics) refuse(err error) {
	for _, r := range refusalReasons {
		if errors.Is(err, r.err) {
			m.refusals.WithLabelValues(r.reason).Inc()
			return
		}
	}
}

// sent counts one message of n bytes written to a browser.
func (m *metrics) sent(n int) {
	m.messages.Inc()
	m.bytes.Add(float64(n))
}

// Metrics returns the handler of the metrics, in Prometheus's text
// format.
func (s *Server) Metrics() http.Handler {
	return promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{ErrorLog: slogPrinter{s}, MaxRequestsInFlight: 4})
}

type slogPrinter struct{ s *Server }

func (p slogPrinter) Println(v ...any) { p.s.log.Warn("metrics", "err", v) }

func (s *Server) connCount() int { return s.reg.connCount() }

func (s *Server) addrCount() int { return s.reg.addrCount() }

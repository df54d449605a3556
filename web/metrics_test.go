package web

import (
	"bufio"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"portville/web/wire"
)

// metricValue returns the value of one series of the server's metrics
// ("name" or `name{label="v"}`), as the text format writes it, or "".
func metricValue(t testing.TB, s *Server, series string) string {
	t.Helper()
	rec := httptest.NewRecorder()
	s.Metrics().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	sc := bufio.NewScanner(rec.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), series+" "); ok {
			return v
		}
	}
	return ""
}

func TestMetrics(t *testing.T) {
	e := newEnv(t, func(c *Config) { trustLoopback(c); c.MaxSessions = 2; c.MaxSessionsPerAddr = 1 })
	for _, series := range []string{"portville_sessions", "portville_classes", "portville_viewers", "portville_followers",
		"portville_messages_sent_total", "portville_bytes_sent_total", "portville_viewers_dropped_total",
		`portville_refusals_total{reason="session_limit"}`, `portville_refusals_total{reason="address_sessions"}`} {
		if got := metricValue(t, e.srv, series); got != "0" {
			t.Errorf("%s = %q at the start, want 0", series, got)
		}
	}
	p, _, class := e.startClassFrom(addrA)
	f := e.dialFrom(addrB, "class="+class.Code)
	f.nextOf(wire.TypeHello)
	waitFor(t, "the follower to count", func() bool { return metricValue(t, e.srv, "portville_followers") == "1" })
	e.dialFrom(addrA, "lesson=tiny").expectError(wire.CodeAddressLimit)
	e.openFrom(addrB, "lesson=tiny")
	e.dialFrom("192.0.2.1", "lesson=tiny").expectError(wire.CodeSessionLimit)
	_ = p
	waitFor(t, "the refused websockets to close", func() bool { return metricValue(t, e.srv, "portville_viewers") == "3" })
	want := map[string]string{
		"portville_sessions":  "2",
		"portville_classes":   "1",
		"portville_viewers":   "3",
		"portville_followers": "1",
		`portville_refusals_total{reason="address_sessions"}`: "1",
		`portville_refusals_total{reason="session_limit"}`:    "1",
	}
	for series, v := range want {
		if got := metricValue(t, e.srv, series); got != v {
			t.Errorf("%s = %q, want %s", series, got, v)
		}
	}
	if got := metricValue(t, e.srv, "portville_messages_sent_total"); got == "0" || got == "" {
		t.Errorf("portville_messages_sent_total = %q after hellos went out", got)
	}
	if got := metricValue(t, e.srv, "portville_bytes_sent_total"); got == "0" || got == "" {
		t.Errorf("portville_bytes_sent_total = %q", got)
	}
	body := func() string {
		rec := httptest.NewRecorder()
		e.srv.Metrics().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
		return rec.Body.String()
	}()
	for _, s := range []string{"portville_build_info{", "go_goroutines ", "process_resident_memory_bytes "} {
		if !strings.Contains(body, s) {
			t.Errorf("the metrics have no %s", s)
		}
	}
}

// /metrics is not on the app's routes unless PublicMetrics says so.
func TestMetricsOffThePublicRoutes(t *testing.T) {
	e := newEnv(t, nil)
	if resp, _ := e.get("/metrics", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /metrics: %d, want 404 without PublicMetrics", resp.StatusCode)
	}
	pub := newEnv(t, func(c *Config) { c.PublicMetrics = true; c.BasePath = "/portville/" })
	resp, body := pub.get("/portville/metrics", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "portville_sessions 0") {
		t.Errorf("GET /portville/metrics with PublicMetrics: %d %.200s", resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("Content-Type %q, want Prometheus's text format", ct)
	}
}

func (e *env) startClassFrom(addr string) (*client, msg, classMsg) {
	e.t.Helper()
	p, h := e.openFrom(addr, "lesson=tiny")
	p.send(map[string]any{"type": wire.TypeClassStart})
	return p, h, p.nextOf(wire.TypeClass)
}

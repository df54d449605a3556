package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// lockedBuffer is an io.Writer shared by the server's goroutines and the
// test. It reports the first line written on first.
type lockedBuffer struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	first chan string
}

func newLockedBuffer() *lockedBuffer { return &lockedBuffer{first: make(chan string, 1)} }

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	had := bytes.IndexByte(b.buf.Bytes(), '\n') >= 0
	b.buf.Write(p)
	if line, _, ok := bytes.Cut(b.buf.Bytes(), []byte("\n")); ok && !had {
		b.first <- string(line)
	}
	return len(p), nil
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestServeEndToEnd runs the real command on 127.0.0.1:0: pages, the
// websocket, and a shutdown within 2 s that closes websockets with 1001.
func TestServeEndToEnd(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stdout, stderr := newLockedBuffer(), newLockedBuffer()
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0"}, nil, stdout, stderr) }()

	var base string
	select {
	case line := <-stdout.first:
		addr, ok := strings.CutPrefix(line, "Portville listening on http://")
		if !ok {
			t.Fatalf("first line %q", line)
		}
		base = "http://" + addr
	case err := <-done:
		t.Fatalf("serve ended: %v\n%s", err, stderr.String())
	case <-time.After(10 * time.Second):
		t.Fatal("serve printed no address")
	}

	get := func(path string) (int, string) {
		t.Helper()
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	tests := []struct {
		path   string
		status int
		want   string
	}{
		{"/healthz", 200, "ok\n"},
		{"/", 200, `<ol class="lesson-list">`},
		{"/lesson/ephemeral-ports", 200, `data-lesson="ephemeral-ports"`},
		{"/embed/ephemeral-ports", 200, `data-mode="embed"`},
		{"/lesson/no-such-lesson", 404, "Lesson not found"},
	}
	for _, tt := range tests {
		status, body := get(tt.path)
		if status != tt.status || !strings.Contains(body, tt.want) {
			t.Errorf("GET %s: status %d, body without %q", tt.path, status, tt.want)
		}
	}

	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(base, "http")+"/ws?lesson=ephemeral-ports", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	var hello struct {
		Type    string `json:"type"`
		Session string `json:"session"`
	}
	if err := ws.ReadJSON(&hello); err != nil || hello.Type != "hello" || hello.Session == "" {
		t.Fatalf("hello %+v: %v", hello, err)
	}

	start := time.Now()
	cancel()
	ws.SetReadDeadline(time.Now().Add(2 * time.Second))
	_, _, err = ws.ReadMessage()
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != websocket.CloseGoingAway {
		t.Errorf("websocket ended with %v, want close 1001", err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run: %v", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("serve did not return within 2 s of the signal")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("shutdown took %v", d)
	}
	logs := stderr.String()
	for _, want := range []string{"msg=request", "path=/healthz", "status=404", `msg="session opened"`, `msg="session closed"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("the log has no %s:\n%s", want, logs)
		}
	}
}

func TestServeBadFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"zero sessions", []string{"--max-sessions", "0"}, "--max-sessions"},
		{"negative viewers", []string{"--max-viewers", "-3"}, "--max-viewers"},
		{"zero idle timeout", []string{"--idle-timeout", "0s"}, "--idle-timeout"},
		{"zero message size", []string{"--max-message-bytes", "0"}, "--max-message-bytes"},
		{"zero control rate", []string{"--control-rate", "0"}, "--control-rate"},
		{"zero burst", []string{"--control-burst", "0"}, "--control-burst"},
		{"zero classes", []string{"--max-classes", "0"}, "--max-classes"},
		{"negative followers", []string{"--max-followers", "-1"}, "--max-followers"},
		{"zero class idle time", []string{"--class-idle", "0s"}, "--class-idle"},
		{"public URL without scheme", []string{"--public-url", "portville.example"}, "public URL"},
		{"public URL with a path", []string{"--public-url", "https://portville.example/app"}, "public URL"},
		{"any origin", []string{"--allow-origin", "*"}, "allowed origin"},
		{"origin with a path", []string{"--allow-origin", "https://a.example,https://b.example/x"}, "allowed origin"},
		{"frame ancestors that inject", []string{"--frame-ancestors", "https://a.example; script-src *"}, "frame ancestors"},
		{"public URL with another path", []string{"--base-path", "/portville/", "--public-url", "https://portville.example/app"}, "base path"},
		{"zero sessions per address", []string{"--max-sessions-per-addr", "0"}, "--max-sessions-per-addr"},
		{"negative classes per address", []string{"--max-classes-per-addr", "-1"}, "--max-classes-per-addr"},
		{"zero connections per address", []string{"--max-conns-per-addr", "0"}, "--max-conns-per-addr"},
		{"base path without a slash", []string{"--base-path", "portville"}, "base path"},
		{"base path with ..", []string{"--base-path", "/a/../b"}, "base path"},
		{"trust proxy that is no address", []string{"--trust-proxy", "127.0.0.1,proxy.local"}, "proxy.local"},
		{"NATS token without NATS", []string{"--nats-token", "s3cret"}, "--nats"},
		{"unknown flag", []string{"--port", "80"}, "port"},
		{"an argument", []string{"extra"}, "extra"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := run(context.Background(), append([]string{"serve", "--addr", "127.0.0.1:0"}, tt.args...), nil, &out, &errOut)
			var ue *usageError
			if !errors.As(err, &ue) {
				t.Fatalf("err %v, want a usage error", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err %q does not name %q", err, tt.want)
			}
			if strings.Contains(out.String(), "listening") {
				t.Error("the server started")
			}
		})
	}
}

// TestServeNATSUnreachable: --nats naming a server that does not answer
// is an error (exit 1, not a usage error) that names the address, and
// nothing listens.
func TestServeNATSUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "nats://" + ln.Addr().String()
	ln.Close()
	var out, errOut bytes.Buffer
	err = run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0", "--nats", dead}, nil, &out, &errOut)
	var ue *usageError
	if err == nil || errors.As(err, &ue) || !strings.Contains(err.Error(), dead) {
		t.Fatalf("err %v, want an error (not a usage error) that names %s", err, dead)
	}
	if strings.Contains(out.String(), "listening") {
		t.Error("the server started")
	}
}

func TestListFlag(t *testing.T) {
	var l listFlag
	for _, v := range []string{"https://a.example, https://b.example", "", "https://c.example"} {
		l.Set(v)
	}
	want := []string{"https://a.example", "https://b.example", "https://c.example"}
	if strings.Join(l, " ") != strings.Join(want, " ") || l.String() != strings.Join(want, ",") {
		t.Errorf("list %q, want %q", l, want)
	}
}

// --metrics-addr serves /metrics on its own listener only; --base-path
// puts the app under a path.
func TestServeMetricsAndBasePath(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stdout, stderr := newLockedBuffer(), newLockedBuffer()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0", "--base-path", "/portville/"}, nil, stdout, stderr)
	}()
	var app, metrics string
	deadline := time.Now().Add(10 * time.Second)
	for (app == "" || metrics == "") && time.Now().Before(deadline) {
		for _, line := range strings.Split(stdout.String(), "\n") {
			if a, ok := strings.CutPrefix(line, "Portville listening on "); ok {
				app = a
			}
			if m, ok := strings.CutPrefix(line, "Metrics for Prometheus: "); ok {
				metrics = m
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.HasSuffix(app, "/portville/") || !strings.HasSuffix(metrics, "/metrics") {
		t.Fatalf("stdout %q, stderr %s", stdout.String(), stderr.String())
	}
	status := func(u string) (int, string) {
		t.Helper()
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := status(metrics); code != 200 || !strings.Contains(body, "portville_sessions 0") {
		t.Errorf("GET %s: %d %.200s", metrics, code, body)
	}
	if code, _ := status(app + "metrics"); code != 404 {
		t.Errorf("GET %smetrics: %d, want 404 (metrics are off the app's address)", app, code)
	}
	if code, body := status(app); code != 200 || !strings.Contains(body, `data-base="/portville"`) {
		t.Errorf("GET %s: %d", app, code)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

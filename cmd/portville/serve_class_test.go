package main

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestServeClassFlags runs the real command with the classroom flags: a
// class started on it has its join URL on --public-url, and --max-classes
// bounds the classes.
func TestServeClassFlags(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr := newLockedBuffer(), newLockedBuffer()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--public-url", "https://portville.school.example",
			"--max-classes", "1", "--max-followers", "10", "--class-idle", "30m"}, nil, stdout, stderr)
	}()
	defer func() {
		cancel()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Error("serve did not stop")
		}
	}()
	var base string
	select {
	case line := <-stdout.first:
		base = "http://" + strings.TrimPrefix(line, "Portville listening on http://")
	case err := <-done:
		t.Fatalf("serve ended: %v\n%s", err, stderr.String())
	case <-time.After(10 * time.Second):
		t.Fatal("serve printed no address")
	}

	type message struct {
		Type string `json:"type"`
		Code string `json:"code"`
		URL  string `json:"url"`
		QR   string `json:"qr"`
	}
	startClass := func() message {
		t.Helper()
		ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(base, "http")+"/ws?lesson=sockets", nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ws.Close() })
		var m message
		ws.SetReadDeadline(time.Now().Add(5 * time.Second))
		if err := ws.ReadJSON(&m); err != nil || m.Type != "hello" {
			t.Fatalf("hello %+v: %v", m, err)
		}
		if err := ws.WriteJSON(map[string]string{"type": "class.start"}); err != nil {
			t.Fatal(err)
		}
		if err := ws.ReadJSON(&m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	c := startClass()
	if c.Type != "class" || c.URL != "https://portville.school.example/join/"+c.Code {
		t.Fatalf("class %+v, want its URL on the public URL", c)
	}
	resp, err := http.Get(base + c.QR)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/svg+xml" {
		t.Errorf("GET %s: %d %s", c.QR, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if m := startClass(); m.Type != "error" || m.Code != "class_limit" {
		t.Errorf("second class: %+v, want error class_limit", m)
	}
}

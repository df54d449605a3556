package web

import (
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"portville/web/live"
	"portville/web/wire"
)

// TestLiveRefused: /live is off unless Config.Live, and only for a
// browser on this machine: a peer that is not loopback gets 403 and a
// sentence why, whatever its headers say.
func TestLiveRefused(t *testing.T) {
	t.Parallel()
	off := newEnv(t, nil)
	on := newEnv(t, func(c *Config) { c.Live = true })
	tests := []struct {
		name   string
		e      *env
		path   string
		remote string
		header map[string]string
		status int
		says   string
	}{
		{"off", off, "/live", "127.0.0.1:5000", nil, http.StatusNotFound, "portville serve --live"},
		{"off, websocket", off, "/live/ws", "127.0.0.1:5000", nil, http.StatusNotFound, "portville serve --live"},
		{"another machine", on, "/live", "10.0.0.5:5000", nil, http.StatusForbidden, "only to a browser on that computer"},
		{"another machine through a proxy that says localhost", on, "/live", "192.0.2.9:5000",
			map[string]string{"X-Forwarded-For": "127.0.0.1", "Forwarded": "for=127.0.0.1"}, http.StatusForbidden, "only to a browser on that computer"},
		{"another machine, websocket", on, "/live/ws", "[2001:db8::1]:5000", nil, http.StatusForbidden, "only to a browser on that computer"},
		{"this machine", on, "/live", "127.0.0.1:5000", nil, http.StatusOK, `data-ws="/live/ws"`},
		{"this machine over IPv6", on, "/live", "[::1]:5000", nil, http.StatusOK, `data-mode="live"`},
	}
	for _, tc := range tests {
		req := httptest.NewRequest("GET", tc.path, nil)
		req.RemoteAddr = tc.remote
		for k, v := range tc.header {
			req.Header.Set(k, v)
		}
		rec := httptest.NewRecorder()
		tc.e.srv.ServeHTTP(rec, req)
		if rec.Code != tc.status || !strings.Contains(rec.Body.String(), tc.says) {
			t.Errorf("%s: %d %.300s; want %d and %q", tc.name, rec.Code, rec.Body.String(), tc.status, tc.says)
		}
	}
}

// liveMsg is a message of the live websocket.
type liveMsg struct {
	Type     string        `json:"type"`
	Snapshot live.Snapshot `json:"snapshot"`
	Events   []live.Event  `json:"events"`
	LiveMsg
}

// TestLiveFindsSockets: real sockets opened here (a listener on
// 127.0.0.1 and three clients) are in /live's data with this process's
// PID and their ports: the listener an apartment, each client's ephemeral
// port another; the caption names the port of the websocket itself; a
// client that closes leaves.
func TestLiveFindsSockets(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *Config) { c.Live, c.liveEvery, c.liveMaxSockets = true, 50*time.Millisecond, 100000 })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	var clients []net.Conn
	for range 3 {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		clients = append(clients, c)
	}
	lport := uint16(ln.Addr().(*net.TCPAddr).Port)
	conn, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(e.hs.URL, "http")+"/live/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	read := func() liveMsg {
		t.Helper()
		conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		var m liveMsg
		if err := conn.ReadJSON(&m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	hello := read()
	if hello.Type != wire.TypeHello || len(hello.Snapshot.Hosts) == 0 {
		t.Fatalf("hello: %+v", hello)
	}
	h := hello.Snapshot.Hosts[0]
	pid := os.Getpid()
	holds := func(sock int) bool {
		for _, p := range h.Processes {
			for _, f := range p.FDs {
				if f.Sock == sock {
					return p.PID == pid
				}
			}
		}
		return false
	}
	var listener bool
	clientPorts := map[uint16]bool{}
	for _, s := range h.Sockets {
		if strings.HasSuffix(s.Local, ":"+strconv.Itoa(int(lport))) && s.State == "LISTEN" && holds(s.Sock) {
			listener = true
		}
		for _, c := range clients {
			if s.Local == c.LocalAddr().String() && s.Remote == ln.Addr().String() && s.State == "ESTABLISHED" && holds(s.Sock) {
				clientPorts[uint16(c.LocalAddr().(*net.TCPAddr).Port)] = true
			}
		}
	}
	if !listener || len(clientPorts) != 3 {
		t.Fatalf("in /live's data: listener on %d held by PID %d: %v; clients found: %v of 3", lport, pid, listener, clientPorts)
	}
	for _, b := range h.Bindings {
		if clientPorts[b.Port] && !b.Ephemeral {
			t.Errorf("client port %d is not marked ephemeral", b.Port)
		}
	}
	cap := read()
	wsPort := uint16(conn.LocalAddr().(*net.TCPAddr).Port)
	if cap.Type != wire.TypeLive || !slices.Contains(cap.Ports, wsPort) || !strings.Contains(cap.Text, "port "+strconv.Itoa(int(wsPort))) {
		t.Errorf("caption %+v: want it to name the websocket's port %d", cap.LiveMsg, wsPort)
	}

	// A client closes: its side goes to TIME_WAIT or leaves.
	gone := clients[0].LocalAddr().String()
	clients[0].Close()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		m := read()
		for _, ev := range m.Events {
			if ev.Local == gone && (ev.Kind == "socket.close" || ev.Kind == "socket.state" && (ev.To == "TIME_WAIT" || ev.To == "CLOSED" || ev.To == "FIN_WAIT_2")) {
				return
			}
		}
	}
	t.Errorf("no event says %s closed", gone)
}

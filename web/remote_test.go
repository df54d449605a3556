package web

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/gorilla/websocket"

	"portville/web/wire"
)

// TestRemoteConnect: the presenter's class message offers the remote
// (/remote/CODE#TOKEN and its QR code) and nobody else's does; a
// websocket with the class code and the token is a presenter that
// controls the class; a wrong token is refused and changes nothing.
func TestRemoteConnect(t *testing.T) {
	e := newEnv(t, nil)
	_, _, c := e.startClass("ephemeral-ports")
	host := e.hs.Listener.Addr().String()
	var info ClassInfo
	if err := json.Unmarshal(c.raw, &info); err != nil {
		t.Fatal(err)
	}
	if want := "http://" + host + "/remote/" + c.Code + "#" + c.Token; info.Remote != want {
		t.Errorf("remote %q, want %q", info.Remote, want)
	}
	svg, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(info.RemoteQR, "data:image/svg+xml;base64,"))
	if !strings.HasPrefix(info.RemoteQR, "data:image/svg+xml;base64,") || err != nil || !strings.Contains(string(svg), "<svg") {
		t.Errorf("remote_qr is not an SVG data URL: %.60s (%v)", info.RemoteQR, err)
	}
	f, fh := e.follow("class=" + c.Code)
	if fh.Class.Remote != "" || fh.Class.RemoteQR != "" || strings.Contains(string(fh.raw), c.Token) {
		t.Errorf("a follower was offered the remote: %+v", fh.Class)
	}

	// The remote: a presenter, by code and token.
	r := e.dial("class=" + strings.ToLower(c.Code) + "&token=" + c.Token)
	rh := r.nextOf(wire.TypeHello)
	if rh.Class == nil || rh.Class.Role != wire.RolePresenter || rh.Class.Token != c.Token || rh.Session == "" {
		t.Fatalf("remote's hello: session %q class %+v, want a presenter", rh.Session, rh.Class)
	}
	before := rh.State.Seq
	r.send(map[string]any{"type": wire.TypeStep})
	for {
		m := f.nextSkipping(wire.TypeClassStats)
		if m.Type == wire.TypeState && m.Seq == before+1 {
			break
		}
		if m.Type == wire.TypeState && m.Seq > before+1 {
			t.Fatalf("the follower went to %d, want %d", m.Seq, before+1)
		}
	}

	// A wrong token: forbidden, closed, nothing changed; the follower
	// count did not move either (a remote is not a follower).
	bad := e.dial("class=" + c.Code + "&token=" + strings.Repeat("A", len(c.Token)))
	bad.expectError(wire.CodeForbidden)
	bad.expectClose(websocket.ClosePolicyViolation)
	if n := e.srv.followers.Load(); n != 1 {
		t.Errorf("%d followers counted, want 1", n)
	}
	r.send(map[string]any{"type": wire.TypePlay})
	if m := f.nextSkipping(wire.TypeClassStats); m.Type != wire.TypeState && m.Type != wire.TypeEvent && m.Type != wire.TypeEvents {
		t.Errorf("after the remote's play the follower got %s", m.raw)
	}

	// The page: served for a class that exists, without the token.
	resp, err := http.Get(e.hs.URL + "/remote/" + c.Code)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `data-code="`+c.Code+`"`) || strings.Contains(string(body), c.Token) {
		t.Errorf("GET /remote/%s: %d\n%s", c.Code, resp.StatusCode, body)
	}
	resp, err = http.Get(e.hs.URL + "/remote/ZZZZ2222")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /remote of no class: %d, want 404", resp.StatusCode)
	}
}

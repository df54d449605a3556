package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"portville/sim/lab"
	"portville/sim/pcap"
	"portville/sim/scenario"
	"portville/web/wire"
)

// TestPcapLesson: /api/pcap?lesson= is the capture of that lesson with
// that OS and seed, byte for byte, as an attachment named after them.
func TestPcapLesson(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	resp, body := e.get("/api/pcap?lesson=ephemeral-ports&os=freebsd&seed=5", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/vnd.tcpdump.pcap" {
		t.Errorf("Content-Type %q", ct)
	}
	if cd := resp.Header.Get("Content-Disposition"); cd != `attachment; filename="portville-ephemeral-ports-freebsd-seed5.pcap"` {
		t.Errorf("Content-Disposition %q", cd)
	}
	l := e.cat.lessons[0]
	var want bytes.Buffer
	if err := pcap.Capture(&want, l.Scenario, scenario.Options{OS: "freebsd", Seed: 5, SeedSet: true}, 0); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(body, want.Bytes()) {
		t.Errorf("the served capture (%d bytes) is not the lesson's (%d bytes)", len(body), want.Len())
	}
}

// TestPcapErrors: bad requests get a JSON error that says what is wrong.
func TestPcapErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	tests := []struct {
		name, path string
		status     int
		says       string
	}{
		{"no lesson or session", "/api/pcap", http.StatusBadRequest, "give lesson=ID"},
		{"both", "/api/pcap?lesson=tiny&session=x", http.StatusBadRequest, "give lesson=ID"},
		{"unknown lesson", "/api/pcap?lesson=nosuch", http.StatusNotFound, "no lesson with that name"},
		{"unknown OS", "/api/pcap?lesson=tiny&os=plan9", http.StatusBadRequest, "os:"},
		{"bad seed", "/api/pcap?lesson=tiny&seed=-1", http.StatusBadRequest, "seed: expected a whole number"},
		{"unknown session", "/api/pcap?session=nosuch", http.StatusNotFound, "session has ended"},
	}
	for _, tc := range tests {
		resp, body := e.get(tc.path, nil)
		var got struct{ Error string }
		json.Unmarshal(body, &got)
		if resp.StatusCode != tc.status || !strings.Contains(got.Error, tc.says) {
			t.Errorf("%s: %d %s, want %d and an error that says %q", tc.name, resp.StatusCode, body, tc.status, tc.says)
		}
	}
}

// TestPcapLabSession: /api/pcap?session= captures what a lab session
// plays: the same file as portville lab --format pcap of its commands.
func TestPcapLabSession(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	c := e.dial("lab=1")
	h := c.nextLabOf(wire.TypeHello)
	c.typeLine("web", "nginx")
	playOut(t, e, c)
	c.typeLine("laptop", "curl -s http://web/")
	playOut(t, e, c)
	resp, body := e.get("/api/pcap?session="+h.Session, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	if cd := resp.Header.Get("Content-Disposition"); !strings.Contains(cd, `filename="portville-lab-linux-seed`) {
		t.Errorf("Content-Disposition %q", cd)
	}
	l, err := lab.New(lab.DefaultTown(), "", lab.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	w, err := pcap.NewWriter(&want)
	if err != nil {
		t.Fatal(err)
	}
	events := l.SetupEvents()
	for _, in := range []lab.Input{{Host: "web", Line: "nginx"}, {Host: "laptop", Line: "curl -s http://web/"}} {
		_, ev, err := l.Do(in)
		if err != nil {
			t.Fatal(err)
		}
		events = append(events, ev...)
	}
	for i := range events {
		if err := w.Event(&events[i]); err != nil {
			t.Fatal(err)
		}
	}
	w.Flush()
	if w.Frames() < 10 || !bytes.Equal(body, want.Bytes()) {
		t.Errorf("the session's capture (%d bytes) is not the lab's (%d bytes, %d frames)", len(body), want.Len(), w.Frames())
	}
}

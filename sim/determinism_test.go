package sim_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"portville/sim"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// story runs a fixed script touching most of the engine: a web server, two
// browsers, a refused connect, a UDP query, a fork and TIME_WAIT; it
// returns the JSONL stream.
func story(t testing.TB, seed uint64, prof *sim.Profile) []byte {
	var out bytes.Buffer
	w := sim.NewWorld(sim.Config{Seed: seed, OnEvent: func(e *sim.Event) {
		out.Write(e.AppendJSON(nil))
		out.WriteByte('\n')
	}})
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	lap, err := w.AddHost(sim.HostSpec{Name: "laptop", Addrs: []netip.Addr{ip("192.168.1.10")}, OS: prof})
	must(err)
	srv, err := w.AddHost(sim.HostSpec{Name: "web", Addrs: []netip.Addr{ip("93.184.216.34")}})
	must(err)
	_, err = lap.Install(sim.Program{Name: "firefox", Path: "/usr/bin/firefox"})
	must(err)
	_, err = srv.Install(sim.Program{Name: "nginx", Path: "/usr/sbin/nginx", Server: &sim.ServerSpec{
		Listen: []sim.Service{{sim.TCP, 80}}, Protocol: "http", ReuseAddr: true}})
	must(err)
	_, err = srv.Install(sim.Program{Name: "named", Server: &sim.ServerSpec{Listen: []sim.Service{{sim.UDP, 53}}, Protocol: "dns"}})
	must(err)
	_, err = srv.Start("nginx", sim.StartOptions{})
	must(err)
	_, err = srv.Start("named", sim.StartOptions{})
	must(err)
	w.Settle()
	var fds []int
	var procs []*sim.Process
	for i := 0; i < 2; i++ {
		p, err := lap.Start("firefox", sim.StartOptions{})
		must(err)
		fd, _ := p.Main().Socket(sim.TCP)
		p.Main().Connect(fd, ap("93.184.216.34:80"))
		procs, fds = append(procs, p), append(fds, fd)
	}
	w.Settle()
	procs[0].Main().Send(fds[0], "GET / HTTP/1.1")
	u, _ := procs[1].Main().Socket(sim.UDP)
	procs[1].Main().SendTo(u, ap("93.184.216.34:53"), "A? example.com")
	w.Settle()
	fd, _ := procs[1].Main().Socket(sim.TCP)
	procs[1].Main().Connect(fd, ap("93.184.216.34:8080"))
	w.Settle()
	c, err := procs[0].Fork()
	must(err)
	procs[0].Main().Close(fds[0])
	c.Exit(0)
	procs[1].Exit(0)
	must(w.Run())
	return out.Bytes()
}

// TestDeterminism: the same seed gives the same bytes; another seed gives
// other ephemeral ports (DESIGN.md: deterministic from a seed).
func TestDeterminism(t *testing.T) {
	t.Parallel()
	for _, prof := range sim.Profiles {
		a, b := story(t, 7, prof), story(t, 7, prof)
		if !bytes.Equal(a, b) {
			t.Fatalf("%s: two runs with seed 7 differ", prof.Name)
		}
	}
	ports := func(stream []byte) string {
		var out []string
		for _, line := range bytes.Split(bytes.TrimSpace(stream), []byte("\n")) {
			var e sim.Event
			if err := json.Unmarshal(line, &e); err != nil {
				t.Fatal(err)
			}
			if e.Kind == sim.KindPortAssign {
				out = append(out, fmt.Sprint(e.Port))
			}
		}
		return strings.Join(out, ",")
	}
	p7, p8 := ports(story(t, 7, sim.Linux)), ports(story(t, 8, sim.Linux))
	if p7 == p8 || p7 == "" {
		t.Errorf("seeds 7 and 8 gave the same ephemeral ports %q", p7)
	}
}

// TestGolden compares the story with testdata/story-<os>.jsonl. Refresh
// with: go test ./sim -run TestGolden -update
func TestGolden(t *testing.T) {
	t.Parallel()
	for _, prof := range sim.Profiles {
		got := story(t, 7, prof)
		path := filepath.Join("testdata", "story-"+prof.Name+".jsonl")
		if *update {
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run with -update to create it)", err)
		}
		if d := firstDiff(want, got); d != "" {
			t.Errorf("%s differs from the golden file (run with -update if the change is intended):\n%s", path, d)
		}
	}
}

// firstDiff describes the first line where two streams differ, with the
// line before it for context.
func firstDiff(want, got []byte) string {
	wl := strings.Split(string(want), "\n")
	gl := strings.Split(string(got), "\n")
	for i := 0; i < max(len(wl), len(gl)); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			ctx := ""
			if i > 0 && i-1 < len(wl) {
				ctx = fmt.Sprintf("  line %d (same): %s\n", i, wl[i-1])
			}
			return fmt.Sprintf("%s- line %d want: %s\n+ line %d got:  %s", ctx, i+1, w, i+1, g)
		}
	}
	return ""
}

// TestEventJSONRoundTrip: decoding an encoded event and encoding it again
// gives the same bytes, for every event of the story.
func TestEventJSONRoundTrip(t *testing.T) {
	t.Parallel()
	stream := story(t, 3, sim.Linux)
	seen := map[sim.Kind]bool{}
	for _, line := range bytes.Split(bytes.TrimSpace(stream), []byte("\n")) {
		var e sim.Event
		if err := json.Unmarshal(line, &e); err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		seen[e.Kind] = true
		again := e.AppendJSON(nil)
		if !bytes.Equal(again, line) {
			t.Fatalf("round trip changed the event:\n%s\n%s", line, again)
		}
	}
	for _, k := range []sim.Kind{sim.KindHostUp, sim.KindPacketSend, sim.KindSocketInherit, sim.KindPortRelease, sim.KindError, sim.KindSocketRecv} {
		if !seen[k] {
			t.Errorf("the story has no %s event; the round trip does not cover it", k)
		}
	}
}

// TestNarrationCatalogue: every kind the engine emits has a sentence, and
// every placeholder in the catalogue is one the filler knows.
func TestNarrationCatalogue(t *testing.T) {
	t.Parallel()
	for key, s := range sim.Catalogue {
		kind, _, _ := strings.Cut(key, "/")
		known := false
		for _, k := range sim.Kinds {
			if string(k) == kind {
				known = true
			}
		}
		if !known {
			t.Errorf("catalogue key %q: no such kind", key)
		}
		for _, tmpl := range []string{s.Text, s.Analogy} {
			e := &sim.Event{Kind: sim.Kind(kind), Host: "h", Program: "p", PID: 1, OS: "linux"}
			if got := sim.Fill(tmpl, e); strings.Contains(got, "{") {
				t.Errorf("catalogue %q: unknown placeholder in %q", key, got)
			}
		}
	}
	for _, k := range sim.Kinds {
		switch k {
		case sim.KindNote, sim.KindCheckpoint, sim.KindCheckpointReply:
			continue
		}
		if _, ok := sim.Catalogue[string(k)]; !ok {
			t.Errorf("kind %s has no catalogue entry without a variant", k)
		}
	}
}

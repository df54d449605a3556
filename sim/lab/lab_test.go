package lab_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"portville/sim"
	"portville/sim/lab"
	"portville/sim/lessons"
	"portville/sim/scenario"
	"portville/sim/timeline"
)

var update = flag.Bool("update", false, "rewrite the golden transcripts in testdata/")

// replay runs a script on the default town.
func replay(t *testing.T, script string, opt lab.Options) *lab.Lab {
	t.Helper()
	in, err := lab.ParseScript(script)
	if err != nil {
		t.Fatal(err)
	}
	l, err := lab.Replay(lab.DefaultTown(), "", opt, in)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestGoldenTranscripts runs every testdata/*.lab script and compares
// the transcript with testdata/*.txt (go test ./sim/lab -update rewrites
// them). The scripts walk every command of docs/lab.md; read a .txt next
// to REAL-TOOLS.md to check the shapes.
func TestGoldenTranscripts(t *testing.T) {
	t.Parallel()
	scripts, err := filepath.Glob("testdata/*.lab")
	if err != nil || len(scripts) == 0 {
		t.Fatalf("no scripts: %v", err)
	}
	for _, path := range scripts {
		t.Run(filepath.Base(path), func(t *testing.T) {
			t.Parallel()
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			opt := lab.Options{}
			if strings.Contains(path, "macos") {
				opt.OS = "macos"
			}
			got := replay(t, string(src), opt).Transcript()
			golden := strings.TrimSuffix(path, ".lab") + ".txt"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (go test ./sim/lab -update writes it)", err)
			}
			if got != string(want) {
				t.Errorf("%s differs from %s (go test ./sim/lab -update if intended):\n%s", path, golden, firstDiff(string(want), got))
			}
		})
	}
}

func firstDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			return "line " + strconv.Itoa(i+1) + ":\nwant: " + a + "\ngot:  " + b
		}
	}
	return ""
}

// TestMessages: what the terminal answers to bad input, word for word, and
// that such input changes nothing in the town.
func TestMessages(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, host, line string
		want             string
		status           int
	}{
		{"unknown command", "laptop", "foo --bar", "bash: foo: command not found\n", 127},
		{"nc port too large", "laptop", "nc 10.0.0.20 70000", "nc: port number too large: 70000\n", 1},
		{"nc port too small", "laptop", "nc web 0", "nc: port number too small: 0\n", 1},
		{"nc listen on a name", "laptop", "nc -l abc", "nc: getaddrinfo: Servname not supported for ai_socktype\n", 1},
		{"nc unknown host", "laptop", "nc nosuch 80", "nc: getaddrinfo for host \"nosuch\" port 80: Name or service not known\n", 1},
		{"nc bad option", "laptop", "nc -y web 80", "nc: invalid option -- 'y'\nusage: nc [-46CDdFhklNnrStUuvZz] [-I length] [-i interval] [-M ttl]\n", 1},
		{"curl unknown host", "laptop", "curl http://nosuch/", "curl: (6) Could not resolve host: nosuch\n", 6},
		{"curl silent unknown host", "laptop", "curl -s http://nosuch/", "", 6},
		{"curl no url", "laptop", "curl", "curl: no URL specified!\ncurl: try 'curl --help' or 'curl --manual' for more information\n", 2},
		{"curl bad option", "laptop", "curl -W http://web/", "curl: option -W: is unknown\ncurl: try 'curl --help' or 'curl --manual' for more information\n", 2},
		{"curl real option not modelled", "laptop", "curl -H 'Accept: text/html' http://web/", "lab: curl -H is real, but the lab does not model it; ", 2},
		{"curl other scheme", "laptop", "curl gopher://web/", "curl: (1) Protocol \"gopher\" not supported or disabled in libcurl\n", 1},
		{"kill no such process", "laptop", "kill 99999", "bash: kill: (99999) - No such process\n", 1},
		{"kill not a pid", "laptop", "kill web", "bash: kill: web: arguments must be process or job IDs\n", 1},
		{"kill no such job", "laptop", "kill %3", "bash: kill: %3: no such job\n", 1},
		{"sysctl backwards", "laptop", `sysctl -w net.ipv4.ip_local_port_range="40009 40000"`, "sysctl: setting key \"net.ipv4.ip_local_port_range\": Invalid argument\n", 1},
		{"sysctl below 1024", "laptop", `sysctl -w net.ipv4.ip_local_port_range="1000 2000"`, "sysctl: setting key \"net.ipv4.ip_local_port_range\": Invalid argument\n", 1},
		{"sysctl unknown key", "laptop", "sysctl net.ipv4.nosuch", "sysctl: cannot stat /proc/sys/net/ipv4/nosuch: No such file or directory\n", 255},
		{"apt unknown package", "laptop", "apt install nosuch", "Reading package lists... Done\nBuilding dependency tree... Done\nReading state information... Done\nE: Unable to locate package nosuch\n", 100},
		{"sleep bad interval", "laptop", "sleep soon", "sleep: invalid time interval 'soon'\nTry 'sleep --help' for more information.\n", 1},
		{"unterminated quote", "laptop", "echo 'hello", "bash: unexpected EOF while looking for matching `''\n", 2},
		{"redirection", "laptop", "curl http://web/ > page.html", "lab: redirections (>) are not simulated: the hosts have no files to write. curl -o FILE, curl -s -o /dev/null and pipes (ss -tan | grep 80) work.\n", 2},
		{"subshell", "laptop", "(ss -t)", "lab: subshells and groups (() are not simulated; type the commands one after the other, or join them with ; && ||.\n", 2},
		{"command substitution", "laptop", "echo $(hostname)", "lab: command substitution is not simulated; type the command on its own line.\n", 2},
		{"operator first", "laptop", "&& ls", "bash: syntax error near unexpected token `&&'\n", 2},
		{"real tool not modelled", "laptop", "tcpdump -i eth0", "lab: tcpdump is a real tool (it captures packets), but the lab does not model it yet; the town shows every letter; Save for Wireshark writes them as a capture file\n", 127},
		{"grep without a pipe", "laptop", "grep LISTEN", "lab: grep reads a pipe in the lab (ss -tan | grep ...); typing its input at the terminal is not simulated\n", 2},
		{"grep bad pattern", "laptop", "echo x | grep '['", "grep: Unmatched [, [^, [:, [., or [=\n", 2},
		{"cat a file the lab lacks", "laptop", "cat /etc/passwd", "lab: cat /etc/passwd: the lab's hosts keep no files but /etc/hostname, /etc/hosts and, on Linux, /proc/sys/net/ipv4/ip_local_port_range\n", 1},
		{"ps bad option", "laptop", "ps -k", "error: unsupported SysV option\n\nUsage:\n ps [options]\n", 1},
		{"ss bad option", "laptop", "ss -q", "ss: invalid option -- 'q'\nUsage: ss [ OPTIONS ]\n       ss [ OPTIONS ] [ FILTER ]\n", 255},
		{"ip unknown object", "laptop", "ip foo", "Object \"foo\" is unknown, try \"ip help\".\n", 255},
		{"netsh on linux", "laptop", "netsh int ipv4 show dynamicport tcp", "bash: netsh: command not found\n", 127},
		{"add-host taken address", "town", "add-host web2 10.0.0.20", "add-host: 10.0.0.20 already belongs to web\n", 1},
		{"add-host bad name", "town", "add-host Web2 10.0.0.30", "add-host: \"Web2\" is not a host name (lower-case letters, digits and '-', starting with a letter, at most 32)\n", 1},
		{"nginx not installed", "laptop", "nginx", "bash: nginx: command not found\n", 127},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l, err := lab.New(lab.DefaultTown(), "", lab.Options{})
			if err != nil {
				t.Fatal(err)
			}
			before := l.Events()
			e, events, err := l.Do(lab.Input{Host: tt.host, Line: tt.line})
			if err != nil {
				t.Fatal(err)
			}
			var out strings.Builder
			for _, c := range e.Out {
				out.WriteString(c.Text)
			}
			if !strings.HasPrefix(out.String(), tt.want) || (tt.want == "" && out.String() != "") {
				t.Errorf("%s$ %s printed:\n%s\nwant (at the start):\n%s", tt.host, tt.line, out.String(), tt.want)
			}
			if e.Status != tt.status {
				t.Errorf("%s$ %s: status %d, want %d", tt.host, tt.line, e.Status, tt.status)
			}
			if len(events) != 0 || l.Events() != before || e.Steps != 0 {
				t.Errorf("%s$ %s changed the town: %d events, %d steps", tt.host, tt.line, len(events), e.Steps)
			}
		})
	}
}

// TestInputLimits: inputs the lab refuses outright change nothing.
func TestInputLimits(t *testing.T) {
	t.Parallel()
	l, err := lab.New(lab.DefaultTown(), "", lab.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		in   lab.Input
		want string
	}{
		{lab.Input{Host: "laptop", Line: strings.Repeat("x", lab.MaxLineBytes+1)}, "lab: the line is 1001 bytes; the limit is 1000"},
		{lab.Input{Host: "nowhere", Line: "ls"}, `lab: no host "nowhere" (hosts: laptop, web)`},
		{lab.Input{Host: "laptop", Key: "ctrl-q"}, `lab: unknown key "ctrl-q" (expected ctrl-c, ctrl-d or ctrl-z)`},
		{lab.Input{Host: "laptop", Line: "a\nb"}, "lab: a line cannot contain a line break or a NUL byte"},
		{lab.Input{Host: "laptop", Line: "echo \xff"}, "lab: the line is not valid UTF-8 text"},
	} {
		_, _, err := l.Do(tc.in)
		var ie *lab.InputError
		if !errors.As(err, &ie) || err.Error() != tc.want {
			t.Errorf("Do(%+v) = %v, want %q", tc.in, err, tc.want)
		}
	}
	if len(l.Entries()) != 0 {
		t.Errorf("refused inputs left %d entries", len(l.Entries()))
	}
	for i := 0; i < lab.MaxEntries; i++ {
		if _, _, err := l.Do(lab.Input{Host: "laptop", Line: "true"}); err != nil {
			t.Fatalf("entry %d: %v", i+1, err)
		}
	}
	if _, _, err := l.Do(lab.Input{Host: "laptop", Line: "true"}); err == nil || !strings.Contains(err.Error(), "the limit") {
		t.Errorf("entry %d: %v, want the limit", lab.MaxEntries+1, err)
	}
}

// roundTrip checks that a lab's export is a scenario portville check
// accepts and that a run of it gives the lab's events, byte for byte.
func roundTrip(t *testing.T, l *lab.Lab, want []byte) {
	t.Helper()
	yaml := l.Export()
	sc, err := scenario.Parse("lab.yaml", yaml)
	if err != nil {
		t.Fatalf("the export does not parse:\n%v\n%s", err, yaml)
	}
	if err := sc.Check(); err != nil {
		t.Fatalf("portville check refuses the export: %v", err)
	}
	var got []byte
	if _, err := sc.Run(scenario.Options{OnEvent: func(e *sim.Event) { got = append(e.AppendJSON(got), '\n') }}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := range min(len(g), len(w)) {
			if g[i] != w[i] {
				t.Fatalf("the export replays differently at event %d:\nlab: %s\nrun: %s", i+1, w[i], g[i])
			}
		}
		t.Fatalf("the export replays %d events, the lab had %d", len(g)-1, len(w)-1)
	}
}

// events returns every event of a lab as JSON lines, as it emitted them.
func events(t *testing.T, base *scenario.Scenario, id string, opt lab.Options, inputs []lab.Input) (*lab.Lab, []byte) {
	t.Helper()
	l, err := lab.New(base, id, opt)
	if err != nil {
		t.Fatal(err)
	}
	var out []byte
	for _, e := range l.SetupEvents() {
		out = append(e.AppendJSON(out), '\n')
	}
	for _, in := range inputs {
		_, evs, err := l.Do(in)
		if err != nil {
			t.Fatalf("%+v: %v", in, err)
		}
		for _, e := range evs {
			out = append(e.AppendJSON(out), '\n')
		}
	}
	if uint64(bytes.Count(out, []byte("\n"))) != l.Events() {
		t.Fatalf("the lab emitted %d events but counts %d", bytes.Count(out, []byte("\n")), l.Events())
	}
	return l, out
}

// TestExportRoundTrip: every golden script, exported, checks and replays
// to the lab's events, on each OS profile and on a lesson's town.
func TestExportRoundTrip(t *testing.T) {
	t.Parallel()
	scripts, _ := filepath.Glob("testdata/*.lab")
	for _, path := range scripts {
		src, _ := os.ReadFile(path)
		inputs, err := lab.ParseScript(string(src))
		if err != nil {
			t.Fatal(err)
		}
		for _, os := range []string{"", "windows", "macos", "freebsd"} {
			t.Run(filepath.Base(path)+"/"+os, func(t *testing.T) {
				t.Parallel()
				l, want := events(t, lab.DefaultTown(), "", lab.Options{OS: os, Seed: 7, SeedSet: true}, inputs)
				roundTrip(t, l, want)
			})
		}
	}
	l, err := lessons.Get("ephemeral-ports")
	if err != nil {
		t.Fatal(err)
	}
	inputs := []lab.Input{
		{Host: "web", Line: "nginx"}, {Host: "laptop", Line: "curl -s -o /dev/null -w '%{local_port}\\n' http://web/"},
		{Host: "laptop", Line: "ss -tan"}, {Host: "web", Line: "ps -eL"},
	}
	lb, want := events(t, l.Scenario, l.ID, lab.Options{}, inputs)
	roundTrip(t, lb, want)
}

// TestUndo: undoing the last entry gives the lab the first entries alone
// would have given; the events up to it are the same.
func TestUndo(t *testing.T) {
	t.Parallel()
	inputs, _ := lab.ParseScript("web$ nginx\nlaptop$ curl http://web/\nweb$ nc -l 7000\nlaptop$ nc web 7000\nlaptop$ hi\n")
	full, fullEvents := events(t, lab.DefaultTown(), "", lab.Options{}, inputs)
	last := full.Entries()[len(full.Entries())-1]
	undone, ok, err := full.Undo()
	if err != nil || !ok {
		t.Fatalf("Undo: %v %v", ok, err)
	}
	if undone.Line != "hi" {
		t.Errorf("undid %q, want the last entry", undone.Line)
	}
	short, shortEvents := events(t, lab.DefaultTown(), "", lab.Options{}, inputs[:len(inputs)-1])
	if full.Events() != short.Events() || !bytes.HasPrefix(fullEvents, shortEvents) || full.Events() != last.From-1 {
		t.Errorf("after undo the lab has %d events; the shorter script gives %d, and the undone entry began at %d", full.Events(), short.Events(), last.From)
	}
	if full.Transcript() != short.Transcript() {
		t.Errorf("after undo the transcript differs from the shorter script's")
	}
	if full.Attached("laptop") != "nc" {
		t.Errorf("after undo, laptop's terminal is attached to %q, want nc again", full.Attached("laptop"))
	}
	e, _, err := full.Do(lab.Input{Host: "laptop", Line: "hi"})
	if err != nil || e.From != last.From {
		t.Errorf("redoing the entry: from %d (%v), want %d", e.From, err, last.From)
	}
	empty, _ := lab.New(lab.DefaultTown(), "", lab.Options{})
	if _, ok, _ := empty.Undo(); ok {
		t.Error("undo on an empty lab undid something")
	}
}

// TestScriptRoundTrip: a lab's script reads back to its inputs.
func TestScriptRoundTrip(t *testing.T) {
	t.Parallel()
	src, _ := os.ReadFile("testdata/tour.lab")
	l := replay(t, string(src), lab.Options{})
	again, err := lab.ParseScript(l.Script())
	if err != nil {
		t.Fatal(err)
	}
	if len(again) != len(l.Entries()) {
		t.Fatalf("%d inputs read back, %d entries", len(again), len(l.Entries()))
	}
	for i, in := range again {
		if in != l.Entries()[i].Input {
			t.Errorf("input %d: %+v, want %+v", i+1, in, l.Entries()[i].Input)
		}
	}
}

// TestParseScriptErrors: a malformed line is an error with its number.
func TestParseScriptErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ src, want string }{
		{"laptop$ ls\ncurl http://web/\n", `line 2: expected HOST$ COMMAND, such as laptop$ curl http://web/; found "curl http://web/"`},
		{"# a comment\n\nLaptop$ ls\n", `line 3: expected HOST$ COMMAND, such as laptop$ curl http://web/; found "Laptop$ ls"`},
		{"laptop$ls\n", "line 1: expected a space after laptop$"},
		{"laptop$ " + strings.Repeat("x", 1001), "line 1: the command is 1001 bytes; the limit is 1000"},
	} {
		_, err := lab.ParseScript(tc.src)
		if err == nil || err.Error() != tc.want {
			t.Errorf("ParseScript(%.30q) = %v, want %s", tc.src, err, tc.want)
		}
	}
	in, err := lab.ParseScript("laptop$ \nlaptop$ ^C\nweb$ ^D\n")
	if err != nil || len(in) != 3 || in[0].Line != "" || in[1].Key != lab.KeyInterrupt || in[2].Key != lab.KeyEOF {
		t.Errorf("ParseScript of an empty line and keys: %+v %v", in, err)
	}
}

// TestDeterministic: the same script, OS and seed give the same bytes;
// another seed gives other ports.
func TestDeterministic(t *testing.T) {
	t.Parallel()
	src, _ := os.ReadFile("testdata/tour.lab")
	inputs, _ := lab.ParseScript(string(src))
	_, a := events(t, lab.DefaultTown(), "", lab.Options{Seed: 3, SeedSet: true}, inputs)
	_, b := events(t, lab.DefaultTown(), "", lab.Options{Seed: 3, SeedSet: true}, inputs)
	_, c := events(t, lab.DefaultTown(), "", lab.Options{Seed: 4, SeedSet: true}, inputs)
	if !bytes.Equal(a, b) {
		t.Error("two runs of one script and seed differ")
	}
	if bytes.Equal(a, c) {
		t.Error("seeds 3 and 4 gave the same events")
	}
}

// TestSnapshot: the lab's own world, after every entry of the golden
// scripts, is the world a re-run of its scenario gives at its last event
// (what a viewer that reconnects is sent).
func TestSnapshot(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"tour", "exhaustion", "town"} {
		src, err := os.ReadFile(filepath.Join("testdata", name+".lab"))
		if err != nil {
			t.Fatal(err)
		}
		inputs, err := lab.ParseScript(string(src))
		if err != nil {
			t.Fatal(err)
		}
		l, err := lab.New(lab.DefaultTown(), "", lab.Options{})
		if err != nil {
			t.Fatal(err)
		}
		for i, in := range inputs {
			if _, _, err := l.Do(in); err != nil {
				t.Fatalf("%s entry %d: %v", name, i+1, err)
			}
			got, _ := json.Marshal(l.Snapshot())
			snap, err := timeline.SnapshotAt(l.Scenario(), scenario.Options{}, l.Events())
			if err != nil {
				t.Fatalf("%s entry %d: %v", name, i+1, err)
			}
			want, _ := json.Marshal(snap)
			if !bytes.Equal(got, want) {
				t.Fatalf("%s entry %d (%s$ %s): the lab's world differs from a re-run at event %d:\n lab   %.300s\n rerun %.300s", name, i+1, in.Host, in.Line, l.Events(), got, want)
			}
		}
	}
}

// TestLessonTowns: the towns of issue 11's lessons work in the lab. On the
// a-web-page laptop (which has a nameserver) curl to a DNS name asks DNS
// over UDP port 53 before it connects, and plain HTTP to the TLS port gets
// nginx's 400; behind home-router's NAT the server sees the router's
// address, and the forwarded port reaches the Pi.
func TestLessonTowns(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		lesson, script string
		want           []string // in the transcript
		check          func(t *testing.T, evs []sim.Event)
	}{
		{"a-web-page", "site$ nginx\nresolver$ unbound\nlaptop$ curl -s -w ' %{http_code}' http://example.org:443/\n",
			[]string{"The plain HTTP request was sent to HTTPS port\n 400"},
			func(t *testing.T, evs []sim.Event) {
				var order []string
				for _, e := range evs {
					if e.Kind == sim.KindPacketSend && e.Host == "laptop" && (e.Dst.Port() == 53 || e.Flags == sim.SYN) {
						order = append(order, fmt.Sprintf("%s %d", e.Proto, e.Dst.Port()))
					}
				}
				if strings.Join(order, ", ") != "udp 53, tcp 443" {
					t.Errorf("the laptop sent %q, want the DNS query (udp 53) before the SYN (tcp 443)", order)
				}
			}},
		{"home-router", "server$ nginx\npi$ nginx\nlaptop$ curl -s -o /dev/null -w '%{http_code}' http://server/\nfriend$ curl -s http://203.0.113.5:8080/\n",
			[]string{"200", "hello from pi"},
			func(t *testing.T, evs []sim.Event) {
				for _, e := range evs {
					if e.Kind == sim.KindSocketAccept && e.Host == "server" && e.Remote.Addr().String() != "203.0.113.5" {
						t.Errorf("the server accepted a connection from %s, want the router's 203.0.113.5", e.Remote)
					}
				}
			}},
	} {
		t.Run(tt.lesson, func(t *testing.T) {
			l, err := lessons.Get(tt.lesson)
			if err != nil {
				t.Fatal(err)
			}
			in, err := lab.ParseScript(tt.script)
			if err != nil {
				t.Fatal(err)
			}
			lb, err := lab.New(l.Scenario, tt.lesson, lab.Options{})
			if err != nil {
				t.Fatal(err)
			}
			var evs []sim.Event
			for _, x := range in {
				_, got, err := lb.Do(x)
				if err != nil {
					t.Fatal(err)
				}
				evs = append(evs, got...)
			}
			for _, w := range tt.want {
				if !strings.Contains(lb.Transcript(), w) {
					t.Errorf("the transcript lacks %q:\n%s", w, lb.Transcript())
				}
			}
			tt.check(t, evs)
		})
	}
}

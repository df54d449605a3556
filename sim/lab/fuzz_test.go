package lab_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"portville/sim"
	"portville/sim/lab"
	"portville/sim/scenario"
)

// FuzzCommand types arbitrary lines into the lab's terminals (make fuzz):
// nothing panics, a refused input changes nothing, an answered one is
// deterministic (the same lines give the same transcript and events), and
// the lab's export still parses and replays to its events.
func FuzzCommand(f *testing.F) {
	for _, s := range []string{
		"curl -v http://web/", "nc -l 7000", "nc web 7000", "nc -zv web 1-90", "ss -tanp state time-wait",
		"ps -eLf", "kill -9 %1", `sysctl -w net.ipv4.ip_local_port_range="40000 40001"`, "sleep 61",
		"apt install vsftpd", "vsftpd", "ftp web", "echo hi | nc -N web 7000", "printf 'a\\nb' | ftp -n web",
		"devserver --port 3001 &", "curl -w '%{local_port} %{http_code}' -o /dev/null http://web:3001/x",
		"nc -u web 53", "'unterminated", "a | b | c", "ip addr show", "sudo sudo nginx", "^C", "",
		"false; echo $?", "a && b || c &", "ss -tan | grep 80 | wc -l", "echo \"${HOME}\" '$x' ~ \\$", "nc web 80 &",
		"fg", "bg %1", "$(x)", "${", "(a)", "a ;; b", "a |", "echo ${?}", "ps -e | head -2 | tail -1", "cat /etc/hosts",
		"dig @web +short web", "host web 10.0.0.20", "nslookup -type=A web", "pgrep -la 'ng(i|x)+'", "pkill -e -9 nginx",
		"pkill --signal=INT -x nginx", "ip route show", "ip -4 addr", "cat /etc/resolv.conf",
	} {
		f.Add("web", "nginx", "laptop", s)
	}
	f.Add("town", "add-host files 10.0.0.30 macos", "files", "nc -l 80")
	f.Add("town", "add-host box 10.0.0.40 windows", "box", "netstat -ano -p TCP | findstr /I /C:listen")
	f.Add("town", "add-host bsd 10.0.0.50 freebsd", "bsd", "sockstat -4lc -p 80,81 -P tcp")
	f.Add("town", "add-host mac 10.0.0.60 macos", "mac", "netstat -anv -p tcp")
	f.Fuzz(func(t *testing.T, h1, l1, h2, l2 string) {
		if len(l1) > lab.MaxLineBytes+10 || len(l2) > lab.MaxLineBytes+10 {
			return
		}
		inputs := []lab.Input{{Host: h1, Line: l1}, {Host: h2, Line: l2}, {Host: h2, Key: lab.KeyStop}, {Host: h2, Line: "fg"}, {Host: h2, Key: lab.KeyInterrupt}, {Host: h2, Line: l2}}
		run := func() (*lab.Lab, string) {
			l, err := lab.New(lab.DefaultTown(), "", lab.Options{Seed: 5, SeedSet: true})
			if err != nil {
				t.Fatal(err)
			}
			var out strings.Builder
			for _, in := range inputs {
				before := l.Events()
				n := len(l.Entries())
				e, events, err := l.Do(in)
				if err != nil {
					if l.Events() != before || len(l.Entries()) != n {
						t.Fatalf("a refused input (%v) changed the lab", err)
					}
					continue
				}
				if uint64(len(events)) != l.Events()-before {
					t.Fatalf("%q: %d events returned, the lab counts %d more", in.Line, len(events), l.Events()-before)
				}
				for _, c := range e.Out {
					if !utf8.ValidString(c.Text) {
						t.Fatalf("%q printed invalid UTF-8: %q", in.Line, c.Text)
					}
				}
				out.WriteString(lab.FormatEntry(e))
				for i := range events {
					out.Write(events[i].AppendJSON(nil))
				}
			}
			return l, out.String()
		}
		l, a := run()
		_, b := run()
		if a != b {
			t.Fatal("the same inputs gave different transcripts")
		}
		sc, err := scenario.Parse("lab.yaml", l.Export())
		if err != nil {
			t.Fatalf("the export does not parse: %v\n%s", err, l.Export())
		}
		var n uint64
		opt := scenario.Options{OnEvent: func(*sim.Event) { n++ }}
		if _, err := sc.Run(opt); err != nil {
			t.Fatalf("the export does not run: %v", err)
		}
		if n != l.Events() {
			t.Fatalf("the export replays %d events, the lab has %d", n, l.Events())
		}
	})
}

// FuzzParseScript: a script never panics the parser, and what it reads
// writes back to a script that reads the same.
func FuzzParseScript(f *testing.F) {
	f.Add("laptop$ curl http://web/\n# c\nweb$ ^C\n")
	f.Add("laptop$\nweb$ ls\r\n")
	f.Add("nohost curl\n")
	f.Fuzz(func(t *testing.T, s string) {
		in, err := lab.ParseScript(s)
		if err != nil {
			return
		}
		var b strings.Builder
		for _, x := range in {
			switch x.Key {
			case lab.KeyInterrupt:
				b.WriteString(x.Host + "$ ^C\n")
			case lab.KeyEOF:
				b.WriteString(x.Host + "$ ^D\n")
			default:
				b.WriteString(x.Host + "$ " + x.Line + "\n")
			}
		}
		again, err := lab.ParseScript(b.String())
		if err != nil || len(again) != len(in) {
			t.Fatalf("re-reading %q: %v (%d inputs, want %d)", b.String(), err, len(again), len(in))
		}
	})
}

package lab_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"portville/sim/lab"
)

// realTranscript is one file of testdata/real (recorded by its
// record.sh on Debian 12): the commands typed, the inputs typed into a
// program, what the terminal showed and the exit status.
type realTranscript struct {
	host   string
	body   string
	status int
}

func readReal(t *testing.T, name string) realTranscript {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata/real", name))
	if err != nil {
		t.Fatal(err)
	}
	var rt realTranscript
	var body []string
	for _, l := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		switch {
		case strings.HasPrefix(l, "# host: "):
			rt.host = strings.TrimPrefix(l, "# host: ")
		case strings.HasPrefix(l, "# "):
		case strings.HasPrefix(l, "[exit "):
			rt.status, _ = strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(l, "[exit "), "]"))
		default:
			body = append(body, l)
		}
	}
	if len(body) > 0 {
		rt.body = strings.Join(body, "\n") + "\n"
	}
	return rt
}

// shapeRules turn what differs between two runs of a real tool (PIDs,
// ports, times, dates) and what the lab's site has its own way (its page,
// the headers of a static file it does not serve) into the same words.
var shapeRules = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`(?m)^(Last-Modified|ETag|Accept-Ranges): .*\n`), ""},
	{regexp.MustCompile(`[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT`), "DATE"},
	{regexp.MustCompile(`(?m)^;; WHEN: .*$`), ";; WHEN: DATE"},
	{regexp.MustCompile(`Content-Type: text/(html|plain)(\nContent-Length: )\d+(\n(?s:.*)\n\n)hello( from web)?\n`), "Content-Type: PAGE${2}N${3}PAGE\n"},
	{regexp.MustCompile(`\d+`), "N"},
}

func shape(s string) string {
	for _, r := range shapeRules {
		s = r.re.ReplaceAllString(s, r.with)
	}
	return s
}

// TestRealTranscripts: what the lab's terminal shows for the commands of
// testdata/real has the shape of what Debian's tools showed, and the same
// exit status. Each case types the transcript's inputs into the default
// town (laptop 10.0.0.10, web 10.0.0.20 with nginx running, as recorded).
func TestRealTranscripts(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		file   string
		inputs []string // typed at the transcript's host; "^C" is the key
		// session: the body shows each input after the prompt, as an
		// interactive bash does; echo: the lines typed into a program
		// after the first show as the terminal echoed them.
		session, echo bool
	}{
		{file: "curl-v-missing.txt", inputs: []string{"curl -v http://10.0.0.20/missing.html"}},
		{file: "curl-f-missing.txt", inputs: []string{"curl -f http://10.0.0.20/missing.html"}},
		{file: "nc-http10-pipe.txt", inputs: []string{`printf 'GET / HTTP/1.0\r\n\r\n' | nc 10.0.0.20 80`}},
		{file: "nc-http11-nohost.txt", inputs: []string{`printf 'GET / HTTP/1.1\r\n\r\n' | nc -N 10.0.0.20 80`}},
		{file: "kill-nosuch.txt", inputs: []string{"kill 99999"}},
		{file: "nosuchtool.txt", inputs: []string{"nosuchtool"}},
		{file: "nc-s-nosuchaddr.txt", inputs: []string{"nc -s 10.0.0.99 10.0.0.20 80"}},
		{file: "nc-zv-range.txt", inputs: []string{"nc -z -v 10.0.0.20 79-81"}},
		{file: "ip-local-port-range.txt", inputs: []string{"cat /proc/sys/net/ipv4/ip_local_port_range"}},
		{file: "nginx-t.txt", inputs: []string{"nginx -t"}},
		{file: "ip-route.txt", inputs: []string{"ip route"}},
		{file: "ip-r.txt", inputs: []string{"ip r"}},
		{file: "ip-route-web.txt", inputs: []string{"ip route"}},
		{file: "pgrep-nginx.txt", inputs: []string{"pgrep nginx"}},
		{file: "pgrep-l-nginx.txt", inputs: []string{"pgrep -l nginx"}},
		{file: "pkill-e-nginx.txt", inputs: []string{"pkill -e nginx"}},
		{file: "pkill-nosuch.txt", inputs: []string{"pkill nosuchprog"}},
		{file: "pkill-usage.txt", inputs: []string{"pkill"}},
		{file: "pkill-nginx.txt", inputs: []string{"pkill nginx"}},
		{file: "nginx-s-stop.txt", inputs: []string{"nginx -s stop"}},
		{file: "telnet-refused.txt", inputs: []string{"telnet 10.0.0.20 81"}},
		{file: "telnet-http10.txt", echo: true, inputs: []string{"telnet 10.0.0.20 80", "GET / HTTP/1.0", ""}},
		{file: "bash-jobs-nc.txt", session: true, inputs: []string{"nc 10.0.0.20 80 &", "jobs", "fg", "^C"}},
		{file: "bash-jobs-misc.txt", session: true, inputs: []string{"false; echo $?", "curl -s http://10.0.0.20:81/; echo $?",
			"true && echo yes || echo no", "false && echo yes || echo no", "echo $HOME $USER", "ss -tan | grep LISTEN | wc -l"}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			real := readReal(t, tc.file)
			l, err := lab.New(lab.DefaultTown(), "", lab.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := l.Do(lab.Input{Host: "web", Line: "nginx"}); err != nil {
				t.Fatal(err)
			}
			var got strings.Builder
			status := 0
			for _, line := range tc.inputs {
				in := lab.Input{Host: real.host, Line: line}
				if line == "^C" {
					in = lab.Input{Host: real.host, Key: lab.KeyInterrupt}
				}
				prompt := l.Prompt(real.host)
				e, _, err := l.Do(in)
				if err != nil {
					t.Fatal(err)
				}
				switch {
				case in.Key != "":
					got.WriteString("^C\n")
				case tc.session:
					got.WriteString(prompt + line + "\n")
				case tc.echo && got.Len() > 0:
					got.WriteString(line + "\n")
				}
				got.WriteString(printed(e))
				status = e.Status
			}
			// A session's body goes on past the lab's inputs (commands
			// whose output the lab does not match line for line); the
			// lab's must be its beginning, each input's prompt included.
			g, w := shape(got.String()), shape(real.body)
			if tc.session && !strings.HasPrefix(w, g) || !tc.session && g != w {
				t.Errorf("the lab printed:\n%s\nDebian's tools printed:\n%s\nin shape:\n%s\nwant:\n%s", got.String(), real.body, g, w)
			}
			if !tc.session && status != real.status {
				t.Errorf("exit status %d, Debian's %d", status, real.status)
			}
		})
	}
}

// TestKillList: kill -l prints bash's list byte for byte (testdata/real:
// kill-l.txt), and kill -l names and numbers a signal.
func TestKillList(t *testing.T) {
	t.Parallel()
	real := readReal(t, "kill-l.txt")
	runShell(t, []shellStep{
		{in: "laptop$ kill -l", want: regexp.QuoteMeta(real.body)},
		{in: "laptop$ kill -l 1 QUIT", want: "HUP\n3\n"},
		{in: "laptop$ nc -l 7000 &", want: `\[1\] \d+\n`},
		{in: "laptop$ kill -HUP %1", want: `\[1\]\+  Hangup                  nc -l 7000\n`},
		{in: "laptop$ kill -USR1 %1", want: "lab: kill -USR1 \\(SIGUSR1\\) is real, .*\n", status: 1},
		{in: "laptop$ kill -FOO 1", want: "bash: kill: FOO: invalid signal specification\n", status: 1},
		{in: "web$ nginx", want: ""},
		{in: "web$ kill -HUP $(x)", want: "lab: command substitution .*\n", status: 2},
	})
}

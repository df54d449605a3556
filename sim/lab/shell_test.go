package lab_test

import (
	"regexp"
	"strings"
	"testing"

	"portville/sim/lab"
	"portville/sim/lessons"
)

// printed is what an entry printed in its own terminal.
func printed(e lab.Entry) string {
	var b strings.Builder
	for _, c := range e.Out {
		if c.Host == e.Host {
			b.WriteString(c.Text)
		}
	}
	return b.String()
}

// shellStep is one input of a shell test and what it must print: a
// regular expression matched against the whole output, and its status.
type shellStep struct {
	in     string // "HOST$ LINE", or "HOST$ ^C" for a key
	want   string
	status int
	// attached is the program the terminal is attached to afterwards
	// ("" for the shell).
	attached string
}

// runShell types the steps into a new default town and checks each.
func runShell(t *testing.T, steps []shellStep) *lab.Lab {
	t.Helper()
	return runShellOn(t, "", steps)
}

// runShellOn is runShell with every host on an OS profile.
func runShellOn(t *testing.T, os string, steps []shellStep) *lab.Lab {
	t.Helper()
	l, err := lab.New(lab.DefaultTown(), "", lab.Options{OS: os})
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range steps {
		in, err := lab.ParseScript(st.in)
		if err != nil || len(in) != 1 {
			t.Fatalf("%s: %v", st.in, err)
		}
		e, _, err := l.Do(in[0])
		if err != nil {
			t.Fatalf("%s: %v", st.in, err)
		}
		out := printed(e)
		if !regexp.MustCompile(`\A(?:` + st.want + `)\z`).MatchString(out) {
			t.Errorf("%s printed:\n%s\nwant it to match:\n%s", st.in, out, st.want)
		}
		if e.Status != st.status {
			t.Errorf("%s: status %d, want %d", st.in, e.Status, st.status)
		}
		if got := l.Attached(in[0].Host); got != st.attached {
			t.Errorf("%s: the terminal is attached to %q, want %q", st.in, got, st.attached)
		}
	}
	return l
}

// TestShellLists: ;, && and ||, $? after each command, and the
// parameters a learner meets.
func TestShellLists(t *testing.T) {
	t.Parallel()
	runShell(t, []shellStep{
		{in: "laptop$ false; echo $?", want: "1\n"},
		{in: "laptop$ echo $?", want: "0\n"},
		{in: "laptop$ curl -s http://web/; echo $?", want: "7\n"},
		{in: "laptop$ curl -s http://nosuch/", want: "", status: 6},
		{in: "laptop$ echo \"status $?\"", want: "status 6\n"},
		{in: "laptop$ true && echo yes || echo no", want: "yes\n"},
		{in: "laptop$ false && echo yes || echo no", want: "no\n"},
		{in: "laptop$ false || false", want: "", status: 1},
		{in: "laptop$ echo $HOME $USER ~ '$HOME' \"${USER}@$HOSTNAME\" $NOSUCH.", want: "/root root /root \\$HOME root@laptop .\n"},
		{in: "laptop$ nosuchcommand; echo $?", want: "bash: nosuchcommand: command not found\n127\n"},
		{in: "laptop$ echo a;echo b ;  echo c", want: "a\nb\nc\n"},
	})
}

// TestShellPipes: a command's output through grep, head, tail, wc, sort
// and cat, with their exit statuses.
func TestShellPipes(t *testing.T) {
	t.Parallel()
	runShell(t, []shellStep{
		{in: "web$ nginx", want: ""},
		{in: "web$ nc -l 7000 &", want: `\[1\] \d+\n`},
		{in: "web$ ss -tln | grep 7000", want: `LISTEN 0 +1 +0\.0\.0\.0:7000 +0\.0\.0\.0:\* *\n`},
		{in: "web$ ss -tln | grep -c LISTEN", want: "2\n"},
		{in: "web$ ss -tln | grep LISTEN | wc -l", want: "2\n"},
		{in: "web$ ss -tln | grep -v LISTEN", want: `State +Recv-Q.*\n`},
		{in: "web$ ss -tln | grep -q 7000; echo $?", want: "0\n"},
		{in: "web$ ss -tln | grep 9999", want: "", status: 1},
		{in: "web$ ps -e | head -n 2", want: `    PID TTY          TIME CMD\n +\d+ \?        00:00:00 nginx\n`},
		{in: "web$ ps -e | head -2 | tail -1", want: ` +\d+ \?        00:00:00 nginx\n`},
		{in: "web$ ps -e | grep -E 'nginx|nc' | wc -l", want: "4\n"},
		{in: "web$ printf 'b\\na\\nb\\n' | sort -u", want: "a\nb\n"},
		{in: "web$ echo one two three | wc", want: "      1       3      14\n"},
		{in: "web$ echo hi | cat", want: "hi\n"},
		{in: "web$ cat /proc/sys/net/ipv4/ip_local_port_range", want: "32768\t60999\n"},
		{in: "web$ cat /etc/hosts | grep web", want: "10.0.0.20\tweb\n"},
		{in: "web$ head -n x", want: "head: invalid number of lines: 'x'\n", status: 1},
		{in: "web$ echo x | grep -P x", want: "lab: grep -P is real, but the lab does not model it; .*\n", status: 2},
	})
}

// TestShellJobs: & for any command, with bash's notices; Ctrl-Z, jobs,
// fg and bg; $! the last background job's PID.
func TestShellJobs(t *testing.T) {
	t.Parallel()
	l := runShell(t, []shellStep{
		{in: "web$ nginx", want: ""},
		// A client in the background connects, then stops when it reads
		// the terminal (SIGTTIN); the prompt is back.
		{in: "laptop$ nc web 80 &", want: `\[1\] \d+\n`},
		{in: "laptop$ jobs", want: `\[1\]\+  Stopped                 nc web 80\n`},
		{in: "laptop$ ss -tn | grep -c ESTAB", want: "1\n"},
		{in: "laptop$ fg", want: "nc web 80\n", attached: "nc"},
		{in: "laptop$ ^Z", want: "\\[1\\]\\+  Stopped                 nc web 80\n", status: 148, attached: ""},
		{in: "laptop$ echo $?", want: "148\n"},
		{in: "laptop$ fg %1", want: "nc web 80\n", attached: "nc"},
		{in: "laptop$ ^C", want: "", status: 130},
		{in: "laptop$ jobs", want: ""},
		{in: "laptop$ ss -tn | grep -c ESTAB", want: "0\n", status: 1},
		// A command that ends by itself: its job's notice follows its
		// output.
		{in: "laptop$ curl -s http://web/ &", want: `\[1\] \d+\n(?s:.*)\[1\]\+  Done                    curl -s http://web/\n`},
		{in: "laptop$ fg", want: "bash: fg: current: no such job\n", status: 1},
		{in: "laptop$ nc -l 7000 &", want: `\[1\] (\d+)\n`},
		{in: "laptop$ kill $!", want: `\[1\]\+  Terminated              nc -l 7000\n`},
		{in: "laptop$ sleep 1 &", want: "lab: sleep ran in the foreground: .*\n"},
	})
	if got := l.Prompt("laptop"); got != "laptop$ " {
		t.Errorf("the prompt is %q, want laptop$ ", got)
	}
}

// TestShellStoppedJobReadsNothing: what arrives for a stopped nc waits;
// it is not printed until the job runs again.
func TestShellStoppedJobReadsNothing(t *testing.T) {
	t.Parallel()
	runShell(t, []shellStep{
		{in: "web$ nc -l 7000 &", want: `\[1\] \d+\n`},
		{in: "laptop$ nc web 7000 &", want: `\[1\] \d+\n`},
		// bash reports the stop before the next prompt.
		{in: "laptop$ echo hi", want: `hi\n\[1\]\+  Stopped                 nc web 7000\n`},
		{in: "laptop$ echo hi", want: "hi\n"},
		{in: "web$ jobs", want: `\[1\]\+  Running                 nc -l 7000 &\n`},
	})
}

// TestHTTPAsNginx: what curl and nc get from the lab's nginx is what they
// get from Debian's (testdata/real: curl-v-missing, curl-f-missing,
// nc-raw-http11, nc-http10-pipe, nc-http11-nohost).
func TestHTTPAsNginx(t *testing.T) {
	t.Parallel()
	page404 := "<html>\n<head><title>404 Not Found</title></head>\n<body>\n<center><h1>404 Not Found</h1></center>\n<hr><center>nginx/1.22.1</center>\n</body>\n</html>\n"
	runShell(t, []shellStep{
		{in: "web$ nginx", want: ""},
		{in: "laptop$ curl http://web/missing.html", want: regexp.QuoteMeta(page404)},
		{in: "laptop$ curl -f http://web/missing.html", want: `curl: \(22\) The requested URL returned error: 404\n`, status: 22},
		{in: "laptop$ curl -sf http://web/missing.html", want: "", status: 22},
		{in: "laptop$ curl -si http://web/ | head -n 2", want: "HTTP/1.1 200 OK\nServer: nginx/1.22.1\n"},
		{in: "laptop$ curl -sI http://web/ | grep -c -e Date: -e 'Connection: keep-alive'", want: "2\n"},
		// Typed into nc, a request is answered after the blank line.
		{in: "laptop$ nc web 80", want: "", attached: "nc"},
		{in: "laptop$ GET / HTTP/1.1", want: "", attached: "nc"},
		{in: "laptop$ Host: web", want: "", attached: "nc"},
		{in: "laptop$ ", want: `HTTP/1.1 200 OK\n(?s:.*)\nhello from web\n`, attached: "nc"},
		{in: "laptop$ ^C", want: "", status: 130},
		// HTTP/1.0: nginx closes, and nc ends.
		{in: "laptop$ printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc web 80", want: `HTTP/1.1 200 OK\n(?s:.*)Connection: close\n\nhello from web\n`},
		{in: "laptop$ printf 'GET / HTTP/1.1\\r\\n\\r\\n' | nc -N web 80", want: `HTTP/1.1 400 Bad Request\n(?s:.*)Content-Length: 157\n(?s:.*)`},
		{in: "laptop$ curl -X HEAD -s http://web/", want: "Warning: Setting custom HTTP method to HEAD with -X/--request may not work the \nWarning: way you want. Consider using -I/--head instead.\n", attached: "curl"},
	})
}

// TestToolsAsRecorded: the rows of issue 33's table that testdata/real
// recorded: nc -s with an address the host lacks, nc -lv naming each
// connection (the client's ephemeral port), and nginx's workers after
// kill -9 of their master (still workers, given to init, still serving).
func TestToolsAsRecorded(t *testing.T) {
	t.Parallel()
	l0 := runShell(t, []shellStep{
		{in: "web$ nginx", want: ""},
		{in: "laptop$ nc -s 10.0.0.99 10.0.0.20 80", want: "nc: bind failed: Cannot assign requested address\n", status: 1},
		{in: "laptop$ nc -l -s 10.0.0.99 7000", want: "nc: Cannot assign requested address\n", status: 1},
		{in: "laptop$ nc -lv 7000 &", want: `\[1\] \d+\nListening on 0\.0\.0\.0 7000\n`},
		{in: "web$ echo hi | nc -N laptop 7000", want: ""},
		{in: "laptop$ jobs", want: ""},
		{in: "laptop$ nc -lvn 7001 &", want: `\[1\] \d+\nListening on 0\.0\.0\.0 7001\n`},
		{in: "web$ nc -p 40123 laptop 7001", want: "", attached: "nc"},
		{in: "web$ ^C", want: "", status: 130},
		{in: "web$ ps -ef | grep -c 'nginx: worker process'", want: "2\n"},
		{in: "web$ kill -9 $(x)", want: "lab: command substitution .*\n", status: 2},
	})
	// The listeners' terminal names each client: by its name in
	// /etc/hosts, or with -n by its address, and its port.
	tr := l0.Transcript()
	for _, re := range []string{`\[laptop\] Connection received on web \d+\n\[laptop\] hi\n`, `\[laptop\] Connection received on 10\.0\.0\.20 40123\n`} {
		if !regexp.MustCompile(re).MatchString(tr) {
			t.Errorf("the transcript lacks %s:\n%s", re, tr)
		}
	}
	l, err := lab.New(lab.DefaultTown(), "", lab.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var master string
	for _, line := range []string{"nginx", "ps -ef", "kill -9 MASTER", "ps -ef"} {
		line = strings.ReplaceAll(line, "MASTER", master)
		e, _, err := l.Do(lab.Input{Host: "web", Line: line})
		if err != nil {
			t.Fatal(err)
		}
		out := printed(e)
		if master == "" && line == "ps -ef" {
			m := regexp.MustCompile(`(?m)^root +(\d+) +0 .*nginx: master process`).FindStringSubmatch(out)
			if m == nil {
				t.Fatalf("no master in:\n%s", out)
			}
			master = m[1]
			continue
		}
		if line == "ps -ef" {
			if n := len(regexp.MustCompile(`(?m)^root +\d+ +1 .*nginx: worker process$`).FindAllString(out, -1)); n != 2 || strings.Contains(out, "master") {
				t.Errorf("after kill -9 of the master, ps -ef shows:\n%s\nwant its two workers, named workers, with PPID 1", out)
			}
		}
	}
	e, _, err := l.Do(lab.Input{Host: "laptop", Line: "curl -s http://web/"})
	if err != nil || printed(e) != "hello from web\n" {
		t.Errorf("the orphaned workers do not serve: %q %v", printed(e), err)
	}
}

// TestCurlResolvesFirst: with a nameserver that does not answer, curl
// says it cannot resolve the name and never tries an address; nc says
// getaddrinfo failed.
func TestCurlResolvesFirst(t *testing.T) {
	t.Parallel()
	ls, err := lessons.Get("a-web-page")
	if err != nil {
		t.Fatal(err)
	}
	l, err := lab.New(ls.Scenario, ls.ID, lab.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ line, want string }{
		{"curl -v http://example.org/", "* Could not resolve host: example.org\n* Closing connection 0\ncurl: (6) Could not resolve host: example.org\n"},
		{"nc example.org 80", "nc: getaddrinfo for host \"example.org\" port 80: Temporary failure in name resolution\n"},
	} {
		e, _, err := l.Do(lab.Input{Host: "laptop", Line: tc.line})
		if err != nil {
			t.Fatal(err)
		}
		if got := printed(e); got != tc.want {
			t.Errorf("%s printed:\n%s\nwant:\n%s", tc.line, got, tc.want)
		}
	}
}

// TestShellReview: what a review of the shell found, each as bash and
// GNU's tools do it.
func TestShellReview(t *testing.T) {
	t.Parallel()
	runShell(t, []shellStep{
		{in: "web$ nginx", want: ""},
		// An unquoted parameter that expands to nothing is no word.
		{in: "laptop$ echo $nosuch a \"$nosuch\"", want: "a \n"},
		{in: "laptop$ $nosuch", want: ""},
		{in: "laptop$ echo ${HOME:-x}", want: "lab: parameter expansion .*\n", status: 2},
		{in: "laptop$ x=1", want: "lab: shell variables \\(x=1\\) are not simulated; .*\n", status: 1},
		// A background command's $? is 0, whatever it does.
		{in: "laptop$ nc web 81 &", want: `\[1\] \d+\n\[1\]\+  Exit 1                  nc web 81\n`},
		{in: "laptop$ echo $?", want: "0\n"},
		{in: "laptop$ printf 'a\\nb\\nc\\nd\\n' | tail -n +3", want: "c\nd\n"},
		{in: "laptop$ printf 'a\\nb\\nc\\nd\\n' | head -n -1", want: "a\nb\nc\n"},
		{in: "laptop$ echo x | tail -f", want: "lab: tail -f is real, .*\n", status: 1},
		{in: "laptop$ cat /etc/hosts | sort -n | head -n 1", want: "::1\t.*\n"},
		{in: "laptop$ echo ABC | grep -i '[[:upper:]]'", want: "ABC\n"},
		{in: "laptop$ wc -l /etc/hosts /etc/hostname", want: "4 /etc/hosts\n1 /etc/hostname\n5 total\n"},
		{in: "laptop$ grep web /etc/hosts /etc/hostname", want: "/etc/hosts:10\\.0\\.0\\.20\tweb\n"},
		{in: "laptop$ ps -o pid= -o comm= | grep -c ps", want: "1\n"},
		{in: "laptop$ nc -l -s 10.0.0.99 -p 7000", want: "nc: Cannot assign requested address\n", status: 1},
		// The current job is the last one stopped.
		{in: "laptop$ nc web 80", want: "", attached: "nc"},
		{in: "laptop$ ^Z", want: `\[1\]\+  Stopped                 nc web 80\n`, status: 148},
		{in: "laptop$ nc 10.0.0.20 80", want: "", attached: "nc"},
		{in: "laptop$ ^Z", want: `\[2\]\+  Stopped                 nc 10.0.0.20 80\n`, status: 148},
		{in: "laptop$ fg %1", want: "nc web 80\n", attached: "nc"},
		{in: "laptop$ ^Z", want: `\[1\]\+  Stopped                 nc web 80\n`, status: 148},
		{in: "laptop$ jobs", want: `\[1\]\+  Stopped                 nc web 80\n\[2\]-  Stopped                 nc 10.0.0.20 80\n`},
		// A signal waits while its job is stopped; kill %N adds SIGCONT.
		{in: "laptop$ kill -INT %2", want: "lab: SIGINT waits while nc 10.0.0.20 80 is stopped .*\n", status: 1},
		{in: "laptop$ kill %2", want: `\[2\]-  Terminated              nc 10.0.0.20 80\n`},
		// nginx: a lower-case method, a POST, Connection: close.
		{in: "laptop$ printf 'get / HTTP/1.0\\r\\n\\r\\n' | nc web 80 | head -n 1", want: "HTTP/1.1 400 Bad Request\n"},
		{in: "laptop$ printf 'POST / HTTP/1.1\\r\\nHost: web\\r\\n\\r\\n' | nc -N web 80 | head -n 1", want: "HTTP/1.1 405 Not Allowed\n"},
		{in: "web$ nginx -t", want: "nginx: the configuration file /etc/nginx/nginx.conf syntax is ok\nnginx: configuration file /etc/nginx/nginx.conf test is successful\n"},
		{in: "web$ nginx -s stop", want: `2026/11/30 03:00:\d\d \[notice\] 1#1: signal process started\n`},
		{in: "web$ nginx -s stop", want: `.*signal process started\n.*\[error\] 1#1: open\(\) "/run/nginx.pid" failed \(2: No such file or directory\)\n`, status: 1},
	})
}

// TestNetstat: net-tools' netstat in its columns (testdata/real:
// netstat-tanp, netstat-an, netstat-tlnp), from the tables ss reads.
func TestNetstat(t *testing.T) {
	t.Parallel()
	head := "Proto Recv-Q Send-Q Local Address           Foreign Address         State      "
	runShell(t, []shellStep{
		{in: "web$ nginx", want: ""},
		{in: "laptop$ curl -s -o /dev/null http://web/", want: ""},
		{in: "laptop$ nc web 80 &", want: `\[1\] \d+\n`},
		{in: "laptop$ netstat -tanp", want: "Active Internet connections \\(servers and established\\)\n" + regexp.QuoteMeta(head) + " PID/Program name    \n" +
			`tcp        0      0 10\.0\.0\.10:\d{5}         10\.0\.0\.20:80            TIME_WAIT   -                   \n` +
			`tcp        0      0 10\.0\.0\.10:\d{5}         10\.0\.0\.20:80            ESTABLISHED \d+/nc +\n` +
			`\[1\]\+  Stopped                 nc web 80\n`},
		{in: "laptop$ netstat -an | tail -n 2", want: "Active UNIX domain sockets \\(servers and established\\)\nProto RefCnt Flags       Type       State         I-Node   Path\n"},
		{in: "laptop$ netstat -t", want: `Active Internet connections \(w/o servers\)\n.*\ntcp .* laptop:\d+ +web:http +TIME_WAIT  \ntcp .* laptop:\d+ +web:http +ESTABLISHED\n`},
		{in: "web$ netstat -tlnp", want: "Active Internet connections \\(only servers\\)\n.*\n" + `tcp        0      0 0\.0\.0\.0:80              0\.0\.0\.0:\*               LISTEN      \d+/nginx: master +\n`},
		{in: "web$ netstat -r", want: "lab: netstat -r is real, .*\n", status: 1},
	})
}

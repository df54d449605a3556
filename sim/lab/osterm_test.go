package lab_test

import (
	"regexp"
	"testing"

	"portville/sim/lab"
)

// TestOSTerminals: each OS's terminal has its shell's prompt, its words
// for a command it lacks (with the lab's word for what it has instead),
// and its own socket lister in its own columns (testdata/other-os).
func TestOSTerminals(t *testing.T) {
	t.Parallel()
	notRecognized := "(\\w+): The term '\\w+' is not recognized as a name of a cmdlet, function, script file, or executable program\\.\n" +
		"Check the spelling of the name, or if a path was included, verify that the path is correct and try again\\.\n"
	l := runShellOn(t, "windows", []shellStep{
		{in: "web$ nginx", want: ""},
		{in: "laptop$ nc web 80", want: notRecognized + "lab: Windows 11 has no nc; curl\\.exe .*\n", status: 1},
		{in: "laptop$ ss -tan", want: notRecognized + "lab: Windows 11 has no ss; netstat -ano .*\n", status: 1},
		{in: "laptop$ curl -s -o /dev/null http://web/", want: ""},
		{in: "web$ netstat -ano", want: "\nActive Connections\n\n" +
			"  Proto  Local Address          Foreign Address        State           PID\n" +
			"  TCP    0\\.0\\.0\\.0:80             0\\.0\\.0\\.0:0              LISTENING       \\d+\n"},
		{in: "laptop$ netstat -an", want: "\nActive Connections\n\n" +
			"  Proto  Local Address          Foreign Address        State\n" +
			"  TCP    10\\.0\\.0\\.10:\\d{5}        10\\.0\\.0\\.20:80           TIME_WAIT\n"},
		{in: "laptop$ netstat -ano | findstr /I time_wait", want: "  TCP .* TIME_WAIT       0\n"},
		{in: "laptop$ netstat -ano | findstr LISTENING", want: "", status: 1},
		{in: "laptop$ netstat -a", want: "lab: netstat without -n .*\n", status: 1},
		{in: "web$ kill 99999", want: "Stop-Process: Cannot find a process with the process identifier 99999\\.\n", status: 1},
		{in: "web$ kill -9 1", want: "lab: in PowerShell, kill is Stop-Process, .*\n", status: 1},
		{in: "web$ ps", want: "lab: in PowerShell, ps is Get-Process, .*\n", status: 1},
		{in: "web$ nosuchtool", want: notRecognized, status: 1},
	})
	if p := l.Prompt("web"); p != `PS C:\Windows\system32> ` {
		t.Errorf("a Windows host's prompt is %q", p)
	}

	l = runShellOn(t, "macos", []shellStep{
		{in: "web$ nginx", want: ""},
		{in: "laptop$ nc web 80 &", want: `\[1\] \d+\n`},
		{in: "web$ netstat -an -p tcp", want: "Active Internet connections \\(including servers\\)\n" +
			"Proto Recv-Q Send-Q  Local Address          Foreign Address        \\(state\\)    \n" +
			"tcp4       0      0  10\\.0\\.0\\.20\\.80           10\\.0\\.0\\.10\\.\\d{5}        ESTABLISHED\n" +
			"tcp4       0      0  \\*\\.80                   \\*\\.\\*                    LISTEN     \n"},
		{in: "web$ netstat -p tcp", want: "Active Internet connections\n.*\ntcp4       0      0  web\\.http               laptop\\.\\d{5}\\s+ESTABLISHED\n"},
		{in: "web$ ss -tan", want: "zsh: command not found: ss\nlab: macOS 15 has no ss; netstat -an -p tcp .*\n", status: 127},
		{in: "web$ nosuchtool", want: "zsh: command not found: nosuchtool\n", status: 127},
	})
	if p := l.Prompt("web"); p != "root@web ~ # " {
		t.Errorf("a macOS host's prompt is %q", p)
	}

	l = runShellOn(t, "freebsd", []shellStep{
		{in: "web$ nginx", want: ""},
		{in: "laptop$ nc web 80 &", want: `\[1\] \d+\n`},
		{in: "web$ sockstat -4l", want: "USER     COMMAND    PID   FD  PROTO  LOCAL ADDRESS         FOREIGN ADDRESS      \n" +
			"(root     nginx      \\s+\\d+ 3   tcp4   \\*:80                  \\*:\\*\n){3}"},
		{in: "web$ sockstat -c -p 80", want: "USER .*\nroot     nginx       \\s*\\d+ 4   tcp4   10\\.0\\.0\\.20:80          10\\.0\\.0\\.10:\\d+\n"},
		{in: "web$ sockstat -s", want: "lab: sockstat -s is real, .*\n", status: 1},
		{in: "web$ ss", want: "ss: not found\nlab: FreeBSD 14 has no ss; sockstat -4 and netstat -an .*\n", status: 127},
	})
	if p := l.Prompt("web"); p != "root@web:~ # " {
		t.Errorf("a FreeBSD host's prompt is %q", p)
	}

	runShell(t, []shellStep{
		{in: "web$ sockstat", want: "bash: sockstat: command not found\nlab: Linux 6\\.x has no sockstat; ss -tanp .*\n", status: 127},
		{in: "web$ findstr x", want: "bash: findstr: command not found\n", status: 127},
	})
}

// TestOtherOSTranscripts: the listers print the shapes of the formats
// read from their sources and published transcripts (testdata/other-os:
// a web server on 10.0.0.20 port 80 with one client).
func TestOtherOSTranscripts(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ file, os, typed string }{
		{"../other-os/windows-netstat-ano.txt", "windows", "netstat -ano"},
		{"../other-os/windows-netstat-an.txt", "windows", "netstat -an"},
		{"../other-os/freebsd-netstat-an.txt", "freebsd", "netstat -an"},
	} {
		want := readReal(t, tc.file).body
		l, err := lab.New(lab.DefaultTown(), "", lab.Options{OS: tc.os})
		if err != nil {
			t.Fatal(err)
		}
		var e lab.Entry
		for _, in := range []lab.Input{{Host: "web", Line: "nginx"}, {Host: "laptop", Line: "nc web 80 &"}, {Host: "web", Line: tc.typed}} {
			if e, _, err = l.Do(in); err != nil {
				t.Fatal(err)
			}
		}
		if tc.os == "windows" {
			// Windows has no nc: the client is curl, which a slow page
			// would keep connected; the connection row is the
			// listener's, with the worker's PID.
			want = regexp.MustCompile(`(?m)^  TCP    10\.0\.0\.20:80 .*\n`).ReplaceAllString(want, "")
		}
		if g, w := shape(printed(e)), shape(want); g != w {
			t.Errorf("%s: the lab printed:\n%s\nthe format is:\n%s", tc.file, printed(e), want)
		}
	}
}

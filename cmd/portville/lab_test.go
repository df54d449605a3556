package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// runLab runs portville lab with a script on standard input.
func runLab(t *testing.T, script string, args ...string) (stdout string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = run(context.Background(), append([]string{"lab"}, args...), strings.NewReader(script), &out, &errOut)
	return out.String(), err
}

const labScript = `# a comment, then the first web page
web$ nginx
laptop$ curl -s -o /dev/null -w '%{local_port}\n' http://web/
laptop$ nosuchcommand
laptop$ nc web 80
laptop$ GET / HTTP/1.1
laptop$ Host: web
laptop$ 
laptop$ ^C
web$ ss -tan
`

// TestLabTranscript: portville lab prints each line after its prompt and
// the terminals' output, a failing command's message included.
func TestLabTranscript(t *testing.T) {
	t.Parallel()
	out, err := runLab(t, labScript)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"web$ nginx\n",
		"laptop$ curl -s -o /dev/null -w '%{local_port}\\n' http://web/\n",
		"laptop$ nosuchcommand\nbash: nosuchcommand: command not found\n",
		"laptop: GET / HTTP/1.1\nlaptop: Host: web\nlaptop: \nHTTP/1.1 200 OK\n",
		"laptop: ^C\n",
		"web$ ss -tan\nState  Recv-Q Send-Q Local Address:Port Peer Address:PortProcess\nLISTEN 0      511          0.0.0.0:80        0.0.0.0:*",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the transcript lacks %q:\n%s", want, out)
		}
	}
	again, _ := runLab(t, labScript)
	if again != out {
		t.Error("two runs of the same script printed different transcripts")
	}
}

// TestLabExportReplays: --export writes a scenario that check accepts and
// run replays to the events lab --format jsonl printed.
func TestLabExportReplays(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{nil, {"--os", "freebsd", "--seed", "9"}, {"--lesson", "port-conflict"}} {
		file := filepath.Join(t.TempDir(), "lab.yaml")
		events, err := runLab(t, labScript, append([]string{"--format", "jsonl", "--export", file}, args...)...)
		if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		if out, _, err := runCLI(t, "check", file); err != nil || !strings.HasSuffix(out, "steps)\n") {
			t.Fatalf("%v: check of the export: %q %v", args, out, err)
		}
		replayed, _, err := runCLI(t, "run", "--file", file, "--format", "jsonl")
		if err != nil {
			t.Fatal(err)
		}
		if replayed != events {
			t.Errorf("%v: run --file of the export printed %d bytes, lab printed %d; they differ", args, len(replayed), len(events))
		}
		if n := strings.Count(events, "\n"); n < 50 {
			t.Errorf("%v: only %d events", args, n)
		}
	}
}

// TestLabBadScripts: a line without a prompt, or one the lab refuses,
// stops with its line number and exit status 2.
func TestLabBadScripts(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		script string
		args   []string
		want   string
	}{
		{"web$ nginx\n\n# fine\ncurl http://web/\n", nil, `lab: line 4: expected HOST$ COMMAND, such as laptop$ curl http://web/; found "curl http://web/"`},
		{"web$ nginx\nnowhere$ ls\n", nil, `lab: line 2: no host "nowhere" (hosts: laptop, web)`},
		{"laptop$ ls\n", []string{"--lesson", "nosuch"}, `unknown lesson "nosuch"`},
		{"laptop$ ls\n", []string{"--format", "yaml"}, `--format "yaml": expected text, jsonl or pcap`},
		{"laptop$ ls\n", []string{"--os", "plan9"}, `--os: unknown OS profile "plan9"`},
		{"laptop$ ls\n", []string{"extra"}, `lab: unexpected argument "extra"`},
	} {
		_, err := runLab(t, tc.script, tc.args...)
		if !isUsage(err) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("script %q %v: err = %v, want a usage error with %q", tc.script, tc.args, err, tc.want)
		}
	}
	// A script on a lesson's hosts works.
	if out, err := runLab(t, "web$ ss -tln\n", "--lesson", "ephemeral-ports"); err != nil || !strings.Contains(out, "State") {
		t.Errorf("a lesson's town: %q %v", out, err)
	}
}

// TestLabBadLineKeepsTranscript: a malformed line names its number and
// exits 2, after the transcript of the lines before it.
func TestLabBadLineKeepsTranscript(t *testing.T) {
	t.Parallel()
	out, err := runLab(t, "web$ nginx\nlaptop$ curl -s http://web/\ncurl http://web/\nlaptop$ echo never\n")
	if !isUsage(err) || !strings.Contains(err.Error(), "lab: line 3: expected HOST$ COMMAND") {
		t.Fatalf("err = %v, want a usage error naming line 3", err)
	}
	if want := "web$ nginx\nlaptop$ curl -s http://web/\nhello from web\n"; out != want {
		t.Errorf("printed %q, want the transcript of lines 1-2: %q", out, want)
	}
}

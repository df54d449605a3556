package scenario_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"portville/sim/scenario"
)

// head is a valid scenario up to its steps: two hosts, a server program
// (srv: tcp/80 and udp/53) and a client program (cli) on each. Steps
// appended by withSteps start at line 14, each "  - action:" key at
// column 5.
const head = `title: Test
hosts:
  - name: a
    addr: 10.0.0.1
    programs:
      - name: srv
        server: {listen: [tcp/80, udp/53]}
      - name: cli
  - name: b
    addr: 10.0.0.2
    programs:
      - name: cli
steps:
`

func withSteps(steps string) string { return head + steps }

// hostsDoc is a scenario with the given hosts list (starting at line 3)
// and one step.
func hostsDoc(hosts string) string {
	return "title: Test\nhosts:\n" + hosts + "steps:\n  - wait: 1s\n"
}

// repeat returns n copies of s, with %d replaced by the copy's number.
func repeat(n int, s string) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, s, i+1)
	}
	return b.String()
}

// TestParseErrors lists every problem the parser and validator report,
// with the exact position and words an author sees.
func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want []string // "LINE:COL: message", in file order
	}{
		// YAML syntax and the YAML features scenario files refuse.
		{"unquoted colon in text", "title: Note: this\n",
			[]string{`1:8: YAML syntax: mapping value is not allowed in this context (a text that contains ": " must be put in quotes, such as say: "Note: ...")`}},
		{"key indented too far", "title: x\n  hosts: y\n",
			[]string{`1:8: YAML syntax: mapping value is not allowed in this context (check the indentation: a key must line up with the keys above it)`}},
		{"key indented too little", "title: x\nhosts:\n  - name: a\n   addr: 10.0.0.1\n",
			[]string{`4:4: YAML syntax: value is not allowed in this context (check the indentation: a key must line up with the keys above it)`}},
		{"tab", "title: x\n\thosts: []\n",
			[]string{`2:1: YAML syntax: found a tab; indent with spaces (YAML does not allow tabs)`}},
		{"unclosed quote", "title: \"Ports\nhosts: []\n",
			[]string{`1:8: YAML syntax: could not find end character of double-quoted text`}},
		{"unclosed list", "title: [a\n",
			[]string{`1:8: YAML syntax: sequence end token ']' not found`}},
		{"duplicate field", "title: x\ntitle: y\n",
			[]string{`2:1: YAML syntax: the field "title" appears twice (first at line 1)`}},
		{"empty file", "", []string{`1:1: the file is empty: expected a scenario (a mapping with title, hosts and steps)`}},
		{"only a comment", "# nothing yet\n", []string{`1:1: the file is empty: expected a scenario (a mapping with title, hosts and steps)`}},
		{"second document", "title: x\n---\ntitle: y\n", []string{`3:1: found a second YAML document: a scenario file holds one`}},
		{"directive", "%YAML 1.2\n---\ntitle: x\n", []string{`1:1: YAML directives (%YAML, %TAG) are not supported in scenario files`}},
		{"anchor", "title: &t x\n", []string{`1:8: YAML anchors (&name) are not supported in scenario files`}},
		{"alias", "title: x\nsummary: *t\n", []string{`2:10: YAML aliases (*name) are not supported in scenario files`}},
		{"tag", "title: !!str x\n", []string{`1:8: YAML tags such as !!str are not supported in scenario files`}},
		{"merge key", "<<: {title: x}\n", []string{`1:1: YAML merge keys (<<) are not supported in scenario files`}},
		{"complex key", "? title\n: x\n", []string{`1:1: complex mapping keys (?) are not supported in scenario files`}},
		{"nested too deeply", "title: " + strings.Repeat("[", 40) + strings.Repeat("]", 40) + "\n",
			[]string{`1:40: nested too deeply (more than 32 levels)`}},

		// The scenario's own fields.
		{"not a mapping", "- title: x\n", []string{`1:1: scenario: expected a mapping (key: value lines), found a list`}},
		{"empty mapping", "{}\n", []string{
			`1:1: scenario: missing field "title"`, `1:1: scenario: missing field "hosts"`, `1:1: scenario: missing field "steps"`}},
		{"missing fields", "id: x\n", []string{
			`1:1: scenario: missing field "title"`, `1:1: scenario: missing field "hosts"`, `1:1: scenario: missing field "steps"`}},
		{"unknown field", "title: x\nauthor: me\n", []string{
			`1:1: scenario: missing field "hosts"`, `1:1: scenario: missing field "steps"`,
			`2:1: scenario: unknown field "author" (expected one of: id, title, summary, takeaways, seed, os, latency, finish, hosts, links, steps)`}},
		{"key is not a name", "~: x\n", []string{
			`1:1: scenario: expected a field name, found nothing`,
			`1:1: scenario: missing field "title"`, `1:1: scenario: missing field "hosts"`, `1:1: scenario: missing field "steps"`}},
		{"bad id", "id: Ports_101\n" + hostsDoc("  - {name: a, addr: 10.0.0.1}\n")[0:0] + "title: x\nhosts: [{name: a, addr: 10.0.0.1}]\nsteps: [{wait: 1s}]\n",
			[]string{`1:5: scenario: id: "Ports_101" is not an id (expected lower-case letters, digits and '-')`}},
		{"title is a list", "title: [a, b]\nhosts: [{name: a, addr: 10.0.0.1}]\nsteps: [{wait: 1s}]\n",
			[]string{`1:8: scenario: title: expected text, found a list`}},
		{"title is empty", "title: ''\nhosts: [{name: a, addr: 10.0.0.1}]\nsteps: [{wait: 1s}]\n",
			[]string{`1:8: scenario: title: expected text, found nothing`}},
		{"title is null", "title:\nhosts: [{name: a, addr: 10.0.0.1}]\nsteps: [{wait: 1s}]\n",
			[]string{`1:7: scenario: title: expected text, found nothing`}},
		{"text too long", "title: " + strings.Repeat("x", 2001) + "\nhosts: [{name: a, addr: 10.0.0.1}]\nsteps: [{wait: 1s}]\n",
			[]string{`1:8: scenario: title: text is 2001 bytes long; the limit is 2000`}},
		{"takeaways not text", "title: x\ntakeaways: [[a]]\nhosts: [{name: a, addr: 10.0.0.1}]\nsteps: [{wait: 1s}]\n",
			[]string{`2:13: scenario: takeaways: expected text, found a list`}},
		{"seed not a number", "title: x\nseed: seven\nhosts: [{name: a, addr: 10.0.0.1}]\nsteps: [{wait: 1s}]\n",
			[]string{`2:7: scenario: seed: expected a whole number from 0 to 9007199254740992, found "seven"`}},
		{"seed negative", "title: x\nseed: -1\nhosts: [{name: a, addr: 10.0.0.1}]\nsteps: [{wait: 1s}]\n",
			[]string{`2:7: scenario: seed: -1 is out of range (expected 0 to 9007199254740992)`}},
		{"unknown os", "title: x\nos: plan9\nhosts: [{name: a, addr: 10.0.0.1}]\nsteps: [{wait: 1s}]\n",
			[]string{`2:5: scenario: os: unknown OS profile "plan9" (expected linux, windows, macos or freebsd)`}},
		{"latency not a duration", "title: x\nlatency: 5\nhosts: [{name: a, addr: 10.0.0.1}]\nsteps: [{wait: 1s}]\n",
			[]string{`2:10: scenario: latency: "5" is not a duration (expected a number and a unit: us, ms, s, m or h, such as 10ms or 61s)`}},
		{"latency wrong type", "title: x\nlatency: [5ms]\nhosts: [{name: a, addr: 10.0.0.1}]\nsteps: [{wait: 1s}]\n",
			[]string{`2:10: scenario: latency: expected a duration such as 10ms or 61s, found a list`}},
		{"latency too long", "title: x\nlatency: 11s\nhosts: [{name: a, addr: 10.0.0.1}]\nsteps: [{wait: 1s}]\n",
			[]string{`2:10: scenario: latency: 11s is out of range (expected 0s to 10s)`}},
		{"hosts not a list", "title: x\nhosts: web\nsteps: [{wait: 1s}]\n",
			[]string{`2:8: scenario: hosts: expected a list, found "web"`}},
		{"no hosts", "title: x\nhosts: []\nsteps: [{wait: 1s}]\n",
			[]string{`2:1: scenario: hosts: expected at least one host, found none`}},
		{"too many hosts", hostsDoc(repeat(13, "  - {name: h%d, addr: 10.0.0.1}\n")),
			[]string{`15:6: scenario: hosts: 13 hosts; the limit is 12`}},

		// Hosts.
		{"host not a mapping", hostsDoc("  - web\n"), []string{`3:5: host: expected a mapping (key: value lines), found "web"`}},
		{"host unknown field", hostsDoc("  - name: a\n    addr: 10.0.0.1\n    cpu: 4\n"),
			[]string{`5:5: host: unknown field "cpu" (expected one of: name, addr, addrs, os, range, programs, names, nameserver, nat)`}},
		{"host missing name", hostsDoc("  - addr: 10.0.0.1\n"), []string{`3:5: host: missing field "name"`}},
		{"host missing addr", hostsDoc("  - name: web\n"), []string{`3:5: host web: missing field "addr" (its IPv4 address, such as 10.0.0.2)`}},
		{"bad host name", hostsDoc("  - name: Web_1\n    addr: 10.0.0.1\n"),
			[]string{`3:11: host: name: "Web_1" is not a host name (expected lower-case letters, digits and '-', starting with a letter, at most 32)`}},
		{"localhost", hostsDoc("  - name: localhost\n    addr: 10.0.0.1\n"),
			[]string{`3:11: host: name: "localhost" is reserved (it means 127.0.0.1)`}},
		{"duplicate host", hostsDoc("  - name: a\n    addr: 10.0.0.1\n  - name: a\n    addr: 10.0.0.2\n"),
			[]string{`5:11: host: name: duplicate host name "a" (first defined at line 3)`}},
		{"no addresses", hostsDoc("  - name: a\n    addrs: []\n"),
			[]string{`4:12: host a: addrs: expected 1 to 4 addresses, found 0`}},
		{"too many addresses", hostsDoc("  - name: a\n    addrs: [10.0.0.1, 10.0.0.2, 10.0.0.3, 10.0.0.4, 10.0.0.5]\n"),
			[]string{`4:12: host a: addrs: expected 1 to 4 addresses, found 5`}},
		{"bad address", hostsDoc("  - name: a\n    addr: 10.0.0.300\n"),
			[]string{`4:11: host a: addr: "10.0.0.300" is not an IPv4 address (expected four numbers 0-255 such as 10.0.0.2)`}},
		{"IPv6 address", hostsDoc("  - name: a\n    addr: '2001:db8::1'\n"),
			[]string{`4:11: host a: addr: "2001:db8::1" is not an IPv4 address (expected four numbers 0-255 such as 10.0.0.2)`}},
		{"loopback address", hostsDoc("  - name: a\n    addr: 127.0.0.1\n"),
			[]string{`4:11: host a: addr: 127.0.0.1 cannot be a host's address (loopback, 0.0.0.0, multicast and broadcast are reserved; every host has 127.0.0.1 already)`}},
		{"address listed twice", hostsDoc("  - name: a\n    addrs: [10.0.0.1, 10.0.0.1]\n"),
			[]string{`4:12: host a: addrs: address 10.0.0.1 is listed twice`}},
		{"address of another host", hostsDoc("  - name: a\n    addr: 10.0.0.1\n  - addr: 10.0.0.1\n    name: b\n"),
			[]string{`5:11: host b: addr: address 10.0.0.1 already belongs to host a (line 3)`}},
		{"unknown host os", hostsDoc("  - name: a\n    addr: 10.0.0.1\n    os: dos\n"),
			[]string{`5:9: host a: os: unknown OS profile "dos" (expected linux, windows, macos or freebsd)`}},
		{"range wrong type", hostsDoc("  - name: a\n    addr: 10.0.0.1\n    range: [7000, 7009]\n"),
			[]string{`5:12: host a: range: expected a port range such as 32768-60999, found a list`}},
		{"range not a range", hostsDoc("  - name: a\n    addr: 10.0.0.1\n    range: many\n"),
			[]string{`5:12: host a: range: "many" is not a port range (expected LOW-HIGH such as 32768-60999)`}},
		{"range out of range", hostsDoc("  - name: a\n    addr: 10.0.0.1\n    range: 0-70000\n"),
			[]string{`5:12: host a: range: 0-70000 is out of range (expected ports from 1 to 65535)`}},
		{"range backwards", hostsDoc("  - name: a\n    addr: 10.0.0.1\n    range: 7009-7000\n"),
			[]string{`5:12: host a: range: 7009-7000 is backwards (expected LOW-HIGH with LOW <= HIGH)`}},

		// Programs and servers.
		{"programs not a list", hostsDoc("  - name: a\n    addr: 10.0.0.1\n    programs: nginx\n"),
			[]string{`5:15: host a: programs: expected a list, found "nginx"`}},
		{"too many programs", hostsDoc("  - name: a\n    addr: 10.0.0.1\n    programs:\n" + repeat(17, "      - name: p%d\n")),
			[]string{`22:9: host a: programs: 17 programs; the limit is 16`}},
		{"program missing name", hostsDoc("  - name: a\n    addr: 10.0.0.1\n    programs:\n      - path: /bin/x\n"),
			[]string{`6:9: program: missing field "name"`}},
		{"bad program name", hostsDoc("  - name: a\n    addr: 10.0.0.1\n    programs:\n      - name: Web Server\n"),
			[]string{`6:15: program: name: "Web Server" is not a program name (expected lower-case letters, digits, '-' or '_', starting with a letter, at most 32)`}},
		{"duplicate program", hostsDoc("  - name: a\n    addr: 10.0.0.1\n    programs:\n      - name: x\n      - name: x\n"),
			[]string{`7:15: program: name: host a already has a program "x" (line 6)`}},
		{"relative path", hostsDoc("  - name: a\n    addr: 10.0.0.1\n    programs:\n      - name: x\n        path: bin/x\n"),
			[]string{`7:15: program: path: "bin/x" is not an absolute path (expected /usr/bin/name or C:\...)`}},
		{"bad user", hostsDoc("  - name: a\n    addr: 10.0.0.1\n    programs:\n      - name: x\n        user: Root!\n"),
			[]string{`7:15: program: user: "Root!" is not a user name`}},
		{"unknown client protocol", hostsDoc("  - name: a\n    addr: 10.0.0.1\n    programs:\n      - name: x\n        client: http\n"),
			[]string{`7:17: program: client: unknown client protocol "http" (expected ftp, tftp, https or none)`}},
		{"server missing listen", hostsDoc("  - name: a\n    addr: 10.0.0.1\n    programs:\n      - name: x\n        server: {protocol: http}\n"),
			[]string{`7:18: server: missing field "listen" (for example [tcp/80])`}},
		{"server unknown field", hostsDoc("  - name: a\n    addr: 10.0.0.1\n    programs:\n      - name: x\n        server: {listen: tcp/80, tls: true}\n"),
			[]string{`7:34: server: unknown field "tls" (expected one of: listen, protocol, threads, close, reuseaddr, reuseport, workers, addr, backlog, once, accept_threads, port_tries, announce, records)`}},
		{"no services", hostsDoc("  - name: a\n    addr: 10.0.0.1\n    programs:\n      - name: x\n        server: {listen: []}\n"),
			[]string{`7:26: server: listen: expected 1 to 8 services such as tcp/80, found 0`}},
		{"not a service", hostsDoc("  - name: a\n    addr: 10.0.0.1\n    programs:\n      - name: x\n        server: {listen: http/80}\n"),
			[]string{`7:26: server: listen: "http/80" is not a service (expected tcp/PORT or udp/PORT, such as tcp/80)`}},
		{"service port out of range", hostsDoc("  - name: a\n    addr: 10.0.0.1\n    programs:\n      - name: x\n        server: {listen: tcp/70000}\n"),
			[]string{`7:26: server: listen: "tcp/70000": port 70000 is out of range (expected 0 to 65535; 0 asks the OS for an ephemeral port)`}},
		{"service twice", hostsDoc("  - name: a\n    addr: 10.0.0.1\n    programs:\n      - name: x\n        server: {listen: [tcp/80, tcp/80]}\n"),
			[]string{`7:26: server: listen: tcp/80 is listed twice`}},
		{"unknown protocol", hostsDoc("  - name: a\n    addr: 10.0.0.1\n    programs:\n      - name: x\n        server: {listen: tcp/70, protocol: gopher}\n"),
			[]string{`7:44: server: protocol: unknown protocol "gopher" (expected one of: none, http, https, smtp, dns, echo, ftp, tftp)`}},
		{"bad threads", hostsDoc("  - name: a\n    addr: 10.0.0.1\n    programs:\n      - name: x\n        server: {listen: tcp/80, threads: many}\n"),
			[]string{`7:43: server: threads: "many" (expected per-connection or single)`}},
		{"bad close", hostsDoc("  - name: a\n    addr: 10.0.0.1\n    programs:\n      - name: x\n        server: {listen: tcp/80, close: never}\n"),
			[]string{`7:41: server: close: "never" (expected client-first or server-first)`}},
		{"reuseaddr not a bool", hostsDoc("  - name: a\n    addr: 10.0.0.1\n    programs:\n      - name: x\n        server: {listen: tcp/80, reuseaddr: yes}\n"),
			[]string{`7:45: server: reuseaddr: expected true or false, found "yes"`}},
		{"too many workers", hostsDoc("  - name: a\n    addr: 10.0.0.1\n    programs:\n      - name: x\n        server: {listen: tcp/80, workers: 17}\n"),
			[]string{`7:43: server: workers: 17 is out of range (expected 0 to 16)`}},
		{"bad server address", hostsDoc("  - name: a\n    addr: 10.0.0.1\n    programs:\n      - name: x\n        server: {listen: tcp/80, addr: localhost}\n"),
			[]string{`7:40: server: addr: "localhost" is not an IPv4 address`}},

		// Links.
		{"link missing between", hostsDoc("  - name: a\n    addr: 10.0.0.1\n")[:0] + "title: x\nhosts: [{name: a, addr: 10.0.0.1}]\nlinks:\n  - latency: 1ms\nsteps: [{wait: 1s}]\n",
			[]string{`4:5: link: missing field "between"`}},
		{"link needs two hosts", "title: x\nhosts: [{name: a, addr: 10.0.0.1}]\nlinks:\n  - between: [a]\nsteps: [{wait: 1s}]\n",
			[]string{`4:14: link: between: expected two host names, found 1`}},
		{"link unknown host", "title: x\nhosts: [{name: a, addr: 10.0.0.1}]\nlinks:\n  - between: [a, z]\nsteps: [{wait: 1s}]\n",
			[]string{`4:5: link: between: unknown host "z" (hosts: a)`}},
		{"link to itself", "title: x\nhosts: [{name: a, addr: 10.0.0.1}]\nlinks:\n  - between: [a, a]\nsteps: [{wait: 1s}]\n",
			[]string{`4:5: link: between: a link joins two different hosts, found "a" twice`}},
		{"link latency too long", "title: x\nhosts: [{name: a, addr: 10.0.0.1}, {name: b, addr: 10.0.0.2}]\nlinks:\n  - {between: [a, b], latency: 1m}\nsteps: [{wait: 1s}]\n",
			[]string{`4:32: link: latency: 1m is out of range (expected 0s to 10s)`}},

		// Steps: shape.
		{"steps not a list", "title: x\nhosts: [{name: a, addr: 10.0.0.1}]\nsteps: {wait: 1s}\n",
			[]string{`3:9: scenario: steps: expected a list, found a mapping`}},
		{"no steps", "title: x\nhosts: [{name: a, addr: 10.0.0.1}]\nsteps: []\n",
			[]string{`3:1: scenario: steps: expected at least one step, found none`}},
		{"too many steps", "title: x\nhosts: [{name: a, addr: 10.0.0.1}]\nsteps:\n" + strings.Repeat("  - wait: 1us\n", 5001),
			[]string{`5004:5: scenario: steps: 5001 steps; the limit is 5000`}},
		{"step not a mapping", withSteps("  - wait 1s\n"),
			[]string{`14:5: step: expected a mapping (key: value lines), found "wait 1s"`}},
		{"empty step", withSteps("  - {}\n"),
			[]string{`14:5: step: no action (expected one of: note, start, fork, exit, thread, end_thread, socket, setsockopt, bind, listen, connect, accept, send, sendto, close, rebind, wait, checkpoint, pipe, add_host, install, uninstall, set_range)`}},
		{"no action", withSteps("  - say: hello\n"),
			[]string{`14:5: step: no action (expected one of: note, start, fork, exit, thread, end_thread, socket, setsockopt, bind, listen, connect, accept, send, sendto, close, rebind, wait, checkpoint, pipe, add_host, install, uninstall, set_range)`}},
		{"two actions", withSteps("  - start: srv\n    on: a\n    wait: 1s\n"),
			[]string{`16:5: step: has two actions, "start" and "wait" (expected one action per step)`}},
		{"field of another action", withSteps("  - start: srv\n    on: a\n    to: a:80\n"),
			[]string{`16:5: step start: unknown field "to" (expected one of: start, say, analogy, breaks, after, by, on, as, user, server)`}},
		{"missing field", withSteps("  - start: srv\n"),
			[]string{`14:5: step start: missing field "on"`}},
		{"bad proto", withSteps("  - start: cli\n    on: a\n  - socket: cli.s\n    proto: sctp\n"),
			[]string{`17:12: step socket: proto: "sctp" (expected tcp or udp)`}},
		{"bad option", withSteps("  - start: cli\n    on: a\n  - setsockopt: cli.s\n    option: SO_LINGER\n"),
			[]string{`17:13: step setsockopt: option: "SO_LINGER" (expected SO_REUSEADDR or SO_REUSEPORT)`}},
		{"bad alias", withSteps("  - start: cli\n    on: a\n    as: Browser\n"),
			[]string{`16:9: step start: as: "Browser" is not a valid name (expected lower-case letters, digits, '-' or '_', starting with a letter)`}},
		{"bad host name in step", withSteps("  - start: cli\n    on: Web\n"),
			[]string{`15:9: step start: on: "Web" is not a host name`}},
		{"bad code", withSteps("  - start: cli\n    on: a\n  - exit: cli\n    code: 300\n"),
			[]string{`17:11: step exit: code: 300 is out of range (expected 0 to 255)`}},
		{"bad backlog", withSteps("  - start: cli\n    on: a\n  - listen: cli.l\n    backlog: -1\n"),
			[]string{`17:14: step listen: backlog: -1 is out of range (expected 0 to 4096)`}},
		{"not a socket name", withSteps("  - start: cli\n    on: a\n  - connect: cli\n    to: b:80\n"),
			[]string{`16:14: step connect: "cli" is not a socket name (expected PROCESS.SOCKET, such as browser.web)`}},
		{"empty data", withSteps("  - start: cli\n    on: a\n  - connect: cli.s\n    to: b:80\n  - send: cli.s\n    data: ''\n"),
			[]string{`19:11: step send: data: expected text, found nothing`}},
		{"wait zero", withSteps("  - wait: 0s\n"),
			[]string{`14:11: step wait: wait: 0s is out of range (expected 1us to 1h)`}},
		{"after too long", withSteps("  - wait: 1s\n    after: 2h\n"),
			[]string{`15:12: step wait: after: 2h is out of range (expected 0s to 1h)`}},
		{"waits add up", withSteps("  - wait: 40m\n  - wait: 40m\n  - wait: 1s\n"),
			[]string{`15:5: step wait: the waits up to here add up to more than 1h of simulated time, the limit for a scenario (in all: 4801s)`}},

		// Steps: addresses.
		{"endpoint wrong type", withSteps("  - start: cli\n    on: a\n  - connect: cli.s\n    to: [b, 80]\n"),
			[]string{`17:9: step connect: to: expected HOST:PORT, found a list`}},
		{"unknown DNS name", withSteps("  - start: cli\n    on: a\n  - connect: cli.s\n    to: example.org:443\n"),
			[]string{`16:5: step connect: to: unknown DNS name "example.org" (names: none; give a host names: [...])`}},
		{"bad DNS name", hostsDoc("  - name: a\n    addr: 10.0.0.1\n    names: [example]\n"),
			[]string{`5:12: host a: names: "example" is not a DNS name with a dot (expected labels of a-z, 0-9 and '-', such as example.org)`}},
		{"DNS name twice", hostsDoc("  - name: a\n    addr: 10.0.0.1\n    names: [x.org]\n  - name: b\n    addr: 10.0.0.2\n    names: [x.org]\n"),
			[]string{`6:5: host b: names: x.org already belongs to host a (line 3)`}},
		{"unknown nameserver", hostsDoc("  - name: a\n    addr: 10.0.0.1\n    nameserver: dns\n"),
			[]string{`3:5: host a: nameserver: unknown host "dns" (hosts: a)`}},
		{"record without addresses", hostsDoc("  - name: a\n    addr: 10.0.0.1\n    programs:\n      - name: dns\n        server: {listen: udp/53, protocol: dns, records: [{name: cdn.example}]}\n"),
			[]string{`7:60: record: missing field "addrs"`}},
		{"rebind a TCP socket", withSteps("  - start: cli\n    on: a\n  - connect: cli.s\n    to: b:80\n  - rebind: cli.s\n"),
			[]string{`18:5: step rebind: cli.s is a TCP socket; only a UDP socket moves to a new port and keeps its conversation (QUIC)`}},
		{"NAT inside unknown host", hostsDoc("  - name: r\n    addrs: [192.168.1.1, 203.0.113.5]\n    nat: {inside: [laptop]}\n"),
			[]string{`5:11: host r: nat: inside: unknown host "laptop" (hosts: r)`}},
		{"NAT router with one address", hostsDoc("  - name: a\n    addr: 192.168.1.10\n  - name: r\n    addr: 192.168.1.1\n    nat: {inside: [a]}\n"),
			[]string{`7:11: host r: nat: a router needs two addresses, a private one for the inside and a public one (or name it with public:)`}},
		{"NAT forward outside", hostsDoc("  - name: a\n    addr: 192.168.1.10\n  - name: b\n    addr: 10.0.0.2\n  - name: r\n    addrs: [192.168.1.1, 203.0.113.5]\n    nat: {inside: [a], forward: [{port: 80, to: b:80}]}\n"),
			[]string{`9:11: host r: nat: forward: b is not inside the router (inside: a)`}},
		{"NAT bad mapping", hostsDoc("  - name: a\n    addr: 192.168.1.10\n  - name: r\n    addrs: [192.168.1.1, 203.0.113.5]\n    nat: {inside: [a], mapping: cone}\n"),
			[]string{`7:33: host r: nat: mapping: "cone" (expected linux or endpoint-independent)`}},
		{"endpoint without port", withSteps("  - start: cli\n    on: a\n  - connect: cli.s\n    to: b\n"),
			[]string{`17:9: step connect: to: "b" has no port (expected HOST:PORT, such as web:80 or 10.0.0.2:80, or a server's socket such as dev.tcp0)`}},
		{"port not a number", withSteps("  - start: cli\n    on: a\n  - connect: cli.s\n    to: b:http\n"),
			[]string{`17:9: step connect: to: "b:http": port "http" is not a number`}},
		{"connect to port 0", withSteps("  - start: cli\n    on: a\n  - connect: cli.s\n    to: b:0\n"),
			[]string{`17:9: step connect: to: "b:0": port 0 is out of range (expected 1 to 65535)`}},
		{"bind port too big", withSteps("  - start: cli\n    on: a\n  - bind: cli.s\n    addr: :65536\n"),
			[]string{`17:11: step bind: addr: ":65536": port 65536 is out of range (expected 0 to 65535)`}},
		{"connect to any address", withSteps("  - start: cli\n    on: a\n  - connect: cli.s\n    to: :80\n"),
			[]string{`17:9: step connect: to: ":80": expected a host name or address to send to`}},
		{"IPv6 endpoint", withSteps("  - start: cli\n    on: a\n  - connect: cli.s\n    to: '::1:80'\n"),
			[]string{`17:9: step connect: to: "::1:80": only IPv4 addresses are simulated`}},
		{"neither host nor address", withSteps("  - start: cli\n    on: a\n  - connect: cli.s\n    to: web_1:80\n"),
			[]string{`17:9: step connect: to: "web_1:80": "web_1" is neither a host name nor an IPv4 address`}},
		{"unknown host in endpoint", withSteps("  - start: cli\n    on: a\n  - connect: cli.s\n    to: z:80\n"),
			[]string{`16:5: step connect: to: unknown host "z" (hosts: a, b)`}},

		// Steps that change the town while the script runs.
		{"add_host not a mapping", withSteps("  - add_host: web\n"),
			[]string{`14:15: host: expected a mapping (key: value lines), found "web"`}},
		{"add_host duplicate name", withSteps("  - add_host: {name: a, addr: 10.0.0.9}\n"),
			[]string{`14:5: step add_host: duplicate host name "a" (first defined at line 3)`}},
		{"add_host address taken", withSteps("  - add_host: {name: c, addr: 10.0.0.2}\n"),
			[]string{`14:5: step add_host: address 10.0.0.2 already belongs to host b (line 9)`}},
		{"add_host past the limit", withSteps(repeat(11, "  - add_host: {name: h%[1]d, addr: 10.1.0.%[1]d}\n")),
			[]string{`24:5: step add_host: the scenario would have 13 hosts; the limit is 12`}},
		{"add_host bad address", withSteps("  - add_host: {name: c, addr: 10.0.0.300}\n"),
			[]string{`14:31: host c: addr: "10.0.0.300" is not an IPv4 address (expected four numbers 0-255 such as 10.0.0.2)`}},
		{"start on a host added later", withSteps("  - start: cli\n    on: c\n  - add_host: {name: c, addr: 10.0.0.3, programs: [{name: cli}]}\n"),
			[]string{`14:5: step start: on: unknown host "c" (hosts: a, b)`}},
		{"install without on", withSteps("  - install: {name: nginx}\n"),
			[]string{`14:5: step install: missing field "on"`}},
		{"install twice", withSteps("  - install: {name: cli}\n    on: a\n"),
			[]string{`14:5: step install: host a already has a program "cli"`}},
		{"install on unknown host", withSteps("  - install: {name: nginx}\n    on: z\n"),
			[]string{`14:5: step install: on: unknown host "z" (hosts: a, b)`}},
		{"install bad server", withSteps("  - install: {name: nginx, server: {listen: tcp/99999}}\n    on: a\n"),
			[]string{`14:45: server: listen: "tcp/99999": port 99999 is out of range (expected 0 to 65535; 0 asks the OS for an ephemeral port)`}},
		{"install past the limit", withSteps(repeat(15, "  - install: {name: p%d}\n    on: a\n")),
			[]string{`42:5: step install: host a would have 17 programs; the limit is 16`}},
		{"uninstall missing program", withSteps("  - uninstall: nginx\n    on: a\n"),
			[]string{`14:5: step uninstall: host a has no program "nginx"`}},
		{"start after uninstall", withSteps("  - uninstall: cli\n    on: a\n  - start: cli\n    on: a\n"),
			[]string{`16:5: step start: program "cli" was uninstalled from host a`}},
		{"set_range backwards", withSteps("  - set_range: a\n    range: 9-1\n"),
			[]string{`15:12: step set_range: range: 9-1 is backwards (expected LOW-HIGH with LOW <= HIGH)`}},
		{"set_range unknown host", withSteps("  - set_range: z\n    range: 40000-40009\n"),
			[]string{`14:5: step set_range: set_range: unknown host "z" (hosts: a, b)`}},
		{"bad signal", withSteps("  - start: cli\n    on: a\n  - exit: cli\n    signal: USR1\n"),
			[]string{`17:13: step exit: signal: "USR1" (expected one of: TERM, INT, KILL, HUP, QUIT)`}},
		{"start server without listen", withSteps("  - start: cli\n    on: a\n    server: {once: true}\n"),
			[]string{`16:14: server: missing field "listen" (for example [tcp/80])`}},
		{"bad finish", "title: x\nfinish: later\nhosts: [{name: a, addr: 10.0.0.1}]\nsteps: [{wait: 1s}]\n",
			[]string{`2:9: scenario: finish: "later" (expected run or settle)`}},

		// Steps: what exists when.
		{"unknown host", withSteps("  - start: srv\n    on: z\n"),
			[]string{`14:5: step start: on: unknown host "z" (hosts: a, b)`}},
		{"unknown program", withSteps("  - start: nginx\n    on: a\n"),
			[]string{`14:5: step start: host a has no program "nginx" (install it under the host's programs)`}},
		{"name used twice", withSteps("  - start: cli\n    on: a\n  - start: cli\n    on: b\n"),
			[]string{`16:5: step start: the name "cli" is already used by the process started at line 14 (give this one another name with as:)`}},
		{"fork name used twice", withSteps("  - start: cli\n    on: a\n  - fork: cli\n    as: cli\n"),
			[]string{`16:5: step fork: the name "cli" is already used by the process started at line 14`}},
		{"unknown process", withSteps("  - connect: web.s\n    to: b:80\n"),
			[]string{`14:5: step connect: unknown process "web" (no earlier step starts it)`}},
		{"process exited", withSteps("  - start: cli\n    on: a\n  - exit: cli\n  - connect: cli.s\n    to: b:80\n"),
			[]string{`17:5: step connect: process "cli" has already exited`}},
		{"exit twice", withSteps("  - start: cli\n    on: a\n  - exit: cli\n  - exit: cli\n"),
			[]string{`17:5: step exit: process "cli" has already exited`}},
		{"note on unknown host", withSteps("  - note: hello\n    host: z\n"),
			[]string{`14:5: step note: host: unknown host "z" (hosts: a, b)`}},
		{"by unknown thread", withSteps("  - start: cli\n    on: a\n  - connect: cli.s\n    to: b:80\n    by: saver\n"),
			[]string{`16:5: step connect: by: process "cli" has no running thread "saver"`}},
		{"thread twice", withSteps("  - start: cli\n    on: a\n  - thread: cli\n    job: x\n    as: t\n  - thread: cli\n    job: y\n    as: t\n"),
			[]string{`19:5: step thread: process "cli" already has a running thread "t"`}},
		{"end unknown thread", withSteps("  - start: cli\n    on: a\n  - end_thread: cli.t\n"),
			[]string{`16:5: step end_thread: process "cli" has no running thread "t"`}},
		{"end main thread", withSteps("  - start: cli\n    on: a\n  - end_thread: cli.main\n"),
			[]string{`16:5: step end_thread: the main thread ends with the process (use exit)`}},
		{"socket never opened", withSteps("  - start: cli\n    on: a\n  - send: cli.s\n    data: hi\n"),
			[]string{`16:5: step send: socket cli.s was never opened (open it with socket, connect, bind or accept first)`}},
		{"socket closed", withSteps("  - start: cli\n    on: a\n  - connect: cli.s\n    to: b:80\n  - close: cli.s\n  - send: cli.s\n    data: hi\n"),
			[]string{`19:5: step send: socket cli.s was closed at line 18`}},
		{"socket opened twice", withSteps("  - start: cli\n    on: a\n  - socket: cli.s\n  - socket: cli.s\n"),
			[]string{`17:5: step socket: cli.s is already open (since line 16)`}},
		{"socket of another protocol", withSteps("  - start: cli\n    on: a\n  - socket: cli.s\n    proto: udp\n  - connect: cli.s\n    to: b:80\n    proto: tcp\n"),
			[]string{`18:5: step connect: socket cli.s is UDP (opened at line 16), not TCP`}},
		{"accept into an open name", withSteps("  - start: srv\n    on: a\n  - accept: srv.tcp80\n    as: tcp80\n"),
			[]string{`16:5: step accept: as: srv.tcp80 is already open (since line 14)`}},
		{"pipe across hosts", withSteps("  - start: srv\n    on: a\n  - start: cli\n    on: b\n  - pipe: srv\n    into: cli\n    data: hi\n"),
			[]string{`18:5: step pipe: "srv" and "cli" run on different hosts; a pipe joins processes on one host`}},

		// Checkpoints.
		{"checkpoint not a mapping", withSteps("  - checkpoint: what?\n  - wait: 1s\n"),
			[]string{`14:17: checkpoint: expected a mapping (key: value lines), found "what?"`}},
		{"empty checkpoint", withSteps("  - checkpoint: {}\n  - wait: 1s\n"), []string{
			`14:17: checkpoint: missing field "question"`, `14:17: checkpoint: missing field "choices"`, `14:17: checkpoint: missing field "measure"`}},
		{"checkpoint unknown field", withSteps("  - checkpoint:\n      question: q\n      hint: h\n  - wait: 1s\n"), []string{
			`15:7: checkpoint: missing field "choices"`, `15:7: checkpoint: missing field "measure"`,
			`16:7: checkpoint: unknown field "hint" (expected one of: question, choices, measure, reveal_after, explain, analogy)`}},
		{"one choice", withSteps(checkpoint("[{text: a, value: x}]", "{errno: true}", "") + "  - wait: 1s\n"),
			[]string{`16:7: checkpoint: choices: expected 2 to 6 choices, found 1`}},
		{"choice without value", withSteps(checkpoint("[{text: a}, {text: b, value: y}]", "{errno: true}", "") + "  - wait: 1s\n"),
			[]string{`16:18: choice: missing field "value"`}},
		{"choice with no values", withSteps(checkpoint("[{text: a, value: []}, {text: b, value: y}]", "{errno: true}", "") + "  - wait: 1s\n"),
			[]string{`16:34: choice: value: expected at least one value`}},
		{"value in two choices", withSteps(checkpoint("[{text: a, value: x}, {text: b, value: x}]", "{errno: true}", "") + "  - wait: 1s\n"),
			[]string{`16:55: choice: value: "x" belongs to two choices; each value must pick one choice`}},
		{"choice id twice", withSteps(checkpoint("[{id: a, text: a, value: x}, {id: a, text: b, value: y}]", "{errno: true}", "") + "  - wait: 1s\n"),
			[]string{`16:46: choice: id "a" is used twice`}},
		{"reveal_after too big", withSteps(checkpoint("[{text: a, value: x}, {text: b, value: y}]", "{errno: true}", "11") + "  - wait: 1s\n"),
			[]string{`18:21: checkpoint: reveal_after: 11 is out of range (expected 1 to 10)`}},
		{"reveal after the end", withSteps(checkpoint("[{text: a, value: x}, {text: b, value: y}]", "{errno: true}", "2") + "  - wait: 1s\n"),
			[]string{`14:5: checkpoint: reveal_after: 2, but only 1 step(s) follow`}},
		{"checkpoints overlap", withSteps(checkpoint("[{text: a, value: x}, {text: b, value: y}]", "{errno: true}", "2") + checkpoint("[{text: a, value: x}, {text: b, value: y}]", "{errno: true}", "") + "  - wait: 1s\n"),
			[]string{`14:5: checkpoint: the next checkpoint (line 19) comes before this one's answer is revealed`}},

		// Measures.
		{"no measure", withSteps(checkpoint("[{text: a, value: x}, {text: b, value: y}]", "{}", "") + "  - wait: 1s\n"),
			[]string{`17:16: measure: expected one of: port, ephemeral, in_range, same_port, port_step, state, errno, processes, threads, packet, accepted_port, accepted_port_kind, listeners, accepting_processes, accepting_threads, reaches, mapped, source_seen, dropped`}},
		{"unknown measure", withSteps(checkpoint("[{text: a, value: x}, {text: b, value: y}]", "{speed: cli.s}", "") + "  - wait: 1s\n"),
			[]string{`17:17: measure: unknown field "speed" (expected one of: port, ephemeral, in_range, same_port, port_step, state, errno, processes, threads, packet, accepted_port, accepted_port_kind, listeners, accepting_processes, accepting_threads, reaches, mapped, source_seen, dropped, from)`}},
		{"two measures", withSteps(checkpoint("[{text: a, value: x}, {text: b, value: y}]", "{errno: true, threads: cli}", "") + "  - wait: 1s\n"),
			[]string{`17:30: measure: has two kinds, "errno" and "threads" (expected one)`}},
		{"from on a non-packet measure", withSteps("  - start: cli\n    on: a\n" + checkpoint("[{text: a, value: x}, {text: b, value: y}]", "{threads: cli, from: cli}", "") + "  - wait: 1s\n"),
			[]string{`19:17: measure: from: only a packet measure takes from (this one is threads)`}},
		{"same_port needs two", withSteps(checkpoint("[{text: a, value: x}, {text: b, value: y}]", "{same_port: [cli.s]}", "") + "  - wait: 1s\n"),
			[]string{`17:28: measure: same_port: expected two socket names, found 1`}},
		{"port_step bad socket name", withSteps(checkpoint("[{text: a, value: x}, {text: b, value: y}]", "{port_step: [cli.s, cli]}", "") + "  - wait: 1s\n"),
			[]string{`17:28: measure: port_step: "cli" is not a socket name (expected PROCESS.SOCKET)`}},
		{"port not a socket name", withSteps(checkpoint("[{text: a, value: x}, {text: b, value: y}]", "{port: cli}", "") + "  - wait: 1s\n"),
			[]string{`17:23: measure port: "cli" is not a socket name (expected PROCESS.SOCKET, such as browser.web)`}},
		{"errno false", withSteps(checkpoint("[{text: a, value: x}, {text: b, value: y}]", "{errno: false}", "") + "  - wait: 1s\n"),
			[]string{`17:24: measure: errno: expected true (any process) or a process name`}},
		{"bad processes", withSteps(checkpoint("[{text: a, value: x}, {text: b, value: y}]", "{processes: cli}", "") + "  - wait: 1s\n"),
			[]string{`17:28: measure: processes: "cli" (expected PROGRAM@HOST, such as writer@laptop)`}},
		{"bad packet field", withSteps(checkpoint("[{text: a, value: x}, {text: b, value: y}]", "{packet: ttl}", "") + "  - wait: 1s\n"),
			[]string{`17:25: measure: packet: "ttl" (expected one of: to_host, dst_port, src_port, dst, src, flags, src_port_kind, dst_port_kind)`}},
		{"measure unknown process", withSteps(checkpoint("[{text: a, value: x}, {text: b, value: y}]", "{threads: ghost}", "") + "  - wait: 1s\n"),
			[]string{`14:5: checkpoint: measure: unknown process "ghost"`}},
		{"measure socket of unknown process", withSteps(checkpoint("[{text: a, value: x}, {text: b, value: y}]", "{port: ghost.s}", "") + "  - wait: 1s\n"),
			[]string{`14:5: checkpoint: measure: unknown process "ghost"`}},
		{"measure socket not opened in time", withSteps("  - start: cli\n    on: a\n" + checkpoint("[{text: a, value: x}, {text: b, value: y}]", "{port: cli.s}", "") + "  - wait: 1s\n  - connect: cli.s\n    to: b:80\n"),
			[]string{`16:5: checkpoint: measure: process "cli" has no socket "s" by the time the answer is revealed`}},
		{"measure unknown host", withSteps(checkpoint("[{text: a, value: x}, {text: b, value: y}]", "{processes: cli@z}", "") + "  - wait: 1s\n"),
			[]string{`14:5: checkpoint: measure: unknown host "z"`}},
		{"measure program not on host", withSteps(checkpoint("[{text: a, value: x}, {text: b, value: y}]", "{processes: srv@b}", "") + "  - wait: 1s\n"),
			[]string{`14:5: checkpoint: measure: host b has no program "srv"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sc, err := scenario.Parse("t.yaml", []byte(tt.in))
			if err == nil {
				t.Fatalf("Parse succeeded (%d steps), want errors:\n%s", len(sc.Steps), strings.Join(tt.want, "\n"))
			}
			var list scenario.ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("Parse error is %T, want scenario.ErrorList", err)
			}
			var got []string
			for _, e := range list {
				if e.File != "t.yaml" {
					t.Errorf("error names file %q, want t.yaml", e.File)
				}
				got = append(got, fmt.Sprintf("%d:%d: %s", e.Line, e.Col, e.Msg))
				if want := fmt.Sprintf("t.yaml:%d:%d: %s", e.Line, e.Col, e.Msg); e.Error() != want {
					t.Errorf("Error() = %q, want %q", e.Error(), want)
				}
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

// checkpoint writes a checkpoint step (at line 14 when it is the first
// step) with the given choices and measure, in flow style.
func checkpoint(choices, measure, revealAfter string) string {
	s := "  - checkpoint:\n      question: q\n      choices: " + choices + "\n      measure: " + measure + "\n"
	if revealAfter != "" {
		s += "      reveal_after: " + revealAfter + "\n"
	}
	return s
}

func TestParseFileTooLarge(t *testing.T) {
	t.Parallel()
	data := []byte("title: x\n" + strings.Repeat("#", scenario.MaxFileBytes))
	_, err := scenario.Parse("big.yaml", data)
	want := fmt.Sprintf("big.yaml:1:1: the file is %d bytes; the limit is 1048576 bytes (1 MiB)", len(data))
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %s", err, want)
	}
}

// TestErrorListFormat: one problem per line, in file order, at most
// fifty.
func TestErrorListFormat(t *testing.T) {
	t.Parallel()
	in := "title: x\n" + repeat(80, "bad%d: 1\n") + "hosts: [{name: a, addr: 10.0.0.1}]\nsteps: [{wait: 1s}]\n"
	_, err := scenario.Parse("t.yaml", []byte(in))
	var list scenario.ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("error %v is not an ErrorList", err)
	}
	if len(list) != 50 {
		t.Errorf("%d errors, want the limit of 50", len(list))
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != len(list) {
		t.Fatalf("Error() has %d lines for %d errors", len(lines), len(list))
	}
	if !strings.HasPrefix(lines[0], `t.yaml:2:1: scenario: unknown field "bad1"`) || !strings.HasPrefix(lines[49], `t.yaml:51:1: scenario: unknown field "bad50"`) {
		t.Errorf("Error() lines 1 and 50 = %q, %q", lines[0], lines[49])
	}
}

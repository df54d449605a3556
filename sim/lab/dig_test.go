package lab_test

import (
	"fmt"
	"net/netip"
	"regexp"
	"strings"
	"testing"

	"portville/sim"
	"portville/sim/lab"
	"portville/sim/lessons"
	"portville/sim/scenario"
)

// labOn types inputs into a lab of sc and returns each entry's output.
func labOn(t *testing.T, sc *scenario.Scenario, id string, inputs ...string) (*lab.Lab, []lab.Entry, []sim.Event) {
	t.Helper()
	l, err := lab.New(sc, id, lab.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var entries []lab.Entry
	var events []sim.Event
	for _, s := range inputs {
		in, err := lab.ParseScript(s)
		if err != nil || len(in) != 1 {
			t.Fatalf("%s: %v", s, err)
		}
		e, evs, err := l.Do(in[0])
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		entries = append(entries, e)
		events = append(events, evs...)
	}
	return l, entries, events
}

// TestDNSTools: dig, host and nslookup ask the town's DNS server with a
// letter from an ephemeral port to port 53, and print the answer in
// BIND 9.18's layouts (testdata/real: dig.txt, host.txt, nslookup.txt),
// with the real statuses.
func TestDNSTools(t *testing.T) {
	t.Parallel()
	l, err := lessons.Get("a-web-page")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		line, want string
		status     int
	}{
		{"dig example.org", `
; <<>> DiG 9\.18\.49-1~deb12u3-Debian <<>> example\.org
;; global options: \+cmd
;; Got answer:
;; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: \d+
;; flags: qr rd ra; QUERY: 1, ANSWER: 1, AUTHORITY: 0, ADDITIONAL: 0

;; QUESTION SECTION:
;example\.org\.			IN	A

;; ANSWER SECTION:
example\.org\.		0	IN	A	93\.184\.215\.14

;; Query time: 16 msec
;; SERVER: 1\.1\.1\.1#53\(1\.1\.1\.1\) \(UDP\)
;; WHEN: Mon Nov 30 03:00:\d\d UTC 2026
;; MSG SIZE  rcvd: 45

`, 0},
		{"dig +short www.example.org", "93\\.184\\.215\\.14\n", 0},
		{"dig +short nosuch.example", "", 0},
		{"dig nosuch.example", `(?s).*status: NXDOMAIN.*ANSWER: 0,.*;nosuch\.example\.		IN	A\n\n;; Query time.*rcvd: 32\n\n`, 0},
		{"host example.org", "example\\.org has address 93\\.184\\.215\\.14\n", 0},
		{"host nosuch.example", "Host nosuch\\.example not found: 3\\(NXDOMAIN\\)\n", 1},
		{"nslookup example.org", "Server:\t\t1\\.1\\.1\\.1\nAddress:\t1\\.1\\.1\\.1#53\n\nNon-authoritative answer:\nName:\texample\\.org\nAddress: 93\\.184\\.215\\.14\n\n", 0},
		{"nslookup nosuch.example", "Server:\t\t1\\.1\\.1\\.1\nAddress:\t1\\.1\\.1\\.1#53\n\n\\*\\* server can't find nosuch\\.example: NXDOMAIN\n\n", 1},
		{"dig @1.1.1.1 +tcp example.org", `(?s).*;; SERVER: 1\.1\.1\.1#53\(1\.1\.1\.1\) \(TCP\)\n.*`, 0},
		{"dig example.org MX", "lab: dig asks for MX records, which are real, .*\n", 1},
		{"host 1.1.1.1", "lab: host 1\\.1\\.1\\.1 asks for a reverse \\(PTR\\) record, .*\n", 1},
		{"nslookup", "lab: nslookup without a name starts its interactive mode, .*\n", 1},
		{"dig +trace example.org", "lab: dig \\+trace is real, but the lab does not model it; .*\n", 1},
		{"dig @nosuch example.org", "dig: couldn't get address for 'nosuch': not found\n", 10},
		{"cat /etc/resolv.conf", "nameserver 1\\.1\\.1\\.1\n", 0},
	}
	for _, tt := range tests {
		_, entries, events := labOn(t, l.Scenario, l.ID, "resolver$ unbound &", "laptop$ "+tt.line)
		e := entries[1]
		if out := printed(e); !regexp.MustCompile(`\A(?:` + tt.want + `)\z`).MatchString(out) {
			t.Errorf("%s printed:\n%s\nwant it to match:\n%s", tt.line, out, tt.want)
		}
		if e.Status != tt.status {
			t.Errorf("%s: status %d, want %d", tt.line, e.Status, tt.status)
		}
		if tt.status != 0 && strings.HasPrefix(printed(e), "lab:") || strings.HasPrefix(tt.line, "cat") || strings.Contains(tt.line, "@nosuch") {
			continue
		}
		// The question went out as a letter from an ephemeral port of
		// the tool's own process, to port 53.
		var sent bool
		for _, ev := range events {
			if ev.Kind == sim.KindPacketSend && ev.Host == "laptop" && strings.HasPrefix(ev.Data, "query A ") {
				sent = true
				if ev.Program != strings.Fields(tt.line)[0] || ev.Dst.Port() != 53 || ev.Src.Port() < 32768 {
					t.Errorf("%s: the query went from %s (%s) to %s", tt.line, ev.Src, ev.Program, ev.Dst)
				}
			}
		}
		if !sent {
			t.Errorf("%s: no query letter left the laptop", tt.line)
		}
	}

	// With the server not running, its host refuses each try at once
	// (ICMP port unreachable); dig gives up with status 9.
	_, entries, _ := labOn(t, l.Scenario, l.ID, "laptop$ dig example.org", "laptop$ host example.org")
	timeout := ";; communications error to 1.1.1.1#53: connection refused\n"
	want := strings.Repeat(timeout, 3) + "\n; <<>> DiG 9.18.49-1~deb12u3-Debian <<>> example.org\n;; global options: +cmd\n;; no servers could be reached\n"
	if out := printed(entries[0]); out != want || entries[0].Status != 9 {
		t.Errorf("dig with no server printed (status %d):\n%s", entries[0].Status, out)
	}
	if out := printed(entries[1]); out != strings.Repeat(timeout, 2)+";; no servers could be reached\n" || entries[1].Status != 1 {
		t.Errorf("host with no server printed (status %d):\n%s", entries[1].Status, out)
	}

	// A host with nothing on UDP port 53 refuses at once (testdata/real:
	// dig-refused.txt, host-refused.txt).
	_, entries, _ = labOn(t, lab.DefaultTown(), "", "laptop$ dig @web web", "laptop$ host web web", "laptop$ nslookup web web")
	for i, tries := range []int{3, 2, 3} {
		if out := printed(entries[i]); strings.Count(out, ";; communications error to 10.0.0.20#53: connection refused\n") != tries || strings.Contains(out, "timed out") {
			t.Errorf("%s with nothing on port 53 printed:\n%s", entries[i].Line, out)
		}
	}

	// The default town has no DNS server: the lab says so.
	_, entries, _ = labOn(t, lab.DefaultTown(), "", "laptop$ dig web", "laptop$ host web", "laptop$ cat /etc/resolv.conf")
	for i, status := range []int{9, 1, 1} {
		if out := printed(entries[i]); !strings.HasPrefix(out, "lab: ") || entries[i].Status != status {
			t.Errorf("%s in the default town printed (status %d):\n%s", entries[i].Line, entries[i].Status, out)
		}
	}
}

// TestDigTruncated: an answer too big for 512 bytes of UDP comes back
// truncated, and dig asks again over TCP, as BIND's does.
func TestDigTruncated(t *testing.T) {
	t.Parallel()
	var addrs []netip.Addr
	for i := 1; i <= 40; i++ {
		addrs = append(addrs, netip.MustParseAddr(fmt.Sprintf("203.0.113.%d", i)))
	}
	sc := lab.DefaultTown()
	sc.Hosts[0].Nameserver = "web"
	sc.Hosts[1].Programs = append(sc.Hosts[1].Programs, sim.Program{Name: "named", Path: "/usr/sbin/named", Server: &sim.ServerSpec{
		Listen: []sim.Service{{Proto: sim.UDP, Port: 53}, {Proto: sim.TCP, Port: 53}}, Protocol: "dns",
		Records: []sim.Record{{Name: "cdn.example", Addrs: addrs}}}})
	_, entries, events := labOn(t, sc, "", "web$ named &", "laptop$ dig cdn.example", "laptop$ dig +short cdn.example")
	out := printed(entries[1])
	if !strings.HasPrefix(out, ";; Truncated, retrying in TCP mode.\n") || !strings.Contains(out, "ANSWER: 40,") || !strings.Contains(out, "(TCP)\n") {
		t.Errorf("dig of 40 records printed:\n%s", out)
	}
	if n := strings.Count(printed(entries[2]), "\n"); n != 40 {
		t.Errorf("dig +short printed %d lines, want 40", n)
	}
	var overTCP bool
	for _, e := range events {
		overTCP = overTCP || e.Kind == sim.KindPacketSend && e.Proto == sim.TCP && strings.HasPrefix(e.Data, "query A cdn.example")
	}
	if !overTCP {
		t.Error("no query went over TCP")
	}
}

// dnsTown is the town of testdata/real's DNS transcripts: laptop asks
// web, where dnsmasq answers for web.town, laptop.town and two.town.
func dnsTown() *scenario.Scenario {
	sc := lab.DefaultTown()
	sc.Hosts[0].Nameserver = "web"
	rec := func(name string, addrs ...string) sim.Record {
		r := sim.Record{Name: name}
		for _, a := range addrs {
			r.Addrs = append(r.Addrs, netip.MustParseAddr(a))
		}
		return r
	}
	sc.Hosts[1].Programs = append(sc.Hosts[1].Programs, sim.Program{Name: "dnsmasq", Path: "/usr/sbin/dnsmasq", Server: &sim.ServerSpec{
		Listen: []sim.Service{{Proto: sim.UDP, Port: 53}, {Proto: sim.TCP, Port: 53}}, Protocol: "dns", Threads: "single",
		Records: []sim.Record{rec("web.town", "10.0.0.20"), rec("laptop.town", "10.0.0.10"), rec("two.town", "10.0.0.21", "10.0.0.20")}}})
	return sc
}

// TestRealDNSTranscripts: dig, host and nslookup print what Debian's
// printed (testdata/real), in shape, with the same status, in a town
// like the recording's. dig's default query carries EDNS, which the
// town's DNS does not speak: +noedns is the comparable transcript.
func TestRealDNSTranscripts(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		file, typed string
		server      bool // dnsmasq runs
		nowhere     bool // the nameserver's address has no host: no answer at all
	}{
		{"dig-noedns.txt", "dig +noedns web.town", true, false},
		{"dig-short.txt", "dig +short web.town", true, false},
		{"dig-short-nosuch.txt", "dig +short nosuch.town", true, false},
		{"host.txt", "host web.town", true, false},
		{"host-nosuch.txt", "host nosuch.town", true, false},
		{"host-two-records.txt", "host two.town", true, false},
		{"nslookup.txt", "nslookup web.town", true, false},
		{"nslookup-nosuch.txt", "nslookup nosuch.town", true, false},
		{"resolv-conf.txt", "cat /etc/resolv.conf", true, false},
		{"dig-timeout.txt", "dig web.town", false, true},
		{"host-timeout.txt", "host web.town", false, true},
		{"nslookup-timeout.txt", "nslookup web.town", false, true},
		{"dig-refused.txt", "dig web.town", false, false},
		{"host-refused.txt", "host web.town", false, false},
		{"nslookup-refused.txt", "nslookup web.town", false, false},
	} {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			real := readReal(t, tc.file)
			inputs := []string{"laptop$ " + tc.typed}
			if tc.server {
				inputs = append([]string{"web$ dnsmasq &"}, inputs...)
			}
			town := dnsTown()
			if tc.nowhere {
				// Nothing answers: the recording dropped the queries with
				// nftables; the town has no firewall, but an address no
				// host has is as silent.
				town.Hosts[0].Nameserver = "10.0.0.99"
			}
			_, entries, _ := labOn(t, town, "", inputs...)
			e := entries[len(entries)-1]
			if !strings.HasPrefix(real.body, "\n") && strings.HasPrefix(printed(e), "\n") {
				t.Errorf("the lab's output begins with an empty line, Debian's does not")
			}
			if g, w := shape(printed(e)), shape(real.body); g != w {
				t.Errorf("the lab printed:\n%q\nDebian's tools printed:\n%q", g, w)
			}
			if e.Status != real.status {
				t.Errorf("exit status %d, Debian's %d", e.Status, real.status)
			}
		})
	}
}

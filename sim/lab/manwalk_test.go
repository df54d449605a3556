package lab_test

import (
	"strings"
	"testing"

	"portville/sim/lab"
)

// fakeRefusals are the words a real tool or bash uses to refuse what it
// does not know. The lab may print them only for what the real tool
// refuses too.
var fakeRefusals = []string{"invalid option", "unrecognized option", "is unknown", "unsupported SysV option",
	"invalid signal specification", "unknown option", "illegal option", "command not found"}

// TestManPageWalk types every option of each modelled tool's manual page
// (Debian 12's: ss(8), ps(1), nc(1) of netcat-openbsd, curl(1)'s
// one-letter options, bash's kill, sysctl(8), grep(1), head(1), wc(1),
// sort(1), pgrep(1), pkill(1), dig(1), host(1), nslookup(1)) and every real tool a course uses: none gets a refusal that
// says the option or the tool does not exist. What the lab does not model
// answers with its own word, "lab: ...".
func TestManPageWalk(t *testing.T) {
	t.Parallel()
	type line struct{ tool, typed string }
	var lines []line
	add := func(tool, format string, opts ...string) {
		for _, o := range opts {
			lines = append(lines, line{tool, strings.ReplaceAll(format, "OPT", o)})
		}
	}
	letters := func(s string) []string {
		var out []string
		for _, c := range s {
			out = append(out, "-"+string(c))
		}
		return out
	}
	// ss(8), iproute2 6.1.
	add("ss", "ss OPT", letters("hVvHOnraloempTiKsEZzNb460tMSudwxfADF")...)
	add("ss", "ss OPT", "--help", "--version", "--no-header", "--oneline", "--numeric", "--resolve", "--all", "--listening",
		"--options", "--extended", "--memory", "--processes", "--threads", "--info", "--tos", "--cgroup", "--kill", "--summary",
		"--events", "--context", "--contexts", "--net=x", "--bpf", "--ipv4", "--ipv6", "--packet", "--tcp", "--mptcp", "--sctp",
		"--udp", "--dccp", "--raw", "--unix", "--tipc", "--vsock", "--xdp", "--family=inet", "--query=tcp", "--diag=f", "--filter=f")
	// ps(1), procps 4.0.2: the standard syntax's options.
	add("ps", "ps OPT", letters("AaCcdeFfGgHjLlMmNOoPpqSsTtUuVwXyZ")...)
	add("ps", "ps -eo OPT", "pid,comm", "pid,ppid,user,args", "rss", "%cpu", "stat")
	add("ps", "ps OPT", "aux", "ax", "--sort=pid", "--forest")
	// nc(1), netcat-openbsd 1.219.
	add("nc", "nc OPT web 80", letters("46CDdFhklNnrStUuvZz")...)
	add("nc", "nc OPT 1 web 80", letters("IiMmOPpqsTVWwXx")...)
	// curl(1), 7.88: its one-letter options.
	add("curl", "curl OPT x http://web/", letters("0123456#aAbBcCdDeEfFgGhHiIjJkKlLmMnNoOpPqQrRsStTuUvVwxXyYzZ")...)
	add("curl", "curl OPT http://web/", "--data=x", "--header=x", "--user-agent=x", "--insecure", "--http1.0", "--ipv6", "--fail")
	// bash's kill, and Linux's signals.
	add("kill", "kill OPT 99999", "-HUP", "-1", "-INT", "-QUIT", "-KILL", "-9", "-USR1", "-SIGUSR2", "-TERM", "-STOP", "-CONT", "-s HUP", "-n 15")
	add("kill", "kill OPT", "-l", "-L", "-l 15", "-l HUP")
	// netstat(8), net-tools 2.10.
	add("netstat", "netstat OPT", letters("tuanlprigsMNeoc46xwWvCFUSTZ")...)
	add("netstat", "netstat OPT", "--tcp", "--udp", "--all", "--listening", "--numeric", "--program", "--route", "--interfaces", "--statistics", "--timers")
	// sysctl(8), procps.
	add("sysctl", "sysctl OPT net.ipv4.ip_local_port_range", letters("aAbeNnpqrwXhV")...)
	add("sysctl", "sysctl OPT", "--system", "--pattern=x", "--all", "--values", "--write")
	// pgrep(1) and pkill(1), procps 4.0.2 (the values are ignored where
	// an option takes none).
	add("pgrep", "pgrep OPT 1 nginx", letters("dlavwcfgGinoOPstuUxFLrA")...)
	add("pkill", "pkill OPT 1 nginx", letters("ecfgGinoOPstuUxFLrAHq")...)
	add("pkill", "pkill OPT nginx", "-9", "-HUP", "-KILL", "-SIGTERM", "--signal KILL", "-USR1", "--signal=INT")
	// dig(1), host(1) and nslookup(1), BIND 9.18.
	add("dig", "dig OPT web", letters("46bcfkmpqrtuvxy")...)
	add("dig", "dig OPT web", "+trace", "+dnssec", "+nssearch", "+norecurse", "+short", "+tcp", "+time=1", "+tries=1", "+multiline", "+yaml", "MX", "AAAA", "ANY")
	add("host", "host OPT web", letters("aACdlirRsTUvVwWcmNtp46")...)
	add("nslookup", "nslookup OPT web", "-type=MX", "-type=A", "-query=AAAA", "-port=53", "-debug", "-timeout=5", "-retry=1", "-vc")
	// The filters.
	add("grep", "echo x | grep OPT x", letters("ivcwxnqsEFGHhaIUABCDdfmbloLZzRrPT")...)
	add("head", "echo x | head OPT", letters("nqvcz")...)
	add("wc", "echo x | wc OPT", letters("lwcmL")...)
	add("sort", "echo x | sort OPT", letters("nrubcCdfghiMmosSTVz")...)
	// The tools a course uses every day, and the shell's own.
	add("tools", "OPT", lab.RealToolNames()...)
	add("shell", "OPT", "jobs", "fg", "bg", "true", "false", "echo $?", "history")
	for _, l := range lines {
		lb, err := lab.New(lab.DefaultTown(), "", lab.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := lb.Do(lab.Input{Host: "web", Line: "nginx"}); err != nil {
			t.Fatal(err)
		}
		e, _, err := lb.Do(lab.Input{Host: "laptop", Line: l.typed})
		if err != nil {
			t.Fatalf("%s: %v", l.typed, err)
		}
		out := printed(e)
		for _, f := range fakeRefusals {
			if strings.Contains(out, f) && !strings.HasPrefix(out, "lab: ") {
				t.Errorf("%s: laptop$ %s refuses a real option or tool:\n%s", l.tool, l.typed, out)
				break
			}
		}
	}
	if len(lines) < 300 {
		t.Errorf("only %d lines walked: the walk is broken", len(lines))
	}
}

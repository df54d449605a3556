package lab

import (
	"strconv"
	"strings"
)

// A host's terminal speaks its OS's shell: bash on Linux, zsh on macOS
// (the default login shell since 10.15), sh on FreeBSD (root's since
// 14.0) and PowerShell 7 on Windows, each with its prompt and its words
// for a command it does not know (testdata/other-os). The lab's shell is
// an administrator's on each: root, or an elevated PowerShell, which
// starts in C:\Windows\system32.

// osPrompt is a host's shell prompt.
func osPrompt(os, host string) string {
	switch os {
	case "macos":
		return "root@" + host + " ~ # " // zsh's "%n@%m %1~ %# "
	case "freebsd":
		return "root@" + host + ":~ # " // sh's "\u@\h:\w \$ "
	case "windows":
		return `PS C:\Windows\system32> `
	}
	return host + "$ "
}

// notFound prints the shell's answer to a command it does not know, and
// sets its status.
func (r *run) notFound(name string) {
	switch r.host().OS().Name {
	case "macos":
		r.fail(127, "zsh: command not found: "+name)
	case "freebsd":
		r.fail(127, name+": not found")
	case "windows":
		r.fail(1, name+": The term '"+name+"' is not recognized as a name of a cmdlet, function, script file, or executable program.",
			"Check the spelling of the name, or if a path was included, verify that the path is correct and try again.")
	default:
		r.fail(127, "bash: "+name+": command not found")
	}
}

// absentTools are the commands the lab has that a host's OS lacks, and
// what the OS has instead. The lab's curl is curl.exe on Windows
// (PowerShell 7 has no curl alias) and the curl package on FreeBSD, whose
// base system has fetch. (A table, not a switch: static data costs the
// WebAssembly module less than code.)
var absentTools = []struct{ os, names, instead string }{
	{"windows", "nc", "curl.exe fetches a page, and ftp.exe and netstat -ano work"},
	{"windows", "ss lsof sockstat", "netstat -ano lists the sockets with their processes' PIDs"},
	{"windows", "ip ifconfig", "ipconfig shows the addresses (the lab does not model it yet; the building shows them)"},
	{"windows", "sysctl", "netsh int ipv4 show dynamicport tcp shows the ephemeral range"},
	{"windows", "apt apt-get", "install NAME adds a program of the lab's catalogue"},
	{"windows", "dig host", "nslookup asks a DNS server (Windows prints its own layout, which the lab does not model yet)"},
	{"windows", "pgrep pkill", "Get-Process and Stop-Process find and end processes by name (the lab does not model them yet); netstat -ano shows PIDs"},
	{"windows", "grep head tail wc sort", "findstr filters lines: netstat -ano | findstr :80"},
	{"windows", "telnet", "the Telnet Client is an optional Windows feature, off by default; curl.exe fetches a page"},
	{"windows", "sudo", "this PowerShell runs as an administrator already"},
	{"macos", "ss sockstat", "netstat -an -p tcp lists the sockets"},
	{"macos", "ip", "ifconfig shows the addresses (the lab does not model it yet)"},
	{"macos", "apt apt-get", "install NAME adds a program of the lab's catalogue (a Mac would use Homebrew)"},
	{"macos", "telnet ftp", "macOS no longer ships it; nc HOST PORT and curl do the same"},
	{"freebsd", "ss lsof", "sockstat -4 and netstat -an list the sockets"},
	{"freebsd", "ip", "ifconfig shows the addresses (the lab does not model it yet)"},
	{"freebsd", "apt apt-get", "install NAME adds a program of the lab's catalogue (FreeBSD's is pkg install)"},
	{"freebsd", "dig nslookup", "host NAME asks a DNS server (base FreeBSD has host and drill)"},
	{"linux", "sockstat", "ss -tanp lists the sockets with their processes"},
}

// absent reports whether a command the lab has is missing from this
// host's OS, and what the OS has instead.
func absent(os, name string) (instead string, missing bool) {
	for _, a := range absentTools {
		if a.os == os && strings.Contains(" "+a.names+" ", " "+name+" ") {
			return a.instead, true
		}
	}
	return "", false
}

// missing answers a command the host's OS does not have as that OS's
// shell does, with the lab's word for what to type instead; it reports
// whether the command was missing.
func (r *run) missing(name string) bool {
	os := r.host().OS().Name
	instead, ok := absent(os, name)
	if ok {
		r.notFound(name)
		r.outln("lab: " + r.host().OS().Title + " has no " + name + "; " + instead)
	}
	return ok
}

// findstr is Windows's line filter as netstat's pipes use it: lines with
// any of the words (/C:"TEXT": that text), /I ignoring case, /V the
// lines without. grep -F with the words as its patterns does the same.
func (r *run) findstr(args []string, stdin *string) {
	grep := []string{"-F"}
	var words []string
	for _, a := range args {
		switch u := strings.ToUpper(a); {
		case u == "/I":
			grep = append(grep, "-i")
		case u == "/V":
			grep = append(grep, "-v")
		case strings.HasPrefix(u, "/C:"):
			words = append(words, a[3:])
		case strings.HasPrefix(a, "/"):
			r.fail(1, r.notModelled("findstr", a, "findstr [/I] [/V] WORDS filters lines"))
			return
		default:
			words = append(words, strings.Fields(a)...)
		}
	}
	switch {
	case len(words) == 0:
		r.fail(1, "FINDSTR: Bad command line")
	case stdin == nil:
		r.fail(1, "lab: findstr filters what a pipe feeds it: netstat -ano | findstr :80")
	default:
		r.filter("grep", append(grep, "-e", strings.Join(words, "\n")), stdin)
	}
}

// stopProcess is PowerShell's kill, an alias of Stop-Process: it ends a
// process at once (TerminateProcess, as SIGKILL does) and takes no
// signals.
func (r *run) stopProcess(t *terminal, args []string) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		r.fail(1, "lab: in PowerShell, kill is Stop-Process, which takes no signals: kill PID ends a process at once")
		return nil
	}
	h := r.host()
	for _, a := range args {
		pid, err := strconv.Atoi(a)
		p := h.Process(pid)
		if err != nil || p == nil {
			r.fail(1, "Stop-Process: Cannot find a process with the process identifier "+a+".")
			continue
		}
		alias := r.lab.aliasOf(h, pid)
		if alias == "" {
			r.unnamed(h, p)
			continue
		}
		if err := r.signal(t, alias, pid, "KILL", false); err != nil {
			return err
		}
	}
	return nil
}

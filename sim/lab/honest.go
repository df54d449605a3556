package lab

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// This file holds the lab's own word for what it does not model: a real
// command, option or file gets a sentence that is visibly the lab's, says
// the real thing exists and what to try instead. The real tool's
// "invalid option" and bash's "command not found" are kept for what a
// real host would refuse too (DESIGN.md, "The lab").

// notModelled is the lab's word for a real option of a tool it models
// only in part.
func (r *run) notModelled(tool, option, try string) string {
	return "lab: " + tool + " " + option + " is real, but the lab does not model it; " + try
}

// realTool is a command a real host has that the lab does not run (yet):
// what it is for, and what to try in the lab instead.
type realTool struct {
	name, what, try string
}

// realTools are the commands a networking course meets every day, and
// the everyday shell's, that the lab does not model. A name not here and
// not modelled gets bash's "command not found", as a typo does on a real
// host.
var realTools = []realTool{
	{"ping", "sends ICMP echo requests", "nc -v -z HOST PORT checks that a port answers"},
	{"traceroute", "lists the routers on the way to a host", "the town has one street and no routers between its buildings but a home router's"},
	{"tracepath", "lists the routers on the way to a host", "the town has one street and no routers between its buildings but a home router's"},
	{"mtr", "lists the routers on the way to a host", "the town has one street and no routers between its buildings but a home router's"},
	{"lsof", "lists open files, sockets among them", "ss -tanp shows each socket's process"},
	{"fuser", "names the processes that use a port", "ss -tlnp shows the process on each port"},
	{"wget", "fetches a page over HTTP", "curl http://HOST/ fetches it"},
	{"python3", "runs Python (python3 -m http.server starts a web server)", "install devserver, then devserver --port 8000 starts a web server"},
	{"python", "runs Python (python -m http.server starts a web server)", "install devserver, then devserver --port 8000 starts a web server"},
	{"node", "runs JavaScript", "install devserver, then devserver starts a development server on port 3000"},
	{"killall", "signals processes by name", "pkill NAME does the same"},
	{"tcpdump", "captures packets", "the town shows every letter; Save for Wireshark writes them as a capture file"},
	{"tshark", "captures packets", "the town shows every letter; Save for Wireshark writes them as a capture file"},
	{"iptables", "edits the firewall's rules", "the town has no firewall yet; the home-router lesson shows NAT"},
	{"nft", "edits the firewall's rules", "the town has no firewall yet; the home-router lesson shows NAT"},
	{"ufw", "edits the firewall's rules", "the town has no firewall yet; the home-router lesson shows NAT"},
	{"ifconfig", "lists network interfaces (the older tool ip replaced)", "ip addr lists them"},
	{"route", "shows the routing table (the older tool ip replaced)", "the town's hosts share one street: every address is reached directly"},
	{"arp", "shows the neighbours' hardware addresses", "the town has no link layer; ip addr shows each host's addresses"},
	{"nmap", "scans ports", "nc -v -z HOST 20-90 scans a range"},
	{"socat", "relays between two sockets", "nc HOST PORT and nc -l PORT"},
	{"openssl", "speaks TLS (openssl s_client)", "the a-web-page lesson shows a TLS handshake"},
	{"ssh", "logs into another host", "each building has its own terminal: click it"},
	{"scp", "copies files between hosts", "the lab's hosts have no files; ftp HOST shows a file transfer"},
	{"systemctl", "starts and stops services", "type nginx to start it, kill PID or nginx's PID to stop it"},
	{"service", "starts and stops services", "type nginx to start it, kill PID to stop it"},
	{"top", "shows processes as they run", "ps -ef lists them"},
	{"htop", "shows processes as they run", "ps -ef lists them"},
	{"ls", "lists files", "the lab's hosts have no files but cat /etc/hosts, /etc/hostname and /proc/sys/net/ipv4/ip_local_port_range"},
	{"vi", "edits files", "the lab's hosts have no files to edit"},
	{"nano", "edits files", "the lab's hosts have no files to edit"},
	{"less", "pages through text", "pipe into head or grep instead"},
	{"more", "pages through text", "pipe into head or grep instead"},
	{"man", "shows manual pages", "help lists what the lab's terminal takes"},
	{"which", "finds a command's file", "help lists what the lab's terminal takes"},
	{"type", "tells what a command is", "help lists what the lab's terminal takes"},
	{"export", "sets environment variables", "the lab's shell has $HOME, $USER, $? and $!, and no others"},
	{"env", "lists environment variables", "the lab's shell has $HOME, $USER, $? and $!, and no others"},
	{"uname", "names the kernel", "the building's OS badge names it"},
	{"date", "prints the time", "the town's clock moves only with its events and sleep"},
	{"uptime", "prints how long the host has run", "the town's clock moves only with its events and sleep"},
	{"free", "shows memory", "the town does not simulate memory"},
	{"id", "names the user", "the lab's shell is root's (whoami)"},
	{"docker", "runs containers", "containers are not in the lab yet"},
	{"resolvectl", "shows the resolver's state", "cat /etc/hosts shows the names the lab's hosts know"},
	{"getent", "looks names up as programs do", "cat /etc/hosts shows the names the lab's hosts know"},
}

// realToolWord is the lab's word for a real command it does not run, and
// whether there is one.
func realToolWord(name string) (string, bool) {
	for _, t := range realTools {
		if t.name == name {
			return "lab: " + name + " is a real tool (it " + t.what + "), but the lab does not model it yet; " + t.try, true
		}
	}
	return "", false
}

// RealToolNames lists the real commands the lab answers with its own
// word, sorted (docs/lab.md lists them; a test checks the list).
func RealToolNames() []string {
	var out []string
	for _, t := range realTools {
		out = append(out, t.name)
	}
	slices.Sort(out)
	return out
}

// hostsName is the name /etc/hosts (readFile) gives an address, as
// getnameinfo finds it for nc -v and netstat: localhost for loopback, a
// town host's name for its address, "" for any other.
func (l *Lab) hostsName(a netip.Addr) string {
	if a.IsLoopback() {
		return "localhost"
	}
	if h := l.live.World().HostByAddr(a); h != nil {
		return h.Name()
	}
	return ""
}

// readFile returns one of the few files the lab's hosts have: what the
// town knows, in the files a real host keeps it in.
func (r *run) readFile(tool, path string) (string, bool) {
	h := r.host()
	switch path {
	case "/etc/hostname":
		return h.Name() + "\n", true
	case "/etc/hosts":
		var b strings.Builder
		b.WriteString("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n")
		for _, name := range r.lab.order {
			if o := r.world().Host(name); o != nil {
				b.WriteString(o.Addr().String() + "\t" + name + "\n")
			}
		}
		return b.String(), true // what hostsName looks up
	case "/etc/resolv.conf":
		if ns, ok := r.nameserver(); ok {
			return "nameserver " + ns.String() + "\n", true
		}
		r.outln("lab: " + tool + " " + path + ": " + r.in.Host + " has no DNS server to name, as this town has none; its hosts find each other's names in /etc/hosts")
		r.status(1)
		return "", false
	case "/proc/sys/net/ipv4/ip_local_port_range":
		if h.OS().Name == "linux" {
			lo, hi := h.EphemeralRange()
			return fmt.Sprintf("%d\t%d\n", lo, hi), true
		}
	}
	r.outln("lab: " + tool + " " + path + ": the lab's hosts keep no files but /etc/hostname, /etc/hosts and, on Linux, /proc/sys/net/ipv4/ip_local_port_range")
	r.status(1)
	return "", false
}

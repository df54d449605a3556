// words.js: labels the view shows, in one place (names of services,
// states, errors, OS profiles), so that a translation can replace this file.

/** Service names of well-known ports, per protocol (IANA). */
const services = {
  "tcp/20": "ftp-data", "tcp/21": "ftp", "tcp/22": "ssh", "tcp/23": "telnet", "tcp/25": "smtp",
  "tcp/53": "dns", "udp/53": "dns", "udp/67": "dhcp", "udp/68": "dhcp", "udp/69": "tftp",
  "tcp/80": "http", "tcp/110": "pop3", "tcp/111": "rpcbind", "udp/111": "rpcbind", "udp/123": "ntp",
  "tcp/143": "imap", "udp/161": "snmp", "tcp/389": "ldap", "tcp/443": "https", "udp/443": "quic",
  "tcp/465": "smtps", "tcp/514": "shell", "udp/514": "syslog", "tcp/587": "submission",
  "tcp/993": "imaps", "tcp/995": "pop3s", "tcp/3306": "mysql", "tcp/5432": "postgres",
  "tcp/5060": "sip", "udp/5060": "sip", "tcp/3389": "rdp", "tcp/8080": "http-alt",
};

/** service returns the service name of a port, or "". */
export function service(proto, port) {
  return services[`${proto}/${port}`] || "";
}

/** ssState maps a netstat state name to the name ss(8) prints. */
export function ssState(s) {
  return {
    ESTABLISHED: "ESTAB", SYN_SENT: "SYN-SENT", SYN_RECV: "SYN-RECV", FIN_WAIT_1: "FIN-WAIT-1",
    FIN_WAIT_2: "FIN-WAIT-2", CLOSE_WAIT: "CLOSE-WAIT", LAST_ACK: "LAST-ACK", TIME_WAIT: "TIME-WAIT",
    CLOSING: "CLOSING", LISTEN: "LISTEN", CLOSED: "CLOSE", UNCONN: "UNCONN",
  }[s] || s;
}

/** stateWords says what a TCP state means in a few words. */
export function stateWords(s) {
  return {
    LISTEN: "waiting for visitors", SYN_SENT: "knocking", SYN_RECV: "answering the door",
    ESTABLISHED: "talking", FIN_WAIT_1: "saying goodbye", FIN_WAIT_2: "waiting for goodbye",
    CLOSE_WAIT: "got a goodbye", LAST_ACK: "last goodbye", CLOSING: "both said goodbye",
    TIME_WAIT: "moving out", CLOSED: "closed", UNCONN: "open mail slot",
  }[s] || s;
}

/** osTitle names an OS profile for the badge. */
export function osTitle(os) {
  return { linux: "Linux", windows: "Windows", macos: "macOS", freebsd: "FreeBSD" }[os] || os;
}

/** Errors a student meets, in one short sentence each. */
const errnoWords = {
  EADDRINUSE: "Address already in use: someone already lives in this apartment.",
  EADDRNOTAVAIL: "Cannot assign requested address: no temporary number left, or no such street address here.",
  ECONNREFUSED: "Connection refused: nobody lives at that apartment.",
  ECONNRESET: "Connection reset: the other side cut the conversation off.",
  EACCES: "Permission denied: apartments below 1024 are for the management (root).",
  EINVAL: "Invalid argument: the call makes no sense for this socket.",
  EBADF: "Bad file descriptor: no such mail slot.",
  EISCONN: "Already connected.",
  EALREADY: "Already knocking: the connection is still being set up.",
  EPIPE: "Broken pipe: the conversation is not open.",
  EOPNOTSUPP: "Not supported: UDP has no listening.",
  EDESTADDRREQ: "No address: a UDP letter needs a destination.",
  EHOSTUNREACH: "No route to host: no building at that street address.",
  ETIMEDOUT: "Timed out: nobody ever answered.",
  EAGAIN: "No temporary apartment number left.",
  EMFILE: "Too many open mail slots.",
  EMSGSIZE: "Message too long: one UDP postcard holds at most 65,507 bytes.",
};

/** errno returns the short explanation of an errno. */
export function errno(name) {
  return errnoWords[name] || name;
}

/** Names of the event kinds for the log filter. */
export const kindNames = {
  "host.up": "host up", "program.install": "program installed", "process.start": "process starts",
  "process.exit": "process exits", "process.output": "prints", "thread.start": "thread starts", "thread.exit": "thread ends",
  "socket.open": "socket()", "socket.inherit": "fork: inherit", "socket.option": "setsockopt()",
  "socket.bind": "bind()", "socket.listen": "listen()", "socket.connect": "connect()",
  "socket.accept": "accept()", "socket.state": "TCP state", "socket.recv": "recv()",
  "socket.close": "close()", "port.assign": "port assigned", "port.release": "port released",
  "packet.send": "letter sent", "packet.deliver": "letter delivered", "packet.drop": "letter dropped",
  "nat.map": "NAT mapping", "nat.rewrite": "NAT rewrite", "nat.expire": "NAT forgets",
  "pipe.write": "pipe write", "pipe.read": "pipe read", error: "error", note: "narration",
  checkpoint: "question", "checkpoint.answer": "answer",
};

/** Where a packet went, in the mailroom's words. */
export function matchWords(m) {
  return {
    established: "sorted by sender: an existing conversation",
    listener: "new visitor: to the front door (listener)",
    "udp-connected": "to the slot that expects this sender",
    udp: "to the apartment's mail slot",
    nat: "at the front desk, to be readdressed (NAT)",
  }[m] || m;
}

/** Why a packet was not delivered. */
export function dropWords(r) {
  return {
    "no-socket": "nobody lives here",
    "no-host": "no such street address",
    "backlog-full": "waiting room full",
    "no-mapping": "the front desk has no note for it (no NAT mapping)",
  }[r] || r;
}

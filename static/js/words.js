// words.js: labels the view shows, in one place (names of services,
// states, errors, OS profiles), in one place; t() gives them in the
// page's language (i18n.js).

import { t } from "./i18n.js";

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
    LISTEN: t("waiting for visitors"), SYN_SENT: t("knocking"), SYN_RECV: t("answering the door"),
    ESTABLISHED: t("talking"), FIN_WAIT_1: t("saying goodbye"), FIN_WAIT_2: t("waiting for goodbye"),
    CLOSE_WAIT: t("got a goodbye"), LAST_ACK: t("last goodbye"), CLOSING: t("both said goodbye"),
    TIME_WAIT: t("moving out"), CLOSED: t("closed"), UNCONN: t("open mail slot"),
  }[s] || s;
}

/** osTitle names an OS profile for the badge. */
export function osTitle(os) {
  return { linux: "Linux", windows: "Windows", macos: "macOS", freebsd: "FreeBSD" }[os] || os;
}

/** Errors a student meets, in one short sentence each. */
const errnoWords = {
  EADDRINUSE: t("Address already in use: someone already lives in this apartment."),
  EADDRNOTAVAIL: t("Cannot assign requested address: no temporary number left, or no such street address here."),
  ECONNREFUSED: t("Connection refused: nobody lives at that apartment."),
  ECONNRESET: t("Connection reset: the other side cut the conversation off."),
  EACCES: t("Permission denied: apartments below 1024 are for the management (root)."),
  EINVAL: t("Invalid argument: the call makes no sense for this socket."),
  EBADF: t("Bad file descriptor: no such mail slot."),
  EISCONN: t("Already connected."),
  EALREADY: t("Already knocking: the connection is still being set up."),
  EPIPE: t("Broken pipe: the conversation is not open."),
  EOPNOTSUPP: t("Not supported: UDP has no listening."),
  EDESTADDRREQ: t("No address: a UDP letter needs a destination."),
  EHOSTUNREACH: t("No route to host: no building at that street address."),
  ETIMEDOUT: t("Timed out: nobody ever answered."),
  EAGAIN: t("No temporary apartment number left."),
  EMFILE: t("Too many open mail slots."),
  EMSGSIZE: t("Message too long: one UDP postcard holds at most 65,507 bytes."),
};

/** errno returns the short explanation of an errno. */
export function errno(name) {
  return errnoWords[name] || name;
}

/** Names of the event kinds for the log filter. */
export const kindNames = {
  "host.up": t("host up"), "program.install": t("program installed"), "process.start": t("process starts"),
  "process.exit": t("process exits"), "process.output": t("prints"), "thread.start": t("thread starts"), "thread.exit": t("thread ends"),
  "socket.open": t("socket()"), "socket.inherit": t("fork: inherit"), "socket.option": t("setsockopt()"),
  "socket.bind": t("bind()"), "socket.listen": t("listen()"), "socket.connect": t("connect()"),
  "socket.accept": t("accept()"), "socket.state": t("TCP state"), "socket.recv": t("recv()"),
  "socket.close": t("close()"), "port.assign": t("port assigned"), "port.release": t("port released"),
  "packet.send": t("letter sent"), "packet.deliver": t("letter delivered"), "packet.drop": t("letter dropped"),
  "nat.map": t("NAT mapping"), "nat.rewrite": t("NAT rewrite"), "nat.expire": t("NAT forgets"),
  "pipe.write": t("pipe write"), "pipe.read": t("pipe read"), error: t("error"), note: t("narration"),
  checkpoint: t("question"), "checkpoint.answer": t("answer"),
};

/** Where a packet went, in the mailroom's words. */
export function matchWords(m) {
  return {
    established: t("sorted by sender: an existing conversation"),
    listener: t("new visitor: to the front door (listener)"),
    "udp-connected": t("to the slot that expects this sender"),
    udp: t("to the apartment's mail slot"),
    nat: t("at the front desk, to be readdressed (NAT)"),
  }[m] || m;
}

/** Why a packet was not delivered. */
export function dropWords(r) {
  return {
    "no-socket": t("nobody lives here"),
    "no-host": t("no such street address"),
    "backlog-full": t("waiting room full"),
    "no-mapping": t("the front desk has no note for it (no NAT mapping)"),
  }[r] || r;
}

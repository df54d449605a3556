// model.js: the world as the view knows it, and the pure reducer that
// moves it forward one event at a time.
//
// The state has exactly the shape of the server's snapshot (sim.Snapshot in
// sim/snapshot.go): a browser that starts from a snapshot and applies the
// events after it holds the same state the simulator had. A browser test
// checks this for every lesson. apply() never mutates its input: it copies
// what changes (the host an event touches, the packet list), so an older
// state stays valid for animation and for comparison.

/** An empty world, as before the first event. */
export function empty() {
  return { seq: 0, t_us: 0, hosts: [], packets: [] };
}

/** Returns a deep copy of a snapshot, to use as a state. */
export function fromSnapshot(snap) {
  return structuredClone(snap);
}

const bySock = (a, b) => a.sock - b.sock || (a.proto < b.proto ? -1 : a.proto > b.proto ? 1 : 0);
const byFD = (a, b) => a.fd - b.fd;

function cloneHost(h) {
  return {
    ...h,
    programs: h.programs.slice(),
    processes: h.processes.map((p) => ({ ...p, threads: p.threads.slice(), fds: p.fds.slice() })),
    bindings: h.bindings.slice(),
    sockets: h.sockets.map((s) => ({ ...s })),
    ...(h.nat ? { nat: h.nat.map((n) => ({ ...n })) } : {}),
  };
}

function held(host, sock) {
  return host.processes.some((p) => p.fds.some((f) => f.sock === sock));
}

/**
 * apply returns the state after event e. Events that change nothing the
 * view draws (notes, errors, pipe traffic, options) only move seq and time.
 */
export function apply(state, e) {
  const next = { ...state, seq: e.seq, t_us: e.t_us };
  if (e.kind === "host.up") {
    next.hosts = state.hosts.concat([{
      name: e.host, addrs: e.addrs.slice(), os: e.os || "", range: e.range.slice(),
      programs: [], processes: [], bindings: [], sockets: [],
    }]);
    return next;
  }
  if (e.kind === "host.down") {
    // The live view (web/live): a building across the street goes.
    next.hosts = state.hosts.filter((h) => h.name !== e.host);
    return next;
  }
  if (e.kind === "packet.send") {
    next.packets = state.packets.concat([{
      packet: e.packet, from: e.host, to: e.to_host || "", proto: e.proto,
      src: e.src, dst: e.dst, flags: e.flags ? e.flags.slice() : [],
      len: e.len || 0, ...(e.wire ? { wire: e.wire } : {}), data: e.data || "", sent_us: e.t_us, arrive_us: e.arrive_us,
    }]);
    return next;
  }
  if (e.kind === "packet.deliver" || e.kind === "packet.drop") {
    next.packets = state.packets.filter((p) => p.packet !== e.packet);
  }
  if (!touchesHost(e)) return next;
  const hi = state.hosts.findIndex((h) => h.name === e.host);
  if (hi < 0) return next;
  const h = cloneHost(state.hosts[hi]);
  next.hosts = state.hosts.slice();
  next.hosts[hi] = h;
  const proc = (pid) => h.processes.find((p) => p.pid === pid);
  const sock = (id) => h.sockets.find((s) => s.sock === id);
  switch (e.kind) {
    case "program.install":
      h.programs.push({ name: e.program, path: e.path || "", services: e.services ? e.services.slice() : [] });
      break;
    case "process.start":
      h.processes.push({ pid: e.pid, ppid: e.ppid || 0, program: e.program, user: e.user || "", threads: [], fds: [], ...(e.nthreads ? { nthreads: e.nthreads } : {}) });
      break;
    case "process.exit":
      h.processes = h.processes.filter((p) => p.pid !== e.pid);
      break;
    case "thread.start": {
      const p = proc(e.pid);
      if (p) p.threads.push({ tid: e.tid, job: e.job });
      break;
    }
    case "process.threads": {
      // The live view (web/live): a process's thread count changed.
      const p = proc(e.pid);
      if (p) p.nthreads = e.nthreads;
      break;
    }
    case "thread.exit": {
      const p = proc(e.pid);
      if (p) p.threads = p.threads.filter((t) => t.tid !== e.tid);
      break;
    }
    case "socket.open": {
      const p = proc(e.pid);
      if (p) p.fds = p.fds.concat([{ fd: e.fd, sock: e.sock }]).sort(byFD);
      h.sockets.push({
        sock: e.sock, proto: e.proto, state: e.proto === "udp" ? "UNCONN" : "CLOSED",
        local: "", remote: "", parent: 0, ephemeral: false, until_us: 0,
      });
      break;
    }
    case "socket.inherit": {
      const p = proc(e.pid);
      if (p) p.fds = p.fds.concat([{ fd: e.fd, sock: e.sock }]).sort(byFD);
      break;
    }
    case "port.assign": {
      const s = sock(e.sock);
      if (s) {
        s.local = e.local;
        s.ephemeral = true;
      }
      h.bindings = h.bindings.concat([{ proto: e.proto, local: e.local, port: e.port, ephemeral: true, sock: e.sock }]).sort(bySock);
      break;
    }
    case "socket.bind": {
      const s = sock(e.sock);
      if (s) s.local = e.local;
      if (!e.ephemeral) {
        h.bindings = h.bindings.concat([{ proto: e.proto, local: e.local, port: e.port, ephemeral: false, sock: e.sock }]).sort(bySock);
      }
      break;
    }
    case "socket.listen": {
      const s = sock(e.sock);
      if (s) {
        s.state = "LISTEN";
        s.local = e.local;
      }
      break;
    }
    case "socket.connect": {
      const s = sock(e.sock);
      if (s) {
        s.local = e.local;
        s.remote = e.remote;
        s.state = e.proto === "udp" ? "ESTABLISHED" : "SYN_SENT";
      }
      break;
    }
    case "socket.state":
      socketState(h, e);
      break;
    case "socket.accept": {
      const s = sock(e.sock);
      if (s) s.parent = 0;
      const p = proc(e.pid);
      if (p) p.fds = p.fds.concat([{ fd: e.fd, sock: e.sock }]).sort(byFD);
      break;
    }
    case "socket.close": {
      const p = proc(e.pid);
      if (p) p.fds = p.fds.filter((f) => f.fd !== e.fd);
      const s = sock(e.sock);
      if (s && !e.shared && !held(h, e.sock) && (s.proto === "udp" || s.state === "CLOSED")) {
        h.sockets = h.sockets.filter((x) => x.sock !== e.sock);
      }
      break;
    }
    case "port.release": {
      h.bindings = h.bindings.filter((b) => !(b.sock === e.sock && b.proto === e.proto));
      // A socket that lives on without its port (a UDP socket moving to
      // a new one, sim.Rebind) is no longer on an ephemeral port.
      const s = sock(e.sock);
      if (s) s.ephemeral = false;
      break;
    }
    case "nat.map":
    case "nat.rewrite":
    case "nat.expire":
      natEvent(h, e);
      break;
  }
  return next;
}

const hostKinds = new Set([
  "program.install", "process.start", "process.exit", "process.threads", "thread.start", "thread.exit",
  "socket.open", "socket.inherit", "port.assign", "socket.bind", "socket.listen",
  "socket.connect", "socket.state", "socket.accept", "socket.close", "port.release",
  "nat.map", "nat.rewrite", "nat.expire",
]);

/**
 * natEvent keeps a router's mappings (sim.NATEntry, in the snapshot's key
 * order; empty fields left out as Go's omitempty does): nat.map adds one,
 * nat.rewrite updates its state, reply and expiry, nat.expire removes it.
 */
function natEvent(h, e) {
  const list = h.nat || [];
  const forwarded = e.reason === "forward";
  if (e.kind === "nat.map") {
    const n = { proto: e.proto };
    if (e.proto === "tcp") n.state = "SYN_SENT";
    Object.assign(n, { inner: e.src, outer: e.local, remote: e.remote });
    if (forwarded) n.forwarded = true;
    n.replied = false;
    list.push(n);
  } else if (e.kind === "nat.rewrite") {
    const n = e.reason === "out"
      ? list.find((x) => x.proto === e.proto && x.inner === e.src && x.remote === e.dst)
      : list.find((x) => x.proto === e.proto && x.outer === e.dst && x.remote === e.src);
    if (n) {
      // The reply direction: in for a mapping made from inside, out for
      // a forwarded one.
      if ((e.reason === "in") !== !!n.forwarded) n.replied = true;
      if (e.to) n.state = e.to;
      delete n.expires_us;
      if (e.until_us) n.expires_us = e.until_us;
    }
  } else {
    const i = list.findIndex((x) => x.proto === e.proto && x.inner === e.src && x.outer === e.local && x.remote === e.remote);
    if (i >= 0) list.splice(i, 1);
  }
  if (list.length) h.nat = list;
  else delete h.nat;
}

function touchesHost(e) {
  return hostKinds.has(e.kind);
}

function socketState(h, e) {
  let s = h.sockets.find((x) => x.sock === e.sock);
  if (!s && e.from === "LISTEN" && e.to === "SYN_RECV") {
    // A connection the listener's kernel creates for an arriving SYN: it
    // shares the listener's port (and whether the OS chose it).
    const l = h.sockets.find((x) => x.sock === e.parent);
    s = {
      sock: e.sock, proto: "tcp", state: "SYN_RECV", local: e.local, remote: e.remote,
      parent: e.parent || 0, ephemeral: l ? l.ephemeral : false, until_us: 0,
    };
    h.sockets.push(s);
    h.sockets.sort(bySock);
    return;
  }
  if (!s) return;
  s.state = e.to;
  s.until_us = e.until_us || 0;
  if (e.to !== "CLOSED") return;
  s.parent = 0;
  if (!held(h, e.sock)) {
    h.sockets = h.sockets.filter((x) => x.sock !== e.sock);
    return;
  }
  // A program still holds the socket: it keeps a port it bound itself but
  // gives back one the OS lent it (the port.release follows).
  s.remote = "";
  if (s.ephemeral) {
    s.local = "";
    s.ephemeral = false;
  }
}

// ---- Queries the view uses. They read a state and never change it. ----

/** Finds a host by name. */
export function host(state, name) {
  return state.hosts.find((h) => h.name === name);
}

/** Splits "ip:port" into [ip, port]. */
export function splitAddr(ap) {
  const i = ap.lastIndexOf(":");
  return i < 0 ? [ap, 0] : [ap.slice(0, i), Number(ap.slice(i + 1))];
}

/** The processes of a host holding a socket, with their descriptors. */
export function holders(h, sockID) {
  const out = [];
  for (const p of h.processes) {
    for (const f of p.fds) if (f.sock === sockID) out.push({ pid: p.pid, program: p.program, fd: f.fd });
  }
  return out;
}

/**
 * The binding (apartment) a socket lives in: its own, or its listener's
 * for an accepted connection. Matched by protocol and port, preferring the
 * socket's own binding.
 */
export function bindingOf(h, s) {
  if (!s || !s.local) return undefined;
  const own = h.bindings.find((b) => b.sock === s.sock && b.proto === s.proto);
  if (own) return own;
  const port = splitAddr(s.local)[1];
  const [ip] = splitAddr(s.local);
  return h.bindings.find((b) => b.proto === s.proto && b.port === port && (splitAddr(b.local)[0] === ip || splitAddr(b.local)[0] === "0.0.0.0"))
    || h.bindings.find((b) => b.proto === s.proto && b.port === port);
}

/**
 * The binding a packet addressed to ip:port reaches on host h: a bound
 * socket on that exact address first, then one on 0.0.0.0.
 */
export function bindingFor(h, proto, ap) {
  const [ip, port] = splitAddr(ap);
  return h.bindings.find((b) => b.proto === proto && b.port === port && splitAddr(b.local)[0] === ip)
    || h.bindings.find((b) => b.proto === proto && b.port === port && splitAddr(b.local)[0] === "0.0.0.0")
    || h.bindings.find((b) => b.proto === proto && b.port === port);
}

/** The part of a snapshot the simulator defines, for comparing states. */
export function canonical(state) {
  return JSON.stringify(state);
}

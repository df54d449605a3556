// inspector.js: a closer look at one building or one letter. A building
// shows its socket table in the columns of `ss -tanp` (State, Local
// Address:Port, Peer Address:Port, Process) and its processes with their
// threads; a letter shows its header fields.

import { h } from "./dom.js";
import { ssState, osTitle, service } from "./words.js";
import { holders } from "./model.js";
import { t } from "./i18n.js";

/** wireNames names the protocols whose messages letters describe. */
const wireNames = { dns: "DNS", tls: "TLS", quic: "QUIC", tftp: "TFTP" };

export class Inspector {
  constructor(root, { onClose }) {
    this.root = root;
    this.root.tabIndex = -1; // takes the focus when opened from the keyboard (draw)
    this.onClose = onClose || (() => {});
    this.sel = null; // {kind: "host"|"packet", id}
    this.packets = new Map(); // packet id -> last packet.send event
  }

  /**
   * select picks what to inspect. Opened from the keyboard (the focus on
   * a building's or a letter's outline), the focus moves into the
   * inspector and comes back there when it closes.
   */
  select(kind, id) {
    this.sel = { kind, id };
    const a = document.activeElement;
    this.opener = a && a.matches && a.matches(".b-hit, .l-hit") ? a : null;
  }

  /** open says whether something is being inspected. */
  get open() {
    return !!this.sel;
  }

  close() {
    const back = this.opener;
    const inside = this.root.contains(document.activeElement);
    this.sel = null;
    this.opener = null;
    this.root.hidden = true;
    this.onClose();
    if (back && back.isConnected && (inside || document.activeElement === back)) back.focus();
  }

  /** remember keeps packet.send events, so a letter can be inspected after it left. */
  remember(e) {
    if (e.kind === "packet.send") {
      this.packets.set(e.packet, e);
      if (this.packets.size > 2000) this.packets.delete(this.packets.keys().next().value);
    }
  }

  draw(state) {
    if (!this.sel) {
      this.root.hidden = true;
      return;
    }
    this.root.hidden = false;
    // The panel is drawn again with every event: a focus on its close
    // button stays there. Opened from the keyboard, the panel itself takes
    // the focus (not its close button, which the key's press would click).
    const onClose = document.activeElement && document.activeElement.classList.contains("insp-close") && this.root.contains(document.activeElement);
    const take = this.opener && document.activeElement === this.opener;
    const close = h("button", { class: "insp-close", type: "button", "aria-label": t("Close the inspector (Esc)"), onclick: () => this.close(), text: "×" });
    if (this.sel.kind === "host") {
      const host = state.hosts.find((x) => x.name === this.sel.id);
      if (!host) return this.close();
      this.root.replaceChildren(close, ...this.hostView(host, state));
    } else {
      const p = state.packets.find((x) => x.packet === this.sel.id);
      const e = this.packets.get(this.sel.id);
      this.root.replaceChildren(close, ...this.packetView(p, e));
    }
    if (onClose) close.focus({ preventScroll: true });
    else if (take) this.root.focus({ preventScroll: true });
  }

  hostView(host, state) {
    const rows = host.sockets.map((s) => {
      const who = holders(host, s.sock).map((x) => `("${x.program}",pid=${x.pid},fd=${x.fd})`).join(",");
      const local = s.local || "0.0.0.0:*";
      const peer = s.remote || (s.state === "LISTEN" || s.proto === "udp" ? "*:*" : "");
      return h("tr", { class: "st-" + s.state },
        h("td", { text: s.proto }),
        h("td", { text: ssState(s.state) }),
        h("td", { class: "mono", text: local }),
        h("td", { class: "mono", text: peer }),
        h("td", { class: "mono", text: who ? `users:(${who})` : (s.state === "TIME_WAIT" ? `timer:(timewait,${Math.max(0, Math.round((s.until_us - state.t_us) / 1e6))}sec,0)` : "") }));
    });
    const table = h("table", { class: "ss" },
      h("caption", { text: "$ ss -tuanp   " + t("(on {host})", { host: host.name }) }),
      h("thead", {}, h("tr", {}, ["Netid", "State", "Local Address:Port", "Peer Address:Port", "Process"].map((c) => h("th", { scope: "col", text: c })))),
      h("tbody", {}, rows.length ? rows : [h("tr", {}, h("td", { colspan: 5, text: t("No sockets.") }))]));
    const procs = h("ul", { class: "procs" }, host.processes.map((p) => h("li", {},
      h("strong", { text: `${p.program}` }), ` PID ${p.pid}` + (p.ppid ? " " + t("(child of {ppid})", { ppid: p.ppid }) : "") +
        ", " + t("user {user}, fds {fds}", { user: p.user, fds: p.fds.map((f) => f.fd).join(",") || t("none") }) +
        (p.nthreads ? ", " + (p.nthreads === 1 ? t("1 thread") : t("{n} threads", { n: p.nthreads })) : ""),
      h("ul", { class: "threads" }, p.threads.map((th) => h("li", { text: t("thread {tid}: {job}", { tid: th.tid, job: th.job }) }))))));
    const bindings = host.bindings.map((b) => `${b.proto}/${b.port}${service(b.proto, b.port) ? " " + service(b.proto, b.port) : ""}${b.ephemeral ? " " + t("(ephemeral)") : ""}`).join(", ") || t("none");
    return [
      h("h2", { class: "insp-title", text: host.name }),
      h("p", { class: "insp-sub", text: host.os ? `${host.addrs.join(", ")} · ${osTitle(host.os)} · ` + t("ephemeral ports {range}", { range: `${host.range[0]}-${host.range[1]}` })
        : `${host.addrs.join(", ")} · ` + t("the other end of this machine's connections: its OS and programs cannot be seen from here") }),
      h("p", { class: "insp-sub", text: t("Ports in use: {ports}", { ports: bindings }) }),
      table,
      ...(host.nat ? [this.natView(host, state)] : []),
      h("h3", { text: t("Processes and their threads") }),
      host.processes.length ? procs : h("p", { text: t("No processes.") }),
      h("h3", { text: t("Programs installed") }),
      h("p", { text: host.programs.map((p) => p.path).join(", ") || "none" }),
    ];
  }

  /**
   * natView is a router's mappings as `conntrack -L` prints them: protocol
   * name and number, seconds left, the TCP state, the original tuple, the
   * reply tuple, and the flags. The original direction is from inside for
   * a mapping a device made, from outside for a forwarded one.
   */
  natView(host, state) {
    const ip = (ap) => ap.slice(0, ap.lastIndexOf(":"));
    const port = (ap) => ap.slice(ap.lastIndexOf(":") + 1);
    const tuple = (src, dst) => `src=${ip(src)} dst=${ip(dst)} sport=${port(src)} dport=${port(dst)}`;
    const lines = host.nat.map((n) => {
      const [orig, reply] = n.forwarded
        ? [tuple(n.remote, n.outer), tuple(n.inner, n.remote)]
        : [tuple(n.inner, n.remote), tuple(n.remote, n.outer)];
      // Seconds left: until its expiry, or conntrack's own default for a
      // TCP mapping that has none yet (5 days once established).
      const left = n.expires_us ? Math.max(0, Math.round((n.expires_us - state.t_us) / 1e6)) : n.state === "ESTABLISHED" ? 431999 : 120;
      const num = n.proto === "tcp" ? 6 : 17;
      return [n.proto.padEnd(8) + " " + num, String(left), n.state || "",
        orig, n.replied ? "" : "[UNREPLIED]", reply, n.replied ? "[ASSURED]" : "", "mark=0 use=1"].filter(Boolean).join(" ");
    });
    lines.push(`conntrack v1.4.7 (conntrack-tools): ${host.nat.length} flow entries have been shown.`);
    return h("section", { class: "nat-table" },
      h("h3", { text: t("NAT mappings") }),
      h("pre", { class: "mono conntrack", "aria-label": t("conntrack -L on {host}", { host: host.name }), text: "$ conntrack -L   " + t("(on {host})", { host: host.name }) + "\n" + lines.join("\n") }));
  }

  packetView(p, e) {
    const src = p || e;
    if (!src) return [h("p", { text: t("This letter has left the scene.") })];
    const fields = [
      [t("Protocol"), (src.proto || "").toUpperCase()],
      [t("From (source)"), src.src],
      [t("To (destination)"), src.dst],
      ["TCP flags", (src.flags || []).join(", ") || "none"],
    ];
    if (e && e.proto === "tcp") fields.push([t("Sequence number"), String(e.tcp_seq)], [t("Acknowledgement"), String(e.tcp_ack)]);
    fields.push([t("Payload"), src.len ? t("{n} bytes: \"{data}\"", { n: src.len, data: src.data }) : t("none")]);
    // A letter that stands for a binary message: the words describe it,
    // the size is the real message's (sim/wire.go).
    if (src.wire) fields.push([t("On the wire"), t("a {protocol} message of {n} bytes, described in words here; a capture for Wireshark carries the real bytes", { protocol: wireNames[src.wire] || src.wire, n: src.len })]);
    if (e) fields.push([t("Sent by"), e.pid ? t("{program} (PID {pid}) on {host}", { program: e.program, pid: e.pid, host: e.host }) : t("the kernel of {host}", { host: e.host })]);
    return [
      h("h2", { class: "insp-title", text: `Letter #${src.packet}` }),
      h("p", { class: "insp-sub", text: p ? t("On its way.") : t("Delivered or dropped.") }),
      h("dl", { class: "headers" }, fields.map(([k, v]) => [h("dt", { text: k }), h("dd", { class: "mono", text: v })])),
    ];
  }
}

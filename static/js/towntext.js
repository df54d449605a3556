// towntext.js: the town in words, for a screen reader: each building
// (host) with its address and OS, the apartments (bound ports) with their
// protocol, number, service, state and tenants, and the letters on the
// street. A visually hidden list the scene's SVG points to
// (aria-describedby), redrawn with the picture, at most every quarter of a
// second while a lesson plays.

import { h } from "./dom.js";
import { holders, splitAddr } from "./model.js";
import { service, osTitle, stateWords } from "./words.js";
import { t } from "./i18n.js";

const everyMs = 250;

export class TownText {
  constructor(parent) {
    this.root = h("div", { class: "sr-only", id: "town-text" });
    parent.append(this.root);
    this.key = "";
    this.pending = null;
    this.timer = 0;
  }

  /** update redraws the words for state, now or after the quarter second. */
  update(state) {
    if (this.timer) {
      this.pending = state;
      return;
    }
    this.draw(state);
    this.timer = setTimeout(() => {
      this.timer = 0;
      const s = this.pending;
      this.pending = null;
      if (s) this.update(s);
    }, everyMs);
  }

  /**
   * draw puts the words for state in the list. Only the sections that
   * changed are replaced: while letters come and go, the street changes
   * and the buildings mostly do not, and every new item is laid out again.
   */
  draw(state) {
    const lines = describeTown(state);
    const keys = lines.map((l) => l.join("\n"));
    const key = keys.join("\n\n");
    if (key === this.key) return;
    this.key = key;
    if (!this.list) {
      this.list = h("ul", {});
      this.items = [];
      this.root.replaceChildren(h("p", { text: t("The town in words: each building is a host, its street address the host's IP address, each apartment a port.") }), this.list);
    }
    lines.forEach(([head, ...rest], i) => {
      const old = this.items[i];
      if (old && old.key === keys[i]) return;
      const li = h("li", {}, head, rest.length ? h("ul", {}, rest.map((r) => h("li", { text: r }))) : null);
      if (old) old.li.replaceWith(li);
      else this.list.append(li);
      this.items[i] = { key: keys[i], li };
    });
    for (const gone of this.items.splice(lines.length)) gone.li.remove();
  }
}

/** describeTown returns, per building and for the street, a heading and its lines. */
export function describeTown(state) {
  if (!state.hosts.length) return [[t("An empty town: no hosts yet.")]];
  const out = state.hosts.map((host) => {
    const os = host.os ? `, ${osTitle(host.os)}` : "";
    const np = host.processes.length, nb = host.bindings.length;
    const head = t("Building {host} at {addrs}", { host: host.name, addrs: (host.addrs || []).join(", ") || t("no address") }) + `${os}: ` +
      (np === 1 ? t("1 process") : t("{n} processes", { n: np })) + ", " +
      (nb === 1 ? t("1 apartment in use.") : t("{n} apartments in use.", { n: nb }));
    const rows = host.bindings.map((b) => {
      const s = host.sockets.find((x) => x.sock === b.sock && x.proto === b.proto);
      const svc = service(b.proto, b.port);
      const who = holders(host, b.sock).map((p) => `${p.program} (PID ${p.pid})`);
      const [ip] = splitAddr(b.local);
      const parts = [t("Apartment {proto} {port}", { proto: b.proto.toUpperCase(), port: b.port }) + `${svc ? ` (${svc})` : ""}` + (b.ephemeral ? ", " + t("temporary (ephemeral)") : "")];
      if (ip && ip !== "0.0.0.0") parts.push(t("on {addr}", { addr: ip }));
      if (s && s.state) parts.push(`${s.state}: ${stateWords(s.state)}`);
      if (s && s.remote) parts.push(t("with {peer}", { peer: s.remote }));
      parts.push(who.length ? t("held by {holders}", { holders: who.join(", ") }) : t("no process holds it"));
      return parts.join(", ") + ".";
    });
    return [head, ...rows];
  });
  const n = state.packets.length;
  out.push([n === 0 ? t("On the street: no letters.") : n === 1 ? t("On the street: 1 letter on the way.") : t("On the street: {n} letters on the way.", { n })].concat(
    state.packets.slice(0, 20).map((p) => t("{proto} letter from {src} to {dst}.", { proto: p.proto.toUpperCase(), src: p.src, dst: p.dst }))));
  return out;
}

// towntext.js: the town in words, for a screen reader: each building
// (host) with its address and OS, the apartments (bound ports) with their
// protocol, number, service, state and tenants, and the letters on the
// street. A visually hidden list the scene's SVG points to
// (aria-describedby), redrawn with the picture, at most every quarter of a
// second while a lesson plays.

import { h } from "./dom.js";
import { holders, splitAddr } from "./model.js";
import { service, osTitle, stateWords } from "./words.js";

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

  draw(state) {
    const lines = describeTown(state);
    const key = lines.map((l) => l.join("\n")).join("\n\n");
    if (key === this.key) return;
    this.key = key;
    this.root.replaceChildren(
      h("p", { text: "The town in words: each building is a host, its street address the host's IP address, each apartment a port." }),
      h("ul", {}, lines.map(([head, ...rest]) => h("li", {}, head, rest.length ? h("ul", {}, rest.map((r) => h("li", { text: r }))) : null))));
  }
}

/** describeTown returns, per building and for the street, a heading and its lines. */
export function describeTown(state) {
  if (!state.hosts.length) return [["An empty town: no hosts yet."]];
  const out = state.hosts.map((host) => {
    const os = host.os ? `, ${osTitle(host.os)}` : "";
    const head = `Building ${host.name} at ${(host.addrs || []).join(", ") || "no address"}${os}: ` +
      `${host.processes.length} process${host.processes.length === 1 ? "" : "es"}, ${host.bindings.length} apartment${host.bindings.length === 1 ? "" : "s"} in use.`;
    const rows = host.bindings.map((b) => {
      const s = host.sockets.find((x) => x.sock === b.sock && x.proto === b.proto);
      const svc = service(b.proto, b.port);
      const who = holders(host, b.sock).map((p) => `${p.program} (PID ${p.pid})`);
      const [ip] = splitAddr(b.local);
      const parts = [`Apartment ${b.proto.toUpperCase()} ${b.port}${svc ? ` (${svc})` : ""}${b.ephemeral ? ", temporary (ephemeral)" : ""}`];
      if (ip && ip !== "0.0.0.0") parts.push(`on ${ip}`);
      if (s && s.state) parts.push(`${s.state}: ${stateWords(s.state)}`);
      if (s && s.remote) parts.push(`with ${s.remote}`);
      parts.push(who.length ? `held by ${who.join(", ")}` : "no process holds it");
      return parts.join(", ") + ".";
    });
    return [head, ...rows];
  });
  const n = state.packets.length;
  out.push([n ? `On the street: ${n} letter${n === 1 ? "" : "s"} on the way.` : "On the street: no letters."].concat(
    state.packets.slice(0, 20).map((p) => `${p.proto.toUpperCase()} letter from ${p.src} to ${p.dst}.`)));
  return out;
}

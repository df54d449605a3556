// buildings.js: how the scene draws a building (a host): its facade and
// rooms, its apartments (bound ports) with their tenants and
// conversations, and its households (processes). Scene (render.js) mixes
// these methods in; they read this.big, this.slots, this.state and
// this.layout, and write only inside the building's group.

import { el, text, rect, title, fit, round } from "./svg.js";
import { apartmentRect, groundRects, doorOf } from "./layout.js";
import { bindingOf, holders, splitAddr } from "./model.js";
import { service, osTitle } from "./words.js";
import { t } from "./i18n.js";

const bindingKey = (b) => `${b.proto}:${b.sock}`;

/** homeOf returns the binding a process lives in: that of its lowest descriptor that has one. */
function homeOf(h, p) {
  for (const f of p.fds) {
    const s = h.sockets.find((x) => x.sock === f.sock);
    const b = s && bindingOf(h, s);
    if (b) return b;
  }
  return undefined;
}

/** buildingMethods are Scene's methods that draw buildings. */
export const buildingMethods = {
  /**
   * drawBuilding draws host h as building i. The facade, sign and rooms
   * (b-static) are drawn when the town is laid out; apartments, programs
   * and the lobby (b-dynamic) whenever the host changes, reusing every
   * apartment whose contents did not change.
   */
  drawBuilding(h, i, before, state, full) {
    const g = this.buildingsG.querySelector(`#b-${CSS.escape(h.name)}`);
    const b = this.layout.buildings[i];
    if (!g || !b) return;
    const big = this.big;
    const gr = groundRects(b);
    if (full) {
      g.firstChild.replaceChildren(...this.buildingStatic(h, b, gr));
      const hit = g.querySelector(".b-hit");
      if (hit) for (const [k, v] of Object.entries({ x: b.x - 14, y: b.y - 22, width: b.w + 28, height: b.h + 22 })) hit.setAttribute(k, round(v));
    }
    const slots = this.slots.get(h.name);
    // Where each process lives.
    const homes = new Map();
    for (const p of h.processes) homes.set(p.pid, homeOf(h, p));
    // A building whose picture did not change is not drawn again: in a
    // busy town most events touch a host without changing what it shows,
    // and replacing its parts would lay the whole town's SVG out again.
    const sig = this.buildingSig(h, b, slots, homes);
    const leaving = before ? before.bindings.some((ob) => !h.bindings.some((x) => bindingKey(x) === bindingKey(ob))) : false;
    const sigs = this.buildingSigs || (this.buildingSigs = new Map());
    if (!full && before && !leaving && sigs.get(h.name) === sig) return;
    sigs.set(h.name, sig);
    const parts = [];
    // Empty apartments: windows waiting for tenants.
    const taken = new Set(slots.values());
    const total = b.cols * b.floors;
    for (let k = 0; k < total; k++) {
      if (taken.has(k)) continue;
      const r = apartmentRect(b, k);
      parts.push(rect(r, "apt-empty", { rx: 6 }));
      parts.push(rect({ x: r.x + r.w / 2 - 24, y: r.y + 38, w: 48, h: 56 }, "apt-window", { rx: 4 }));
    }
    const beforeKeys = new Set(before ? before.bindings.map(bindingKey) : []);
    const cache = this.aptCache || (this.aptCache = new Map());
    const seen = new Set();
    for (const bd of h.bindings) {
      const key = h.name + "/" + bindingKey(bd);
      const r = apartmentRect(b, slots.get(bindingKey(bd)));
      const fresh = before && !beforeKeys.has(bindingKey(bd));
      const sig = this.apartmentSig(h, bd, r, homes);
      const hit = cache.get(key);
      let node;
      if (hit && hit.sig === sig && !fresh) node = hit.node;
      else {
        node = this.apartment(h, bd, r, homes, fresh);
        cache.set(key, { sig, node });
      }
      seen.add(key);
      parts.push(node);
    }
    for (const k of cache.keys()) if (k.startsWith(h.name + "/") && !seen.has(k)) cache.delete(k);
    // Apartments that just emptied fade out where they were.
    if (before) {
      const nowKeys = new Set(h.bindings.map(bindingKey));
      const oldSlots = this.prevSlots?.get(h.name);
      for (const ob of before.bindings) {
        if (nowKeys.has(bindingKey(ob))) continue;
        const slot = oldSlots?.get(bindingKey(ob));
        if (slot === undefined || this.reducedMotion) continue;
        const r = apartmentRect(b, slot);
        const ghost = el("g", { class: "apt leaving" + (ob.ephemeral ? " ephemeral" : ""), "aria-hidden": "true" },
          rect(r, "apt-box", { rx: 6 }),
          text(r.x + 14, r.y + 44, "apt-port", String(ob.port)),
          text(r.x + 14, r.y + 78, "apt-where", t("moved out: free again")));
        // The ghost goes when its fade ends.
        ghost.addEventListener("animationend", () => ghost.remove());
        setTimeout(() => ghost.remove(), 1500);
        parts.push(ghost);
      }
    }
    // Programs in the storage room, and the lobby.
    const lineH = big ? 30 : 24;
    const maxProgs = Math.max(1, Math.floor((gr.storage.h - 34) / lineH));
    const progs = h.programs.length > maxProgs ? h.programs.slice(0, maxProgs - 1) : h.programs;
    progs.forEach((p, k) => {
      const y = gr.storage.y + 30 + (k + 1) * lineH - 6;
      const count = h.processes.filter((x) => x.program === p.name).length;
      const bp = el("g", { class: "blueprint" + (count ? " in-use" : "") },
        rect({ x: gr.storage.x + 10, y: y - (big ? 18 : 15), w: big ? 18 : 14, h: big ? 22 : 18 }, "blueprint-icon", { rx: 2 }),
        text(gr.storage.x + (big ? 34 : 30), y, "blueprint-name", fit(p.name, big ? 9 : 12) + (count ? ` ×${count}` : "")));
      title(bp, t("{path}: {n} process(es) running it", { path: p.path, n: count }));
      parts.push(bp);
    });
    if (h.programs.length > progs.length) parts.push(text(gr.storage.x + 10, gr.storage.y + gr.storage.h - 8, "room-more", t("+{n} more", { n: h.programs.length - progs.length })));
    const lobby = h.processes.filter((p) => !homes.get(p.pid));
    const hhW = Math.min(gr.lobby.w - 16, big ? 230 : 190);
    const perRow = Math.max(1, Math.floor((gr.lobby.w - 12) / (hhW + 6)));
    const rowsFit = Math.max(1, Math.floor((gr.lobby.h - 34) / (big ? 42 : 34)));
    const lobbyShown = lobby.length > perRow * rowsFit ? perRow * rowsFit - 1 : lobby.length;
    lobby.slice(0, lobbyShown).forEach((p, k) => {
      const x = gr.lobby.x + 8 + (k % perRow) * (hhW + 6);
      const y = gr.lobby.y + 34 + Math.floor(k / perRow) * (big ? 42 : 34);
      parts.push(this.household(p, x, y, hhW, h));
    });
    if (lobby.length > lobbyShown) parts.push(text(gr.lobby.x + gr.lobby.w - 10, gr.lobby.y + gr.lobby.h - 10, "room-more", t("+{n} more", { n: lobby.length - lobbyShown }), { "text-anchor": "end" }));
    g.children[1].replaceChildren(...parts); // b-dynamic
    if (!this.prevSlots) this.prevSlots = new Map();
    this.prevSlots.set(h.name, new Map(slots));
  },

  /**
   * buildingSig sums up everything the dynamic part of building b shows
   * for host h: its apartments (apartmentSig), its programs and its
   * households with their threads.
   */
  buildingSig(h, b, slots, homes) {
    let sig = `${b.x},${b.y},${b.cols}x${b.floors},${this.big}`;
    for (const bd of h.bindings) sig += "\n" + this.apartmentSig(h, bd, apartmentRect(b, slots.get(bindingKey(bd))), homes);
    for (const p of h.programs) sig += `\nb${p.name}:${p.path}`;
    for (const p of h.processes) {
      const home = homes.get(p.pid);
      sig += `\nh${p.pid}:${p.ppid || 0}:${p.program}:${p.nthreads || 0}:${home ? bindingKey(home) : ""}`;
      for (const th of p.threads) sig += `;${th.tid}=${th.job}`;
    }
    return sig;
  },

  /** buildingStatic draws what does not change while the town stands. */
  buildingStatic(h, b, gr) {
    const big = this.big;
    const parts = [];
    parts.push(rect(b, "facade", { rx: 10 }));
    parts.push(el("path", {
      class: "roof",
      d: `M${round(b.x - 14)} ${round(b.y + 30)} L${round(b.x + b.w / 2)} ${round(b.y - 22)} L${round(b.x + b.w + 14)} ${round(b.y + 30)} Z`,
    }));
    const sign = { x: b.x + 16, y: b.y + 36, w: b.w - 32, h: 74 };
    parts.push(rect(sign, "sign", { rx: 8 }));
    parts.push(text(sign.x + 14, sign.y + 32, "sign-name", fit(h.name, big ? 12 : 16)));
    const ips = h.addrs.filter((a) => !a.startsWith("127."));
    parts.push(text(sign.x + 14, sign.y + 64, "sign-addr", fit(ips.join(", "), big ? 20 : 30)));
    const osW = big ? 140 : 118;
    const badge = { x: sign.x + sign.w - osW - 10, y: sign.y + 8, w: osW, h: big ? 34 : 30 };
    // A building across the street of the live view (web/live) has no
    // OS and no range that the machine can know.
    if (h.os) {
      parts.push(rect(badge, "os-badge os-" + h.os, { rx: 15 }));
      parts.push(text(badge.x + badge.w / 2, badge.y + (big ? 25 : 21), "os-badge-text", osTitle(h.os), { "text-anchor": "middle" }));
    }
    if (h.range[1] && (!big || ips.join(", ").length < 14)) {
      parts.push(text(sign.x + sign.w - 10, sign.y + 64, "sign-range", big ? `${h.range[0]}-${h.range[1]}` : t("temp {range}", { range: `${h.range[0]}-${h.range[1]}` }), { "text-anchor": "end" }));
    }
    parts.push(rect(gr.storage, "room storage", { rx: 6 }));
    parts.push(text(gr.storage.x + 10, gr.storage.y + 24, "room-title", t("Programs")));
    parts.push(rect(gr.lobby, "room lobby", { rx: 6 }));
    parts.push(text(gr.lobby.x + 10, gr.lobby.y + 24, "room-title", t("Lobby")));
    if (!big) parts.push(text(gr.lobby.x + gr.lobby.w - 10, gr.lobby.y + 24, "room-sub", t("no port yet"), { "text-anchor": "end" }));
    parts.push(rect(gr.mailroom, "room mailroom", { rx: 6, id: `mail-${h.name}` }));
    parts.push(text(gr.mailroom.x + gr.mailroom.w / 2, gr.mailroom.y + 24, "room-title", t("Mail"), { "text-anchor": "middle" }));
    const door = doorOf(b);
    parts.push(rect({ x: door.x - 26, y: door.y - 62, w: 52, h: 62 }, "door", { rx: 4 }));
    parts.push(el("circle", { cx: round(door.x + 16), cy: round(door.y - 30), r: 3, class: "door-knob" }));
    return parts;
  },

  /**
   * apartmentSig sums up everything an apartment shows, so an unchanged
   * apartment is not drawn again.
   */
  apartmentSig(h, bd, r, homes) {
    let sig = `${r.x},${r.y},${this.big}|${bd.local}|${bd.ephemeral}`;
    for (const s of h.sockets) {
      if (s.sock === bd.sock || s.parent === bd.sock || (s.local && s.proto === bd.proto && splitAddr(s.local)[1] === bd.port)) {
        sig += `|${s.sock}:${s.state}:${s.remote}:${s.state === "TIME_WAIT" ? secondsLeft(s, this.state) : ""}`;
        for (const x of holders(h, s.sock)) sig += `;${x.pid}`;
      }
    }
    for (const p of h.processes) {
      if (homes.get(p.pid) === bd) sig += `|p${p.pid}:${p.program}:${p.threads.map((t) => t.tid).join(",")}#${p.nthreads || 0}`;
    }
    return sig;
  },

  /**
   * apartment draws one bound port with its tenants and conversations, in
   * the apartment's own coordinates (0,0 at its top-left corner). The big
   * layout (projector) shows fewer details in larger type.
   */
  apartment(h, bd, r, homes, fresh) {
    const big = this.big;
    const own = h.sockets.find((s) => s.sock === bd.sock);
    const socks = h.sockets.filter((s) => s.local && (s.sock === bd.sock || s.parent === bd.sock ||
      (s.sock !== bd.sock && bindingOf(h, s) === bd)));
    const svc = service(bd.proto, bd.port);
    const [ip] = splitAddr(bd.local);
    const cls = ["apt", bd.ephemeral ? "ephemeral" : "fixed", fresh ? "appear" : ""].filter(Boolean).join(" ");
    const g = el("g", { class: cls, id: `apt-${h.name}-${bd.proto}-${bd.sock}`, "data-port": bd.port, "data-proto": bd.proto, "data-ephemeral": bd.ephemeral ? "1" : "0" });
    if (fresh) g.addEventListener("animationend", (ev) => ev.target === g && g.classList.remove("appear"));
    const W = r.w;
    const H = r.h;
    const inner = el("g", { transform: `translate(${round(r.x)} ${round(r.y)})` });
    g.appendChild(inner);
    const add = (n) => inner.appendChild(n);
    add(rect({ x: 0, y: 0, w: W, h: H }, "apt-box", { rx: 6 }));
    // Row 1: the apartment number and its service; the socket's state
    // joins them when it fits, else it gets a row of its own below.
    const portFont = big ? 30 : 24.5;
    add(text(14, big ? 50 : 42, "apt-port", String(bd.port)));
    const portW = String(bd.port).length * portFont + 16;
    if (svc) add(text(14 + portW, big ? 48 : 40, "apt-service", svc));
    const row1W = 14 + portW + (svc ? svc.length * (big ? 15 : 12.5) : 0);
    const state = own ? (own.proto === "udp" ? (own.remote ? "CONNECTED" : "UNCONN") : own.state) : "";
    const pillW = state ? this.pillWidth(state, own) : 0;
    const pillInRow1 = state && row1W + pillW + 18 <= W;
    if (pillInRow1) add(this.statePill(state, own, W - 10, big ? 18 : 14));
    // Row 2: the protocol, where the port is bound, and whether the number
    // is temporary.
    const tagY = big ? 64 : 54;
    const tagH = big ? 28 : 22;
    const pw = big ? 60 : 44;
    add(rect({ x: 12, y: tagY, w: pw, h: tagH }, "proto-tag " + bd.proto, { rx: 4 }));
    add(text(12 + pw / 2, tagY + (big ? 21 : 16), "proto-text", bd.proto.toUpperCase(), { "text-anchor": "middle" }));
    if (bd.ephemeral) {
      // The tag is as wide as its word (a language's may be longer).
      const word = big ? t("TEMP") : t("TEMPORARY");
      const tw = Math.max(big ? 84 : 94, Math.ceil(word.length * (big ? 15 : 9.2)) + (big ? 24 : 12));
      add(rect({ x: W - 10 - tw, y: tagY, w: tw, h: tagH }, "temp-tag", { rx: 4 }));
      add(text(W - 10 - tw / 2, tagY + (big ? 21 : 16), "temp-text", word, { "text-anchor": "middle" }));
    }
    if (!big) add(text(12 + pw + 8, tagY + 16, "apt-where", ip === "0.0.0.0" ? t("all addresses") : fit(ip, 15)));
    let y = tagY + tagH + 6;
    // Row 3: whom the apartment's own socket talks to.
    if (own && own.remote) {
      add(text(14, y + (big ? 24 : 17), "apt-peer", fit("→ " + own.remote, big ? 19 : 26)));
      y += big ? 32 : 24;
    }
    if (state && !pillInRow1) {
      add(this.statePill(state, own, 12 + pillW, y));
      y += big ? 36 : 28;
    }
    // Row 4: the household living here, or who else uses the port.
    const tenants = h.processes.filter((p) => homes.get(p.pid) === bd);
    const visitors = [];
    for (const s of socks) for (const x of holders(h, s.sock)) if (!tenants.some((p) => p.pid === x.pid) && !visitors.includes(x.pid)) visitors.push(x.pid);
    const hh = big ? 38 : 30;
    if (tenants.length) {
      add(this.household(tenants[0], 10, y, W - 20, h, tenants.length - 1));
      y += hh + 6;
    } else if (visitors.length) {
      add(text(14, y + 18, "apt-visitor", fit(t("used by PID {pids}", { pids: visitors.join(", ") }), big ? 18 : 28)));
      y += 26;
    } else if (own && own.state === "TIME_WAIT") {
      add(this.movingOut(own, 14, y + 4));
      y += 32;
    } else if (own) {
      add(text(14, y + 18, "apt-visitor", t("no process holds it")));
      y += 26;
    }
    // Row 5: conversations held in this apartment (accepted connections).
    const convs = socks.filter((s) => s.sock !== bd.sock && s.remote);
    if (convs.length) {
      const ch = big ? 29 : 21;
      const rowsAvail = Math.max(0, Math.floor((H - y - 4) / (ch + 3)));
      const cols = big || convs.length <= rowsAvail ? 1 : 2;
      const cw = (W - 20 - (cols - 1) * 6) / cols;
      const rows = Math.max(0, Math.floor((H - y - 4) / (ch + 3)));
      const fitN = rows * cols;
      const shown = convs.length > fitN ? Math.max(0, fitN - 1) : convs.length;
      convs.slice(0, shown).forEach((s, k) => {
        add(this.conversation(s, 10 + (k % cols) * (cw + 6), y + Math.floor(k / cols) * (ch + 3), cw, ch));
      });
      if (convs.length > shown && fitN > 0) {
        const k = shown;
        add(text(14 + (k % cols) * (cw + 6), y + Math.floor(k / cols) * (ch + 3) + ch - 5, "apt-more", t("+{n} more", { n: convs.length - shown })));
      }
    }
    if (fresh) {
      // A ring that glows and fades over a new apartment. It fades by
      // opacity alone: animating the box's stroke width or the
      // apartment's scale lays its SVG out again every frame, and a town
      // where many apartments open at once dropped frames (issue 17).
      const ring = add(rect({ x: 0, y: 0, w: W, h: H }, "apt-glow", { rx: 6, "aria-hidden": "true" }));
      ring.addEventListener("animationend", () => ring.remove());
    }
    title(g, `${bd.proto.toUpperCase()} port ${bd.port}${svc ? " (" + svc + ")" : ""} on ${bd.local}${bd.ephemeral ? ", ephemeral" : ""}${own ? ", " + own.state : ""}`);
    return g;
  },

  pillLabel(state, s) {
    return state === "TIME_WAIT" ? `TIME_WAIT ${secondsLeft(s, this.state)}` : state;
  },

  pillWidth(state, s) {
    return this.pillLabel(state, s).length * (this.big ? 13.5 : 9.2) + (this.big ? 22 : 18);
  },

  /** statePill draws a socket state, right-aligned at x. */
  statePill(state, s, x, y) {
    const big = this.big;
    const label = this.pillLabel(state, s);
    const w = this.pillWidth(state, s);
    return el("g", { class: "state-tag st-" + state },
      rect({ x: x - w, y, w, h: big ? 30 : 24 }, "state-box", { rx: big ? 15 : 12 }),
      text(x - w / 2, y + (big ? 22 : 17), "state-text", label, { "text-anchor": "middle" }));
  },

  movingOut(s, x, y) {
    return el("g", { class: "moving-out" },
      rect({ x, y, w: 30, h: 20 }, "box-icon", { rx: 2 }),
      el("line", { x1: x + 3, y1: y + 7, x2: x + 27, y2: y + 7, class: "box-tape" }),
      text(x + 38, y + 16, "moving-text", t("moving out: {time} left", { time: secondsLeft(s, this.state) })));
  },

  conversation(s, x, y, w, hgt) {
    const big = this.big;
    const g = el("g", { class: "conv st-" + s.state, id: "sock-" + s.sock });
    g.appendChild(rect({ x, y, w, h: hgt }, "conv-box", { rx: hgt / 2 }));
    const mark = s.state === "TIME_WAIT" ? "⌛" : s.state === "ESTABLISHED" ? "⇄" : "…";
    // When the chip is narrow, the address loses its first digits, never
    // its port: the port is what tells the conversations apart.
    const room = Math.floor((w - 12) / (big ? 14.4 : 7.9)) - 2;
    const label = `${mark} ${fitTail(s.remote, room)}`;
    g.appendChild(text(x + 8, y + hgt - (big ? 8 : 6), "conv-text", label));
    title(g, t("conversation with {peer}: {state}", { peer: s.remote, state: s.state }));
    return g;
  },

  /** household draws a process: its PID badge and its threads. */
  household(p, x, y, w, h, more = 0) {
    const big = this.big;
    const hh = big ? 38 : 30;
    const g = el("g", { class: "household", id: `proc-${h.name}-${p.pid}` });
    g.appendChild(rect({ x, y, w, h: hh }, "household-box", { rx: 8 }));
    const maxFig = big ? 3 : 5;
    // The live view (web/live) knows a process's thread count, not its
    // threads: nthreads.
    const count = p.threads.length || p.nthreads || 0;
    const figures = Math.min(count, maxFig);
    const extra = count > maxFig ? (big ? 30 : 20) : 0;
    const figW = big ? 18 : 15;
    const label = (big ? `${p.program} ${p.pid}` : `PID ${p.pid} ${p.program}`) + (more ? ` +${more}` : "");
    const textW = w - 14 - figures * figW - extra;
    g.appendChild(text(x + 8, y + (big ? 27 : 21), "household-text", fit(label, Math.max(5, Math.floor(textW / (big ? 13.5 : 9.6))))));
    for (let k = 0; k < figures; k++) {
      const th = p.threads[k];
      const fx = x + w - 6 - extra - (figures - k) * figW;
      const fig = el("use", { href: "#sym-person", x: round(fx), y: round(y + (big ? 4 : 3)), width: big ? 15 : 12, height: big ? 30 : 24, class: "thread t" + (k % 6) + ((th ? th.tid === p.pid : k === 0) ? " main" : "") });
      title(fig, th ? t("thread {tid}: {job}", { tid: th.tid, job: th.job }) : t("one of {n} threads", { n: count }));
      g.appendChild(fig);
    }
    if (extra) g.appendChild(text(x + w - 5, y + (big ? 27 : 21), "thread-more", `+${count - maxFig}`, { "text-anchor": "end" }));
    title(g, (p.ppid ? t("{program}, PID {pid}, child of {ppid}, {n} thread(s)", { program: p.program, pid: p.pid, ppid: p.ppid, n: count })
      : t("{program}, PID {pid}, {n} thread(s)", { program: p.program, pid: p.pid, n: count })) +
      (p.threads.length ? ": " + p.threads.map((th) => th.job).join(", ") : ""));
    return g;
  }
};

/** fitTail shortens s to n characters by dropping its start. */
function fitTail(s, n) {
  return s.length <= n ? s : "…" + s.slice(s.length - Math.max(1, n - 1));
}

function secondsLeft(s, state) {
  const left = Math.max(0, (s.until_us - state.t_us) / 1e6);
  return left >= 10 ? `${Math.round(left)} s` : `${left.toFixed(1)} s`;
}

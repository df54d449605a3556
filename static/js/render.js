// render.js: draws the world as a town of apartment complexes in an SVG.
//
// Scene keeps the DOM in step with the model's state: buildings (hosts)
// with apartments (bound ports), households (processes) and their members
// (threads), letters (packets) on the street, and callouts for errors. It
// only reads states; layout.js does the geometry. Movement runs in one
// requestAnimationFrame loop; with reduced motion letters jump to where they
// end and the end state is highlighted instead.

import { el, text, rect, title, fit, round } from "./svg.js";
import {
  SIZE, town, apartmentRect, groundRects, doorOf, curbOf, letterPath,
  pointAt, ease, assignSlots,
} from "./layout.js";
import { bindingOf, bindingFor, holders, splitAddr } from "./model.js";
import { service, osTitle, errno as errnoWords, matchWords, dropWords } from "./words.js";

const bindingKey = (b) => `${b.proto}:${b.sock}`;

/** crowdedLetters: above this many letters in flight they drop their address tags. */
const crowdedLetters = 24;

/** maxSlotHistory bounds the remembered slot assignments (events). */
const maxSlotHistory = 20000;

/** homeOf returns the binding a process lives in: that of its lowest descriptor that has one. */
function homeOf(h, p) {
  for (const f of p.fds) {
    const s = h.sockets.find((x) => x.sock === f.sock);
    const b = s && bindingOf(h, s);
    if (b) return b;
  }
  return undefined;
}

export class Scene {
  /**
   * svg is the <svg> element to draw in. opts: reducedMotion (bool),
   * onSelect(kind, id) called when the user clicks a building ("host",
   * name) or a letter ("packet", id).
   */
  constructor(svg, opts = {}) {
    this.svg = svg;
    this.opts = opts;
    this.reducedMotion = !!opts.reducedMotion;
    this.aspect = 16 / 9;
    this.capacity = new Map(); // host -> apartments the lesson needs
    this.slots = new Map(); // host -> Map(binding key -> slot)
    // slotHistory remembers the slots after each event, so that stepping
    // back puts every apartment where it was (a jump alone would pack
    // them). Bounded: older entries are dropped first.
    this.slotHistory = new Map();
    this.layout = null;
    this.layoutKey = "";
    this.state = null;
    this.tweens = new Map(); // element -> tween
    this.raf = 0;
    this.callout = null; // {el, age}
    this.letters = new Map(); // packet id -> element
    this.frames = 0;
    this.defs = el("defs", {}, this.symbols());
    this.sky = el("g", { class: "sky" });
    this.streetsG = el("g", { class: "streets" });
    this.buildingsG = el("g", { class: "buildings" });
    this.lettersG = el("g", { class: "letters" });
    this.calloutsG = el("g", { class: "callouts" });
    svg.replaceChildren(this.defs, this.sky, this.streetsG, this.buildingsG);
    // Letters and callouts live in a second SVG stacked on the town, with
    // the same viewBox, on its own compositing layer: moving letters then
    // repaint only themselves, not the buildings under them.
    this.overlay = el("svg", { class: "scene-overlay", preserveAspectRatio: "xMidYMid meet", "aria-hidden": "false" },
      el("defs", {}, this.symbols("ov-")), this.lettersG, this.calloutsG);
    svg.after(this.overlay);
    for (const target of [svg, this.overlay]) {
      target.addEventListener("click", (ev) => this.click(ev));
      target.addEventListener("keydown", (ev) => {
        if ((ev.key === "Enter" || ev.key === " ") && ev.target.closest("[data-select]")) {
          ev.preventDefault();
          ev.stopPropagation();
          this.click(ev);
        }
      });
    }
  }

  symbols(prefix = "") {
    return [
      // A household member: head and body, 16 x 26 units, origin at the feet.
      el("symbol", { id: prefix + "sym-person", viewBox: "0 0 16 26", overflow: "visible" },
        el("circle", { cx: 8, cy: 5, r: 5 }),
        el("path", { d: "M1 26 v-9 a7 7 0 0 1 14 0 v9 z" })),
      // An envelope, 84 x 54 units.
      el("symbol", { id: prefix + "sym-envelope", viewBox: "0 0 84 54", overflow: "visible" },
        el("rect", { x: 1, y: 1, width: 82, height: 52, rx: 5, class: "env-body" }),
        el("path", { d: "M3 4 L42 32 L81 4", class: "env-flap" })),
    ];
  }

  click(ev) {
    const t = ev.target.closest("[data-select]");
    if (!t || !this.opts.onSelect) return;
    const [kind, id] = t.getAttribute("data-select").split(":");
    this.opts.onSelect(kind, kind === "packet" ? Number(id) : id);
  }

  /** setBig switches to the projector layout: fewer details, larger type. */
  setBig(big) {
    if (this.big !== big) {
      this.big = big;
      this.layoutKey = "";
      if (this.state) this.show(this.state, { jump: true });
    }
  }

  /** setCapacity tells how many apartments each host will need at most. */
  setCapacity(cap) {
    this.capacity = new Map(Object.entries(cap || {}));
    this.layoutKey = "";
    this.slotHistory.clear();
  }

  /** resize sets the stage's aspect ratio (width / height). */
  resize(aspect) {
    if (Math.abs(aspect - this.aspect) > 0.01) {
      this.aspect = aspect;
      this.layoutKey = "";
      if (this.state) this.show(this.state, { jump: true });
    }
  }

  /**
   * show draws state. With opts.event and opts.prev it animates the change
   * that event made over opts.duration milliseconds; with opts.jump it
   * draws the end state at once (after a seek).
   */
  show(state, opts = {}) {
    // Slots follow every event (so stepping back restores them exactly),
    // even when several events are drawn in one frame.
    const remembered = opts.jump ? this.slotHistory.get(state.seq) : null;
    for (const h of state.hosts) {
      const keys = h.bindings.map(bindingKey);
      const base = remembered ? (remembered.get(h.name) || new Map()) : opts.jump ? new Map() : (this.slots.get(h.name) || new Map());
      this.slots.set(h.name, assignSlots(base, keys));
    }
    this.slotHistory.set(state.seq, new Map(this.slots));
    if (this.slotHistory.size > maxSlotHistory) this.slotHistory.delete(this.slotHistory.keys().next().value);
    if (opts.jump) {
      this.pending = null;
      this.render(state, { jump: true, prev: null, events: [], duration: 0 });
      return;
    }
    // Redraws collapse into one animation frame: a burst of events costs
    // one render.
    if (!this.pending) this.pending = { prev: opts.prev || this.state, events: [] };
    this.pending.state = state;
    if (opts.event) this.pending.events.push(opts.event);
    this.pending.duration = opts.duration;
    if (!this.renderQueued) {
      this.renderQueued = true;
      requestAnimationFrame(() => {
        this.renderQueued = false;
        const p = this.pending;
        this.pending = null;
        if (p) this.render(p.state, p);
      });
    }
  }

  /** flush draws what show() has queued, at once (tests, before a jump). */
  flush() {
    const p = this.pending;
    this.pending = null;
    if (p) this.render(p.state, p);
  }

  render(state, { prev, events, duration, jump }) {
    prev = jump ? null : prev;
    this.state = state;
    const dur = this.reducedMotion ? 0 : Math.max(0, duration ?? 600);
    const caps = state.hosts.map((h) => {
      const used = Math.max(-1, ...this.slots.get(h.name).values()) + 1;
      return Math.max(Number(this.capacity.get(h.name) || 0), used, 2);
    });
    const key = state.hosts.map((h, i) => h.name + "=" + caps[i]).join(",") + "@" + this.aspect.toFixed(2) + (this.big ? "big" : "");
    let full = false;
    if (key !== this.layoutKey) {
      this.layout = town(caps, this.aspect, this.big);
      this.layoutKey = key;
      this.drawTown(state);
      full = true;
    }
    state.hosts.forEach((h, i) => {
      const before = prev && prev.hosts[i];
      if (full || !before || before !== h || before.name !== h.name) {
        this.drawBuilding(h, i, before && before.name === h.name ? before : null, state, full);
      }
    });
    const byPacket = new Map();
    let lastError = null;
    for (const e of events) {
      if (e.packet && (e.kind === "packet.deliver" || e.kind === "packet.drop")) byPacket.set(e.packet, e);
      if (e.kind === "error") lastError = e;
    }
    const last = events.length ? events[events.length - 1] : null;
    this.drawLetters(state, prev, byPacket, dur);
    this.drawCallout(state, lastError, jump, events.length);
    this.focus(state, last);
    this.svg.setAttribute("aria-label", describe(state));
  }

  drawTown(state) {
    const L = this.layout;
    this.svg.setAttribute("viewBox", `0 0 ${round(L.w)} ${round(L.h)}`);
    this.overlay.setAttribute("viewBox", `0 0 ${round(L.w)} ${round(L.h)}`);
    this.sky.replaceChildren(rect({ x: 0, y: 0, w: L.w, h: L.h }, "sky-bg"));
    this.streetsG.replaceChildren(...L.streets.map((s, i) => el("g", { class: "street" },
      rect(s, "street-road"),
      el("line", { x1: 0, y1: round(s.y + s.h / 2), x2: round(s.w), y2: round(s.y + s.h / 2), class: "street-lane" }),
      i === 0 ? text(s.x + 18, s.y + s.h - 16, "street-label", "The network: the street where letters travel") : null,
    )));
    this.buildingsG.replaceChildren(...state.hosts.map((h, i) => el("g", {
      class: "building", id: "b-" + h.name, "data-host": h.name, "data-select": "host:" + h.name,
      tabindex: 0, role: "button", "aria-label": `Host ${h.name}: show its sockets`,
    }, el("g", { class: "b-static" }), el("g", { class: "b-dynamic" }))));
    this.aptCache = new Map();
    this.letters.clear();
    this.lettersG.replaceChildren();
    this.calloutsG.replaceChildren();
    this.callout = null;
  }

  /** aptRect returns the rectangle of a binding's apartment on host h. */
  aptRect(h, b) {
    const i = this.state.hosts.findIndex((x) => x.name === h.name);
    const slot = this.slots.get(h.name)?.get(bindingKey(b));
    if (i < 0 || slot === undefined) return null;
    return apartmentRect(this.layout.buildings[i], slot);
  }

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
    if (full) g.firstChild.replaceChildren(...this.buildingStatic(h, b, gr));
    const parts = [];
    // Empty apartments: windows waiting for tenants.
    const slots = this.slots.get(h.name);
    const taken = new Set(slots.values());
    const total = b.cols * b.floors;
    for (let k = 0; k < total; k++) {
      if (taken.has(k)) continue;
      const r = apartmentRect(b, k);
      parts.push(rect(r, "apt-empty", { rx: 6 }));
      parts.push(rect({ x: r.x + r.w / 2 - 24, y: r.y + 38, w: 48, h: 56 }, "apt-window", { rx: 4 }));
    }
    // Where each process lives.
    const homes = new Map();
    for (const p of h.processes) homes.set(p.pid, homeOf(h, p));
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
          text(r.x + 14, r.y + 78, "apt-where", "moved out: free again"));
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
      title(bp, `${p.path}: ${count} process(es) running it`);
      parts.push(bp);
    });
    if (h.programs.length > progs.length) parts.push(text(gr.storage.x + 10, gr.storage.y + gr.storage.h - 8, "room-more", `+${h.programs.length - progs.length} more`));
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
    if (lobby.length > lobbyShown) parts.push(text(gr.lobby.x + gr.lobby.w - 10, gr.lobby.y + gr.lobby.h - 10, "room-more", `+${lobby.length - lobbyShown} more`, { "text-anchor": "end" }));
    g.lastChild.replaceChildren(...parts);
    if (!this.prevSlots) this.prevSlots = new Map();
    this.prevSlots.set(h.name, new Map(slots));
  }

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
    parts.push(rect(badge, "os-badge os-" + h.os, { rx: 15 }));
    parts.push(text(badge.x + badge.w / 2, badge.y + (big ? 25 : 21), "os-badge-text", osTitle(h.os), { "text-anchor": "middle" }));
    if (!big || ips.join(", ").length < 14) {
      parts.push(text(sign.x + sign.w - 10, sign.y + 64, "sign-range", `${big ? "" : "temp "}${h.range[0]}-${h.range[1]}`, { "text-anchor": "end" }));
    }
    parts.push(rect(gr.storage, "room storage", { rx: 6 }));
    parts.push(text(gr.storage.x + 10, gr.storage.y + 24, "room-title", "Programs"));
    parts.push(rect(gr.lobby, "room lobby", { rx: 6 }));
    parts.push(text(gr.lobby.x + 10, gr.lobby.y + 24, "room-title", "Lobby"));
    if (!big) parts.push(text(gr.lobby.x + gr.lobby.w - 10, gr.lobby.y + 24, "room-sub", "no port yet", { "text-anchor": "end" }));
    parts.push(rect(gr.mailroom, "room mailroom", { rx: 6, id: `mail-${h.name}` }));
    parts.push(text(gr.mailroom.x + gr.mailroom.w / 2, gr.mailroom.y + 24, "room-title", "Mail", { "text-anchor": "middle" }));
    const door = doorOf(b);
    parts.push(rect({ x: door.x - 26, y: door.y - 62, w: 52, h: 62 }, "door", { rx: 4 }));
    parts.push(el("circle", { cx: round(door.x + 16), cy: round(door.y - 30), r: 3, class: "door-knob" }));
    return parts;
  }

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
      if (homes.get(p.pid) === bd) sig += `|p${p.pid}:${p.program}:${p.threads.map((t) => t.tid).join(",")}`;
    }
    return sig;
  }

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
      const tw = big ? 84 : 92;
      add(rect({ x: W - 10 - tw, y: tagY, w: tw, h: tagH }, "temp-tag", { rx: 4 }));
      add(text(W - 10 - tw / 2, tagY + (big ? 21 : 16), "temp-text", big ? "TEMP" : "TEMPORARY", { "text-anchor": "middle" }));
    }
    if (!big) add(text(12 + pw + 8, tagY + 16, "apt-where", ip === "0.0.0.0" ? "all addresses" : fit(ip, 15)));
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
      add(text(14, y + 18, "apt-visitor", fit("used by PID " + visitors.join(", "), big ? 18 : 28)));
      y += 26;
    } else if (own && own.state === "TIME_WAIT") {
      add(this.movingOut(own, 14, y + 4));
      y += 32;
    } else if (own) {
      add(text(14, y + 18, "apt-visitor", "no process holds it"));
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
        add(text(14 + (k % cols) * (cw + 6), y + Math.floor(k / cols) * (ch + 3) + ch - 5, "apt-more", `+${convs.length - shown} more`));
      }
    }
    title(g, `${bd.proto.toUpperCase()} port ${bd.port}${svc ? " (" + svc + ")" : ""} on ${bd.local}${bd.ephemeral ? ", ephemeral" : ""}${own ? ", " + own.state : ""}`);
    return g;
  }

  pillLabel(state, s) {
    return state === "TIME_WAIT" ? `TIME_WAIT ${secondsLeft(s, this.state)}` : state;
  }

  pillWidth(state, s) {
    return this.pillLabel(state, s).length * (this.big ? 13.5 : 9.2) + (this.big ? 22 : 18);
  }

  /** statePill draws a socket state, right-aligned at x. */
  statePill(state, s, x, y) {
    const big = this.big;
    const label = this.pillLabel(state, s);
    const w = this.pillWidth(state, s);
    return el("g", { class: "state-tag st-" + state },
      rect({ x: x - w, y, w, h: big ? 30 : 24 }, "state-box", { rx: big ? 15 : 12 }),
      text(x - w / 2, y + (big ? 22 : 17), "state-text", label, { "text-anchor": "middle" }));
  }

  movingOut(s, x, y) {
    return el("g", { class: "moving-out" },
      rect({ x, y, w: 30, h: 20 }, "box-icon", { rx: 2 }),
      el("line", { x1: x + 3, y1: y + 7, x2: x + 27, y2: y + 7, class: "box-tape" }),
      text(x + 38, y + 16, "moving-text", `moving out: ${secondsLeft(s, this.state)} left`));
  }

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
    title(g, `conversation with ${s.remote}: ${s.state}`);
    return g;
  }

  /** household draws a process: its PID badge and its threads. */
  household(p, x, y, w, h, more = 0) {
    const big = this.big;
    const hh = big ? 38 : 30;
    const g = el("g", { class: "household", id: `proc-${h.name}-${p.pid}` });
    g.appendChild(rect({ x, y, w, h: hh }, "household-box", { rx: 8 }));
    const maxFig = big ? 3 : 5;
    const figures = Math.min(p.threads.length, maxFig);
    const extra = p.threads.length > maxFig ? (big ? 30 : 20) : 0;
    const figW = big ? 18 : 15;
    const label = (big ? `${p.program} ${p.pid}` : `PID ${p.pid} ${p.program}`) + (more ? ` +${more}` : "");
    const textW = w - 14 - figures * figW - extra;
    g.appendChild(text(x + 8, y + (big ? 27 : 21), "household-text", fit(label, Math.max(5, Math.floor(textW / (big ? 13.5 : 9.6))))));
    p.threads.slice(0, figures).forEach((t, k) => {
      const fx = x + w - 6 - extra - (figures - k) * figW;
      const fig = el("use", { href: "#sym-person", x: round(fx), y: round(y + (big ? 4 : 3)), width: big ? 15 : 12, height: big ? 30 : 24, class: "thread t" + (k % 6) + (t.tid === p.pid ? " main" : "") });
      title(fig, `thread ${t.tid}: ${t.job}`);
      g.appendChild(fig);
    });
    if (extra) g.appendChild(text(x + w - 5, y + (big ? 27 : 21), "thread-more", `+${p.threads.length - maxFig}`, { "text-anchor": "end" }));
    title(g, `${p.program}, PID ${p.pid}${p.ppid ? ", child of " + p.ppid : ""}, ${p.threads.length} thread(s): ${p.threads.map((t) => t.job).join(", ")}`);
    return g;
  }

  /** where returns the point in the scene for an address on a host. */
  aptFor(h, proto, ap) {
    if (!h) return null;
    const bd = bindingFor(h, proto, ap);
    return bd ? this.aptRect(h, bd) : null;
  }

  drawLetters(state, prev, byPacket, dur) {
    const L = this.layout;
    const hostIdx = (name) => state.hosts.findIndex((h) => h.name === name);
    const live = new Set(state.packets.map((p) => p.packet));
    // Letters that arrived or were dropped: travel to their end, then go.
    for (const [id, node] of this.letters) {
      if (live.has(id)) continue;
      this.letters.delete(id);
      const pk = node.__packet;
      const done = byPacket.get(id) || null;
      const a = hostIdx(pk.from);
      const bi = hostIdx(pk.to);
      const from = L.buildings[a];
      const to = bi >= 0 ? L.buildings[bi] : null;
      let path;
      if (done && done.kind === "packet.deliver") {
        const dh = state.hosts[bi];
        const s = dh && dh.sockets.find((x) => x.sock === done.sock);
        const bd = s && bindingOf(dh, s);
        const apt = bd ? this.aptRect(dh, bd) : null;
        path = this.tail(node, letterPath(from, null, to, apt, L.streets, node.__lane));
        node.classList.add("delivered");
        this.label(node, matchWords(done.match));
      } else if (done && done.kind === "packet.drop" && done.reason === "no-host") {
        const c = curbOf(from, node.__lane);
        path = [this.pos(node), { x: c.x, y: c.y }, { x: L.w - 30, y: c.y }];
        node.classList.add("dropped");
        this.label(node, dropWords(done.reason));
      } else if (done && done.kind === "packet.drop") {
        path = this.tail(node, letterPath(from, null, to, null, L.streets, node.__lane));
        node.classList.add("dropped");
        this.label(node, dropWords(done.reason));
      } else {
        path = [this.pos(node)];
      }
      this.move(node, path, dur, () => this.fadeOut(node, dur));
    }
    // Level of detail: with a crowd of letters on the street, address tags
    // would hide each other; envelopes keep their flags (and the inspector
    // shows everything).
    this.overlay.classList.toggle("crowded", state.packets.length > crowdedLetters);
    // New letters: from the sender's apartment out to the street.
    let lane = 0;
    for (const pk of state.packets) {
      if (this.letters.has(pk.packet)) continue;
      const a = hostIdx(pk.from);
      const bi = hostIdx(pk.to);
      const from = L.buildings[a];
      if (!from) continue;
      const srcApt = this.aptFor(state.hosts[a], pk.proto, pk.src)
        || (prev && this.aptFor(prev.hosts[a], pk.proto, pk.src));
      const node = this.letter(pk);
      node.__packet = pk;
      node.__lane = (lane++ % 3);
      this.lettersG.appendChild(node);
      this.letters.set(pk.packet, node);
      if (bi === a) {
        // Loopback: the letter stays in the building.
        const pts = letterPath(from, srcApt, from, null, L.streets);
        this.place(node, pts[0]);
        this.move(node, pts.slice(0, 2), dur);
      } else {
        const pts = letterPath(from, srcApt, null, null, L.streets, node.__lane);
        this.place(node, pts[0]);
        this.move(node, pts, dur);
      }
    }
  }

  /** tail returns the part of a full path after the letter's current spot. */
  tail(node, pts) {
    const p = this.pos(node);
    let best = 0;
    let bestD = Infinity;
    pts.forEach((q, i) => {
      const d = Math.hypot(q.x - p.x, q.y - p.y);
      if (d < bestD) {
        bestD = d;
        best = i;
      }
    });
    return [p, ...pts.slice(best + 1)];
  }

  letter(pk) {
    const g = el("g", { class: `letter ${pk.proto}`, id: "pkt-" + pk.packet, "data-select": "packet:" + pk.packet, tabindex: 0, role: "button", "aria-label": `Letter ${pk.src} to ${pk.dst}` });
    const flags = pk.proto === "udp" ? "UDP" : flagLabel(pk.flags);
    g.appendChild(el("use", { href: "#ov-sym-envelope", x: -42, y: -27, width: 84, height: 54, class: "envelope" }));
    g.appendChild(text(0, 8, "letter-flags", flags, { "text-anchor": "middle" }));
    const addr = this.big ? `:${splitAddr(pk.src)[1]} → :${splitAddr(pk.dst)[1]}` : `${pk.src} → ${pk.dst}`;
    const w = addr.length * (this.big ? 13 : 8.6) + 16;
    g.appendChild(rect({ x: -w / 2, y: 30, w, h: this.big ? 32 : 24 }, "letter-tag", { rx: 6 }));
    g.appendChild(text(0, this.big ? 54 : 47, "letter-addr", addr, { "text-anchor": "middle" }));
    title(g, `${pk.proto.toUpperCase()} ${flags} from ${pk.src} to ${pk.dst}${pk.data ? ': "' + pk.data + '"' : ""}`);
    return g;
  }

  label(node, words) {
    const w = words.length * (this.big ? 12.5 : 8.4) + 20;
    node.appendChild(el("g", { class: "letter-note" },
      rect({ x: -w / 2, y: -66, w, h: this.big ? 32 : 26 }, "letter-note-box", { rx: 8 }),
      text(0, this.big ? -43 : -47, "letter-note-text", words, { "text-anchor": "middle" })));
  }

  pos(node) {
    return node.__pos || { x: 0, y: 0 };
  }

  place(node, p) {
    node.__pos = p;
    node.setAttribute("transform", `translate(${round(p.x)} ${round(p.y)})`);
  }

  /** move animates node along pts over dur ms, then calls done. */
  move(node, pts, dur, done) {
    if (dur <= 0 || pts.length < 2) {
      this.place(node, pts[pts.length - 1]);
      if (done) done();
      return;
    }
    this.tweens.set(node, { pts, t0: performance.now(), dur, done });
    this.kick();
  }

  fadeOut(node, dur) {
    node.classList.add("gone");
    setTimeout(() => node.remove(), Math.max(200, dur));
  }

  kick() {
    if (!this.raf) this.raf = requestAnimationFrame((t) => this.frame(t));
  }

  /** frame advances every moving letter; one call per animation frame. */
  frame(now) {
    this.raf = 0;
    this.frames++;
    for (const [node, tw] of this.tweens) {
      const f = Math.min(1, (now - tw.t0) / tw.dur);
      this.place(node, pointAt(tw.pts, ease(f)));
      if (f >= 1) {
        this.tweens.delete(node);
        if (tw.done) tw.done();
      }
    }
    if (this.tweens.size) this.kick();
  }

  /** settle finishes every animation at once (before a seek). */
  settle() {
    for (const [node, tw] of this.tweens) {
      this.place(node, tw.pts[tw.pts.length - 1]);
      if (tw.done) tw.done();
    }
    this.tweens.clear();
  }

  drawCallout(state, ev, jump, n = 1) {
    if (jump) {
      this.calloutsG.replaceChildren();
      this.callout = null;
    }
    if (this.callout) {
      this.callout.age += n;
      if (this.callout.age > 4) {
        this.callout.el.classList.add("gone");
        const old = this.callout.el;
        setTimeout(() => old.remove(), 400);
        this.callout = null;
      }
    }
    if (!ev || ev.kind !== "error") return;
    if (this.callout) this.callout.el.remove();
    const hi = state.hosts.findIndex((h) => h.name === ev.host);
    const b = this.layout.buildings[hi];
    if (!b) return;
    const h = state.hosts[hi];
    // Anchor: the apartment of the failing socket's port, else the building.
    let at = { x: b.x + b.w / 2, y: b.y + 140 };
    const bd = ev.port && (h.bindings.find((x) => x.port === ev.port && x.proto === ev.proto));
    const r = bd && this.aptRect(h, bd);
    if (r) at = { x: r.x + r.w / 2, y: r.y + 20 };
    const w = 380;
    const x = Math.max(10, Math.min(this.layout.w - w - 10, at.x - w / 2));
    const y = Math.max(10, at.y - 120);
    const g = el("g", { class: "callout", role: "alert" },
      el("path", { class: "callout-pointer", d: `M${round(at.x - 12)} ${round(y + 96)} L${round(at.x)} ${round(at.y)} L${round(at.x + 12)} ${round(y + 96)} Z` }),
      rect({ x, y, w, h: 98 }, "callout-box", { rx: 10 }),
      el("path", { class: "callout-icon", d: `M${x + 22} ${y + 14} l14 26 h-28 z` }),
      text(x + 22, y + 36, "callout-bang", "!", { "text-anchor": "middle" }),
      text(x + 48, y + 36, "callout-errno", `${ev.errno} on ${ev.call}()`),
      ...wrap(errnoWords(ev.errno), 40).slice(0, 2).map((line, k) => text(x + 16, y + 64 + k * 24, "callout-text", line)));
    this.calloutsG.appendChild(g);
    this.callout = { el: g, age: 0 };
  }

  /** focus highlights what the current event is about. */
  focus(state, ev) {
    for (const n of this.svg.querySelectorAll(".focus")) n.classList.remove("focus");
    for (const n of this.overlay.querySelectorAll(".focus")) n.classList.remove("focus");
    if (!ev) return;
    const h = ev.host && state.hosts.find((x) => x.name === ev.host);
    if (!h) return;
    let n = null;
    if (ev.sock) {
      const s = h.sockets.find((x) => x.sock === ev.sock);
      const bd = s ? bindingOf(h, s) : h.bindings.find((x) => x.sock === ev.sock);
      if (bd) n = this.svg.querySelector(`#apt-${CSS.escape(h.name)}-${bd.proto}-${bd.sock}`);
    }
    if (!n && ev.pid) n = this.svg.querySelector(`#proc-${CSS.escape(h.name)}-${ev.pid}`);
    if (!n && (ev.kind === "program.install" || ev.kind === "host.up")) n = this.svg.querySelector(`#b-${CSS.escape(h.name)} .sign`);
    if (n) n.classList.add("focus");
  }
}

/** fitTail shortens s to n characters by dropping its start. */
function fitTail(s, n) {
  return s.length <= n ? s : "…" + s.slice(s.length - Math.max(1, n - 1));
}

function secondsLeft(s, state) {
  const left = Math.max(0, (s.until_us - state.t_us) / 1e6);
  return left >= 10 ? `${Math.round(left)} s` : `${left.toFixed(1)} s`;
}

function flagLabel(flags) {
  if (!flags || flags.length === 0) return "";
  const f = new Set(flags);
  if (f.has("SYN") && f.has("ACK")) return "SYN/ACK";
  if (f.has("SYN")) return "SYN";
  if (f.has("RST")) return "RST";
  if (f.has("FIN")) return "FIN";
  if (f.has("PSH")) return "DATA";
  return "ACK";
}

/** wrap breaks a sentence into lines of at most n characters. */
export function wrap(s, n) {
  const out = [];
  let line = "";
  for (const w of s.split(" ")) {
    if (line && (line + " " + w).length > n) {
      out.push(line);
      line = w;
    } else line = line ? line + " " + w : w;
  }
  if (line) out.push(line);
  return out;
}

/** describe summarises the town for screen readers. */
function describe(state) {
  if (!state.hosts.length) return "An empty town: no hosts yet.";
  return state.hosts.map((h) => {
    const ports = h.bindings.map((b) => `${b.proto.toUpperCase()} ${b.port}`).join(", ") || "no ports in use";
    return `${h.name} at ${h.addrs[0]}: ${h.processes.length} process(es), ${ports}`;
  }).join(". ") + `. ${state.packets.length} letter(s) on the way.`;
}

// letters.js: the letters (packets) on the street and the error callouts:
// where a letter starts, the path it travels, its envelope and labels,
// and the one animation loop that moves them. Scene (render.js) mixes
// these methods in; they draw only in the overlay's groups, and the
// canvas under it paints what those groups' letters look like
// (letterpaint.js).

import { el, text, rect, title, round } from "./svg.js";
import { curbOf, letterPath, pointAt, ease } from "./layout.js";
import { bindingOf, bindingFor, splitAddr } from "./model.js";
import { errno as errnoWords, matchWords, dropWords } from "./words.js";
import { t } from "./i18n.js";

/** crowdedLetters: above this many letters in flight they drop their address tags. */
const crowdedLetters = 24;

/** letterMethods are Scene's methods for letters and callouts. */
export const letterMethods = {
  /** where returns the point in the scene for an address on a host. */
  aptFor(h, proto, ap) {
    if (!h) return null;
    const bd = bindingFor(h, proto, ap);
    return bd ? this.aptRect(h, bd) : null;
  },

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
        this.restyle(node, "delivered");
        this.label(node, matchWords(done.match));
      } else if (done && done.kind === "packet.drop" && done.reason === "no-host") {
        const c = curbOf(from, node.__lane);
        path = [this.pos(node), { x: c.x, y: c.y }, { x: L.w - 30, y: c.y }];
        this.restyle(node, "dropped");
        this.label(node, dropWords(done.reason));
      } else if (done && done.kind === "packet.drop") {
        path = this.tail(node, letterPath(from, null, to, null, L.streets, node.__lane));
        this.restyle(node, "dropped");
        this.label(node, dropWords(done.reason));
      } else {
        path = [this.pos(node)];
      }
      this.move(node, path, dur, () => this.fadeOut(node, dur));
    }
    // Level of detail: with a crowd of letters on the street, address tags
    // would hide each other; envelopes keep their flags (and the inspector
    // shows everything).
    this.crowded = state.packets.length > crowdedLetters;
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
      this.letters.set(pk.packet, node);
      this.letterNodes.add(node);
      this.lettersDirty = true; // its node joins the overlay at syncLetters
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
    this.repaint();
  },

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
  },

  /**
   * letter makes the DOM node of a letter: what a screen reader names and
   * the outline a keyboard focuses (a click finds it by letterAt). What it looks
   * like is painted on the canvas (letterpaint.js) from what the node
   * keeps: its packet, flags, address tag, note and place.
   */
  letter(pk) {
    const g = el("g", { class: `letter ${pk.proto}`, id: "pkt-" + pk.packet, "data-select": "packet:" + pk.packet });
    const flags = pk.proto === "udp" ? "UDP" : flagLabel(pk.flags);
    g.__flags = flags;
    g.__addr = this.big ? `:${splitAddr(pk.src)[1]} → :${splitAddr(pk.dst)[1]}` : `${pk.src} → ${pk.dst}`;
    g.appendChild(rect({ x: -48, y: -33, w: 96, h: 66 }, "l-hit", {
      rx: 8, tabindex: 0, role: "button",
      "aria-label": t("{proto} letter {flags} from {src} to {dst}: inspect it", { proto: pk.proto.toUpperCase(), flags, src: pk.src, dst: pk.dst }),
    }));
    title(g, `${pk.proto.toUpperCase()} ${flags} from ${pk.src} to ${pk.dst}${pk.data ? ': "' + pk.data + '"' : ""}`);
    return g;
  },

  /** restyle gives a letter its end (delivered, dropped); its node gets the class at syncLetters. */
  restyle(node, cls) {
    node.__cls = cls;
    node.__dirty = true;
    this.lettersDirty = true;
  },

  /**
   * syncLetters brings the overlay's nodes up to the letters (render.js
   * syncDOM): new ones join it, ended and fading ones get their classes,
   * stopped ones their place, and faded ones leave. Between two of these
   * (a busy stream) the letters change only on their canvas.
   */
  syncLetters() {
    this.overlay.classList.toggle("crowded", this.crowded);
    for (const n of this.deadLetters) n.remove();
    this.deadLetters.length = 0;
    for (const n of this.letterNodes) {
      if (n.parentNode && !n.__dirty) continue;
      n.__dirty = false;
      const cls = `letter ${n.__packet.proto}${n.__cls ? " " + n.__cls : ""}${n.__goneAt !== undefined ? " gone" : ""}`;
      if (n.getAttribute("class") !== cls) n.setAttribute("class", cls);
      if (n.__restAt) {
        n.setAttribute("transform", `translate(${round(n.__restAt.x)} ${round(n.__restAt.y)})`);
        n.__restAt = null;
      }
      if (!n.parentNode) this.lettersG.appendChild(n);
    }
    this.lettersDirty = false;
  },

  /** label gives a letter its note (where it went, why it was dropped). */
  label(node, words) {
    node.__note = words;
  },

  pos(node) {
    return node.__pos || { x: 0, y: 0 };
  },

  /**
   * place puts a letter at p. The canvas paints it there; its node in the
   * overlay moves along only where it stops (inFlight false: at the next
   * syncLetters), or while a keyboard has it in focus: moving a hundred
   * nodes at every frame cost a layout and a paint of the overlay per
   * frame (issue 17). A click finds a letter in flight by where it is
   * painted (letterAt).
   */
  place(node, p, inFlight = false) {
    node.__pos = p;
    if (!inFlight) {
      node.__restAt = p;
      node.__dirty = true;
      this.lettersDirty = true;
    } else if (node.parentNode && node.contains(document.activeElement)) node.setAttribute("transform", `translate(${round(p.x)} ${round(p.y)})`);
    this.lettersMoved = true;
  },

  /** letterAt returns the packet id of the letter painted at a point of the screen, or 0. */
  letterAt(clientX, clientY) {
    const at = this.toScene(clientX, clientY);
    if (!at) return 0;
    const nodes = [...this.letterNodes];
    for (let i = nodes.length - 1; i >= 0; i--) {
      const n = nodes[i];
      const p = n.__pos;
      if (!p || n.__goneAt !== undefined) continue;
      if (Math.abs(at.x - p.x) <= 48 && Math.abs(at.y - p.y) <= 33) return n.__packet.packet;
    }
    return 0;
  },

  /** move animates node along pts over dur ms, then calls done. */
  move(node, pts, dur, done) {
    if (dur <= 0 || pts.length < 2) {
      this.place(node, pts[pts.length - 1]);
      if (done) done();
      this.kick();
      return;
    }
    this.tweens.set(node, { pts, t0: performance.now(), dur, done });
    this.kick();
  },

  fadeOut(node, dur) {
    node.__goneAt = performance.now();
    node.__dirty = true;
    this.lettersDirty = true;
    setTimeout(() => {
      if (!this.letterNodes.delete(node)) return; // the town was drawn again meanwhile
      if (node.parentNode) this.deadLetters.push(node);
      this.repaint();
      this.requestDOM();
    }, Math.max(200, dur));
    this.kick();
  },

  /** repaint paints the letters again at the next frame (the view or the letters changed). */
  repaint() {
    this.lettersMoved = true;
    this.kick();
  },

  kick() {
    if (!this.raf) this.raf = requestAnimationFrame((t) => this.frame(t));
  },

  /** frame advances every moving letter; one call per animation frame. */
  frame(now) {
    this.raf = 0;
    // frames counts the frames that animated something (a frame that only
    // paints the letters' canvas again does not: one that finishes the
    // pictures a busy frame had no time for, with reduced motion too).
    if (this.tweens.size || this.camTween || (this.lettersFading && this.painter.fading)) this.frames++;
    let stopped = false;
    for (const [node, tw] of this.tweens) {
      const f = Math.min(1, (now - tw.t0) / tw.dur);
      this.place(node, pointAt(tw.pts, ease(f)), f < 1);
      if (f >= 1) {
        this.tweens.delete(node);
        if (tw.done) tw.done();
        stopped = true;
      }
    }
    // Letters that stopped get their nodes' places and classes at the
    // DOM's next turn.
    if (stopped) this.requestDOM();
    const moving = this.stepCamera(now);
    if (this.lettersMoved || this.lettersFading || this.tweens.size || moving) {
      this.lettersMoved = false;
      this.lettersFading = this.painter.paint(now);
    }
    if (this.tweens.size || moving || this.lettersFading) this.kick();
  },

  /** settle finishes every animation at once (before a seek). */
  settle() {
    for (const [node, tw] of this.tweens) {
      this.place(node, tw.pts[tw.pts.length - 1]);
      if (tw.done) tw.done();
    }
    this.tweens.clear();
    this.settleCamera();
    this.repaint();
    this.domNow = true;
  },

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
    if (!ev || !calloutKinds.has(ev.kind)) return;
    if (this.callout) this.callout.el.remove();
    const hi = state.hosts.findIndex((h) => h.name === ev.host);
    const b = this.layout.buildings[hi];
    if (!b) return;
    const h = state.hosts[hi];
    if (ev.kind !== "error") {
      // What a program prints, as on its terminal, or what a router's NAT
      // does to a letter: a notice on the building.
      // It sits on the building, under its sign, where the camera frames.
      const w = Math.min(this.big ? 600 : 420, b.w - 20);
      const x = b.x + (b.w - w) / 2;
      const y = b.y + 112;
      const [title, body] = noticeWords(ev);
      const lines = wrap(body, Math.floor(w / (this.big ? 15 : 10.5)) - 3).slice(0, 2);
      const g = el("g", { class: "callout notice", role: "status" },
        rect({ x, y, w, h: 98 }, "callout-box", { rx: 10 }),
        text(x + 16, y + 30, "callout-errno", title),
        ...lines.map((line, k) => text(x + 16, y + 60 + k * 26, "callout-text notice-text", line)));
      this.calloutsG.appendChild(g);
      this.callout = { el: g, age: 0 };
      return;
    }
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
      text(x + 48, y + 36, "callout-errno", t("{errno} on {call}()", { errno: ev.errno, call: ev.call })),
      ...wrap(errnoWords(ev.errno), 40).slice(0, 2).map((line, k) => text(x + 16, y + 64 + k * 24, "callout-text", line)));
    this.calloutsG.appendChild(g);
    this.callout = { el: g, age: 0 };
  }
};

/** The events drawn as a callout on their building. */
const calloutKinds = new Set(["error", "process.output", "nat.rewrite", "nat.expire"]);

/** noticeWords returns a notice's title and its line. */
function noticeWords(ev) {
  switch (ev.kind) {
    case "nat.rewrite":
      return ev.reason === "out"
        ? [t("NAT: return address rewritten"), `${ev.src} → ${ev.local}`]
        : [t("NAT: readdressed inside"), `${ev.dst} → ${ev.local}`];
    case "nat.expire":
      return [t("NAT: mapping forgotten"), t("{public} no longer means {private}", { public: ev.local, private: ev.src })];
  }
  return [t("{program} (PID {pid}) prints:", { program: ev.program, pid: ev.pid }), ev.data || ""];
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

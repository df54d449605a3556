// render.js: draws the world as a town of apartment complexes in an SVG.
//
// Scene keeps the DOM in step with the model's state: buildings (hosts)
// with apartments (bound ports), households (processes) and their members
// (threads), letters (packets) on the street, and callouts for errors. It
// only reads states; layout.js does the geometry. Movement runs in one
// requestAnimationFrame loop; with reduced motion letters jump to where they
// end and the end state is highlighted instead.

import { el, text, rect, round } from "./svg.js";
import { town, apartmentRect, assignSlots } from "./layout.js";
import { bindingOf } from "./model.js";
import { buildingMethods } from "./buildings.js";
import { letterMethods } from "./letters.js";
import { cameraMethods } from "./camera.js";
import { TownText } from "./towntext.js";
import { LetterPainter } from "./letterpaint.js";
import { Pace } from "./pace.js";
import { t } from "./i18n.js";

const bindingKey = (b) => `${b.proto}:${b.sock}`;

/** maxSlotHistory bounds the remembered slot assignments (events). */
const maxSlotHistory = 20000;

/**
 * domEveryMs is how often, at most, a busy stream changes the town's DOM
 * (issue 17): the buildings, the highlight, the callout, the camera's
 * aim, the town in words and the letters' nodes. Letters move on their
 * canvas at every frame; a frame that changes no DOM costs a fifth of
 * one that does. An event that comes alone, a step, a seek, and the end
 * of a burst are drawn at once.
 */
const domEveryMs = 200;

export class Scene {
  /**
   * svg is the <svg> element to draw in. opts: reducedMotion (bool),
   * onSelect(kind, id) called when the user clicks a building ("host",
   * name) or a letter ("packet", id); still (bool): a picture that
   * never moves, with no words for a screen reader (the picker's).
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
    // Every letter painted (live or fading), in the order painted; the
    // nodes that finished fading, still to leave the overlay (letters.js).
    this.letterNodes = new Set();
    this.deadLetters = [];
    this.crowded = false;
    // What the DOM still has to catch up with (syncDOM), and its pace.
    this.dom = { drawn: null, full: false, jump: false, error: null, n: 0, last: null };
    this.domPace = new Pace(domEveryMs, () => this.syncDOM());
    this.domNow = false;
    this.frames = 0;
    // The camera (camera.js): the event it follows, the stage's size in
    // pixels, the viewBox shown and its move; whole shows the whole town.
    this.focusEvent = null;
    this.stagePx = null;
    this.view = null;
    this.rendered = null; // the viewBox the SVGs have (camera.js)
    this.camTween = null;
    this.whole = false;
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
      this.lettersG, this.calloutsG);
    svg.after(this.overlay);
    // What the letters look like is painted on a canvas between the two
    // (letterpaint.js): a moving SVG letter with words cost a layout per
    // frame. The overlay keeps their names, outlines and click targets.
    this.lettersCanvas = document.createElement("canvas");
    this.lettersCanvas.className = "scene-letters";
    this.lettersCanvas.setAttribute("aria-hidden", "true");
    svg.after(this.lettersCanvas);
    this.painter = new LetterPainter(this.lettersCanvas, this);
    this.painter.onChange = () => this.repaint();
    // The picture in words, for a screen reader (towntext.js); a
    // picture that is only an illustration (opts.still: the picker's) has
    // none.
    this.townText = opts.still ? { update() {} } : new TownText(svg.parentElement || document.body);
    if (!opts.still) svg.setAttribute("aria-describedby", "town-text");
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

  symbols() {
    return [
      // A household member: head and body, 16 x 26 units, origin at the feet.
      el("symbol", { id: "sym-person", viewBox: "0 0 16 26", overflow: "visible" },
        el("circle", { cx: 8, cy: 5, r: 5 }),
        el("path", { d: "M1 26 v-9 a7 7 0 0 1 14 0 v9 z" })),
    ];
  }

  click(ev) {
    if (!this.opts.onSelect) return;
    // A letter in flight is painted, not where its node is (letters.js place).
    const packet = ev.type === "click" ? this.letterAt(ev.clientX, ev.clientY) : 0;
    if (packet) {
      this.opts.onSelect("packet", packet);
      return;
    }
    const t = ev.target.closest("[data-select]");
    if (!t) return;
    const [kind, id] = t.getAttribute("data-select").split(":");
    this.opts.onSelect(kind, kind === "packet" ? Number(id) : id);
  }

  /**
   * setBig switches to the big layout (projector, phones): fewer details,
   * larger type. readable names the camera's readable scale (camera.js
   * minScale: normal, projector or phone).
   */
  setBig(big, readable = "normal") {
    const changed = this.readable !== readable;
    this.readable = readable;
    if (this.big !== big) {
      this.big = big;
      this.svg.classList.toggle("big", big);
      this.overlay.classList.toggle("big", big);
      this.layoutKey = "";
      if (this.state) this.show(this.state, { jump: true, focus: this.focusEvent });
    } else if (changed && this.state && this.layout) this.aim(this.state, false);
  }

  /** setCapacity tells how many apartments each host will need at most. */
  setCapacity(cap) {
    this.capacity = new Map(Object.entries(cap || {}));
    this.layoutKey = "";
    this.slotHistory.clear();
  }

  /**
   * resize takes the stage's size in pixels. The layers get it as their
   * size in pixels: an SVG sized in percent of its box is laid out again,
   * all its text with it, whenever anything else on the page is (issue
   * 17: that was most of a busy frame). A still picture keeps its
   * percentages, and follows its card.
   */
  resize(w, h) {
    const aspect = w / h;
    this.stagePx = { w, h };
    if (!this.opts.still) {
      for (const layer of [this.svg, this.lettersCanvas, this.overlay]) {
        layer.style.width = w + "px";
        layer.style.height = h + "px";
      }
    }
    if (Math.abs(aspect - this.aspect) > 0.01) {
      this.aspect = aspect;
      this.layoutKey = "";
      if (this.state) this.show(this.state, { jump: true, focus: this.focusEvent });
    } else if (this.state && this.layout) this.aim(this.state, false);
    this.repaint(); // the letters' places on the screen moved with it
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
      this.render(state, { jump: true, prev: null, events: [], duration: 0, focus: opts.focus });
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
    this.requestDOM(true);
  }

  /**
   * catchUp draws the DOM at the next render, or now, without waiting
   * for its turn: playback stopped (a step, a question, the end), and
   * whoever reads the town reads what it is.
   */
  catchUp() {
    if (this.renderQueued) this.domNow = true;
    else this.requestDOM(true);
  }

  render(state, { prev, events, duration, jump, focus }) {
    prev = jump ? null : prev;
    this.state = state;
    const dur = this.reducedMotion ? 0 : Math.max(0, duration ?? 600);
    const caps = state.hosts.map((h) => {
      const used = Math.max(-1, ...this.slots.get(h.name).values()) + 1;
      return Math.max(Number(this.capacity.get(h.name) || 0), used, 2);
    });
    const key = state.hosts.map((h, i) => h.name + "=" + caps[i]).join(",") + "@" + this.aspect.toFixed(2) + (this.big ? "big" : "");
    const d = this.dom;
    if (jump) Object.assign(d, { drawn: null, jump: true, error: null, n: 0, last: null });
    if (key !== this.layoutKey) {
      this.layout = town(caps, this.aspect, this.big);
      this.layoutKey = key;
      this.drawTown(state);
      d.full = true;
    }
    const byPacket = new Map();
    for (const e of events) {
      if (e.packet && (e.kind === "packet.deliver" || e.kind === "packet.drop")) byPacket.set(e.packet, e);
      if (e.kind === "error" || e.kind === "process.output" || e.kind === "nat.rewrite" || e.kind === "nat.expire") d.error = e; // a callout
    }
    if (events.length) {
      d.last = events[events.length - 1];
      this.lastEventAt = performance.now(); // camera.js restMs
    }
    d.n += events.length;
    this.drawLetters(state, prev, byPacket, dur);
    // The camera follows the newest event that happens somewhere (a note
    // or a question keeps the frame); a jump says which one that is.
    const where = events.findLast((e) => e.host);
    if (where) this.focusEvent = where;
    else if (jump) this.focusEvent = focus || null;
    const now = jump || d.full || this.domNow;
    this.domNow = false;
    this.requestDOM(now);
  }

  /**
   * requestDOM asks for syncDOM: now, or at the DOM's next turn. A page
   * with captions and a log gives its own turn (opts.domTurn: viewer.js
   * flushUI), so that the town and the words change in the same frame.
   */
  requestDOM(now = false) {
    if (now || !this.opts.domTurn) this.domPace.request(now);
    else this.opts.domTurn();
  }

  /**
   * syncDOM brings the town's DOM to the state drawn last: the buildings
   * that changed since the DOM was last brought up to date, the callout,
   * the highlight of the newest event, the camera, the words, and the
   * letters' nodes. It returns false when there was nothing to do.
   */
  syncDOM() {
    const d = this.dom;
    const state = this.state;
    if (!state || !this.layout) return false;
    if (this.pending) {
      // show() has moved the apartments' slots on to a state that the
      // next frame renders: drawing this.state now would look up slots
      // it no longer has (an apartment at NaN). The render brings the
      // DOM up to date at once instead.
      this.domNow = true;
      return false;
    }
    if (d.drawn === state && !d.full && !d.jump && !d.n && !this.lettersDirty) return false;
    const full = d.full;
    const before = d.jump ? null : d.drawn;
    state.hosts.forEach((h, i) => {
      const bh = before && before.hosts[i];
      if (full || !bh || bh !== h || bh.name !== h.name) {
        this.drawBuilding(h, i, bh && bh.name === h.name ? bh : null, state, full);
      }
    });
    this.drawCallout(state, d.error, d.jump, d.n);
    this.focus(state, d.last);
    this.aim(state, !d.jump && !full);
    this.townText.update(state);
    this.syncLetters();
    Object.assign(d, { drawn: state, full: false, jump: false, error: null, n: 0, last: null });
    return true;
  }

  drawTown(state) {
    const L = this.layout;
    // A new layout moves everything: the camera starts again from there.
    this.view = null;
    this.rendered = null;
    this.camTween = null;
    this.sky.replaceChildren(rect({ x: 0, y: 0, w: L.w, h: L.h }, "sky-bg"));
    this.streetsG.replaceChildren(...L.streets.map((s, i) => el("g", { class: "street" },
      rect(s, "street-road"),
      el("line", { x1: 0, y1: round(s.y + s.h / 2), x2: round(s.w), y2: round(s.y + s.h / 2), class: "street-lane" }),
      i === 0 ? text(s.x + 18, s.y + s.h - 16, "street-label", t("The network: the street where letters travel")) : null,
    )));
    this.buildingsG.replaceChildren(...state.hosts.map((h, i) => el("g", {
      class: "building", id: "b-" + h.name, "data-host": h.name, "data-select": "host:" + h.name,
    },
    // What the building shows is said by the town's words (towntext.js);
    // the button a keyboard reaches is the outline over it (b-hit, placed
    // by drawBuilding), with no text of its own to contradict its name.
    el("g", { class: "b-static", "aria-hidden": "true" }), el("g", { class: "b-dynamic", "aria-hidden": "true" }),
    el("rect", {
      class: "b-hit", tabindex: 0, role: "button", rx: 12,
      "aria-label": t("{host} at {addr}: show its sockets", { host: h.name, addr: h.addrs[0] || t("no address") }),
    }))));
    this.aptCache = new Map();
    this.letters.clear();
    this.letterNodes.clear();
    this.deadLetters.length = 0;
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

// The drawing of buildings (buildings.js), of letters and callouts
// (letters.js), and the camera (camera.js) are Scene's methods too.
Object.assign(Scene.prototype, buildingMethods, letterMethods, cameraMethods);

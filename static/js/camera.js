// camera.js: what part of the town the view frames. The camera follows
// the events: it frames the buildings the current event involves (a
// connect: both ends and the street between; a bind: that building), as
// large as the stage allows, and never smaller than a readable scale; when
// the buildings do not fit at that scale it frames the part where the
// event happens (the apartment, the household, the mail room). The frame
// is a function of the event and the town alone, so a snapshot after a
// seek frames what playing to the same event frames. "Whole town" turns
// it off.
//
// The geometry (involved, focusRect, frameFor) is pure; cameraMethods are
// mixed into Scene (render.js) and move the SVGs' viewBox (at rest) and
// their CSS transform (during a move).

import { ease, groundRects } from "./layout.js";
import { bindingOf, splitAddr } from "./model.js";
import { round } from "./svg.js";

/** How long the camera takes to move to a new frame, in ms. */
const moveMs = 650;

/**
 * Readable scales (screen pixels per scene unit): the camera never frames
 * more than the stage shows at this scale. The big layout sets its type
 * larger, so it reads at a smaller scale; the projector needs more than a
 * phone held at arm's length (issue 19: 16 px at the median for the back
 * row, 12 px on a phone).
 */
export const minScale = { normal: 0.62, projector: 0.68, phone: 0.52 };

/**
 * restMs: a move that ends less than this after an event leaves the town
 * drawn by the move's transform until the events pause this long.
 */
const restMs = 400;

/**
 * holdMs: after a move lands, the camera stays at least this long. In a
 * busy town (a lab's flood of letters, twelve hosts at once) the events
 * come faster than a move takes: chasing each one made the town swing
 * from house to house, hard to follow, and every new move laid out and
 * painted the whole town again (issue 17). A move asked for meanwhile
 * waits (camLater) and goes to the newest event's frame, so the camera
 * ends where a seek to the same event puts it.
 */
const holdMs = 500;

/** maxScale keeps a small building from filling a big screen. */
const maxScale = 1.5;

/** margin around a frame, in scene units. */
const margin = 24;

/**
 * involved returns the names of the hosts an event involves: where it
 * happens, where its letter goes, and the hosts whose addresses it names
 * (the other end of a connection).
 */
export function involved(state, e) {
  const out = [];
  const add = (name) => {
    if (name && !out.includes(name) && state.hosts.some((h) => h.name === name)) out.push(name);
  };
  if (!e) return out;
  add(e.host);
  add(e.to_host);
  for (const a of [e.remote, e.dst, e.src]) {
    if (!a) continue;
    const [ip] = splitAddr(a);
    if (!ip || ip === "0.0.0.0" || ip.startsWith("127.")) continue;
    const h = state.hosts.find((x) => x.addrs.includes(ip));
    if (h) add(h.name);
  }
  return out;
}

/**
 * focusRect returns the rectangle, in scene units, where event e happens
 * on its host: the apartment of its socket, the household of its
 * process, or the building. scene gives aptRect and the layout.
 */
export function focusRect(scene, state, e) {
  const i = state.hosts.findIndex((h) => h.name === e.host);
  const b = scene.layout && scene.layout.buildings[i];
  if (!b) return null;
  const h = state.hosts[i];
  if (e.sock) {
    const s = h.sockets.find((x) => x.sock === e.sock);
    const bd = (s && bindingOf(h, s)) || h.bindings.find((x) => x.sock === e.sock);
    const r = bd && scene.aptRect(h, bd);
    if (r) return r;
  }
  if (e.kind && e.kind.startsWith("packet.")) return groundRects(b).mailroom;
  if (e.pid) {
    const p = h.processes.find((x) => x.pid === e.pid);
    for (const f of p ? p.fds : []) {
      const s = h.sockets.find((x) => x.sock === f.sock);
      const bd = s && bindingOf(h, s);
      const r = bd && scene.aptRect(h, bd);
      if (r) return r;
    }
    return groundRects(b).lobby;
  }
  if (e.kind === "program.install" || e.kind === "program.remove") return groundRects(b).storage;
  return { x: b.x, y: b.y, w: b.w, h: b.h };
}

/** union returns the smallest rectangle holding every rectangle of rs. */
function union(rs) {
  const x0 = Math.min(...rs.map((r) => r.x)), y0 = Math.min(...rs.map((r) => r.y));
  const x1 = Math.max(...rs.map((r) => r.x + r.w)), y1 = Math.max(...rs.map((r) => r.y + r.h));
  return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
}

/**
 * frameFor returns the viewBox that frames what rect wants (the involved
 * buildings) on a stage of W x H pixels, keeping focus (where the event
 * happens) in view when the whole does not fit at scale lo. The frame has
 * the stage's aspect and stays inside the town (town: {w, h}) where it can.
 */
export function frameFor(want, focus, town, W, H, lo) {
  const aspect = W / H;
  let f = { x: want.x - margin, y: want.y - margin, w: want.w + 2 * margin, h: want.h + 2 * margin };
  // The stage's aspect, around the wanted rectangle's centre.
  if (f.w / f.h < aspect) {
    const w = f.h * aspect;
    f = { x: f.x - (w - f.w) / 2, y: f.y, w, h: f.h };
  } else {
    const h = f.w / aspect;
    f = { x: f.x, y: f.y - (h - f.h) / 2, w: f.w, h };
  }
  if (W / f.w < lo && focus) {
    // Too small to read: the largest readable frame, around where the
    // event happens, as much of the wanted rectangle as it holds.
    const w = W / lo, h = H / lo;
    const cx = focus.x + focus.w / 2, cy = focus.y + focus.h / 2;
    f = { x: cx - w / 2, y: cy - h / 2, w, h };
    f.x = Math.min(Math.max(f.x, want.x - margin), want.x + want.w + margin - w);
    f.y = Math.min(Math.max(f.y, want.y - margin), want.y + want.h + margin - h);
    // The focus itself stays whole in view.
    f.x = Math.min(Math.max(f.x, focus.x + focus.w + margin - w), focus.x - margin);
    f.y = Math.min(Math.max(f.y, focus.y + focus.h + margin - h), focus.y - margin);
  } else if (W / f.w > maxScale) {
    const w = W / maxScale, h = H / maxScale;
    f = { x: f.x + f.w / 2 - w / 2, y: f.y + f.h / 2 - h / 2, w, h };
  }
  // Inside the town: where the frame is smaller than the town, it does not
  // show past its edges; where it is larger, the town sits in its middle.
  f.x = f.w >= town.w ? (town.w - f.w) / 2 : Math.min(Math.max(f.x, 0), town.w - f.w);
  f.y = f.h >= town.h ? (town.h - f.h) / 2 : Math.min(Math.max(f.y, 0), town.h - f.h);
  return f;
}

/** cameraMethods are Scene's methods that move its view. */
export const cameraMethods = {
  /** setWhole shows the whole town (true) or lets the camera follow (false). */
  setWhole(whole) {
    this.whole = !!whole;
    if (!this.state || !this.layout) return;
    if (this.reducedMotion || !this.view || !this.stagePx) return this.aim(this.state, false);
    // A key or a button: at once, whatever the hold.
    this.cancelMove();
    const to = this.target(this.state);
    if (!sameFrame(this.view, to)) this.startMove(this.view, to, this.wanted(this.state));
  },

  /**
   * target returns the frame for the current focus event: the buildings
   * it involves and their street, or the whole town.
   */
  target(state) {
    const L = this.layout;
    const whole = { x: 0, y: 0, w: L.w, h: L.h };
    const want = this.wanted(state);
    if (!want) return whole;
    const { w: W, h: H } = this.stagePx;
    return frameFor(want, focusRect(this, state, this.focusEvent), L, W, H, minScale[this.readable] || minScale.normal);
  },

  /**
   * wanted returns the rectangle the focus event wants in view (the
   * buildings it involves and their street), or null for the whole town.
   */
  wanted(state) {
    const L = this.layout;
    const e = this.focusEvent;
    if (this.whole || !e || !this.stagePx) return null;
    const names = involved(state, e);
    const rs = [];
    for (const n of names) {
      const b = L.buildings[state.hosts.findIndex((h) => h.name === n)];
      if (!b) continue;
      const Z = b.Z;
      rs.push({ x: b.x - 14, y: b.y - Z.roofRise, w: b.w + 28, h: b.h + Z.roofRise });
      // The street in front of it, where its letters go.
      rs.push({ x: b.x, y: b.doorY, w: b.w, h: Z.street * (names.length > 1 ? 0.8 : 0.5) });
    }
    return rs.length ? union(rs) : null;
  },

  /**
   * aim moves the view to the frame for state, smoothly when animate.
   * One move at a time, and a hold after it (holdMs): a move asked for
   * meanwhile waits (moveLater). When more than one other frame was
   * asked for in that time the town is busy, and the camera pulls back
   * to show everything the busy events involve, and stays (camBusy);
   * once a hold passes with nothing new, it frames the newest event.
   */
  aim(state, animate) {
    const to = this.target(state);
    const from = this.view;
    if (!animate || !from || this.reducedMotion || !this.stagePx) {
      this.cancelMove();
      if (from && sameFrame(from, to) && !this.camTween && !this.sharpenTimer) return;
      this.camTween = null;
      this.setView(to);
      return;
    }
    if (!this.camBusy) {
      if (sameFrame(from, to) && !this.camTween) return this.cancelMove();
      if (this.camTween && sameFrame(this.camTween.to, to)) return;
    }
    const wait = (this.camMovedAt ?? -Infinity) + moveMs + holdMs - performance.now();
    if (wait > 0 || this.camBusy) {
      const asks = this.camAsks || (this.camAsks = []);
      if (asks.length < 2 && !asks.some((f) => sameFrame(f, to))) asks.push(to);
      // What the asked-for frames want, with where the camera is going.
      const L = this.layout;
      const whole = { x: 0, y: 0, w: L.w, h: L.h };
      this.camWant = union([this.camWant || this.camFrom || from, this.wanted(state) || whole]);
      if (!this.camLater) this.camLater = setTimeout(() => this.moveLater(), Math.max(0, wait));
      return;
    }
    this.startMove(from, to, this.wanted(state));
  },

  /** moveLater makes the move that waited for the camera's hold. */
  moveLater() {
    this.camLater = 0;
    if (!this.state || !this.layout || !this.view) return;
    const asks = this.camAsks || [];
    const want = this.camWant;
    this.camAsks = [];
    this.camWant = null;
    const L = this.layout;
    if (want && (asks.length >= 2 || (this.camBusy && asks.length))) {
      this.camBusy = union([this.camBusy || want, want]);
      const { w: W, h: H } = this.stagePx;
      const to = frameFor(this.camBusy, null, L, W, H, 0);
      if (!sameFrame(this.view, to)) this.startMove(this.view, to, this.camBusy);
      // Whether the town is still busy shows after the next hold.
      this.camLater = setTimeout(() => this.moveLater(), moveMs + holdMs);
      return;
    }
    this.camBusy = null;
    const to = this.target(this.state);
    if (!sameFrame(this.view, to)) this.startMove(this.view, to, this.wanted(this.state));
  },

  /** startMove starts the camera's move from view from to view to, which frames want. */
  startMove(from, to, want) {
    clearTimeout(this.camLater);
    this.camLater = 0;
    this.camFrom = want;
    this.camMovedAt = performance.now();
    this.camTween = { from: { ...from }, to, t0: this.camMovedAt };
    this.cover(from, to);
    this.showView(from);
    this.kick();
  },

  /** cancelMove forgets a move that waits for the camera's hold (camLater). */
  cancelMove() {
    clearTimeout(this.camLater);
    Object.assign(this, { camLater: 0, camAsks: [], camWant: null, camBusy: null });
  },

  /** stepCamera advances the camera's move; it returns whether it still moves. */
  stepCamera(now) {
    const tw = this.camTween;
    if (!tw) return false;
    const f = Math.min(1, (now - tw.t0) / moveMs);
    const k = ease(f);
    const lerp = (a, b) => a + (b - a) * k;
    if (f >= 1) {
      this.camTween = null;
      // In a busy stream the next move comes soon: the town stays as the
      // move drew it (a new viewBox lays every word of it out again),
      // and turns sharp once the events pause (sharpen).
      if (performance.now() - (this.lastEventAt || -Infinity) < restMs) {
        this.showView(tw.to);
        this.sharpenLater();
      } else this.setView(tw.to);
      return false;
    }
    this.showView({ x: lerp(tw.from.x, tw.to.x), y: lerp(tw.from.y, tw.to.y), w: lerp(tw.from.w, tw.to.w), h: lerp(tw.from.h, tw.to.h) });
    return true;
  },

  /**
   * setView shows view v at rest: both SVGs' viewBox is v, drawn at the
   * screen's resolution. The letters' canvas follows.
   */
  setView(v) {
    clearTimeout(this.sharpenTimer);
    this.sharpenTimer = 0;
    this.view = roundRect(v);
    this.renderView(this.view);
    for (const layer of [this.svg, this.overlay]) layer.style.transform = "";
    this.repaint();
  },

  /**
   * sharpenLater shows the view at rest (setView) once no event came for
   * restMs; a move that starts meanwhile goes on from the transform.
   */
  sharpenLater() {
    clearTimeout(this.sharpenTimer);
    this.sharpenTimer = setTimeout(() => {
      this.sharpenTimer = 0;
      if (this.camTween || !this.view) return;
      if (performance.now() - (this.lastEventAt || -Infinity) < restMs) this.sharpenLater();
      else this.setView(this.view);
    }, restMs);
  },

  /**
   * A move does not lay the town out again at each frame: a new viewBox
   * changes the scale of every word in the SVG, and Chromium lays all of
   * them out again (issue 17). During a move the SVGs show a viewBox that
   * covers the whole move (cover), and a CSS transform, which only the
   * compositor applies, shows the part of it in view (showView). The
   * move ends on setView, sharp again.
   */
  cover(a, b) {
    const r = this.rendered;
    if (r && inside(a, r) && inside(b, r)) return;
    // A move that turns mid-way keeps what it covers: the viewBox only grows.
    this.renderView(roundRect(union(r && this.svg.style.transform ? [r, a, b] : [a, b]), true));
  },

  /** renderView sets both SVGs' viewBox. */
  renderView(v) {
    this.rendered = v;
    const box = `${v.x} ${v.y} ${v.w} ${v.h}`;
    this.svg.setAttribute("viewBox", box);
    this.overlay.setAttribute("viewBox", box);
  },

  /** showView shows view v of the rendered viewBox by a transform of both SVGs. */
  showView(v) {
    this.view = roundRect(v);
    const u = viewMap(this.rendered, this.stagePx);
    const t = viewMap(this.view, this.stagePx);
    // The transform takes where the rendered viewBox puts a point to
    // where the view shows it.
    const a = t.k / u.k;
    const transform = `translate(${(t.x - a * u.x).toFixed(2)}px, ${(t.y - a * u.y).toFixed(2)}px) scale(${a.toFixed(5)})`;
    for (const layer of [this.svg, this.overlay]) layer.style.transform = transform;
    this.repaint();
  },

  /** toScene returns the point of the town under a point of the screen (client pixels), or null. */
  toScene(clientX, clientY) {
    if (!this.view || !this.stagePx) return null;
    const m = viewMap(this.view, this.stagePx);
    const r = this.svg.parentElement.getBoundingClientRect();
    return { x: (clientX - r.left - m.x) / m.k, y: (clientY - r.top - m.y) / m.k };
  },

  /** settleCamera ends a move at once (before a jump). */
  settleCamera() {
    this.cancelMove();
    if (this.camTween) {
      this.setView(this.camTween.to);
      this.camTween = null;
    } else if (this.sharpenTimer) this.setView(this.view);
  },
};

/**
 * viewMap returns how an SVG of px.w x px.h pixels shows viewBox v
 * (preserveAspectRatio xMidYMid meet): a point p of the town is at k * p
 * + (x, y) pixels from the SVG's corner.
 */
export function viewMap(v, px) {
  const k = Math.min(px.w / v.w, px.h / v.h);
  return { k, x: (px.w - v.w * k) / 2 - v.x * k, y: (px.h - v.h * k) / 2 - v.y * k };
}

/** roundRect rounds a frame to a tenth of a unit, as the viewBox keeps it; outward when out. */
function roundRect(v, out = false) {
  if (!out) return { x: round(v.x), y: round(v.y), w: round(v.w), h: round(v.h) };
  const x = Math.floor(v.x * 10) / 10, y = Math.floor(v.y * 10) / 10;
  return { x, y, w: Math.ceil((v.x + v.w - x) * 10) / 10, h: Math.ceil((v.y + v.h - y) * 10) / 10 };
}

/** inside reports whether rectangle a lies within rectangle b. */
function inside(a, b) {
  return a.x >= b.x - 0.05 && a.y >= b.y - 0.05 && a.x + a.w <= b.x + b.w + 0.05 && a.y + a.h <= b.y + b.h + 0.05;
}

function sameFrame(a, b) {
  return Math.abs(a.x - b.x) < 1 && Math.abs(a.y - b.y) < 1 && Math.abs(a.w - b.w) < 1 && Math.abs(a.h - b.h) < 1;
}

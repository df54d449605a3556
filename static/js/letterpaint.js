// letterpaint.js: paints the letters (packets) on the street into a
// canvas between the town's SVG and the overlay's (issue 17). An SVG
// letter with its words had to be laid out again at every frame it moved
// (Chromium lays out SVG text whenever its transform changes), and with a
// hundred letters that was most of each frame. Each letter's look is now
// drawn once into a sprite, and a frame only copies sprites. (A canvas per
// letter, moved by CSS transforms, was slower: docs/benchmarks.md.)
//
// The DOM keeps a <g class="letter"> per letter in the overlay (letters.js):
// its name for a screen reader, the outline a keyboard focuses, and its
// classes (delivered, dropped, gone); a click finds a letter where this
// painter drew it (letters.js letterAt). Those nodes have no visible
// parts, and in a busy stream they join the overlay and get their classes
// only at the DOM's turn (render.js syncDOM). This painter reads the
// scene's letters (letterNodes), joined or not: the packet, where the
// letter is (__pos), how it ended (__cls), its note (__note) and when it
// began to fade (__goneAt). Nothing here changes the DOM.

import { viewMap } from "./camera.js";

/** fadeMs is how long a letter takes to fade once it arrived (town.css had 0.4 s). */
const fadeMs = 400;

/** maxSprites bounds the looks the sprite cache keeps (each at up to two scales); the oldest go first. */
const maxSprites = 400;

/** drawBudgetMs is how long one frame may spend making new sprites. */
const drawBudgetMs = 3;

/**
 * bucket rounds a scale (device pixels per scene unit) up to a step of
 * a factor √2, so a camera move redraws sprites only when the scale
 * crosses a step, and a sprite is never drawn larger than it was made.
 */
function bucket(s) {
  return Math.pow(2, Math.ceil(Math.log2(Math.max(s, 0.05)) * 2) / 2);
}

export class LetterPainter {
  /**
   * canvas is the <canvas> to paint in; scene the Scene whose letters it
   * paints (its view, stagePx, big, reducedMotion, letterNodes and crowded).
   */
  constructor(canvas, scene) {
    this.canvas = canvas;
    this.scene = scene;
    this.ctx = canvas.getContext("2d", { desynchronized: true });
    this.sprites = new Map();
    this.colors = null;
    this.blank = true; // nothing painted since the last clear
    this.onChange = () => {};
    // A theme or contrast change recolours every letter.
    new MutationObserver(() => this.invalidate()).observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme", "data-contrast"] });
    document.fonts?.ready.then(() => this.invalidate());
  }

  /** invalidate forgets the colours and sprites, and asks for a repaint. */
  invalidate() {
    this.colors = null;
    this.sprites.clear();
    this.onChange();
  }

  /**
   * paint draws every letter at its place. It returns whether the next
   * frame must paint again: a letter is still fading, or some pictures
   * at this scale are still to be made.
   */
  paint(now) {
    const sc = this.scene;
    const v = sc.view;
    const px = sc.stagePx;
    const nodes = sc.letterNodes;
    const dpr = window.devicePixelRatio || 1;
    // The canvas has the stage's pixels (render.js sizes its box).
    if (px) {
      const pw = Math.max(1, Math.round(px.w * dpr));
      const ph = Math.max(1, Math.round(px.h * dpr));
      if (this.canvas.width !== pw || this.canvas.height !== ph) {
        this.canvas.width = pw;
        this.canvas.height = ph;
        this.blank = true;
      }
    }
    // An empty street stays blank without a copy of the canvas per frame
    // (each change of a canvas costs the compositor all its pixels).
    if (this.blank && !nodes.size) return false;
    const ctx = this.ctx;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    this.blank = true;
    if (!v || !px || !px.w || !px.h || !nodes.size) return false;
    // Where the SVGs show the town (camera.js viewMap).
    const m = viewMap(v, px);
    const S = m.k * dpr;
    ctx.setTransform(S, 0, 0, S, m.x * dpr, m.y * dpr);
    ctx.imageSmoothingQuality = "high";
    const scale = bucket(S);
    const crowded = sc.crowded;
    // New pictures cost a canvas each: a frame makes them for at most
    // drawBudgetMs, and a letter whose picture at this scale is not made
    // yet is drawn from one at another scale meanwhile (a camera move
    // that crosses a scale step would otherwise stall a frame).
    this.budgetEnd = performance.now() + drawBudgetMs;
    this.behind = false;
    let fading = false;
    for (const node of nodes) {
      const pk = node.__packet;
      const p = node.__pos;
      if (!pk || !p) continue;
      let alpha = 1;
      if (node.__goneAt !== undefined) {
        alpha = sc.reducedMotion ? 0 : 1 - (now - node.__goneAt) / fadeMs;
        if (alpha <= 0) continue;
        fading = true;
      }
      const sp = this.sprite(node, pk, crowded, scale);
      ctx.globalAlpha = Math.min(1, alpha);
      ctx.drawImage(sp.canvas, p.x + sp.x, p.y + sp.y, sp.w, sp.h);
      this.blank = false;
    }
    ctx.globalAlpha = 1;
    // fading: a letter is still fading out (motion); behind: pictures
    // are still to be made (no motion, but another paint).
    this.fading = fading;
    return fading || this.behind;
  }

  /**
   * sprite returns the picture of a letter at a scale, drawing it when
   * the frame's budget allows, else the picture at the nearest scale made.
   */
  sprite(node, pk, crowded, scale) {
    const cls = node.__cls || "";
    const big = !!this.scene.big;
    const flags = node.__flags || "";
    const addr = crowded ? "" : node.__addr || "";
    const note = crowded ? "" : node.__note || "";
    const key = `${pk.proto}|${flags}|${cls}|${addr}|${note}|${big}`;
    let entry = this.sprites.get(key);
    if (!entry) {
      if (this.sprites.size >= maxSprites) this.sprites.delete(this.sprites.keys().next().value);
      entry = new Map();
      this.sprites.set(key, entry);
    }
    let sp = entry.get(scale);
    if (sp) return sp;
    if (performance.now() > this.budgetEnd) {
      if (entry.size) {
        this.behind = true;
        let best = null;
        for (const [s, x] of entry) if (!best || Math.abs(Math.log(s / scale)) < Math.abs(Math.log(best[0] / scale))) best = [s, x];
        return best[1];
      }
      if (addr || note) {
        // The envelope alone (as in a crowd) until there is time for the tag.
        this.behind = true;
        return this.sprite(node, pk, true, scale);
      }
    }
    sp = this.draw({ proto: pk.proto, flags, cls, addr, note, big }, scale);
    // One scale besides this one is kept: where the camera was.
    if (entry.size >= 2) entry.delete(entry.keys().next().value);
    entry.set(scale, sp);
    return sp;
  }

  /** palette reads the theme's colours and fonts (base.css variables). */
  palette() {
    if (this.colors) return this.colors;
    const cs = getComputedStyle(this.canvas);
    const v = (name, fallback) => cs.getPropertyValue(name).trim() || fallback;
    this.colors = {
      env: v("--env", "#fffdf6"), edge: v("--env-edge", "#6b5b3e"), udp: v("--udp", "#8a3fa8"),
      ok: v("--ok", "#2f7d4a"), err: v("--err", "#b3261e"), panel: v("--panel", "#fff"), ink: v("--ink", "#1e2430"),
      font: v("--font", "sans-serif"), mono: v("--mono", "monospace"),
    };
    return this.colors;
  }

  /**
   * draw makes the sprite of one letter look at a scale: the envelope
   * with its flags, the address tag under it and the note over it, as the
   * town's SVG drew them (town.css "Letters"). Coordinates are the scene's,
   * the letter's centre at 0,0.
   */
  draw(look, scale) {
    const c = this.palette();
    const big = look.big;
    const tagH = big ? 32 : 24;
    const noteH = big ? 32 : 26;
    const addrFont = `600 ${big ? 24 : 14}px ${c.mono}`;
    const noteFont = `700 ${big ? 24 : 15}px ${c.font}`;
    // The boxes are as wide as letters.js made them: a width per character.
    const tagW = look.addr ? look.addr.length * (big ? 13 : 8.6) + 16 : 0;
    const noteW = look.note ? look.note.length * (big ? 12.5 : 8.4) + 20 : 0;
    const half = Math.max(44, tagW / 2 + 2, noteW / 2 + 2);
    const top = look.note ? -68 : -29;
    const bottom = look.addr ? 30 + tagH + 2 : 29;
    const canvas = document.createElement("canvas");
    canvas.width = Math.max(1, Math.ceil(2 * half * scale));
    canvas.height = Math.max(1, Math.ceil((bottom - top) * scale));
    const g = canvas.getContext("2d");
    g.scale(scale, scale);
    g.translate(half, -top);
    // The envelope (render.js symbols: sym-envelope at -42,-27).
    g.beginPath();
    g.roundRect(-41, -26, 82, 52, 5);
    g.fillStyle = c.env;
    g.fill();
    g.strokeStyle = look.cls === "dropped" ? c.err : look.cls === "delivered" ? c.ok : look.proto === "udp" ? c.udp : c.edge;
    g.lineWidth = look.cls === "dropped" ? 4 : look.cls === "delivered" ? 3.5 : 2.5;
    g.setLineDash(look.proto === "udp" ? [6, 3] : []);
    g.stroke();
    g.setLineDash([]);
    g.beginPath();
    g.moveTo(-39, -23);
    g.lineTo(0, 5);
    g.lineTo(39, -23);
    g.strokeStyle = c.edge;
    g.lineWidth = 2;
    g.stroke();
    g.textAlign = "center";
    g.textBaseline = "alphabetic";
    if (look.flags) {
      g.font = `800 ${big ? 26 : 19}px ${c.font}`;
      g.fillStyle = "#1e2430";
      g.fillText(look.flags, 0, 8);
    }
    if (look.addr) {
      g.beginPath();
      g.roundRect(-tagW / 2, 30, tagW, tagH, 6);
      g.globalAlpha = 0.95;
      g.fillStyle = c.panel;
      g.fill();
      g.strokeStyle = c.edge;
      g.lineWidth = 1;
      g.stroke();
      g.globalAlpha = 1;
      g.font = addrFont;
      g.fillStyle = c.ink;
      g.fillText(look.addr, 0, big ? 54 : 47);
    }
    if (look.note) {
      g.beginPath();
      g.roundRect(-noteW / 2, -66, noteW, noteH, 8);
      g.fillStyle = c.panel;
      g.fill();
      g.strokeStyle = look.cls === "dropped" ? c.err : c.ok;
      g.lineWidth = 2;
      g.stroke();
      g.font = noteFont;
      g.fillStyle = look.cls === "dropped" ? c.err : c.ink;
      g.fillText(look.note, 0, big ? -43 : -47);
    }
    return { canvas, x: -half, y: top, w: 2 * half, h: bottom - top };
  }
}

// embed.js: the postMessage API between an embedded viewer (an iframe) and
// the page that embeds it (a course page in Moodle, Canvas, a static site).
// docs/embedding.md is the contract.
//
// Every message is an object with `portville: 1` (the API version) and a
// `type`. The frame sends: "ready" (lesson, total, start), "event" (each
// event shown), "state" (playback), "answer" (a viewer picked a choice of
// a checkpoint), "height" (the height the frame would like, in CSS pixels).
// The host may send: "play", "pause", "step", "back", "restart", "seek" (seq),
// "speed" (x), "load" (lesson, os, seed). Messages from anything but the
// parent window, from an origin the embed URL did not allow, without the
// namespace, or of an unknown type are ignored.

/** API is the version of the postMessage API. */
export const API = 1;

const hostTypes = new Set(["play", "pause", "step", "back", "restart", "seek", "speed", "load"]);

export class EmbedBridge {
  /**
   * viewer is the Viewer; allowed is the list of origins that may drive
   * the frame (from the embed URL's `origin` parameter), empty for any.
   */
  constructor(viewer, allowed) {
    this.viewer = viewer;
    this.allowed = allowed;
    this.parent = window.parent !== window ? window.parent : null;
    this.lastHeight = 0;
    if (!this.parent) return;
    window.addEventListener("message", (ev) => this.receive(ev));
    const ro = new ResizeObserver(() => this.height());
    ro.observe(document.body);
  }

  /** target is where the frame posts: the allowed origin, or any. */
  target() {
    return this.allowed.length === 1 ? this.allowed[0] : "*";
  }

  post(msg) {
    if (!this.parent) return;
    try {
      this.parent.postMessage({ portville: API, ...msg }, this.target());
    } catch {
      /* the parent is on another origin than the allowed one: say nothing */
    }
  }

  receive(ev) {
    if (ev.source !== this.parent) return;
    if (this.allowed.length && !this.allowed.includes(ev.origin)) return;
    const m = ev.data;
    if (!m || typeof m !== "object" || m.portville !== API || !hostTypes.has(m.type)) return;
    const v = this.viewer;
    switch (m.type) {
      case "seek":
        if (Number.isInteger(m.seq) && m.seq >= 0) v.send({ type: "seek", seq: m.seq });
        return;
      case "speed":
        if (typeof m.x === "number") v.send({ type: "speed", x: m.x });
        return;
      case "load": {
        const msg = { type: "load" };
        if (typeof m.lesson === "string") msg.lesson = m.lesson;
        if (typeof m.os === "string") msg.os = m.os;
        if (Number.isInteger(m.seed) && m.seed >= 0) msg.seed = m.seed;
        if (Object.keys(msg).length > 1) v.send(msg);
        return;
      }
      default:
        v.send({ type: m.type });
    }
  }

  ready(lesson) {
    this.post({ type: "ready", lesson: { id: lesson.id, title: lesson.title, total: lesson.total, start: lesson.start } });
    this.height();
  }

  events(list) {
    for (const e of list) this.post({ type: "event", event: e });
  }

  state(st) {
    this.post({ type: "state", playing: !!st.playing, speed: st.speed, seq: st.seq, total: st.total });
  }

  answer(checkpoint, choice) {
    this.post({ type: "answer", checkpoint, choice });
  }

  /**
   * height tells the host the height the frame would like: the page's
   * content at the frame's current width, keeping the scene at about 16:9.
   */
  height() {
    const w = document.documentElement.clientWidth;
    const stage = document.getElementById("stage");
    const rest = stage ? document.body.scrollHeight - stage.getBoundingClientRect().height : 0;
    const want = Math.round(Math.max(240, w * 9 / 16 + rest));
    if (Math.abs(want - this.lastHeight) < 4) return;
    this.lastHeight = want;
    this.post({ type: "height", height: want });
  }
}

// announce.js: what a screen reader says. Two visually hidden live
// regions: a polite one for the caption of the current step, at most one
// announcement a second (when a lesson plays fast, the newest caption waits
// out the second and the ones between are skipped, never a flood), and an
// assertive one for a question put to the class.

import { h } from "./dom.js";

/** gapMs is the least time between two polite announcements. */
export const gapMs = 1000;

export class Announcer {
  /** parent receives the two live regions. */
  constructor(parent) {
    this.polite = h("div", { class: "sr-only", id: "announce", "aria-live": "polite", "aria-atomic": "true" });
    this.assertive = h("div", { class: "sr-only", id: "announce-now", "aria-live": "assertive", "aria-atomic": "true" });
    parent.append(this.polite, this.assertive);
    this.last = "";
    this.lastAt = -Infinity;
    this.pending = null;
    this.timer = 0;
  }

  /** say announces text politely, unless it is what was said last. */
  say(text) {
    if (!text || text === this.last || text === this.pending) return;
    const wait = this.lastAt + gapMs - performance.now();
    if (wait <= 0 && !this.timer) {
      this.speak(text);
      return;
    }
    this.pending = text;
    if (!this.timer) this.timer = setTimeout(() => {
      this.timer = 0;
      const t = this.pending;
      this.pending = null;
      if (t) this.speak(t);
    }, Math.max(0, wait));
  }

  speak(text) {
    this.last = text;
    this.lastAt = performance.now();
    this.polite.textContent = text;
  }

  /** ask announces a question at once, interrupting. */
  ask(text) {
    this.assertive.textContent = "";
    // A change of content is what a live region announces: emptied and
    // filled in two steps, the same question asked twice is heard twice.
    requestAnimationFrame(() => (this.assertive.textContent = text));
  }
}

// pace.js: does a job at most every so many milliseconds. A request
// while the job is not due waits for its turn; many requests meanwhile
// make one run. The viewer paces its captions, log and counter with it
// (viewer.js): each update lays the page out, and nobody reads faster.

export class Pace {
  /**
   * everyMs is the shortest time between two runs; run does the job and
   * returns false when it found nothing to do (the turn is not used up);
   * frame runs it at an animation frame rather than at once.
   */
  constructor(everyMs, run, { frame = false } = {}) {
    this.everyMs = everyMs;
    this.run = run;
    this.frame = frame;
    this.last = -Infinity; // when the job last ran, in performance.now() ms
    this.queued = ""; // "", "timer" (waiting for its turn) or "frame"
    this.timer = 0;
  }

  /** request asks for a run: at its turn, or with now at once. */
  request(now = false) {
    if (this.queued === "frame" || (this.queued && !now)) return;
    clearTimeout(this.timer);
    const wait = now ? 0 : this.last + this.everyMs - performance.now();
    if (wait > 0) {
      this.queued = "timer";
      this.timer = setTimeout(() => this.go(), wait);
    } else this.go();
  }

  go() {
    if (!this.frame) {
      this.fire();
      return;
    }
    this.queued = "frame";
    requestAnimationFrame(() => this.fire());
  }

  fire() {
    this.queued = "";
    const t = performance.now();
    if (this.run() !== false) this.last = t;
  }
}

// controls.js: the playback toolbar and the keyboard. It only sends
// requests (through the callbacks) and shows the state the session reports;
// it never changes the world itself.

import { h, icon, ICONS } from "./dom.js";
import { MIN_SPEED, MAX_SPEED } from "./protocol.js";
import { t } from "./i18n.js";

export const SPEEDS = [0.25, 0.5, 1, 2, 4, 8];
export const THEMES = ["light", "dark", "projector"];

/** themeNames are the themes as the menu names them. */
const themeNames = { light: t("Light"), dark: t("Dark"), projector: t("Projector") };
export const OSES = [["linux", "Linux"], ["windows", "Windows"], ["macos", "macOS"], ["freebsd", "FreeBSD"]].map(([v, name]) => [v, t("OS: {name}", { name })]);

/**
 * Controls builds the toolbar into root. cb holds the actions: play, pause,
 * step, back, restart, seek(seq), speed(x), os(name), seed(n),
 * caption(mode), theme(name), fullscreen(), share(), whole(). level is "full",
 * "minimal" or "none".
 */
export class Controls {
  constructor(root, cb, { level = "full", lessons = [], lesson = "" } = {}) {
    this.root = root;
    this.cb = cb;
    this.state = { playing: false, speed: 1, seq: 0, total: 0 };
    this.meta = { start: 0, checkpoints: [] };
    const btn = (name, label, key, fn) => h("button", { type: "button", class: "ctl ctl-" + name, title: `${label} (${key})`, "aria-label": label, onclick: fn }, icon(ICONS[name]));
    this.playBtn = btn("play", t("Play"), "Space", () => (this.state.playing ? cb.pause() : cb.play()));
    this.backBtn = btn("back", t("Step back"), "←", () => cb.back());
    this.stepBtn = btn("step", t("Step forward"), "→", () => cb.step());
    this.restartBtn = btn("restart", t("Restart"), "Home", () => cb.restart());
    this.speedSel = h("select", { class: "ctl-speed", "aria-label": t("Speed"), title: t("Speed (+ / -)"), onchange: () => cb.speed(Number(this.speedSel.value)) },
      SPEEDS.map((s) => h("option", { value: s, text: `${s}×` })));
    this.scrub = h("input", { type: "range", class: "ctl-scrub", min: 0, max: 0, value: 0, step: 1, "aria-label": t("Timeline: event number") });
    this.scrub.addEventListener("change", () => cb.seek(Number(this.scrub.value)));
    this.marks = h("div", { class: "scrub-marks", "aria-hidden": "true" });
    this.counter = h("span", { class: "ctl-counter", "aria-live": "off" });
    this.osSel = h("select", { class: "ctl-os", "aria-label": t("OS profile of hosts the lesson does not pin"), title: t("OS profile (hosts the lesson pins keep theirs)"), onchange: () => cb.os(this.osSel.value) },
      OSES.map(([v, name]) => h("option", { value: v, text: name })));
    this.seedIn = h("input", { type: "number", class: "ctl-seed", min: 0, step: 1, "aria-label": t("Seed"), title: t("Seed: the same seed replays the same ports"), placeholder: t("seed") });
    this.seedIn.addEventListener("change", () => {
      if (this.seedIn.value !== "") cb.seed(Number(this.seedIn.value));
    });
    this.capSel = h("select", { class: "ctl-caption", "aria-label": t("Captions"), onchange: () => cb.caption(this.capSel.value) },
      [["both", t("Captions: both")], ["analogy", t("Analogy only")], ["technical", t("Technical only")]].map(([v, s]) => h("option", { value: v, text: s })));
    this.themeSel = h("select", { class: "ctl-theme", "aria-label": t("Theme"), title: t("Theme (P: projector)"), onchange: () => cb.theme(this.themeSel.value) },
      THEMES.map((th) => h("option", { value: th, text: themeNames[th] || th })));
    this.fullBtn = btn("full", t("Full screen"), "F", () => cb.fullscreen());
    this.wholeBtn = cb.whole ? btn("whole", t("Whole town"), "W", () => cb.whole()) : null;
    if (this.wholeBtn) this.wholeBtn.setAttribute("aria-pressed", "false");
    this.shareBtn = cb.share ? btn("share", t("Share or embed"), "S", () => cb.share()) : null;
    this.lessonSel = null;
    if (lessons.length) {
      this.lessonSel = h("select", { class: "ctl-lesson", "aria-label": t("Lesson"), onchange: () => cb.lesson(this.lessonSel.value) },
        lessons.map((l) => h("option", { value: l.id, text: l.title, selected: l.id === lesson ? true : null })));
    }
    const transport = h("div", { class: "ctl-group transport" }, this.restartBtn, this.backBtn, this.playBtn, this.stepBtn, this.speedSel);
    const timeline = h("div", { class: "ctl-group timeline" }, h("div", { class: "scrub-wrap" }, this.scrub, this.marks), this.counter);
    const settings = h("div", { class: "ctl-group settings" }, this.osSel, this.seedIn, this.capSel, this.themeSel, this.wholeBtn, this.shareBtn, this.fullBtn);
    // What changes the session, for lockPlayback; the rest (captions,
    // theme, whole town, full screen) is this screen's own.
    this.playbackParts = [transport, timeline, this.osSel, this.seedIn, this.shareBtn].filter(Boolean);
    this.playbackLocked = false;
    root.classList.add("level-" + level);
    if (level === "none") root.hidden = true;
    // An embed (minimal) keeps the whole-town button: on a small frame
    // the camera follows the action, and this is the way back to it all.
    else if (level === "minimal") root.replaceChildren(...[transport, timeline, this.wholeBtn && h("div", { class: "ctl-group view" }, this.wholeBtn)].filter(Boolean));
    else root.replaceChildren(transport, timeline, settings);
  }

  /** lessonMeta updates the scrubber range and checkpoint marks. */
  lessonMeta(meta) {
    this.meta = meta;
    this.scrub.max = String(meta.total || 0);
    this.scrub.min = "0";
    this.marks.replaceChildren(...(meta.checkpoints || []).map((seq) => {
      const m = h("span", { class: "scrub-mark", title: t("Question at event {n}", { n: seq }) });
      m.style.left = `${(100 * seq) / Math.max(1, meta.total)}%`;
      return m;
    }));
    if (meta.os) this.osSel.value = meta.os;
    if (meta.seed !== undefined) this.seedIn.value = String(meta.seed);
  }

  /** show reflects the session's playback state. */
  show(st) {
    this.state = { ...this.state, ...st };
    const playing = this.state.playing;
    this.playBtn.replaceChildren(icon(playing ? ICONS.pause : ICONS.play));
    this.playBtn.setAttribute("aria-label", playing ? t("Pause") : t("Play"));
    this.playBtn.title = (playing ? t("Pause") : t("Play")) + " (" + t("Space") + ")";
    this.playBtn.classList.toggle("playing", playing);
    this.speedSel.value = String(this.state.speed);
    this.at(this.state.seq);
  }

  /**
   * at shows the event on screen, seq, in the counter, the scrubber and the
   * step buttons. While playing, events arrive without a state message, so
   * the viewer calls it as it draws them.
   */
  at(seq) {
    this.state.seq = seq;
    const total = this.state.total || this.meta.total || 0;
    if (document.activeElement !== this.scrub) this.scrub.value = String(seq);
    this.scrub.max = String(total);
    this.counter.textContent = `${seq} / ${total}`;
    this.backBtn.disabled = seq <= 0;
    this.stepBtn.disabled = this.state.total > 0 && seq >= this.state.total;
  }

  setCaption(m) {
    this.capSel.value = m;
  }

  /**
   * lockPlayback takes the session's controls away (a follower while the
   * teacher drives): they go inert and out of sight; the view's own
   * settings stay.
   */
  lockPlayback(locked) {
    this.playbackLocked = locked;
    for (const p of this.playbackParts) p.inert = locked;
    this.root.classList.toggle("locked", locked);
  }

  /** setWhole shows whether the view shows the whole town. */
  setWhole(on) {
    if (this.wholeBtn) this.wholeBtn.setAttribute("aria-pressed", on ? "true" : "false");
  }

  setTheme(t) {
    this.themeSel.value = t;
  }

  /** faster returns the next speed up or down from the current one. */
  faster(dir) {
    const i = SPEEDS.indexOf(this.state.speed);
    const j = Math.max(0, Math.min(SPEEDS.length - 1, (i < 0 ? 2 : i) + dir));
    return Math.max(MIN_SPEED, Math.min(MAX_SPEED, SPEEDS[j]));
  }
}

/**
 * keyboard wires the shortcuts: Space play/pause, Right/Left and
 * PageDown/PageUp (presenter clickers) step, +/- speed, Home restart,
 * F full screen, P projector theme, W whole town. Keys typed into a form
 * field are left alone. While playback is locked (a follower of a class
 * while the teacher drives) the playback keys are too; the view keys
 * still work.
 */
export function keyboard(target, controls, cb) {
  target.addEventListener("keydown", (ev) => {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const t = ev.target;
    if (t && (t.tagName === "INPUT" || t.tagName === "SELECT" || t.tagName === "TEXTAREA" || t.isContentEditable)) return;
    if (t && t.tagName === "BUTTON" && (ev.key === " " || ev.key === "Enter")) return;
    if (t && t.closest && t.closest("[data-select], li[data-seq]") && (ev.key === " " || ev.key === "Enter")) return;
    let handled = true;
    const playback = !controls.playbackLocked;
    switch (ev.key) {
      case " ":
      case "k":
        if (playback) controls.state.playing ? cb.pause() : cb.play();
        break;
      case "ArrowRight":
      case "PageDown":
        if (playback) cb.step();
        break;
      case "ArrowLeft":
      case "PageUp":
        if (playback) cb.back();
        break;
      case "+":
      case "=":
        if (playback) cb.speed(controls.faster(1));
        break;
      case "-":
      case "_":
        if (playback) cb.speed(controls.faster(-1));
        break;
      case "Home":
        if (playback) cb.restart();
        break;
      case "Escape":
        if (cb.dismiss) cb.dismiss();
        else handled = false;
        break;
      case "f":
      case "F":
        cb.fullscreen();
        break;
      case "p":
      case "P":
        cb.theme("toggle-projector");
        break;
      case "w":
      case "W":
        if (cb.whole) cb.whole();
        else handled = false;
        break;
      default:
        handled = false;
    }
    if (handled) ev.preventDefault();
  });
}

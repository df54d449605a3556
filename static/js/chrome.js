// chrome.js: the page a viewer draws on (app.js, viewer.js): it builds
// the stage, the captions, the controls and the sidebar inside #app, and
// keeps the page's look: its size, the theme, the captions' mode, full
// screen.

import { Scene } from "./render.js";
import { Captions } from "./captions.js";
import { Announcer } from "./announce.js";
import { labURL, lessonURL, saved } from "./page.js";
import { Log } from "./log.js";
import { Inspector } from "./inspector.js";
import { Controls, keyboard, THEMES } from "./controls.js";
import { h } from "./dom.js";
import { EmbedBridge } from "./embed.js";
import { ShareDialog } from "./share.js";
import { osTitle } from "./words.js";
import { Classroom } from "./classroom.js";
import { LabView } from "./lab.js";
import { t } from "./i18n.js";
import { C } from "./protocol.js";

/** narrowStage: a stage narrower than this (CSS pixels) draws the big layout. */
const narrowStage = 700;

/** buildPage builds the viewer's page inside its #app: the town's stage,
 * the captions, the controls, the sidebar (the lab's terminals, or the
 * lesson and its log), and the parts that draw into them. */
export function buildPage(v, lessons) {
  const app = v.app;
  const info = document.getElementById("lesson-info");
  v.svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  v.svg.setAttribute("id", "scene");
  // A group, not an image: its buildings and letters are buttons. What
  // it shows is said in words by the list it points to (towntext.js).
  v.svg.setAttribute("role", "group");
  v.svg.setAttribute("aria-label", t("The town"));
  v.svg.setAttribute("preserveAspectRatio", "xMidYMid meet");
  v.card = h("section", { id: "checkpoint", class: "checkpoint", hidden: true, "aria-label": t("Question for the class") });
  v.toast = h("div", { id: "toast", class: "toast", role: "status", "aria-live": "polite", hidden: true });
  v.conn = h("div", { id: "connection", class: "connection", role: "status", hidden: true });
  // The town's layers (render.js) share one box.
  v.sceneBox = h("div", { class: "scene-box" }, v.svg);
  v.stage = h("section", { id: "stage", "aria-label": t("The town") }, v.sceneBox, v.card, v.conn, v.toast);
  // Focusable: a long caption scrolls, and a keyboard must reach it.
  v.captionsEl = h("section", { id: "captions", class: "captions", "aria-label": t("What is happening"), tabindex: 0 });
  v.toolbar = h("div", { id: "controls", class: "controls", role: "toolbar", "aria-label": t("Playback") });
  v.logEl = h("section", { id: "log", class: "log", "aria-label": t("Event log") });
  v.inspectorEl = h("section", { id: "inspector", class: "inspector", hidden: true, "aria-label": t("Inspector") });
  let side;
  if (v.isLab) {
    // The lab's sidebar is its terminals; the lesson text and the event
    // log fold away under them.
    v.labEl = h("section", { id: "lab", class: "lab-panel", "aria-label": t("Lab") });
    if (info) info.hidden = true;
    side = h("aside", { id: "sidebar", class: "sidebar lab-sidebar" }, v.labEl, v.inspectorEl,
      h("details", { class: "lab-log" }, h("summary", { class: "side-title", text: t("Event log") }), v.logEl));
  } else {
    side = h("aside", { id: "sidebar", class: "sidebar" }, info, v.inspectorEl, h("h2", { class: "side-title", text: t("Event log") }), v.logEl);
  }
  // The class bar is a row of its own above the town, never over it;
  // outside a class, "Start a class" waits in the page's header.
  v.classBar = h("div", { id: "class-bar", class: "class-bar", hidden: true, role: "status" });
  const main = h("div", { class: "viewer-main" }, v.classBar, v.stage, v.captionsEl, v.toolbar);
  app.replaceChildren(main, side);
  if (info && !v.isLab) info.hidden = false;

  const reduced = matchMedia("(prefers-reduced-motion: reduce)");
  v.scene = new Scene(v.svg, {
    reducedMotion: reduced.matches,
    // The town's DOM changes at the words' turn (render.js requestDOM).
    domTurn: () => v.uiPace.request(),
    onSelect: (kind, id) => {
      if (v.lab && kind === "host") {
        // In the lab a building is a terminal to type into.
        v.lab.select(id);
        return;
      }
      v.inspector.select(kind, id);
      v.inspector.draw(v.state);
    },
  });
  reduced.addEventListener?.("change", () => (v.scene.reducedMotion = reduced.matches));
  v.announcer = new Announcer(v.stage);
  v.captions = new Captions(v.captionsEl, v.card, {
    announcer: v.announcer,
    onAnswer: (n, id) => {
      v.bridge.answer(n, id);
      v.classroom.answer(n, id);
    },
  });
  // The host page of an embed (a course page) can drive the view and
  // hear its events through postMessage (docs/embedding.md).
  v.bridge = new EmbedBridge(v, (v.params.origin || "").split(",").map((o) => o.trim()).filter(Boolean));
  v.shareDialog = new ShareDialog(() => ({
    title: v.meta ? v.meta.title : "",
    os: v.meta ? v.meta.os : "", osTitle: osTitle(v.meta ? v.meta.os : ""),
    seed: v.meta ? v.meta.seed : undefined, seq: v.state.seq, startSeq: v.meta ? v.meta.start : 0,
    total: v.meta ? v.meta.total : 0, speed: v.playback.speed,
    theme: document.documentElement.dataset.theme, caption: v.captions.mode,
    capture: v.captureSource(),
  }));
  v.log = new Log(v.logEl, { onSeek: (seq) => v.send({ type: C.SEEK, seq }) });
  v.inspector = new Inspector(v.inspectorEl, {});
  const level = v.params.controls || (v.mode === "embed" ? "minimal" : "full");
  const cb = {
    play: () => {
      v.classroom.showScreen(false);
      v.send({ type: C.PLAY });
    },
    pause: () => v.send({ type: C.PAUSE }),
    step: () => {
      v.captions.hideCard();
      v.classroom.showScreen(false);
      v.send({ type: C.STEP });
    },
    back: () => v.send({ type: C.BACK }),
    restart: () => v.send({ type: C.RESTART }),
    seek: (seq) => v.send({ type: C.SEEK, seq }),
    speed: (x) => v.send({ type: C.SPEED, x }),
    os: (os) => v.send({ type: C.LOAD, os }),
    seed: (seed) => v.send({ type: C.LOAD, seed }),
    caption: (m) => v.setCaption(m, true),
    theme: (t) => v.setTheme(t, true),
    fullscreen: () => v.fullscreen(),
    whole: () => {
      v.scene.setWhole(!v.scene.whole);
      v.controls.setWhole(v.scene.whole);
    },
    share: () => v.shareDialog.open(),
    // Escape closes the inspector first, then the question.
    dismiss: () => (v.inspector.open ? v.inspector.close() : v.captions.hideCard(true)),
    lesson: (id) => {
      location.href = v.isLab ? labURL(id) : lessonURL(id);
    },
  };
  v.controls = new Controls(v.toolbar, cb, { level, lessons, lesson: v.params.lesson });
  if (v.isLive) v.controls.lockPlayback(true);
  keyboard(document, v.controls, cb);
  v.classroom = new Classroom(v, v.classBar, document.querySelector(".viewer-header"));
  v.classroom.draw();
  v.lab = v.isLab ? new LabView(v, v.labEl) : null;
  v.setTheme(v.params.theme || saved.get("theme") || (matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light"), false);
  v.setCaption(v.params.caption || saved.get("caption") || "both", false);
  if (v.params.view === "whole" || (v.isLive && v.params.view !== "camera")) {
    // ?view=whole: the whole town, not the camera (a course page that
    // wants every building in sight). The live view starts so too: its
    // events come every second from everywhere, and a camera chasing
    // them would never rest (W, or ?view=camera, turns it on).
    v.scene.setWhole(true);
    v.controls.setWhole(true);
  }
  // The town's own box: the stage less what a question takes of it.
  const ro = new ResizeObserver(() => v.resize());
  ro.observe(v.sceneBox);
  v.resize();
  document.body.classList.add("ready");
}

export function resize(v) {
  const r = v.sceneBox.getBoundingClientRect();
  if (r.width > 0 && r.height > 0) {
    v.stageWidth = r.width;
    updateBig(v);
    v.scene.resize(r.width, r.height);
    v.captions.fit();
  }
}

/**
 * updateBig picks the big layout (fewer details, larger type) for the
 * projector, and for a stage as narrow as a phone's, where the normal
 * layout's type cannot be made readable.
 */
export function updateBig(v) {
  const projector = document.documentElement.dataset.theme === "projector";
  const narrow = (v.stageWidth || 1000) < narrowStage;
  v.scene.setBig(projector || narrow, projector ? "projector" : narrow ? "phone" : "normal");
}

export function setTheme(v, t, save) {
  if (t === "toggle-projector") t = document.documentElement.dataset.theme === "projector" ? (saved.get("theme-before") || "light") : "projector";
  if (!THEMES.includes(t)) t = "light";
  if (t !== "projector") saved.set("theme-before", t);
  document.documentElement.dataset.theme = t;
  v.controls.setTheme(t);
  updateBig(v);
  v.captions.fit();
  if (save) saved.set("theme", t);
}

export function setCaption(v, m, save) {
  v.captions.setMode(m);
  v.controls.setCaption(v.captions.mode);
  if (save) saved.set("caption", v.captions.mode);
}

export function fullscreen(v) {
  if (document.fullscreenElement) document.exitFullscreen?.();
  else (v.mode === "embed" ? v.app : document.documentElement).requestFullscreen?.().catch(() => {});
}

// app.js: the lesson viewer. It connects a transport to a session and keeps
// the model, the scene, the captions, the log, the inspector and the
// controls in step with what the session sends. Data flows one way: session
// messages -> model (pure reducer) -> render; user actions become requests
// to the session, never direct changes to the world.

import { S, C, VERSION, holdMs } from "./protocol.js";
import { empty, fromSnapshot, apply } from "./model.js";
import { Scene } from "./render.js";
import { Captions } from "./captions.js";
import { Announcer } from "./announce.js";
import { drawTowns } from "./thumbs.js";
import { lessonURL, labURL, readParams, saved, tabStore, followContrast, pickLanguage } from "./page.js";
import { Log } from "./log.js";
import { Inspector } from "./inspector.js";
import { Controls, keyboard, THEMES } from "./controls.js";
import { SocketTransport } from "./transport.js";
import { WasmTransport } from "./wasm.js";
import { h } from "./dom.js";
import { EmbedBridge } from "./embed.js";
import { ShareDialog } from "./share.js";
import { captureSource } from "./capture.js";
import { osTitle } from "./words.js";
import { Classroom } from "./classroom.js";
import { LabView } from "./lab.js";
import { t } from "./i18n.js";
import { Pace } from "./pace.js";

/** narrowStage: a stage narrower than this (CSS pixels) draws the big layout. */
const narrowStage = 700;

/** maxLiveEvents bounds the events the live view keeps for its log and captions. */
const maxLiveEvents = 500;

/** uiEveryMs is how often, at most, a busy stream updates the captions and the log (issue 17: five times a second). */
const uiEveryMs = 200;

/** atEveryMs is how often, at most, the counter and scrubber move during playback. */
const atEveryMs = 200;

export class Viewer {
  constructor(app, { transport, lessons = [] } = {}) {
    this.app = app;
    this.params = readParams(app);
    this.mode = app.dataset.mode || "full";
    this.isLab = app.dataset.lab === "1";
    // The live view (web/live.go): this machine, looked at every second.
    // No playback, no class, no sharing; the events come as they happen.
    this.isLive = this.mode === "live";
    this.state = empty();
    this.meta = null;
    this.session = "";
    this.timeline = 0;
    this.events = new Map(); // seq -> event, for the current timeline
    this.playback = { playing: false, speed: 1, seq: 0, total: 0 };
    this.ui = []; // events not yet shown in captions and log
    // The captions, log and inspector, and the counter, keep a pace (pace.js).
    this.uiPace = new Pace(uiEveryMs, () => this.flushUI(), { frame: true });
    this.atPace = new Pace(atEveryMs, () => this.controls.at(this.state.seq));
    this.offline = !transport && this.params.transport === "none";
    this.build(lessons);
    if (this.offline) {
      // An offline viewer: no session; whoever drives the page calls
      // receive() with messages (a recorded stream, a benchmark).
      transport = { open() {}, send() {}, close() {} };
    }
    if (!transport && app.dataset.transport === "wasm") {
      // The static build: the session runs in the page (wasm.js).
      transport = new WasmTransport({ url: app.dataset.wasm });
    }
    this.transport = transport || new SocketTransport({
      url: app.dataset.ws || "/ws",
      onMessage: (m) => this.receive(m),
      onStatus: (s, code) => this.status(s, code),
      resumeInfo: () => this.reconnectParams(),
    });
    if (transport) {
      transport.onMessage = (m) => this.receive(m);
      transport.onStatus = (s, code) => this.status(s, code);
    }
    this.transport.open(this.openParams());
  }

  /**
   * openParams says how to open the session: a follower joins its class; a
   * page reloaded in the same tab goes back to its session (and, for a
   * presenter, its class); otherwise a new session on the lesson.
   */
  openParams() {
    if (this.isLive) return {};
    const base = Classroom.connectParams(this.app, this.params);
    if (base.class) return base;
    if (this.isLab) base.lab = "1";
    const sid = this.remembered();
    if (sid) return { ...base, session: sid, token: Classroom.tokenFor(sid) || undefined };
    return base;
  }

  /** reconnectParams: where to resume after a dropped connection. */
  reconnectParams() {
    if (this.isLive) return null;
    const after = this.classroom && this.classroom.private ? this.classSeq : this.state.seq;
    if (this.app.dataset.class) {
      const p = Classroom.connectParams(this.app, this.params);
      return { ...p, after, timeline: this.classTimeline || undefined };
    }
    if (!this.session) return null;
    return {
      lesson: this.params.lesson, os: this.params.os, seed: this.params.seed,
      session: this.session, timeline: this.timeline, after,
      token: Classroom.tokenFor(this.session) || undefined,
      lab: this.isLab ? "1" : undefined,
    };
  }

  sessionKey() {
    return `session.${this.isLab ? "lab" : this.mode}.${this.params.lesson}`;
  }

  remembered() {
    return tabStore.get(this.sessionKey());
  }

  remember(sid) {
    if (sid) tabStore.set(this.sessionKey(), sid);
  }

  build(lessons) {
    const app = this.app;
    const info = document.getElementById("lesson-info");
    this.svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    this.svg.setAttribute("id", "scene");
    // A group, not an image: its buildings and letters are buttons. What
    // it shows is said in words by the list it points to (towntext.js).
    this.svg.setAttribute("role", "group");
    this.svg.setAttribute("aria-label", t("The town"));
    this.svg.setAttribute("preserveAspectRatio", "xMidYMid meet");
    this.card = h("section", { id: "checkpoint", class: "checkpoint", hidden: true, "aria-label": t("Question for the class") });
    this.toast = h("div", { id: "toast", class: "toast", role: "status", "aria-live": "polite", hidden: true });
    this.conn = h("div", { id: "connection", class: "connection", role: "status", hidden: true });
    // The town's layers (render.js) share one box.
    this.sceneBox = h("div", { class: "scene-box" }, this.svg);
    this.stage = h("section", { id: "stage", "aria-label": t("The town") }, this.sceneBox, this.card, this.conn, this.toast);
    // Focusable: a long caption scrolls, and a keyboard must reach it.
    this.captionsEl = h("section", { id: "captions", class: "captions", "aria-label": t("What is happening"), tabindex: 0 });
    this.toolbar = h("div", { id: "controls", class: "controls", role: "toolbar", "aria-label": t("Playback") });
    this.logEl = h("section", { id: "log", class: "log", "aria-label": t("Event log") });
    this.inspectorEl = h("section", { id: "inspector", class: "inspector", hidden: true, "aria-label": t("Inspector") });
    let side;
    if (this.isLab) {
      // The lab's sidebar is its terminals; the lesson text and the event
      // log fold away under them.
      this.labEl = h("section", { id: "lab", class: "lab-panel", "aria-label": t("Lab") });
      if (info) info.hidden = true;
      side = h("aside", { id: "sidebar", class: "sidebar lab-sidebar" }, this.labEl, this.inspectorEl,
        h("details", { class: "lab-log" }, h("summary", { class: "side-title", text: t("Event log") }), this.logEl));
    } else {
      side = h("aside", { id: "sidebar", class: "sidebar" }, info, this.inspectorEl, h("h2", { class: "side-title", text: t("Event log") }), this.logEl);
    }
    // The class bar is a row of its own above the town, never over it;
    // outside a class, "Start a class" waits in the page's header.
    this.classBar = h("div", { id: "class-bar", class: "class-bar", hidden: true, role: "status" });
    const main = h("div", { class: "viewer-main" }, this.classBar, this.stage, this.captionsEl, this.toolbar);
    app.replaceChildren(main, side);
    if (info && !this.isLab) info.hidden = false;

    const reduced = matchMedia("(prefers-reduced-motion: reduce)");
    this.scene = new Scene(this.svg, {
      reducedMotion: reduced.matches,
      // The town's DOM changes at the words' turn (render.js requestDOM).
      domTurn: () => this.uiPace.request(),
      onSelect: (kind, id) => {
        if (this.lab && kind === "host") {
          // In the lab a building is a terminal to type into.
          this.lab.select(id);
          return;
        }
        this.inspector.select(kind, id);
        this.inspector.draw(this.state);
      },
    });
    reduced.addEventListener?.("change", () => (this.scene.reducedMotion = reduced.matches));
    this.announcer = new Announcer(this.stage);
    this.captions = new Captions(this.captionsEl, this.card, {
      announcer: this.announcer,
      onAnswer: (n, id) => {
        this.bridge.answer(n, id);
        this.classroom.answer(n, id);
      },
    });
    // The host page of an embed (a course page) can drive the view and
    // hear its events through postMessage (docs/embedding.md).
    this.bridge = new EmbedBridge(this, (this.params.origin || "").split(",").map((o) => o.trim()).filter(Boolean));
    this.shareDialog = new ShareDialog(() => ({
      title: this.meta ? this.meta.title : "",
      os: this.meta ? this.meta.os : "", osTitle: osTitle(this.meta ? this.meta.os : ""),
      seed: this.meta ? this.meta.seed : undefined, seq: this.state.seq, startSeq: this.meta ? this.meta.start : 0,
      total: this.meta ? this.meta.total : 0, speed: this.playback.speed,
      theme: document.documentElement.dataset.theme, caption: this.captions.mode,
      capture: this.captureSource(),
    }));
    this.log = new Log(this.logEl, { onSeek: (seq) => this.send({ type: C.SEEK, seq }) });
    this.inspector = new Inspector(this.inspectorEl, {});
    const level = this.params.controls || (this.mode === "embed" ? "minimal" : "full");
    const cb = {
      play: () => {
        this.classroom.showScreen(false);
        this.send({ type: C.PLAY });
      },
      pause: () => this.send({ type: C.PAUSE }),
      step: () => {
        this.captions.hideCard();
        this.classroom.showScreen(false);
        this.send({ type: C.STEP });
      },
      back: () => this.send({ type: C.BACK }),
      restart: () => this.send({ type: C.RESTART }),
      seek: (seq) => this.send({ type: C.SEEK, seq }),
      speed: (x) => this.send({ type: C.SPEED, x }),
      os: (os) => this.send({ type: C.LOAD, os }),
      seed: (seed) => this.send({ type: C.LOAD, seed }),
      caption: (m) => this.setCaption(m, true),
      theme: (t) => this.setTheme(t, true),
      fullscreen: () => this.fullscreen(),
      whole: () => {
        this.scene.setWhole(!this.scene.whole);
        this.controls.setWhole(this.scene.whole);
      },
      share: () => this.shareDialog.open(),
      // Escape closes the inspector first, then the question.
      dismiss: () => (this.inspector.open ? this.inspector.close() : this.captions.hideCard(true)),
      lesson: (id) => {
        location.href = this.isLab ? labURL(id) : lessonURL(id);
      },
    };
    this.controls = new Controls(this.toolbar, cb, { level, lessons, lesson: this.params.lesson });
    if (this.isLive) this.controls.lockPlayback(true);
    keyboard(document, this.controls, cb);
    this.classroom = new Classroom(this, this.classBar, document.querySelector(".viewer-header"));
    this.classroom.draw();
    this.lab = this.isLab ? new LabView(this, this.labEl) : null;
    this.setTheme(this.params.theme || saved.get("theme") || (matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light"), false);
    this.setCaption(this.params.caption || saved.get("caption") || "both", false);
    if (this.params.view === "whole" || (this.isLive && this.params.view !== "camera")) {
      // ?view=whole: the whole town, not the camera (a course page that
      // wants every building in sight). The live view starts so too: its
      // events come every second from everywhere, and a camera chasing
      // them would never rest (W, or ?view=camera, turns it on).
      this.scene.setWhole(true);
      this.controls.setWhole(true);
    }
    // The town's own box: the stage less what a question takes of it.
    const ro = new ResizeObserver(() => this.resize());
    ro.observe(this.sceneBox);
    this.resize();
    document.body.classList.add("ready");
  }

  resize() {
    const r = this.sceneBox.getBoundingClientRect();
    if (r.width > 0 && r.height > 0) {
      this.stageWidth = r.width;
      this.updateBig();
      this.scene.resize(r.width, r.height);
      this.captions.fit();
    }
  }

  /**
   * updateBig picks the big layout (fewer details, larger type) for the
   * projector, and for a stage as narrow as a phone's, where the normal
   * layout's type cannot be made readable.
   */
  updateBig() {
    const projector = document.documentElement.dataset.theme === "projector";
    const narrow = (this.stageWidth || 1000) < narrowStage;
    this.scene.setBig(projector || narrow, projector ? "projector" : narrow ? "phone" : "normal");
  }

  setTheme(t, save) {
    if (t === "toggle-projector") t = document.documentElement.dataset.theme === "projector" ? (saved.get("theme-before") || "light") : "projector";
    if (!THEMES.includes(t)) t = "light";
    if (t !== "projector") saved.set("theme-before", t);
    document.documentElement.dataset.theme = t;
    this.controls.setTheme(t);
    this.updateBig();
    this.captions.fit();
    if (save) saved.set("theme", t);
  }

  setCaption(m, save) {
    this.captions.setMode(m);
    this.controls.setCaption(this.captions.mode);
    if (save) saved.set("caption", this.captions.mode);
  }

  fullscreen() {
    if (document.fullscreenElement) document.exitFullscreen?.();
    else (this.mode === "embed" ? this.app : document.documentElement).requestFullscreen?.().catch(() => {});
  }

  /** captureSource says where the capture for Wireshark of what the view plays comes from (capture.js). */
  captureSource() {
    const wasm = this.app.dataset.transport === "wasm" ? this.app.dataset.wasm : "";
    return captureSource({ meta: this.meta, session: this.session, wasm });
  }

  /** send sends a request to the session the viewer shows: a follower's private copy when it explores, else its session. */
  send(msg) {
    const cl = this.classroom;
    if (cl && cl.role === "follower" && cl.info.mode === "free") cl.explore(msg);
    else if (cl && cl.private) cl.private.transport.send(msg);
    else this.transport.send(msg);
  }

  /** sendClass sends a class message on the class's connection. */
  sendClass(msg) {
    this.transport.send(msg);
  }

  /** classChanged updates what depends on the viewer's role in a class. */
  classChanged() {
    const following = this.classroom.following && !this.classroom.private;
    document.body.classList.toggle("following", !!following);
    this.controls.lockPlayback(!!following);
    // A follower types only into a private copy (free mode forks one on
    // the first input, as on the first control).
    if (this.lab) this.lab.setReadOnly(!!following);
  }

  /** receivePrivate handles the messages of a follower's private copy. */
  receivePrivate(m) {
    if (m.type === S.HELLO) {
      this.newTimeline(m.timeline, m.lesson, m.snapshot);
      this.playbackState(m.state);
      if (this.lab) this.lab.hello(m.lab, false);
      return;
    }
    this.receive(m, true);
  }

  status(s, code) {
    if (s === "open") {
      this.conn.hidden = true;
      return;
    }
    if (s === "connecting") return;
    this.conn.hidden = false;
    this.conn.textContent = s === "reconnecting"
      ? t("Connection lost: reconnecting…")
      : code === 1013 ? t("The server is busy (too many sessions). Reload in a moment.") : t("Disconnected from the server. Reload the page to continue.");
  }

  receive(m, fromPrivate = false) {
    if (this.classroom.receive(m)) return;
    if (this.lab && (fromPrivate || !this.classroom.private) && this.lab.receive(m)) return;
    if (!fromPrivate && this.classroom.private) {
      // While a follower explores its private copy, the class goes on;
      // remember where, and show it again when the teacher calls back.
      if (m.type === S.EVENT) this.classSeq = Math.max(this.classSeq || 0, m.event.seq);
      if (m.type === S.EVENTS && m.events.length) this.classSeq = Math.max(this.classSeq || 0, m.events[m.events.length - 1].seq);
      if (m.type === S.STATE) this.classSeq = m.seq;
      if (m.state) this.classSeq = m.state.seq;
      if (m.type !== S.ERROR) return;
    }
    switch (m.type) {
      case S.HELLO:
        if (m.v !== VERSION) {
          this.notice(t("This page speaks protocol {page}, the server {server}: reload the page.", { page: VERSION, server: m.v }));
        }
        const newSession = !!this.session && this.session !== m.session;
        this.session = m.session;
        this.remember(m.session);
        this.classroom.hello(m.class);
        if (m.class && m.class.role === "follower") this.classTimeline = m.timeline;
        if (m.resumed && m.timeline === this.timeline) {
          this.playbackState(m.state);
          if (this.lab) this.lab.hello(m.lab, false);
          return;
        }
        this.newTimeline(m.timeline, m.lesson, m.snapshot, m.recent);
        this.playbackState(m.state);
        if (this.lab) this.lab.hello(m.lab, newSession);
        if (!m.class) this.applyStartParams();
        return;
      case S.EVENT:
      case S.EVENTS:
        this.take(m.type === S.EVENT ? [m.event] : m.events, !!m.replay);
        if (m.state) this.playbackState(m.state); // after a step or play, the state rides along
        return;
      case S.SNAPSHOT:
        if (m.lesson) this.newTimeline(m.timeline, m.lesson, m.snapshot, m.recent);
        else {
          // A lab's undo gives its timeline a new id without a new lesson.
          if (m.timeline) this.timeline = m.timeline;
          this.jump(m.snapshot, m.recent);
        }
        return;
      case S.STATE:
        this.playbackState(m);
        return;
      case S.LIVE:
        this.captions.pin({ kind: "note", text: m.text, analogy: m.analogy });
        return;
      case S.ERROR:
        if (m.code === "replaced" || m.code === "unknown_class") this.transport.close();
        this.notice(m.message + (m.errors ? "\n" + m.errors.map((e) => `line ${e.line}:${e.col}: ${e.message}`).join("\n") : ""));
        return;
    }
  }

  applyStartParams() {
    if (this.startApplied) return;
    this.startApplied = true;
    const p = this.params;
    if (p.speed) this.send({ type: C.SPEED, x: p.speed });
    if (p.start !== undefined && !Number.isNaN(p.start)) this.send({ type: C.SEEK, seq: p.start });
    if (p.autoplay) this.send({ type: C.PLAY });
  }

  newTimeline(timeline, lesson, snap, recent) {
    this.timeline = timeline;
    this.meta = lesson;
    this.events.clear();
    this.ui.length = 0;
    this.state = snap ? fromSnapshot(snap) : empty();
    const known = this.learn(recent);
    this.scene.settle();
    this.scene.setCapacity(lesson.capacity);
    this.scene.show(this.state, { jump: true, focus: this.focusAt(this.state.seq) });
    if (this.isLab) {
      // The buildings and their programs are there before the first
      // command: the captions start with what the learner does.
      this.captions.setIdle(t("Your town is ready. Type a command into a building's terminal (help lists them) and watch it play out here."), lesson.start);
    }
    this.captions.reset();
    this.captions.restore(known);
    this.log.set(known);
    this.inspector.draw(this.state);
    this.controls.lessonMeta(lesson);
    if (this.lab) this.lab.at(this.state.seq);
    if (lesson.title) document.title = `${lesson.title} · Portville`;
    const heading = document.querySelector(".viewer-header .lesson-title");
    if (this.isLab && heading && lesson.title) heading.textContent = lesson.title;
    this.bridge.ready(lesson);
    this.emitChange();
  }

  /**
   * focusAt returns the newest known event up to seq that happens on a
   * host: what the camera frames there, as it would have playing there.
   */
  focusAt(seq) {
    let best = null;
    for (const e of this.events.values()) if (e.seq <= seq && e.host && (!best || e.seq > best.seq)) best = e;
    return best;
  }

  /** jump replaces the state with a snapshot (seek, step back, restart). */
  jump(snap, recent) {
    this.ui.length = 0;
    this.state = fromSnapshot(snap);
    for (const seq of [...this.events.keys()]) if (seq > this.state.seq) this.events.delete(seq);
    this.learn(recent);
    const known = [...this.events.values()].sort((a, b) => a.seq - b.seq);
    this.scene.settle();
    this.scene.show(this.state, { jump: true, focus: this.focusAt(this.state.seq) });
    this.log.set(known);
    // The captions read the unbroken run of events that ends here: with a
    // gap (events known from before a long seek), a question asked before
    // the gap would look unanswered.
    let from = known.length - 1;
    while (from > 0 && known.length - from < 60 && known[from - 1].seq === known[from].seq - 1) from--;
    this.captions.restore(known.slice(from));
    this.inspector.draw(this.state);
    if (this.lab) this.lab.at(this.state.seq);
    this.emitChange();
  }

  /**
   * learn keeps the events a hello or snapshot sent as context (they are
   * already in the snapshot), for the captions and the log; it returns
   * every known event up to the state, in order.
   */
  learn(recent) {
    for (const e of recent || []) {
      if (e.seq <= this.state.seq) {
        this.events.set(e.seq, e);
        this.inspector.remember(e);
      }
    }
    return [...this.events.values()].filter((e) => e.seq <= this.state.seq).sort((a, b) => a.seq - b.seq);
  }

  /** take applies events that follow the current state, animating them. */
  take(events, replay) {
    let applied = 0;
    for (const e of events) {
      if (e.seq <= this.state.seq) continue; // already applied (a resend)
      if (e.seq !== this.state.seq + 1) {
        // A gap: ask the session for what is missing.
        this.send({ type: C.RESUME, after: this.state.seq });
        break;
      }
      const prev = this.state;
      this.state = apply(prev, e);
      this.events.set(e.seq, e);
      // The live view's events never end: keep the last maxLiveEvents.
      if (this.isLive && this.events.size > maxLiveEvents) this.events.delete(this.events.keys().next().value);
      this.inspector.remember(e);
      this.ui.push(e);
      applied++;
      const speed = this.playback.playing ? this.playback.speed : 1;
      const dur = replay ? 0 : Math.min(1400, (0.75 * holdMs(e.kind)) / speed / Math.max(1, events.length));
      this.scene.show(this.state, { prev, event: e, duration: dur });
    }
    if (applied) this.scheduleUI();
  }

  /**
   * scheduleUI updates the captions, the log and the inspector once per
   * animation frame, however many events arrived: a burst of events must
   * not make the page lay itself out for each one. A busy stream (a
   * crowded town, a lesson at 8x) updates them at most every uiEveryMs
   * (pace.js). now skips the wait (playback stopped).
   */
  scheduleUI(now = false) {
    this.uiPace.request(now);
  }

  flushUI() {
    const drew = this.scene.syncDOM();
    const batch = this.ui.splice(0);
    if (!batch.length) return drew;
    for (const e of batch) this.captions.show(e, false);
    this.captions.draw();
    this.log.add(batch);
    this.inspector.draw(this.state);
    if (this.lab) this.lab.at(this.state.seq);
    // The counter and scrubber follow the events; a few times a second is
    // enough for the eye, and redrawing them at every frame of a busy
    // scene costs frames. The last event of a burst is shown once the
    // burst is over.
    this.atPace.request();
    this.bridge.events(batch);
    this.emitChange();
  }

  playbackState(st) {
    if (!st) return;
    this.playback = { ...this.playback, ...st };
    // Where playback stops (a step, a question, the end), the words catch
    // up at the next frame: only a stream that goes on waits its turn.
    if (!this.playback.playing && this.ui.length) this.scheduleUI(true);
    if (!this.playback.playing) this.scene.catchUp(); // and so does the town (render.js domEveryMs)
    this.controls.show(this.playback);
    this.bridge.state(this.playback);
    document.body.classList.toggle("playing", !!this.playback.playing);
  }

  /** notice shows a message over the stage; sticky ones stay. */
  notice(text, sticky = false) {
    this.toast.textContent = text;
    this.toast.hidden = false;
    clearTimeout(this.toastTimer);
    if (!sticky) this.toastTimer = setTimeout(() => (this.toast.hidden = true), 7000);
  }

  emitChange() {
    this.app.dispatchEvent(new CustomEvent("portville:change", { detail: { seq: this.state.seq } }));
  }
}

/** start runs the viewer on the page's #app element. */
export async function start() {
  followContrast();
  pickLanguage();
  const app = document.getElementById("app");
  if (!app) {
    drawTowns(); // the picker
    return null;
  }
  let lessons = [];
  const sel = document.getElementById("lesson-select");
  if (sel) {
    sel.addEventListener("change", () => (location.href = sel.dataset.lab ? labURL(sel.value) : lessonURL(sel.value)));
    if (sel.dataset.lab) sel.value = new URLSearchParams(location.search).get("lesson") || "";
  }
  const viewer = new Viewer(app, { lessons });
  // For tests and the host page: a read-only look at the viewer.
  window.portville = {
    viewer,
    state: () => viewer.state,
    seq: () => viewer.state.seq,
    playback: () => viewer.playback,
    frames: () => viewer.scene.frames,
  };
  return viewer;
}

start();

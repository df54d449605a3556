// viewer.js: the lesson viewer. It connects a transport to a session and
// keeps the model, the scene, the captions, the log, the inspector and the
// controls in step with what the session sends. Data flows one way:
// session messages -> model (pure reducer) -> render; user actions become
// requests to the session, never direct changes to the world. The page it
// draws on is chrome.js's; app.js starts it.

import { S, C, VERSION, holdMs } from "./protocol.js";
import { empty, fromSnapshot, apply } from "./model.js";
import { readParams, tabStore } from "./page.js";
import { SocketTransport } from "./transport.js";
import { WasmTransport } from "./wasm.js";
import { captureSource } from "./capture.js";
import { Classroom } from "./classroom.js";
import { t } from "./i18n.js";
import { Pace } from "./pace.js";
import { buildPage, resize, updateBig, setTheme, setCaption, fullscreen } from "./chrome.js";

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
    buildPage(this, lessons);
  }

  resize() {
    resize(this);
  }

  updateBig() {
    updateBig(this);
  }

  setTheme(t, save) {
    setTheme(this, t, save);
  }

  setCaption(m, save) {
    setCaption(this, m, save);
  }

  fullscreen() {
    fullscreen(this);
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

// wasm.js: the session of docs/protocol.md run inside the page, for the
// static build (portville export-static), where there is no server.
// WasmTransport has the shape of SocketTransport (transport.js): open(params),
// send(message), close(), and it calls onMessage with exactly the messages a
// server would send, and onStatus with "connecting", "open" and "closed".
//
// The simulator is Go compiled to WebAssembly (cmd/portville-wasm), loaded
// with Go's wasm_exec.js and given the lessons already parsed
// (lessons.json); both files sit next to the module. It builds a whole
// timeline per lesson, OS and seed, and the world at any event. This module
// does what the server's session does with them: it paces the events as
// web/player.go does and answers control messages as web/hub.go does, with
// the same errors. What only a shared server needs is left out: rate
// limits, message size limits, reconnection. Loading an inline scenario
// needs the YAML parser, which the module leaves out to stay small, so it
// is refused with an error.
//
// Everything runs on the page's thread: a message goes out in a microtask
// after the call that caused it, in order, never from inside that call.

import { S, C, E, VERSION, MIN_SPEED, MAX_SPEED, holdMs } from "./protocol.js";
import { openLab, parseLab, labCommand, labSnapshot } from "./wasmlab.js";
import { t, lang } from "./i18n.js";

/** Bounds, as the server's (web/server.go, web/player.go, web/protocol.go). */
const MAX_BATCH_EVENTS = 256; // events in one events frame
const MAX_RESUME_EVENTS = 1000; // more missed than this get a snapshot
const MAX_QUEUED = 16; // messages sent before the session is open
const MAX_TYPE_ECHO_BYTES = 32; // how much of an unknown type an error repeats
const MAX_UINT64 = "18446744073709551615";

/** Close codes reported with onStatus("closed", code), as a websocket's. */
const CLOSE_NORMAL = 1000;
const CLOSE_POLICY = 1008;
const CLOSE_INTERNAL = 1011;

/** The sentence the server shows for an unknown lesson in the URL (web/errors.go). */
const UNKNOWN_LESSON_TEXT = t("There is no lesson with that name. The lessons are listed on the home page.");

/** The simulator, loaded once per page and shared by every transport. */
let simulator = null;

/**
 * loadSimulator loads wasm_exec.js, the lessons and the module at wasmURL
 * (relative to the page), starts the module and returns its functions.
 */
function loadSimulator(wasmURL) {
  if (!simulator) {
    simulator = (async () => {
      const url = new URL(wasmURL, document.baseURI);
      await import(new URL("wasm_exec.js", url).href);
      const go = new globalThis.Go();
      const [lessons, instance] = await Promise.all([
        fetchOK(new URL("lessons.json", url)).then((r) => r.text()),
        instantiate(url, go.importObject),
      ]);
      // run returns once main has offered its functions and waits for calls.
      go.run(instance);
      const api = globalThis.portvilleWasm;
      if (!api) throw new Error("the simulator did not start");
      const ids = JSON.parse(api.init(lessons));
      if (ids.error) throw new Error(ids.error.message + (ids.error.detail ? ` (${ids.error.detail})` : ""));
      // The module narrates in the page's language: it gets that one
      // catalogue (lang/{code}.json next to it), and English needs none.
      if (lang() !== "en") {
        const cat = await fetchOK(new URL(`lang/${lang()}.json`, url)).then((r) => r.text());
        const ok = JSON.parse(api.language(cat));
        if (ok.error) throw new Error(ok.error.message + (ok.error.detail ? ` (${ok.error.detail})` : ""));
      }
      return api;
    })();
  }
  return simulator;
}

async function fetchOK(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url.pathname}: HTTP ${r.status}`);
  return r;
}

/** instantiate compiles the module while it downloads when the server labels it application/wasm. */
async function instantiate(url, imports) {
  const r = await fetchOK(url);
  if (WebAssembly.instantiateStreaming && (r.headers.get("Content-Type") || "").startsWith("application/wasm")) {
    return (await WebAssembly.instantiateStreaming(r, imports)).instance;
  }
  return (await WebAssembly.instantiate(await r.arrayBuffer(), imports)).instance;
}

/** sessionID returns a random id shaped like the server's (26 base32 letters). */
function sessionID() {
  const abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  const b = crypto.getRandomValues(new Uint8Array(26));
  return Array.from(b, (x) => abc[x & 31]).join("");
}

/** ProtocolError is a protocol error message to send back. */
class ProtocolError extends Error {
  constructor(code, message, errors) {
    super(message);
    this.code = code;
    this.errors = errors;
  }
}

/** call runs one simulator function on a request and returns its decoded answer, or throws a ProtocolError. */
function call(api, fn, req) {
  let out;
  try {
    out = JSON.parse(api[fn](JSON.stringify(req)));
  } catch (err) {
    console.error("portville: the simulator failed:", err);
    throw new ProtocolError(E.INTERNAL, t("The simulator failed. Reload the page to start again."));
  }
  if (out && out.error) {
    if (out.error.detail) console.error("portville: the simulator failed:", out.error.detail);
    throw new ProtocolError(out.error.code, out.error.message, out.error.errors);
  }
  return out;
}

/** uintField reads a whole number as the server does, or throws bad_value. */
function uintField(raw, name) {
  if (!(name in raw)) throw new ProtocolError(E.BAD_VALUE, `${name}: missing`);
  const v = raw[name];
  if (!Number.isSafeInteger(v) || v < 0) {
    throw new ProtocolError(E.BAD_VALUE, `${name}: expected a whole number from 0 to ${MAX_UINT64}`);
  }
  return v;
}

function stringField(raw, name) {
  if (typeof raw[name] !== "string") throw new ProtocolError(E.BAD_VALUE, `${name}: expected a string`);
  return raw[name];
}

export class WasmTransport {
  /**
   * url is the module's URL (#app's data-wasm); wasm_exec.js and
   * lessons.json are next to it. onMessage and onStatus may also be set
   * after construction.
   */
  constructor({ url, onMessage, onStatus } = {}) {
    this.url = url;
    this.onMessage = onMessage || (() => {});
    this.onStatus = onStatus || (() => {});
    this.api = null;
    this.closed = false;
    this.queue = []; // messages sent before the session is open
    this.outbox = []; // messages to deliver
    this.flushing = false;
    this.timer = 0;
  }

  /** open starts a session on params.lesson, with params.os and params.seed (strings, optional). */
  open(params) {
    this.params = params || {};
    this.status("connecting");
    loadSimulator(this.url).then(
      (api) => {
        if (this.closed) return;
        this.api = api;
        this.start();
      },
      (err) => {
        console.error("portville: the simulator could not start:", err);
        if (this.closed) return;
        this.emit({ type: S.ERROR, code: E.INTERNAL, message: t("The simulator could not start: {reason}.", { reason: err.message }) });
        this.end(CLOSE_INTERNAL);
      },
    );
  }

  /** start opens the session as the server's /ws?lesson=..&os=..&seed=.. (or ?lab=1) does (web/ws.go). */
  start() {
    const p = this.params;
    const req = { lesson: p.lesson || "", os: p.os || "", seed: p.seed === undefined || p.seed === null ? "" : String(p.seed) };
    let tl;
    let lab;
    try {
      if (p.lab) {
        ({ tl, lab } = openLab(this, call, p));
      } else {
        if (!req.lesson) throw new ProtocolError(E.BAD_VALUE, "the page names no lesson (data-lesson or ?lesson=ID)");
        tl = this.build(req);
      }
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      const message = err.code === E.UNKNOWN_LESSON ? UNKNOWN_LESSON_TEXT : err.message;
      this.emit({ type: S.ERROR, code: err.code, message, ...(err.errors ? { errors: err.errors } : {}) });
      this.end(CLOSE_POLICY);
      return;
    }
    this.session = sessionID();
    this.tl = tl;
    this.tlID = 1;
    this.cursor = lab ? tl.total : tl.info.start;
    this.playing = false;
    this.speed = 1;
    this.shown = 0; // when the event at the cursor fell due, in performance.now() ms
    this.held = 0; // how long it stays on screen at speed 1
    this.status("open");
    const snap = this.snapshot();
    if (snap === null) {
      this.end(CLOSE_INTERNAL);
      return;
    }
    this.emit({
      type: S.HELLO, v: VERSION, session: this.session, timeline: this.tlID, resumed: false,
      lesson: tl.info, snapshot: snap, recent: this.recent(), state: this.state(), ...(lab ? { lab } : {}),
    });
    for (const m of this.queue.splice(0)) this.handle(m);
  }

  /** build runs a timeline: {info, events, kinds} for req {lesson, os, seed}. */
  build(req) {
    const out = call(this.api, "timeline", req);
    return { req, info: out.lesson, events: out.events, total: out.events.length };
  }

  /** recent returns the last events up to the cursor, as the server sends them (at most 40). */
  recent() {
    return this.tl.events.slice(Math.max(0, this.cursor - 40), this.cursor);
  }

  /** snapshot returns the world at the cursor; if the module fails, it sends the error and returns null. */
  snapshot() {
    try {
      if (this.tl.handle) return labSnapshot(this, call);
      return call(this.api, "snapshot", { ...this.tl.req, seq: this.cursor });
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      this.emit({ type: S.ERROR, code: err.code, message: err.message });
      return null;
    }
  }

  /** send hands the session a message, as a websocket text frame would. */
  send(msg) {
    if (this.closed) return;
    if (!this.tl) {
      if (this.queue.length < MAX_QUEUED) this.queue.push(msg);
      return;
    }
    this.handle(msg);
  }

  close() {
    if (this.closed) return;
    this.disarm();
    this.end(CLOSE_NORMAL);
  }

  /** end closes the session and reports the close code, after what is already queued. */
  end(code) {
    this.closed = true;
    this.disarm();
    this.outbox.push({ status: "closed", code });
    this.flush();
  }

  status(s) {
    this.outbox.push({ status: s });
    this.flush();
  }

  emit(msg) {
    this.outbox.push({ msg });
    this.flush();
  }

  flush() {
    if (this.flushing) return;
    this.flushing = true;
    queueMicrotask(() => {
      this.flushing = false;
      for (const item of this.outbox.splice(0)) {
        if (item.msg) this.onMessage(structuredClone(item.msg));
        else this.onStatus(item.status, item.code);
      }
    });
  }

  // Control messages: web/protocol.go parseCommand, then web/hub.go onInbound.

  handle(msg) {
    let raw;
    try {
      raw = JSON.parse(JSON.stringify(msg));
    } catch {
      raw = undefined;
    }
    try {
      this.command(this.parse(raw));
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      this.emit({ type: S.ERROR, code: err.code, message: err.message, ...(err.errors ? { errors: err.errors } : {}) });
    }
  }

  parse(raw) {
    if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
      throw new ProtocolError(E.BAD_JSON, "the message is not a JSON object");
    }
    if (!("type" in raw)) throw new ProtocolError(E.UNKNOWN_TYPE, "the message has no type");
    const type = raw.type === null ? "" : raw.type;
    if (typeof type !== "string") throw new ProtocolError(E.UNKNOWN_TYPE, "type must be a string");
    const c = { type };
    switch (type) {
      case C.PLAY: case C.PAUSE: case C.STEP: case C.BACK: case C.RESTART:
        return c;
      case C.SEEK:
        c.seq = uintField(raw, "seq");
        return c;
      case C.RESUME:
        c.after = uintField(raw, "after");
        return c;
      case C.SPEED:
        if (!("x" in raw)) throw new ProtocolError(E.BAD_VALUE, "x: missing");
        if (typeof raw.x !== "number") throw new ProtocolError(E.BAD_VALUE, "x: expected a number");
        if (raw.x < MIN_SPEED || raw.x > MAX_SPEED) {
          throw new ProtocolError(E.BAD_VALUE, `x: speed ${raw.x} is out of range (${MIN_SPEED} to ${MAX_SPEED})`);
        }
        c.x = raw.x;
        return c;
      case C.LOAD:
        return this.parseLoad(raw, c);
    }
    if (parseLab(raw, c, ProtocolError, stringField)) return c;
    if (new TextEncoder().encode(type).length > MAX_TYPE_ECHO_BYTES) {
      throw new ProtocolError(E.UNKNOWN_TYPE, "unknown message type");
    }
    throw new ProtocolError(E.UNKNOWN_TYPE, `unknown message type ${JSON.stringify(type)}`);
  }

  parseLoad(raw, c) {
    c.lesson = "lesson" in raw ? stringField(raw, "lesson") : "";
    c.scenario = "scenario" in raw ? stringField(raw, "scenario") : "";
    c.os = "";
    if ("os" in raw) {
      c.os = stringField(raw, "os");
      const bad = this.api.checkOS(c.os);
      if (bad) throw new ProtocolError(E.BAD_VALUE, `os: ${bad}`);
    }
    if ("seed" in raw) c.seed = uintField(raw, "seed");
    if ("lab" in raw) c.lab = stringField(raw, "lab");
    if (c.lesson && c.scenario) throw new ProtocolError(E.BAD_VALUE, "load: give lesson or scenario, not both");
    if (c.lab !== undefined && c.scenario) throw new ProtocolError(E.BAD_VALUE, "load: give lab or scenario, not both");
    if (!c.lesson && !c.scenario && !c.os && c.seed === undefined && c.lab === undefined) {
      throw new ProtocolError(E.BAD_VALUE, "load: give lesson, scenario, lab, os or seed");
    }
    return c;
  }

  command(c) {
    const now = performance.now();
    const total = this.tl.total;
    if (labCommand(this, call, c, now)) return;
    switch (c.type) {
      case C.PLAY:
        this.playing = true;
        this.shown = now;
        this.held = 0;
        if (this.advance(now, true)) return;
        break;
      case C.PAUSE:
        this.pause();
        break;
      case C.STEP:
        this.pause();
        if (this.cursor < total) {
          this.cursor++;
          this.publish(this.cursor, this.cursor, this.state());
          return; // the state came with the event
        }
        break;
      case C.BACK:
        this.pause();
        if (this.cursor > 0) {
          this.cursor--;
          this.sendSnapshot("back");
        }
        break;
      case C.SEEK:
        if (c.seq > total) {
          throw new ProtocolError(E.BAD_VALUE, `seq: ${c.seq} is past the end of the timeline (0 to ${total})`);
        }
        this.pause();
        this.cursor = c.seq;
        this.sendSnapshot("seek");
        break;
      case C.SPEED:
        this.speed = c.x;
        this.arm(now);
        break;
      case C.RESTART:
        this.pause();
        this.cursor = this.tl.info.start;
        this.sendSnapshot("restart");
        break;
      case C.LOAD: {
        const tl = this.load(c); // throws, and changes nothing, when it fails
        this.pause();
        this.tl = tl;
        this.tlID++;
        this.cursor = tl.info.start;
        this.sendSnapshot("load", true);
        break;
      }
      case C.RESUME:
        this.catchUp(c.after);
        this.emit(this.state(S.STATE));
        return;
    }
    this.emit(this.state(S.STATE));
  }

  /** load builds the timeline a load asks for (web/session.go load). */
  load(c) {
    if (c.scenario) {
      throw new ProtocolError(E.SCENARIO,
        t("this copy of Portville runs without a server and cannot read scenario files; open it with portville serve to load one"));
    }
    let req;
    if (c.lesson) {
      req = { lesson: c.lesson, os: "", seed: "" };
    } else {
      req = { ...this.tl.req };
    }
    if (c.os) req.os = c.os;
    if (c.seed !== undefined) req.seed = String(c.seed);
    return this.build(req);
  }

  state(type) {
    const st = { playing: this.playing, speed: this.speed, seq: this.cursor, total: this.tl.total };
    return type ? { type, ...st } : st;
  }

  sendSnapshot(reason, withLesson) {
    const snap = this.snapshot();
    if (snap === null) return;
    const m = { type: S.SNAPSHOT, reason, timeline: this.tlID, snapshot: snap, recent: this.recent() };
    if (withLesson) m.lesson = this.tl.info;
    this.emit(m);
  }

  /** publish sends events from..to (seq, inclusive) in one frame, with the playback state st if given. */
  publish(from, to, st) {
    const ev = this.tl.events;
    const m = from === to ? { type: S.EVENT, event: ev[from - 1] } : { type: S.EVENTS, events: ev.slice(from - 1, to) };
    if (st) m.state = st;
    this.emit(m);
  }

  catchUp(after) {
    if (after > this.cursor || this.cursor - after > MAX_RESUME_EVENTS) {
      this.sendSnapshot("resume");
      return;
    }
    for (let from = after + 1; from <= this.cursor; from += MAX_BATCH_EVENTS) {
      this.publish(from, Math.min(from + MAX_BATCH_EVENTS - 1, this.cursor));
    }
  }

  // Pacing: web/player.go. The next event is due at shown + held/speed;
  // keeping the due time rather than when a frame went out means pacing
  // does not drift.

  next() {
    return this.shown + this.held / this.speed;
  }

  pause() {
    this.playing = false;
    this.disarm();
  }

  /** due returns how many events after the cursor are due at now, and moves the pacing past them. */
  due(now) {
    let n = 0;
    const total = this.tl.total;
    while (this.playing && this.cursor + n < total && n < MAX_BATCH_EVENTS) {
      const at = this.next();
      if (at > now) break;
      n++;
      const kind = this.tl.events[this.cursor + n - 1].kind;
      this.shown = at;
      this.held = holdMs(kind);
      if (kind === "checkpoint") this.playing = false;
    }
    if (this.cursor + n >= total) this.playing = false;
    return n;
  }

  /**
   * advance sends the events due at now; the playback state rides in
   * their frame when withState is set or they paused playback. It reports
   * whether the state went out (web/hub.go advance).
   */
  advance(now, withState = false) {
    const n = this.due(now);
    const from = this.cursor + 1;
    this.cursor += n;
    this.arm(now);
    if (n === 0) return false;
    const st = withState || !this.playing ? this.state() : undefined;
    this.publish(from, this.cursor, st);
    return !!st;
  }

  arm(now) {
    this.disarm();
    if (this.playing) this.timer = setTimeout(() => this.tick(), Math.max(this.next() - now, 0));
  }

  disarm() {
    clearTimeout(this.timer);
    this.timer = 0;
  }

  tick() {
    this.timer = 0;
    if (this.closed) return;
    // A checkpoint or the end paused playback: the state goes out.
    if (!this.advance(performance.now()) && !this.playing) this.emit(this.state(S.STATE));
  }
}

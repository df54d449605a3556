// wasmlab.js: the lab's part of the in-page session of the static build
// (wasm.js), as web/lab.go is the server's: lab.input, lab.undo,
// lab.export and a load of a lab, over the module's lab calls
// (cmd/portville-wasm/lab.go). The module keeps the lab between calls;
// the session keeps its timeline, paces it and sends the same messages a
// server sends. Every function takes the WasmTransport it works for.

import { S, E } from "./protocol.js";

/** MAX_LINE_BYTES bounds a lab.input's line, as the server does (sim/lab). */
const MAX_LINE_BYTES = 1000;
/** MAX_HOST_BYTES bounds a lab.input's host. */
const MAX_HOST_BYTES = 32;

/** labTimeline makes the session's timeline from a labOpen answer. */
function labTimeline(req, out) {
  return { req, info: out.lesson, events: out.events, total: out.events.length, handle: out.handle };
}

/**
 * openLab opens the session on a new lab (the server's /ws?lab=1): it
 * returns the timeline, and the lab's state for hello.
 */
export function openLab(t, call, p) {
  const req = { lesson: p.lesson || "", os: p.os || "", seed: p.seed === undefined || p.seed === null ? "" : String(p.seed), script: "" };
  const out = call(t.api, "labOpen", req);
  return { tl: labTimeline(req, out), lab: out.lab };
}

/** parseLab reads the lab's messages as web/protocol.go does, or returns null for others. */
export function parseLab(raw, c, ProtocolError, stringField) {
  switch (c.type) {
    case "lab.undo":
    case "lab.export":
      return c;
    case "lab.input": {
      c.host = stringField(raw, "host");
      if (!c.host || new TextEncoder().encode(c.host).length > MAX_HOST_BYTES) {
        throw new ProtocolError(E.BAD_VALUE, "host: expected the name of one of the lab's hosts");
      }
      const hasLine = "line" in raw, hasKey = "key" in raw;
      if (hasLine && hasKey) throw new ProtocolError(E.BAD_VALUE, "lab.input: give line or key, not both");
      if (hasLine) {
        c.line = stringField(raw, "line");
        const n = new TextEncoder().encode(c.line).length;
        if (n > MAX_LINE_BYTES) throw new ProtocolError(E.BAD_VALUE, `line: ${n} bytes; the limit is ${MAX_LINE_BYTES}`);
      } else if (hasKey) {
        c.key = stringField(raw, "key");
        if (c.key !== "ctrl-c" && c.key !== "ctrl-d" && c.key !== "ctrl-z") throw new ProtocolError(E.BAD_VALUE, `key: expected "ctrl-c", "ctrl-d" or "ctrl-z"`);
      } else {
        throw new ProtocolError(E.BAD_VALUE, "lab.input: give line or key");
      }
      return c;
    }
  }
  return null;
}

/** maxCatchUpEvents is web/lab.go's: how far behind the town may be to catch up by events rather than a snapshot. */
const maxCatchUpEvents = 200;

/**
 * labCommand carries out a lab message (web/lab.go onLabCommand and
 * labLoad); it returns false for a message that is not the lab's. now is
 * performance.now().
 */
export function labCommand(t, call, c, now) {
  const tl = t.tl;
  if (!tl.handle) {
    if (c.type.startsWith("lab.") || c.lab !== undefined) {
      t.emit({ type: S.ERROR, code: E.BAD_VALUE, message: c.lab !== undefined ? "load: lab: this session plays a lesson; open the lab for a lab" : `${c.type}: this session is not a lab` });
      return true;
    }
    return false;
  }
  switch (c.type) {
    case "lab.input": {
      const input = { handle: tl.handle, host: c.host };
      if (c.key !== undefined) input.key = c.key;
      else input.line = c.line;
      const out = call(t.api, "labInput", input);
      const before = tl.total;
      tl.events.push(...out.events);
      tl.total = tl.events.length;
      tl.info = { ...tl.info, total: tl.total, capacity: out.capacity };
      t.emit({ type: "lab.entry", n: out.n, entry: out.entry, hosts: out.hosts });
      if (out.events.length) {
        if (t.cursor !== before) {
          // The town catches up with the events it had still to show, at
          // once (web/lab.go maxCatchUpEvents), or jumps by a snapshot.
          t.pause();
          const from = t.cursor;
          t.cursor = before;
          if (from < before && before - from <= maxCatchUpEvents) t.emit({ type: S.EVENTS, events: tl.events.slice(from, before), replay: true });
          else t.sendSnapshot("lab");
        }
        t.playing = true;
        t.shown = now;
        t.held = 0;
        if (t.advance(now, true)) return true;
      }
      t.emit(t.state(S.STATE));
      return true;
    }
    case "lab.undo": {
      const out = call(t.api, "labUndo", { handle: tl.handle });
      tl.events.length = out.total;
      tl.total = out.total;
      tl.info = { ...tl.info, total: tl.total, capacity: out.capacity };
      t.tlID++;
      t.emit({ type: "lab.undo", n: out.n, hosts: out.hosts });
      t.pause();
      t.cursor = Math.min(t.cursor, tl.total);
      t.sendSnapshot("lab");
      t.emit(t.state(S.STATE));
      return true;
    }
    case "lab.export": {
      const out = call(t.api, "labExport", { handle: tl.handle });
      t.emit({ type: "lab.export", scenario: out.scenario, script: out.script });
      return true;
    }
    case "load": {
      if (c.scenario) return false;
      // Another town, OS or seed re-runs the lab's commands there; a
      // script (a shared lab) replaces them.
      const script = c.lab !== undefined ? c.lab : call(t.api, "labExport", { handle: tl.handle }).script;
      const req = {
        lesson: c.lesson || tl.req.lesson, os: c.os || tl.req.os,
        seed: c.seed !== undefined ? String(c.seed) : tl.req.seed, script,
      };
      const out = call(t.api, "labOpen", req);
      call(t.api, "labClose", { handle: tl.handle });
      t.pause();
      t.tl = labTimeline(req, out);
      t.tlID++;
      t.cursor = t.tl.total;
      t.sendSnapshot("load", true);
      t.emit({ type: "lab", ...out.lab });
      t.emit(t.state(S.STATE));
      return true;
    }
  }
  return false;
}

/** labSnapshot returns the world of a lab's timeline after event seq. */
export function labSnapshot(t, call) {
  return call(t.api, "labSnapshot", { handle: t.tl.handle, seq: t.cursor });
}

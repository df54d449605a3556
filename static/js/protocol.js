// protocol.js: the browser side of the session protocol (docs/protocol.md).
// The Go side is web/protocol.go and web/wire; keep them and the document in step.

/** Protocol version this client speaks. */
export const VERSION = 1;

/** Message types the server sends. */
export const S = Object.freeze({
  HELLO: "hello",
  EVENT: "event",
  EVENTS: "events",
  SNAPSHOT: "snapshot",
  STATE: "state",
  ERROR: "error",
  LIVE: "live", // the live view's caption (web/live.go)
});

/** Message types the browser sends. */
export const C = Object.freeze({
  PLAY: "play",
  PAUSE: "pause",
  STEP: "step",
  BACK: "back",
  SEEK: "seek",
  SPEED: "speed",
  RESTART: "restart",
  LOAD: "load",
  RESUME: "resume",
});

/**
 * holdMs returns how long an event of the kind stays on screen at speed 1,
 * in ms, before the next one: the server's pacing (web/player.go holdFor,
 * docs/protocol.md "Pacing"), longer for events a class needs time to read.
 */
export function holdMs(kind) {
  if (kind === "packet.send" || kind === "note" || kind === "checkpoint.answer") return 1600;
  if (kind === "packet.deliver") return 1000;
  return 600;
}

/** Playback speeds the server accepts. */
export const MIN_SPEED = 0.25;
export const MAX_SPEED = 8;

/** Error codes the server sends (web/wire). */
export const E = Object.freeze({
  BAD_JSON: "bad_json",
  UNKNOWN_TYPE: "unknown_type",
  BAD_VALUE: "bad_value",
  RATE_LIMITED: "rate_limited",
  UNKNOWN_LESSON: "unknown_lesson",
  UNKNOWN_SESSION: "unknown_session",
  SCENARIO: "scenario",
  SESSION_LIMIT: "session_limit",
  VIEWER_LIMIT: "viewer_limit",
  FORBIDDEN: "forbidden",
  INTERNAL: "internal",
});

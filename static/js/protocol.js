// protocol.js: the browser side of the session protocol (docs/protocol.md).
// The Go side is web/protocol.go; keep the two and the document in step.

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

/** Playback speeds the server accepts. */
export const MIN_SPEED = 0.25;
export const MAX_SPEED = 8;

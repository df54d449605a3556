// svg.js: small helpers to build SVG elements. No state.

import { add } from "./dom.js";

const NS = "http://www.w3.org/2000/svg";

/**
 * el creates an SVG element with attributes and children. Attribute values
 * that are null, undefined or false are skipped; children may be elements,
 * strings (become text nodes) or arrays of them.
 */
export function el(tag, attrs = {}, ...children) {
  const n = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    n.setAttribute(k, String(v));
  }
  add(n, children);
  return n;
}

/** text creates a <text> element at (x, y) with a class. */
export function text(x, y, cls, content, attrs = {}) {
  return el("text", { x: round(x), y: round(y), class: cls, ...attrs }, content);
}

/** rect creates a <rect>. */
export function rect(r, cls, attrs = {}) {
  return el("rect", { x: round(r.x), y: round(r.y), width: round(r.w), height: round(r.h), class: cls, ...attrs });
}

/** round keeps the markup short and stable. */
export function round(v) {
  return Math.round(v * 10) / 10;
}

/** title adds a tooltip (and an accessible name) to an element. */
export function title(n, s) {
  n.appendChild(el("title", {}, s));
  return n;
}

/**
 * fit shortens s to at most n characters, ending with an ellipsis, so a
 * label stays inside its box.
 */
export function fit(s, n) {
  s = String(s);
  return s.length <= n ? s : s.slice(0, Math.max(1, n - 1)) + "…";
}

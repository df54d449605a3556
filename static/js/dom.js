// dom.js: a small helper to build HTML elements. No state.

/**
 * h creates an HTML element. attrs may hold "class", "text" (text
 * content), event handlers as "onclick" etc. (functions), and any other
 * attribute; children may be nodes, strings or arrays.
 */
export function h(tag, attrs = {}, ...children) {
  const n = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "text") n.textContent = v;
    else if (k.startsWith("on") && typeof v === "function") n.addEventListener(k.slice(2), v);
    else n.setAttribute(k, v === true ? "" : String(v));
  }
  add(n, children);
  return n;
}

/**
 * add appends children to node n: nodes, strings and numbers (as text),
 * and arrays of them; null, undefined and false are skipped.
 */
export function add(n, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) add(n, c);
    else n.appendChild(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
  }
}

/** icon returns a small inline SVG icon for a button, from a path. */
export function icon(d, label) {
  const ns = "http://www.w3.org/2000/svg";
  const s = document.createElementNS(ns, "svg");
  s.setAttribute("viewBox", "0 0 24 24");
  s.setAttribute("class", "icon");
  s.setAttribute("aria-hidden", "true");
  const p = document.createElementNS(ns, "path");
  p.setAttribute("d", d);
  s.appendChild(p);
  if (label) s.setAttribute("data-label", label);
  return s;
}

/** Icon paths (24 x 24). */
export const ICONS = {
  play: "M7 4 L20 12 L7 20 Z",
  pause: "M6 4 h4 v16 h-4 z M14 4 h4 v16 h-4 z",
  step: "M5 4 L15 12 L5 20 Z M16 4 h3 v16 h-3 z",
  back: "M19 4 L9 12 L19 20 Z M5 4 h3 v16 h-3 z",
  restart: "M12 4 a8 8 0 1 1 -7.4 5 h3 a5 5 0 1 0 4.4 -2 v3 l-5 -4.5 l5 -4.5 z",
  full: "M3 3 h7 v3 h-4 v4 h-3 z M21 3 v7 h-3 v-4 h-4 v-3 z M3 21 v-7 h3 v4 h4 v3 z M21 21 h-7 v-3 h4 v-4 h3 z",
  share: "M18 16 a3 3 0 1 0 0.1 0 M6 9 a3 3 0 1 0 0.1 0 M18 2 a3 3 0 1 0 0.1 0 M8.6 13.5 l6.8 4 M15.4 6.5 l-6.8 4",
  log: "M4 5 h16 v2 h-16 z M4 11 h16 v2 h-16 z M4 17 h10 v2 h-10 z",
  whole: "M3 3 h6 v2 h-4 v4 h-2 z M21 3 v6 h-2 v-4 h-4 v-2 z M3 21 v-6 h2 v4 h4 v2 z M21 21 h-6 v-2 h4 v-4 h2 z M8 11 l4 -4 l4 4 v6 h-8 z",
};

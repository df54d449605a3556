// i18n.js: the page's language (sim/lang, docs/languages.md). The server
// puts the catalogue of the page's language on <html data-ui> as JSON,
// {"lang": "de", "ui": {"<English>": "<translation>"}}; t() looks an
// English string up and fills its {name} placeholders. English pages
// carry an empty table, and a string the table lacks stays English.

let cat = { lang: "en", ui: {} };

function read() {
  const root = typeof document !== "undefined" ? document.documentElement : null;
  if (!root || !root.dataset || !root.dataset.ui) return;
  try {
    const c = JSON.parse(root.dataset.ui);
    if (c && typeof c === "object" && c.ui) cat = c;
  } catch (_) {
    // A page without a readable catalogue speaks English.
  }
}
read();

/** lang is the page's language code: "en", "de", ... */
export function lang() {
  return cat.lang || "en";
}

/** languages lists the languages a reader can pick: [code, name] pairs. */
export function languages() {
  return cat.languages || [["en", "English"]];
}

/**
 * t returns msg in the page's language, with each {name} replaced by
 * args[name].
 */
export function t(msg, args) {
  let s = cat.ui[msg] || msg;
  if (args) for (const k of Object.keys(args)) s = s.split(`{${k}}`).join(String(args[k]));
  return s;
}

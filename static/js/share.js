// share.js: the "Share / Embed" dialog. It turns what the viewer shows
// right now (lesson, OS, seed, event, speed, theme, captions) into a link
// and an iframe snippet a course author can paste into a course page, and
// offers the run's capture for Wireshark (capture.js).

import { h } from "./dom.js";
import { download } from "./capture.js";
import { t, lang } from "./i18n.js";

/**
 * shareURL returns the URL of the current view. path is "lesson" or
 * "embed"; opts: start (bool), autoplay (bool), controls, and the viewer's
 * settings.
 */
export function shareURL(loc, path, s) {
  const u = new URL(loc.href);
  u.hash = "";
  u.search = "";
  u.pathname = loc.pathname.replace(/\/(lesson|embed|join)\//, `/${path}/`);
  const q = u.searchParams;
  if (s.os) q.set("os", s.os);
  if (s.seed !== undefined && s.seed !== null) q.set("seed", String(s.seed));
  if (s.start && s.seq !== undefined) q.set("start", String(s.seq));
  if (s.speed && s.speed !== 1) q.set("speed", String(s.speed));
  if (s.theme) q.set("theme", s.theme);
  if (s.caption && s.caption !== "both") q.set("caption", s.caption);
  if (path === "embed" && s.controls && s.controls !== "minimal") q.set("controls", s.controls);
  if (s.autoplay) q.set("autoplay", "1");
  // A link shared from a page in another language than English opens in
  // it, whatever the reader's browser prefers.
  if (s.lang && s.lang !== "en" && !loc.pathname.endsWith(".html")) q.set("lang", s.lang);
  return u.toString();
}

/** iframeSnippet returns the HTML to paste into a course page. */
export function iframeSnippet(url, title, w, hgt) {
  const esc = (x) => String(x).replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
  return `<iframe src="${esc(url)}" width="${w}" height="${hgt}" style="border:0;max-width:100%" allow="fullscreen" loading="lazy" title="${esc(title)}"></iframe>`;
}

async function copy(text, btn) {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // Older browsers, or no permission: select the text for the user.
    const ta = btn.previousElementSibling;
    ta.select?.();
    document.execCommand?.("copy");
  }
  const label = btn.textContent;
  btn.textContent = t("Copied");
  setTimeout(() => (btn.textContent = label), 1500);
}

export class ShareDialog {
  /** settings() returns the viewer's current settings for the URL. */
  constructor(settings) {
    this.settings = settings;
    this.dialog = h("dialog", { class: "share", "aria-labelledby": "share-title" });
    document.body.appendChild(this.dialog);
    this.dialog.addEventListener("click", (ev) => {
      if (ev.target === this.dialog) this.dialog.close();
    });
  }

  open() {
    const s = this.settings();
    const opt = { start: s.seq > s.startSeq, autoplay: false, controls: "minimal", size: "800x450" };
    const link = h("input", { type: "text", readonly: true, class: "share-text", "aria-label": t("Link to this view") });
    const snippet = h("textarea", { readonly: true, rows: 3, class: "share-text", "aria-label": t("HTML to embed this view") });
    const update = () => {
      const cur = { ...s, start: opt.start, autoplay: opt.autoplay, controls: opt.controls, lang: lang() };
      link.value = shareURL(location, "lesson", cur);
      const [w, hh] = opt.size.split("x");
      snippet.value = iframeSnippet(shareURL(location, "embed", cur), `Portville: ${s.title}`, w, hh);
    };
    const check = (label, key) => h("label", { class: "share-opt" },
      h("input", { type: "checkbox", checked: opt[key] ? true : null, onchange: (ev) => { opt[key] = ev.target.checked; update(); } }), " ", label);
    const select = (label, key, values) => h("label", { class: "share-opt" }, label + " ",
      h("select", { onchange: (ev) => { opt[key] = ev.target.value; update(); } },
        values.map(([v, t]) => h("option", { value: v, text: t, selected: v === opt[key] ? true : null }))));
    const status = h("p", { class: "share-sub share-status", role: "status" });
    const copyBtn = () => h("button", { type: "button", class: "share-copy", text: t("Copy"), onclick: (ev) => copy(ev.target.previousElementSibling.value, ev.target) });
    this.dialog.replaceChildren(
      h("form", { method: "dialog", class: "share-form" },
        h("h2", { id: "share-title", text: t("Share, embed or download this view") }),
        h("p", { class: "share-sub", text: `${s.title}: ${s.osTitle}, seed ${s.seed}, event ${s.seq} of ${s.total}, ${s.theme} theme.` }),
        h("div", { class: "share-opts" },
          check(t("Start at event {n}", { n: s.seq }), "start"),
          check(t("Play on open"), "autoplay"),
          select("Embed controls:", "controls", [["full", "full"], ["minimal", "minimal"], ["none", "none"]]),
          select("Embed size:", "size", [["800x450", "800 × 450"], ["960x540", "960 × 540"], ["1280x720", "1280 × 720"]])),
        h("h3", { text: t("Link") }),
        h("div", { class: "share-row" }, link, copyBtn()),
        h("h3", { text: t("Embed in a course page") }),
        h("div", { class: "share-row" }, snippet, copyBtn()),
        h("p", { class: "share-sub", text: t("The embedded view also answers a small postMessage API (play, pause, seek, events, height) for the course page: see docs/embedding.md in the Portville repository.") }),
        h("h3", { text: t("Open it in Wireshark") }),
        h("p", { class: "share-sub", text: t("Every letter of this run as a capture file (pcap): Wireshark shows the same addresses, ports and sequence numbers as the town, and decodes the DNS, TLS, QUIC and TFTP messages the letters stand for.") }),
        h("div", { class: "share-row share-pcap-row" },
          h("button", { type: "button", class: "share-pcap", text: t("Download for Wireshark"), onclick: () => download(s.capture, (t) => (status.textContent = t)) }),
          status),
        h("div", { class: "share-actions" }, h("button", { type: "submit", class: "share-close", text: t("Close") }))));
    update();
    this.dialog.showModal();
    link.focus();
    link.select();
  }
}

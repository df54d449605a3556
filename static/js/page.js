// page.js: what a page knows of where it is: the addresses of other
// lessons and of the lab (on a server or in the static build), the
// settings in its URL, what it keeps in the browser's storage, and the
// reader's wish for more contrast.

/**
 * basePath is the path the server serves the app under ("" at the root,
 * "/portville" behind a proxy; the page's data-base), which every address
 * of the app starts with.
 */
export function basePath() {
  return document.documentElement.dataset.base || "";
}

/**
 * lessonURL returns the address of another lesson's page: /lesson/ID on a
 * server, ID.html next to this page in the static build.
 */
export function lessonURL(id) {
  const page = location.pathname.endsWith(".html") ? `${encodeURIComponent(id)}.html` : `${basePath()}/lesson/${encodeURIComponent(id)}`;
  return keepLang(new URL(page, location.href)).href;
}

/**
 * keepLang carries the page's ?lang= (a language the reader picked) on to
 * the address u of another page of the same kind.
 */
export function keepLang(u) {
  const l = new URLSearchParams(location.search).get("lang");
  if (l && !location.pathname.endsWith(".html")) u.searchParams.set("lang", l);
  return u;
}

/**
 * labURL returns the address of the lab on a lesson's town ("" for the
 * default town): /lab?lesson=ID on a server, lab.html?lesson=ID in the
 * static build.
 */
export function labURL(id) {
  const page = location.pathname.endsWith(".html") ? "lab.html" : `${basePath()}/lab`;
  const u = new URL(page, location.href);
  if (id) u.searchParams.set("lesson", id);
  return keepLang(u).href;
}

/** readParams reads the page's settings: URL parameters, then the data attributes. */
export function readParams(app) {
  const q = new URLSearchParams(app.dataset.query || location.search);
  const get = (k) => q.get(k) ?? undefined;
  return {
    lesson: app.dataset.lesson || get("lesson") || "",
    os: get("os"),
    seed: get("seed"),
    speed: get("speed") ? Number(get("speed")) : undefined,
    theme: get("theme"),
    autoplay: get("autoplay") === "1" || get("autoplay") === "true",
    start: get("start") !== undefined ? Number(get("start")) : undefined,
    controls: get("controls"),
    caption: get("caption"),
    transport: get("transport"),
    origin: get("origin"),
    view: get("view"),
  };
}

/**
 * storeIn keeps strings under "portville." keys in a Web Storage, by name
 * ("localStorage", "sessionStorage"); set(k, null) removes one. Without
 * storage (private modes, some embeds) get answers null and set does
 * nothing: settings do not persist and reconnects start over.
 */
function storeIn(name) {
  return {
    get(k) {
      try {
        return window[name].getItem("portville." + k);
      } catch {
        return null;
      }
    },
    set(k, v) {
      try {
        if (v === null) window[name].removeItem("portville." + k);
        else window[name].setItem("portville." + k, v);
      } catch {
        /* no storage */
      }
    },
  };
}

/** saved keeps the reader's settings (theme, captions) across visits. */
export const saved = storeIn("localStorage");

/** tabStore keeps what one tab needs to come back to after a reload (its session, its class). */
export const tabStore = storeIn("sessionStorage");

/**
 * followContrast gives every page the projector's palette while the
 * reader's system asks for more contrast (base.css, data-contrast).
 */
export function followContrast() {
  const more = matchMedia("(prefers-contrast: more)");
  const set = () => (document.documentElement.dataset.contrast = more.matches ? "more" : "");
  set();
  more.addEventListener?.("change", set);
}

/**
 * pickLanguage makes the header's language menu (.lang-picker, a form
 * that works without script) reload the page as soon as a language is
 * picked, keeping the page's other settings and the place in a lesson's
 * URL; its button is then not needed.
 */
export function pickLanguage() {
  const form = document.querySelector("form.lang-picker");
  if (!form) return;
  const sel = form.querySelector("select");
  form.classList.add("lang-auto");
  sel.addEventListener("change", () => {
    // The static build has a folder per language: its options name the
    // same page there (data-href), and the page keeps its settings.
    const href = sel.selectedOptions[0] && sel.selectedOptions[0].dataset.href;
    if (href) {
      const u = new URL(href, location.href);
      u.search = location.search;
      u.hash = location.hash;
      location.href = u.href;
      return;
    }
    const u = new URL(location.href);
    u.searchParams.set("lang", sel.value);
    location.href = u.href;
  });
}

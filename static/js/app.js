// app.js: the page's start. A lesson, embed, lab or live page loads this
// module: it follows the page's contrast and language, and draws the
// viewer (viewer.js) in #app; the picker, which has none, gets its towns.

import { drawTowns } from "./thumbs.js";
import { labURL, lessonURL, followContrast, pickLanguage } from "./page.js";
import { Viewer } from "./viewer.js";

export async function start() {
  followContrast();
  pickLanguage();
  const app = document.getElementById("app");
  if (!app) {
    drawTowns(); // the picker
    return null;
  }
  let lessons = [];
  const sel = document.getElementById("lesson-select");
  if (sel) {
    sel.addEventListener("change", () => (location.href = sel.dataset.lab ? labURL(sel.value) : lessonURL(sel.value)));
    if (sel.dataset.lab) sel.value = new URLSearchParams(location.search).get("lesson") || "";
  }
  const viewer = new Viewer(app, { lessons });
  // For tests and the host page: a read-only look at the viewer.
  window.portville = {
    viewer,
    state: () => viewer.state,
    seq: () => viewer.state.seq,
    playback: () => viewer.playback,
    frames: () => viewer.scene.frames,
  };
  return viewer;
}

start();

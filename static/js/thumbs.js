// thumbs.js: the picture of each lesson's town on the picker's cards,
// drawn by the view's own renderer (render.js) from the card's data-town
// (timeline.Picture: the world at the lesson's first question). A picture
// is an illustration: inert, its card's title says the same; a click on
// it opens the lesson.

import { Scene } from "./render.js";
import { fromSnapshot } from "./model.js";

const ns = "http://www.w3.org/2000/svg";

/** drawTowns draws every .lesson-town[data-town] of the page. */
export function drawTowns() {
  for (const box of document.querySelectorAll(".lesson-town[data-town]")) {
    let pic;
    try {
      pic = JSON.parse(box.dataset.town);
    } catch {
      continue;
    }
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("class", "town-thumb");
    svg.setAttribute("preserveAspectRatio", "xMidYMid meet");
    box.append(svg);
    const scene = new Scene(svg, { reducedMotion: true, still: true });
    scene.setCapacity(pic.capacity);
    const r = box.getBoundingClientRect();
    scene.resize(r.width || 320, r.height || 150);
    scene.setWhole(true);
    scene.show(fromSnapshot(pic.snapshot), { jump: true });
    if (box.dataset.href) box.addEventListener("click", () => (location.href = box.dataset.href));
  }
}

// layout.js: pure geometry of the scene. Every function here takes plain
// numbers and returns plain objects; nothing reads or writes the DOM.
//
// Coordinate space: scene units, the SVG's viewBox space. x grows to the
// right, y grows downwards; one unit is about one CSS pixel when the scene
// is shown at 1600 units wide. Each building stands on a street: its door is
// at the bottom, on the street's upper edge. Apartments are numbered from
// the ground up, so a building that gains a floor grows upwards and no
// apartment moves.

/** Sizes of the parts of a building, in scene units. */
export const SIZE = Object.freeze({
  aptW: 290, // one apartment (a bound port)
  aptH: 186,
  gap: 14, // between apartments
  wall: 22, // building wall thickness (padding inside the facade)
  roof: 118, // roof and the street-address sign
  ground: 168, // ground floor: storage room, lobby, mailroom
  street: 150, // the street in front of a row of buildings
  between: 70, // space between two buildings
  margin: 40,
  roofRise: 34, // the roof's peak above the building's top
  maxCols: 3,
});

/**
 * BIG is the projector layout: larger apartments, so that fewer details
 * can be drawn in larger type.
 */
export const BIG = Object.freeze({ ...SIZE, aptW: 330, aptH: 252, ground: 190, roof: 128 });

/** sizes returns the size table for the layout (big: projector). */
export function sizes(big) {
  return big ? BIG : SIZE;
}

/**
 * columnsFor returns how many apartments side by side a building with room
 * for capacity apartments gets: 2 for small buildings, 3 otherwise.
 */
export function columnsFor(capacity) {
  return capacity <= 4 ? 2 : SIZE.maxCols;
}

/** buildingSize returns the width and height of a building for capacity apartments. */
export function buildingSize(capacity, big = false) {
  const Z = sizes(big);
  const cols = columnsFor(capacity);
  const floors = Math.max(1, Math.ceil(capacity / cols));
  return {
    cols,
    floors,
    w: Z.wall * 2 + cols * Z.aptW + (cols - 1) * Z.gap,
    h: Z.roof + floors * (Z.aptH + Z.gap) + Z.ground,
  };
}

/**
 * town lays out buildings in rows along streets. capacities gives, per
 * host in order, how many apartments its building has room for; aspect is
 * the stage's width / height. It picks the number of rows that lets the
 * scene be drawn largest in that aspect. Returns the viewBox size, every
 * building's rectangle (x, y = top-left; the door is at the bottom middle)
 * and every street.
 */
export function town(capacities, aspect, big = false) {
  const n = capacities.length;
  const Z = sizes(big);
  const bsizes = capacities.map((c) => buildingSize(c, big));
  let best = null;
  for (let rows = 1; rows <= Math.max(1, n); rows++) {
    const perRow = Math.ceil(n / rows);
    if (rows > 1 && perRow * (rows - 1) >= n) break; // an empty row
    const rowsOf = [];
    for (let r = 0; r < rows; r++) rowsOf.push(bsizes.slice(r * perRow, (r + 1) * perRow).map((s, i) => ({ s, i: r * perRow + i })));
    const rowW = rowsOf.map((row) => row.reduce((w, b) => w + b.s.w, 0) + Math.max(0, row.length - 1) * Z.between);
    const rowH = rowsOf.map((row) => Math.max(0, ...row.map((b) => b.s.h)) + Z.roofRise);
    const w = Math.max(900, ...rowW) + Z.margin * 2;
    const h = rowH.reduce((a, b) => a + b + Z.street, 0) + Z.margin;
    const scale = Math.min(aspect / w, 1 / h); // drawn size for a unit-high stage
    if (!best || scale > best.scale * 1.02) best = { rows, rowsOf, rowW, rowH, w, h, scale };
  }
  if (n === 0) {
    return { w: 1600, h: 900, buildings: [], streets: [] };
  }
  const buildings = [];
  const streets = [];
  let y = Z.margin;
  best.rowsOf.forEach((row, r) => {
    let x = (best.w - best.rowW[r]) / 2;
    const baseY = y + best.rowH[r]; // the street's upper edge
    for (const b of row) {
      buildings[b.i] = {
        x, y: baseY - b.s.h, w: b.s.w, h: b.s.h, cols: b.s.cols, floors: b.s.floors,
        doorX: x + b.s.w / 2, doorY: baseY, street: r, Z,
      };
      x += b.s.w + Z.between;
    }
    streets.push({ x: 0, y: baseY, w: best.w, h: Z.street });
    y = baseY + Z.street;
  });
  return { w: best.w, h: best.h, buildings, streets };
}

/**
 * apartmentRect returns the rectangle of apartment slot k in building b:
 * slot 0 is on the first floor at the left; slots fill a floor, then the
 * floor above.
 */
export function apartmentRect(b, k) {
  const Z = b.Z || SIZE;
  const floor = Math.floor(k / b.cols);
  const col = k % b.cols;
  const x = b.x + Z.wall + col * (Z.aptW + Z.gap);
  const y = b.y + b.h - Z.ground - (floor + 1) * (Z.aptH + Z.gap);
  return { x, y, w: Z.aptW, h: Z.aptH };
}

/** groundRects returns the storage room, lobby and mailroom of building b. */
export function groundRects(b) {
  const Z = b.Z || SIZE;
  const y = b.y + b.h - Z.ground + 8;
  const h = Z.ground - 8;
  const inner = b.w - Z.wall * 2;
  const mailW = Math.min(150, inner * 0.24);
  const storeW = Math.min(250, inner * 0.36);
  return {
    storage: { x: b.x + Z.wall, y, w: storeW, h: h - 10 },
    lobby: { x: b.x + Z.wall + storeW + 10, y, w: inner - storeW - mailW - 20, h: h - 10 },
    mailroom: { x: b.x + b.w - Z.wall - mailW, y, w: mailW, h: h - 10 },
  };
}

/** doorOf returns the point where letters leave building b for the street. */
export function doorOf(b) {
  const m = groundRects(b).mailroom;
  return { x: m.x + m.w / 2, y: b.y + b.h };
}

/** curbOf returns the point on the street in front of building b's door. */
export function curbOf(b, lane = 0) {
  const d = doorOf(b);
  return { x: d.x, y: d.y + 36 + lane * 44 };
}

/**
 * letterPath returns the way points of a letter from the apartment rect
 * `fromApt` (or the mailroom when there is none) in building `a` to the
 * apartment `toApt` in building `b`. Between buildings on different
 * streets the letter turns at the avenue on the left. Loopback (a === b)
 * stays inside: down to the mailroom and back up. lane separates letters
 * travelling at the same time.
 */
export function letterPath(a, fromApt, b, toApt, streets, lane = 0) {
  const start = fromApt ? center(fromApt) : center(groundRects(a).mailroom);
  const mailA = center(groundRects(a).mailroom);
  if (a === b) {
    const end = toApt ? center(toApt) : mailA;
    return [start, mailA, end];
  }
  const pts = [start, mailA, doorOf(a), curbOf(a, lane)];
  if (b) {
    const cb = curbOf(b, lane);
    if (a.street !== b.street) {
      const avenueX = 20;
      pts.push({ x: avenueX, y: pts[pts.length - 1].y }, { x: avenueX, y: cb.y });
    }
    pts.push(cb, doorOf(b), center(groundRects(b).mailroom));
    if (toApt) pts.push(center(toApt));
  }
  return pts;
}

/** center returns the middle of a rectangle. */
export function center(r) {
  return { x: r.x + r.w / 2, y: r.y + r.h / 2 };
}

/** pathLength returns the length of a polyline. */
export function pathLength(pts) {
  let len = 0;
  for (let i = 1; i < pts.length; i++) len += Math.hypot(pts[i].x - pts[i - 1].x, pts[i].y - pts[i - 1].y);
  return len;
}

/** pointAt returns the point at fraction f (0 to 1) of a polyline's length. */
export function pointAt(pts, f) {
  if (pts.length === 1 || f <= 0) return pts[0];
  const total = pathLength(pts);
  let want = Math.min(1, f) * total;
  for (let i = 1; i < pts.length; i++) {
    const seg = Math.hypot(pts[i].x - pts[i - 1].x, pts[i].y - pts[i - 1].y);
    if (want <= seg || i === pts.length - 1) {
      const t = seg === 0 ? 1 : Math.min(1, want / seg);
      return { x: pts[i - 1].x + (pts[i].x - pts[i - 1].x) * t, y: pts[i - 1].y + (pts[i].y - pts[i - 1].y) * t };
    }
    want -= seg;
  }
  return pts[pts.length - 1];
}

/** ease is a smooth start and stop (cubic in-out) for t in 0..1. */
export function ease(t) {
  return t < 0.5 ? 4 * t * t * t : 1 - Math.pow(-2 * t + 2, 3) / 2;
}

/**
 * assignSlots keeps each binding in the slot it got when it appeared:
 * bindings still present keep their slot, new ones take the lowest free
 * slot. slots maps a binding key to a slot; the function returns a new map.
 */
export function assignSlots(prev, keys) {
  const out = new Map();
  const used = new Set();
  for (const k of keys) {
    if (prev.has(k)) {
      out.set(k, prev.get(k));
      used.add(prev.get(k));
    }
  }
  for (const k of keys) {
    if (out.has(k)) continue;
    let s = 0;
    while (used.has(s)) s++;
    out.set(k, s);
    used.add(s);
  }
  return out;
}

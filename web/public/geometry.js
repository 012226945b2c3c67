// @ts-check
// Measures and checks of a shape while it is drawn, in the browser, before anything is sent:
// geodesic area and length (on the WGS84 mean sphere, as close to the server's as a planner
// needs while drawing), which units a shape falls in, vertices outside an area, and
// self-intersections. The server decides; these only warn early.

/** @typedef {[number, number]} Position */
/** @typedef {{type: string, coordinates: any}} Geometry */

const RADIUS = 6371008.8;
const rad = (/** @type {number} */ d) => (d * Math.PI) / 180;

/** The area of a ring in m² (spherical excess). @param {Position[]} ring */
function ringArea(ring) {
  let sum = 0;
  for (let i = 0; i + 1 < ring.length; i++) {
    const [x1, y1] = ring[i];
    const [x2, y2] = ring[i + 1];
    sum += rad(x2 - x1) * (2 + Math.sin(rad(y1)) + Math.sin(rad(y2)));
  }
  return Math.abs((sum * RADIUS * RADIUS) / 2);
}

/** The area of a Polygon or MultiPolygon in m² (holes subtracted); 0 for other shapes. @param {Geometry} g */
export function area(g) {
  const polygon = (/** @type {Position[][]} */ rings) =>
    rings.reduce((total, ring, i) => total + (i === 0 ? 1 : -1) * ringArea(ring), 0);
  if (g.type === 'Polygon') return polygon(g.coordinates);
  if (g.type === 'MultiPolygon') return g.coordinates.reduce((/** @type {number} */ t, /** @type {Position[][]} */ p) => t + polygon(p), 0);
  return 0;
}

/** Great-circle distance in m. @param {Position} a @param {Position} b */
function distance(a, b) {
  const h = Math.sin(rad(b[1] - a[1]) / 2) ** 2
    + Math.cos(rad(a[1])) * Math.cos(rad(b[1])) * Math.sin(rad(b[0] - a[0]) / 2) ** 2;
  return 2 * RADIUS * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** The length of a LineString or MultiLineString in m; 0 for other shapes. @param {Geometry} g */
export function length(g) {
  const line = (/** @type {Position[]} */ c) => c.slice(1).reduce((t, p, i) => t + distance(c[i], p), 0);
  if (g.type === 'LineString') return line(g.coordinates);
  if (g.type === 'MultiLineString') return g.coordinates.reduce((/** @type {number} */ t, /** @type {Position[]} */ l) => t + line(l), 0);
  return 0;
}

/** Every vertex of a geometry. @param {Geometry} g @returns {Position[]} */
export function vertices(g) {
  /** @type {Position[]} */
  const out = [];
  const walk = (/** @type {any} */ c) => {
    if (typeof c[0] === 'number') out.push([c[0], c[1]]);
    else c.forEach(walk);
  };
  walk(g.coordinates);
  return out;
}

/** Whether `p` lies in a ring (ray casting). @param {Position} p @param {Position[]} ring */
function inRing(p, ring) {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if ((yi > p[1]) !== (yj > p[1]) && p[0] < ((xj - xi) * (p[1] - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Whether `p` lies in a Polygon or MultiPolygon (holes excluded). @param {Position} p @param {Geometry} area */
export function contains(area, p) {
  const polygon = (/** @type {Position[][]} */ rings) => inRing(p, rings[0]) && !rings.slice(1).some((h) => inRing(p, h));
  if (area.type === 'Polygon') return polygon(area.coordinates);
  if (area.type === 'MultiPolygon') return area.coordinates.some(polygon);
  return false;
}

/**
 * The units a shape touches: those containing one of its vertices (or its centre).
 * @template {{geometry: Geometry | null}} U
 * @param {Geometry} g
 * @param {U[]} units
 * @returns {U[]}
 */
export function unitsOf(g, units) {
  const points = vertices(g);
  return units.filter((u) => u.geometry && points.some((p) => contains(/** @type {Geometry} */ (u.geometry), p)));
}

/** The vertices of `g` outside every one of `areas`. @param {Geometry} g @param {Geometry[]} areas */
export function outside(g, areas) {
  return vertices(g).filter((p) => !areas.some((a) => contains(a, p)));
}

/** @param {Position} a @param {Position} b @param {Position} c */
const orientation = (a, b, c) => Math.sign((b[1] - a[1]) * (c[0] - b[0]) - (b[0] - a[0]) * (c[1] - b[1]));

/** Whether segments ab and cd cross. @param {Position} a @param {Position} b @param {Position} c @param {Position} d */
function cross(a, b, c, d) {
  const [o1, o2, o3, o4] = [orientation(a, b, c), orientation(a, b, d), orientation(c, d, a), orientation(c, d, b)];
  return o1 !== o2 && o3 !== o4 && o1 !== 0 && o2 !== 0 && o3 !== 0 && o4 !== 0;
}

/** Whether a polygon's ring, or a line, crosses itself. @param {Geometry} g */
export function selfIntersects(g) {
  /** @type {{ring: Position[], closed: boolean}[]} */
  const paths = [];
  if (g.type === 'Polygon') g.coordinates.forEach((/** @type {Position[]} */ r) => paths.push({ring: r, closed: true}));
  if (g.type === 'MultiPolygon') g.coordinates.flat().forEach((/** @type {Position[]} */ r) => paths.push({ring: r, closed: true}));
  if (g.type === 'LineString') paths.push({ring: g.coordinates, closed: false});
  for (const {ring, closed} of paths) {
    const n = ring.length - 1;
    for (let i = 0; i < n; i++) {
      for (let j = i + 2; j < n; j++) {
        if (closed && i === 0 && j === n - 1) continue;
        if (cross(ring[i], ring[i + 1], ring[j], ring[j + 1])) return true;
      }
    }
  }
  return false;
}

/**
 * The nearest of `candidates` to `p` within `tolerance` pixels, as `project` draws them.
 * @param {Position} p
 * @param {Position[]} candidates
 * @param {(p: Position) => {x: number, y: number}} project
 * @param {number} tolerance
 * @returns {Position | undefined}
 */
export function nearest(p, candidates, project, tolerance) {
  const at = project(p);
  let best;
  let bestDistance = tolerance;
  for (const c of candidates) {
    const q = project(c);
    const d = Math.hypot(q.x - at.x, q.y - at.y);
    if (d <= bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

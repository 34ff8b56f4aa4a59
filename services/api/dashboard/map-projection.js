// @ts-check
// From the road network's [lon, lat] lines to screen pixels. Pure: no DOM.

/** Half the gap between the two directions of a road, in screen pixels (traffic keeps right). */
export const DIRECTION_OFFSET_PX = 3;
const MAP_PADDING_PX = 24;

/** @typedef {[number, number]} Point */
/** @typedef {{ id: string, road?: string, lengthM?: number, coordinates: Point[] }} MapSegment */
/** @typedef {{ id: string, d: string, mid: Point }} ProjectedSegment */

/**
 * Projects the segments' [lon, lat] lines onto a width × height pixel box (equirectangular around
 * the network's mean latitude: fine for a city), each line shifted `offsetPx` to the right of its
 * travel direction so the two directions of a road show side by side.
 * Returns one SVG path `d` per segment and the midpoint of each, in pixels.
 * @param {MapSegment[]} segments
 * @param {number} width
 * @param {number} height
 * @param {{ padding?: number, offsetPx?: number }} [options]
 * @returns {ProjectedSegment[]}
 */
export function projectNetwork(segments, width, height, { padding = MAP_PADDING_PX, offsetPx = DIRECTION_OFFSET_PX } = {}) {
  let minLon = Infinity, maxLon = -Infinity, minLat = Infinity, maxLat = -Infinity;
  for (const s of segments) {
    for (const [lon, lat] of s.coordinates) {
      minLon = Math.min(minLon, lon); maxLon = Math.max(maxLon, lon);
      minLat = Math.min(minLat, lat); maxLat = Math.max(maxLat, lat);
    }
  }
  if (!Number.isFinite(minLon)) return [];
  const kx = Math.cos((((minLat + maxLat) / 2) * Math.PI) / 180);
  const spanX = Math.max((maxLon - minLon) * kx, 1e-9);
  const spanY = Math.max(maxLat - minLat, 1e-9);
  const scale = Math.min((width - 2 * padding) / spanX, (height - 2 * padding) / spanY);
  const x0 = (width - spanX * scale) / 2;
  const y0 = (height - spanY * scale) / 2;
  /** @param {Point} p @returns {Point} */
  const toPx = ([lon, lat]) => [x0 + (lon - minLon) * kx * scale, y0 + (maxLat - lat) * scale];

  return segments.map((s) => {
    const points = offsetLine(s.coordinates.map(toPx), offsetPx);
    const d = points.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${x.toFixed(1)},${y.toFixed(1)}`).join('');
    const half = Math.floor((points.length - 1) / 2);
    const mid = points[half] ?? [0, 0];
    const next = points[half + 1] ?? mid;
    return { id: s.id, d, mid: [(mid[0] + next[0]) / 2, (mid[1] + next[1]) / 2] };
  });
}

/**
 * Shifts a pixel polyline `offset` px to the right of its direction (y grows downwards).
 * @param {Point[]} points
 * @param {number} offset
 * @returns {Point[]}
 */
export function offsetLine(points, offset) {
  /** @type {(Point | null)[]} */
  const normals = [];
  for (let i = 0; i + 1 < points.length; i++) {
    const [ax, ay] = /** @type {Point} */ (points[i]);
    const [bx, by] = /** @type {Point} */ (points[i + 1]);
    const len = Math.hypot(bx - ax, by - ay);
    normals.push(len > 0 ? [-(by - ay) / len, (bx - ax) / len] : null);
  }
  /** @type {Point[]} */
  const filled = normals.map((n, i) => n ?? normals.slice(0, i).reverse().find(Boolean) ?? normals.find(Boolean) ?? [0, 0]);
  return points.map(([x, y], i) => {
    const before = filled[i - 1];
    const after = filled[i];
    /** @type {Point | undefined} */
    let n = before && after ? [before[0] + after[0], before[1] + after[1]] : (before ?? after);
    if (!n) return [x, y];
    const len = Math.hypot(n[0], n[1]);
    if (len === 0) return [x, y];
    n = [n[0] / len, n[1] / len];
    // A miter keeps the offset constant along both edges; capped on sharp turns.
    const cos = after ? n[0] * after[0] + n[1] * after[1] : 1;
    const k = offset / Math.max(cos, 0.5);
    return [x + n[0] * k, y + n[1] * k];
  });
}

/**
 * One label per road, at its longest segment, skipped where it would sit on another label.
 * @param {MapSegment[]} segments
 * @param {ProjectedSegment[]} projected
 * @returns {{ x: number, y: number, text: string }[]}
 */
export function roadLabels(segments, projected) {
  const midById = new Map(projected.map((p) => [p.id, p.mid]));
  /** @type {Map<string, MapSegment>} */
  const longest = new Map();
  for (const s of segments) {
    if (!s.road) continue;
    const best = longest.get(s.road);
    if (!best || (s.lengthM ?? 0) > (best.lengthM ?? 0)) longest.set(s.road, s);
  }
  /** @type {{ x: number, y: number, text: string }[]} */
  const placed = [];
  for (const [road, s] of longest) {
    const [x, y] = midById.get(s.id) ?? [0, 0];
    if (placed.some((p) => Math.abs(p.x - 8 - x) < 90 && Math.abs(p.y + 6 - y) < 16)) continue;
    placed.push({ x: x + 8, y: y - 6, text: road });
  }
  return placed;
}

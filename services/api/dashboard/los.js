// @ts-check
// Levels of service (DESIGN §5) as the dashboard shows them: colour, rank for the chart. Pure.

/** @typedef {'A'|'B'|'C'|'D'|'E'|'F'} Los */
/** @typedef {Los | 'none'} LosOrNone */

export const LOS_LEVELS = /** @type {const} */ (['A', 'B', 'C', 'D', 'E', 'F']);

/** Green (free flow) to dark red (jammed); grey for no data. The same colours as the CSS `--los-*`. */
export const LOS_COLOURS = Object.freeze({
  A: '#1a9641',
  B: '#8cc63f',
  C: '#f2d024',
  D: '#f39c34',
  E: '#e0452b',
  F: '#8b0a0a',
  none: '#8a9099',
});

/**
 * 'A'…'F', or 'none' for no_data and for records without a level of service.
 * @param {{ status?: string, los?: string | null } | null | undefined} record
 * @returns {LosOrNone}
 */
export function losOf(record) {
  const los = record && record.status === 'ok' ? record.los : null;
  return isLos(los) ? los : 'none';
}

/**
 * @param {unknown} value
 * @returns {value is Los}
 */
export function isLos(value) {
  return typeof value === 'string' && /** @type {readonly string[]} */ (LOS_LEVELS).includes(value);
}

/**
 * A = 1 … F = 6 (worse is higher), null for anything else: the LOS series of the chart.
 * @param {unknown} los
 * @returns {number | null}
 */
export function losRank(los) {
  return isLos(los) ? LOS_LEVELS.indexOf(los) + 1 : null;
}

/**
 * The level of a rank, the inverse of losRank (chart axis labels).
 * @param {number} rank
 * @returns {Los | null}
 */
export function losOfRank(rank) {
  return Number.isInteger(rank) ? (LOS_LEVELS[rank - 1] ?? null) : null;
}

/**
 * @param {string} los  'A'…'F' or anything else (grey)
 * @returns {string}
 */
export function losColour(los) {
  return isLos(los) ? LOS_COLOURS[los] : LOS_COLOURS.none;
}

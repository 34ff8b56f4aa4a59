// @ts-check
// What the dashboard knows, and the pure rules that update it from API answers and stream events.

export const WINDOWS = /** @type {const} */ (['1m', '5m', '15m', '1h']);
export const DEFAULT_WINDOW = '5m';
/** Cleared alerts kept in the panel, newest first. */
export const RECENT_ALERTS_SHOWN = 5;

/**
 * @typedef {{ segmentId: string, window: string, status: string, los: string | null, congestionPct: number | null, [k: string]: unknown }} CongestionRecord
 * @typedef {{ id: string, segmentId: string, window: string, state: 'active' | 'cleared', level: string,
 *   raisedAt: string, clearedAt: string | null, acknowledgedAt: string | null, acknowledgedBy: string | null,
 *   peakLos: string, peakCongestionPct: number | null, lastLos: string | null, lastCongestionPct: number | null,
 *   updatedAt: string }} Alert
 */

/**
 * The window to show: `?window=` of the page's URL, else the one the operator chose last time.
 * @param {string} search
 * @param {string | null} stored
 */
export function pickWindow(search, stored) {
  /** @param {unknown} w @returns {w is (typeof WINDOWS)[number]} */
  const valid = (w) => typeof w === 'string' && /** @type {readonly string[]} */ (WINDOWS).includes(w);
  const asked = new URLSearchParams(search).get('window');
  if (valid(asked)) return asked;
  return valid(stored) ? stored : DEFAULT_WINDOW;
}

/**
 * The map's records after a ranking arrived: the ranked ones replace what was there; a record that
 * had a congestion % but is no longer ranked is stale and goes; one without a % (no data, no
 * speed) is never ranked and stays.
 * @param {Map<string, CongestionRecord>} records
 * @param {CongestionRecord[]} ranking
 * @returns {Map<string, CongestionRecord>}
 */
export function mergeRanking(records, ranking) {
  const next = new Map();
  for (const [id, r] of records) if (r.congestionPct === null || r.congestionPct === undefined) next.set(id, r);
  for (const r of ranking) next.set(r.segmentId, r);
  return next;
}

/**
 * Alerts by id after an answer of GET /alerts or an `alert` stream event: the newer version
 * (by updatedAt) of each alert wins, so a late answer cannot undo a newer event.
 * @param {Map<string, Alert>} alerts
 * @param {Alert[]} incoming
 * @returns {Map<string, Alert>}
 */
export function mergeAlerts(alerts, incoming) {
  const next = new Map(alerts);
  for (const a of incoming) {
    if (!a || typeof a.id !== 'string') continue;
    const known = next.get(a.id);
    if (!known || Date.parse(a.updatedAt) >= Date.parse(known.updatedAt)) next.set(a.id, a);
  }
  return next;
}

/** @param {string | null | undefined} los */
const rank = (los) => (los ? 'ABCDEF'.indexOf(los) : -1);

/**
 * What the alerts panel lists: active alerts, unacknowledged first, then worst level, then newest;
 * and the most recently cleared ones.
 * @param {Map<string, Alert>} alerts
 * @param {number} [recentShown]
 * @returns {{ active: Alert[], recent: Alert[] }}
 */
export function alertsView(alerts, recentShown = RECENT_ALERTS_SHOWN) {
  const all = [...alerts.values()];
  const active = all
    .filter((a) => a.state === 'active')
    .sort(
      (a, b) =>
        Number(a.acknowledgedAt !== null) - Number(b.acknowledgedAt !== null) ||
        rank(b.lastLos ?? b.level) - rank(a.lastLos ?? a.level) ||
        Date.parse(b.raisedAt) - Date.parse(a.raisedAt),
    );
  const recent = all
    .filter((a) => a.state === 'cleared')
    .sort((a, b) => Date.parse(b.clearedAt ?? b.updatedAt) - Date.parse(a.clearedAt ?? a.updatedAt))
    .slice(0, recentShown);
  return { active, recent };
}

/** Sensor health states in the order the panel shows them (worst last is not needed: fixed order). */
export const HEALTH_STATES = /** @type {const} */ (['online', 'offline', 'stale', 'stuck', 'implausible', 'gappy', 'duplicating']);

import { alertId, type Alert, type AlertEventName } from '../contract/alert.ts';
import { LOS_LEVELS, type CongestionRecord, type Los, type WindowName } from '../contract/congestion-record.ts';

/**
 * Congestion alert rules (issue 12, item 1), pure: no I/O, no clock. Time is the records' own
 * time (their window's `from` and `to`), so the same records always give the same alerts, whether
 * judged live, replayed after a crash or driven by a test.
 *
 * - A run of judged records with LOS at or worse than `raiseLos`, each window following the
 *   previous one, raises an alert once it covers `raiseHoldMs` (from the first record's `from` to
 *   the latest `to`). With the 5m window and the default 5 min, one such record raises.
 * - An active alert clears once a run of records with LOS strictly better than `clearLos` covers
 *   `clearHoldMs`. LOS between the two levels neither raises nor clears (hysteresis): a value
 *   oscillating around either level cannot make an alert flap.
 * - Records without a LOS (`no_data`, or counting-only detectors without speed) are not judged:
 *   they neither raise nor clear, and an active alert stays active through them. They do break a
 *   pending run (the next judged record starts a new one): the hold time must be observed
 *   continuously, not stitched together around a gap in the data.
 * - A record not newer than the last judged one (a redelivered bus message) changes nothing.
 */
export interface AlertRule {
  raiseLos: Los;
  clearLos: Los;
  raiseHoldMs: number;
  clearHoldMs: number;
}

export interface AlertRules {
  window: WindowName;
  urban: AlertRule;
  highway: AlertRule;
}

/** What is remembered per segment between records (kept in the store, so a restart goes on where it stopped). */
export interface AlertTrack {
  segmentId: string;
  /** `to` (epoch ms) of the last judged record. */
  lastTo: number | null;
  /** Start (epoch ms) of the pending run: towards a raise without an active alert, towards a clear with one. */
  since: number | null;
  /** Worst LOS and highest congestion % of the pending raise run (they become the alert's peak). */
  runPeakLos: Los | null;
  runPeakPct: number | null;
}

export interface SegmentAlertState {
  track: AlertTrack;
  /** The segment's active alert, if any. */
  alert: Alert | null;
}

export interface AlertStep {
  state: SegmentAlertState;
  /** The alert raised or cleared by this record, or whose peak/last values it changed; null if none. */
  changed: Alert | null;
  event: Extract<AlertEventName, 'raised' | 'cleared'> | null;
}

export const emptyTrack = (segmentId: string): AlertTrack => ({ segmentId, lastTo: null, since: null, runPeakLos: null, runPeakPct: null });

/** True when the track holds nothing worth keeping (no pending run). */
export const isIdle = (t: AlertTrack): boolean => t.since === null;

const rank = (los: Los): number => LOS_LEVELS.indexOf(los);
const worse = (a: Los | null, b: Los): Los => (a === null || rank(b) > rank(a) ? b : a);
const higher = (a: number | null, b: number | null): number | null => (a === null ? b : b === null ? a : Math.max(a, b));
const iso = (ms: number): string => new Date(ms).toISOString();

/** Judges one congestion record of the rules' window for its segment. */
export function stepAlert(state: SegmentAlertState, record: CongestionRecord, rule: AlertRule): AlertStep {
  const unchanged: AlertStep = { state, changed: null, event: null };
  const los = record.status === 'ok' ? record.los : null;
  if (los === null) return unchanged;
  const from = Date.parse(record.from);
  const to = Date.parse(record.to);
  const { track } = state;
  if (track.lastTo !== null && to <= track.lastTo) return unchanged;
  const continues = track.since !== null && track.lastTo !== null && from <= track.lastTo;
  const pct = record.congestionPct;

  if (state.alert === null) {
    if (rank(los) < rank(rule.raiseLos)) {
      return { state: { track: { ...emptyTrack(track.segmentId), lastTo: to }, alert: null }, changed: null, event: null };
    }
    const run = continues
      ? { since: track.since!, runPeakLos: worse(track.runPeakLos, los), runPeakPct: higher(track.runPeakPct, pct) }
      : { since: from, runPeakLos: los, runPeakPct: pct };
    if (to - run.since < rule.raiseHoldMs) {
      return { state: { track: { segmentId: track.segmentId, lastTo: to, ...run }, alert: null }, changed: null, event: null };
    }
    const alert: Alert = {
      id: alertId(record.segmentId, to),
      segmentId: record.segmentId,
      window: record.window,
      state: 'active',
      level: los,
      raisedAt: iso(to),
      clearedAt: null,
      acknowledgedAt: null,
      acknowledgedBy: null,
      peakLos: run.runPeakLos,
      peakCongestionPct: run.runPeakPct,
      lastLos: los,
      lastCongestionPct: pct,
      updatedAt: iso(to),
    };
    return { state: { track: { ...emptyTrack(track.segmentId), lastTo: to }, alert }, changed: alert, event: 'raised' };
  }

  const updated: Alert = {
    ...state.alert,
    peakLos: worse(state.alert.peakLos, los),
    peakCongestionPct: higher(state.alert.peakCongestionPct, pct),
    lastLos: los,
    lastCongestionPct: pct,
    updatedAt: iso(to),
  };
  if (rank(los) >= rank(rule.clearLos)) {
    return { state: { track: { ...emptyTrack(track.segmentId), lastTo: to }, alert: updated }, changed: updated, event: null };
  }
  const since = continues ? track.since! : from;
  if (to - since < rule.clearHoldMs) {
    return { state: { track: { ...emptyTrack(track.segmentId), lastTo: to, since }, alert: updated }, changed: updated, event: null };
  }
  const cleared: Alert = { ...updated, state: 'cleared', clearedAt: iso(to) };
  return { state: { track: { ...emptyTrack(track.segmentId), lastTo: to }, alert: null }, changed: cleared, event: 'cleared' };
}

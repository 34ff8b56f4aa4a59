import { describe, expect, it } from 'vitest';
import type { CongestionRecord, Los } from '../../../shared/contract/congestion-record.ts';
import { alertSchema } from '../../../shared/contract/alert.ts';
import { configSchema } from '../../../shared/config/schema.ts';
import { loadConfig } from '../../../shared/config/load-config.ts';
import { emptyTrack, stepAlert, type AlertRule, type AlertStep, type SegmentAlertState } from '../../../shared/traffic/alert-rules.ts';
import { alertRulesFrom } from '../../../services/alerter/alert-rules-config.ts';

// issue 12 item 1: raise at or worse than the raise LOS for the raise time, clear when better than the
// clear LOS for the clear time; time is the records' own (5m windows, back to back).
const W = 300_000;
const T0 = Date.UTC(2026, 0, 1, 2, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();
const DEFAULT: AlertRule = { raiseLos: 'E', clearLos: 'C', raiseHoldMs: 5 * 60_000, clearHoldMs: 5 * 60_000 };

/** The 5m record of window i ([T0 + i·W, T0 + (i+1)·W)) with this LOS (null: no_data). */
function record(i: number, los: Los | null, congestionPct: number | null = los === null ? null : 10 * 'ABCDEF'.indexOf(los) ** 2): CongestionRecord {
  return {
    segmentId: 'ql13-nb-01', window: '5m', from: iso(T0 + i * W), to: iso(T0 + (i + 1) * W),
    status: los === null ? 'no_data' : 'ok', flowVph: null, flowPcuph: null, speedKmh: null, occupancy: null,
    densityPcuPerKmLane: null, speedRatio: null, tti: null, congestionPct, jamFactor: null, los,
    sensorsReporting: los === null ? 0 : 1, sensorsKnown: 1, stationsReporting: los === null ? 0 : 1, sensorsFaulty: null, lastReadingAt: null,
  };
}

/** Judges the LOS values as consecutive windows 0, 1, 2, …; returns every step and the final state. */
function run(values: (Los | null)[], rule: AlertRule = DEFAULT, start?: SegmentAlertState) {
  let state: SegmentAlertState = start ?? { track: emptyTrack('ql13-nb-01'), alert: null };
  const steps: AlertStep[] = [];
  values.forEach((los, i) => {
    const step = stepAlert(state, record(i, los), rule);
    steps.push(step);
    state = step.state;
  });
  return { steps, state, events: steps.flatMap((s, i) => (s.event ? [[i, s.event] as const] : [])) };
}

describe('alert rules: raise', () => {
  it('when one 5m record is at E with the default 5 min, then it raises at once (the window covers the 5 min) with the raise details', () => {
    const { steps, state } = run(['C', 'E']);
    expect(steps[0]!.event).toBeNull();
    expect(steps[1]!.event).toBe('raised');
    const alert = steps[1]!.changed!;
    expect(alertSchema.parse(alert)).toEqual({
      id: `ql13-nb-01@${T0 + 2 * W}`, segmentId: 'ql13-nb-01', window: '5m', state: 'active', level: 'E',
      raisedAt: iso(T0 + 2 * W), clearedAt: null, acknowledgedAt: null, acknowledgedBy: null,
      peakLos: 'E', peakCongestionPct: 160, lastLos: 'E', lastCongestionPct: 160, updatedAt: iso(T0 + 2 * W),
    });
    expect(state.alert).toEqual(alert);
  });

  it('when the raise time is 15 min, then it raises on the third bad window, not before, and the peak covers the whole run', () => {
    const rule = { ...DEFAULT, raiseHoldMs: 15 * 60_000 };
    const { steps, events } = run(['E', 'F', 'E'], rule);
    expect(events).toEqual([[2, 'raised']]);
    expect(steps[2]!.changed).toMatchObject({ level: 'E', peakLos: 'F', peakCongestionPct: 250, lastLos: 'E' });
    expect(run(['E', 'F'], rule).events).toEqual([]);
  });

  it('when a better window interrupts the run, then the hold starts again', () => {
    const rule = { ...DEFAULT, raiseHoldMs: 10 * 60_000 };
    expect(run(['E', 'D', 'E', 'D', 'F', 'D'], rule).events).toEqual([]);
    expect(run(['E', 'D', 'E', 'F'], rule).events).toEqual([[3, 'raised']]);
  });

  it('when the LOS is better than the raise level, then nothing is raised (D under the default E)', () => {
    expect(run(['A', 'B', 'C', 'D', 'D', 'D']).events).toEqual([]);
  });
});

describe('alert rules: clear with hysteresis', () => {
  it('when a raised segment goes back to D or C, then the alert stays active; only better than C clears it', () => {
    const { events, state } = run(['F', 'D', 'C', 'D', 'C', 'B']);
    expect(events).toEqual([[0, 'raised'], [5, 'cleared']]);
    expect(state.alert).toBeNull();
  });

  it('when it clears, then the cleared alert carries clearedAt, the peak and the last values', () => {
    const { steps } = run(['E', 'F', 'D', 'A']);
    expect(steps[3]!.changed).toMatchObject({
      id: `ql13-nb-01@${T0 + W}`, state: 'cleared', level: 'E', raisedAt: iso(T0 + W), clearedAt: iso(T0 + 4 * W),
      peakLos: 'F', peakCongestionPct: 250, lastLos: 'A', lastCongestionPct: 0, updatedAt: iso(T0 + 4 * W),
    });
  });

  it('when the clear time is 10 min, then it clears on the second good window in a row, and a C in between starts it again', () => {
    const rule = { ...DEFAULT, clearHoldMs: 10 * 60_000 };
    expect(run(['F', 'B', 'A'], rule).events).toEqual([[0, 'raised'], [2, 'cleared']]);
    expect(run(['F', 'B', 'C', 'B', 'C', 'A'], rule).events).toEqual([[0, 'raised']]);
  });

  it('when an active alert sees worse windows, then its peak rises and each record updates it without an event', () => {
    const { steps } = run(['E', 'F', 'E']);
    expect(steps.map((s) => s.event)).toEqual(['raised', null, null]);
    expect(steps[2]!.changed).toMatchObject({ state: 'active', level: 'E', peakLos: 'F', lastLos: 'E', updatedAt: iso(T0 + 3 * W) });
  });
});

describe('alert rules: no flapping', () => {
  it('when the LOS oscillates around the raise level (D/E) for two hours, then exactly one alert is raised and none cleared', () => {
    const values = Array.from({ length: 24 }, (_, i) => (i % 2 === 0 ? 'E' : 'D') as Los);
    expect(run(values).events).toEqual([[0, 'raised']]);
  });

  it('when the LOS oscillates around the clear level (B/C) with a 10 min clear time, then the alert never clears', () => {
    const values: Los[] = ['F', ...Array.from({ length: 24 }, (_, i) => (i % 2 === 0 ? 'B' : 'C') as Los)];
    expect(run(values, { ...DEFAULT, clearHoldMs: 10 * 60_000 }).events).toEqual([[0, 'raised']]);
  });

  it('when the LOS swings between D and E around the raise level with a 10 min raise time, then nothing is raised', () => {
    const values = Array.from({ length: 24 }, (_, i) => (i % 2 === 0 ? 'E' : 'D') as Los);
    expect(run(values, { ...DEFAULT, raiseHoldMs: 10 * 60_000 }).events).toEqual([]);
  });
});

describe('alert rules: no_data and redelivery', () => {
  it('when no_data records come, then they neither raise nor clear, and an active alert stays active through them', () => {
    expect(run([null, null, null]).events).toEqual([]);
    const { events, state } = run(['F', null, null, null]);
    expect(events).toEqual([[0, 'raised']]);
    expect(state.alert?.state).toBe('active');
  });

  it('when no_data interrupts a pending raise, then the hold starts again after it (no stitching across a gap)', () => {
    const rule = { ...DEFAULT, raiseHoldMs: 10 * 60_000 };
    expect(run(['E', null, 'E'], rule).events).toEqual([]);
    expect(run(['E', null, 'E', 'E'], rule).events).toEqual([[3, 'raised']]);
  });

  it('when an ok record has no LOS (counting-only detectors), then it is not judged, like no_data', () => {
    const start = run(['F']).state;
    const step = stepAlert(start, { ...record(1, 'A'), los: null }, DEFAULT);
    expect(step).toEqual({ state: start, changed: null, event: null });
  });

  it('when a record not newer than the last judged one comes again (a redelivery), then nothing changes', () => {
    const { state } = run(['F', 'A']);
    expect(state.alert).toBeNull();
    for (const again of [record(1, 'A'), record(0, 'F'), record(1, 'F')]) {
      expect(stepAlert(state, again, DEFAULT)).toEqual({ state, changed: null, event: null });
    }
  });

  it('when the same records are judged twice from the start, then the same alert (same id and times) comes out', () => {
    const a = run(['D', 'F', 'E', 'A']).steps.map((s) => s.changed);
    const b = run(['D', 'F', 'E', 'A']).steps.map((s) => s.changed);
    expect(a).toEqual(b);
  });
});

describe('alert rules from ROADPULSE_ALERT_* (per road kind)', () => {
  it('when nothing is set, then both kinds raise at E and clear better than C, after 300 s, on the 5m window', () => {
    const rules = alertRulesFrom(loadConfig(configSchema, {}));
    expect(rules).toEqual({ window: '5m', urban: DEFAULT, highway: DEFAULT });
  });

  it('when highway raises at F and urban clears better than D, then each kind is judged by its own levels', () => {
    const rules = alertRulesFrom(loadConfig(configSchema, {
      ROADPULSE_ALERT_URBAN_LOS: 'clear=D', ROADPULSE_ALERT_HIGHWAY_LOS: 'raise=f, clear=b', ROADPULSE_ALERT_RAISE_S: '0', ROADPULSE_ALERT_CLEAR_S: '600',
    }));
    expect(rules.urban).toEqual({ raiseLos: 'E', clearLos: 'D', raiseHoldMs: 0, clearHoldMs: 600_000 });
    expect(rules.highway).toEqual({ raiseLos: 'F', clearLos: 'B', raiseHoldMs: 0, clearHoldMs: 600_000 });
    // E raises on an urban segment, not on a highway one; C clears urban (better than D) but not highway (needs A).
    expect(run(['E'], rules.urban).events).toEqual([[0, 'raised']]);
    expect(run(['E'], rules.highway).events).toEqual([]);
    expect(run(['F', 'C', 'C'], rules.urban).events).toEqual([[0, 'raised'], [2, 'cleared']]);
    expect(run(['F', 'C', 'C', 'B', 'B'], rules.highway).events).toEqual([[0, 'raised']]);
  });

  it.each([
    ['ROADPULSE_ALERT_URBAN_LOS', 'raise=G', /ROADPULSE_ALERT_URBAN_LOS="raise=G": expected raise=<A-F>,clear=<A-F>/],
    ['ROADPULSE_ALERT_HIGHWAY_LOS', 'raise=D,clear=E', /ROADPULSE_ALERT_HIGHWAY_LOS=.*clear level E is worse than raise level D/],
    ['ROADPULSE_ALERT_URBAN_LOS', 'level=E', /ROADPULSE_ALERT_URBAN_LOS/],
    ['ROADPULSE_ALERT_RAISE_S', '-1', /ROADPULSE_ALERT_RAISE_S/],
    ['ROADPULSE_ALERT_WINDOW', '2m', /ROADPULSE_ALERT_WINDOW/],
  ])('when %s=%s, then the configuration is refused naming the variable', (name, value, message) => {
    expect(() => loadConfig(configSchema, { [name]: value })).toThrow(message);
  });
});

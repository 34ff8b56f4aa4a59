import { describe, expect, it } from 'vitest';
import type { HealthState, SensorHealth } from '../../../shared/contract/sensor-health.ts';
import type { Reading } from '../../../shared/contract/telemetry.ts';
import { evaluateHealth } from '../../../shared/health/evaluate-health.ts';
import { DEFAULT_HEALTH_CONFIG, type HealthConfig } from '../../../shared/health/health-config.ts';
import { HealthTracker } from '../../../shared/health/health-tracker.ts';
import type { SensorSummary } from '../../../shared/ports/store.ts';

// Each health state from crafted readings (issue 12): the writer's tracker sees the readings, the
// API judges its snapshot at query time.
const T0 = Date.UTC(2026, 0, 5, 1, 0, 0);
const SEG = 'ql13-nb-01';
const config: HealthConfig = { ...DEFAULT_HEALTH_CONFIG };

/** A reading of `sensorId` number k (ts and seq follow k), with values that vary with k. */
function r(sensorId: string, k: number, over: Partial<Reading> = {}): Reading {
  return {
    sensorId,
    segmentId: SEG,
    ts: T0 + k * 60_000,
    intervalS: 60,
    lane: 1,
    counts: { motorbike: 20 + (k % 7), car: 5 + (k % 3), bus: 0, truck: 0, bicycle: 0, other: 0 },
    speedKmh: 40 + (k % 5),
    occupancy: 0.1,
    seq: k,
    ...over,
  };
}

function summaryOf(sensorId: string, lastReadingAt: number | null, state: SensorSummary['state'] = 'online', stateAt: number | null = T0): SensorSummary {
  return { sensorId, segmentId: SEG, lastReadingAt, accepted: 1, rejected: 0, state, stateAt };
}

/** Feeds the readings to a tracker and judges every sensor at `now` (default: just after the last reading). */
function judge(readings: Reading[], now?: number, status: Record<string, { state: SensorSummary['state']; at: number }> = {}): Map<string, SensorHealth> {
  const tracker = new HealthTracker(config);
  for (const x of readings) tracker.observe(x);
  const snaps = tracker.changedSnapshots(T0);
  const out = new Map<string, SensorHealth>();
  for (const s of snaps) {
    const last = Math.max(...readings.filter((x) => x.sensorId === s.sensorId).map((x) => x.ts));
    const st = status[s.sensorId];
    out.set(s.sensorId, evaluateHealth({ summary: summaryOf(s.sensorId, last, st?.state ?? 'online', st?.at ?? T0), snapshot: s, now: now ?? last + 1000 }, config));
  }
  return out;
}

const states = (h: SensorHealth | undefined): HealthState[] => (h ? h.reasons.map((x) => x.code) : []);
const range = (n: number) => Array.from({ length: n }, (_, k) => k);

describe('sensor health from crafted readings', () => {
  it('when readings vary, come in order and once, then the sensor is online with no reason and no gap', () => {
    const h = judge(range(30).map((k) => r('a', k))).get('a')!;
    expect(h).toMatchObject({ state: 'online', reasons: [], gapShare: 0 });
  });

  it('when the status says offline and no reading came since, then offline, since the status time', () => {
    const readings = range(5).map((k) => r('a', k));
    const h = judge(readings, T0 + 5 * 60_000, { a: { state: 'offline', at: T0 + 4 * 60_000 + 1 } }).get('a')!;
    expect(h.state).toBe('offline');
    expect(h.since).toBe(new Date(T0 + 4 * 60_000 + 1).toISOString());
  });

  it('when a reading came after the offline status, then the sensor is not offline', () => {
    const readings = range(5).map((k) => r('a', k));
    const h = judge(readings, T0 + 4 * 60_000 + 1000, { a: { state: 'offline', at: T0 } }).get('a')!;
    expect(h.state).toBe('online');
  });

  it('when a batching gateway is offline, then its detectors with no status of their own are offline', () => {
    const summary = summaryOf('gw7.l1', T0, null, null);
    const h = evaluateHealth({ summary, snapshot: undefined, gateway: { id: 'gw7', state: 'offline', at: T0 + 1 }, now: T0 + 2 }, config);
    expect(h.state).toBe('offline');
    expect(h.reasons[0]!.detail).toContain('gw7');
  });

  it('when no reading came for more than K intervals, then stale; at exactly K intervals not yet', () => {
    const readings = range(5).map((k) => r('a', k));
    const last = readings[4]!.ts;
    expect(judge(readings, last + 3 * 60_000).get('a')!.state).toBe('online');
    const h = judge(readings, last + 3 * 60_000 + 1).get('a')!;
    expect(h.state).toBe('stale');
    expect(h.since).toBe(new Date(last + 3 * 60_000).toISOString());
  });

  const cars = (n: number) => ({ counts: { motorbike: 0, car: n, bus: 0, truck: 0, bicycle: 0, other: 0 } });

  it('when a lane flow over 5 minutes is above 3,000 pcu/h, then implausible with the rule and the value, once the bucket closed', () => {
    // Minutes 5…9 (one 5-minute bucket) at 52 cars a minute: 3,120 pcu/h; minute 10 closes it.
    const readings = range(11).map((k) => r('a', k, k >= 5 && k < 10 ? cars(52) : {}));
    expect(judge(readings.slice(0, 10)).get('a')!.state).toBe('online');
    const h = judge(readings).get('a')!;
    expect(h.state).toBe('implausible');
    expect(h.reasons[0]!.detail).toContain('lane flow 3120 pcu/h above 3000');
  });

  it('when the flow over 5 minutes is exactly 3,000 pcu/h, or one short burst is above it, then plausible', () => {
    expect(judge(range(11).map((k) => r('a', k, k >= 5 && k < 10 ? cars(50) : {}))).get('a')!.state).toBe('online');
    // 60 cars in one minute (3,600/h) among ordinary minutes: the bucket's flow stays far below.
    expect(judge(range(11).map((k) => r('a', k, k === 7 ? cars(60) : {}))).get('a')!.state).toBe('online');
  });

  it('when occupancy is 1 while the speed is above 0, then implausible (occupied_but_moving)', () => {
    const h = judge([r('a', 0), r('a', 1, { occupancy: 1, speedKmh: 12 })]).get('a')!;
    expect(h.state).toBe('implausible');
    expect(h.reasons[0]!.detail).toContain('occupancy 1 with speed 12 km/h');
  });

  it('when a speed comes with no vehicle counted, then implausible (speed_without_vehicles)', () => {
    const zero = { motorbike: 0, car: 0, bus: 0, truck: 0, bicycle: 0, other: 0 };
    const h = judge([r('a', 0), r('a', 1, { counts: zero, speedKmh: 35 })]).get('a')!;
    expect(h.reasons[0]!.detail).toContain('speed 35 km/h with no vehicle counted');
  });

  it('when the implausible reading is more than the window older than the latest reading, then it no longer counts', () => {
    const readings = [r('a', 0, { occupancy: 1, speedKmh: 12 }), ...range(61).map((k) => r('a', k + 1))];
    expect(judge(readings).get('a')!.state).toBe('online');
  });

  it('when counts and speed repeat K times while a neighbour varies, then stuck since the first of them', () => {
    const same = { counts: { motorbike: 9, car: 2, bus: 0, truck: 0, bicycle: 0, other: 0 }, speedKmh: 33.3 };
    const readings = range(10).flatMap((k) => [r('a', k, k >= 3 ? same : {}), r('b', k)]);
    const h = judge(readings);
    expect(h.get('a')!.state).toBe('stuck');
    expect(h.get('a')!.since).toBe(new Date(T0 + 3 * 60_000).toISOString());
    expect(h.get('b')!.state).toBe('online');
  });

  it('when the repeats are one fewer than K, then not stuck', () => {
    const same = { counts: { motorbike: 9, car: 2, bus: 0, truck: 0, bicycle: 0, other: 0 }, speedKmh: 33.3 };
    const readings = range(10).flatMap((k) => [r('a', k, k >= 6 ? same : {}), r('b', k)]);
    expect(judge(readings).get('a')!.state).toBe('online');
  });

  it('when every sensor of the segment repeats (no neighbour varies), or the repeat is of empty readings, then not stuck', () => {
    const same = { counts: { motorbike: 9, car: 2, bus: 0, truck: 0, bicycle: 0, other: 0 }, speedKmh: 33.3 };
    const allSame = range(10).flatMap((k) => [r('a', k, same), r('b', k, same)]);
    expect(judge(allSame).get('a')!.state).toBe('online');
    const empty = { counts: { motorbike: 0, car: 0, bus: 0, truck: 0, bicycle: 0, other: 0 }, speedKmh: null };
    const quiet = range(10).flatMap((k) => [r('a', k, empty), r('b', k)]);
    expect(judge(quiet).get('a')!.state).toBe('online');
  });

  it('when seq numbers are missing, then gappy with the share missing', () => {
    const readings = range(40).filter((k) => k % 4 !== 3).map((k) => r('a', k));
    const h = judge(readings).get('a')!;
    expect(h.state).toBe('gappy');
    // seqs 0…38 seen (39 expected), 3, 7, …, 35 missing: 9.
    expect(h.gapShare).toBeCloseTo(9 / 39, 4);
    expect(h.reasons[0]!.detail).toContain('9 of 39 seq numbers missing');
  });

  it('when a reading is held back and arrives after the next one, then it fills its gap: online', () => {
    const readings = [r('a', 0), r('a', 2), r('a', 1), r('a', 3)];
    expect(judge(readings).get('a')).toMatchObject({ state: 'online', gapShare: 0 });
  });

  it('when the missing share is not above ROADPULSE_HEALTH_GAP_SHARE, then not gappy', () => {
    const tracker = new HealthTracker(config);
    for (const k of range(40).filter((k) => k !== 5)) tracker.observe(r('a', k));
    const [snap] = tracker.changedSnapshots(T0);
    const at = (gapShare: number) => evaluateHealth({ summary: summaryOf('a', snap!.lastTs), snapshot: snap, now: snap!.lastTs }, { ...config, gapShare }).state;
    expect(at(0)).toBe('gappy');
    expect(at(0.05)).toBe('online');
  });

  it('when the same reading (seq and ts) arrives again, then duplicating; it does not count towards stuck', () => {
    const readings = range(10).flatMap((k) => (k === 4 ? [r('a', k), r('a', k)] : [r('a', k)]));
    const h = judge(readings).get('a')!;
    expect(h.state).toBe('duplicating');
    expect(h.reasons[0]!.detail).toContain('1 reading(s) received again');
  });

  it('when a reading without seq arrives again with the same ts, then duplicating', () => {
    const readings = [r('a', 0, { seq: null }), r('a', 1, { seq: null }), r('a', 1, { seq: null })];
    expect(judge(readings).get('a')!.state).toBe('duplicating');
  });

  it('when a sensor has several reasons, then all are listed most severe first and the state is the first', () => {
    const readings = range(20).filter((k) => k !== 5).flatMap((k) => (k === 7 ? [r('a', k, { occupancy: 1 }), r('a', k, { occupancy: 1 })] : [r('a', k)]));
    const h = judge(readings, readings.at(-1)!.ts + 10 * 60_000).get('a')!;
    expect(states(h)).toEqual(['stale', 'implausible', 'gappy', 'duplicating']);
    expect(h.state).toBe('stale');
  });

  it('when a batch is delivered again by the bus (same offsets), then its readings are not seen as duplicates', () => {
    const tracker = new HealthTracker(config);
    const batch = range(5).map((k) => r('a', k));
    const at = (i: number) => ({ topic: 't', partition: 0, offset: String(100 + i) });
    tracker.observeMessages(batch, batch.map((_, i) => at(i)));
    tracker.observeMessages(batch, batch.map((_, i) => at(i)));
    const [snap] = tracker.changedSnapshots(T0);
    expect(snap!.duplicates).toBeNull();
  });

  it('when health did not change, then no new snapshot is offered; when it changes, one is', () => {
    const tracker = new HealthTracker(config);
    for (const k of range(5)) tracker.observe(r('a', k));
    tracker.stored(tracker.changedSnapshots(T0));
    tracker.observe(r('a', 5));
    expect(tracker.changedSnapshots(T0 + 1)).toEqual([]);
    tracker.observe(r('a', 7));
    expect(tracker.changedSnapshots(T0 + 2).map((s) => s.gaps)).toEqual([{ missing: 1, expected: 8, since: T0 + 7 * 60_000 }]);
  });

  it('when a sensor is not observed for two windows of passes, then the tracker forgets it (bounded state)', () => {
    const tracker = new HealthTracker(config);
    tracker.observe(r('a', 0));
    tracker.changedSnapshots(T0);
    tracker.changedSnapshots(T0 + 2 * config.windowMs + 1);
    expect(tracker.size).toBe(0);
  });
});

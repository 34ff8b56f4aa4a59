import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../../shared/adapters/sqlite-store.ts';
import { emptyCounts } from '../../../shared/contract/vehicle-classes.ts';
import { loadRoadNetwork } from '../../../shared/network/load-network.ts';
import { HISTORY_BUCKETS, type HistoryBucket } from '../../../shared/contract/history-bucket.ts';
import type { Reading } from '../../../shared/contract/telemetry.ts';
import type { RoadSegment } from '../../../shared/network/road-segment.ts';
import type { CongestionQueryContext } from '../../../shared/queries/congestion-at.ts';
import { bucketRecord, congestionHistory } from '../../../shared/queries/congestion-history.ts';
import { computeCongestion } from '../../../shared/traffic/congestion.ts';
import { detectorTotalsOf } from '../../../shared/traffic/detector-totals.ts';
import { DEFAULT_PCU_WEIGHTS } from '../../../shared/traffic/pcu.ts';

const MIN = 60_000;

describe('congestionHistory: sensors known per bucket', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('when a sensor reported once, then it stays known for sensorKnownMs after its reading and not longer', async () => {
    dir = mkdtempSync(join(tmpdir(), 'rp-history-'));
    const store = new SqliteStore(join(dir, 'store.sqlite'));
    const network = loadRoadNetwork();
    const segment = network.segments[0]!;
    const T0 = Math.floor(Date.now() / (5 * MIN)) * 5 * MIN - 60 * MIN;
    await store.writeReadings([
      { sensorId: 'once', segmentId: segment.id, ts: T0 + MIN, intervalS: 60, lane: 1, counts: { ...emptyCounts(), car: 3 }, speedKmh: 40, occupancy: null, seq: null },
    ]);
    const ctx = { store, network, weights: DEFAULT_PCU_WEIGHTS, sensorKnownMs: 10 * MIN };

    const records = await congestionHistory(ctx, segment, '5m', T0, T0 + 15 * MIN);

    // Buckets end at T0+5, +10, +15 min; the reading at T0+1 min is known until T0+11 min.
    expect(records.map((r) => [r.status, r.sensorsKnown])).toEqual([['ok', 1], ['no_data', 1], ['no_data', 0]]);
    // A silent bucket still tells when the segment last reported.
    expect(records[2]!.lastReadingAt).toBe(new Date(T0 + MIN).toISOString());
    await store.close();
  });
});

/**
 * Equal records; a rounded number may differ by one unit in its last decimal, where SQL and JS
 * summed the same floats in another order and the value sat on a rounding tie.
 */
function expectSameRecords(got: readonly object[], want: readonly object[], what: string): void {
  expect(got.length, what).toBe(want.length);
  got.forEach((g, i) => {
    const w = want[i] as Record<string, unknown>;
    for (const [key, value] of Object.entries(g)) {
      const expected = w[key];
      if (typeof value === 'number' && typeof expected === 'number' && value !== expected) {
        const unit = 10 ** -(String(expected).split('.')[1]?.length ?? 0);
        expect(Math.abs(value - expected), `${what} #${i} ${key}: ${value} vs ${expected}`).toBeLessThanOrEqual(unit + 1e-12);
      } else expect(value, `${what} #${i} ${key}`).toEqual(expected);
    }
    expect(Object.keys(g).sort()).toEqual(Object.keys(w).sort());
  });
}

/**
 * The history as it was computed before the store summed buckets: every raw reading of the range
 * read into memory and summed per bucket here. Kept as the oracle the store-side version must equal.
 */
async function historyFromReadings(ctx: CongestionQueryContext, segment: RoadSegment, bucket: HistoryBucket, from: number, to: number) {
  const b = HISTORY_BUCKETS[bucket];
  const firstEnd = Math.floor(from / b) * b + b;
  const lastEnd = Math.ceil(to / b) * b;
  const [readings, known] = await Promise.all([
    ctx.store.readings({ from: firstEnd - b, to: lastEnd }, [segment.id]),
    ctx.store.segmentActivity({ from: firstEnd - b - ctx.sensorKnownMs, to: firstEnd - b }, [segment.id]),
  ]);
  const byBucketEnd = new Map<number, Reading[]>();
  for (const r of readings) {
    const end = Math.floor(r.ts / b) * b + b;
    byBucketEnd.set(end, [...(byBucketEnd.get(end) ?? []), r]);
  }
  const rangeStart = firstEnd - b;
  const before = known.get(segment.id);
  const lastSeen = new Map<string, number>();
  let lastReadingBefore = before?.lastReadingAt ?? null;
  const records = [];
  for (let end = firstEnd; end <= lastEnd; end += b) {
    const inBucket = byBucketEnd.get(end) ?? [];
    for (const r of inBucket) lastSeen.set(r.sensorId, Math.max(lastSeen.get(r.sensorId) ?? r.ts, r.ts));
    const since = end - ctx.sensorKnownMs;
    let inRange = 0;
    for (const ts of lastSeen.values()) if (ts >= since) inRange++;
    const sensorsKnown = since < rangeStart ? Math.max(before?.sensors ?? 0, inRange) : inRange;
    records.push(bucketRecord({ segment, to: end, detectors: detectorTotalsOf(inBucket, { from: end - b, to: end }), sensorsKnown, lastReadingBefore, weights: ctx.weights }, bucket));
    for (const r of inBucket) if (lastReadingBefore === null || r.ts > lastReadingBefore) lastReadingBefore = r.ts;
  }
  return records;
}

describe('congestionHistory: summed per bucket by the store', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const DAY = 24 * 60 * MIN;

  it('when a segment has two days of readings of several stations, with gaps, then every bucket size gives the records computed from the raw readings', async () => {
    dir = mkdtempSync(join(tmpdir(), 'rp-history-'));
    const store = new SqliteStore(join(dir, 'store.sqlite'));
    const network = loadRoadNetwork();
    const segment = network.segments.find((s) => s.kind === 'urban')!;
    const start = Math.floor(Date.now() / DAY) * DAY - 3 * DAY;
    const readings: Reading[] = [];
    for (let i = 0; i < 2 * 24 * 20; i++) {
      const ts = start + i * 3 * MIN + (i % 11) * 1_000;
      if (Math.floor(i / 20) % 7 === 3) continue; // an hour without data every seven hours
      for (const lane of [1, 2, 3]) {
        readings.push({
          sensorId: `h-${lane}-${i % 40 < 30 ? 'a' : 'b'}`, segmentId: segment.id, stationId: lane === 3 ? 'st-2' : null, ts, intervalS: 180, lane,
          counts: { ...emptyCounts(), motorbike: (i * lane) % 37, car: (i + lane) % 9, bus: i % 3 === 0 ? 1 : 0 },
          speedKmh: i % 13 === 0 ? null : 5 + ((i * 7 + lane) % 55), occupancy: i % 5 === 0 ? null : ((i + lane) % 20) / 25, seq: i,
        });
      }
    }
    await store.writeReadings(readings);
    const ctx = { store, network, weights: DEFAULT_PCU_WEIGHTS, sensorKnownMs: 6 * 60 * MIN };
    // From inside a minute to inside a minute, so first and last buckets are partial in every size.
    const from = start + 5 * 60 * MIN + 17_000;
    const to = start + 2 * DAY + 3 * 60 * MIN + 41_000;

    for (const bucket of ['5m', '15m', '1h', '6h', '1d'] as const) {
      const got = await congestionHistory(ctx, segment, bucket, from, to);
      expectSameRecords(got, await historyFromReadings(ctx, segment, bucket, from, to), bucket);
      expect(got.some((r) => r.status === 'ok') && got.every((r) => r.window === bucket), bucket).toBe(true);
    }
    await store.close();
  });

  it('when the bucket is a day, then its record spans the UTC day and has the maths of the same detectors over one window', async () => {
    const network = loadRoadNetwork();
    const segment = network.segments[0]!;
    const end = Math.floor(Date.now() / DAY) * DAY;
    const r: Reading = { sensorId: 'd', segmentId: segment.id, ts: end - 5 * 60 * MIN, intervalS: 60, lane: 1, stationId: null,
      counts: { ...emptyCounts(), car: 30 }, speedKmh: 20, occupancy: 0.3, seq: null };
    const input = { segment, to: end, detectors: detectorTotalsOf([r], { from: end - DAY, to: end }), sensorsKnown: 1, weights: DEFAULT_PCU_WEIGHTS };

    const record = bucketRecord(input, '1d');

    expect(record).toEqual({ ...computeCongestion({ ...input, window: '1h' }), window: '1d', from: new Date(end - DAY).toISOString() });
    expect(record).toMatchObject({ status: 'ok', flowVph: 1800, speedKmh: 20, to: new Date(end).toISOString() });
  });
});

import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WINDOWS, type CongestionRecord, type WindowName } from '../../shared/contract/congestion-record.ts';
import type { DeadLetter } from '../../shared/contract/dead-letter.ts';
import type { SensorHealthSnapshot } from '../../shared/contract/sensor-health.ts';
import type { SensorStatus } from '../../shared/contract/sensor-status.ts';
import type { Reading } from '../../shared/contract/telemetry.ts';
import type { BucketTotals, SensorSummary, Store } from '../../shared/ports/store.ts';
import { detectorTotalsOf, type DetectorTotals } from '../../shared/traffic/detector-totals.ts';

/**
 * The Store port (shared/ports/store.ts, DESIGN §7) as one suite that every adapter passes — the
 * embedded SQLite store and the InfluxDB store (STYLE habit 3). Every test makes its own ids, so
 * adapters whose factory shares one database across tests still see only the test's own data.
 */
export type StoreFactory = () => Promise<{ store: Store; cleanup(): Promise<void> }>;

/** 2024-05-01T05:00:00Z, a whole hour: windows and ranges below are offsets from it. */
export const T0 = Date.UTC(2024, 4, 1, 5, 0, 0);
const MIN = 60_000;

export function storeContract(name: string, makeStore: StoreFactory): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      ({ store, cleanup } = await makeStore());
    });
    afterEach(async () => {
      await cleanup();
    });

    describe('readings', () => {
      it('when readings with every field (and with every nullable field null) are written, then readings() returns them exactly', async () => {
        const id = uniqueId();
        const full = reading({ sensorId: `s-${id}-1`, segmentId: `seg-${id}`, ts: T0 + 1_234, lane: 3, seq: 42 });
        const nulls = reading({
          sensorId: `s-${id}-2`,
          segmentId: `seg-${id}`,
          ts: T0 + 5_678,
          lane: null,
          speedKmh: null,
          occupancy: null,
          seq: null,
          counts: { motorbike: 0, car: 0, bus: 0, truck: 0, bicycle: 0, other: 0 },
        });
        await store.writeReadings([full, nulls]);

        expect(sorted(await store.readings({ from: T0, to: T0 + MIN }, [`seg-${id}`]))).toEqual(sorted([full, nulls]));
      });

      it('when readings lie on and around the range ends, then only ts in [from, to) are returned', async () => {
        const id = uniqueId();
        const at = (ts: number, seq: number) => reading({ sensorId: `s-${id}`, segmentId: `seg-${id}`, ts, seq });
        const from = T0 + 10 * MIN;
        const to = T0 + 15 * MIN;
        await store.writeReadings([at(from - 1, 1), at(from, 2), at(to - 1, 3), at(to, 4)]);

        const got = await store.readings({ from, to }, [`seg-${id}`]);

        expect(got.map((r) => r.seq).sort()).toEqual([2, 3]);
      });

      it('when several segments have readings, then only the asked segments are returned, and none for an empty list', async () => {
        const id = uniqueId();
        const [a, b, c] = [`seg-${id}-a`, `seg-${id}-b`, `seg-${id}-c`];
        const rs = [a, b, c].map((segmentId, i) => reading({ sensorId: `s-${id}-${i}`, segmentId, ts: T0 + i * 1_000 }));
        await store.writeReadings(rs);

        const got = await store.readings({ from: T0, to: T0 + MIN }, [a, c]);

        expect(sorted(got)).toEqual(sorted([rs[0]!, rs[2]!]));
        expect(await store.readings({ from: T0, to: T0 + MIN }, [])).toEqual([]);
      });

      it('when the same reading is written twice, then it is stored once (replay is idempotent)', async () => {
        const id = uniqueId();
        const r = reading({ sensorId: `s-${id}`, segmentId: `seg-${id}`, ts: T0 + 2_000 });
        await store.writeReadings([r]);
        await store.writeReadings([r, { ...r }]);

        expect(await store.readings({ from: T0, to: T0 + MIN }, [`seg-${id}`])).toEqual([r]);
      });

      it('when a reading is written again with changed values, then the newer values replace the older', async () => {
        const id = uniqueId();
        const first = reading({ sensorId: `s-${id}`, segmentId: `seg-${id}`, ts: T0 + 3_000, seq: 1 });
        const second: Reading = {
          ...first,
          intervalS: 30,
          counts: { motorbike: 40, car: 9, bus: 0, truck: 1, bicycle: 0, other: 2 },
          speedKmh: 55.5,
          occupancy: 0.3,
          seq: 2,
        };
        await store.writeReadings([first]);
        await store.writeReadings([second]);

        expect(await store.readings({ from: T0, to: T0 + MIN }, [`seg-${id}`])).toEqual([second]);
      });

      it('when one sensor reports several lanes (and no lane) at one ts, then each is its own reading', async () => {
        const id = uniqueId();
        const base = { sensorId: `s-${id}`, segmentId: `seg-${id}`, ts: T0 + 4_000 };
        const rs = [reading({ ...base, lane: 1 }), reading({ ...base, lane: 2, seq: 8 }), reading({ ...base, lane: null, seq: 9 })];
        await store.writeReadings(rs);

        expect(sorted(await store.readings({ from: T0, to: T0 + MIN }, [`seg-${id}`]))).toEqual(sorted(rs));
      });
    });

    describe('detectorTotals', () => {
      it('when a segment has readings of several sensors and lanes, some without speed or occupancy, then its totals are those of the readings, per detector', async () => {
        const id = uniqueId();
        const seg = `seg-${id}`;
        const rs = [
          reading({ sensorId: `s-${id}-a`, segmentId: seg, ts: T0 + 1_000, lane: 1, speedKmh: 42.5, occupancy: 0.2, intervalS: 60 }),
          reading({ sensorId: `s-${id}-a`, segmentId: seg, ts: T0 + 61_000, lane: 1, speedKmh: 0.4, occupancy: null, intervalS: 30 }), // floor 1 km/h
          reading({ sensorId: `s-${id}-a`, segmentId: seg, ts: T0 + 2_000, lane: 2, speedKmh: null, occupancy: 0.05 }),
          reading({ sensorId: `s-${id}-b`, segmentId: seg, ts: T0 + 3_000, lane: null, speedKmh: 30,
            counts: { motorbike: 0, car: 0, bus: 0, truck: 0, bicycle: 0, other: 0 } }), // no vehicles: no speed term
          reading({ sensorId: `s-${id}-b`, segmentId: seg, ts: T0 + 4 * MIN, lane: null, speedKmh: 55, occupancy: 0.5 }),
          reading({ sensorId: `s-${id}-b`, segmentId: seg, ts: T0 + 5 * MIN, lane: null }), // at `to`: outside
          reading({ sensorId: `s-${id}-c`, segmentId: `${seg}-other`, ts: T0 + 1_000 }), // another segment
        ];
        await store.writeReadings(rs);
        const range = { from: T0, to: T0 + 5 * MIN };

        const got = await store.detectorTotals(range, [seg]);

        const want = detectorTotalsOf(rs.filter((r) => r.segmentId === seg), range);
        expect(want).toHaveLength(3);
        expectSameTotals(got, want);
      });

      it('when the range starts and ends inside minutes, and a reading is rewritten with other values, then the totals are those of the readings in range as they are now', async () => {
        const id = uniqueId();
        const seg = `seg-${id}`;
        const from = T0 + 20_000;
        const to = T0 + 2 * MIN + 40_000;
        const r = (sensor: string, ts: number, o: Partial<Reading> = {}) => reading({ sensorId: `s-${id}-${sensor}`, segmentId: seg, ts, lane: 1, ...o });
        const first = [
          r('a', T0 + 10_000), // before `from`, in its minute
          r('a', T0 + 30_000, { speedKmh: 20, occupancy: 0.3 }),
          r('a', T0 + MIN + 5_000, { intervalS: 30 }),
          r('b', T0 + 2 * MIN + 30_000, { speedKmh: 70 }),
          r('b', T0 + 2 * MIN + 50_000), // after `to`, in its minute
        ];
        await store.writeReadings(first);
        // A re-sent reading with corrected values replaces the stored one.
        const corrected = r('a', T0 + MIN + 5_000, { intervalS: 60, speedKmh: 12, occupancy: 0.9, counts: { motorbike: 3, car: 1, bus: 0, truck: 0, bicycle: 0, other: 0 } });
        await store.writeReadings([corrected]);
        const range = { from, to };

        const got = await store.detectorTotals(range, [seg]);

        const now = [first[0]!, first[1]!, corrected, first[3]!, first[4]!];
        const want = detectorTotalsOf(now, range);
        expect(want.map((d) => d.sensorId).sort()).toEqual([`s-${id}-a`, `s-${id}-b`]);
        expectSameTotals(got, want);
      });

      it('when a segment\'s readings name measurement stations, then they keep their station and the totals are per station, in whole and partial minutes', async () => {
        const id = uniqueId();
        const seg = `seg-${id}`;
        const at = (sensor: string, stationId: string | null, lane: number, ts: number, o: Partial<Reading> = {}) =>
          reading({ sensorId: `s-${id}-${sensor}`, segmentId: seg, stationId, lane, ts, ...o });
        const rs = [
          at('a1', 'st-a', 1, T0 + 10_000), at('a2', 'st-a', 2, T0 + 70_000, { speedKmh: 18, occupancy: 0.6 }),
          at('a1', 'st-a', 1, T0 + 130_000), at('b1', 'st-b.km12', 1, T0 + 65_000, { counts: { motorbike: 50, car: 0, bus: 0, truck: 0, bicycle: 0, other: 0 } }),
          at('b1', 'st-b.km12', 1, T0 + 175_000), at('d1', null, 1, T0 + 100_000, { occupancy: null }),
        ];
        await store.writeReadings(rs);
        // From inside the first minute to inside the third: the SQLite store sums whole minutes from its table, the ends from readings.
        const range = { from: T0 + 5_000, to: T0 + 170_000 };

        expect(sorted(await store.readings({ from: T0, to: T0 + 5 * MIN }, [seg]))).toEqual(sorted(rs));
        const got = await store.detectorTotals(range, [seg]);
        const want = detectorTotalsOf(rs, range);
        expect(new Set(want.map((d) => d.stationId))).toEqual(new Set(['st-a', 'st-b.km12', null]));
        expectSameTotals(got, want);
      });

      it('when a rewrite drops a reading\'s speed and occupancy, then its speed and occupancy terms leave the totals', async () => {
        const id = uniqueId();
        const seg = `seg-${id}`;
        const first = reading({ sensorId: `s-${id}`, segmentId: seg, ts: T0 + 1_000, speedKmh: 25, occupancy: 0.4 });
        await store.writeReadings([first]);
        await store.writeReadings([{ ...first, speedKmh: null, occupancy: null }]);

        const [got] = await store.detectorTotals({ from: T0, to: T0 + MIN }, [seg]);

        expect(got).toMatchObject({ speedVehicles: 0, speedHours: 0, occupancySeconds: 0, occupancyWeighted: 0, seconds: first.intervalS });
      });

      it('when no segment is asked or none has readings in range, then there are no totals', async () => {
        const id = uniqueId();
        await store.writeReadings([reading({ sensorId: `s-${id}`, segmentId: `seg-${id}`, ts: T0 + 1_000 })]);
        expect(await store.detectorTotals({ from: T0, to: T0 + MIN }, [])).toEqual([]);
        expect(await store.detectorTotals({ from: T0 + MIN, to: T0 + 2 * MIN }, [`seg-${id}`])).toEqual([]);
      });
    });

    describe('detectorTotalsByBucket', () => {
      const seg = (id: string) => `seg-${id}`;
      /** Readings of several sensors, stations and lanes over two hours, some without speed or occupancy. */
      const spread = (id: string): Reading[] =>
        Array.from({ length: 120 }, (_, i) =>
          reading({
            sensorId: `s-${id}-${i % 4}`, segmentId: seg(id), stationId: i % 4 === 3 ? 'st-b' : null, lane: i % 4 === 2 ? null : 1 + (i % 2),
            ts: T0 + i * 61_000 + (i % 7) * 1_000, intervalS: 20 + (i % 3) * 20,
            speedKmh: i % 5 === 0 ? null : 8 + (i % 60), occupancy: i % 6 === 0 ? null : (i % 10) / 10,
            counts: { motorbike: i % 30, car: i % 9, bus: i % 2, truck: 0, bicycle: i % 3, other: 0 },
          }),
        );

      it('when readings span several buckets and the range starts and ends inside minutes and buckets, then each bucket holds the totals of its readings in range', async () => {
        const id = uniqueId();
        const rs = spread(id);
        rs.push(reading({ sensorId: `s-${id}-x`, segmentId: `${seg(id)}-other`, ts: T0 + 10 * MIN })); // another segment
        await store.writeReadings(rs);
        // A rewrite with other values: its bucket holds the new ones.
        const rewritten = { ...rs[40]!, speedKmh: 3, occupancy: 0.95, counts: { motorbike: 1, car: 1, bus: 0, truck: 0, bicycle: 0, other: 0 } };
        await store.writeReadings([rewritten]);
        const now = rs.map((r, i) => (i === 40 ? rewritten : r)).filter((r) => r.segmentId === seg(id));

        for (const bucketMs of [5 * MIN, 15 * MIN, 60 * MIN]) {
          const range = { from: T0 + 7 * MIN + 20_000, to: T0 + 100 * MIN + 35_000 };
          const got = await store.detectorTotalsByBucket(range, [seg(id)], bucketMs);
          expectSameBuckets(got, bucketTotalsOf(now, range, bucketMs));
        }
      });

      it('when buckets are 6 h and 1 day long, then they are aligned to the epoch (UTC days) and hold their readings', async () => {
        const id = uniqueId();
        const day = 24 * 60 * MIN;
        const midnight = Math.floor(T0 / day) * day;
        const rs = [0, 3, 5.5, 6, 11, 23.9, 24, 30, 47].map((h, i) =>
          reading({ sensorId: `s-${id}-${i % 2}`, segmentId: seg(id), ts: midnight + h * 60 * MIN + 1_000, speedKmh: 10 + i }),
        );
        await store.writeReadings(rs);
        const range = { from: midnight, to: midnight + 2 * day };

        for (const bucketMs of [6 * 60 * MIN, day]) {
          const got = await store.detectorTotalsByBucket(range, [seg(id)], bucketMs);
          const want = bucketTotalsOf(rs, range, bucketMs);
          expect(new Set(got.map((b) => b.bucketStart))).toEqual(new Set(want.map((b) => b.bucketStart)));
          expectSameBuckets(got, want);
        }
        const days = await store.detectorTotalsByBucket(range, [seg(id)], day);
        expect([...new Set(days.map((b) => b.bucketStart))].sort()).toEqual([midnight, midnight + day]);
      });

      it('when a bucket has no reading, or no segment is asked, then it has no entry; a bucket that is not a whole number of minutes is refused', async () => {
        const id = uniqueId();
        await store.writeReadings([reading({ sensorId: `s-${id}`, segmentId: seg(id), ts: T0 + 1_000 }), reading({ sensorId: `s-${id}`, segmentId: seg(id), ts: T0 + 20 * MIN })]);

        const got = await store.detectorTotalsByBucket({ from: T0, to: T0 + 30 * MIN }, [seg(id)], 5 * MIN);
        expect(got.map((b) => b.bucketStart).sort()).toEqual([T0, T0 + 20 * MIN]);
        expect(await store.detectorTotalsByBucket({ from: T0, to: T0 + 30 * MIN }, [], 5 * MIN)).toEqual([]);
        await expect(store.detectorTotalsByBucket({ from: T0, to: T0 + 30 * MIN }, [seg(id)], 90_000)).rejects.toMatchObject({ code: 'bad_request' });
        await expect(store.detectorTotalsByBucket({ from: T0, to: T0 + 30 * MIN }, [seg(id)], 0)).rejects.toMatchObject({ code: 'bad_request' });
      });
    });

    describe('segmentActivity', () => {
      it('when sensors report on segments, then each asked segment gets its distinct sensors in range and its latest reading', async () => {
        const id = uniqueId();
        const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((x) => `seg-${id}-${x}`) as [string, string, string, string];
        const from = T0 + 5 * MIN;
        const to = T0 + 10 * MIN;
        const r = (sensor: string, segmentId: string, ts: number, lane: number | null = 1) =>
          reading({ sensorId: `s-${id}-${sensor}`, segmentId, ts, lane });
        await store.writeReadings([
          // a: sensor 1 on two lanes, twice each; sensor 2 once; sensor 3 only before the range
          r('1', a, from, 1),
          r('1', a, from, 2),
          r('1', a, from + MIN, 1),
          r('1', a, from + MIN, 2),
          r('2', a, to - 1, null),
          r('3', a, from - 1),
          // b: sensor 4, and sensor 2 (a sensor may serve two segments); one at `to` (outside)
          r('4', b, from + 2 * MIN),
          r('2', b, from + 3 * MIN),
          r('5', b, to),
          // d is not asked for
          r('6', d, from + MIN),
        ]);

        const activity = await store.segmentActivity({ from, to }, [a, b, c]);

        expect(activity.get(a)).toEqual({ sensors: 2, lastReadingAt: to - 1 });
        expect(activity.get(b)).toEqual({ sensors: 2, lastReadingAt: from + 3 * MIN });
        expect(activity.get(c)).toEqual({ sensors: 0, lastReadingAt: null });
        expect(activity.has(d)).toBe(false);
      });

      it('when the range starts and ends inside minutes, then readings before `from` or at/after `to` in those minutes do not count', async () => {
        const id = uniqueId();
        const seg = `seg-${id}`;
        const from = T0 + 30_000;
        const to = T0 + 3 * MIN + 30_000;
        const r = (sensor: string, ts: number) => reading({ sensorId: `s-${id}-${sensor}`, segmentId: seg, ts });
        await store.writeReadings([
          r('early', T0 + 10_000), // first minute, before `from`
          r('head', T0 + 40_000), // first minute, in range
          r('inner', T0 + 2 * MIN), // a whole minute in range
          r('tail', T0 + 3 * MIN + 20_000), // last minute, in range
          r('late', T0 + 3 * MIN + 40_000), // last minute, after `to`
          r('head', T0 + 3 * MIN + 50_000), // a sensor in range whose latest reading is after `to`
        ]);

        expect((await store.segmentActivity({ from, to }, [seg])).get(seg)).toEqual({ sensors: 3, lastReadingAt: T0 + 3 * MIN + 20_000 });
        // A range inside one minute.
        expect((await store.segmentActivity({ from: T0 + 30_000, to: T0 + 50_000 }, [seg])).get(seg)).toEqual({ sensors: 1, lastReadingAt: T0 + 40_000 });
        // Whole minutes only.
        expect((await store.segmentActivity({ from: T0, to: T0 + 3 * MIN }, [seg])).get(seg)).toEqual({ sensors: 3, lastReadingAt: T0 + 2 * MIN });
      });
    });

    describe('congestion', () => {
      it('when records (ok, counting-only, no_data) are written, then congestionHistory returns those of the segment and window with `to` in [from, to), oldest first', async () => {
        const id = uniqueId();
        const seg = `seg-${id}`;
        const t = (m: number) => T0 + m * MIN;
        const ok = okRecord(seg, '5m', t(10));
        const countingOnly = countingOnlyRecord(seg, '5m', t(15));
        const noData = noDataRecord(seg, '5m', t(20));
        await store.writeCongestion([
          noData,
          ok,
          countingOnly,
          okRecord(seg, '5m', t(5) - 1), // before the range
          okRecord(seg, '5m', t(25)), // at the range end: excluded
          okRecord(seg, '1m', t(11)), // another window
          okRecord(`seg-${id}-other`, '5m', t(10)), // another segment
        ]);

        const history = await store.congestionHistory(seg, '5m', { from: t(5), to: t(25) });

        expect(history).toEqual([ok, countingOnly, noData]);
      });

      it('when a record is written twice and then with new values, then one record per (segment, window, to) holds the newest values', async () => {
        const id = uniqueId();
        const seg = `seg-${id}`;
        const first = okRecord(seg, '15m', T0 + 30 * MIN);
        const newer: CongestionRecord = { ...first, flowVph: 1500, speedKmh: 21.5, speedRatio: 0.43, tti: 2.326, los: 'D', sensorsReporting: 3 };
        await store.writeCongestion([first]);
        await store.writeCongestion([first]);
        await store.writeCongestion([newer]);

        expect(await store.congestionHistory(seg, '15m', { from: T0, to: T0 + 60 * MIN })).toEqual([newer]);
      });
    });

    describe('sensors', () => {
      it('when a sensor has readings in and out of the range, then accepted counts those in range and names the segment of the last one', async () => {
        const id = uniqueId();
        const sensorId = `s-${id}`;
        const from = T0 + 60 * MIN;
        const to = T0 + 120 * MIN;
        const r = (segmentId: string, ts: number, lane: number | null = 1) => reading({ sensorId, segmentId, ts, lane });
        await store.writeReadings([
          r(`seg-${id}-a`, from - 1), // before: not counted
          r(`seg-${id}-a`, from),
          r(`seg-${id}-a`, from + MIN, 1),
          r(`seg-${id}-a`, from + MIN, 2),
          r(`seg-${id}-b`, from + 30 * MIN), // the sensor moved: its last reading is on b
          r(`seg-${id}-a`, to), // at the end: not counted
        ]);

        const mine = await sensorsOf(store, { from, to }, id);

        expect(mine).toEqual([
          { sensorId, segmentId: `seg-${id}-b`, lastReadingAt: from + 30 * MIN, accepted: 4, rejected: 0, state: null, stateAt: null },
        ]);
      });

      it('when a sensor moves between segments within one minute and one batch, out of order, then it is named with the segment of its latest reading', async () => {
        const id = uniqueId();
        const sensorId = `s-${id}`;
        const minute = T0 + 60 * MIN;
        const r = (segmentId: string, ts: number) => reading({ sensorId, segmentId, ts, lane: 1 });
        await store.writeReadings([r(`seg-${id}-b`, minute + 40_000), r(`seg-${id}-a`, minute + 10_000), r(`seg-${id}-c`, minute + 20_000)]);
        await store.writeReadings([r(`seg-${id}-a`, minute + 30_000), r(`seg-${id}-a`, minute + 10_000)]); // one new, one replayed

        const mine = await sensorsOf(store, { from: minute, to: minute + MIN }, id);

        expect(mine).toEqual([
          { sensorId, segmentId: `seg-${id}-b`, lastReadingAt: minute + 40_000, accepted: 4, rejected: 0, state: null, stateAt: null },
        ]);
      });

      it('when rejections are written, then rejected counts those of the sensor in range, and distinct rejections in the same ms count separately', async () => {
        const id = uniqueId();
        const sensorId = `s-${id}`;
        const from = T0 + 60 * MIN;
        const to = T0 + 120 * MIN;
        const at = (ms: number) => new Date(ms).toISOString();
        await store.writeRejections([
          rejection({ sensorId, receivedAt: at(from - 1) }), // before
          rejection({ sensorId, receivedAt: at(from) }),
          // one batch, one ms, one reason: two readings rejected
          rejection({ sensorId, receivedAt: at(from + 5), batchIndex: 0 }),
          rejection({ sensorId, receivedAt: at(from + 5), batchIndex: 1 }),
          // two messages in the same ms, one reason, different payloads
          rejection({ sensorId, receivedAt: at(from + 7), detail: 'counts.car: expected number', payload: '{"a":1}' }),
          rejection({ sensorId, receivedAt: at(from + 7), detail: 'counts.bus: expected number', payload: '{"a":2}' }),
          rejection({ sensorId, receivedAt: at(from + 7), reason: 'future_ts' }),
          rejection({ sensorId, receivedAt: at(to) }), // at the end
          rejection({ sensorId: null, receivedAt: at(from + 9), reason: 'invalid_json' }), // no sensor: nobody's count
        ]);

        const mine = await sensorsOf(store, { from, to }, id);

        expect(mine).toEqual([
          { sensorId, segmentId: null, lastReadingAt: null, accepted: 0, rejected: 6, state: null, stateAt: null },
        ]);
      });

      it('when the same rejection is written twice (a DLQ replay), then it counts once', async () => {
        const id = uniqueId();
        const sensorId = `s-${id}`;
        const entry = rejection({ sensorId, receivedAt: new Date(T0 + 7_000).toISOString(), batchIndex: 3 });
        await store.writeRejections([entry]);
        await store.writeRejections([entry, { ...entry }]);

        const mine = await sensorsOf(store, { from: T0, to: T0 + 60_000 }, id);
        expect(mine[0]?.rejected).toBe(1);
      });

      it('when statuses arrive out of order, then the latest by time wins, whatever the range', async () => {
        const id = uniqueId();
        const sensorId = `s-${id}`;
        const other = `s-${id}-other`;
        await store.writeSensorStatus([status(sensorId, 'degraded', T0 + 10_000)]);
        await store.writeSensorStatus([status(sensorId, 'online', T0 + 5_000)]); // older, arrives later
        await store.writeSensorStatus([status(other, 'online', T0 + 1_000), status(other, 'offline', T0 + 2_000)]);

        // A range with no data at all: states are "latest ever", not "in range".
        const range = { from: T0 + 500 * MIN, to: T0 + 600 * MIN };
        expect(await sensorsOf(store, range, id)).toEqual([
          { sensorId, segmentId: null, lastReadingAt: null, accepted: 0, rejected: 0, state: 'degraded', stateAt: T0 + 10_000 },
          { sensorId: other, segmentId: null, lastReadingAt: null, accepted: 0, rejected: 0, state: 'offline', stateAt: T0 + 2_000 },
        ]);

        await store.writeSensorStatus([status(sensorId, 'offline', T0 + 20_000)]);
        const [latest] = await sensorsOf(store, range, id);
        expect(latest).toMatchObject({ state: 'offline', stateAt: T0 + 20_000 });
      });

      it('when a sensor has readings, rejections and a status, then one summary carries all three', async () => {
        const id = uniqueId();
        const sensorId = `s-${id}`;
        const quiet = `s-${id}-quiet`; // reported only before the range: not listed
        const from = T0 + 180 * MIN;
        const to = T0 + 240 * MIN;
        await store.writeReadings([
          reading({ sensorId, segmentId: `seg-${id}`, ts: from + MIN }),
          reading({ sensorId, segmentId: `seg-${id}`, ts: from + 2 * MIN }),
          reading({ sensorId: quiet, segmentId: `seg-${id}`, ts: from - MIN }),
        ]);
        await store.writeRejections([rejection({ sensorId, receivedAt: new Date(from + 90_000).toISOString() })]);
        await store.writeSensorStatus([status(sensorId, 'online', from)]);

        expect(await sensorsOf(store, { from, to }, id)).toEqual([
          { sensorId, segmentId: `seg-${id}`, lastReadingAt: from + 2 * MIN, accepted: 2, rejected: 1, state: 'online', stateAt: from },
        ]);
      });
    });

    describe('sensor health', () => {
      const healthOf = async (id: string) => (await store.sensorHealth()).filter((h) => h.sensorId.includes(id));

      it('when snapshots with every part (and with every part null) are written, then sensorHealth() returns them exactly', async () => {
        const id = uniqueId();
        const full: SensorHealthSnapshot = {
          sensorId: `s-${id}-1`, segmentId: `seg-${id}`, at: T0 + 5_000, lastTs: T0 + 4_000, intervalS: 30,
          stuck: { since: T0 - 90_000, readings: 7 },
          implausible: { since: T0 - 60_000, lastAt: T0, count: 3, rule: 'occupied_but_moving', value: 12.5 },
          gaps: { missing: 4, expected: 120, since: T0 - 30_000 },
          duplicates: { since: T0 - 20_000, lastAt: T0 - 10_000, count: 2 },
        };
        const empty: SensorHealthSnapshot = {
          sensorId: `s-${id}-2`, segmentId: `seg-${id}`, at: T0 + 5_000, lastTs: T0, intervalS: 60,
          stuck: null, implausible: null, gaps: null, duplicates: null,
        };
        const noGapYet: SensorHealthSnapshot = { ...empty, sensorId: `s-${id}-3`, gaps: { missing: 0, expected: 10, since: null } };
        await store.writeSensorHealth([full, empty, noGapYet]);

        const got = await healthOf(id);
        expect(got.sort((a, b) => a.sensorId.localeCompare(b.sensorId))).toEqual([full, empty, noGapYet]);
      });

      it('when a later snapshot of a sensor is written, then it replaces the earlier one, parts that became null included', async () => {
        const id = uniqueId();
        const sensorId = `s-${id}`;
        const first: SensorHealthSnapshot = {
          sensorId, segmentId: `seg-${id}`, at: T0, lastTs: T0, intervalS: 60,
          stuck: { since: T0 - 300_000, readings: 5 }, implausible: null, gaps: { missing: 1, expected: 60, since: T0 - 60_000 }, duplicates: null,
        };
        const later: SensorHealthSnapshot = { ...first, at: T0 + 10_000, lastTs: T0 + 60_000, stuck: null, gaps: { missing: 0, expected: 60, since: null } };
        await store.writeSensorHealth([first]);
        await store.writeSensorHealth([later]);

        expect(await healthOf(id)).toEqual([later]);
      });
    });

    it('when the store is up, then ping resolves', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}

// --- builders (exported for adapter-specific tests) ------------------------------------------

/** Short unique id part: letters, digits and "-" only, so ids built from it pass the id rule. */
export function uniqueId(): string {
  return randomUUID().slice(0, 8);
}

/** The same detectors with the same totals; the two float sums up to rounding (SQL, InfluxDB and JS add in different orders). */
export function expectSameTotals(got: DetectorTotals[], want: DetectorTotals[]): void {
  const key = (d: DetectorTotals) => `${d.segmentId}|${d.stationId}|${d.sensorId}|${d.lane}`;
  expect(got.map(key).sort()).toEqual(want.map(key).sort());
  for (const w of want) {
    const g = got.find((d) => key(d) === key(w))!;
    const { speedHours, occupancyWeighted, ...exact } = w;
    expect(g).toMatchObject(exact);
    expect(g.speedHours).toBeCloseTo(speedHours, 9);
    expect(g.occupancyWeighted).toBeCloseTo(occupancyWeighted, 9);
  }
}

/** detectorTotalsOf per bucket of `bucketMs` (epoch-aligned), each over bucket ∩ range: what detectorTotalsByBucket must return. */
export function bucketTotalsOf(readings: readonly Reading[], range: { from: number; to: number }, bucketMs: number): BucketTotals[] {
  const out: BucketTotals[] = [];
  for (let start = Math.floor(range.from / bucketMs) * bucketMs; start < range.to; start += bucketMs) {
    const part = { from: Math.max(start, range.from), to: Math.min(start + bucketMs, range.to) };
    for (const totals of detectorTotalsOf(readings, part)) out.push({ bucketStart: start, totals });
  }
  return out;
}

/** The same buckets with the same detectors' totals (expectSameTotals per bucket). */
export function expectSameBuckets(got: BucketTotals[], want: BucketTotals[]): void {
  const starts = (list: BucketTotals[]) => [...new Set(list.map((b) => b.bucketStart))].sort((a, b) => a - b);
  expect(starts(got)).toEqual(starts(want));
  expect(want.length).toBeGreaterThan(0);
  for (const start of starts(want)) {
    expectSameTotals(got.filter((b) => b.bucketStart === start).map((b) => b.totals), want.filter((b) => b.bucketStart === start).map((b) => b.totals));
  }
}

export function reading(o: Partial<Reading> & Pick<Reading, 'sensorId' | 'segmentId' | 'ts'>): Reading {
  return {
    intervalS: 60,
    lane: 1,
    stationId: null,
    counts: { motorbike: 31, car: 12, bus: 1, truck: 2, bicycle: 3, other: 1 },
    speedKmh: 42.7,
    occupancy: 0.137,
    seq: 7,
    ...o,
  };
}

const iso = (ms: number): string => new Date(ms).toISOString();

export function okRecord(segmentId: string, window: WindowName, to: number): CongestionRecord {
  return {
    segmentId,
    window,
    from: iso(to - WINDOWS[window]),
    to: iso(to),
    status: 'ok',
    flowVph: 1234.5,
    flowPcuph: 876.3,
    speedKmh: 38.4,
    occupancy: 0.213,
    densityPcuPerKmLane: 11.41,
    speedRatio: 0.768,
    tti: 1.302,
    congestionPct: 30.2,
    jamFactor: 2.3,
    los: 'B',
    sensorsReporting: 2,
    sensorsKnown: 3,
    stationsReporting: 1,
    sensorsFaulty: 0,
    lastReadingAt: iso(to - 1_500),
  };
}

/** `ok` from detectors without speed: flows known, speed-derived fields and LOS null. */
export function countingOnlyRecord(segmentId: string, window: WindowName, to: number): CongestionRecord {
  return {
    ...okRecord(segmentId, window, to),
    speedKmh: null,
    occupancy: null,
    densityPcuPerKmLane: null,
    speedRatio: null,
    tti: null,
    congestionPct: null,
    jamFactor: null,
    los: null,
  };
}

export function noDataRecord(segmentId: string, window: WindowName, to: number): CongestionRecord {
  return {
    ...countingOnlyRecord(segmentId, window, to),
    status: 'no_data',
    flowVph: null,
    flowPcuph: null,
    sensorsReporting: 0,
    sensorsKnown: 2,
    lastReadingAt: null,
  };
}

export function rejection(o: Partial<DeadLetter> & Pick<DeadLetter, 'sensorId' | 'receivedAt'>): DeadLetter {
  return {
    reason: 'schema',
    detail: 'counts.car: expected number, received string',
    mqttTopic: `traffic/v1/${o.sensorId ?? 'unknown'}/telemetry`,
    clientId: 'gateway-1',
    batchIndex: null,
    payload: '{"sensorId":"x"}',
    payloadTruncated: false,
    ...o,
  };
}

export function status(sensorId: string, state: SensorStatus['state'], at: number, detail: SensorStatus['detail'] = {}): SensorStatus {
  return { sensorId, state, at, detail };
}

/** A stable order for comparing sets of readings. */
export function sorted(readings: readonly Reading[]): Reading[] {
  const key = (r: Reading) => `${r.segmentId}|${String(r.ts).padStart(16, '0')}|${r.sensorId}|${r.lane ?? 0}`;
  return [...readings].sort((a, b) => key(a).localeCompare(key(b)));
}

/** sensors() restricted to this test's sensors (other tests may share the database). */
async function sensorsOf(store: Store, range: { from: number; to: number }, id: string): Promise<SensorSummary[]> {
  return (await store.sensors(range)).filter((s) => s.sensorId.includes(id));
}

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Reading } from '../../shared/contract/telemetry.ts';
import { AppError } from '../../shared/errors/app-error.ts';
import type { Store } from '../../shared/ports/store.ts';
import { ID, hostileString, validId } from '../helpers/hostile.ts';
import { T0, reading, rejection } from './store-contract.ts';

/** What is in the whole store, counted by the adapter's own means (not through the port). */
export interface Census {
  points: number;
  series: number;
}

export interface HostileStoreFixture {
  store: Store;
  /** Every reading stored and the distinct (sensor, segment, lane) series, counted in the database itself. */
  census(): Promise<Census>;
  cleanup(): Promise<void>;
}

const RANGE = { from: T0, to: T0 + 10_000_000 };
const identity = (r: Reading) => JSON.stringify([r.segmentId, r.ts, r.sensorId, r.lane ?? 0]);
const byIdentity = (a: Reading, b: Reading) => (identity(a) < identity(b) ? -1 : identity(a) > identity(b) ? 1 : 0);

/** A batch of 1–4 readings whose ids are valid, or hostile (newline, comma, space, =, quotes, backslashes, long, unicode). */
const batch = fc.array(
  fc.record({
    sensorId: fc.oneof(validId, hostileString),
    segmentId: fc.oneof(validId, hostileString),
    lane: fc.oneof(fc.constant(null), fc.integer({ min: 1, max: 16 })),
    offset: fc.nat(9_999_999),
  }),
  { minLength: 1, maxLength: 4 },
);

/**
 * Issue 13 "Hostile input" (b), the same property on every Store adapter: a batch with hostile ids
 * is either refused whole (AppError bad_request, nothing stored) or stored exactly; valid ids always
 * round-trip exactly; and the database never holds a point or series more than was written (nothing
 * injected, nothing merged, nothing corrupted).
 */
export function hostileIdsContract(name: string, makeFixture: () => Promise<HostileStoreFixture>, numRuns: number): void {
  describe(`${name}: ids from hostile strings (fast-check)`, () => {
    it('when readings with valid or hostile ids are written, then each batch is refused whole or stored exactly, reads back exactly, and no extra point or series appears', async () => {
      const { store, census, cleanup } = await makeFixture();
      const model = new Map<string, Reading>();
      try {
        await fc.assert(
          fc.asyncProperty(batch, async (items) => {
            const readings = items.map((i) => reading({ sensorId: i.sensorId, segmentId: i.segmentId, lane: i.lane, ts: T0 + i.offset }));
            const allValid = readings.every((r) => ID.test(r.sensorId) && ID.test(r.segmentId));
            let stored = true;
            try {
              await store.writeReadings(readings);
            } catch (err) {
              // Only a batch with a hostile id may be refused, and only as a bad request.
              expect(allValid, String(err)).toBe(false);
              expect(err).toBeInstanceOf(AppError);
              expect((err as AppError).code).toBe('bad_request');
              stored = false;
            }
            if (stored) for (const r of readings) model.set(identity(r), r);

            for (const segmentId of new Set(readings.map((r) => r.segmentId))) {
              const want = [...model.values()].filter((r) => r.segmentId === segmentId).sort(byIdentity);
              let got: Reading[];
              try {
                got = await store.readings(RANGE, [segmentId]);
              } catch (err) {
                // A hostile id may be refused at the query too, never used in one.
                expect(ID.test(segmentId)).toBe(false);
                expect((err as AppError).code).toBe('bad_request');
                continue;
              }
              expect([...got].sort(byIdentity)).toEqual(want);
            }
            const seen = await census();
            expect(seen.points).toBe(model.size);
            expect(seen.series).toBe(new Set([...model.values()].map((r) => JSON.stringify([r.sensorId, r.segmentId, r.lane ?? 0]))).size);
          }),
          { numRuns },
        );
      } finally {
        await cleanup();
      }
    });

    it('when rejections name hostile sensors, then they are stored without failing and the sensor view lists no id that was not written', async () => {
      const { store, cleanup } = await makeFixture();
      const written = new Set<string>();
      try {
        await fc.assert(
          fc.asyncProperty(fc.array(fc.oneof(validId, hostileString), { minLength: 1, maxLength: 4 }), fc.nat(9_999_999), async (ids, offset) => {
            await store.writeRejections(ids.map((sensorId, i) => rejection({ sensorId, receivedAt: new Date(T0 + offset + i).toISOString(), batchIndex: i })));
            for (const id of ids) written.add(id);
            for (const s of await store.sensors(RANGE)) expect(written.has(s.sensorId), JSON.stringify(s.sensorId)).toBe(true);
          }),
          { numRuns },
        );
      } finally {
        await cleanup();
      }
    });
  });
}

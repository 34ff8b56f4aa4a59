import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteBus } from '../../shared/adapters/sqlite-bus.ts';
import { SqliteStore } from '../../shared/adapters/sqlite-store.ts';
import { readingJson, type Reading } from '../../shared/contract/telemetry.ts';
import { TOPICS } from '../../shared/contract/topics.ts';
import { emptyCounts } from '../../shared/contract/vehicle-classes.ts';
import { AppError } from '../../shared/errors/app-error.ts';
import { DEFAULT_HEALTH_CONFIG } from '../../shared/health/health-config.ts';
import { createLogger } from '../../shared/logging/create-logger.ts';
import type { Store } from '../../shared/ports/store.ts';
import { startWriter } from '../../services/writer/writer-service.ts';
import { waitFor } from '../helpers/wait.ts';

// The writer's health tracker sees the readings where they flow (issue 12): a reading on the bus
// twice is a duplicate, even though the store keeps it once; a batch the bus delivers again after a
// store failure is not.
const T0 = Date.now() - 600_000;
const reading = (seq: number): Reading => ({
  sensorId: 'wh-1', segmentId: 'ql13-nb-01', ts: T0 + seq * 60_000, intervalS: 60, lane: 1,
  counts: { ...emptyCounts(), car: 5 + seq }, speedKmh: 40, occupancy: 0.1, seq,
});

describe('writer: sensor health where the messages flow', () => {
  let dir = '';
  let bus: SqliteBus;
  let store: SqliteStore;
  let writer: { stop(): Promise<void> } | undefined;
  const log = createLogger({ level: 'silent' });
  const metrics = { readingsStored: { inc: () => undefined }, storeWriteFailures: { inc: () => undefined }, messagesSkipped: { inc: () => undefined } };
  const publish = (readings: Reading[]) => bus.publish(TOPICS.telemetry, readings.map((r) => ({ key: r.segmentId, value: readingJson(r) })));
  const start = async (s: Store) => {
    writer = await startWriter({ bus, store: s, log, metrics, health: { ...DEFAULT_HEALTH_CONFIG, snapshotMs: 50 } });
  };
  const snapshot = () => waitFor(async () => (await store.sensorHealth()).find((h) => h.sensorId === 'wh-1' && h.lastTs === reading(4).ts), { what: 'snapshot of wh-1' });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rp-writer-health-'));
    bus = new SqliteBus({ file: join(dir, 'bus.sqlite'), log });
    store = new SqliteStore(join(dir, 'store.sqlite'));
  });
  afterEach(async () => {
    await writer?.stop();
    await bus.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('when the same reading is published twice, then the snapshot counts one duplicate and the store holds it once', async () => {
    await start(store);
    await publish([0, 1, 2].map(reading));
    await publish([reading(2), reading(3), reading(4)]);
    const snap = await snapshot();
    expect(snap.duplicates).toMatchObject({ count: 1, since: reading(2).ts });
    expect(snap.gaps).toEqual({ missing: 0, expected: 5, since: null });
    expect(await store.readings({ from: T0, to: T0 + 3600_000 }, ['ql13-nb-01'])).toHaveLength(5);
  });

  it('when the store fails a batch once and the bus delivers it again, then no duplicate is seen', async () => {
    let failures = 1;
    const flaky = Object.create(store) as Store;
    flaky.writeReadings = async (readings) => {
      if (failures-- > 0) throw new AppError('store_unavailable', 'not now', { retriable: true });
      return store.writeReadings(readings);
    };
    await start(flaky);
    await publish([0, 1, 2, 3, 4].map(reading));
    const snap = await snapshot();
    expect(failures).toBeLessThan(0);
    expect(snap.duplicates).toBeNull();
    expect(snap.gaps?.missing).toBe(0);
  });

  it('when the writer stops, then what changed since the last pass is stored', async () => {
    writer = await startWriter({ bus, store, log, metrics, health: { ...DEFAULT_HEALTH_CONFIG, snapshotMs: 3_600_000 } });
    await publish([0, 1, 2, 3, 4].map(reading));
    await waitFor(async () => (await store.readings({ from: T0, to: T0 + 3600_000 }, ['ql13-nb-01'])).length === 5);
    expect(await store.sensorHealth()).toEqual([]);
    await writer.stop();
    writer = undefined;
    expect((await store.sensorHealth()).map((h) => h.sensorId)).toEqual(['wh-1']);
  });
});

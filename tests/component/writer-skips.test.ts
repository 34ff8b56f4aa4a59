import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteBus } from '../../shared/adapters/sqlite-bus.ts';
import { SqliteStore } from '../../shared/adapters/sqlite-store.ts';
import type { Reading } from '../../shared/contract/telemetry.ts';
import { TOPICS } from '../../shared/contract/topics.ts';
import { emptyCounts } from '../../shared/contract/vehicle-classes.ts';
import { AppError } from '../../shared/errors/app-error.ts';
import { createLogger } from '../../shared/logging/create-logger.ts';
import type { Store } from '../../shared/ports/store.ts';
import { startWriter, WRITER_GROUP } from '../../services/writer/writer-service.ts';
import { committedOffset } from '../helpers/bus-file.ts';
import { waitFor } from '../helpers/wait.ts';

// The writer must not let one message that can never be stored hold its partition forever, and
// must still retry what the store refuses only for now (DESIGN §6: commit after the store accepted).
const T0 = Date.now() - 60_000;
const reading = (sensorId: string, ts = T0): Reading => ({
  sensorId, segmentId: 'ql13-nb-01', ts, intervalS: 60, lane: 1,
  counts: { ...emptyCounts(), car: 5 }, speedKmh: 40, occupancy: 0.1, seq: null,
});

/** The real embedded store, refusing the readings of one sensor: for good, or for the first `times` tries. */
function refusing(store: SqliteStore, sensorId: string, retriable: boolean, times = Infinity): Store & { attempts: number } {
  const proxy = Object.create(store) as Store & { attempts: number };
  proxy.attempts = 0;
  proxy.writeReadings = async (readings) => {
    if (readings.some((r) => r.sensorId === sensorId) && proxy.attempts++ < times) {
      throw new AppError('store_unavailable', `refused ${sensorId}`, { retriable });
    }
    return store.writeReadings(readings);
  };
  return proxy;
}

describe('writer: messages that can never be stored', () => {
  let dir = '';
  let bus: SqliteBus;
  let store: SqliteStore;
  const counters = { stored: 0, failures: 0, skipped: 0 };
  const metrics = {
    readingsStored: { inc: (n = 1) => void (counters.stored += n) },
    storeWriteFailures: { inc: () => void (counters.failures += 1) },
    messagesSkipped: { inc: (n = 1) => void (counters.skipped += n) },
  };
  const log = createLogger({ level: 'silent' });
  const publish = (values: string[]) => bus.publish(TOPICS.telemetry, values.map((value) => ({ key: 'ql13-nb-01', value })));
  const storedIds = async () => (await store.readings({ from: T0 - 1, to: T0 + 10 }, ['ql13-nb-01'])).map((r) => r.sensorId).sort();

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rp-writer-'));
    bus = new SqliteBus({ file: join(dir, 'bus.sqlite'), log });
    store = new SqliteStore(join(dir, 'store.sqlite'));
    Object.assign(counters, { stored: 0, failures: 0, skipped: 0 });
  });
  afterEach(async () => {
    await bus.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('when a message breaks the contract and the store refuses one reading for good, then both are skipped and counted, the others stored, and the offsets move on', async () => {
    await publish([
      JSON.stringify(reading('good-1')),
      '{"not":"a reading"}',
      JSON.stringify(reading('poison')),
      'not json',
      JSON.stringify(reading('good-2', T0 + 1)),
    ]);
    const writer = await startWriter({ bus, store: refusing(store, 'poison', false), log, metrics });
    await waitFor(async () => (await storedIds()).length === 2, { what: 'good readings stored' });
    await waitFor(() => counters.skipped === 3, { what: 'three messages skipped' });
    await writer.stop();

    expect(await storedIds()).toEqual(['good-1', 'good-2']);
    expect(counters).toMatchObject({ stored: 2, skipped: 3, failures: 0 });
    // A new reading after the poison is stored too: the partition is not stuck.
    const again = await startWriter({ bus, store, log, metrics });
    await publish([JSON.stringify(reading('good-3', T0 + 2))]);
    await waitFor(async () => (await storedIds()).includes('good-3'), { what: 'a later reading stored' });
    await again.stop();
    // Every offset is committed, the skipped ones included (offsets 0–5: next is 6).
    expect(committedOffset(dir, WRITER_GROUP, TOPICS.telemetry)).toBe(6);
  });

  it('when the store refuses a batch only for now (retriable), then nothing is skipped and the batch is stored once it accepts', async () => {
    await publish([JSON.stringify(reading('a')), JSON.stringify(reading('flaky')), JSON.stringify(reading('b'))]);
    const flaky = refusing(store, 'flaky', true, 2);
    const writer = await startWriter({ bus, store: flaky, log, metrics });
    await waitFor(async () => (await storedIds()).length === 3, { what: 'all three stored after the retries', timeoutMs: 15_000 });
    await writer.stop();

    expect(await storedIds()).toEqual(['a', 'b', 'flaky']);
    expect(counters).toMatchObject({ skipped: 0, failures: 2 });
    expect(flaky.attempts).toBeGreaterThanOrEqual(3);
  });
});

/**
 * The embedded store's write path on its own, as the writer runs it on the storage thread: bus
 * values (normalised reading JSON, as ingest publishes them) decoded and checked against the
 * contract, then SqliteStore.writeReadings in batches of 5,000 (the storage thread's bus batch).
 * Readings of the load test's sensors (8 gateways × 50 on the default network), 50,000 per simulated
 * second. Prints µs per reading for decoding, for writing and for the writer's sensor health tracker
 * (HealthTracker.observeMessages), over the last two thirds of the batches.
 *
 *   npx tsx bench/store-write.ts [--batches 300]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SqliteStore } from '../shared/adapters/sqlite-store.ts';
import { withFastPath } from '../shared/contract/fast-path.ts';
import { DEFAULT_HEALTH_CONFIG } from '../shared/health/health-config.ts';
import { HealthTracker } from '../shared/health/health-tracker.ts';
import { normaliseReading, rawReadingSchema, readingJson, readingSchema, type Reading } from '../shared/contract/telemetry.ts';
import { loadRoadNetwork } from '../shared/network/load-network.ts';
import { loadConnections, loadReadingJson } from '../simulators/loadtest/load-payload.ts';

const { values: args } = parseArgs({ options: { batches: { type: 'string', default: '300' } } });
const batches = Number(args.batches);
const BATCH = 5000;
const READINGS_PER_MS = 50;

const dir = mkdtempSync(join(tmpdir(), 'roadpulse-store-bench-'));
const store = new SqliteStore(join(dir, 'store.sqlite'));
const sensors = loadConnections('bench', 8, 50, loadRoadNetwork().segments).flatMap((c) => c.sensors);
const parser = withFastPath(readingSchema);
let n = 0;
let ts = Date.now() - 600_000;

/** The next batch of bus values: sensors in turn, each reading a new row. */
function busValues(): string[] {
  return Array.from({ length: BATCH }, () => {
    const sensor = sensors[n % sensors.length]!;
    if (++n % READINGS_PER_MS === 0) ts++;
    return readingJson(normaliseReading(rawReadingSchema.parse(JSON.parse(loadReadingJson(sensor, n, ts)))));
  });
}

let decodeMs = 0;
let writeMs = 0;
let healthMs = 0;
let offset = 0;
const tracker = new HealthTracker(DEFAULT_HEALTH_CONFIG);
let timed = 0;
for (let b = 0; b < batches; b++) {
  const values = busValues();
  const t0 = performance.now();
  const readings = values.map((v): Reading => {
    const parsed = parser.safeParse(JSON.parse(v));
    if (!parsed.success) throw new Error('a generated reading is off-contract');
    return parsed.data;
  });
  const t1 = performance.now();
  const positions = readings.map(() => ({ topic: 'traffic.telemetry.v1', partition: 0, offset: String(offset++) }));
  await store.writeReadings(readings);
  const t2 = performance.now();
  tracker.observeMessages(readings, positions);
  const t3 = performance.now();
  if (b % 10 === 0) tracker.changedSnapshots(Date.now());
  if (b >= batches / 3) {
    decodeMs += t1 - t0;
    writeMs += t2 - t1;
    healthMs += t3 - t2;
    timed += BATCH;
  }
}
await store.close();
rmSync(dir, { recursive: true, force: true });
const us = (ms: number): string => ((ms * 1000) / timed).toFixed(2);
process.stdout.write(`${timed} readings timed: decode ${us(decodeMs)} µs, writeReadings ${us(writeMs)} µs, health tracker ${us(healthMs)} µs a reading\n`);

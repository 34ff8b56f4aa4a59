/**
 * A segment's history from the embedded store: a SQLite store in a temp dir filled with a day of
 * readings of one segment at load-test density (default 50 lane detectors reporting every 10 s:
 * 432,000 readings), then the 7-day history at 1-hour buckets (168 records) through the query
 * function the API calls (congestionHistory: buckets summed in the store). For comparison it also
 * times reading that week's raw readings, which is what the history did before (then summed them
 * in memory). Prints the figures: the first run alone (cold: the query's first use of its pages
 * and statements), then the median and maximum of the others.
 *
 *   npx tsx bench/history-query.ts [--detectors 50] [--interval-s 10] [--runs 7] [--bucket 1h] [--days 7]
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SqliteStore } from '../shared/adapters/sqlite-store.ts';
import { historyBucketSchema } from '../shared/contract/history-bucket.ts';
import type { Reading } from '../shared/contract/telemetry.ts';
import { loadRoadNetwork } from '../shared/network/load-network.ts';
import { congestionHistory } from '../shared/queries/congestion-history.ts';
import { DEFAULT_PCU_WEIGHTS } from '../shared/traffic/pcu.ts';

const { values: args } = parseArgs({
  options: {
    detectors: { type: 'string', default: '50' },
    'interval-s': { type: 'string', default: '10' },
    runs: { type: 'string', default: '7' },
    bucket: { type: 'string', default: '1h' },
    days: { type: 'string', default: '7' },
  },
});
const detectors = Number(args.detectors);
const intervalS = Number(args['interval-s']);
const runs = Number(args.runs);
const bucket = historyBucketSchema.parse(args.bucket);
const days = Number(args.days);
const DAY = 86_400_000;

const network = loadRoadNetwork();
const segment = network.byId.get('ql13-nb-01')!;
const dir = mkdtempSync(join(tmpdir(), 'roadpulse-history-bench-'));
const file = join(dir, 'store.sqlite');
const store = new SqliteStore(file);
const to = Math.floor(Date.now() / 60_000) * 60_000;
const from = to - days * DAY;

try {
  // A day of readings ending at `to`: every detector (a lane of one of 10 stations) every intervalS.
  const fillStarted = performance.now();
  let written = 0;
  const batch: Reading[] = [];
  for (let ts = to - DAY; ts < to; ts += intervalS * 1000) {
    const hour = new Date(ts).getUTCHours();
    const peak = hour === 0 || hour === 1 || hour === 10 || hour === 11; // 07–09 and 17–19 in Bình Dương
    for (let d = 0; d < detectors; d++) {
      const n = written + d;
      batch.push({
        sensorId: `bench-h${d}`, segmentId: segment.id, stationId: `ql13-nb-01.s${d % 10}`, lane: 1 + (d % 5), ts: ts + (d % 10) * 100, intervalS,
        counts: { motorbike: (n % 7) + (peak ? 6 : 2), car: n % 3, bus: n % 23 === 0 ? 1 : 0, truck: n % 17 === 0 ? 1 : 0, bicycle: n % 11 === 0 ? 1 : 0, other: 0 },
        speedKmh: peak ? 12 + (n % 9) : 38 + (n % 15), occupancy: peak ? 0.4 + (n % 5) / 20 : 0.08 + (n % 4) / 50, seq: Math.floor(ts / 1000),
      });
    }
    if (batch.length >= 5000) {
      written += batch.length;
      await store.writeReadings(batch.splice(0));
    }
  }
  written += batch.length;
  await store.writeReadings(batch.splice(0));
  const fillS = (performance.now() - fillStarted) / 1000;

  const ctx = { store, network, weights: DEFAULT_PCU_WEIGHTS, sensorKnownMs: 24 * 3600_000 };
  const historyMs: number[] = [];
  let records = 0;
  let ok = 0;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const got = await congestionHistory(ctx, segment, bucket, from, to);
    historyMs.push(performance.now() - t0);
    records = got.length;
    ok = got.filter((r) => r.status === 'ok').length;
  }
  const rawMs: number[] = [];
  let rawCount = 0;
  for (let i = 0; i < Math.min(3, runs); i++) {
    const t0 = performance.now();
    rawCount = (await store.readings({ from, to }, [segment.id])).length;
    rawMs.push(performance.now() - t0);
  }

  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  const warm = historyMs.slice(1);
  const fmt = (ms: number) => ms.toFixed(1);
  const lines = [
    `history-query ${new Date().toISOString()}: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}, node ${process.version}`,
    `store: ${written.toLocaleString('en')} readings of ${segment.id} (${detectors} detectors every ${intervalS} s for a day), filled in ${fillS.toFixed(1)} s, file ${(statSync(file).size / 1e6).toFixed(0)} MB (+ WAL)`,
    `query: ${days}-day history at ${bucket} buckets → ${records} records (${ok} with data)`,
    `congestionHistory (store-side buckets): cold ${fmt(historyMs[0]!)} ms; warm median ${fmt(median(warm))} ms, max ${fmt(Math.max(...warm))} ms over ${warm.length} runs`,
    `for comparison, store.readings of the range (the raw rows the previous history read first): ${rawCount.toLocaleString('en')} readings, median ${fmt(median(rawMs))} ms`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}

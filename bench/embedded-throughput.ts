/**
 * Embedded pipeline throughput: QoS 1 readings over several MQTT connections into `npm start`'s
 * process; reports accepted readings/s, pipeline CPU µs per reading, publish→PUBACK and
 * publish→queryable latency, and checks that every acknowledged reading is in the store.
 *
 *   npx tsx bench/embedded-throughput.ts --connections 8 --seconds 20 --warmup 5 --batch 1 --window 64
 *   --rate N caps the publish rate (messages/s over all connections); 0 = as fast as acknowledged.
 *   --warmup S: the same load first for S seconds, left out of rate, CPU and latencies (a freshly
 *   started process runs unoptimised code at first); its readings are checked in the store too.
 *   --auth: each connection logs in as a gateway account from a credentials file (MQTT auth and
 *   the topic ACL on every publish, the gateway's slower path: readings on its sensors' topics).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { hashSecret, writeCredentialsFile } from '../shared/credentials/credentials-file.ts';
import { loadRoadNetwork } from '../shared/network/load-network.ts';
import { startPipelineProcess } from './lib/pipeline-process.ts';
import { loadConnections, loadMessage, loadReadingJson } from '../simulators/loadtest/load-payload.ts';
import { RawPublisher } from '../simulators/loadtest/raw-publisher.ts';
import { percentile, processCpuMicros } from '../simulators/loadtest/stats.ts';

const { values: args } = parseArgs({
  options: {
    connections: { type: 'string', default: '8' },
    seconds: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '5' },
    batch: { type: 'string', default: '1' },
    window: { type: 'string', default: '64' },
    rate: { type: 'string', default: '0' },
    'sensors-per-connection': { type: 'string', default: '50' },
    auth: { type: 'boolean', default: false },
  },
});
const connections = Number(args.connections);
const seconds = Number(args.seconds);
const warmupMs = Number(args.warmup) * 1000;
if (!(seconds > 0) || !(warmupMs >= 0)) throw new Error('--seconds must be > 0 and --warmup ≥ 0');
const batch = Number(args.batch);
const windowSize = Number(args.window);
const rate = Number(args.rate);
const sensorsPerConnection = Number(args['sensors-per-connection']);

const segments = loadRoadNetwork().segments;
const dataDir = mkdtempSync(join(tmpdir(), 'roadpulse-bench-'));
const loadConns = loadConnections('bench', connections, sensorsPerConnection, segments);
const auth = args.auth ? await gatewayAccounts(join(dataDir, 'mqtt-credentials.json'), loadConns.map((c) => c.gatewayId)) : null;
const pipeline = await startPipelineProcess({ ROADPULSE_DATA_DIR: dataDir, ...(auth ? { ROADPULSE_MQTT_CREDENTIALS_FILE: auth.file } : {}) });
const metricsUrl = `http://127.0.0.1:${pipeline.httpPort}/metrics`;

async function storedTotal(): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  return Number(/^roadpulse_readings_stored_total (\d+)/m.exec(text)?.[1] ?? 0);
}

/** One gateway account per connection, password = its id reversed (a bench, not a secret). */
async function gatewayAccounts(file: string, ids: string[]): Promise<{ file: string; logins: { username: string; password: string }[] }> {
  const logins = ids.map((id) => ({ username: id, password: `pw-${[...id].reverse().join('')}` }));
  const credentials = await Promise.all(
    logins.map(async (l) => ({ id: l.username, role: 'gateway' as const, secret: await hashSecret(l.password), createdAt: new Date().toISOString() })),
  );
  writeCredentialsFile(file, { version: 1, credentials });
  return { file, logins };
}

const nowMs = (): number => Number(process.hrtime.bigint() / 1000n) / 1000;
const baseTs = Date.now();
const ackLatencies: number[] = [];
const ackedSentAt: number[] = [];
const ackedCumulative: number[] = [];
let acked = 0;
let sent = 0;
const storedTimeline: { at: number; stored: number }[] = [];


/** The next message of connection `conn`: `batch` readings of its sensors in turn, each sensor's ts unique (its own row). */
function nextMessage(conn: number, seqs: number[], sensorIndex: number): { topic: string; payload: Buffer } {
  const { sensors, topic } = loadConns[conn]!;
  const texts: string[] = [];
  for (let i = 0; i < batch; i++) {
    const s = (sensorIndex + i) % sensorsPerConnection;
    const seq = seqs[s]!++;
    texts.push(loadReadingJson(sensors[s]!, seq, baseTs + seq));
  }
  return { topic: batch === 1 ? sensors[sensorIndex]!.topic : topic, payload: loadMessage(texts, 0) };
}

const publishers = await Promise.all(
  Array.from({ length: connections }, (_, c) => RawPublisher.connect('127.0.0.1', pipeline.mqttPort, loadConns[c]!.gatewayId, windowSize, auth?.logins[c])),
);
const startedAt = nowMs();
const measureFrom = startedAt + warmupMs;
const endAt = measureFrom + seconds * 1000;
// CPU from the end of the warm-up (as near as a timer gets); readings and latencies by send time.
let cpuFrom = await processCpuMicros(pipeline.child.pid!);
const warmupOver = new Promise<void>((resolve) =>
  setTimeout(() => {
    void processCpuMicros(pipeline.child.pid!)
      .then((cpu) => {
        cpuFrom = cpu;
      })
      .finally(resolve);
  }, warmupMs),
);
const perConnIntervalMs = rate > 0 ? (1000 * connections) / rate : 0;

const poller = setInterval(() => {
  storedTotal().then((stored) => storedTimeline.push({ at: nowMs(), stored }), () => undefined);
}, 100);

await Promise.all(
  publishers.map(
    (pub, c) =>
      new Promise<void>((resolve) => {
        const seqs = new Array<number>(sensorsPerConnection).fill(0);
        let sensorIndex = 0;
        let nextSendAt = startedAt;
        const pump = (): void => {
          const t = nowMs();
          while (pub.inFlight < windowSize && t < endAt && (perConnIntervalMs === 0 || nextSendAt <= t)) {
            const sentAt = nowMs();
            const { topic, payload } = nextMessage(c, seqs, sensorIndex);
            sensorIndex = (sensorIndex + batch) % sensorsPerConnection;
            sent++;
            nextSendAt += perConnIntervalMs;
            pub.publish(topic, payload, (ackAt) => {
              const ackMs = Number(ackAt / 1000n) / 1000;
              if (sentAt >= measureFrom) ackLatencies.push(ackMs - sentAt);
              acked += batch;
              ackedSentAt.push(sentAt);
              ackedCumulative.push(acked);
            });
          }
          pub.flush(); // now, not after every other connection's burst: that time is not the pipeline's
          if (t >= endAt && pub.inFlight === 0) resolve();
          else if (perConnIntervalMs > 0 && t < endAt) setTimeout(pump, Math.max(0, nextSendAt - t));
        };
        pub.onAcksRead(() => {
          if (nowMs() < endAt) pump();
          else if (pub.inFlight === 0) resolve();
        });
        pump();
      }),
  ),
);
await warmupOver;
const publishSeconds = (nowMs() - measureFrom) / 1000;
const cpuAfter = await processCpuMicros(pipeline.child.pid!);
const measuredReadings = batch * ackedSentAt.filter((sentAt) => sentAt >= measureFrom).length;

// Wait until the writer has stored everything that was acknowledged.
const drainDeadline = Date.now() + 120_000;
while ((await storedTotal()) < acked && Date.now() < drainDeadline) await new Promise((r) => setTimeout(r, 50));
const cpuDrained = await processCpuMicros(pipeline.child.pid!);
storedTimeline.push({ at: nowMs(), stored: await storedTotal() });
clearInterval(poller);

// publish→queryable: a message is queryable at the first poll that saw the stored count reach it.
const queryable: number[] = [];
let p = 0;
for (let i = 0; i < ackedSentAt.length; i++) {
  if (ackedSentAt[i]! < measureFrom) continue;
  while (p < storedTimeline.length && storedTimeline[p]!.stored < ackedCumulative[i]!) p++;
  if (p < storedTimeline.length) queryable.push(storedTimeline[p]!.at - ackedSentAt[i]!);
}

for (const pub of publishers) pub.close();
await pipeline.stop();
const db = new Database(join(dataDir, 'store.sqlite'), { readonly: true });
const storedRows = (db.prepare('SELECT COUNT(*) AS n FROM readings').get() as { n: number }).n;
db.close();
rmSync(dataDir, { recursive: true, force: true });

const report = {
  connections,
  batch,
  window: windowSize,
  targetRate: rate || 'max',
  warmupSeconds: warmupMs / 1000,
  seconds: Number(publishSeconds.toFixed(2)),
  messagesSent: sent,
  readingsAcked: acked,
  readingsAckedAfterWarmup: measuredReadings,
  readingsStored: storedRows,
  lost: acked - storedRows,
  readingsPerSecond: Math.round(measuredReadings / publishSeconds),
  pipelineCpuMicrosPerReading: Number(((cpuDrained - cpuFrom) / measuredReadings).toFixed(1)),
  pipelineCpuUtilisationDuringPublish: Number(((cpuAfter - cpuFrom) / 1e6 / publishSeconds).toFixed(2)),
  pubackMs: { p50: percentile(ackLatencies, 50), p99: percentile(ackLatencies, 99), max: percentile(ackLatencies, 100) },
  queryableMs: { p50: percentile(queryable, 50), p99: percentile(queryable, 99), pollEveryMs: 100 },
};
process.stdout.write(`${JSON.stringify(report, (_k, v: unknown) => (typeof v === 'number' ? Number(v.toFixed(2)) : v), 2)}\n`);
process.exitCode = report.lost === 0 ? 0 : 1;

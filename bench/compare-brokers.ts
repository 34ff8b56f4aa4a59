/**
 * The same load, one target after the other in one run: roadpulse embedded (`npm start` as a child
 * process, measured through its API), roadpulse distributed (ingest, writer and API as separate
 * processes on real Kafka and InfluxDB) and Mosquitto alone with a plain subscriber counting
 * messages (the peer baseline). Prints a table; with --record appends it to bench/RESULTS.md.
 *
 *   npx tsx bench/compare-brokers.ts --seconds 5 --connections 8 --batch 1 [--rate 0] [--warmup 0] [--record]
 *   --targets embedded,distributed,mosquitto (default all three)
 *
 * Kafka, InfluxDB and Mosquitto come from scripts/services.sh (started if they are not running).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadRoadNetwork } from '../shared/network/load-network.ts';
import { ApiObserver } from '../simulators/loadtest/api-observer.ts';
import type { DeliveryObserver } from '../simulators/loadtest/delivery-observer.ts';
import { newRunId } from '../simulators/loadtest/load-payload.ts';
import type { LoadReport } from '../simulators/loadtest/report.ts';
import { runLoadtest, type LoadtestOptions } from '../simulators/loadtest/run-loadtest.ts';
import { SubscriberObserver } from '../simulators/loadtest/subscriber-observer.ts';
import { distributedTarget } from './lib/distributed-target.ts';
import { startPipelineProcess } from './lib/pipeline-process.ts';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '0' },
    connections: { type: 'string', default: '8' },
    'sensors-per-connection': { type: 'string', default: '50' },
    rate: { type: 'string', default: '0' },
    batch: { type: 'string', default: '1' },
    qos: { type: 'string', default: '1' },
    window: { type: 'string', default: '64' },
    record: { type: 'boolean', default: false },
    targets: { type: 'string', default: 'embedded,distributed,mosquitto' },
  },
});
for (const [name, value] of Object.entries(args)) {
  if (typeof value === 'string' && name !== 'targets' && !(Number(value) >= 0)) {
    process.stderr.write(`--${name}: "${value}" must be a number ≥ 0\n`);
    process.exit(2);
  }
}
const SERVICES = join(import.meta.dirname, '..', 'scripts', 'services.sh');
const segments = loadRoadNetwork().segments;
const shape = {
  connections: Number(args.connections),
  sensorsPerConnection: Number(args['sensors-per-connection']),
  rate: Number(args.rate),
  durationS: Number(args.seconds),
  warmupS: Number(args.warmup),
  qos: (Number(args.qos) === 0 ? 0 : 1) as 0 | 1,
  batch: Number(args.batch),
  payloadBytes: 0,
  window: Number(args.window),
  drainTimeoutS: 60,
  segments,
};

async function measure(url: string, api: string | null, pid: number | null, observer: (runId: string) => Promise<DeliveryObserver>): Promise<LoadReport> {
  const runId = newRunId();
  const o: LoadtestOptions = { ...shape, url, api, pid, runId };
  const obs = await observer(runId);
  try {
    return await runLoadtest(o, obs);
  } finally {
    await obs.close();
  }
}

async function embedded(): Promise<LoadReport> {
  const dataDir = mkdtempSync(join(tmpdir(), 'roadpulse-compare-'));
  const pipeline = await startPipelineProcess({ ROADPULSE_DATA_DIR: dataDir });
  try {
    const api = `http://127.0.0.1:${pipeline.httpPort}`;
    return await measure(`mqtt://127.0.0.1:${pipeline.mqttPort}`, api, pipeline.child.pid ?? null, (id) => ApiObserver.open(api, id));
  } finally {
    await pipeline.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function distributed(): Promise<LoadReport> {
  const target = await distributedTarget(SERVICES);
  try {
    const report = await measure(target.mqttUrl, target.apiUrl, target.ingestPid, (id) =>
      ApiObserver.open(target.apiUrl, id, undefined, target.writerOpsUrl),
    );
    process.stderr.write(`compare-brokers: distributed CPU by process (cores while publishing): ${await target.cpuReport()}\n`);
    return report;
  } finally {
    await target.stop();
  }
}

async function mosquitto(): Promise<LoadReport> {
  const wasRunning = spawnSync('bash', [SERVICES, 'status', 'mosquitto'], { stdio: 'ignore' }).status === 0;
  if (!wasRunning) execFileSync('bash', [SERVICES, 'start', 'mosquitto'], { stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    const env = execFileSync('bash', [SERVICES, 'env', 'mosquitto'], { encoding: 'utf8' });
    const url = /ROADPULSE_TEST_MQTT_URL=(\S+)/.exec(env)?.[1];
    if (!url) throw new Error('scripts/services.sh env printed no ROADPULSE_TEST_MQTT_URL');
    const pidFile = join(import.meta.dirname, '..', '.services', 'mosquitto', 'mosquitto.pid');
    const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) : null;
    return await measure(url, null, pid, (id) => SubscriberObserver.open(url, id));
  } finally {
    if (!wasRunning) execFileSync('bash', [SERVICES, 'stop', 'mosquitto'], { stdio: 'ignore' });
  }
}

const fmt = (x: number | null | undefined) => (x === null || x === undefined ? 'n/a' : x.toLocaleString('en-US'));
function row(name: string, r: LoadReport | null): string {
  if (!r) return `| ${name} | not measured | | | | | | |`;
  return `| ${name} | ${fmt(r.acked.readingsPerS)} | ${fmt(r.pubackMs?.p50)} / ${fmt(r.pubackMs?.p99)} | ${fmt(r.queryableMs?.p50)} / ${fmt(r.queryableMs?.p99)} | ${fmt(r.delivery?.lost)} | ${fmt(r.unackedReadings)} | ${fmt(r.cpu?.coresWhilePublishing)} | ${fmt(r.cpu?.microsPerReading)} |`;
}

const targets = new Set(args.targets.split(','));
let rp: LoadReport | null = null;
let dist: LoadReport | null = null;
let mq: LoadReport | null = null;
if (targets.has('embedded')) {
  process.stderr.write('compare-brokers: roadpulse embedded…\n');
  rp = await embedded();
}
if (targets.has('distributed')) {
  process.stderr.write('compare-brokers: roadpulse distributed (Kafka + InfluxDB)…\n');
  dist = await distributed();
}
if (targets.has('mosquitto')) {
  process.stderr.write('compare-brokers: mosquitto + plain subscriber…\n');
  mq = await mosquitto();
}

const when = new Date().toISOString();
const table = [
  `### Broker comparison ${when}`,
  '',
  `Load: ${shape.connections} connections × ${shape.sensorsPerConnection} sensors, QoS ${shape.qos}, ${shape.batch} reading(s)/message, ` +
    `${shape.rate > 0 ? `${shape.rate} readings/s` : 'max rate'} for ${shape.durationS} s${shape.warmupS > 0 ? ` after ${shape.warmupS} s of warm-up` : ''}, window ${shape.window}. ` +
    `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} at the end.`,
  '',
  '| target | readings/s acked | PUBACK ms p50 / p99 | visible ms p50 / p99 | lost | not acked | CPU cores | CPU µs/reading |',
  '|---|---|---|---|---|---|---|---|',
  row('roadpulse embedded (stored, via API)', rp),
  row('Mosquitto + plain subscriber (received)', mq),
  row('roadpulse distributed (stored in InfluxDB, via API; CPU = ingest)', dist),
  '',
  rp && mq ? `Embedded / Mosquitto throughput ratio: **${(rp.acked.readingsPerS / Math.max(1, mq.acked.readingsPerS)).toFixed(2)}**.` : '',
  '',
].join('\n');
process.stdout.write(table);
if (args.record) appendFileSync(join(import.meta.dirname, 'RESULTS.md'), `\n${table}`);
process.exitCode = (rp?.ok ?? true) && (dist?.ok ?? true) && (mq?.ok ?? true) ? 0 : 1;

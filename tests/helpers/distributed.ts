import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel, type Admin, type Consumer } from 'kafkajs';
import mqtt, { type MqttClient } from 'mqtt';
import type { CongestionRecord } from '../../shared/contract/congestion-record.ts';
import { TOPICS, mqttTelemetryTopic } from '../../shared/contract/topics.ts';
import { WRITER_GROUP } from '../../services/writer/writer-service.ts';
import { fetchMetrics, sampleValue } from './metrics.ts';
import { requireService, type ServiceSettings } from './real-services.ts';
import type { TestReading } from './readings.ts';
import { waitFor } from './wait.ts';

/**
 * The distributed deployment (DESIGN §1) on the real services of scripts/services.sh, for the e2e
 * and fault tests (issue 3): ingest, writer, aggregator and api each as its own child process
 * (`node --import tsx services/<name>/main.ts`) on Kafka + InfluxDB, one fresh InfluxDB database
 * per stack, plus what those tests look at — readings in InfluxDB (InfluxQL), the writer group's
 * offsets (kafkajs admin), traffic.congestion.v1 — and what they drive: QoS 1 publishers that
 * re-send until acknowledged, and stopping/starting Kafka or InfluxDB.
 *
 * Kafka topic names are fixed (shared/contract/topics.ts) and so is the writer's consumer group, so
 * runs are told apart by sensor-id prefixes and by the database; two stacks must not run at once
 * (vitest.faults.config.ts runs these files one at a time).
 */

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const realSetTimeout = globalThis.setTimeout;
export const sleep = (ms: number) => new Promise<void>((resolve) => realSetTimeout(resolve, ms));
const hex = (bytes: number) => randomBytes(bytes).toString('hex');

export type ServiceKind = 'ingest' | 'writer' | 'aggregator' | 'api';
export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

// --- one service as a child process ------------------------------------------------------------

const LOG_LINES_KEPT = 3000;
const READY_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 30_000;

/**
 * One service process: started on free ports (port 0, read back from its JSON log), ready once
 * GET /readyz answers 200; stop / kill / start again on the same ports (publishers reconnect to the
 * same MQTT port after a restart).
 */
export class ServiceProcess {
  private child: ChildProcess | null = null;
  private exitedP: Promise<ExitStatus> = Promise.resolve({ code: null, signal: null });
  private readonly lines: string[] = [];
  private stderrText = '';
  httpPort = 0;
  mqttPort: number | null = null;
  /** How many times a process was spawned. */
  starts = 0;

  constructor(
    readonly kind: ServiceKind,
    readonly name: string,
    private readonly env: Record<string, string>,
    private readonly logFile: string | null,
  ) {}

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.httpPort}`;
  }

  /** mqtt://127.0.0.1:port of ingest's embedded broker. */
  get mqttUrl(): string {
    if (this.mqttPort === null) throw new Error(`${this.name} has no embedded MQTT broker`);
    return `mqtt://127.0.0.1:${this.mqttPort}`;
  }

  /** Spawns the process (same ports as before on a restart) and waits until /readyz says ready. */
  async start(): Promise<void> {
    if (this.running) throw new Error(`${this.name} is already running (pid ${this.pid})`);
    const env: Record<string, string> = { ...this.env };
    if (this.httpPort) env.ROADPULSE_HTTP_PORT = String(this.httpPort);
    if (this.mqttPort !== null) env.ROADPULSE_MQTT_PORT = String(this.mqttPort);
    const child = spawn(process.execPath, ['--import', 'tsx', `services/${this.kind}/main.ts`], {
      cwd: REPO_ROOT,
      env: childEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.starts += 1;
    this.note(`--- start #${this.starts} (pid ${child.pid}) ---`);
    this.exitedP = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.note(`--- exit code=${code} signal=${signal} ---`);
        resolve({ code, signal });
      });
    });
    let httpSeen = false;
    let buffered = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      for (const line of parts) {
        this.note(line);
        let entry: Record<string, unknown>;
        try {
          entry = JSON.parse(line) as Record<string, unknown>;
        } catch {
          continue;
        }
        const msg = String(entry.msg ?? '');
        if (entry.component === 'mqtt-broker' && msg === 'MQTT listening') this.mqttPort = Number(entry.port);
        if (msg.startsWith('ops endpoints listening')) {
          this.httpPort = Number(entry.port);
          httpSeen = true;
        }
        const api = /^Server listening at http:\/\/127\.0\.0\.1:(\d+)$/.exec(msg);
        if (api) {
          this.httpPort = Number(api[1]);
          httpSeen = true;
        }
      }
    });
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderrText = (this.stderrText + chunk).slice(-20_000);
      for (const line of chunk.split('\n')) if (line) this.note(`[stderr] ${line}`);
    });

    try {
      await waitFor(
        async () => {
          if (child.exitCode !== null || child.signalCode !== null) throw new ExitedError(`${this.name} exited while starting`);
          if (!httpSeen) return false;
          const res = await fetch(`${this.baseUrl}/readyz`, { signal: AbortSignal.timeout(5_000) });
          await res.body?.cancel();
          return res.status === 200;
        },
        { timeoutMs: READY_TIMEOUT_MS, intervalMs: 200, what: `${this.name} ready (/readyz 200)` },
      );
    } catch (err) {
      if (this.running) await this.stop('SIGKILL');
      throw new Error(`${(err as Error).message}\n${this.logTail()}`, { cause: err });
    }
  }

  /** Sends the signal and waits for the exit (SIGKILL if it has not exited after 30 s). */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<ExitStatus> {
    const child = this.child;
    if (!child || !this.running) return this.exitedP;
    child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = realSetTimeout(() => resolve('late'), STOP_TIMEOUT_MS)));
    const first = await Promise.race([this.exitedP, late]);
    clearTimeout(timer);
    if (first === 'late') {
      this.note(`--- did not exit ${STOP_TIMEOUT_MS} ms after ${signal}; SIGKILL ---`);
      child.kill('SIGKILL');
    }
    return this.exitedP;
  }

  /** SIGKILL: no graceful close, nothing flushed or committed. */
  kill(): Promise<ExitStatus> {
    return this.stop('SIGKILL');
  }

  /** Graceful stop (if running), then start on the same ports. */
  async restart(): Promise<void> {
    await this.stop('SIGTERM');
    await this.start();
  }

  /** Waits until /readyz answers 200 (e.g. after Kafka or InfluxDB came back). */
  async waitReady(timeoutMs = READY_TIMEOUT_MS): Promise<void> {
    await waitFor(() => this.readyStatus().then((s) => s === 200), { timeoutMs, intervalMs: 250, what: `${this.name} ready again` });
  }

  /** HTTP status of /readyz (0 when the request itself failed). */
  async readyStatus(): Promise<number> {
    try {
      const res = await fetch(`${this.baseUrl}/readyz`, { signal: AbortSignal.timeout(10_000) });
      await res.body?.cancel();
      return res.status;
    } catch {
      return 0;
    }
  }

  /** One sample of this process's /metrics (null if the series is not there yet). */
  async metric(name: string, labels: Record<string, string> = {}): Promise<number | null> {
    return sampleValue(await fetchMetrics(this.baseUrl), name, labels);
  }

  /** The last log lines (stdout JSON and stderr), for failure messages. */
  logTail(n = 60): string {
    return `--- last ${Math.min(n, this.lines.length)} log lines of ${this.name} ---\n${this.lines.slice(-n).join('\n')}`;
  }

  private note(line: string): void {
    this.lines.push(line);
    if (this.lines.length > LOG_LINES_KEPT) this.lines.splice(0, this.lines.length - LOG_LINES_KEPT);
    if (this.logFile) appendFileSync(this.logFile, `${line}\n`);
  }
}

class ExitedError extends Error {}

/** Our environment without any ROADPULSE_* variable, plus the given ones. */
function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('ROADPULSE_')) base[k] = v;
  return { ...base, ...env };
}

// --- the stack ------------------------------------------------------------------------------

export interface InfluxSeries {
  name?: string;
  tags?: Record<string, string>;
  columns: string[];
  values: unknown[][];
}

/** A stored traffic_reading row, by column name (time in epoch ms). */
export type StoredRow = Record<string, unknown>;

export interface StackOptions {
  /** Also require Mosquitto (external broker mode). */
  mosquitto?: boolean;
  /** ROADPULSE_AGGREGATOR_GRACE_S of the aggregator (default 10). */
  aggregatorGraceS?: number;
}

/**
 * Requires the real services (a missing one fails, never skips), creates a fresh InfluxDB database
 * and moves the writer group past any backlog other runs left on the telemetry topics, so the
 * writer starts with this run's messages.
 */
export async function openStack(label: string, options: StackOptions = {}): Promise<DistributedStack> {
  const kafka = await requireService('kafka');
  const influx = await requireService('influxdb');
  const mosquitto = options.mosquitto ? await requireService('mosquitto') : null;
  const stack = new DistributedStack(label, kafka, influx, mosquitto, options);
  await stack.open();
  return stack;
}

export class DistributedStack {
  /** Unique per stack; prefix of every sensor id of this run (`<label>-<hex>`). */
  readonly runId: string;
  readonly database: string;
  readonly brokers: string[];
  readonly mosquittoUrl: string | null;
  readonly admin: Admin;
  private readonly kafka: Kafka;
  private readonly services: ServiceProcess[] = [];
  private readonly readers: CongestionReader[] = [];
  private readonly logDir: string | null;

  constructor(
    label: string,
    kafka: ServiceSettings['kafka'],
    readonly influx: ServiceSettings['influxdb'],
    mosquitto: ServiceSettings['mosquitto'] | null,
    private readonly options: StackOptions,
  ) {
    this.runId = `${label}-${hex(3)}`;
    this.database = `e2e_${label.replace(/[^a-z0-9]/gi, '')}_${hex(4)}`;
    this.brokers = kafka.brokers;
    this.mosquittoUrl = mosquitto?.url ?? null;
    this.kafka = new Kafka({ brokers: this.brokers, clientId: `rp-e2e-${this.runId}`, logLevel: logLevel.NOTHING });
    this.admin = this.kafka.admin();
    // ROADPULSE_TEST_LOG_DIR=dir keeps every service's log as dir/<runId>/<service>.log.
    const keep = process.env.ROADPULSE_TEST_LOG_DIR;
    this.logDir = keep ? join(keep, this.runId) : null;
    if (this.logDir) mkdirSync(this.logDir, { recursive: true });
  }

  async open(): Promise<void> {
    await this.influxql(`CREATE DATABASE "${this.database}"`, 'POST');
    await this.admin.connect();
    await this.moveWriterGroup('latest', [TOPICS.telemetry, TOPICS.deadLetter, TOPICS.status]);
  }

  /** ROADPULSE_* of every service: Kafka bus, InfluxDB store (this stack's database), loopback, free ports. */
  baseEnv(): Record<string, string> {
    return {
      ROADPULSE_BUS: 'kafka',
      ROADPULSE_STORE: 'influx',
      ROADPULSE_KAFKA_BROKERS: this.brokers.join(','),
      ROADPULSE_INFLUX_URL: this.influx.url,
      ROADPULSE_INFLUX_DATABASE: this.database,
      ROADPULSE_INFLUX_USERNAME: this.influx.username,
      ROADPULSE_INFLUX_PASSWORD: this.influx.password,
      ROADPULSE_HTTP_HOST: '127.0.0.1',
      ROADPULSE_HTTP_PORT: '0',
      ROADPULSE_MQTT_HOST: '127.0.0.1',
      ROADPULSE_MQTT_PORT: '0',
      ROADPULSE_AGGREGATOR_GRACE_S: String(this.options.aggregatorGraceS ?? 10),
      ROADPULSE_LOG_LEVEL: 'info',
      // Not used with Kafka + InfluxDB; keeps a stray ./data out of the work tree all the same.
      ROADPULSE_DATA_DIR: join(tmpdir(), `roadpulse-${this.runId}`),
    };
  }

  /** Starts one service process and waits until it is ready. */
  async start(kind: ServiceKind, options: { name?: string; env?: Record<string, string> } = {}): Promise<ServiceProcess> {
    const name = options.name ?? kind;
    const env = { ...this.baseEnv(), ROADPULSE_KAFKA_CLIENT_ID: `rp-${this.runId}-${name}`, ...options.env };
    const service = new ServiceProcess(kind, name, env, this.logDir ? join(this.logDir, `${name}.log`) : null);
    this.services.push(service);
    await service.start();
    return service;
  }

  /** Stops every service (gracefully), the readers, the admin client; drops the database. */
  async close(): Promise<void> {
    await Promise.allSettled(this.services.map((s) => s.stop('SIGTERM')));
    await Promise.allSettled(this.readers.map((r) => r.stop()));
    await this.influxql(`DROP DATABASE "${this.database}"`, 'POST').catch(() => {});
    await this.admin.disconnect().catch(() => {});
    rmSync(join(tmpdir(), `roadpulse-${this.runId}`), { recursive: true, force: true });
  }

  // --- InfluxDB ---------------------------------------------------------------------------

  /** One InfluxQL statement on this stack's database; its series (throws on any error or a truncated result). */
  async influxql(statement: string, method: 'GET' | 'POST' = 'GET'): Promise<InfluxSeries[]> {
    const params = new URLSearchParams({ db: this.database, q: statement, epoch: 'ms' });
    const auth = Buffer.from(`${this.influx.username}:${this.influx.password}`).toString('base64');
    const res = await fetch(`${this.influx.url}/query?${params}`, {
      method,
      headers: { authorization: `Basic ${auth}` },
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`InfluxQL ${statement} → HTTP ${res.status}: ${text.slice(0, 300)}`);
    const body = JSON.parse(text) as { error?: string; results?: { error?: string; partial?: boolean; series?: InfluxSeries[] }[] };
    const result = body.results?.[0];
    const error = body.error ?? result?.error;
    if (error) throw new Error(`InfluxQL ${statement}: ${error}`);
    if (result?.partial) throw new Error(`InfluxQL ${statement}: result truncated by the server`);
    return result?.series ?? [];
  }

  /** Points of traffic_reading whose sensor id starts with `prefix-` (a reading stored twice counts once). */
  async countReadings(prefix: string): Promise<number> {
    const series = await this.influxql(`SELECT count("interval_s") FROM "traffic_reading" WHERE "sensor_id" =~ /^${regexSafe(prefix)}-/`);
    return Number(series[0]?.values[0]?.[1] ?? 0);
  }

  /** Every stored traffic_reading of the prefix, all columns, ordered by sensor then time. */
  async storedReadings(prefix: string): Promise<StoredRow[]> {
    const series = await this.influxql(`SELECT * FROM "traffic_reading" WHERE "sensor_id" =~ /^${regexSafe(prefix)}-/`);
    const rows = series.flatMap((s) => s.values.map((v) => Object.fromEntries(s.columns.map((c, i) => [c, v[i] ?? null]))));
    return rows.sort((a, b) => String(a.sensor_id).localeCompare(String(b.sensor_id)) || Number(a.time) - Number(b.time));
  }

  /** Waits until at least `n` readings of the prefix are stored; returns the count. */
  async waitForReadings(prefix: string, n: number, timeoutMs = 180_000): Promise<number> {
    return waitFor(
      async () => {
        const count = await this.countReadings(prefix);
        return count >= n ? count : false;
      },
      { timeoutMs, intervalMs: 500, what: `${n} readings of ${prefix}-* in InfluxDB` },
    ).catch(async (err: Error) => {
      throw new Error(`${err.message} (stored now: ${await this.countReadings(prefix).catch(() => '?')})\n${this.tails()}`);
    });
  }

  // --- Kafka: the writer group -------------------------------------------------------------

  /** Committed offset of the writer group per partition of `topic` (-1: none committed). */
  async committedOffsets(topic: string = TOPICS.telemetry): Promise<Map<number, number>> {
    const [entry] = await this.admin.fetchOffsets({ groupId: WRITER_GROUP, topics: [topic] });
    return new Map((entry?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
  }

  /** Low and high watermark per partition of `topic`. */
  async watermarks(topic: string = TOPICS.telemetry): Promise<Map<number, { low: number; high: number }>> {
    const offsets = await this.admin.fetchTopicOffsets(topic);
    return new Map(offsets.map((p) => [p.partition, { low: Number(p.low), high: Number(p.high) }]));
  }

  /** Sum over partitions of the committed offsets (a partition with none counts as its low watermark). */
  async committedTotal(topic: string = TOPICS.telemetry): Promise<number> {
    const [committed, marks] = await Promise.all([this.committedOffsets(topic), this.watermarks(topic)]);
    let total = 0;
    for (const [partition, { low }] of marks) {
      const c = committed.get(partition) ?? -1;
      total += c < 0 ? low : c;
    }
    return total;
  }

  async highWatermarkTotal(topic: string = TOPICS.telemetry): Promise<number> {
    let total = 0;
    for (const { high } of (await this.watermarks(topic)).values()) total += high;
    return total;
  }

  /**
   * Waits until the writer group has committed up to the high watermarks of the telemetry topic as
   * they are now: everything published so far has been written to the store.
   */
  async waitWriterCaughtUp(timeoutMs = 180_000): Promise<void> {
    const target = await this.watermarks(TOPICS.telemetry);
    await waitFor(
      async () => {
        const committed = await this.committedOffsets(TOPICS.telemetry);
        for (const [partition, { low, high }] of target) {
          const c = committed.get(partition) ?? -1;
          if (high > low && c < high) return false;
        }
        return true;
      },
      { timeoutMs, intervalMs: 500, what: 'writer group committed up to the telemetry high watermarks' },
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${this.tails()}`);
    });
  }

  /**
   * Moves the writer group's committed offsets to the start ('earliest') or the end ('latest') of
   * each topic that exists. Kafka allows that only while the group has no member: it retries while
   * one is still leaving (a SIGKILLed writer stays a member until its session times out).
   */
  async moveWriterGroup(where: 'earliest' | 'latest', topics: readonly string[]): Promise<void> {
    const existing = new Set(await this.admin.listTopics());
    for (const topic of topics.filter((t) => existing.has(t))) {
      const marks = await this.watermarks(topic);
      const partitions = [...marks].map(([partition, m]) => ({ partition, offset: String(where === 'earliest' ? m.low : m.high) }));
      await waitFor(
        async () => {
          await this.admin.setOffsets({ groupId: WRITER_GROUP, topic, partitions });
          return true;
        },
        { timeoutMs: 90_000, intervalMs: 1_000, what: `writer group offsets of ${topic} set to ${where}` },
      );
      const committed = await this.committedOffsets(topic);
      for (const p of partitions) {
        if (committed.get(p.partition) !== Number(p.offset)) {
          throw new Error(`writer group offset of ${topic}/${p.partition} is ${committed.get(p.partition)} after setting ${p.offset}`);
        }
      }
    }
  }

  // --- Kafka: the congestion topic ---------------------------------------------------------

  /** A consumer of traffic.congestion.v1 in a group of its own, at the end of the topic, already fetching. */
  async congestionReader(): Promise<CongestionReader> {
    const reader = new CongestionReader(this.kafka, this.admin, `rp-e2e-congestion-${this.runId}`);
    this.readers.push(reader);
    await reader.start();
    return reader;
  }

  /** Log tails of every service (for failure messages). */
  tails(n = 30): string {
    return this.services.map((s) => s.logTail(n)).join('\n');
  }
}

/** Prefixes are made of [A-Za-z0-9._-]; escape the dot for a regex literal. */
function regexSafe(prefix: string): string {
  if (!/^[A-Za-z0-9._-]+$/.test(prefix)) throw new Error(`unsafe prefix: ${prefix}`);
  return prefix.replace(/\./g, '\\.');
}

export class CongestionReader {
  readonly records: CongestionRecord[] = [];
  private readonly consumer: Consumer;

  constructor(
    kafka: Kafka,
    private readonly admin: Admin,
    private readonly groupId: string,
  ) {
    this.consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 500, allowAutoTopicCreation: false });
  }

  /**
   * Resolves once the group is joined and the first fetch ran: kafkajs resolves "latest" at the
   * first fetch, so only records published after this resolves are read (and all of them).
   */
  async start(): Promise<void> {
    let joined = false;
    let fetched: () => void = () => {};
    const firstFetch = new Promise<void>((resolve) => (fetched = resolve));
    const offJoin = this.consumer.on(this.consumer.events.GROUP_JOIN, () => (joined = true));
    const offFetch = this.consumer.on(this.consumer.events.FETCH, () => joined && fetched());
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [TOPICS.congestion], fromBeginning: false });
    await this.consumer.run({
      eachMessage: async ({ message }) => {
        if (message.value) this.records.push(JSON.parse(message.value.toString('utf8')) as CongestionRecord);
      },
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = realSetTimeout(() => reject(new Error('congestion reader: no fetch within 60 s of joining')), 60_000);
    });
    try {
      await Promise.race([firstFetch, timeout]);
    } finally {
      clearTimeout(timer);
      offJoin();
      offFetch();
    }
  }

  /** Records of one segment, window and window end (ISO). */
  find(segmentId: string, window: string, to: string): CongestionRecord[] {
    return this.records.filter((r) => r.segmentId === segmentId && r.window === window && r.to === to);
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect().catch(() => {});
    await this.admin.deleteGroups([this.groupId]).catch(() => {});
  }
}

// --- traffic to publish -----------------------------------------------------------------------

export interface PlannedMessage {
  /** The sensor (or gateway) id of the MQTT topic. */
  topicSensorId: string;
  /** One reading, or a gateway batch. */
  payload: TestReading | TestReading[];
  readings: TestReading[];
}

/** Identity of a reading in a run: sensor and sequence number. */
export const readingKey = (r: { sensorId: string; seq?: number }) => `${r.sensorId}#${r.seq}`;

/** mulberry32: deterministic pseudo-random numbers in [0, 1). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface TrafficPlanOptions {
  /** Readings in all. */
  readings: number;
  /** Sensors publishing one reading per message on their own topic. */
  singleSensors?: number;
  /** Gateways, each publishing batches with one reading of each of its lane sensors. */
  gateways?: number;
  sensorsPerGateway?: number;
  /** Share of the readings that travel in gateway batches (default 0.5). */
  batchedShare?: number;
  /** Segments the sensors are spread over. */
  segments: readonly string[];
  /** ts of each sensor's first reading (epoch ms); the k-th is 60 s later per k. Default: 3 h ago. */
  firstTs?: number;
  seed?: number;
}

/**
 * Readings from a few hundred sensors with per-sensor sequence numbers (1, 2, …) and ts 60 s apart
 * (so each reading is its own point in InfluxDB): single messages, and gateway batches of sensors
 * `{gateway}.l{n}`, interleaved. Every sensor id starts with `prefix-`.
 */
export function planTraffic(prefix: string, options: TrafficPlanOptions): PlannedMessage[] {
  const random = rng(options.seed ?? 42);
  const singles = options.singleSensors ?? 200;
  const gateways = options.gateways ?? 5;
  const perGateway = options.sensorsPerGateway ?? 20;
  const firstTs = options.firstTs ?? Math.floor(Date.now() / 60_000) * 60_000 - 3 * 3600_000;
  const segments = options.segments;
  const batches = Math.floor((options.readings * (options.batchedShare ?? 0.5)) / perGateway);
  const singleReadings = options.readings - batches * perGateway;
  const seqs = new Map<string, number>();

  const make = (sensorId: string, index: number): TestReading => {
    const seq = (seqs.get(sensorId) ?? 0) + 1;
    seqs.set(sensorId, seq);
    const cars = Math.floor(random() * 20);
    const motorbikes = Math.floor(random() * 40);
    const trucks = Math.floor(random() * 3);
    const vehicles = cars + motorbikes + trucks;
    return {
      sensorId,
      segmentId: segments[index % segments.length]!,
      ts: firstTs + (seq - 1) * 60_000,
      intervalS: 60,
      lane: 1 + (index % 2),
      counts: { car: cars, motorbike: motorbikes, truck: trucks },
      speedKmh: vehicles === 0 ? null : Math.round((10 + random() * 60) * 10) / 10,
      occupancy: Math.round(random() * 60) / 100,
      seq,
    };
  };

  const messages: PlannedMessage[] = [];
  for (let i = 0; i < singleReadings; i++) {
    const r = make(`${prefix}-s${i % singles}`, i % singles);
    messages.push({ topicSensorId: r.sensorId, payload: r, readings: [r] });
  }
  for (let b = 0; b < batches; b++) {
    const gateway = `${prefix}-gw${b % gateways}`;
    const batch = Array.from({ length: perGateway }, (_, l) => make(`${gateway}.l${l}`, singles + (b % gateways) * perGateway + l));
    messages.push({ topicSensorId: gateway, payload: batch, readings: batch });
  }
  // Interleave singles and batches (Fisher–Yates with the same generator).
  for (let i = messages.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [messages[i], messages[j]] = [messages[j]!, messages[i]!];
  }
  return messages;
}

export const readingsOf = (messages: readonly PlannedMessage[]): TestReading[] => messages.flatMap((m) => m.readings);

/** The stored row a reading should become (DESIGN §7), in the columns storedReadings returns. */
export function expectedRow(r: TestReading): StoredRow {
  const count = (c: keyof TestReading['counts']) => r.counts[c] ?? 0;
  return {
    time: typeof r.ts === 'number' ? r.ts : Date.parse(r.ts),
    sensor_id: r.sensorId,
    segment_id: r.segmentId,
    lane: r.lane === undefined ? null : String(r.lane),
    interval_s: r.intervalS,
    count_bicycle: count('bicycle'),
    count_bus: count('bus'),
    count_car: count('car'),
    count_motorbike: count('motorbike'),
    count_other: count('other'),
    count_truck: count('truck'),
    count_total: Object.values(r.counts).reduce((a, b) => a + (b ?? 0), 0),
    speed_kmh: r.speedKmh ?? null,
    occupancy: r.occupancy ?? null,
    seq: r.seq ?? null,
  };
}

/**
 * A stored row reduced to expectedRow's columns: pcu_total is checked by the unit tests of the
 * maths, the detector-sum terms by the store contract tests (detectorTotals) and the exact line
 * protocol test in tests/integration/influx-store.contract.test.ts.
 */
export function comparableRow(row: StoredRow): StoredRow {
  const { pcu_total: _pcu, speed_vehicles: _sv, speed_hours: _sh, occupancy_seconds: _os, occupancy_weighted: _ow, ...rest } = row;
  return rest;
}

/** expectedRow of each reading, ordered like storedReadings. */
export function expectedRows(readings: readonly TestReading[]): StoredRow[] {
  return readings
    .map(expectedRow)
    .sort((a, b) => String(a.sensor_id).localeCompare(String(b.sensor_id)) || Number(a.time) - Number(b.time));
}

// --- publishing -----------------------------------------------------------------------------

export interface PublishOptions {
  /** Messages started per second (default: as fast as the in-flight limit allows). */
  perSecond?: number;
  /** Unacknowledged messages at most, over all connections (default 200). */
  maxInFlight?: number;
  /** Give up (reject) if not everything is acknowledged by then (default 240 s). */
  timeoutMs?: number;
}

/**
 * QoS 1 publishers over a few MQTT connections that reconnect by themselves (500 ms). mqtt.js keeps
 * every unacknowledged QoS 1 message and re-sends it after a reconnect, and a publish that still
 * fails is retried here, so each message is sent until its PUBACK arrives ("at least once").
 * `acked` holds the key of every reading whose message was acknowledged, as the PUBACKs arrive.
 */
export class TelemetryPublisher {
  readonly acked = new Set<string>();
  /** Acknowledged messages. */
  ackedMessages = 0;
  reconnects = 0;
  retries = 0;
  private closed = false;

  private constructor(private readonly clients: MqttClient[]) {
    for (const c of clients) {
      c.on('reconnect', () => (this.reconnects += 1));
      c.on('error', () => {}); // a refused or dropped connection: mqtt.js reconnects
    }
  }

  static async open(url: string, options: { connections?: number; label?: string } = {}): Promise<TelemetryPublisher> {
    const tag = `${(options.label ?? 'pub').slice(0, 6)}${hex(3)}`;
    const clients = await Promise.all(
      Array.from({ length: options.connections ?? 4 }, (_, i) =>
        mqtt.connectAsync(url, {
          clientId: `${tag}-${i}`.slice(0, 23),
          protocolVersion: 4,
          clean: true,
          reconnectPeriod: 500,
          connectTimeout: 5_000,
          keepalive: 30,
        }),
      ),
    );
    return new TelemetryPublisher(clients);
  }

  /** Publishes every message at QoS 1 and resolves when all are acknowledged. */
  async publish(messages: readonly PlannedMessage[], options: PublishOptions = {}): Promise<void> {
    const maxInFlight = options.maxInFlight ?? 200;
    const deadline = Date.now() + (options.timeoutMs ?? 240_000);
    const started = Date.now();
    let inFlight = 0;
    let wake: () => void = () => {};
    const sends: Promise<void>[] = [];

    const sendOne = async (m: PlannedMessage, client: MqttClient): Promise<void> => {
      const body = JSON.stringify(m.payload);
      for (;;) {
        if (this.closed) throw new Error('publisher closed');
        try {
          await client.publishAsync(mqttTelemetryTopic(m.topicSensorId), body, { qos: 1 });
          break;
        } catch (err) {
          if (Date.now() > deadline) throw new Error(`no PUBACK before the deadline: ${(err as Error).message}`);
          this.retries += 1;
          await sleep(500);
        }
      }
      this.ackedMessages += 1;
      for (const r of m.readings) this.acked.add(readingKey(r));
    };

    for (let i = 0; i < messages.length; i++) {
      if (options.perSecond) {
        const due = started + (i * 1000) / options.perSecond;
        if (due > Date.now()) await sleep(due - Date.now());
      }
      while (inFlight >= maxInFlight) {
        if (Date.now() > deadline) throw new Error(`publishing stalled: ${this.ackedMessages} messages acknowledged`);
        await new Promise<void>((resolve) => {
          wake = resolve;
          realSetTimeout(resolve, 1_000);
        });
      }
      inFlight += 1;
      const send = sendOne(messages[i]!, this.clients[i % this.clients.length]!).finally(() => {
        inFlight -= 1;
        wake();
      });
      send.catch(() => {}); // awaited below
      sends.push(send);
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = realSetTimeout(
        () => reject(new Error(`only ${this.ackedMessages} of the messages acknowledged before the deadline`)),
        Math.max(0, deadline - Date.now()),
      );
    });
    try {
      await Promise.race([Promise.all(sends), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled(this.clients.map((c) => c.endAsync(true)));
  }
}

/**
 * Removes persistent sessions (MQTT 5, e.g. external-mode ingest's) from a broker: a clean start with
 * session expiry 0 discards the stored session, and it ends with the connection [MQTT-3.1.2-4].
 */
export async function purgeMqttSessions(url: string, clientIds: readonly string[]): Promise<void> {
  for (const clientId of clientIds) {
    const client = await mqtt.connectAsync(url, {
      clientId,
      protocolVersion: 5,
      clean: true,
      reconnectPeriod: 0,
      connectTimeout: 5_000,
      properties: { sessionExpiryInterval: 0 },
    });
    await client.endAsync();
  }
}

// --- the real services themselves (scripts/services.sh) --------------------------------------

/**
 * Runs `bash scripts/services.sh <command> <service>`: `stop` (SIGTERM, waits for the exit) or
 * `start` (waits until really ready; a no-op when already healthy). Resolves with how long it took.
 */
export function servicesScript(command: 'start' | 'stop', service: 'kafka' | 'influxdb' | 'mosquitto'): Promise<number> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    execFile('bash', ['scripts/services.sh', command, service], { cwd: REPO_ROOT, timeout: 240_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`scripts/services.sh ${command} ${service} failed: ${err.message}\n${stdout}\n${stderr}`));
      else resolve(Date.now() - t0);
    });
  });
}

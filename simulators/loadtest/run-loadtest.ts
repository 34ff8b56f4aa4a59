import type { RoadSegment } from '../../shared/network/road-segment.ts';
import type { DeliveryObserver } from './delivery-observer.ts';
import { generateLoad, nowMs, type LoadRecord, type LoadShape } from './load-generator.ts';
import { loadConnections } from './load-payload.ts';
import { RawPublisher } from './raw-publisher.ts';
import type { LoadReport } from './report.ts';
import { SequenceLedger } from './sequence-ledger.ts';
import { processTreeCpuMicros, queryableLatencies, summariseLatencies } from './stats.ts';

export interface LoadtestOptions extends LoadShape {
  url: string;
  runId: string;
  connections: number;
  sensorsPerConnection: number;
  segments: readonly RoadSegment[];
  /** Process (tree) whose CPU is sampled: the pipeline. */
  pid: number | null;
  /** Longest wait for the last PUBACKs, then for the far end to show everything. */
  drainTimeoutS: number;
  /** Label of the far end for the report (e.g. the API URL). */
  api: string | null;
}

export interface LiveProgress {
  elapsedS: number;
  durationS: number;
  record: LoadRecord;
  inFlight: number;
  visible: number | null;
}

/** MQTT URL → host and port (plain TCP only: the raw publisher speaks no TLS or WebSocket). */
export function brokerAddress(url: string): { host: string; port: number } {
  const u = new URL(url);
  if (u.protocol !== 'mqtt:' && u.protocol !== 'tcp:') throw new Error(`--url ${url}: only mqtt:// (plain TCP) is supported by the load generator`);
  return { host: u.hostname, port: u.port ? Number(u.port) : 1883 };
}

/** One load-test run: connect, publish for the duration, drain, reconcile; the report says whether anything was lost. */
export async function runLoadtest(o: LoadtestOptions, observer: DeliveryObserver | null, onProgress?: (p: LiveProgress) => void): Promise<LoadReport> {
  const { host, port } = brokerAddress(o.url);
  const connections = loadConnections(o.runId, o.connections, o.sensorsPerConnection, o.segments);
  const publishers = await Promise.all(connections.map((c) => RawPublisher.connect(host, port, c.gatewayId, o.window)));
  const ledger = new SequenceLedger();
  const timeline: { at: number; visible: number }[] = [];
  let polling = false;
  const poll = async (): Promise<number | null> => {
    if (!observer || polling) return timeline.at(-1)?.visible ?? null;
    polling = true;
    try {
      const visible = await observer.visible();
      timeline.push({ at: nowMs(), visible });
      return visible;
    } finally {
      polling = false;
    }
  };
  const poller = observer ? setInterval(() => void poll().catch(() => undefined), observer.pollMs) : null;
  const cpu = (): Promise<number | null> => (o.pid === null ? Promise.resolve(null) : processTreeCpuMicros(o.pid));
  const inFlight = () => publishers.reduce((n, p) => n + p.inFlight, 0);

  try {
    const cpuBefore = await cpu();
    // Throughput and CPU, like the latencies, cover the measured duration only.
    const cpuAtMeasure = o.warmupS > 0 ? sleep(o.warmupS * 1000).then(cpu) : Promise.resolve(cpuBefore);
    const record = await generateLoad(publishers, connections, o, ledger, (r) =>
      onProgress?.({ elapsedS: (nowMs() - r.startedAt) / 1000, durationS: o.durationS, record: r, inFlight: inFlight(), visible: timeline.at(-1)?.visible ?? null }),
    );
    const drainUntil = Date.now() + o.drainTimeoutS * 1000;
    while (inFlight() > 0 && publishers.some((p) => !p.closed) && Date.now() < drainUntil) await sleep(20);
    const cpuPublished = await cpu();
    if (observer) {
      while (((await poll()) ?? 0) < record.readingsAcked && Date.now() < drainUntil + o.drainTimeoutS * 1000) await sleep(observer.pollMs);
    }
    if (poller) clearInterval(poller);
    await poll();
    const cpuDrained = await cpu();
    const cpuMeasureStart = await cpuAtMeasure;
    const delivery = observer ? await observer.reconcile(ledger) : null;
    const publishS = Math.max(0.001, ((record.lastAckAt || record.endedAt) - record.measureFrom) / 1000);
    const measuredReadings = record.readingsAcked - record.warmupReadingsAcked;

    return {
      runId: o.runId,
      startedAt: new Date(Date.now() - (nowMs() - record.startedAt)).toISOString(),
      target: {
        url: o.url, api: o.api, connections: o.connections, sensors: o.connections * o.sensorsPerConnection,
        rate: o.rate, durationS: o.durationS, warmupS: o.warmupS, qos: o.qos, batch: o.batch, payloadBytes: o.payloadBytes, window: o.window,
      },
      sent: { messages: record.messagesSent, readings: record.messagesSent * o.batch, meanPayloadBytes: Math.round(record.payloadBytes / Math.max(1, record.messagesSent)) },
      acked: { messages: record.messagesAcked, readings: record.readingsAcked, readingsPerS: Math.round(measuredReadings / publishS) },
      unackedReadings: ledger.unackedTotal,
      pubackMs: o.qos === 1 ? summariseLatencies(record.pubackMs) : null,
      // Warm-up acks stay in the list (their readings are in the visible count), only their latencies are left out.
      queryableMs: observer ? summariseLatencies(queryableLatencies(record.acks, timeline).filter((_, i) => record.acks[i]!.sentAt >= record.measureFrom)) : null,
      scheduleLagMs: o.rate > 0 ? summariseLatencies(record.scheduleLagMs) : null,
      observer: observer ? { label: observer.label, pollMs: observer.pollMs } : null,
      delivery,
      cpu: cpuMeasureStart === null || cpuPublished === null || cpuDrained === null ? null : {
        pid: o.pid!,
        coresWhilePublishing: round((cpuPublished - cpuMeasureStart) / 1e6 / publishS, 2),
        microsPerReading: round((cpuDrained - cpuMeasureStart) / Math.max(1, measuredReadings), 1),
      },
      ok: ledger.unackedTotal === 0 && (delivery?.lost ?? 0) === 0,
    };
  } finally {
    if (poller) clearInterval(poller);
    for (const p of publishers) p.close();
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const round = (x: number, d: number) => Math.round(x * 10 ** d) / 10 ** d;

import { randomBytes } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CongestionRecord } from '../../shared/contract/congestion-record.ts';
import { loadRoadNetwork } from '../../shared/network/load-network.ts';
import {
  TelemetryPublisher,
  comparableRow,
  expectedRows,
  openStack,
  planTraffic,
  purgeMqttSessions,
  readingsOf,
  type CongestionReader,
  type DistributedStack,
  type PlannedMessage,
  type ServiceProcess,
} from '../helpers/distributed.ts';
import { getOk } from '../helpers/http.ts';
import { fetchMetrics } from '../helpers/metrics.ts';
import type { TestReading } from '../helpers/readings.ts';
import { waitFor } from '../helpers/wait.ts';

/*
 * Issue 3, "end to end on the real stack": N readings over MQTT at QoS 1 → exactly N readings in
 * InfluxDB, and the congestion records on traffic.congestion.v1 — once through ingest's embedded
 * broker, once through Mosquitto with two ingest instances in one shared subscription (external
 * mode). Each service runs as its own process on Kafka + InfluxDB (tests/helpers/distributed.ts).
 */

const N = 2_000;
const iso = (ms: number) => new Date(ms).toISOString();
const network = loadRoadNetwork();

// Each run's hand-computed segment; the bulk traffic goes to the other segments (and 3 h back).
const EMBEDDED_TARGET = 'ql13-nb-03'; // urban, 3 lanes, free flow 60 km/h
const EXTERNAL_TARGET = 'mptv-nb-03'; // highway, 3 lanes, free flow 90 km/h
const bulkSegments = network.segments.map((s) => s.id).filter((id) => id !== EMBEDDED_TARGET && id !== EXTERNAL_TARGET);

/** The end of the 1m window that closes at least `leadMs` from now (its readings may lie up to 60 s ahead: allowed, < 5 min). */
const windowEndAfter = (leadMs: number) => Math.ceil((Date.now() + leadMs) / 60_000) * 60_000;

/*
 * ql13-nb-03, window [E − 60 s, E), by hand (DESIGN §5; PCU motorbike 0.3, car 1, bus 2.5, truck 2.5):
 *   ta (lane 1): 30 s {motorbike 20, car 10} at 40 km/h, occ 0.2; 30 s {car 5, bus 1} at 24 km/h, occ 0.3
 *       O = 60 s; n = 36; pcu = 6 + 10 + 5 + 2.5 = 23.5 → 2160 veh/h, 1410 pcu/h
 *   tb (lane 2): 60 s {car 12, truck 2} at 56 km/h, occ 0.25 → n = 14, pcu = 17 → 840 veh/h, 1020 pcu/h
 *   flow 3000 veh/h, 2430 pcu/h; v = 50 / (30/40 + 6/24 + 14/56) = 50 / 1.25 = 40 km/h
 *   occupancy = (0.2×30 + 0.3×30 + 0.25×60) / 120 = 0.25; k = 2430 / 3 / 40 = 20.25
 *   r = 40/60 = 0.667 → urban LOS C (B needs r > 0.67); TTI 1.5; congestion 50 %; jam 3.3
 */
function embeddedTarget(prefix: string, end: number): { messages: PlannedMessage[]; expected: CongestionRecord } {
  const readings: TestReading[] = [
    { sensorId: `${prefix}-ta`, segmentId: EMBEDDED_TARGET, lane: 1, ts: end - 40_000, intervalS: 30, counts: { motorbike: 20, car: 10 }, speedKmh: 40, occupancy: 0.2, seq: 1 },
    { sensorId: `${prefix}-ta`, segmentId: EMBEDDED_TARGET, lane: 1, ts: end - 10_000, intervalS: 30, counts: { car: 5, bus: 1 }, speedKmh: 24, occupancy: 0.3, seq: 2 },
    { sensorId: `${prefix}-tb`, segmentId: EMBEDDED_TARGET, lane: 2, ts: end - 5_000, intervalS: 60, counts: { car: 12, truck: 2 }, speedKmh: 56, occupancy: 0.25, seq: 1 },
  ];
  return {
    messages: readings.map((r) => ({ topicSensorId: r.sensorId, payload: r, readings: [r] })),
    expected: {
      segmentId: EMBEDDED_TARGET, window: '1m', from: iso(end - 60_000), to: iso(end), status: 'ok',
      flowVph: 3000, flowPcuph: 2430, speedKmh: 40, occupancy: 0.25, densityPcuPerKmLane: 20.25,
      speedRatio: 0.667, tti: 1.5, congestionPct: 50, jamFactor: 3.3, los: 'C',
      sensorsReporting: 2, sensorsKnown: 2, stationsReporting: 1, sensorsFaulty: 0, lastReadingAt: iso(end - 5_000),
    },
  };
}

/*
 * mptv-nb-03, window [E − 60 s, E), one gateway batch of two lane sensors, by hand:
 *   l1: 60 s {car 40, truck 10} at 75 km/h, occ 0.3 → n = 50, pcu = 65 → 3000 veh/h, 3900 pcu/h
 *   l2: 60 s {car 30, motorbike 20} at 50 km/h, occ 0.2 → n = 50, pcu = 36 → 3000 veh/h, 2160 pcu/h
 *   flow 6000 veh/h, 6060 pcu/h; v = 100 / (50/75 + 50/50) = 60 km/h; occupancy 0.25
 *   k = 6060 / 3 / 60 = 33.67 → highway LOS F (> 28); r = 60/90 = 0.667; TTI 1.5; 50 %; jam 3.3
 */
function externalTarget(prefix: string, end: number): { messages: PlannedMessage[]; expected: CongestionRecord } {
  const gateway = `${prefix}-tgw`;
  const batch: TestReading[] = [
    { sensorId: `${gateway}.l1`, segmentId: EXTERNAL_TARGET, lane: 1, ts: end - 20_000, intervalS: 60, counts: { car: 40, truck: 10 }, speedKmh: 75, occupancy: 0.3, seq: 1 },
    { sensorId: `${gateway}.l2`, segmentId: EXTERNAL_TARGET, lane: 2, ts: end - 15_000, intervalS: 60, counts: { car: 30, motorbike: 20 }, speedKmh: 50, occupancy: 0.2, seq: 1 },
  ];
  return {
    messages: [{ topicSensorId: gateway, payload: batch, readings: batch }],
    expected: {
      segmentId: EXTERNAL_TARGET, window: '1m', from: iso(end - 60_000), to: iso(end), status: 'ok',
      flowVph: 6000, flowPcuph: 6060, speedKmh: 60, occupancy: 0.25, densityPcuPerKmLane: 33.67,
      speedRatio: 0.667, tti: 1.5, congestionPct: 50, jamFactor: 3.3, los: 'F',
      sensorsReporting: 2, sensorsKnown: 2, stationsReporting: 1, sensorsFaulty: 0, lastReadingAt: iso(end - 15_000),
    },
  };
}

/** Σ of roadpulse_readings_rejected_total over every reason. */
function rejectedTotal(metrics: string): number {
  return metrics
    .split('\n')
    .filter((l) => l.startsWith('roadpulse_readings_rejected_total'))
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}

let stack: DistributedStack;
let api: ServiceProcess;
let congestion: CongestionReader;
const expectations: { run: string; expected: CongestionRecord; end: number }[] = [];
const externalClientIds: string[] = [];

beforeAll(async () => {
  stack = await openStack('e2e', { mosquitto: true, aggregatorGraceS: 10 });
  // The writer and aggregator create the topics (first run on a fresh Kafka); the reader needs them.
  [, , api] = await Promise.all([stack.start('writer'), stack.start('aggregator'), stack.start('api')]);
  congestion = await stack.congestionReader();
});

afterAll(async () => {
  await stack?.close();
  if (stack?.mosquittoUrl && externalClientIds.length > 0) await purgeMqttSessions(stack.mosquittoUrl, externalClientIds);
});

/** Publishes the target readings first (so they are stored well before their window closes), then the bulk. */
async function publishRun(url: string, target: PlannedMessage[], bulk: PlannedMessage[]): Promise<TelemetryPublisher> {
  const publisher = await TelemetryPublisher.open(url, { connections: 4, label: 'e2e' });
  try {
    await publisher.publish(target);
    await publisher.publish(bulk);
  } finally {
    await publisher.close();
  }
  return publisher;
}

/** Waits for exactly the published readings in InfluxDB: count N once the writer caught up, every value as sent. */
async function expectExactlyStored(prefix: string, readings: TestReading[]): Promise<void> {
  await stack.waitForReadings(prefix, readings.length);
  await stack.waitWriterCaughtUp();
  expect(await stack.countReadings(prefix)).toBe(readings.length);
  const stored = (await stack.storedReadings(prefix)).map(comparableRow);
  expect(stored).toEqual(expectedRows(readings));
}

describe('distributed pipeline on real Kafka, InfluxDB and Mosquitto', () => {
  it('when N readings (single messages and gateway batches) go in through the embedded broker at QoS 1, then InfluxDB holds exactly those N readings', async () => {
    const ingest = await stack.start('ingest', { name: 'ingest-embedded' });
    const prefix = `${stack.runId}-emb`;
    const end = windowEndAfter(15_000);
    const target = embeddedTarget(prefix, end);
    const bulk = planTraffic(prefix, { readings: N - readingsOf(target.messages).length, segments: bulkSegments, seed: 1 });
    const readings = [...readingsOf(target.messages), ...readingsOf(bulk)];
    expect(new Set(readings.map((r) => r.sensorId)).size).toBeGreaterThan(250);
    expectations.push({ run: 'embedded', expected: target.expected, end });

    const publisher = await publishRun(ingest.mqttUrl, target.messages, bulk);
    expect(publisher.acked.size).toBe(N);

    await expectExactlyStored(prefix, readings);
    const metrics = await fetchMetrics(ingest.baseUrl);
    expect(await ingest.metric('roadpulse_readings_accepted_total')).toBe(N);
    expect(rejectedTotal(metrics)).toBe(0);
    await ingest.stop();
  });

  it('when N readings go in through Mosquitto and two ingest instances share the subscription, then each takes some, together exactly N, and InfluxDB holds exactly those N', async () => {
    const mosquittoUrl = stack.mosquittoUrl!;
    const group = `rp-e2e-${randomBytes(3).toString('hex')}`;
    const connections = 2;
    const external = (suffix: string) => {
      const base = `${group}-${suffix}`;
      for (let i = 0; i < connections; i++) externalClientIds.push(`${base}-${i}`);
      return stack.start('ingest', {
        name: `ingest-external-${suffix}`,
        env: {
          ROADPULSE_MQTT_MODE: 'external',
          ROADPULSE_MQTT_URL: mosquittoUrl,
          ROADPULSE_MQTT_SHARE_GROUP: group,
          ROADPULSE_MQTT_CLIENT_ID: base,
          ROADPULSE_MQTT_CONNECTIONS: String(connections),
        },
      });
    };
    const [a, b] = await Promise.all([external('a'), external('b')]);
    const prefix = `${stack.runId}-ext`;
    const end = windowEndAfter(15_000);
    const target = externalTarget(prefix, end);
    const bulk = planTraffic(prefix, { readings: N - readingsOf(target.messages).length, segments: bulkSegments, seed: 2 });
    const readings = [...readingsOf(target.messages), ...readingsOf(bulk)];
    expectations.push({ run: 'external', expected: target.expected, end });

    // PUBACKs come from Mosquitto here; ingest acknowledges upstream once Kafka took the reading.
    const publisher = await publishRun(mosquittoUrl, target.messages, bulk);
    expect(publisher.acked.size).toBe(N);

    await expectExactlyStored(prefix, readings);
    const tookA = (await a.metric('roadpulse_readings_accepted_total')) ?? 0;
    const tookB = (await b.metric('roadpulse_readings_accepted_total')) ?? 0;
    console.info(`[e2e external] ingest a accepted ${tookA}, ingest b accepted ${tookB} (N = ${N})`);
    expect(tookA).toBeGreaterThan(0);
    expect(tookB).toBeGreaterThan(0);
    expect(tookA + tookB).toBe(N);
    for (const i of [a, b]) expect(rejectedTotal(await fetchMetrics(i.baseUrl))).toBe(0);
    await Promise.all([a.stop(), b.stop()]);
  });

  it.each(['embedded', 'external'])(
    'when the 1m window of the %s run closes, then traffic.congestion.v1 carries the hand-computed record of its segment, the one the API returns',
    async (run) => {
      const entry = expectations.find((e) => e.run === run);
      if (!entry) throw new Error(`the ${run} run did not publish its readings (see the test above)`);
      const { expected, end } = entry;
      // The aggregator closes [E − 1 min, E) at E + grace (10 s), then publishes. Other runs' aggregators
      // publish on the same topic (from their own databases), so look for ours among the records.
      const seen = () => congestion.find(expected.segmentId, '1m', expected.to);
      await waitFor(() => seen().some((r) => isDeepStrictEqual(r, expected)), {
        timeoutMs: Math.max(0, end - Date.now()) + 90_000,
        intervalMs: 500,
        what: `the hand-computed 1m record of ${expected.segmentId} ending ${expected.to} on traffic.congestion.v1`,
      }).catch((err: Error) => {
        throw new Error(`${err.message}; records of that segment and window end seen: ${JSON.stringify(seen())}\n${stack.tails()}`);
      });
      expect(seen()).toContainEqual(expected);
      const fromApi = await getOk<CongestionRecord>(
        `${api.baseUrl}/api/v1/segments/${expected.segmentId}/congestion?window=1m&at=${encodeURIComponent(expected.to)}`,
      );
      expect(fromApi).toEqual(expected);
    },
  );
});

import { randomBytes, randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { InfluxStore } from '../../shared/adapters/influx-store.ts';
import { KafkaBus } from '../../shared/adapters/kafka-bus.ts';
import type { AlertEvent } from '../../shared/contract/alert.ts';
import type { CongestionRecord, Los } from '../../shared/contract/congestion-record.ts';
import { createLogger } from '../../shared/logging/create-logger.ts';
import { loadRoadNetwork } from '../../shared/network/load-network.ts';
import type { ConsumedMessage } from '../../shared/ports/bus.ts';
import type { AlertRules } from '../../shared/traffic/alert-rules.ts';
import { startAlertService } from '../../services/alerter/alert-service.ts';
import { requireService } from '../helpers/real-services.ts';
import { waitFor } from '../helpers/wait.ts';

// The alert service on the distributed adapters: real Kafka (own topics, so other tests' records do
// not reach it) and a real InfluxDB (own database). Fails, never skips, when either is missing.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });
const { brokers } = await requireService('kafka');
const influx = await requireService('influxdb');
const log = createLogger({ level: 'silent' });
const id = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
const topics = { congestion: `rp-it-congestion-${id}`, alerts: `rp-it-alerts-${id}` };
const database = `roadpulse_alerter_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
const W = 300_000;
const T0 = Date.UTC(2026, 0, 1, 2, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();
const rule = { raiseLos: 'E', clearLos: 'C', raiseHoldMs: W, clearHoldMs: W } as const;
const rules: AlertRules = { window: '5m', urban: rule, highway: rule };

const record = (i: number, los: Los): CongestionRecord => ({
  segmentId: 'ql13-nb-01', window: '5m', from: iso(T0 + i * W), to: iso(T0 + (i + 1) * W), status: 'ok', flowVph: 900, flowPcuph: 700,
  speedKmh: 10, occupancy: 0.5, densityPcuPerKmLane: 25, speedRatio: 0.2, tti: 5, congestionPct: los === 'A' ? 0 : 400, jamFactor: 8, los,
  sensorsReporting: 1, sensorsKnown: 1, stationsReporting: 1, sensorsFaulty: null, lastReadingAt: null,
});

let admin: Admin;
let bus: KafkaBus;
let store: InfluxStore;
const seen: AlertEvent[] = [];

async function influxql(q: string): Promise<void> {
  const res = await fetch(`${influx.url.replace(/\/+$/, '')}/query`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${influx.username}:${influx.password}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ q }),
  });
  if (!res.ok) throw new Error(`InfluxQL ${q}: HTTP ${res.status}`);
}

beforeAll(async () => {
  admin = new Kafka({ clientId: `rp-it-admin-${id}`, brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await influxql(`CREATE DATABASE "${database}"`);
  bus = new KafkaBus({ brokers, clientId: `rp-it-alerter-${id}`, log, createTopics: [topics.congestion, topics.alerts], topics: { partitions: 3, replicationFactor: 1 } });
  await bus.connect();
  store = new InfluxStore({ url: influx.url, database, username: influx.username, password: influx.password, log });
  await bus.consume({ groupId: `rp-it-watch-${id}`, topics: [topics.alerts], fromBeginning: true }, async (batch: ConsumedMessage[]) => {
    for (const m of batch) seen.push(JSON.parse(m.value) as AlertEvent);
  });
});
afterAll(async () => {
  await bus?.close();
  await influxql(`DROP DATABASE "${database}"`).catch(() => undefined);
  await admin?.deleteTopics({ topics: [topics.congestion, topics.alerts] }).catch(() => undefined);
  await admin?.disconnect();
});

describe('alert service on Kafka and InfluxDB', () => {
  it('when a jammed record comes over Kafka, then the alert is raised on the alerts topic and in InfluxDB; after a restart of the service a free-flow record clears it', async () => {
    const noop = { alertEvents: { inc: () => undefined }, alertsActive: { set: () => undefined } };
    const groupId = `rp-it-alerter-${id}`;
    let service = await startAlertService({ bus, store, network: loadRoadNetwork(), rules, log, metrics: noop, groupId, topics });
    await bus.publish(topics.congestion, [{ key: 'ql13-nb-01', value: JSON.stringify(record(0, 'F')) }]);

    const alertId = `ql13-nb-01@${T0 + W}`;
    await waitFor(() => seen.some((e) => e.event === 'raised'), { timeoutMs: 30_000, what: 'the raised event on Kafka' });
    expect(seen.find((e) => e.event === 'raised')?.alert).toMatchObject({ id: alertId, level: 'F', state: 'active' });
    await waitFor(async () => (await store.alert(alertId))?.state === 'active', { timeoutMs: 10_000, what: 'the alert in InfluxDB' });
    await service.stop();

    service = await startAlertService({ bus, store, network: loadRoadNetwork(), rules, log, metrics: noop, groupId, topics });
    expect(service.active().map((a) => a.id)).toEqual([alertId]);
    await bus.publish(topics.congestion, [{ key: 'ql13-nb-01', value: JSON.stringify(record(1, 'A')) }]);
    await waitFor(() => seen.some((e) => e.event === 'cleared'), { timeoutMs: 30_000, what: 'the cleared event on Kafka' });
    await waitFor(async () => (await store.alert(alertId))?.state === 'cleared', { timeoutMs: 10_000, what: 'the alert cleared in InfluxDB' });
    expect(await store.alerts({ state: 'active', limit: 10 })).toEqual([]);
    expect(seen.filter((e) => e.event === 'raised')).toHaveLength(1);
    await service.stop();
  });
});

import { csvRecords } from '../helpers/csv.ts';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SqliteBus } from '../../shared/adapters/sqlite-bus.ts';
import { SqliteStore } from '../../shared/adapters/sqlite-store.ts';
import { alertEventId, type Alert, type AlertEvent } from '../../shared/contract/alert.ts';
import { loadConfig } from '../../shared/config/load-config.ts';
import { configSchema } from '../../shared/config/schema.ts';
import { createLogger } from '../../shared/logging/create-logger.ts';
import { loadRoadNetwork } from '../../shared/network/load-network.ts';
import { queryContextFrom } from '../../shared/queries/congestion-at.ts';
import { startAggregator } from '../../services/aggregator/aggregator-service.ts';
import { readBusTopic } from '../helpers/bus-file.ts';
import { makeDataDir, startInProcess, testEnv, type InProcessPipeline } from '../helpers/embedded.ts';
import { getJson, getOk } from '../helpers/http.ts';
import { fetchMetrics, sampleValue } from '../helpers/metrics.ts';
import { publishReadings } from '../helpers/mqtt.ts';
import type { TestReading } from '../helpers/readings.ts';
import { openSse, type SseClient } from '../helpers/sse.ts';
import { waitFor } from '../helpers/wait.ts';

// issue 12 item 1 through the real embedded pipeline: readings over MQTT, windows closed by the real
// aggregator (driven by the test on the pipeline's own bus and store files), alerts out over HTTP,
// the SSE stream and traffic.alerts.v1; acknowledgement; restart; Last-Event-ID.
vi.setConfig({ testTimeout: 20_000, hookTimeout: 30_000 });

const W = 300_000;
const iso = (ms: number) => new Date(ms).toISOString();
// Six hours back, on a 5-minute boundary: the pipeline's own aggregator (catch-up looks back 5 h, its
// schedule closes the windows ending now) never closes these windows, the test does.
const B = Math.floor(Date.now() / W) * W - 6 * 3_600_000;
const SEGMENT = 'ql13-nb-01'; // urban, 3 lanes, free flow 60 km/h (DESIGN §5: urban LOS by r = v / 60)
const ALERT_ID = `${SEGMENT}@${B + W}`;

// 9 km/h: r = 9 / 60 = 0.15 ≤ 0.30 → LOS F; TTI = 60 / 9 = 6.667 → congestion 566.7 %.
const jam: TestReading = { sensorId: 'al-1', segmentId: SEGMENT, lane: 1, ts: B + 60_000, intervalS: 60, counts: { motorbike: 30, car: 5 }, speedKmh: 9, occupancy: 0.6 };
// 54 km/h: r = 0.9 > 0.80 → LOS A (better than the clear level C).
const freeFlow: TestReading = { ...jam, ts: B + W + 60_000, speedKmh: 54, occupancy: 0.1 };

let dataDir: string;
let rp: InProcessPipeline;
const clients: SseClient[] = [];
const stream = (headers: Record<string, string> = {}) =>
  openSse(`${rp.baseUrl}/api/v1/congestion/stream`, headers).then((c) => (clients.push(c), c));
const alertEvents = (c: SseClient) =>
  c.events().filter((e) => e.event === 'alert').map((e) => ({ id: e.id, ...(JSON.parse(e.data) as AlertEvent) }));
const busEvents = () => readBusTopic(dataDir, 'traffic.alerts.v1').map((m) => ({ key: m.key, ...(JSON.parse(m.value) as AlertEvent) }));

/** Closes the 5m window ending at `end` with a real aggregator on the pipeline's files, once the reading is stored. */
async function closeWindow(end: number, expectLos: string): Promise<void> {
  await waitFor(
    async () => (await getJson(`${rp.baseUrl}/api/v1/segments/${SEGMENT}/congestion?window=5m&at=${iso(end)}`)).body.los === expectLos,
    { timeoutMs: 8_000, what: `LOS ${expectLos} stored for the window ending ${iso(end)}` },
  );
  const config = loadConfig(configSchema, testEnv(dataDir));
  const log = createLogger({ level: 'silent' });
  const bus = new SqliteBus({ file: join(dataDir, 'bus.sqlite'), log });
  const store = new SqliteStore(join(dataDir, 'store.sqlite'));
  const aggregator = startAggregator({
    query: queryContextFrom(config, store, loadRoadNetwork()),
    bus,
    log,
    metrics: { congestionRecords: { inc: () => undefined } },
    graceMs: 0,
    schedule: false,
  });
  try {
    await aggregator.closeWindow('5m', end);
  } finally {
    await aggregator.stop();
    await bus.close();
    await store.close();
  }
}

beforeAll(async () => {
  dataDir = makeDataDir('roadpulse-alerts-');
  rp = await startInProcess({ dataDir });
});
afterAll(async () => {
  for (const c of clients) c.close();
  await rp?.close();
});

describe('congestion alerts through the embedded pipeline', () => {
  let live: SseClient;
  let raised: Alert;

  it('when a segment is jammed (LOS F) for a 5m window, then one alert is raised: in GET /alerts, on the stream, on traffic.alerts.v1, in /metrics', async () => {
    live = await stream();
    await publishReadings(rp.mqttUrl, [jam]);
    await closeWindow(B + W, 'F');

    const { alerts } = await waitFor(async () => {
      const body = await getOk<{ alerts: Alert[] }>(`${rp.baseUrl}/api/v1/alerts?state=active`);
      return body.alerts.length > 0 && body;
    }, { what: 'an active alert' });
    expect(alerts).toEqual([
      {
        id: ALERT_ID, segmentId: SEGMENT, window: '5m', state: 'active', level: 'F', raisedAt: iso(B + W), clearedAt: null,
        acknowledgedAt: null, acknowledgedBy: null, peakLos: 'F', peakCongestionPct: 566.7, lastLos: 'F', lastCongestionPct: 566.7,
        updatedAt: iso(B + W),
      },
    ]);
    raised = alerts[0]!;
    expect(await getOk(`${rp.baseUrl}/api/v1/alerts/${encodeURIComponent(ALERT_ID)}`)).toEqual(raised);
    expect((await getOk(`${rp.baseUrl}/api/v1/alerts?state=recent&segment=${SEGMENT}`)).alerts).toEqual([raised]);
    expect((await getOk(`${rp.baseUrl}/api/v1/alerts?segment=ql13-sb-01`)).alerts).toEqual([]);

    await waitFor(() => alertEvents(live).length === 1, { what: 'the alert event on the stream' });
    expect(alertEvents(live)).toEqual([{ id: alertEventId({ event: 'raised', alert: raised }), event: 'raised', alert: raised }]);
    expect(busEvents()).toEqual([{ key: SEGMENT, event: 'raised', alert: raised }]);

    const metrics = await fetchMetrics(rp.baseUrl);
    expect(sampleValue(metrics, 'roadpulse_alerts_total', { event: 'raised' })).toBe(1);
    expect(sampleValue(metrics, 'roadpulse_alerts_active')).toBe(1);
  });

  it('when the same window is closed again (a repeated record), then no second alert or event appears', async () => {
    await closeWindow(B + W, 'F');
    // Give the alert service the time to have judged it: the next bus message of ours would follow it.
    await new Promise((r) => setTimeout(r, 500));
    expect((await getOk(`${rp.baseUrl}/api/v1/alerts?state=recent`)).alerts).toHaveLength(1);
    expect(busEvents()).toHaveLength(1);
  });

  it('when an operator acknowledges it, then it carries who and when, an acknowledged event follows, and acknowledging again changes nothing', async () => {
    const res = await fetch(`${rp.baseUrl}/api/v1/alerts/${encodeURIComponent(ALERT_ID)}/ack`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ by: 'Trần Văn An' }),
    });
    expect(res.status).toBe(200);
    const acked = (await res.json()) as Alert;
    expect(acked).toEqual({ ...raised, acknowledgedBy: 'Trần Văn An', acknowledgedAt: acked.acknowledgedAt, updatedAt: acked.acknowledgedAt });
    expect(Date.parse(acked.acknowledgedAt!)).toBeGreaterThan(Date.now() - 60_000);
    expect(acked.updatedAt).toBe(acked.acknowledgedAt);

    const again = await fetch(`${rp.baseUrl}/api/v1/alerts/${encodeURIComponent(ALERT_ID)}/ack`, { method: 'POST' });
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual(acked);
    expect(await getOk(`${rp.baseUrl}/api/v1/alerts/${encodeURIComponent(ALERT_ID)}`)).toEqual(acked);

    await waitFor(() => alertEvents(live).length === 2, { what: 'the acknowledged event on the stream' });
    await new Promise((r) => setTimeout(r, 300));
    // Published twice on the bus (each ack), sent once on the stream (same event id).
    expect(alertEvents(live).map((e) => e.event)).toEqual(['raised', 'acknowledged']);
    expect(alertEvents(live)[1]).toEqual({ id: alertEventId({ event: 'acknowledged', alert: acked }), event: 'acknowledged', alert: acked });
    expect(busEvents().map((e) => e.event)).toEqual(['raised', 'acknowledged', 'acknowledged']);
  });

  it('when the alerts are asked as CSV (?format=csv or Accept: text/csv), then the file holds the same alerts as the JSON, field by field', async () => {
    const json = (await getOk<{ alerts: Alert[] }>(`${rp.baseUrl}/api/v1/alerts?state=recent`)).alerts;
    expect(json.length).toBeGreaterThan(0);
    for (const init of [{ url: `${rp.baseUrl}/api/v1/alerts?state=recent&format=csv` }, { url: `${rp.baseUrl}/api/v1/alerts?state=recent`, accept: 'text/csv' }]) {
      const res = await fetch(init.url, init.accept ? { headers: { accept: init.accept } } : {});
      expect(res.status, await res.clone().text()).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
      expect(res.headers.get('content-disposition')).toContain('alerts-recent.csv');
      const { header, records } = csvRecords(await res.text());
      expect(header).toEqual(Object.keys(json[0]!));
      expect(records).toHaveLength(json.length);
      records.forEach((row, i) => {
        for (const [key, value] of Object.entries(json[i]!)) expect(row[key], key).toBe(value === null ? '' : String(value));
      });
    }
    expect((await getJson(`${rp.baseUrl}/api/v1/alerts?format=xml`)).status).toBe(400);
  });

  it('when an unknown or malformed alert id is asked or acknowledged, then 404 / 400 problem+json', async () => {
    const unknown = encodeURIComponent(`${SEGMENT}@${B}`);
    const get = await getJson(`${rp.baseUrl}/api/v1/alerts/${unknown}`);
    expect(get.status).toBe(404);
    expect(get.contentType).toMatch(/^application\/problem\+json/);
    const ack = await fetch(`${rp.baseUrl}/api/v1/alerts/${unknown}/ack`, { method: 'POST' });
    expect(ack.status).toBe(404);
    expect((await getJson(`${rp.baseUrl}/api/v1/alerts/not%20an%20id`)).status).toBe(400);
    expect((await getJson(`${rp.baseUrl}/api/v1/alerts?state=open`)).status).toBe(400);
  });

  it('when the pipeline restarts, then the active alert is still there (from the store) and the alert service holds it', async () => {
    const before = await getOk(`${rp.baseUrl}/api/v1/alerts/${encodeURIComponent(ALERT_ID)}`);
    for (const c of clients.splice(0)) c.close();
    await rp.close({ keepDataDir: true });
    rp = await startInProcess({ dataDir });

    expect((await getOk(`${rp.baseUrl}/api/v1/alerts?state=active`)).alerts).toEqual([before]);
    expect(sampleValue(await fetchMetrics(rp.baseUrl), 'roadpulse_alerts_active')).toBe(1);
  });

  it('when traffic flows freely (LOS A) for a 5m window after the restart, then the alert clears, and a client resuming with Last-Event-ID gets the missed events in order', async () => {
    const acked = await getOk<Alert>(`${rp.baseUrl}/api/v1/alerts/${encodeURIComponent(ALERT_ID)}`);
    await publishReadings(rp.mqttUrl, [freeFlow]);
    await closeWindow(B + 2 * W, 'A');

    const cleared = await waitFor(async () => {
      const a = await getOk<Alert>(`${rp.baseUrl}/api/v1/alerts/${encodeURIComponent(ALERT_ID)}`);
      return a.state === 'cleared' && a;
    }, { what: 'the alert cleared' });
    expect(cleared).toEqual({
      ...acked, state: 'cleared', clearedAt: iso(B + 2 * W), lastLos: 'A', lastCongestionPct: 11.1,
      // The acknowledgement (made now) is later than the record time of the clear.
      updatedAt: acked.acknowledgedAt,
    });
    expect((await getOk(`${rp.baseUrl}/api/v1/alerts?state=active`)).alerts).toEqual([]);
    expect((await getOk(`${rp.baseUrl}/api/v1/alerts?state=recent`)).alerts).toEqual([cleared]);
    expect(busEvents().map((e) => e.event)).toEqual(['raised', 'acknowledged', 'acknowledged', 'cleared']);
    expect(busEvents().at(-1)?.alert).toMatchObject({ state: 'cleared', acknowledgedBy: 'Trần Văn An' });

    // A client that saw only the raise reconnects: it gets the acknowledgement and the clear, in order, once each.
    const raisedId = alertEventId({ event: 'raised', alert: raised });
    const resumed = await stream({ 'last-event-id': raisedId });
    await waitFor(() => alertEvents(resumed).length >= 2, { what: 'the missed alert events' });
    expect(alertEvents(resumed).map((e) => [e.event, e.alert.state])).toEqual([['acknowledged', 'active'], ['cleared', 'cleared']]);
    expect(alertEvents(resumed)[1]?.id).toBe(alertEventId({ event: 'cleared', alert: busEvents().at(-1)!.alert }));
    // Resuming after the last event: nothing more; a client without Last-Event-ID: live only, nothing replayed.
    const upToDate = await stream({ 'last-event-id': alertEvents(resumed)[1]!.id! });
    const fresh = await stream();
    await new Promise((r) => setTimeout(r, 300));
    expect(alertEvents(upToDate)).toEqual([]);
    expect(alertEvents(fresh)).toEqual([]);

    const metrics = await fetchMetrics(rp.baseUrl);
    expect(sampleValue(metrics, 'roadpulse_alerts_total', { event: 'cleared' })).toBe(1);
    expect(sampleValue(metrics, 'roadpulse_alerts_active')).toBe(0);
  });

  it('when the OpenAPI document is read, then each alert route has a summary, a description and an example', async () => {
    const doc = await getOk<{ paths: Record<string, Record<string, { summary?: string; description?: string }>> }>(`${rp.baseUrl}/openapi.json`);
    for (const [path, method] of [['/api/v1/alerts', 'get'], ['/api/v1/alerts/{id}', 'get'], ['/api/v1/alerts/{id}/ack', 'post']] as const) {
      const op = doc.paths[path]?.[method];
      expect(op?.summary, path).toBeTruthy();
      expect(op?.description, path).toBeTruthy();
      expect(JSON.stringify(op), path).toMatch(/"examples?":/);
    }
  });
});

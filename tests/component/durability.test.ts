import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { MqttClient } from 'mqtt';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { mqttTelemetryTopic } from '../../shared/contract/topics.ts';
import { readBusTopic } from '../helpers/bus-file.ts';
import { makeDataDir, startChild, type ChildPipeline } from '../helpers/embedded.ts';
import { getJson, getOk } from '../helpers/http.ts';
import { connect, publishQos1 } from '../helpers/mqtt.ts';
import type { TestReading } from '../helpers/readings.ts';

// DESIGN §2: a QoS 1 PUBACK leaves only once the reading is durably on the bus; a SIGKILL right
// after a PUBACK must not lose that reading. The pipeline runs as a child process (npm start).
vi.setConfig({ testTimeout: 45_000, hookTimeout: 30_000 });

const children: ChildPipeline[] = [];
const dataDirs: string[] = [];

async function start(dataDir: string): Promise<ChildPipeline> {
  const child = await startChild({ dataDir });
  children.push(child);
  return child;
}

afterEach(async () => {
  await Promise.all(children.splice(0).map((c) => c.stop('SIGKILL')));
});
afterAll(() => {
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

/** `perSensor` readings for each sensor, 1 s apart, ending 2 s ago; each reading counts `cars(i)` cars in 1 s. */
function readingsFor(sensorIds: string[], perSensor: number, segmentId: string, base: number): TestReading[] {
  return sensorIds.flatMap((sensorId, s) =>
    Array.from({ length: perSensor }, (_, i) => ({
      sensorId, segmentId, lane: s + 1, ts: base - i * 1_000, intervalS: 1, counts: { car: 1 + (i % 3) }, speedKmh: 40, seq: i,
    })),
  );
}

/** Publishes every reading at QoS 1 (one client per sensor, all in flight at once); resolves on the last PUBACK. */
async function publishAll(mqttUrl: string, readings: TestReading[]): Promise<MqttClient[]> {
  const bySensor = new Map<string, TestReading[]>();
  for (const r of readings) bySensor.set(r.sensorId, [...(bySensor.get(r.sensorId) ?? []), r]);
  const clients = await Promise.all([...bySensor.keys()].map(() => connect(mqttUrl)));
  await Promise.all(
    [...bySensor.values()].map((list, i) => Promise.all(list.map((r) => publishQos1(clients[i]!, mqttTelemetryTopic(r.sensorId), JSON.stringify(r))))),
  );
  return clients;
}

async function acceptedBySensor(baseUrl: string): Promise<Record<string, number>> {
  const { sensors } = await getOk<{ sensors: { sensorId: string; accepted: number }[] }>(`${baseUrl}/api/v1/sensors`);
  return Object.fromEntries(sensors.map((s) => [s.sensorId, s.accepted]));
}

function storedReadingKeys(dataDir: string): string[] {
  const db = new Database(join(dataDir, 'store.sqlite'), { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT sensor_id, ts FROM readings').all() as { sensor_id: string; ts: number }[]).map((r) => `${r.sensor_id}@${r.ts}`);
  } finally {
    db.close();
  }
}

function storedReadings(dataDir: string): number {
  const db = new Database(join(dataDir, 'store.sqlite'), { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT COUNT(*) AS n FROM readings').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

describe('an acknowledged reading is never lost (DESIGN §2)', () => {
  it('when the process is SIGKILLed right after the last PUBACK, then after a restart on the same data dir every reading is queryable', async () => {
    const dataDir = makeDataDir();
    dataDirs.push(dataDir);
    const first = await start(dataDir);
    const base = Math.floor(Date.now() / 1000) * 1000 - 2_000;
    // Single readings, one client per sensor…
    const PER_SENSOR = 100;
    const singles = readingsFor(['dur-1', 'dur-2', 'dur-3'], PER_SENSOR, 'ql13-nb-03', base);
    // …and gateway batches of 500, which leave the writer behind the bus when the kill comes, so
    // the restart has to store from the bus what was acknowledged but not yet stored.
    const GATEWAYS = ['gwd0', 'gwd1', 'gwd2', 'gwd3'];
    // Compact readings, so that 500 of them stay under the 64 KiB payload limit.
    const batches = GATEWAYS.flatMap((gw) =>
      [0, 1].map((k) =>
        Array.from({ length: 500 }, (_, i) => ({ sensorId: `${gw}.s${k}`, segmentId: 'ql13-nb-05', ts: base - i * 1_000, intervalS: 1, counts: { car: 1 } })),
      ),
    );
    for (const batch of batches) expect(Buffer.byteLength(JSON.stringify(batch))).toBeLessThan(64 * 1024);
    const total = singles.length + batches.length * 500;

    const gatewayClients = await Promise.all(GATEWAYS.map(() => connect(first.mqttUrl)));
    const [clients] = await Promise.all([
      publishAll(first.mqttUrl, singles),
      ...batches.map((batch, i) =>
        publishQos1(gatewayClients[Math.floor(i / 2)]!, mqttTelemetryTopic(GATEWAYS[Math.floor(i / 2)]!), JSON.stringify(batch)),
      ),
    ]);
    first.child.kill('SIGKILL'); // as soon as the last PUBACK arrived
    const exit = await first.exited;
    expect(exit.signal).toBe('SIGKILL');
    await Promise.all([...clients, ...gatewayClients].map((c) => c.endAsync(true)));

    // Every acknowledged reading was in a file when the process died: on the bus, or already stored
    // (the bus may drop what the writer has committed).
    const keyOf = (r: { sensorId: string; ts: number | string }) => `${r.sensorId}@${r.ts}`;
    const inFiles = new Set([
      ...readBusTopic(dataDir, 'traffic.telemetry.v1').map((m) => keyOf(JSON.parse(m.value) as TestReading)),
      ...storedReadingKeys(dataDir),
    ]);
    expect(inFiles.size).toBe(total);
    for (const r of [...singles, ...batches.flat()]) expect(inFiles.has(keyOf(r)), keyOf(r)).toBe(true);

    const second = await start(dataDir);
    const expected = Object.fromEntries([
      ...['dur-1', 'dur-2', 'dur-3'].map((id) => [id, PER_SENSOR]),
      ...GATEWAYS.flatMap((gw) => [`${gw}.s0`, `${gw}.s1`].map((id) => [id, 500])),
    ]);
    await expect.poll(() => acceptedBySensor(second.baseUrl), { timeout: 15_000, interval: 100 }).toMatchObject(expected);
    expect(storedReadings(dataDir)).toBe(total);

    /*
     * Window [base + 1 − 5 min, base + 1) holds the 300 single readings. Per sensor: 100 readings of 1 s,
     * cars 1,2,3,1,2,3,… → Σ = 34×1 + 33×2 + 33×3 = 199 cars in 100 s → 199 × 36 = 7164 veh/h;
     * three sensors → 21 492 veh/h (a lost reading changes Σ and O alike, so the count check above matters).
     */
    const at = new Date(base + 1).toISOString();
    const record = await getOk(`${second.baseUrl}/api/v1/segments/ql13-nb-03/congestion?at=${at}`);
    expect(record).toMatchObject({ status: 'ok', sensorsReporting: 3, flowVph: 21_492, speedKmh: 40, lastReadingAt: new Date(base).toISOString() });

    // The restarted process goes on appending after the crash: a new reading is stored too.
    const [c] = await publishAll(second.mqttUrl, [
      { sensorId: 'dur-1', segmentId: 'ql13-nb-03', lane: 1, ts: base + 1_000, intervalS: 1, counts: { car: 1 }, speedKmh: 40 },
    ]);
    await c!.endAsync();
    await expect.poll(async () => (await acceptedBySensor(second.baseUrl))['dur-1'], { timeout: 8_000 }).toBe(PER_SENSOR + 1);
  });

  it('when the process gets SIGTERM, then it stops gracefully (exit 0) and a restart finds the data', async () => {
    const dataDir = makeDataDir();
    dataDirs.push(dataDir);
    const first = await start(dataDir);
    const base = Math.floor(Date.now() / 1000) * 1000 - 2_000;
    const readings = readingsFor(['term-1', 'term-2'], 40, 'ql13-nb-04', base);
    const clients = await publishAll(first.mqttUrl, readings);
    const exit = await first.stop('SIGTERM');
    await Promise.all(clients.map((c) => c.endAsync(true)));
    expect(exit).toEqual({ code: 0, signal: null });
    expect(first.logs.map((l) => l.msg)).toContain('roadpulse stopped');

    const second = await start(dataDir);
    await expect
      .poll(() => acceptedBySensor(second.baseUrl), { timeout: 15_000, interval: 100 })
      .toMatchObject({ 'term-1': 40, 'term-2': 40 });
    const health = await getJson(`${second.baseUrl}/readyz`);
    expect(health.status).toBe(200);
  });
});

import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startInProcess, type InProcessPipeline } from '../helpers/embedded.ts';
import { getJson } from '../helpers/http.ts';
import { connect, publishQos1 } from '../helpers/mqtt.ts';
import { reading } from '../helpers/readings.ts';
import { waitFor } from '../helpers/wait.ts';

// DESIGN §2: the embedded broker is a complete MQTT 3.1.1 broker; ingest only consumes the
// telemetry and status topics.
vi.setConfig({ testTimeout: 15_000, hookTimeout: 30_000 });

interface Received {
  topic: string;
  payload: string;
  qos: number;
  retain: boolean;
}

let rp: InProcessPipeline;
const clients: MqttClient[] = [];

async function client(options: Parameters<typeof connect>[1] = {}): Promise<MqttClient> {
  const c = await connect(rp.mqttUrl, options);
  clients.push(c);
  return c;
}

/** Subscribes and collects every message it gets. */
async function subscriber(filter: string, qos: 0 | 1): Promise<{ client: MqttClient; received: Received[] }> {
  const c = await client();
  const received: Received[] = [];
  c.on('message', (topic, payload, packet) => received.push({ topic, payload: payload.toString(), qos: packet.qos, retain: packet.retain }));
  const [grant] = await c.subscribeAsync(filter, { qos });
  expect(grant?.qos).toBe(qos); // [MQTT-3.9.3] granted QoS
  return { client: c, received };
}

beforeAll(async () => {
  rp = await startInProcess();
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
});
afterAll(async () => {
  await rp?.close();
});

describe('the embedded MQTT broker (DESIGN §2)', () => {
  it.each([0, 1] as const)('when a client publishes on an arbitrary topic at QoS %i, then a subscriber gets it at that QoS', async (qos) => {
    const topic = `city/lights/${qos}/junction-42`;
    const sub = await subscriber('city/lights/#', qos);
    const pub = await client();
    await pub.publishAsync(topic, `green-${qos}`, { qos });
    const [message] = await waitFor(() => (sub.received.length > 0 ? sub.received : undefined), { what: 'message delivered' });
    expect(message).toEqual({ topic, payload: `green-${qos}`, qos, retain: false });
  });

  it('when a message was retained, then a later subscriber gets it with the retain flag', async () => {
    const pub = await client();
    await publishQos1(pub, 'city/notices/bridge', 'Cầu Ông Bố closed 22:00–05:00');
    await pub.publishAsync('city/notices/ferry', 'Bến đò Bình Mỹ open', { qos: 1, retain: true });
    const sub = await subscriber('city/notices/+', 1);
    const [message] = await waitFor(() => (sub.received.length > 0 ? sub.received : undefined), { what: 'retained message delivered' });
    // Only the retained one: the other was published before the subscription and not retained.
    expect(message).toEqual({ topic: 'city/notices/ferry', payload: 'Bến đò Bình Mỹ open', qos: 1, retain: true });
    expect(sub.received).toHaveLength(1);
  });

  it('when a sensor socket dies, then its last will {"state":"offline"} reaches subscribers and the sensor view shows offline', async () => {
    const sensorId = 'lw-1';
    const statusTopic = `traffic/v1/${sensorId}/status`;
    const watcher = await subscriber(statusTopic, 1);
    const sensor = await client({
      clientId: 'lw-1-client',
      will: { topic: statusTopic, payload: Buffer.from('{"state":"offline"}'), qos: 1, retain: true },
    });
    await sensor.publishAsync(statusTopic, '{"state":"online","fw":"2.1.0"}', { qos: 1, retain: true });
    await expect
      .poll(async () => (await getJson(`${rp.baseUrl}/api/v1/sensors/${sensorId}`)).body.state, { timeout: 8_000 })
      .toBe('online');

    sensor.stream.destroy(); // no DISCONNECT packet: the broker must publish the will [MQTT-3.1.2-8]

    const offline = await waitFor(
      () => watcher.received.find((m) => m.payload === '{"state":"offline"}'),
      { what: 'last will delivered' },
    );
    expect(offline.topic).toBe(statusTopic);
    await expect
      .poll(async () => (await getJson(`${rp.baseUrl}/api/v1/sensors/${sensorId}`)).body.state, { timeout: 8_000 })
      .toBe('offline');
    // The will was retained: a dashboard that connects later learns the sensor is offline.
    const late = await subscriber(statusTopic, 1);
    const [retained] = await waitFor(() => (late.received.length > 0 ? late.received : undefined), { what: 'retained will' });
    expect(retained).toMatchObject({ payload: '{"state":"offline"}', retain: true });
  });

  it('when a client disconnects cleanly, then its last will is not published', async () => {
    const statusTopic = 'traffic/v1/lw-2/status';
    const watcher = await subscriber(statusTopic, 1);
    const sensor = await connect(rp.mqttUrl, { clientId: 'lw-2-client', will: { topic: statusTopic, payload: Buffer.from('{"state":"offline"}'), qos: 1, retain: false } });
    await sensor.endAsync(); // DISCONNECT: the will is discarded [MQTT-3.14.4-3]
    // A marker published afterwards on the same topic arrives; if the will had gone out it would come first.
    const pub = await client();
    await publishQos1(pub, statusTopic, '{"state":"degraded"}');
    await waitFor(() => watcher.received.length > 0, { what: 'marker delivered' });
    expect(watcher.received.map((m) => m.payload)).toEqual(['{"state":"degraded"}']);
  });

  it('when a sensor publishes telemetry, then subscribers of the telemetry topics get it too, and it is stored', async () => {
    const sub = await subscriber('traffic/v1/+/telemetry', 1);
    const r = reading({ sensorId: 'fw-1', segmentId: 'vvk-nb-01' });
    const pub = await client();
    await publishQos1(pub, 'traffic/v1/fw-1/telemetry', JSON.stringify(r));
    const [message] = await waitFor(() => (sub.received.length > 0 ? sub.received : undefined), { what: 'telemetry forwarded' });
    expect(message).toMatchObject({ topic: 'traffic/v1/fw-1/telemetry', qos: 1 });
    expect(JSON.parse(message!.payload)).toEqual(r);
    await expect
      .poll(async () => (await getJson(`${rp.baseUrl}/api/v1/sensors/fw-1`)).body.accepted, { timeout: 8_000 })
      .toBe(1);
  });

  it('when a persistent session (clean=false) was offline, then its QoS 1 messages are delivered on reconnect', async () => {
    const clientId = 'ps-1-client';
    const first = await connect(rp.mqttUrl, { clientId, clean: false });
    await first.subscribeAsync('city/alerts/+', { qos: 1 });
    await first.endAsync();

    const pub = await client();
    await publishQos1(pub, 'city/alerts/flood', 'Ngập đường Yersin');

    // Listen before the CONNACK so nothing queued is missed.
    const received: Received[] = [];
    const again = mqtt.connect(rp.mqttUrl, { clientId, clean: false, reconnectPeriod: 0 });
    clients.push(again);
    again.on('message', (topic, payload, packet) => received.push({ topic, payload: payload.toString(), qos: packet.qos, retain: packet.retain }));
    const connack = await new Promise<{ sessionPresent: boolean }>((resolve, reject) => {
      again.once('connect', resolve);
      again.once('error', reject);
    });
    expect(connack.sessionPresent).toBe(true); // [MQTT-3.2.2-2]
    const [message] = await waitFor(() => (received.length > 0 ? received : undefined), { what: 'queued message delivered' });
    expect(message).toMatchObject({ topic: 'city/alerts/flood', payload: 'Ngập đường Yersin', qos: 1 });
  });

  it('when a sensor publishes telemetry at QoS 0, then it is accepted and stored too', async () => {
    const pub = await client();
    const r = reading({ sensorId: 'q0-1', segmentId: 'vvk-sb-01' });
    await pub.publishAsync('traffic/v1/q0-1/telemetry', JSON.stringify(r), { qos: 0 });
    await expect
      .poll(async () => (await getJson(`${rp.baseUrl}/api/v1/sensors/q0-1`)).body.accepted, { timeout: 8_000 })
      .toBe(1);
  });
});

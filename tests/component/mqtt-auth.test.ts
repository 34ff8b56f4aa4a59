import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { IClientOptions, MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCredentialsCli } from '../../services/ingest/credentials-cli.ts';
import { makeDataDir, startInProcess, type InProcessPipeline } from '../helpers/embedded.ts';
import { getJson } from '../helpers/http.ts';
import { fetchMetrics, sampleValue } from '../helpers/metrics.ts';
import { connect, publishQos1 } from '../helpers/mqtt.ts';
import { rawConnect } from '../helpers/mqtt-raw.ts';
import { reading } from '../helpers/readings.ts';
import { waitFor } from '../helpers/wait.ts';

// Issue 13 items 1–3, README "MQTT security": accounts from the credentials file, the topic ACL,
// refusals logged and counted; real clients (mqtt.js, mosquitto_pub, raw CONNECT) over TCP.
vi.setConfig({ testTimeout: 20_000, hookTimeout: 30_000 });
const run = promisify(execFile);

const PASSWORDS = { 'ma-s1': 'sensor-one-pw', 'ma-s2': 'sensor-two-pw', 'ma-gw': 'gateway-pw-7', 'ma-ops': 'operator-pw-9' } as const;
type Account = keyof typeof PASSWORDS;

const keyDir = makeDataDir('roadpulse-cred-');
const credentialsFile = join(keyDir, 'mqtt-credentials.json');
let rp: InProcessPipeline;
const clients: MqttClient[] = [];

async function as(account: Account | null, options: IClientOptions = {}): Promise<MqttClient> {
  const auth = account ? { username: account, password: PASSWORDS[account], clientId: account } : {};
  const c = await connect(rp.mqttUrl, { ...auth, ...options });
  clients.push(c);
  return c;
}

/** The CONNACK return code of a refused CONNECT (mqtt.js rejects with it as `code`). */
async function refusedCode(options: IClientOptions): Promise<number> {
  const err = await connect(rp.mqttUrl, options).then(
    (c) => {
      clients.push(c);
      return new Error('connected');
    },
    (e: unknown) => e as Error & { code?: number },
  );
  return (err as { code?: number }).code ?? -1;
}

/** Granted QoS per filter, 0x80 for a refused one (mqtt.js rejects then, with the SUBACK on the error). */
async function suback(client: MqttClient, filters: string[]): Promise<number[]> {
  try {
    const granted = await client.subscribeAsync(filters, { qos: 1 });
    return granted.map((g) => g.qos);
  } catch (err) {
    const packet = (err as { packet?: { granted?: number[] } }).packet;
    if (packet?.granted) return packet.granted;
    throw err;
  }
}

/** Publishes at QoS 1 and expects the broker to close the connection without a PUBACK [MQTT-3.3.5-2]. */
async function expectClosedWithoutPuback(client: MqttClient, topic: string, payload: string): Promise<void> {
  let acked = false;
  const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
  client.publish(topic, payload, { qos: 1 }, (err) => {
    if (!err) acked = true;
  });
  await closed;
  expect(acked).toBe(false);
}

const refusals = async (reason: string): Promise<number> =>
  sampleValue(await fetchMetrics(rp.baseUrl), 'roadpulse_mqtt_refusals_total', { reason }) ?? Number.NaN;

const sensorView = async (id: string) => (await getJson(`${rp.baseUrl}/api/v1/sensors/${id}`)).body as { accepted?: number };

beforeAll(async () => {
  await runCredentialsCli(['add', 'ma-s1', '--role', 'sensor', '--password', PASSWORDS['ma-s1'], '--file', credentialsFile]);
  await runCredentialsCli(['add', 'ma-s2', '--role', 'sensor', '--password', PASSWORDS['ma-s2'], '--file', credentialsFile]);
  await runCredentialsCli(['add', 'ma-gw', '--role', 'gateway', '--password', PASSWORDS['ma-gw'], '--file', credentialsFile]);
  await runCredentialsCli(['add', 'ma-ops', '--role', 'operator', '--password', PASSWORDS['ma-ops'], '--file', credentialsFile]);
  rp = await startInProcess({ env: { ROADPULSE_MQTT_CREDENTIALS_FILE: credentialsFile } });
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
});
afterAll(async () => {
  await rp?.close();
});

describe('MQTT authentication with a credentials file (anonymous off by default)', () => {
  it('when the password is wrong, then CONNACK 0x04 and the refusal is counted', async () => {
    const before = await refusals('bad_credentials');
    expect(await refusedCode({ username: 'ma-s1', password: 'not-the-password', clientId: 'ma-s1' })).toBe(4);
    expect(await refusedCode({ username: 'nobody', password: 'whatever-pw', clientId: 'nobody' })).toBe(4);
    expect(await refusedCode({ username: 'ma-s1', clientId: 'ma-s1' })).toBe(4); // a user name, no password
    expect(await refusals('bad_credentials')).toBe(before + 3);
  });

  it('when no credentials are given, then CONNACK 0x05 (not authorized)', async () => {
    const before = await refusals('anonymous');
    expect(await refusedCode({})).toBe(5);
    expect(await refusals('anonymous')).toBe(before + 1);
  });

  it('when a sensor publishes on its own topic, then the PUBACK comes and the reading is stored', async () => {
    const s1 = await as('ma-s1');
    await publishQos1(s1, 'traffic/v1/ma-s1/telemetry', JSON.stringify(reading({ sensorId: 'ma-s1' })));
    await expect.poll(async () => (await sensorView('ma-s1')).accepted, { timeout: 8_000 }).toBe(1);
  });

  it("when a sensor publishes on another sensor's topic, then the connection is closed without PUBACK and nothing is stored", async () => {
    const before = await refusals('publish_topic');
    const s1 = await as('ma-s1', { clientId: 'ma-s1:spoof' });
    await expectClosedWithoutPuback(s1, 'traffic/v1/ma-s2/telemetry', JSON.stringify(reading({ sensorId: 'ma-s2' })));
    expect(await refusals('publish_topic')).toBe(before + 1);
    // The reading never reached the bus: ma-s2 has no accepted reading.
    const view = await getJson(`${rp.baseUrl}/api/v1/sensors/ma-s2`);
    expect(view.status === 404 || (view.body as { accepted?: number }).accepted === 0).toBe(true);
  });

  it('when a sensor subscribes to #, $SYS/#, all telemetry or another sensor, then SUBACK 0x80 for those only', async () => {
    const before = await refusals('subscribe_topic');
    const s1 = await as('ma-s1');
    const granted = await suback(s1, ['#', '$SYS/#', 'traffic/v1/+/telemetry', 'traffic/v1/ma-s2/#', 'traffic/v1/ma-s1/config']);
    expect(granted).toEqual([0x80, 0x80, 0x80, 0x80, 1]);
    expect(await refusals('subscribe_topic')).toBe(before + 4);
    // The connection stays up after a refused subscription.
    await publishQos1(s1, 'traffic/v1/ma-s1/status', '{"state":"online"}');
  });

  it("when a device uses another device's client id, then CONNACK 0x02 (it cannot take over that session)", async () => {
    expect(await refusedCode({ username: 'ma-s1', password: PASSWORDS['ma-s1'], clientId: 'ma-s2' })).toBe(2);
    expect(await refusedCode({ username: 'ma-s1', password: PASSWORDS['ma-s1'], clientId: 'ma-s1x' })).toBe(2);
  });

  it("when a device's will is on another device's topic, then CONNACK 0x05", async () => {
    const will = { topic: 'traffic/v1/ma-s2/status', payload: Buffer.from('{"state":"offline"}'), qos: 1 as const, retain: true };
    expect(await refusedCode({ username: 'ma-s1', password: PASSWORDS['ma-s1'], clientId: 'ma-s1', will })).toBe(5);
  });

  it('when a gateway publishes for itself and its {gatewayId}.{local} sensors, then allowed; for another sensor, then refused', async () => {
    const gw = await as('ma-gw');
    const batch = [reading({ sensorId: 'ma-gw.l1', lane: 1 }), reading({ sensorId: 'ma-gw.l2', lane: 2 })];
    await publishQos1(gw, 'traffic/v1/ma-gw/telemetry', JSON.stringify(batch));
    await publishQos1(gw, 'traffic/v1/ma-gw.l1/status', '{"state":"online"}');
    expect(await suback(gw, ['traffic/v1/ma-gw.l1/config', 'traffic/v1/ma-s1/#'])).toEqual([1, 0x80]);
    await expect.poll(async () => (await sensorView('ma-gw.l2')).accepted, { timeout: 8_000 }).toBe(1);
    await expectClosedWithoutPuback(gw, 'traffic/v1/ma-s1/telemetry', JSON.stringify(reading({ sensorId: 'ma-s1' })));
  });

  it("when an operator subscribes to # and $SYS/#, then both are granted and it gets a sensor's telemetry", async () => {
    const ops = await as('ma-ops');
    expect(await suback(ops, ['#', '$SYS/#'])).toEqual([1, 1]);
    const got = new Promise<string>((resolve) => ops.on('message', (topic) => topic.startsWith('traffic/v1/ma-s2/') && resolve(topic)));
    const s2 = await as('ma-s2');
    await publishQos1(s2, 'traffic/v1/ma-s2/telemetry', JSON.stringify(reading({ sensorId: 'ma-s2' })));
    expect(await got).toBe('traffic/v1/ma-s2/telemetry');
    // test/nosubscribe is refused even for operators (Paho's refused-subscription test).
    expect(await suback(ops, ['test/nosubscribe'])).toEqual([0x80]);
  });

  it('when the client id is empty with a persistent session, then CONNACK 0x02 [MQTT-3.1.3-8]; with a clean session, then accepted', async () => {
    const auth = { username: 'ma-s1', password: PASSWORDS['ma-s1'] };
    const before = await refusals('zero_length_client_id');
    expect(await rawConnect(rp.mqttPort, { ...auth, clientId: '', clean: false })).toMatchObject({ returnCode: 2, closedByBroker: true });
    expect(await rawConnect(rp.mqttPort, { ...auth, clientId: '', clean: true })).toMatchObject({ returnCode: 0 });
    expect(await refusals('zero_length_client_id')).toBe(before + 1);
  });

  it('when mosquitto_pub sends with -u/-P, then the reading is stored; with a wrong -P, then it is refused', async () => {
    const args = ['-h', '127.0.0.1', '-p', String(rp.mqttPort), '-q', '1', '-i', 'ma-s2', '-u', 'ma-s2', '-t', 'traffic/v1/ma-s2/telemetry'];
    const message = JSON.stringify(reading({ sensorId: 'ma-s2', segmentId: 'cmt8-nb-01' }));
    const before = (await sensorView('ma-s2')).accepted ?? 0;
    await run('mosquitto_pub', [...args, '-P', PASSWORDS['ma-s2'], '-m', message], { timeout: 10_000 });
    await expect.poll(async () => (await sensorView('ma-s2')).accepted, { timeout: 8_000 }).toBe(before + 1);
    const wrong = await run('mosquitto_pub', [...args, '-P', 'wrong-password', '-m', message], { timeout: 10_000 }).then(
      () => null,
      (err: { code?: number; stderr?: string }) => err,
    );
    expect(wrong?.code).not.toBe(0);
    expect(wrong?.stderr).toMatch(/not authori[sz]ed|bad user name or password/i);
  });
});

describe('reloading the credentials file without a restart', () => {
  it('when an account is added with the CLI, then it can connect; when removed, then its connection is refused at the next publish', async () => {
    expect(await refusedCode({ username: 'ma-new', password: 'new-sensor-pw', clientId: 'ma-new' })).toBe(4);
    await runCredentialsCli(['add', 'ma-new', '--role', 'sensor', '--password', 'new-sensor-pw', '--file', credentialsFile]);
    const fresh = await waitFor(() => connect(rp.mqttUrl, { username: 'ma-new', password: 'new-sensor-pw', clientId: 'ma-new' }), {
      what: 'the added account connects',
      timeoutMs: 5_000,
      intervalMs: 100,
    });
    clients.push(fresh);
    await publishQos1(fresh, 'traffic/v1/ma-new/status', '{"state":"online"}');

    const before = await refusals('credentials_revoked');
    await runCredentialsCli(['remove', 'ma-new', '--file', credentialsFile]);
    await waitFor(async () => (await refusedCode({ username: 'ma-new', password: 'new-sensor-pw', clientId: 'ma-new:2' })) === 4, {
      what: 'the removed account is refused',
      intervalMs: 100,
    });
    await expectClosedWithoutPuback(fresh, 'traffic/v1/ma-new/status', '{"state":"online"}');
    expect(await refusals('credentials_revoked')).toBe(before + 1);
  });
});

describe('mixed mode: ROADPULSE_MQTT_ALLOW_ANONYMOUS=true with a credentials file', () => {
  let mixed: InProcessPipeline;
  beforeAll(async () => {
    mixed = await startInProcess({ env: { ROADPULSE_MQTT_CREDENTIALS_FILE: credentialsFile, ROADPULSE_MQTT_ALLOW_ANONYMOUS: 'true' } });
  });
  afterAll(async () => {
    await mixed?.close();
  });

  it('when an anonymous client publishes for a sensor without an account, then accepted; for one with an account, then refused', async () => {
    const anonymous = await connect(mixed.mqttUrl);
    clients.push(anonymous);
    await publishQos1(anonymous, 'traffic/v1/ma-open/telemetry', JSON.stringify(reading({ sensorId: 'ma-open' })));
    expect(await suback(anonymous, ['#'])).toEqual([1]); // today's open-broker rules
    await expectClosedWithoutPuback(anonymous, 'traffic/v1/ma-s1/telemetry', JSON.stringify(reading({ sensorId: 'ma-s1' })));
  });

  it("when an anonymous client takes an account's client id, then CONNACK 0x02; a wrong password is still refused", async () => {
    const code = await connect(mixed.mqttUrl, { clientId: 'ma-s1' }).then(
      (c) => (clients.push(c), 0),
      (e: { code?: number }) => e.code ?? -1,
    );
    expect(code).toBe(2);
    const wrong = await connect(mixed.mqttUrl, { username: 'ma-s1', password: 'wrong-password', clientId: 'ma-s1' }).then(
      (c) => (clients.push(c), 0),
      (e: { code?: number }) => e.code ?? -1,
    );
    expect(wrong).toBe(4);
  });
});

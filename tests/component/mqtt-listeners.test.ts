import { execFile } from 'node:child_process';
import { copyFileSync, rmSync, writeFileSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mqttTelemetryTopic } from '../../shared/contract/topics.ts';
import { makeDataDir, runMain, startInProcess, testEnv, type InProcessPipeline } from '../helpers/embedded.ts';
import { freePort } from '../helpers/free-port.ts';
import { fetchMetrics, sampleValue } from '../helpers/metrics.ts';
import { connect, publishQos1 } from '../helpers/mqtt.ts';
import { reading } from '../helpers/readings.ts';
import { makeTestCerts, pem, type TestCerts } from '../helpers/tls-certs.ts';
import { waitFor } from '../helpers/wait.ts';

// DESIGN §2 and issue 13 item 4: optional TLS and WebSocket listeners of the embedded broker,
// certificate reload without a restart, client certificates, HTTPS for the API.
vi.setConfig({ testTimeout: 20_000, hookTimeout: 30_000 });

const certDir = makeDataDir('roadpulse-certs-');
let certs: TestCerts;
/** The listener's files: copies, so the reload test can overwrite them. */
const liveCert = join(certDir, 'live.crt');
const liveKey = join(certDir, 'live.key');

beforeAll(() => {
  certs = makeTestCerts(certDir);
  copyFileSync(certs.server.cert, liveCert);
  copyFileSync(certs.server.key, liveKey);
});
afterAll(() => rmSync(certDir, { recursive: true, force: true }));

const execFileAsync = promisify(execFile);

/** SHA-256 fingerprint of the certificate a TLS listener presents now. */
function presentedFingerprint(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, ca: pem(certs.caCert), servername: 'localhost' }, () => {
      resolve(socket.getPeerCertificate().fingerprint256);
      socket.destroy();
    });
    socket.once('error', reject);
  });
}

describe('TLS and WebSocket listeners', () => {
  let rp: InProcessPipeline;
  let tlsPort: number;
  let wsPort: number;

  beforeAll(async () => {
    [tlsPort, wsPort] = [await freePort(), await freePort()];
    rp = await startInProcess({
      env: {
        ROADPULSE_MQTT_TLS_PORT: String(tlsPort),
        ROADPULSE_MQTT_TLS_CERT_FILE: liveCert,
        ROADPULSE_MQTT_TLS_KEY_FILE: liveKey,
        ROADPULSE_MQTT_WS_PORT: String(wsPort),
      },
    });
  });
  afterAll(async () => {
    await rp?.close();
  });

  it('when a client publishes over TLS, then it gets its PUBACK, and a WebSocket subscriber (ws://…/mqtt) receives what is published over TLS', async () => {
    const ws = await connect(`ws://127.0.0.1:${wsPort}/mqtt`);
    const received: string[] = [];
    ws.on('message', (_topic, payload) => received.push(payload.toString()));
    await ws.subscribeAsync('roundtrip/#', { qos: 1 });
    const tls = await connect(`mqtts://127.0.0.1:${tlsPort}`, { ca: pem(certs.caCert) });
    const r = reading({ sensorId: 'tls-sensor-1' });
    await publishQos1(tls, mqttTelemetryTopic(r.sensorId), JSON.stringify(r)); // the PUBACK: ingest put it on the bus
    await publishQos1(tls, 'roundtrip/a', 'over-tls');
    await waitFor(() => received.includes('over-tls'), { what: 'WebSocket subscriber got the TLS message' });
    await Promise.all([tls.endAsync(), ws.endAsync()]);
  });

  it('when a client publishes telemetry over WebSocket, then it gets its PUBACK', async () => {
    const ws = await connect(`ws://127.0.0.1:${wsPort}/mqtt`);
    const r = reading({ sensorId: 'ws-sensor-1' });
    await publishQos1(ws, mqttTelemetryTopic(r.sensorId), JSON.stringify(r));
    await ws.endAsync();
  });

  it('when mosquitto_pub publishes at QoS 1 over TLS with the CA, then it exits 0', async () => {
    const r = reading({ sensorId: 'tls-mosq-1' });
    const { stderr } = await execFileAsync('mosquitto_pub', [
      '-h', 'localhost', '-p', String(tlsPort), '--cafile', certs.caCert, '-q', '1', '-i', 'tls-mosq-1',
      '-t', mqttTelemetryTopic(r.sensorId), '-m', JSON.stringify(r),
    ], { timeout: 10_000 });
    expect(stderr).toBe('');
  });

  it('when the certificate and key files are replaced, then new TLS connections get the new certificate without a restart', async () => {
    const before = await presentedFingerprint(tlsPort);
    const reloads = async (): Promise<number> => sampleValue(await fetchMetrics(rp.baseUrl), 'roadpulse_tls_reloads_total', { listener: 'mqtt', result: 'ok' }) ?? 0;
    const reloadsBefore = await reloads();
    copyFileSync(certs.server2.key, liveKey);
    copyFileSync(certs.server2.cert, liveCert);
    await waitFor(async () => (await reloads()) > reloadsBefore, { timeoutMs: 10_000, what: 'TLS reload' });
    const after = await presentedFingerprint(tlsPort);
    expect(after).not.toBe(before);
    const tls = await connect(`mqtts://127.0.0.1:${tlsPort}`, { ca: pem(certs.caCert) });
    await publishQos1(tls, 'roundtrip/after-reload', 'x');
    await tls.endAsync();
  });

  it('when a WebSocket client sends a packet over the size limit, then the connection is closed (by the guard, or by ws for a frame over its maxPayload) and counted once', async () => {
    const count = async (): Promise<number> => sampleValue(await fetchMetrics(rp.baseUrl), 'roadpulse_mqtt_limit_refusals_total', { reason: 'packet_too_large' }) ?? 0;
    const before = await count();
    const ws = await connect(`ws://127.0.0.1:${wsPort}/mqtt`);
    const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
    ws.publish('big/one', Buffer.alloc(200 * 1024, 0x61), { qos: 0 });
    await closed;
    await waitFor(async () => (await count()) === before + 1, { what: 'packet_too_large counted' });
    ws.end(true);
  });

  it('when a plain HTTP request reaches the WebSocket port, then it gets 426 Upgrade Required', async () => {
    const res = await fetch(`http://127.0.0.1:${wsPort}/mqtt`);
    expect(res.status).toBe(426);
  });
});

describe('client certificates and HTTPS for the API', () => {
  let rp: InProcessPipeline;
  let tlsPort: number;

  beforeAll(async () => {
    tlsPort = await freePort();
    rp = await startInProcess({
      env: {
        ROADPULSE_MQTT_TLS_PORT: String(tlsPort),
        ROADPULSE_MQTT_TLS_CERT_FILE: certs.server.cert,
        ROADPULSE_MQTT_TLS_KEY_FILE: certs.server.key,
        ROADPULSE_MQTT_TLS_CA_FILE: certs.caCert,
        ROADPULSE_HTTP_TLS_CERT_FILE: certs.server.cert,
        ROADPULSE_HTTP_TLS_KEY_FILE: certs.server.key,
      },
    });
  });
  afterAll(async () => {
    await rp?.close();
  });

  it('when a CA is configured, then a TLS client without a certificate is refused and one with a certificate the CA signed gets in', async () => {
    await expect(connect(`mqtts://127.0.0.1:${tlsPort}`, { ca: pem(certs.caCert), connectTimeout: 3_000 })).rejects.toThrow();
    const device = await connect(`mqtts://127.0.0.1:${tlsPort}`, { ca: pem(certs.caCert), cert: pem(certs.client.cert), key: pem(certs.client.key) });
    await publishQos1(device, 'devices/dev-1/hello', 'x');
    await device.endAsync();
  });

  it('when HTTPS is configured, then the API answers over TLS', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      httpsGet({ host: '127.0.0.1', port: rp.httpPort, path: '/healthz', ca: pem(certs.caCert), servername: 'localhost' }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).once('error', reject);
    });
    expect(status).toBe(200);
  });
});

describe('listener configuration errors stop start-up naming the variable', () => {
  const dataDir = makeDataDir();
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
  const env = (extra: Record<string, string>) => testEnv(dataDir, { ROADPULSE_LOG_LEVEL: 'info', ...extra });

  it.each([
    ['does not exist', () => join(certDir, 'missing.crt'), /cannot read the file: ENOENT/],
    ['is not PEM', () => (writeFileSync(join(certDir, 'garbage.crt'), 'not a certificate\n'), join(certDir, 'garbage.crt')), /not a PEM file/],
  ])('when the certificate file %s, then the process exits 2 naming ROADPULSE_MQTT_TLS_CERT_FILE and the rule', async (_what, file, rule) => {
    const path = file();
    const result = await runMain(env({ ROADPULSE_MQTT_TLS_PORT: '0', ROADPULSE_MQTT_TLS_CERT_FILE: path, ROADPULSE_MQTT_TLS_KEY_FILE: certs.server.key }));
    expect(result.code).toBe(2);
    const line = result.stderr.split('\n').find((l) => l.includes('ROADPULSE_MQTT_TLS_CERT_FILE'));
    expect(line).toContain(JSON.stringify(path));
    expect(line).toMatch(rule);
  });

  it('when a TLS port is set without certificate and key, then start-up fails naming both variables', async () => {
    const result = await runMain(env({ ROADPULSE_MQTT_TLS_PORT: '0' }));
    expect(result.code).not.toBe(0);
    expect(result.code).not.toBeNull();
    expect(result.stdout + result.stderr).toMatch(/ROADPULSE_MQTT_TLS_CERT_FILE and ROADPULSE_MQTT_TLS_KEY_FILE are required/);
    expect(result.stdout).not.toContain('roadpulse embedded pipeline running');
  });
});

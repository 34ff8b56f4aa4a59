import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, type Server } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { Aedes } from 'aedes';
import mqtt, { type MqttClient } from 'mqtt';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MqttAccess } from '../../services/ingest/mqtt-auth.ts';
import { runCredentialsCli } from '../../services/ingest/credentials-cli.ts';
import { createMetrics } from '../../shared/metrics/metrics.ts';
import { makeDataDir } from '../helpers/embedded.ts';
import { publishQos1 } from '../helpers/mqtt.ts';

// README "MQTT security", TLS client certificates: CN = account id. The TLS listener of the
// embedded broker is another piece of work (issue 13 item 4); this test puts the same access hooks
// on an aedes broker behind a TLS server of its own, with certificates made here by openssl.
vi.setConfig({ testTimeout: 20_000, hookTimeout: 30_000 });

const dir = makeDataDir('roadpulse-tls-');
const file = (name: string) => join(dir, name);
const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });

/** A P-256 key and a certificate for `cn`, signed by the test CA (or self-signed). */
function certificate(name: string, cn: string, options: { selfSigned?: boolean; san?: string } = {}): void {
  openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
  const ext = file(`${name}.ext`);
  execFileSync('sh', ['-c', `printf '%s\\n' '${options.san ? `subjectAltName=${options.san}` : 'basicConstraints=CA:FALSE'}' > '${ext}'`]);
  const signer = options.selfSigned ? ['-signkey', `${name}.key`] : ['-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial'];
  openssl('x509', '-req', '-in', `${name}.csr`, ...signer, '-out', `${name}.crt`, '-days', '1', '-extfile', ext);
}

let server: Server;
let broker: Aedes;
let access: MqttAccess;
let port: number;
const metrics = createMetrics();

function connectTls(client: string, options: mqtt.IClientOptions = {}): Promise<MqttClient> {
  return mqtt.connectAsync(`mqtts://127.0.0.1:${port}`, {
    ca: readFileSync(file('ca.crt')),
    cert: readFileSync(file(`${client}.crt`)),
    key: readFileSync(file(`${client}.key`)),
    clientId: 'cam-3',
    reconnectPeriod: 0,
    connectTimeout: 5_000,
    ...options,
  });
}

const refusedCode = (client: string, options: mqtt.IClientOptions = {}): Promise<number> =>
  connectTls(client, options).then(
    async (c) => {
      await c.endAsync(true);
      return 0;
    },
    (err: { code?: number }) => err.code ?? -1,
  );

beforeAll(async () => {
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-subj', '/CN=roadpulse-test-ca', '-days', '1');
  certificate('server', '127.0.0.1', { san: 'IP:127.0.0.1' });
  certificate('cam-3', 'cam-3');
  certificate('stranger', 'tls-unknown');
  certificate('forged', 'cam-3', { selfSigned: true });

  const credentials = file('mqtt-credentials.json');
  await runCredentialsCli(['add', 'cam-3', '--role', 'sensor', '--cert-only', '--file', credentials]);
  await runCredentialsCli(['add', 'tls-pw', '--role', 'sensor', '--password', 'tls-password', '--file', credentials]);
  access = MqttAccess.start({ credentialsFile: credentials, allowAnonymous: false, host: '127.0.0.1', log: pino({ level: 'silent' }), metrics });
  broker = await Aedes.createBroker({
    preConnect: (client, packet, callback) => access.preConnect(client, packet, callback),
    authenticate: (client, username, password, callback) => access.authenticate(client, username, password, callback),
    authorizeSubscribe: (client, sub, callback) => access.authorizeSubscribe(client, sub, callback),
    authorizePublish: (client, packet, callback) => callback(access.authorizePublish(client, packet.topic)),
  });
  // Verify client certificates against the CA, but let unverified ones through to MQTT: there they must not count.
  server = createServer(
    { key: readFileSync(file('server.key')), cert: readFileSync(file('server.crt')), ca: readFileSync(file('ca.crt')), requestCert: true, rejectUnauthorized: false },
    (socket) => broker.handle(socket),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  access?.close();
  await new Promise<void>((resolve) => (broker ? broker.close(() => resolve()) : resolve()));
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  rmSync(dir, { recursive: true, force: true });
});

describe('TLS client certificates as MQTT identity (CN = account id)', () => {
  it('when a CA-signed certificate names a certificate-only account, then it connects without a password and the ACL of that sensor applies', async () => {
    const cam = await connectTls('cam-3');
    await publishQos1(cam, 'traffic/v1/cam-3/status', '{"state":"online"}');
    const closed = new Promise<void>((resolve) => cam.once('close', () => resolve()));
    cam.publish('traffic/v1/cam-4/status', '{"state":"online"}', { qos: 1 });
    await closed;
    await cam.endAsync(true);
  });

  it('when a CA-signed certificate names no account, then CONNACK 0x04', async () => {
    expect(await refusedCode('stranger', { clientId: 'tls-unknown' })).toBe(4);
  });

  it('when the certificate is valid but the user name names another account, then CONNACK 0x04', async () => {
    expect(await refusedCode('cam-3', { username: 'tls-pw', password: 'tls-password' })).toBe(4);
  });

  it('when the certificate is not signed by the CA, then its CN counts for nothing: refused without credentials, accepted with a password', async () => {
    expect(await refusedCode('forged')).toBe(5);
    expect(await refusedCode('forged', { clientId: 'tls-pw', username: 'tls-pw', password: 'tls-password' })).toBe(0);
  });
});

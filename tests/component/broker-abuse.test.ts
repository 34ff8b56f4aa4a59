import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mqttTelemetryTopic } from '../../shared/contract/topics.ts';
import { makeDataDir, startChild, type ChildPipeline } from '../helpers/embedded.ts';
import { fetchMetrics, sampleValue } from '../helpers/metrics.ts';
import { connect, publishQos1, publishReading } from '../helpers/mqtt.ts';
import { rawConnect, rawMqttClient, rssMiB, within, type RawClient } from '../helpers/raw-mqtt.ts';
import { reading } from '../helpers/readings.ts';
import { waitFor } from '../helpers/wait.ts';

// Issue 13 "Broker abuse on a raw socket": a packet over the limit, a topic of 200 levels, 1,000
// sockets that never send CONNECT, a subscriber that never reads, malformed packets. The broker
// and every other client keep working, and the pipeline's resident memory stays under the bound
// the README states. The pipeline runs as a child process (npm start) so its RSS is its own.
vi.setConfig({ testTimeout: 20_000, hookTimeout: 30_000 });

/** The README's bound for the embedded pipeline with these limits (base + per-connection worst case × connections). */
const RSS_BOUND_MIB = 400;
const CONNECT_TIMEOUT_S = 1;
const DRAIN_TIMEOUT_S = 2;
const PER_ADDRESS = 100;
const MAX_PACKET = 69_632; // the default

const dataDir = makeDataDir();
let rp: ChildPipeline;
let pid: number;
let peakRss = 0;
let sampler: NodeJS.Timeout | undefined;
const raws: RawClient[] = [];

beforeAll(async () => {
  rp = await startChild({
    dataDir,
    env: {
      ROADPULSE_MQTT_CONNECT_TIMEOUT_S: String(CONNECT_TIMEOUT_S),
      ROADPULSE_MQTT_DRAIN_TIMEOUT_S: String(DRAIN_TIMEOUT_S),
      ROADPULSE_MQTT_MAX_CONNECTIONS_PER_ADDRESS: String(PER_ADDRESS),
    },
  });
  pid = rp.child.pid!;
  sampler = setInterval(() => {
    try {
      peakRss = Math.max(peakRss, rssMiB(pid));
    } catch {
      // the process is gone; afterAll reports it
    }
  }, 20);
});
afterAll(async () => {
  clearInterval(sampler);
  for (const r of raws) r.socket.destroy();
  await rp?.stop('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

async function refusals(reason: string): Promise<number> {
  const value = sampleValue(await fetchMetrics(rp.baseUrl), 'roadpulse_mqtt_limit_refusals_total', { reason });
  if (value === null) throw new Error(`no roadpulse_mqtt_limit_refusals_total{reason="${reason}"}`);
  return value;
}

async function raw(clientId?: string, options: { localAddress?: string } = {}): Promise<RawClient> {
  const client = clientId ? await rawMqttClient(rp.mqttPort, clientId, options) : await rawConnect(rp.mqttPort, options);
  raws.push(client);
  return client;
}

let sensorCounter = 0;
/** A new client publishes one valid reading at QoS 1 and gets its PUBACK. */
async function aNewClientCanPublish(options: { localAddress?: string } = {}): Promise<void> {
  sensorCounter++;
  const r = reading({ sensorId: `abuse-ok-${sensorCounter}` });
  if (!options.localAddress) return publishReading(rp.mqttUrl, r);
  const client = await connect(rp.mqttUrl, { localAddress: options.localAddress } as Parameters<typeof connect>[1]);
  try {
    await publishQos1(client, mqttTelemetryTopic(r.sensorId), JSON.stringify(r));
  } finally {
    await client.endAsync();
  }
}

describe('the embedded broker under abuse (issue 13)', () => {
  it('when a client sends a packet over the size limit, then it is cut before the packet is buffered, and others keep working', async () => {
    const bystander = await connect(rp.mqttUrl);
    const before = await refusals('packet_too_large');
    const rssBefore = rssMiB(pid);
    const attacker = await raw('abuse-big');
    // A PUBLISH declaring 48 MiB, then its body as fast as the socket takes it.
    const body = 48 * 1024 * 1024;
    attacker.socket.write(Buffer.from([0x30, ...remainingLength(body)]));
    const block = Buffer.alloc(1024 * 1024, 0x61);
    for (let sent = 0; sent < body && !attacker.isClosed(); sent += block.length) {
      if (!attacker.socket.write(block)) await within(new Promise((r) => attacker.socket.once('drain', r)), 200);
    }
    expect(await within(attacker.closed, 5_000)).toBe(true);
    await waitFor(async () => (await refusals('packet_too_large')) === before + 1, { what: 'packet_too_large counted' });
    // Had the broker buffered the packet, its memory would have grown by tens of MiB.
    expect(peakRss - rssBefore).toBeLessThan(16);
    const r = reading({ sensorId: 'abuse-bystander-1' });
    await publishQos1(bystander, mqttTelemetryTopic(r.sensorId), JSON.stringify(r));
    await bystander.endAsync();
  });

  it('when a client publishes on a topic of 200 levels, then it is disconnected without PUBACK; a deep subscription is refused with 0x80', async () => {
    const before = await refusals('topic_levels');
    const publisher = await raw('abuse-deep-pub');
    publisher.send({ cmd: 'publish', topic: Array.from({ length: 200 }, (_, i) => `l${i}`).join('/'), payload: 'x', qos: 1, messageId: 7, retain: false, dup: false });
    expect(await within(publisher.closed, 5_000)).toBe(true);
    expect(publisher.received.some((p) => p.cmd === 'puback')).toBe(false);

    // 20 levels: within aedes' own ceiling (100), above ours (16): refused for this filter only [MQTT-3.9.3].
    const subscriber = await raw('abuse-deep-sub');
    subscriber.send({ cmd: 'subscribe', messageId: 3, subscriptions: [{ topic: Array.from({ length: 20 }, () => 'a').join('/'), qos: 0 }, { topic: 'ok/+', qos: 0 }] });
    const suback = (await subscriber.next('suback')) as { granted: number[] };
    expect(suback.granted).toEqual([128, 0]);
    expect(subscriber.isClosed()).toBe(false);
    expect(await refusals('topic_levels')).toBe(before + 2);
    await aNewClientCanPublish();
  });

  it('when 1,000 sockets connect and never send CONNECT, then no more than the per-address limit is open, the rest are refused at once, the admitted closed after the CONNECT timeout, and others still connect and publish', async () => {
    const refusedBefore = await refusals('connections_per_address');
    const timeoutsBefore = await refusals('connect_timeout');
    const openNow = async (): Promise<number> => sampleValue(await fetchMetrics(rp.baseUrl), 'roadpulse_mqtt_connections') ?? Number.NaN;
    const idle: RawClient[] = [];
    // In batches of 200: 1,000 SYNs at once would overflow the listen backlog and be retried a second later.
    for (let batch = 0; batch < 5; batch++) {
      idle.push(...(await Promise.all(Array.from({ length: 200 }, () => rawConnect(rp.mqttPort, { localAddress: '127.0.0.2' })))));
    }
    raws.push(...idle);
    // While they hold their address's places: other addresses connect and publish.
    await aNewClientCanPublish();
    await aNewClientCanPublish({ localAddress: '127.0.0.3' });
    let maxOpen = 0;
    const sampling = setInterval(() => void openNow().then((n) => (maxOpen = Math.max(maxOpen, n)), () => undefined), 50);
    try {
      await waitFor(() => idle.every((s) => s.isClosed()), { timeoutMs: 10_000, what: 'all 1,000 closed by the broker' });
    } finally {
      clearInterval(sampling);
    }
    // Each one was closed for one of two reasons: over its address's limit at once, or after the CONNECT timeout.
    const refused = (await refusals('connections_per_address')) - refusedBefore;
    const timedOut = (await refusals('connect_timeout')) - timeoutsBefore;
    expect(refused + timedOut).toBe(1000);
    expect(refused).toBeGreaterThanOrEqual(1000 - 3 * PER_ADDRESS); // places freed by timeouts are taken again
    expect(timedOut).toBeGreaterThanOrEqual(PER_ADDRESS);
    expect(maxOpen).toBeLessThanOrEqual(PER_ADDRESS + 1); // + the bystander of this test
    // Their places are free again.
    await aNewClientCanPublish({ localAddress: '127.0.0.2' });
  });

  it('when a subscriber never reads, then it is disconnected after the drain timeout and publishers keep being acknowledged', async () => {
    const before = await refusals('drain_timeout');
    const slow = await raw('abuse-slow-sub');
    slow.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'abuse/slow/#', qos: 0 }] });
    await slow.next('suback');
    slow.socket.pause(); // never reads again: the kernel buffers fill, then the broker's

    const publisher = await connect(rp.mqttUrl);
    const payload = Buffer.alloc(60 * 1024, 0x62);
    const acks: Promise<void>[] = [];
    // Up to 24 MiB, more than the loopback socket buffers hold, until the broker gives up on the subscriber.
    for (let i = 0; i < 400 && (await refusals('drain_timeout')) === before; i++) {
      acks.push(publishQos1(publisher, `abuse/slow/${i}`, payload, 15_000));
      if (i % 20 === 19) await new Promise((r) => setTimeout(r, 50));
    }
    await waitFor(async () => (await refusals('drain_timeout')) === before + 1, { timeoutMs: DRAIN_TIMEOUT_S * 1000 + 5_000, what: 'drain_timeout counted' }).catch((err: Error) => {
      throw new Error(`${err.message}\n${rp.logs.filter((l) => l.level !== 30 || String(l.msg).includes('limit')).map((l) => JSON.stringify(l)).join('\n')}`);
    });
    await Promise.all(acks); // every message of the publisher acknowledged, none lost its connection
    expect(publisher.connected).toBe(true);
    slow.socket.resume();
    expect(await within(slow.closed, 5_000)).toBe(true);
    await publisher.endAsync();
    await aNewClientCanPublish();
  });

  it.each([
    ['garbage bytes', () => randomBytes(4096)],
    ['a remaining length of five bytes', () => Buffer.from([0x10, 0xff, 0xff, 0xff, 0xff, 0x01])],
    ['a CONNECT with the wrong protocol name', () => connectWithProtocolName('MQTX')],
    ['a PUBLISH before CONNECT with a reserved type', () => Buffer.from([0xf0, 0x00])],
  ])('when a socket sends %s, then the broker closes it and every other client keeps working', async (_what, bytes) => {
    const bystander = await connect(rp.mqttUrl);
    // Random bytes may also read as a header declaring a huge packet: either reason is a refusal of this socket.
    const cut = async (): Promise<number> => (await refusals('malformed')) + (await refusals('packet_too_large'));
    const before = await cut();
    const attacker = await raw();
    attacker.socket.write(bytes());
    expect(await within(attacker.closed, 5_000)).toBe(true);
    expect(await cut()).toBe(before + 1);
    const r = reading({ sensorId: `abuse-bystander-m${before}` });
    await publishQos1(bystander, mqttTelemetryTopic(r.sensorId), JSON.stringify(r));
    await bystander.endAsync();
    await aNewClientCanPublish();
  });

  it('when all of the above has happened, then the pipeline process stayed under the stated memory bound', () => {
    expect(peakRss).toBeGreaterThan(0);
    expect(peakRss, `peak RSS ${peakRss.toFixed(0)} MiB`).toBeLessThan(RSS_BOUND_MIB);
  });
});

/** MQTT variable byte integer [MQTT-2.2.3]. */
function remainingLength(n: number): number[] {
  const bytes: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    bytes.push(byte);
  } while (n > 0);
  return bytes;
}

/** A CONNECT as MQTT 3.1.1 lays it out, but with another protocol name [MQTT-3.1.2-1]. */
function connectWithProtocolName(name: string): Buffer {
  const clientId = 'abuse-proto';
  const variable = Buffer.concat([
    Buffer.from([0, name.length]),
    Buffer.from(name),
    Buffer.from([4, 0x02, 0, 60]), // level 4, clean session, keepalive 60
    Buffer.from([0, clientId.length]),
    Buffer.from(clientId),
  ]);
  return Buffer.concat([Buffer.from([0x10, ...remainingLength(variable.length)]), variable]);
}

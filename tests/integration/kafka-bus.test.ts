import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { pino, type Logger } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KafkaBus, type KafkaBusOptions } from '../../shared/adapters/kafka-bus.ts';
import { AppError } from '../../shared/errors/app-error.ts';
import type { BusMessage, ConsumedMessage, Subscription } from '../../shared/ports/bus.ts';
import { requireService } from '../helpers/real-services.ts';
import { waitFor } from '../helpers/wait.ts';

// What the Bus contract cannot see from the port: Kafka's own state (high watermark, committed
// offsets), rebalances, and the log routed into pino.
const { brokers } = await requireService('kafka');
const quiet = pino({ level: process.env.ROADPULSE_TEST_LOG_LEVEL ?? 'silent' });
const unique = (what: string) => `rp-it-${what}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
const msg = (seq: number, key = 'seg-1'): BusMessage => ({ key, value: JSON.stringify({ seq }) });
const seqOf = (m: ConsumedMessage) => (JSON.parse(m.value) as { seq: number }).seq;

/** A pino logger whose JSON lines are kept for inspection. */
function capturingLogger(level = 'info'): { log: Logger; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return {
    log: pino({ level }, stream),
    lines: () => chunks.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

let admin: Admin;
const topics: string[] = [];
const buses: KafkaBus[] = [];
const subscriptions: Subscription[] = [];

async function bus(extra: Partial<KafkaBusOptions> = {}): Promise<KafkaBus> {
  const b = new KafkaBus({
    brokers,
    clientId: unique('client'),
    log: quiet,
    createTopics: false,
    consumer: { maxWaitTimeMs: 250 },
    ...extra,
  });
  buses.push(b);
  return b;
}
async function topic(partitions = 3): Promise<string> {
  const name = unique('t');
  topics.push(name);
  await admin.createTopics({ topics: [{ topic: name, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true });
  return name;
}
const highWatermarks = async (t: string) => (await admin.fetchTopicOffsets(t)).reduce((n, p) => n + Number(p.high), 0);

beforeAll(async () => {
  admin = new Kafka({ brokers, clientId: 'rp-it-admin', logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
});
afterEach(async () => {
  await Promise.allSettled(subscriptions.splice(0).map((s) => s.stop()));
  await Promise.allSettled(buses.splice(0).map((b) => b.close()));
});
afterAll(async () => {
  if (topics.length > 0) await admin.deleteTopics({ topics }).catch(() => {});
  await admin.disconnect();
});

describe('KafkaBus on real Kafka', () => {
  it('when publish resolves, then the broker already has the message (high watermark, and a fresh group reads it)', async () => {
    const t = await topic();
    const producer = await bus();
    await producer.publish(t, [msg(1, 'seg-a'), msg(2, 'seg-b')]);
    // The high watermark moves only once all in-sync replicas have the records (acks = all).
    expect(await highWatermarks(t)).toBe(2);

    const reader = await bus();
    const got: ConsumedMessage[] = [];
    subscriptions.push(await reader.consume({ groupId: unique('g'), topics: [t] }, async (batch) => void got.push(...batch)));
    await waitFor(() => got.length >= 2 || undefined, { timeoutMs: 15_000, what: 'the published messages' });
    expect(got.map(seqOf).sort()).toEqual([1, 2]);
  });

  it('when many publishes are made at once, then each resolves once the broker has it and per key they keep call order', async () => {
    const t = await topic();
    const producer = await bus();
    const keys = ['seg-1', 'seg-2', 'seg-3', 'seg-4'];
    await Promise.all(Array.from({ length: 400 }, (_, i) => producer.publish(t, [msg(i, keys[i % 4])])));
    expect(await highWatermarks(t)).toBe(400);

    const got: ConsumedMessage[] = [];
    subscriptions.push(await producer.consume({ groupId: unique('g'), topics: [t] }, async (batch) => void got.push(...batch)));
    await waitFor(() => got.length >= 400 || undefined, { timeoutMs: 15_000, what: '400 messages' });
    for (const key of keys) {
      const perKey = got.filter((m) => m.key === key).map(seqOf);
      expect(perKey).toEqual([...perKey].sort((a, b) => a - b));
      expect(perKey).toHaveLength(100);
    }
  });

  it('when the handler keeps failing, then the group offset Kafka holds stays at the first failed message', async () => {
    const t = await topic();
    const groupId = unique('g');
    const b = await bus();
    let failing = false;
    let accepted = 0;
    let rejected = 0;
    await b.publish(t, [msg(0), msg(1), msg(2)]);
    subscriptions.push(
      await b.consume({ groupId, topics: [t] }, async (batch) => {
        if (failing) {
          rejected++;
          throw new Error('store down (test)');
        }
        accepted += batch.length;
      }),
    );
    await waitFor(() => accepted >= 3 || undefined, { timeoutMs: 15_000, what: 'first three accepted' });
    failing = true;
    await b.publish(t, [msg(3), msg(4)]);
    await waitFor(() => rejected >= 3 || undefined, { timeoutMs: 15_000, what: 'three rejected deliveries' });

    const [offsets] = await admin.fetchOffsets({ groupId, topics: [t] });
    const committed = offsets!.partitions.filter((p) => p.offset !== '-1');
    expect(committed).toHaveLength(1); // one key → one partition
    expect(committed[0]!.offset).toBe('3'); // next to read: the first rejected message
  });

  it('when members join and leave a group mid-stream, then every message is processed (no gap) and the group ends fully committed', async () => {
    const t = await topic(3);
    const groupId = unique('g');
    const keys = Array.from({ length: 12 }, (_, i) => `seg-${i}`);
    const seen = new Set<number>();
    const handler = async (batch: ConsumedMessage[]) => {
      await new Promise((r) => setTimeout(r, 15)); // batches in flight while the group rebalances
      for (const m of batch) seen.add(seqOf(m));
    };
    const producer = await bus();
    // Short heartbeats: members learn of each rebalance within half a second instead of three.
    const member = () => bus({ consumer: { maxWaitTimeMs: 250, heartbeatIntervalMs: 500 } });
    let next = 0;
    const publishSome = async (n: number) => {
      for (let i = 0; i < n; i += 20) {
        await producer.publish(t, Array.from({ length: 20 }, (_, j) => msg(next + j, keys[(next + j) % keys.length])));
        next += 20;
      }
    };
    const a = await (await member()).consume({ groupId, topics: [t] }, handler);
    subscriptions.push(a);
    await publishSome(200);
    const b = await (await member()).consume({ groupId, topics: [t] }, handler); // rebalance: a gives up partitions
    subscriptions.push(b);
    await publishSome(200);
    await a.stop(); // rebalance: b takes everything
    await publishSome(200);
    await waitFor(() => seen.size >= 600 || undefined, { timeoutMs: 20_000, what: `600 messages processed (have ${seen.size})` });
    expect([...seen].sort((x, y) => x - y)).toEqual([...Array(600).keys()]);

    await waitFor(
      async () => {
        const [offsets] = await admin.fetchOffsets({ groupId, topics: [t] });
        const committed = offsets!.partitions.reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
        return committed === 600 || undefined;
      },
      { timeoutMs: 10_000, what: 'all 600 offsets committed' },
    );
  });

  it('when kafkajs logs, then the lines reach pino as component kafkajs with its namespace and level', async () => {
    const t = await topic(1);
    const { log, lines } = capturingLogger('info');
    const b = await bus({ log });
    await b.connect();
    subscriptions.push(await b.consume({ groupId: unique('g'), topics: [t] }, async () => {}));
    const kafkajs = lines().filter((l) => l.component === 'kafkajs');
    const joined = kafkajs.find((l) => String(l.msg).includes('Consumer has joined the group'));
    expect(joined).toMatchObject({ level: 30, namespace: 'ConsumerGroup' });
    expect(joined).toHaveProperty('groupId');
  });

  it('when the brokers are unreachable at start-up, then connect fails with bus_unavailable naming them, and kafkajs errors are logged', async () => {
    const port = await freePort();
    const { log, lines } = capturingLogger('info');
    const b = await bus({ brokers: [`127.0.0.1:${port}`], log, connectionTimeoutMs: 500, retry: { retries: 1, initialRetryTimeMs: 50 } });
    const err = await b.connect().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'bus_unavailable', retriable: true });
    expect((err as Error).message).toContain(`127.0.0.1:${port}`);
    expect(lines().some((l) => l.component === 'kafkajs' && l.level === 50 && String(l.msg).includes('ECONNREFUSED'))).toBe(true);
    await expect(b.ping()).rejects.toMatchObject({ code: 'bus_unavailable' });
  });

  it('when the bus is closed, then publish rejects with a non-retriable bus_unavailable', async () => {
    const t = await topic(1);
    const b = await bus();
    await b.publish(t, [msg(1)]);
    await b.close();
    await expect(b.publish(t, [msg(2)])).rejects.toMatchObject({ code: 'bus_unavailable', retriable: false });
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

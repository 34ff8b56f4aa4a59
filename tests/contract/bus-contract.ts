import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { BatchHandler, Bus, BusMessage, ConsumedMessage, ConsumeOptions, Subscription } from '../../shared/ports/bus.ts';
import { waitFor } from '../helpers/wait.ts';

/**
 * The Bus port's promises (shared/ports/bus.ts), one suite for every adapter (STYLE habit 3): the
 * embedded SQLite bus and the Kafka bus must be the same product.
 */
export interface BusFixture {
  /** A bus on the adapter's backend with the topics passed to makeBus present. */
  bus: Bus;
  /** Another Bus on the same backend (same file, same cluster): another process, or a restart. */
  reopen(): Promise<Bus>;
  /** Closes every bus it made and removes what the test created where that is cheap. */
  cleanup(): Promise<void>;
}

/** Called once per test with the (unique) topic names the test uses; creates them if the backend needs it. */
export type MakeBus = (topics: string[]) => Promise<BusFixture>;

const WAIT_MS = 20_000;
/** After the expected messages arrived: how long to watch for extra (duplicate) deliveries. */
const SETTLE_MS = 600;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const unique = (what: string) => `rp-ct-${what}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;

interface Payload {
  seq: number;
  key: string;
  text?: string;
}
const seqOf = (m: ConsumedMessage) => (JSON.parse(m.value) as Payload).seq;
const seqs = (ms: ConsumedMessage[]) => ms.map(seqOf);

function messages(from: number, count: number, keys: string[] = ['seg-1']): BusMessage[] {
  return Array.from({ length: count }, (_, i) => {
    const seq = from + i;
    const key = keys[seq % keys.length]!;
    const value = JSON.stringify({ seq, key, text: 'Đại lộ Bình Dương' } satisfies Payload);
    return { key, value, headers: { 'x-seq': String(seq), 'x-client': 'sensor-α' } };
  });
}

/** Records every delivery; rejects while `failing` says so. */
class Recorder {
  readonly deliveries: { at: number; batch: ConsumedMessage[]; accepted: boolean }[] = [];
  failing: (attempt: number) => boolean = () => false;

  readonly handler: BatchHandler = async (batch) => {
    const attempt = this.deliveries.length;
    const accepted = !this.failing(attempt);
    this.deliveries.push({ at: Date.now(), batch, accepted });
    if (!accepted) throw new Error(`handler failure on attempt ${attempt} (test)`);
  };

  get accepted(): ConsumedMessage[] {
    return this.deliveries.filter((d) => d.accepted).flatMap((d) => d.batch);
  }
  get rejected() {
    return this.deliveries.filter((d) => !d.accepted);
  }
  waitAccepted(n: number, what: string): Promise<true> {
    return waitFor(() => this.accepted.length >= n || undefined, {
      timeoutMs: WAIT_MS,
      what: `${what} (${n} accepted, have ${this.accepted.length})`,
    });
  }
}

export function busContract(name: string, makeBus: MakeBus): void {
  describe(`Bus contract: ${name}`, () => {
    const fixtures: BusFixture[] = [];
    const subscriptions: Subscription[] = [];

    async function setup(topicCount = 1): Promise<{ fx: BusFixture; topics: string[] }> {
      const topics = Array.from({ length: topicCount }, (_, i) => unique(`t${i}`));
      const fx = await makeBus(topics);
      fixtures.push(fx);
      return { fx, topics };
    }
    async function consume(bus: Bus, options: ConsumeOptions, recorder: Recorder): Promise<Subscription> {
      const sub = await bus.consume(options, recorder.handler);
      subscriptions.push(sub);
      return sub;
    }

    afterEach(async () => {
      await Promise.allSettled(subscriptions.splice(0).map((s) => s.stop()));
      await Promise.allSettled(fixtures.splice(0).map((f) => f.cleanup()));
    });

    it('when messages are published, then a group gets each once, in order per key, key/value/headers intact, one topic-partition per batch', async () => {
      const { fx, topics } = await setup(2);
      const [ta, tb] = topics as [string, string];
      const keys = ['seg-1', 'seg-2', 'seg-3', 'seg-4', 'seg-5', 'seg-6'];
      const sentA = [...messages(0, 20, keys), ...messages(20, 20, keys), ...messages(40, 20, keys)];
      for (let i = 0; i < 3; i++) await fx.bus.publish(ta, sentA.slice(i * 20, i * 20 + 20));
      const sentB = messages(0, 5, ['seg-9']);
      await fx.bus.publish(tb, sentB);

      const rec = new Recorder();
      await consume(fx.bus, { groupId: unique('g'), topics: [ta, tb] }, rec);
      await rec.waitAccepted(65, 'all messages');
      await sleep(SETTLE_MS);

      const got = rec.accepted;
      expect(got).toHaveLength(65);
      const lastOffset = new Map<string, bigint>();
      for (const { batch } of rec.deliveries) {
        expect(batch.length).toBeGreaterThan(0);
        for (const m of batch) {
          expect([m.topic, m.partition]).toEqual([batch[0]!.topic, batch[0]!.partition]);
          const tp = `${m.topic}/${m.partition}`;
          const offset = BigInt(m.offset);
          if (lastOffset.has(tp)) expect(offset > lastOffset.get(tp)!).toBe(true); // in order, no redelivery
          lastOffset.set(tp, offset);
        }
      }
      for (const [topic, sent] of [[ta, sentA], [tb, sentB]] as const) {
        const received = got.filter((m) => m.topic === topic);
        expect(received.map(seqOf).sort((a, b) => a - b)).toEqual(sent.map((_, i) => i));
        for (const m of received) {
          const original = sent[seqOf(m)]!;
          expect({ key: m.key, value: m.value, headers: m.headers ?? {} }).toEqual({
            key: original.key,
            value: original.value,
            headers: original.headers ?? {},
          });
        }
        for (const key of new Set(sent.map((m) => m.key))) {
          const perKey = seqs(received.filter((m) => m.key === key));
          expect(perKey).toEqual([...perKey].sort((a, b) => a - b));
        }
      }
    });

    it('when a group stops and starts again, then it resumes after its last committed message: no redelivery, no gap', async () => {
      const { fx, topics } = await setup();
      const [t] = topics as [string];
      const groupId = unique('g');
      await fx.bus.publish(t, messages(0, 10));
      const first = new Recorder();
      const sub = await consume(fx.bus, { groupId, topics: [t] }, first);
      await first.waitAccepted(10, 'first run');
      await sub.stop();

      await fx.bus.publish(t, messages(10, 10));
      const restarted = await fx.reopen();
      const second = new Recorder();
      await consume(restarted, { groupId, topics: [t] }, second);
      await second.waitAccepted(10, 'after restart');
      await sleep(SETTLE_MS);

      expect(seqs(first.accepted)).toEqual([...Array(10).keys()]);
      expect(seqs(second.accepted)).toEqual([...Array(10).keys()].map((i) => i + 10));
    });

    it('when stop() is called while a batch is being handled, then it waits for the batch and commits it', async () => {
      const { fx, topics } = await setup();
      const [t] = topics as [string];
      const groupId = unique('g');
      await fx.bus.publish(t, messages(0, 3));
      let started = false;
      let finished = false;
      const sub = await fx.bus.consume({ groupId, topics: [t] }, async () => {
        started = true;
        await sleep(400);
        finished = true;
      });
      subscriptions.push(sub);
      await waitFor(() => started || undefined, { timeoutMs: WAIT_MS, what: 'the batch started' });
      await sub.stop();
      expect(finished).toBe(true);

      await fx.bus.publish(t, messages(3, 3));
      const after = new Recorder();
      await consume(await fx.reopen(), { groupId, topics: [t] }, after);
      await after.waitAccepted(3, 'after restart');
      await sleep(SETTLE_MS);
      expect(seqs(after.accepted)).toEqual([3, 4, 5]);
    });

    it('when the handler rejects, then the same messages come again after a back-off, until it succeeds', async () => {
      const { fx, topics } = await setup();
      const [t] = topics as [string];
      await fx.bus.publish(t, messages(0, 5));
      const rec = new Recorder();
      rec.failing = (attempt) => attempt < 2;
      await consume(fx.bus, { groupId: unique('g'), topics: [t] }, rec);
      await rec.waitAccepted(5, 'delivery after two failures');
      await sleep(SETTLE_MS);

      const [d0, d1, d2] = rec.deliveries;
      expect([d0?.accepted, d1?.accepted, d2?.accepted]).toEqual([false, false, true]);
      for (const again of [d1!, d2!]) {
        // The same messages (a redelivery may bring more after them, never fewer or others).
        expect(again.batch.slice(0, d0!.batch.length).map((m) => m.offset)).toEqual(d0!.batch.map((m) => m.offset));
      }
      expect(d1!.at - d0!.at).toBeGreaterThanOrEqual(50);
      expect(seqs(rec.accepted)).toEqual([0, 1, 2, 3, 4]);
    });

    it('when the handler keeps rejecting and the group restarts, then it starts at the first rejected message (nothing after it was committed)', async () => {
      const { fx, topics } = await setup();
      const [t] = topics as [string];
      const groupId = unique('g');
      await fx.bus.publish(t, messages(0, 3));
      const rec = new Recorder();
      const sub = await consume(fx.bus, { groupId, topics: [t] }, rec);
      await rec.waitAccepted(3, 'accepted before the failures');
      rec.failing = () => true;
      await fx.bus.publish(t, messages(3, 3));
      await waitFor(() => rec.rejected.length >= 2 || undefined, { timeoutMs: WAIT_MS, what: 'two rejected deliveries' });
      await sub.stop();
      for (const d of rec.rejected) expect(seqOf(d.batch[0]!)).toBe(3);

      const restarted = await fx.reopen();
      const after = new Recorder();
      await consume(restarted, { groupId, topics: [t] }, after);
      await after.waitAccepted(3, 'after restart');
      await sleep(SETTLE_MS);
      expect(seqs(after.accepted)).toEqual([3, 4, 5]);
    });

    it('when a new group starts with fromBeginning false, then it gets only messages published after consume() resolved', async () => {
      const { fx, topics } = await setup();
      const [t] = topics as [string];
      await fx.bus.publish(t, messages(0, 3));
      const rec = new Recorder();
      await consume(fx.bus, { groupId: unique('g'), topics: [t], fromBeginning: false }, rec);
      await fx.bus.publish(t, messages(3, 3));
      await rec.waitAccepted(3, 'new messages');
      await sleep(SETTLE_MS);
      expect(seqs(rec.accepted)).toEqual([3, 4, 5]);
    });

    it('when two groups consume a topic, then each gets every message', async () => {
      const { fx, topics } = await setup();
      const [t] = topics as [string];
      await fx.bus.publish(t, messages(0, 20, ['seg-1', 'seg-2', 'seg-3', 'seg-4']));
      const other = await fx.reopen();
      const a = new Recorder();
      const b = new Recorder();
      await Promise.all([
        consume(fx.bus, { groupId: unique('ga'), topics: [t] }, a),
        consume(other, { groupId: unique('gb'), topics: [t] }, b),
      ]);
      await Promise.all([a.waitAccepted(20, 'group a'), b.waitAccepted(20, 'group b')]);
      await sleep(SETTLE_MS);
      for (const rec of [a, b]) expect(seqs(rec.accepted).sort((x, y) => x - y)).toEqual([...Array(20).keys()]);
    });

    it('when the bus is healthy, then ping and an empty publish resolve; after close, ping rejects', async () => {
      const { fx, topics } = await setup();
      await expect(fx.bus.ping()).resolves.toBeUndefined();
      await expect(fx.bus.publish(topics[0]!, [])).resolves.toBeUndefined();
      const other = await fx.reopen();
      await other.close();
      await expect(other.ping()).rejects.toThrow();
    });
  });
}

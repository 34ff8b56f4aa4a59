import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { makeDataDir, startChild, type ChildPipeline } from '../helpers/embedded.ts';
import { newLedger, startReadingStream } from '../helpers/reading-stream.ts';
import { expectEveryAckedStoredOnce } from '../helpers/stored-once.ts';
import { Prng } from '../../simulators/model/prng.ts';

// Issue 13, faults: the embedded process SIGKILLed at random points of a stream of QoS 1 readings,
// five times over, and once stopped with SIGTERM in the middle of one: afterwards every
// acknowledged reading is stored exactly once (DESIGN §2).
const ROUNDS = 5;
const dataDirs: string[] = [];
afterAll(() => {
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

describe('faults: the embedded process killed during a stream', () => {
  it(`when it is SIGKILLed at a random point of a stream ${ROUNDS} times, then every acknowledged reading is stored exactly once`, async () => {
    const seed = Number(process.env.ROADPULSE_TEST_SEED ?? Date.now() % 100_000);
    const random = Prng.derive(seed, 'kill-rounds'); // a failing run replays with the seed it prints
    const dataDir = makeDataDir();
    dataDirs.push(dataDir);
    const ledger = newLedger();
    const baseTs = Math.floor(Date.now() / 1000) * 1000 - 2_000;
    const kills: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const pipeline: ChildPipeline = await startChild({ dataDir });
      const stream = await startReadingStream({ mqttUrl: pipeline.mqttUrl, prefix: 'kill', segmentId: 'ql13-nb-02', baseTs, ledger });
      const delay = 300 + random.int(1_700);
      kills.push(delay);
      await new Promise((r) => setTimeout(r, delay));
      pipeline.child.kill('SIGKILL');
      expect((await pipeline.exited).signal).toBe('SIGKILL');
      await stream.ended;
      await stream.stop();
    }
    console.info(`kill rounds: seed ${seed}, killed after ${kills.join(', ')} ms; ${ledger.acked.size} acknowledged of ${ledger.sent.size} sent`);
    expect(ledger.acked.size).toBeGreaterThan(ROUNDS * 100); // the stream really ran in every round
    await expectEveryAckedStoredOnce(dataDir, 'kill', ledger.acked, ledger.sent);
  }, 240_000);

  it('when it gets SIGTERM in the middle of a stream, then it exits 0 and every acknowledged reading is stored exactly once', async () => {
    const dataDir = makeDataDir();
    dataDirs.push(dataDir);
    const baseTs = Math.floor(Date.now() / 1000) * 1000 - 2_000;
    const pipeline = await startChild({ dataDir });
    const stream = await startReadingStream({ mqttUrl: pipeline.mqttUrl, prefix: 'term', segmentId: 'ql13-nb-03', baseTs });
    await new Promise((r) => setTimeout(r, 1_500));
    const exit = await pipeline.stop('SIGTERM');
    await stream.ended;
    await stream.stop();
    expect(exit).toEqual({ code: 0, signal: null });
    expect(stream.acked.size).toBeGreaterThan(100);
    // A graceful stop stores the batch in hand and leaves the rest on the durable bus (it does not
    // drain a backlog of the storage thread on the way out): the restart below stores it.
    await expectEveryAckedStoredOnce(dataDir, 'term', stream.acked, stream.sent);
  }, 120_000);
});

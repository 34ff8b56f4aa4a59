import { describe, expect, it } from 'vitest';
import {
  TelemetryPublisher,
  comparableRow,
  expectedRows,
  readingsOf,
  sleep,
} from '../helpers/distributed.ts';
import { ingestWriterFixture } from '../helpers/ingest-writer-fixture.ts';
import { waitFor } from '../helpers/wait.ts';

// Issue 3, faults: the writer killed with SIGKILL mid-stream and restarted → exactly N readings
// stored. What it had written but not committed is delivered again and overwrites itself (DESIGN §6, §7).
const N = 2_000;

const fx = ingestWriterFixture('wk');

describe('fault: the writer is killed mid-stream', () => {
  it('when the writer gets SIGKILL while readings stream in and is restarted, then exactly N readings are stored, each as sent', async () => {
    const prefix = `${fx.stack.runId}-r`;
    const plan = fx.plan(prefix, N, 11);
    const publisher = await TelemetryPublisher.open(fx.ingest.mqttUrl, { label: 'wk' });
    try {
      // ~15 s of traffic (≈ 130 readings/s); the kill lands in the middle of it.
      const streaming = publisher.publish(plan, { perSecond: plan.length / 15 });
      const storedAtKill = await waitFor(
        async () => {
          const n = await fx.stack.countReadings(prefix);
          return n >= N * 0.2 ? n : false;
        },
        { timeoutMs: 60_000, intervalMs: 100, what: 'a fifth of the readings stored' },
      );
      const killed = await fx.writer.kill();
      expect(killed.signal).toBe('SIGKILL');
      const ackedAtKill = publisher.acked.size;
      // What the dead writer got into InfluxDB in all (it went on between the count above and the kill).
      const storedByFirst = await fx.stack.countReadings(prefix);

      // The stream goes on into Kafka while no writer runs.
      await sleep(3_000);
      expect(await fx.stack.countReadings(prefix)).toBe(storedByFirst);

      const restartedAt = Date.now();
      await fx.writer.start();
      const restartMs = Date.now() - restartedAt;
      await streaming;
      expect(publisher.acked.size).toBe(N);

      await fx.stack.waitForReadings(prefix, N);
      await fx.stack.waitWriterCaughtUp();
      expect(await fx.stack.countReadings(prefix)).toBe(N);
      expect((await fx.stack.storedReadings(prefix)).map(comparableRow)).toEqual(expectedRows(readingsOf(plan)));

      const rewritten = (await fx.writer.metric('roadpulse_readings_stored_total')) ?? 0;
      console.info(
        `[fault writer-sigkill] killed when ${storedAtKill}/${N} were stored (${ackedAtKill} acknowledged); ` +
          `the killed writer had stored ${storedByFirst}; the restarted one was ready after ${restartMs} ms ` +
          `(the dead member's session had to time out) and wrote ${rewritten} readings: the ${N - storedByFirst} left ` +
          `plus ${rewritten - (N - storedByFirst)} written but not committed before the kill, delivered again; final count ${N}`,
      );
      // The restarted writer took over from the last commit: it wrote at least everything the first had not.
      expect(rewritten).toBeGreaterThanOrEqual(N - storedByFirst);
    } finally {
      await publisher.close();
    }
  });
});

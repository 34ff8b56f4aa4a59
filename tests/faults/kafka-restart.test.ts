import { describe, expect, it } from 'vitest';
import {
  TelemetryPublisher,
  comparableRow,
  expectedRows,
  readingKey,
  readingsOf,
  servicesScript,
  sleep,
} from '../helpers/distributed.ts';
import { ingestWriterFixture } from '../helpers/ingest-writer-fixture.ts';
import { waitFor } from '../helpers/wait.ts';

// Issue 3, faults: the Kafka broker restarted mid-stream → ingest stops acknowledging (or drops the
// connection) rather than acknowledging what Kafka did not take (DESIGN §2: PUBACK only once Kafka
// acknowledged, acks = all). Publishers re-send what was not acknowledged; in the end exactly N
// distinct readings are stored, every acknowledged one among them.
const N = 2_000;

const fx = ingestWriterFixture('kx', 'kafka');

describe('fault: the Kafka broker restarts', () => {
  it('when Kafka is stopped and started mid-stream, then nothing is acknowledged while it is down and exactly N distinct readings are stored, every acknowledged one included', async () => {
    const prefix = `${fx.stack.runId}-r`;
    const plan = fx.plan(prefix, N, 31);
    const readings = readingsOf(plan);
    const publisher = await TelemetryPublisher.open(fx.ingest.mqttUrl, { label: 'kx' });
    try {
      // ~20 s of traffic; Kafka goes away after a fifth has been acknowledged.
      const streaming = publisher.publish(plan, { perSecond: plan.length / 20 });
      await waitFor(() => publisher.acked.size >= N * 0.2, { timeoutMs: 60_000, intervalMs: 50, what: 'a fifth acknowledged' });

      let kafkaDown = false;
      let ackedBeforeStop: Set<string>;
      try {
        const ackedAtStopCall = publisher.acked.size;
        const stopMs = await servicesScript('stop', 'kafka');
        kafkaDown = true;
        ackedBeforeStop = new Set(publisher.acked);
        const stoppedAt = Date.now();
        // Kafka is gone (its process has exited): from now on nothing may be acknowledged.
        await sleep(10_000);
        const ackedWhileDown = publisher.acked.size - ackedBeforeStop.size;
        const busFailures = (await fx.ingest.metric('roadpulse_bus_publish_failures_total')) ?? 0;
        const ingestReady = await fx.ingest.readyStatus();
        const downMs = Date.now() - stoppedAt;

        const startMs = await servicesScript('start', 'kafka');
        kafkaDown = false;
        console.info(
          `[fault kafka-restart] ${ackedAtStopCall}/${N} acknowledged when the stop began, ${ackedBeforeStop.size} when ` +
            `Kafka had exited (stop took ${stopMs} ms); ${ackedWhileDown} acknowledged in the ${downMs} ms after that; ` +
            `ingest /readyz ${ingestReady}, ${busFailures} failed bus publishes; start took ${startMs} ms`,
        );
        expect(ackedWhileDown).toBe(0);
        expect(busFailures).toBeGreaterThan(0);
        expect(ingestReady).toBe(503);
      } finally {
        if (kafkaDown) await servicesScript('start', 'kafka');
      }

      await Promise.all([fx.ingest.waitReady(), fx.writer.waitReady()]);
      await streaming;
      expect(publisher.acked.size).toBe(N);
      const stored = await fx.stack.waitForReadings(prefix, N);
      await fx.stack.waitWriterCaughtUp();
      const rows = await fx.stack.storedReadings(prefix);
      const storedKeys = new Set(rows.map((r) => readingKey({ sensorId: String(r.sensor_id), seq: Number(r.seq) })));
      const lost = [...ackedBeforeStop!].filter((k) => !storedKeys.has(k));
      console.info(
        `[fault kafka-restart] publisher reconnects ${publisher.reconnects}, re-sent after errors ${publisher.retries}; ` +
          `stored ${stored}; acknowledged before the stop but missing: ${lost.length}`,
      );
      expect(lost).toEqual([]);
      expect(await fx.stack.countReadings(prefix)).toBe(N);
      expect(rows.map(comparableRow)).toEqual(expectedRows(readings));
    } finally {
      await publisher.close();
    }
  });
});

import { describe, expect, it } from 'vitest';
import {
  TelemetryPublisher,
  comparableRow,
  expectedRows,
  readingsOf,
  servicesScript,
  sleep,
} from '../helpers/distributed.ts';
import { ingestWriterFixture } from '../helpers/ingest-writer-fixture.ts';
import { waitFor } from '../helpers/wait.ts';

// Issue 3, faults: InfluxDB stopped for 30 s mid-stream → the writer commits no offset meanwhile
// (DESIGN §6: commit only after the store accepted the batch) and, once InfluxDB is back, exactly N
// readings are stored.
const N = 2_000;
const OUTAGE_MS = 30_000;

const fx = ingestWriterFixture('ix', 'influxdb');

describe('fault: InfluxDB is down for 30 s', () => {
  it('when InfluxDB stops mid-stream for 30 s, then the writer group commits nothing meanwhile and exactly N readings are stored once it is back', async () => {
    const prefix = `${fx.stack.runId}-r`;
    const plan = fx.plan(prefix, N, 21);
    const readings = readingsOf(plan);
    const publisher = await TelemetryPublisher.open(fx.ingest.mqttUrl, { label: 'ix' });
    try {
      // ~40 s of traffic: a quarter before the outage, most during it, the rest after.
      const streaming = publisher.publish(plan, { perSecond: plan.length / 40 });
      const storedBefore = await waitFor(
        async () => {
          const n = await fx.stack.countReadings(prefix);
          return n >= N * 0.2 ? n : false;
        },
        { timeoutMs: 60_000, intervalMs: 100, what: 'a fifth of the readings stored' },
      );

      let influxDown = false;
      try {
        const stopMs = await servicesScript('stop', 'influxdb');
        influxDown = true;
        const downSince = Date.now();
        // The writer sees the store gone (its readiness says so); a batch InfluxDB took just before
        // the stop has been committed by now.
        await waitFor(async () => (await fx.writer.readyStatus()) === 503, { timeoutMs: 30_000, what: 'writer not ready (store down)' });
        await sleep(2_000);
        const committedAtStart = await fx.stack.committedOffsets();
        const highAtStart = await fx.stack.highWatermarkTotal();
        const ackedAtStart = publisher.acked.size;

        await sleep(Math.max(0, downSince + OUTAGE_MS - Date.now()));
        const committedAtEnd = await fx.stack.committedOffsets();
        const highAtEnd = await fx.stack.highWatermarkTotal();
        const ackedDuringOutage = publisher.acked.size - ackedAtStart;
        const failures = (await fx.writer.metric('roadpulse_store_write_failures_total')) ?? 0;

        const startMs = await servicesScript('start', 'influxdb');
        influxDown = false;
        console.info(
          `[fault influxdb-outage] ${storedBefore}/${N} stored when InfluxDB was stopped (stop took ${stopMs} ms); ` +
            `down ${Date.now() - downSince} ms (start took ${startMs} ms); ${ackedDuringOutage} readings acknowledged ` +
            `and ${highAtEnd - highAtStart} messages added to the telemetry topic meanwhile; ` +
            `writer group committed offsets at outage start ${JSON.stringify([...committedAtStart])}, at its end ` +
            `${JSON.stringify([...committedAtEnd])}; ${failures} failed store writes`,
        );
        // Ingest went on (Kafka was up), the writer could not store: the offsets stood still.
        expect(ackedDuringOutage).toBeGreaterThan(0);
        expect(highAtEnd).toBeGreaterThan(highAtStart);
        expect(committedAtEnd).toEqual(committedAtStart);
        expect(failures).toBeGreaterThan(0);
      } finally {
        if (influxDown) await servicesScript('start', 'influxdb');
      }

      await fx.writer.waitReady();
      await streaming;
      expect(publisher.acked.size).toBe(N);
      await fx.stack.waitForReadings(prefix, N);
      await fx.stack.waitWriterCaughtUp();
      expect(await fx.stack.countReadings(prefix)).toBe(N);
      expect((await fx.stack.storedReadings(prefix)).map(comparableRow)).toEqual(expectedRows(readings));
    } finally {
      await publisher.close();
    }
  });
});

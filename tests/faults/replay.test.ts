import { describe, expect, it } from 'vitest';
import { TOPICS } from '../../shared/contract/topics.ts';
import {
  TelemetryPublisher,
  comparableRow,
  expectedRows,
  readingsOf,
} from '../helpers/distributed.ts';
import { ingestWriterFixture } from '../helpers/ingest-writer-fixture.ts';

// Issue 3, faults: a replay of the whole telemetry topic (the writer group reset to the earliest
// offsets) leaves InfluxDB unchanged — a reading written again overwrites itself (DESIGN §7).
const N = 2_000;

const fx = ingestWriterFixture('rp');

describe('fault: the whole telemetry topic is replayed', () => {
  it('when the writer group is reset to the earliest offsets and the writer restarted, then InfluxDB holds the same N readings with the same values', async () => {
    const prefix = `${fx.stack.runId}-r`;
    const plan = fx.plan(prefix, N, 41);
    const publisher = await TelemetryPublisher.open(fx.ingest.mqttUrl, { label: 'rp' });
    try {
      await publisher.publish(plan);
    } finally {
      await publisher.close();
    }
    await fx.stack.waitForReadings(prefix, N);
    await fx.stack.waitWriterCaughtUp();
    const before = await fx.stack.storedReadings(prefix);
    expect(before.map(comparableRow)).toEqual(expectedRows(readingsOf(plan)));
    const totalBefore = await fx.stack.influxql('SELECT count("interval_s") FROM "traffic_reading"');

    await fx.writer.stop('SIGTERM');
    const committedBefore = await fx.stack.committedTotal();
    await fx.stack.moveWriterGroup('earliest', [TOPICS.telemetry]);
    const marks = await fx.stack.watermarks();
    const topicSize = [...marks.values()].reduce((n, m) => n + m.high - m.low, 0);
    expect(await fx.stack.committedTotal()).toBe([...marks.values()].reduce((n, m) => n + m.low, 0));

    const replayStart = Date.now();
    await fx.writer.start();
    await fx.stack.waitWriterCaughtUp(600_000);
    const replayMs = Date.now() - replayStart;
    const rewritten = (await fx.writer.metric('roadpulse_readings_stored_total')) ?? 0;
    const after = await fx.stack.storedReadings(prefix);
    const totalAfter = await fx.stack.influxql('SELECT count("interval_s") FROM "traffic_reading"');
    console.info(
      `[fault replay] writer group moved back from ${committedBefore} to the start of the topic; ` +
        `replayed ${topicSize} messages (all runs' telemetry) in ${replayMs} ms, the writer wrote ${rewritten} readings; ` +
        `this run's readings: ${before.length} before, ${after.length} after, identical: ${JSON.stringify(after) === JSON.stringify(before)}; ` +
        `whole database count before ${JSON.stringify(totalBefore[0]?.values)} after ${JSON.stringify(totalAfter[0]?.values)}`,
    );
    // The replay really happened: this run's readings (at least) went through the writer again.
    expect(rewritten).toBeGreaterThanOrEqual(N);
    expect(after.length).toBe(N);
    expect(after).toEqual(before);
  });
});

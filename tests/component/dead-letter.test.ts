import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { DeadLetter } from '../../shared/contract/dead-letter.ts';
import { committedOffset, readDeadLetterRows, readDeadLetters } from '../helpers/bus-file.ts';
import { startInProcess, type InProcessPipeline } from '../helpers/embedded.ts';
import { getJson, getOk } from '../helpers/http.ts';
import { fetchMetrics, rejectedCount, sampleValue } from '../helpers/metrics.ts';
import { publishTelemetry, type PublishOptions } from '../helpers/mqtt.ts';
import { reading } from '../helpers/readings.ts';
import { waitFor } from '../helpers/wait.ts';

// DESIGN §3: a rejected message is acknowledged, never dropped silently: it goes to
// traffic.telemetry.dlq with the raw payload (first 4 KiB), topic, client id, time and reason,
// and roadpulse_readings_rejected_total{reason} counts it.
vi.setConfig({ testTimeout: 15_000, hookTimeout: 30_000 });

const REASONS = ['invalid_json', 'schema', 'topic_mismatch', 'unknown_segment', 'future_ts', 'stale_ts', 'too_large'] as const;
type Reason = (typeof REASONS)[number];
const MINUTE = 60_000;
const DAY = 24 * 3600_000;

let rp: InProcessPipeline;

beforeAll(async () => {
  rp = await startInProcess();
});
afterAll(async () => {
  await rp?.close();
});

async function allRejectedCounts(): Promise<Record<Reason, number>> {
  const text = await fetchMetrics(rp.baseUrl);
  return Object.fromEntries(REASONS.map((r) => [r, sampleValue(text, 'roadpulse_readings_rejected_total', { reason: r }) ?? NaN])) as Record<
    Reason,
    number
  >;
}

async function acceptedTotal(): Promise<number> {
  return sampleValue(await fetchMetrics(rp.baseUrl), 'roadpulse_readings_accepted_total') ?? NaN;
}

/**
 * Publishes `payload` at QoS 1 (the await fails if no PUBACK comes), then checks that exactly
 * `expected` rejections were counted (and no other reason moved) and returns the new dead letters.
 */
async function publishExpectingRejection(
  payload: unknown,
  options: PublishOptions & { clientId: string },
  expected: Partial<Record<Reason, number>>,
): Promise<DeadLetter[]> {
  const before = await allRejectedCounts();
  const seen = new Set(readDeadLetterRows(rp.dataDir).map((r) => r.offset));
  await publishTelemetry(rp.mqttUrl, payload, options); // resolves on PUBACK
  // The dead letter is on the bus before the PUBACK leaves: no waiting needed. New = an offset not
  // seen before (offsets, not counts: the bus's retention pass may remove older entries meanwhile).
  const letters = readDeadLetterRows(rp.dataDir).filter((r) => !seen.has(r.offset)).map((r) => r.entry);
  const after = await allRejectedCounts();
  const delta = Object.fromEntries(REASONS.map((r) => [r, after[r] - before[r]]));
  expect(delta).toEqual({ ...Object.fromEntries(REASONS.map((r) => [r, 0])), ...expected });
  return letters;
}

function expectEntry(entry: DeadLetter | undefined, fields: Partial<DeadLetter>): void {
  expect(entry).toBeDefined();
  expect(entry).toMatchObject(fields);
  expect(entry!.detail.length).toBeGreaterThan(0);
  expect(Math.abs(Date.parse(entry!.receivedAt) - Date.now())).toBeLessThan(MINUTE);
}

describe('rejected telemetry goes to the dead-letter topic (DESIGN §3)', () => {
  it('when the payload is not JSON, then it is acknowledged, counted as invalid_json and dead-lettered with the raw payload', async () => {
    const raw = '{"sensorId":"dl-json","segmentId":"ql13-nb-01",';
    const letters = await publishExpectingRejection(raw, { topicSensorId: 'dl-json', clientId: 'dl-c-json' }, { invalid_json: 1 });
    expect(letters).toHaveLength(1);
    expectEntry(letters[0], {
      reason: 'invalid_json',
      mqttTopic: 'traffic/v1/dl-json/telemetry',
      clientId: 'dl-c-json',
      sensorId: 'dl-json',
      batchIndex: null,
      payload: raw,
      payloadTruncated: false,
    });
  });

  it.each([
    ['a field of the wrong type', { intervalS: '60' }, /intervalS/],
    ['a value out of range', { occupancy: 1.5 }, /occupancy/],
    ['an unknown vehicle class', { counts: { car: 3, plane: 1 } }, /counts[\s\S]*plane|plane[\s\S]*counts/],
    ['a sensor id with a forbidden character', { sensorId: 'dl schema' }, /sensorId/],
  ])('when a reading has %s, then it is rejected as schema with a detail naming the field', async (_what, change, detailPattern) => {
    const sensorId = 'dl-schema';
    const bad = { ...reading({ sensorId }), ...change };
    const raw = JSON.stringify(bad);
    const letters = await publishExpectingRejection(raw, { topicSensorId: sensorId, clientId: 'dl-c-schema' }, { schema: 1 });
    expect(letters).toHaveLength(1);
    expectEntry(letters[0], { reason: 'schema', mqttTopic: `traffic/v1/${sensorId}/telemetry`, clientId: 'dl-c-schema', payload: raw, batchIndex: null });
    expect(letters[0]!.detail).toMatch(detailPattern);
  });

  it('when a gateway batch holds one bad reading, then only it is dead-lettered (with its index) and the good ones are stored', async () => {
    const acceptedBefore = await acceptedTotal();
    const batch = [
      reading({ sensorId: 'gw9.a', ts: Date.now() - 2_000 }),
      reading({ sensorId: 'gw9.b', speedKmh: 300 }), // speed 0–250
      reading({ sensorId: 'gw9.c', ts: Date.now() - 3_000, segmentId: 'ql13-nb-02' }),
    ];
    const raw = JSON.stringify(batch);
    const letters = await publishExpectingRejection(raw, { topicSensorId: 'gw9', clientId: 'dl-c-gw9' }, { schema: 1 });
    expect(letters).toHaveLength(1);
    expectEntry(letters[0], { reason: 'schema', mqttTopic: 'traffic/v1/gw9/telemetry', clientId: 'dl-c-gw9', sensorId: 'gw9.b', batchIndex: 1, payload: raw });
    expect(letters[0]!.detail).toMatch(/speedKmh/);
    expect(await acceptedTotal()).toBe(acceptedBefore + 2);
    const stored = await waitFor(async () => {
      const { sensors } = await getOk(`${rp.baseUrl}/api/v1/sensors`);
      const ids = sensors.filter((s: { accepted: number }) => s.accepted > 0).map((s: { sensorId: string }) => s.sensorId);
      return ids.includes('gw9.a') && ids.includes('gw9.c') ? ids : undefined;
    }, { what: 'gw9.a and gw9.c stored' });
    expect(stored).not.toContain('gw9.b');
  });

  it('when a reading claims another sensor than the topic, then it is rejected as topic_mismatch (spoofing)', async () => {
    const raw = JSON.stringify(reading({ sensorId: 'dl-victim' }));
    const letters = await publishExpectingRejection(raw, { topicSensorId: 'dl-spoofer', clientId: 'dl-c-spoof' }, { topic_mismatch: 1 });
    // Counted against the publisher, never against the sensor it pretends to be.
    expectEntry(letters[0], { reason: 'topic_mismatch', sensorId: 'dl-spoofer', mqttTopic: 'traffic/v1/dl-spoofer/telemetry', clientId: 'dl-c-spoof', payload: raw });
    expect(letters[0]!.detail).toMatch(/dl-spoofer/);
    expect(letters[0]!.detail).toMatch(/dl-victim/);
  });

  it('when a gateway speaks for a sensor that only shares its prefix (gw1x.a on gw1), then it is topic_mismatch', async () => {
    const batch = [reading({ sensorId: 'gw1x.a' })];
    const letters = await publishExpectingRejection(batch, { topicSensorId: 'gw1', clientId: 'dl-c-gw1' }, { topic_mismatch: 1 });
    expectEntry(letters[0], { reason: 'topic_mismatch', mqttTopic: 'traffic/v1/gw1/telemetry', batchIndex: 0 });
  });

  it('when the segment is not in the road network, then it is rejected as unknown_segment', async () => {
    const raw = JSON.stringify(reading({ sensorId: 'dl-seg', segmentId: 'nowhere-99' }));
    const letters = await publishExpectingRejection(raw, { topicSensorId: 'dl-seg', clientId: 'dl-c-seg' }, { unknown_segment: 1 });
    expectEntry(letters[0], { reason: 'unknown_segment', sensorId: 'dl-seg', clientId: 'dl-c-seg', payload: raw });
    expect(letters[0]!.detail).toMatch(/nowhere-99/);
  });

  it('when ts is more than 5 min in the future, then it is rejected as future_ts', async () => {
    const raw = JSON.stringify(reading({ sensorId: 'dl-future', ts: Date.now() + 10 * MINUTE }));
    const letters = await publishExpectingRejection(raw, { topicSensorId: 'dl-future', clientId: 'dl-c-fut' }, { future_ts: 1 });
    expectEntry(letters[0], { reason: 'future_ts', sensorId: 'dl-future', payload: raw });
  });

  it('when ts is older than 7 days (ISO with offset), then it is rejected as stale_ts', async () => {
    const raw = JSON.stringify(reading({ sensorId: 'dl-stale', ts: new Date(Date.now() - 8 * DAY).toISOString().replace('Z', '+00:00') }));
    const letters = await publishExpectingRejection(raw, { topicSensorId: 'dl-stale', clientId: 'dl-c-stale' }, { stale_ts: 1 });
    expectEntry(letters[0], { reason: 'stale_ts', sensorId: 'dl-stale', payload: raw });
  });

  it('when ts is 4 min in the future or 6 days old, then it is accepted (inside the limits)', async () => {
    const acceptedBefore = await acceptedTotal();
    const batch = [
      reading({ sensorId: 'gw8.soon', ts: Date.now() + 4 * MINUTE }),
      reading({ sensorId: 'gw8.old', ts: Date.now() - 6 * DAY }),
    ];
    await publishExpectingRejection(batch, { topicSensorId: 'gw8', clientId: 'dl-c-gw8' }, {});
    expect(await acceptedTotal()).toBe(acceptedBefore + 2);
  });

  it('when the payload is larger than 64 KiB, then it is rejected as too_large with its first 4 KiB dead-lettered', async () => {
    const json = JSON.stringify(reading({ sensorId: 'dl-big' }));
    const raw = json + ' '.repeat(64 * 1024 + 1 - json.length); // 65 537 bytes of valid JSON
    expect(Buffer.byteLength(raw)).toBe(65_537);
    const letters = await publishExpectingRejection(raw, { topicSensorId: 'dl-big', clientId: 'dl-c-big' }, { too_large: 1 });
    expectEntry(letters[0], { reason: 'too_large', sensorId: 'dl-big', batchIndex: null, payloadTruncated: true, payload: raw.slice(0, 4096) });
  });

  it('when the payload is exactly 64 KiB, then it is accepted', async () => {
    const json = JSON.stringify(reading({ sensorId: 'dl-64k' }));
    const raw = json + ' '.repeat(64 * 1024 - json.length);
    expect(Buffer.byteLength(raw)).toBe(65_536);
    const acceptedBefore = await acceptedTotal();
    await publishExpectingRejection(raw, { topicSensorId: 'dl-64k', clientId: 'dl-c-64k' }, {});
    expect(await acceptedTotal()).toBe(acceptedBefore + 1);
  });

  const compactBatch = (n: number, gateway: string) => {
    const now = Date.now();
    return Array.from({ length: n }, (_, i) => ({
      sensorId: `${gateway}.s`, segmentId: 'vck-eb-01', ts: now - 1_000 - i * 1_000, intervalS: 1, counts: { car: 1 },
    }));
  };

  it('when a batch holds 501 readings, then the whole message is rejected once as too_large', async () => {
    const raw = JSON.stringify(compactBatch(501, 'gw7'));
    expect(Buffer.byteLength(raw)).toBeLessThan(64 * 1024); // the count, not the size, is the reason
    const acceptedBefore = await acceptedTotal();
    const letters = await publishExpectingRejection(raw, { topicSensorId: 'gw7', clientId: 'dl-c-gw7' }, { too_large: 1 });
    expect(letters).toHaveLength(1);
    expectEntry(letters[0], { reason: 'too_large', mqttTopic: 'traffic/v1/gw7/telemetry', sensorId: 'gw7', batchIndex: null, payloadTruncated: true });
    expect(letters[0]!.detail).toMatch(/501/);
    expect(await acceptedTotal()).toBe(acceptedBefore);
  });

  it('when a batch holds 500 readings, then all are accepted and stored', async () => {
    const acceptedBefore = await acceptedTotal();
    await publishExpectingRejection(compactBatch(500, 'gw6'), { topicSensorId: 'gw6', clientId: 'dl-c-gw6' }, {});
    expect(await acceptedTotal()).toBe(acceptedBefore + 500);
    await expect
      .poll(async () => (await getJson(`${rp.baseUrl}/api/v1/sensors/gw6.s`)).body.accepted, { timeout: 8_000 })
      .toBe(500);
  });

  it('when a status message is not a known state, then it is dead-lettered as schema', async () => {
    const raw = '{"state":"sleeping"}';
    const before = await rejectedCount(rp.baseUrl, 'schema');
    await publishTelemetry(rp.mqttUrl, raw, { topic: 'traffic/v1/dl-status/status', clientId: 'dl-c-status' });
    const entry = readDeadLetters(rp.dataDir).at(-1);
    expect(await rejectedCount(rp.baseUrl, 'schema')).toBe(before + 1);
    expectEntry(entry, { reason: 'schema', mqttTopic: 'traffic/v1/dl-status/status', clientId: 'dl-c-status', payload: raw });
  });

  it('when a sensor sent bad and good readings, then its sensor view shows the rejected and accepted counts', async () => {
    const sensorId = 'dl-view';
    await publishTelemetry(rp.mqttUrl, reading({ sensorId, occupancy: 2 }), { clientId: 'dl-c-view' });
    await publishTelemetry(rp.mqttUrl, reading({ sensorId, ts: Date.now() + 30 * MINUTE }), { clientId: 'dl-c-view' });
    await publishTelemetry(rp.mqttUrl, 'nonsense', { topicSensorId: sensorId, clientId: 'dl-c-view' });
    await publishTelemetry(rp.mqttUrl, reading({ sensorId }), { clientId: 'dl-c-view' });
    await expect
      .poll(async () => (await getJson(`${rp.baseUrl}/api/v1/sensors/${sensorId}`)).body, { timeout: 8_000 })
      .toMatchObject({ sensorId, segmentId: 'ql13-nb-01', accepted: 1, rejected: 3 });
  });

  it('when all the bad messages have been handled, then the process still serves and stores a valid reading', async () => {
    const r = reading({ sensorId: 'dl-after', segmentId: 'cmt8-nb-01', counts: { car: 6 }, intervalS: 60, speedKmh: 25 });
    await publishTelemetry(rp.mqttUrl, r, { clientId: 'dl-c-after' });
    expect((await getJson(`${rp.baseUrl}/healthz`)).status).toBe(200);
    // 6 cars in 60 s → 360 veh/h, at 25 km/h on a 50 km/h street.
    const at = new Date((r.ts as number) + 1).toISOString();
    await expect
      .poll(async () => (await getJson(`${rp.baseUrl}/api/v1/segments/cmt8-nb-01/congestion?at=${at}`)).body, { timeout: 8_000 })
      .toMatchObject({ status: 'ok', flowVph: 360, speedKmh: 25, sensorsReporting: 1 });
  });
});

describe('dead letters are kept for inspection (DESIGN §3, §6)', () => {
  it('when the writer has consumed a dead letter and the bus retention pass runs, then the dead letter is still on traffic.telemetry.dlq', async () => {
    // Only setInterval is faked (in this thread), so the bus's periodic retention pass can be run at once.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const own = await startInProcess();
    try {
      const raw = '{"sensorId":"dl-keep", oops';
      await publishTelemetry(own.mqttUrl, raw, { topicSensorId: 'dl-keep', clientId: 'dl-c-keep' });
      await waitFor(() => committedOffset(own.dataDir, 'roadpulse-writer', 'traffic.telemetry.dlq') === 1, {
        what: 'writer committed the dead letter',
      });
      expect(readDeadLetters(own.dataDir).map((d) => d.payload)).toEqual([raw]);

      // Ten minutes of periodic housekeeping (the retention pass runs every minute); far below the
      // retention period, so nothing may go, although the writer has read it.
      vi.advanceTimersByTime(10 * 60_000);

      expect(readDeadLetters(own.dataDir).map((d) => d.payload), 'dead letter deleted by the retention pass').toEqual([raw]);
    } finally {
      vi.useRealTimers();
      await own.close();
    }
  });
});

import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startInProcess, type InProcessPipeline } from '../helpers/embedded.ts';
import { getJson, getOk } from '../helpers/http.ts';
import { fetchMetrics, sampleValue } from '../helpers/metrics.ts';
import { publishReadings, publishTelemetry } from '../helpers/mqtt.ts';
import { readBusTopic } from '../helpers/bus-file.ts';
import { isoPlus7, type TestReading } from '../helpers/readings.ts';
import { waitFor } from '../helpers/wait.ts';

// DESIGN §3, §5, §8: readings in over MQTT, congestion out over HTTP, computed by hand here.
vi.setConfig({ testTimeout: 15_000, hookTimeout: 30_000 });
const POLL = { timeout: 8_000, interval: 50 };

const iso = (ms: number) => new Date(ms).toISOString();
const NO_DATA_FIELDS = {
  status: 'no_data',
  flowVph: null,
  flowPcuph: null,
  speedKmh: null,
  occupancy: null,
  densityPcuPerKmLane: null,
  speedRatio: null,
  tti: null,
  congestionPct: null,
  jamFactor: null,
  los: null,
  lastReadingAt: null,
};

let rp: InProcessPipeline;
// Whole seconds, a few seconds in the past: every reading is recent and inside the windows below.
const T0 = Math.floor(Date.now() / 1000) * 1000 - 5_000;
const AT = T0 + 1; // just after the last reading (window [AT − 5 min, AT) holds them all)

// ql13-nb-01: urban, 3 lanes, free flow 60 km/h, 1740 m.  mptv-nb-01: highway, 3 lanes, 90 km/h, 3311 m.
const laneA: TestReading = {
  sensorId: 'cg-a', segmentId: 'ql13-nb-01', lane: 1, ts: T0 - 60_000, intervalS: 60,
  counts: { motorbike: 50, car: 10 }, speedKmh: 30, occupancy: 0.2, seq: 1,
};
const laneB: TestReading = {
  // ts as ISO 8601 with the Vietnamese offset: must land on the same instant as T0 − 30 s.
  sensorId: 'cg-b', segmentId: 'ql13-nb-01', lane: 2, ts: isoPlus7(T0 - 30_000), intervalS: 60,
  counts: { car: 14, bus: 4, truck: 2 }, speedKmh: 40, occupancy: 0.3,
};
const gatewayBatch: TestReading[] = [
  { sensorId: 'gw1.l3', segmentId: 'ql13-nb-01', lane: 3, ts: T0 - 30_000, intervalS: 30,
    counts: { motorbike: 25, bicycle: 5 }, speedKmh: 20, occupancy: 0.5 },
  // Vehicles but no speed and no occupancy: counts in the flow, not in the speed or occupancy means.
  { sensorId: 'gw1.l3', segmentId: 'ql13-nb-01', lane: 3, ts: T0, intervalS: 30,
    counts: { motorbike: 8, other: 2 }, speedKmh: null },
  { sensorId: 'gw1.m1', segmentId: 'mptv-nb-01', lane: 1, ts: T0, intervalS: 60,
    counts: { car: 30, truck: 6 }, speedKmh: 60, occupancy: 0.25 },
];

/*
 * ql13-nb-01 by hand (DESIGN §5, default PCU: motorbike 0.3, car 1, bus 2.5, truck 2.5, bicycle 0.2, other 1):
 *   cg-a:   O = 60 s; n = 50 + 10 = 60 veh;  pcu = 50×0.3 + 10×1 = 25
 *           q = 60 × 3600/60 = 3600 veh/h;   25 × 60 = 1500 pcu/h
 *   cg-b:   O = 60 s; n = 14 + 4 + 2 = 20;  pcu = 14 + 4×2.5 + 2×2.5 = 29
 *           q = 20 × 60 = 1200 veh/h;        29 × 60 = 1740 pcu/h
 *   gw1.l3: O = 30 + 30 = 60 s; n = 30 + 10 = 40; pcu = 25×0.3 + 5×0.2 + 8×0.3 + 2×1 = 7.5 + 1 + 2.4 + 2 = 12.9
 *           q = 40 × 60 = 2400 veh/h;        12.9 × 60 = 774 pcu/h
 *   flow = 3600 + 1200 + 2400 = 7200 veh/h;  1500 + 1740 + 774 = 4014 pcu/h
 *   v = Σn / Σ(n/v) over readings with a speed = (60 + 20 + 30) / (60/30 + 20/40 + 30/20) = 110 / 4 = 27.5 km/h
 *   occupancy = (0.2×60 + 0.3×60 + 0.5×30) / (60 + 60 + 30) = 45 / 150 = 0.3
 *   k = 4014 / 3 lanes / 27.5 = 48.6545… → 48.65 pcu/km/lane
 *   r = 27.5 / 60 = 0.45833 → 0.458;  TTI = 60 / 27.5 = 2.1818 → 2.182;  congestion = 118.18 → 118.2 %
 *   jam = 10 × (1 − 0.45833) = 5.4167 → 5.4;  urban LOS by r: 0.40 < 0.458 ≤ 0.50 → D
 */
const expectedQl13 = {
  segmentId: 'ql13-nb-01', window: '5m', from: iso(AT - 300_000), to: iso(AT), status: 'ok',
  flowVph: 7200, flowPcuph: 4014, speedKmh: 27.5, occupancy: 0.3, densityPcuPerKmLane: 48.65,
  speedRatio: 0.458, tti: 2.182, congestionPct: 118.2, jamFactor: 5.4, los: 'D',
  sensorsReporting: 3, sensorsKnown: 3, stationsReporting: 1, sensorsFaulty: 0, lastReadingAt: iso(T0),
};
/*
 * mptv-nb-01 by hand: n = 36, pcu = 30 + 6×2.5 = 45, O = 60 s → 2160 veh/h, 2700 pcu/h; v = 60 km/h
 *   k = 2700 / 3 / 60 = 15 pcu/km/lane → highway LOS by density: 11 < 15 ≤ 16 → C
 *   r = 60/90 = 0.6667 → 0.667; TTI = 1.5; congestion 50 %; jam = 10 × (1/3) = 3.3
 */
const expectedMptv = {
  segmentId: 'mptv-nb-01', window: '5m', from: iso(AT - 300_000), to: iso(AT), status: 'ok',
  flowVph: 2160, flowPcuph: 2700, speedKmh: 60, occupancy: 0.25, densityPcuPerKmLane: 15,
  speedRatio: 0.667, tti: 1.5, congestionPct: 50, jamFactor: 3.3, los: 'C',
  sensorsReporting: 1, sensorsKnown: 1, stationsReporting: 1, sensorsFaulty: 0, lastReadingAt: iso(T0),
};

const congestionUrl = (segmentId: string, at: number, window = '5m') =>
  `${rp.baseUrl}/api/v1/segments/${segmentId}/congestion?window=${window}&at=${encodeURIComponent(iso(at))}`;

beforeAll(async () => {
  rp = await startInProcess();
  await publishReadings(rp.mqttUrl, [laneA, laneB]);
  await publishTelemetry(rp.mqttUrl, gatewayBatch, { topicSensorId: 'gw1', clientId: 'gw1-client' });
});

afterAll(async () => {
  await rp?.close();
});

describe('congestion from MQTT readings (DESIGN §5)', () => {
  it('when two lane sensors and a gateway batch are acknowledged, then ingest counts 5 accepted and none rejected', async () => {
    const metrics = await fetchMetrics(rp.baseUrl);
    expect(sampleValue(metrics, 'roadpulse_readings_accepted_total')).toBe(5);
    for (const reason of ['invalid_json', 'schema', 'topic_mismatch', 'unknown_segment', 'future_ts', 'stale_ts', 'too_large']) {
      expect(sampleValue(metrics, 'roadpulse_readings_rejected_total', { reason }), reason).toBe(0);
    }
  });

  it('when readings are acknowledged, then they are on traffic.telemetry.v1 keyed by segment, ts as epoch ms, with the client id', () => {
    const messages = readBusTopic(rp.dataDir, 'traffic.telemetry.v1');
    expect(messages.map((m) => [m.key, JSON.parse(m.value).sensorId, JSON.parse(m.value).ts]).sort()).toEqual(
      [
        ['mptv-nb-01', 'gw1.m1', T0],
        ['ql13-nb-01', 'cg-a', T0 - 60_000],
        ['ql13-nb-01', 'cg-b', T0 - 30_000], // "+07:00" normalised to the same instant
        ['ql13-nb-01', 'gw1.l3', T0 - 30_000],
        ['ql13-nb-01', 'gw1.l3', T0],
      ].sort(),
    );
    const fromGateway = messages.filter((m) => JSON.parse(m.value).sensorId.startsWith('gw1.'));
    for (const m of fromGateway) expect(m.headers?.clientId).toBe('gw1-client');
  });

  it('when the segment congestion is asked for the window ending just after the readings, then every field matches the hand computation', async () => {
    await expect
      .poll(async () => (await getJson(congestionUrl('ql13-nb-01', AT))).body, POLL)
      .toEqual(expectedQl13);
  });

  it('when a gateway batch holds a reading of a highway segment, then its LOS follows the density', async () => {
    await expect
      .poll(async () => (await getJson(congestionUrl('mptv-nb-01', AT))).body, POLL)
      .toEqual(expectedMptv);
  });

  it('when a segment has no reading in the window, then its status is no_data with every measured field and the LOS null', async () => {
    const res = await getJson(congestionUrl('vck-eb-01', AT));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      segmentId: 'vck-eb-01', window: '5m', from: iso(AT - 300_000), to: iso(AT),
      ...NO_DATA_FIELDS, sensorsReporting: 0, sensorsKnown: 0, stationsReporting: 0, sensorsFaulty: 0,
    });
  });

  it('when readings sit on the window edges, then [at − W, at) holds the first ms and not `at` itself', async () => {
    // ql13-nb-02: urban, 3 lanes, free flow 60 km/h.
    const at = T0 - 3_600_000;
    const edge = (ts: number, cars: number, speedKmh: number): TestReading => ({
      sensorId: 'edge-1', segmentId: 'ql13-nb-02', lane: 1, ts, intervalS: 60, counts: { car: cars }, speedKmh, occupancy: 0.1,
    });
    await publishReadings(rp.mqttUrl, [edge(at - 300_001, 100, 6), edge(at - 300_000, 10, 48), edge(at, 100, 6)]);
    /*
     * Only the reading at at − 300 000 counts: 10 cars in 60 s → 600 veh/h = 600 pcu/h; v = 48 km/h
     * k = 600 / 3 / 48 = 4.1667 → 4.17; r = 48/60 = 0.8 → urban LOS B (A needs r > 0.80)
     * TTI = 1.25; congestion 25 %; jam = 10 × 0.2 = 2
     */
    await expect.poll(async () => (await getJson(congestionUrl('ql13-nb-02', at))).body, POLL).toEqual({
      segmentId: 'ql13-nb-02', window: '5m', from: iso(at - 300_000), to: iso(at), status: 'ok',
      flowVph: 600, flowPcuph: 600, speedKmh: 48, occupancy: 0.1, densityPcuPerKmLane: 4.17,
      speedRatio: 0.8, tti: 1.25, congestionPct: 25, jamFactor: 2, los: 'B',
      sensorsReporting: 1, sensorsKnown: 1, stationsReporting: 1, sensorsFaulty: 0, lastReadingAt: iso(at - 300_000),
    });
  });

  it('when sensors report but no vehicle passed, then the segment is free flow (r = 1, LOS A, flow 0), not no_data', async () => {
    const at = T0 - 7_200_000;
    await publishReadings(rp.mqttUrl, [
      { sensorId: 'ff-1', segmentId: 'le-loi-nb-01', ts: at - 10_000, intervalS: 60, counts: { car: 0, motorbike: 0 }, speedKmh: null, occupancy: 0 },
    ]);
    await expect.poll(async () => (await getJson(congestionUrl('le-loi-nb-01', at))).body, POLL).toEqual({
      segmentId: 'le-loi-nb-01', window: '5m', from: iso(at - 300_000), to: iso(at), status: 'ok',
      flowVph: 0, flowPcuph: 0, speedKmh: null, occupancy: 0, densityPcuPerKmLane: 0,
      speedRatio: 1, tti: 1, congestionPct: 0, jamFactor: 0, los: 'A',
      sensorsReporting: 1, sensorsKnown: 1, stationsReporting: 1, sensorsFaulty: 0, lastReadingAt: iso(at - 10_000),
    });
  });
  it('when a segment had a reading earlier but none in the window, then it is no_data, still counts its known sensor and tells when it last reported', async () => {
    // le-loi-nb-01 got ff-1's reading 2 h ago (test above, or this one alone): known within 24 h, not reporting now.
    await publishReadings(rp.mqttUrl, [
      { sensorId: 'ff-1', segmentId: 'le-loi-nb-01', ts: T0 - 7_200_000 - 10_000, intervalS: 60, counts: { car: 0 }, speedKmh: null, occupancy: 0 },
    ]);
    await expect.poll(async () => (await getJson(congestionUrl('le-loi-nb-01', AT))).body, POLL).toEqual({
      segmentId: 'le-loi-nb-01', window: '5m', from: iso(AT - 300_000), to: iso(AT),
      ...NO_DATA_FIELDS, sensorsReporting: 0, sensorsKnown: 1, stationsReporting: 0, sensorsFaulty: 0, lastReadingAt: iso(T0 - 7_210_000),
    });
  });

  it('when the same reading arrives twice (a QoS 1 re-send), then it is stored and counted once', async () => {
    const at = T0 - 3 * 3_600_000;
    const twice: TestReading = {
      sensorId: 'dup-1', segmentId: 'cmt8-sb-01', lane: 1, ts: at - 60_000, intervalS: 60, counts: { car: 9 }, speedKmh: 45, occupancy: 0.1, seq: 7,
    };
    const storedTotal = async () => sampleValue(await fetchMetrics(rp.baseUrl), 'roadpulse_readings_stored_total') ?? NaN;
    // Earlier tests' readings may still be on their way to the store (the writer batches): wait until it caught up.
    const caughtUp = async () => {
      const metrics = await fetchMetrics(rp.baseUrl);
      return sampleValue(metrics, 'roadpulse_readings_stored_total') === sampleValue(metrics, 'roadpulse_readings_accepted_total');
    };
    await expect.poll(caughtUp, POLL).toBe(true);
    const storedBefore = await storedTotal();
    await publishReadings(rp.mqttUrl, [twice]);
    await publishReadings(rp.mqttUrl, [twice]);
    // The writer has written both copies (it counts replays)…
    await expect.poll(storedTotal, POLL).toBe(storedBefore + 2);
    // …and the store holds one: 9 cars in 60 s → 540 veh/h (two copies would also give 540, so check the count).
    expect((await getJson(`${rp.baseUrl}/api/v1/sensors/dup-1`)).body).toMatchObject({ sensorId: 'dup-1', accepted: 1 });
    expect((await getJson(congestionUrl('cmt8-sb-01', at))).body).toMatchObject({ status: 'ok', flowVph: 540, sensorsReporting: 1 });
  });
});

describe('city views for the window ending now (DESIGN §5, §8)', () => {
  it('when the ranking is asked, then the segments with data come most congested first, and los/limit filter it', async () => {
    const ranked = await getOk(`${rp.baseUrl}/api/v1/congestion?window=5m`);
    expect(ranked.window).toBe('5m');
    // 118.2 % before 50 %; segments without data have no congestion % and are not ranked.
    expect(ranked.records.map((r: { segmentId: string }) => r.segmentId)).toEqual(['ql13-nb-01', 'mptv-nb-01']);
    const first = ranked.records[0];
    expect(first).toMatchObject({ flowVph: 7200, flowPcuph: 4014, speedKmh: 27.5, congestionPct: 118.2, los: 'D', sensorsReporting: 3 });

    const onlyC = await getOk(`${rp.baseUrl}/api/v1/congestion?window=5m&los=C,E`);
    expect(onlyC.records.map((r: { segmentId: string }) => r.segmentId)).toEqual(['mptv-nb-01']);
    const lowerCase = await getOk(`${rp.baseUrl}/api/v1/congestion?los=d`);
    expect(lowerCase.records.map((r: { segmentId: string }) => r.segmentId)).toEqual(['ql13-nb-01']);
    const top1 = await getOk(`${rp.baseUrl}/api/v1/congestion?limit=1`);
    expect(top1.records.map((r: { segmentId: string }) => r.segmentId)).toEqual(['ql13-nb-01']);
  });

  it('when the city summary is asked, then it weights congestion by length and counts segments per LOS', async () => {
    const network = await getOk(`${rp.baseUrl}/api/v1/segments`);
    const total = network.segments.length;
    const summary = await getOk(`${rp.baseUrl}/api/v1/congestion/summary?window=5m`);
    // (118.2 × 1740 m + 50 × 3311 m) / (1740 + 3311) m = (205 668 + 165 550) / 5051 = 73.49… → 73.5 %
    expect(summary).toMatchObject({
      window: '5m',
      segmentsTotal: total,
      segmentsWithData: 2,
      meanCongestionPct: 73.5,
      losCounts: { A: 0, B: 0, C: 1, D: 1, E: 0, F: 0, no_data: total - 2, unknown: 0 },
    });
    expect(summary.mostCongested.map((r: { segmentId: string }) => r.segmentId)).toEqual(['ql13-nb-01', 'mptv-nb-01']);
  });

  it('when the sensors are listed, then each lane sensor shows its accepted readings and the gateway is no sensor itself', async () => {
    const { sensors } = await getOk(`${rp.baseUrl}/api/v1/sensors`);
    const byId = new Map<string, Record<string, unknown>>(sensors.map((s: { sensorId: string }) => [s.sensorId, s]));
    expect(byId.get('cg-a')).toMatchObject({ segmentId: 'ql13-nb-01', accepted: 1, rejected: 0, lastReadingAt: iso(T0 - 60_000) });
    expect(byId.get('cg-b')).toMatchObject({ segmentId: 'ql13-nb-01', accepted: 1, rejected: 0, lastReadingAt: iso(T0 - 30_000) });
    expect(byId.get('gw1.l3')).toMatchObject({ segmentId: 'ql13-nb-01', accepted: 2, rejected: 0, lastReadingAt: iso(T0) });
    expect(byId.get('gw1.m1')).toMatchObject({ segmentId: 'mptv-nb-01', accepted: 1, rejected: 0, lastReadingAt: iso(T0) });
    expect(byId.has('gw1')).toBe(false);

    const one = await getOk(`${rp.baseUrl}/api/v1/sensors/gw1.l3`);
    expect(one).toMatchObject({ sensorId: 'gw1.l3', accepted: 2, rejected: 0 });
  });
});

describe('segment history (DESIGN §8)', () => {
  it('when readings fall in two 5-minute buckets, then history has one record per bucket with the data in the right one', async () => {
    // yersin-eb-01: urban, 2 lanes, free flow 40 km/h. Buckets end on multiples of 5 min.
    const B = 300_000;
    const start = Math.floor((T0 - 20 * 60_000) / B) * B; // a bucket [start, start + 5 min) about 20 min ago
    const r = (ts: number, counts: TestReading['counts'], speedKmh: number, occupancy: number): TestReading => ({
      sensorId: 'hist-1', segmentId: 'yersin-eb-01', lane: 1, ts, intervalS: 60, counts, speedKmh, occupancy,
    });
    await publishReadings(rp.mqttUrl, [
      r(start + 10_000, { car: 12, motorbike: 20 }, 20, 0.4),
      r(start + B - 1, { car: 6 }, 30, 0.2), // last ms of the bucket
      r(start + B, { car: 3 }, 40, 0), // first ms of the next bucket
    ]);
    const from = start - 2 * B;
    const to = start + 3 * B;
    const url = `${rp.baseUrl}/api/v1/segments/yersin-eb-01/history?from=${iso(from)}&to=${iso(to)}&bucket=5m`;

    // The writer stores asynchronously: wait until both buckets see their reading(s).
    const body = await waitFor(
      async () => {
        const b = await getOk(url);
        const ok = b.records.filter((x: { status: string; flowVph: number }) => x.status === 'ok');
        return ok.length === 2 && ok[0].flowVph === 1140 ? b : undefined;
      },
      { timeoutMs: 8_000, what: 'history with both buckets filled' },
    );
    expect(body).toMatchObject({ segmentId: 'yersin-eb-01', bucket: '5m', from: iso(from), to: iso(to) });
    // 5 buckets ending at start − 5 min, start, start + 5, + 10, + 15 min.
    expect(body.records.map((x: { to: string }) => x.to)).toEqual([start - B, start, start + B, start + 2 * B, start + 3 * B].map(iso));
    expect(body.records.map((x: { status: string }) => x.status)).toEqual(['no_data', 'no_data', 'ok', 'ok', 'no_data']);
    /*
     * Bucket ending start + 5 min: O = 120 s; n = 32 + 6 = 38; pcu = 12 + 20×0.3 + 6 = 24
     *   → 38 × 3600/120 = 1140 veh/h; 24 × 30 = 720 pcu/h; v = 38 / (32/20 + 6/30) = 38 / 1.8 = 21.11 → 21.1
     *   occupancy = (0.4×60 + 0.2×60)/120 = 0.3; r = 21.11/40 = 0.528 → urban LOS C
     */
    expect(body.records[2]).toMatchObject({
      window: '5m', from: iso(start), to: iso(start + B),
      flowVph: 1140, flowPcuph: 720, speedKmh: 21.1, occupancy: 0.3, speedRatio: 0.528, los: 'C', sensorsReporting: 1,
      lastReadingAt: iso(start + B - 1),
    });
    // Bucket ending start + 10 min: 3 cars in 60 s → 180 veh/h; v = 40 = free flow → r = 1, LOS A, 0 %.
    expect(body.records[3]).toMatchObject({
      from: iso(start + B), to: iso(start + 2 * B),
      flowVph: 180, flowPcuph: 180, speedKmh: 40, occupancy: 0, speedRatio: 1, congestionPct: 0, los: 'A',
      lastReadingAt: iso(start + B),
    });
  });
});

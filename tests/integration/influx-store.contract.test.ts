import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { InfluxStore, type InfluxStoreOptions } from '../../shared/adapters/influx-store.ts';
import { AppError } from '../../shared/errors/app-error.ts';
import { createLogger } from '../../shared/logging/create-logger.ts';
import { detectorTotalsOf } from '../../shared/traffic/detector-totals.ts';
import { requireService } from '../helpers/real-services.ts';
import { T0, bucketTotalsOf, expectSameBuckets, expectSameTotals, reading, rejection, sorted, status, storeContract, uniqueId } from '../contract/store-contract.ts';

/**
 * The Store contract and the InfluxDB-specific behaviour on a real InfluxDB (1.x here; the adapter
 * speaks only the /write + /query surface 2.x and 3.x serve too). One fresh database per file.
 */
// Fails this file (never skips) when InfluxDB is not running; settings from env or scripts/services.sh env.
const influx = await requireService('influxdb');
const database = `roadpulse_contract_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
const log = createLogger({ level: 'silent' });

function storeOptions(extra: Partial<InfluxStoreOptions> = {}): InfluxStoreOptions {
  return { url: influx.url, database, username: influx.username, password: influx.password, log, ...extra };
}

beforeAll(async () => {
  await influxql(`CREATE DATABASE "${database}"`);
});
afterAll(async () => {
  await influxql(`DROP DATABASE "${database}"`);
});

storeContract('InfluxStore (real InfluxDB)', async () => {
  const store = new InfluxStore(storeOptions());
  return { store, cleanup: () => store.close() };
});

describe('InfluxStore on a real InfluxDB', () => {
  let store: InfluxStore;
  beforeAll(() => {
    store = new InfluxStore(storeOptions());
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('when ids use every allowed special char and texts hold quotes, commas, spaces, = and newlines, then all round-trip exactly (escaping by the client library)', async () => {
    const id = uniqueId();
    const sensorId = `S_1.x-${id}`;
    const segmentId = `QL-13.nb_${id}.km-4_5`;
    const awkward = `he said "stop", a=b c\\d\nsecond line, with 'quotes' = and \\" too\r\n\ttab`;
    const r = reading({ sensorId, segmentId, ts: T0 + 1_000, occupancy: 1e-7, speedKmh: 0.1 + 0.2 });
    await store.writeReadings([r]);
    await store.writeRejections([
      rejection({ sensorId, receivedAt: new Date(T0 + 2_000).toISOString(), detail: awkward, clientId: `client "x", y=z ${id}\n` }),
    ]);
    const detail = { note: awkward, 'key with = and ,': 'v "w"', nested: { list: [1, 'a,b'] } };
    await store.writeSensorStatus([status(sensorId, 'degraded', T0 + 3_000, detail)]);

    expect(await store.readings({ from: T0, to: T0 + 60_000 }, [segmentId])).toEqual([r]);
    expect((await store.segmentActivity({ from: T0, to: T0 + 60_000 }, [segmentId])).get(segmentId)?.sensors).toBe(1);
    const [summary] = (await store.sensors({ from: T0, to: T0 + 60_000 })).filter((s) => s.sensorId === sensorId);
    expect(summary).toMatchObject({ segmentId, accepted: 1, rejected: 1, state: 'degraded', stateAt: T0 + 3_000 });

    // What InfluxDB holds, read without the adapter: tag values and string fields exactly as sent.
    const tags = await influxql(`SELECT "count_total", "sensor_id", "segment_id" FROM "traffic_reading" WHERE "sensor_id" = '${sensorId}'`, database);
    expect(tags.series?.[0]?.values).toEqual([[T0 + 1_000, 50, sensorId, segmentId]]);
    const rej = await influxql(`SELECT "detail", "client_id" FROM "telemetry_rejection" WHERE "sensor_id" = '${sensorId}'`, database);
    expect(rej.series?.[0]?.values?.[0]?.slice(1)).toEqual([awkward, `client "x", y=z ${id}\n`]);
    const st = await influxql(`SELECT "detail" FROM "sensor_status" WHERE "sensor_id" = '${sensorId}'`, database);
    expect(JSON.parse(st.series?.[0]?.values?.[0]?.[1] as string)).toEqual(detail);
  });

  it('when more readings than one request holds are written, then they go in several /write requests and all are stored', async () => {
    const id = uniqueId();
    const small = new InfluxStore(storeOptions({ maxPointsPerWrite: 1000 }));
    const segmentId = `seg-${id}`;
    const rs = Array.from({ length: 4_500 }, (_, i) =>
      reading({ sensorId: `s-${id}-${i % 30}`, segmentId, ts: T0 + Math.floor(i / 30) * 1_000, seq: i }),
    );
    const fetchSpy = vi.spyOn(globalThis, 'fetch');

    await small.writeReadings(rs);

    const writes = fetchSpy.mock.calls.filter(([url]) => String(url).includes('/write?'));
    expect(writes).toHaveLength(5);
    const got = await small.readings({ from: T0, to: T0 + 3_600_000 }, [segmentId]);
    expect(got).toHaveLength(4_500);
    expect(sorted(got)).toEqual(sorted(rs));
  });

  it('when many segments are asked for, then the id list is split across statements and every segment answers', async () => {
    const id = uniqueId();
    const ids = Array.from({ length: 250 }, (_, i) => `seg-${id}-${i}`);
    await store.writeReadings(ids.map((segmentId, i) => reading({ sensorId: `s-${id}-${i}`, segmentId, ts: T0 + i })));

    expect(await store.readings({ from: T0, to: T0 + 60_000 }, ids)).toHaveLength(250);
    const activity = await store.segmentActivity({ from: T0, to: T0 + 60_000 }, ids);
    expect([...activity.values()].every((a) => a.sensors === 1)).toBe(true);
    expect(activity.size).toBe(250);
  });

  it('when a window holds thousands of readings, then InfluxDB sums them: the store asks for sums per detector and never for the readings', async () => {
    const id = uniqueId();
    const segmentId = `seg-${id}`;
    const rs = Array.from({ length: 3_000 }, (_, i) =>
      reading({ sensorId: `s-${id}-${i % 6}`, segmentId, ts: T0 + i * 100, lane: i % 3 === 0 ? null : 1 + (i % 2),
        speedKmh: i % 5 === 0 ? null : 5 + (i % 70), occupancy: i % 7 === 0 ? null : (i % 10) / 10, intervalS: 20 + (i % 3) * 20 }),
    );
    await store.writeReadings(rs);
    const range = { from: T0 + 1_050, to: T0 + 250_050 };
    const fetchSpy = vi.spyOn(globalThis, 'fetch');

    const got = await store.detectorTotals(range, [segmentId]);

    const queries = fetchSpy.mock.calls.map(([url]) => new URL(String(url)).searchParams.get('q') ?? '');
    expect(queries.length).toBeGreaterThan(0);
    expect(queries.every((q) => /^SELECT (sum|last)\(/.test(q))).toBe(true);
    expectSameTotals(got, detectorTotalsOf(rs, range));
  });

  it('when readings were stored before the term fields existed, then that detector is summed from its points, with the terms newer points store, and the totals stay exact', async () => {
    const id = uniqueId();
    const segmentId = `seg-${id}`;
    const stored = reading({ sensorId: `s-${id}`, segmentId, ts: T0 + 2_000, speedKmh: 30, occupancy: 0.25 });
    const neighbour = reading({ sensorId: `s-${id}-other`, segmentId, ts: T0 + 3_000 }); // same segment, no old points: summed by InfluxDB
    await store.writeReadings([stored, neighbour]);
    // A rewrite without speed and occupancy: InfluxDB keeps the old speed_kmh and occupancy fields, the stored terms become 0.
    const rewritten = { ...stored, speedKmh: null, occupancy: null };
    await store.writeReadings([rewritten]);
    // As the previous version wrote it: no speed_vehicles, speed_hours, occupancy_seconds or occupancy_weighted.
    const old = reading({ sensorId: `s-${id}`, segmentId, ts: T0 + 1_000, lane: 1, intervalS: 60, speedKmh: 20, occupancy: 0.5,
      counts: { motorbike: 10, car: 2, bus: 0, truck: 0, bicycle: 0, other: 0 }, seq: 3 });
    await influxWrite(
      `traffic_reading,lane=1,segment_id=${segmentId},sensor_id=s-${id} interval_s=60i,count_motorbike=10i,count_car=2i,count_bus=0i,` +
        `count_truck=0i,count_bicycle=0i,count_other=0i,count_total=12i,pcu_total=5,speed_kmh=20,occupancy=0.5,seq=3i ${T0 + 1_000}`,
    );
    const range = { from: T0, to: T0 + 60_000 };

    expectSameTotals(await store.detectorTotals(range, [segmentId]), detectorTotalsOf([old, rewritten, neighbour], range));
  });

  it('when history buckets are asked, then InfluxDB sums per bucket (GROUP BY time) and the latest point per bucket comes from one POST of last() statements, never from the readings', async () => {
    const id = uniqueId();
    const segmentId = `seg-${id}`;
    const rs = Array.from({ length: 600 }, (_, i) =>
      reading({ sensorId: `s-${id}-${i % 5}`, segmentId, ts: T0 + i * 7_000, lane: 1 + (i % 2), speedKmh: i % 4 === 0 ? null : 10 + (i % 50) }),
    );
    await store.writeReadings(rs);
    const range = { from: T0 + 30_000, to: T0 + 69 * 60_000 + 10_000 };
    const fetchSpy = vi.spyOn(globalThis, 'fetch');

    const got = await store.detectorTotalsByBucket(range, [segmentId], 15 * 60_000);

    const calls = fetchSpy.mock.calls.map(([url, init]) => ({ url: new URL(String(url)), init }));
    const gets = calls.filter((c) => c.init?.method === 'GET').map((c) => c.url.searchParams.get('q') ?? '');
    const posts = calls.filter((c) => c.init?.method === 'POST').map((c) => new URLSearchParams(String(c.init?.body)).get('q') ?? '');
    expect(gets).toHaveLength(1);
    expect(gets[0]).toMatch(/^SELECT sum\(.* GROUP BY time\(900000ms\), "segment_id", "station_id", "sensor_id", "lane" fill\(none\)$/);
    expect(posts).toHaveLength(1);
    expect(posts[0]!.split(';\n').every((q) => /^SELECT last\("interval_s"\) /.test(q))).toBe(true);
    expect(posts[0]!.split(';\n')).toHaveLength(5); // 5 buckets touch the range
    expectSameBuckets(got, bucketTotalsOf(rs, range, 15 * 60_000));
  });

  it('when a bucket holds points stored before the term fields existed, then that detector-bucket is summed from its points and the others by InfluxDB', async () => {
    const id = uniqueId();
    const segmentId = `seg-${id}`;
    const fresh = [reading({ sensorId: `s-${id}`, segmentId, ts: T0 + 20 * 60_000, lane: 1 }), reading({ sensorId: `s-${id}-b`, segmentId, ts: T0 + 2_000 })];
    await store.writeReadings(fresh);
    // As the previous version wrote it: no term fields.
    const old = reading({ sensorId: `s-${id}`, segmentId, ts: T0 + 1_000, lane: 1, intervalS: 60, speedKmh: 20, occupancy: 0.5,
      counts: { motorbike: 10, car: 2, bus: 0, truck: 0, bicycle: 0, other: 0 }, seq: 3 });
    await influxWrite(
      `traffic_reading,lane=1,segment_id=${segmentId},sensor_id=s-${id} interval_s=60i,count_motorbike=10i,count_car=2i,count_bus=0i,` +
        `count_truck=0i,count_bicycle=0i,count_other=0i,count_total=12i,pcu_total=5,speed_kmh=20,occupancy=0.5,seq=3i ${T0 + 1_000}`,
    );
    const range = { from: T0, to: T0 + 30 * 60_000 };

    expectSameBuckets(await store.detectorTotalsByBucket(range, [segmentId], 5 * 60_000), bucketTotalsOf([old, ...fresh], range, 5 * 60_000));
  });

  it('when the database does not exist, then writes and queries fail with a non-retriable AppError carrying InfluxDB’s message', async () => {
    const missing = new InfluxStore(storeOptions({ database: `missing_${uniqueId().replace(/-/g, '')}` }));
    const write = missing.writeReadings([reading({ sensorId: 's', segmentId: 'g', ts: T0 })]);
    await expect(write).rejects.toMatchObject({ code: 'store_unavailable', retriable: false });
    await expect(write).rejects.toThrow(/database not found/);
    await expect(missing.readings({ from: T0, to: T0 + 1 }, ['g'])).rejects.toMatchObject({ retriable: false, message: expect.stringMatching(/database not found/) });
  });

  it('when the password is wrong, then the write fails with a non-retriable AppError (HTTP 401)', async () => {
    const wrong = new InfluxStore(storeOptions({ password: 'not-the-password' }));
    await expect(wrong.writeReadings([reading({ sensorId: 's', segmentId: 'g', ts: T0 })])).rejects.toMatchObject({
      code: 'store_unavailable',
      retriable: false,
      message: expect.stringMatching(/HTTP 401.*authorization failed/),
    });
  });

  it('when the password is wrong, then ping (readiness) fails too, not only the writes', async () => {
    const wrong = new InfluxStore(storeOptions({ password: 'not-the-password' }));
    await expect(wrong.ping()).rejects.toMatchObject({ code: 'store_unavailable', message: expect.stringMatching(/401/) });
    await expect(store.ping()).resolves.toBeUndefined();
  });

  it('when an id breaks the id rule, then no query is sent and the call fails with bad_request', async () => {
    await expect(store.readings({ from: T0, to: T0 + 1 }, [`x' OR 1=1 --`])).rejects.toMatchObject({ code: 'bad_request' });
    await expect(store.congestionHistory('a/b', '5m', { from: T0, to: T0 + 1 })).rejects.toMatchObject({ code: 'bad_request' });
  });

  it('when InfluxDB is up, then ping resolves; when nothing listens, then ping and writes fail with a retriable AppError', async () => {
    await expect(store.ping()).resolves.toBeUndefined();
    const port = await closedPort();
    const down = new InfluxStore(storeOptions({ url: `http://127.0.0.1:${port}` }));
    await expect(down.ping()).rejects.toMatchObject({ code: 'store_unavailable', retriable: true });
    await expect(down.writeReadings([reading({ sensorId: 's', segmentId: 'g', ts: T0 })])).rejects.toMatchObject({
      code: 'store_unavailable',
      retriable: true,
    });
  });
});

/**
 * The HTTP shape production (InfluxDB 2.x/3.x) sees, and the server-side failures a healthy 1.x
 * here never produces, against a tiny local HTTP server.
 */
describe('InfluxStore HTTP requests and failures', () => {
  let server: Server;
  let url: string;
  let respond: (req: IncomingMessage, body: string) => { status: number; body?: string } | null;
  const requests: { method: string; path: string; headers: IncomingMessage['headers']; body: string }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (body += c));
      req.on('end', () => {
        requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body });
        const answer = respond(req, body);
        if (answer === null) return; // never answer: a hung server
        res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body ?? '');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('when a token is configured, then writes go to /write?db&rp&precision=ms with "Authorization: Token" and Point line protocol', async () => {
    requests.length = 0;
    respond = () => ({ status: 204 });
    const store = new InfluxStore({ url: `${url}/`, database: 'roadpulse', retentionPolicy: 'autogen', token: 'tok-123', log });
    await store.writeReadings([reading({ sensorId: 'S.1', segmentId: 'seg_a-1', ts: T0 + 5, lane: null, seq: null })]);

    expect(requests).toHaveLength(1);
    const [req] = requests;
    expect(req?.method).toBe('POST');
    expect(new URL(req!.path, url).searchParams).toEqual(new URLSearchParams({ db: 'roadpulse', precision: 'ms', rp: 'autogen' }));
    expect(req?.headers.authorization).toBe('Token tok-123');
    expect(req?.body).toBe(
      'traffic_reading,segment_id=seg_a-1,sensor_id=S.1 count_bicycle=3i,count_bus=1i,count_car=12i,count_motorbike=31i,' +
        'count_other=1i,count_total=50i,count_truck=2i,interval_s=60i,occupancy=0.137,occupancy_seconds=60i,' +
        // The detector-sum terms: 50 vehicles / 42.7 km/h, and 0.137 × 60 s.
        `occupancy_weighted=8.22,pcu_total=30.4,speed_hours=1.17096018735363,speed_kmh=42.7,speed_vehicles=50i ${T0 + 5}`,
    );
  });

  it('when a token is configured, then queries are GET /query?db&rp&epoch=ms&q with "Authorization: Token"', async () => {
    requests.length = 0;
    respond = () => ({ status: 200, body: '{"results":[{"statement_id":0}]}' });
    const store = new InfluxStore({ url, database: 'roadpulse', retentionPolicy: 'autogen', token: 'tok-123', log });
    expect(await store.congestionHistory('seg.a_1-b', '5m', { from: T0, to: T0 + 300_000 })).toEqual([]);

    const [req] = requests;
    expect(req?.method).toBe('GET');
    expect(req?.headers.authorization).toBe('Token tok-123');
    expect(Object.fromEntries(new URL(req!.path, url).searchParams)).toEqual({
      db: 'roadpulse',
      rp: 'autogen',
      epoch: 'ms',
      q: `SELECT * FROM "segment_congestion" WHERE "segment_id" = 'seg.a_1-b' AND "window" = '5m' AND time >= ${T0}ms AND time < ${T0 + 300_000}ms`,
    });
  });

  it('when a token and a username are both given, then the store refuses to start (config_invalid)', () => {
    expect(() => new InfluxStore({ url, database: 'x', token: 't', username: 'u', password: 'p', log })).toThrow(
      expect.objectContaining({ code: 'config_invalid' }),
    );
  });

  it('when InfluxDB answers 5xx or 429, then the AppError is retriable and carries its message', async () => {
    const store = new InfluxStore({ url, database: 'roadpulse', token: 't', log });
    respond = () => ({ status: 503, body: '{"error":"engine: cache-max-memory-size exceeded"}' });
    const write = store.writeReadings([reading({ sensorId: 's', segmentId: 'g', ts: T0 })]);
    await expect(write).rejects.toBeInstanceOf(AppError);
    await expect(write).rejects.toMatchObject({ retriable: true, message: expect.stringMatching(/HTTP 503.*cache-max-memory-size/) });
    respond = () => ({ status: 429, body: '{"code":"too many requests","message":"org over quota"}' });
    await expect(store.sensors({ from: T0, to: T0 + 1 })).rejects.toMatchObject({ retriable: true, message: expect.stringMatching(/org over quota/) });
  });

  it('when InfluxDB answers 400 to a write, then the AppError is not retriable and carries its message', async () => {
    const store = new InfluxStore({ url, database: 'roadpulse', token: 't', log });
    respond = () => ({ status: 400, body: '{"error":"partial write: field type conflict"}' });
    await expect(store.writeCongestion([])).resolves.toBeUndefined(); // nothing to send: no request
    await expect(store.writeReadings([reading({ sensorId: 's', segmentId: 'g', ts: T0 })])).rejects.toMatchObject({
      retriable: false,
      message: expect.stringMatching(/HTTP 400.*field type conflict/),
    });
  });

  it('when a query result is cut by max-row-limit (partial), then the query fails rather than return fewer rows', async () => {
    const store = new InfluxStore({ url, database: 'roadpulse', token: 't', log });
    respond = () => ({
      status: 200,
      body: JSON.stringify({ results: [{ statement_id: 0, partial: true, series: [{ name: 'traffic_reading', columns: ['time'], values: [[1]] }] }] }),
    });
    await expect(store.readings({ from: T0, to: T0 + 1 }, ['g'])).rejects.toMatchObject({ code: 'store_unavailable', message: expect.stringMatching(/truncated/) });
  });

  it('when InfluxDB does not answer within timeoutMs, then the call fails with a retriable AppError', async () => {
    const store = new InfluxStore({ url, database: 'roadpulse', token: 't', log, timeoutMs: 200 });
    respond = () => null;
    await expect(store.ping()).rejects.toMatchObject({ code: 'store_unavailable', retriable: true, message: expect.stringMatching(/timed out/) });
  });
});

// --- helpers -------------------------------------------------------------------------------

interface StatementResult {
  series?: { columns: string[]; values: unknown[][] }[];
}

/** An InfluxQL statement sent directly (admin and verification), not through the adapter. */
async function influxWrite(lineProtocol: string): Promise<void> {
  const params = new URLSearchParams({ db: database, precision: 'ms' });
  const res = await fetch(`${influx.url.replace(/\/+$/, '')}/write?${params}`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${influx.username}:${influx.password}`).toString('base64')}` },
    body: lineProtocol,
  });
  if (!res.ok) throw new Error(`write failed: ${res.status} ${await res.text()}`);
}

async function influxql(q: string, db?: string): Promise<StatementResult> {
  const params = new URLSearchParams({ epoch: 'ms' });
  if (db) params.set('db', db);
  const res = await fetch(`${influx.url.replace(/\/+$/, '')}/query?${params}`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${influx.username}:${influx.password}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ q }),
  });
  const body = (await res.json()) as { error?: string; results?: (StatementResult & { error?: string })[] };
  const error = body.error ?? body.results?.[0]?.error;
  if (!res.ok || error) throw new Error(`InfluxQL ${q}: HTTP ${res.status} ${error ?? ''}`);
  return body.results?.[0] ?? {};
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startInProcess, type InProcessPipeline } from '../helpers/embedded.ts';
import { csvRecords } from '../helpers/csv.ts';
import { getJson, getOk } from '../helpers/http.ts';
import { publishReadings } from '../helpers/mqtt.ts';
import type { TestReading } from '../helpers/readings.ts';
import { waitFor } from '../helpers/wait.ts';

// Issue 12 item 3: history buckets 1m…1d and CSV export; CSV content must equal the JSON content.
vi.setConfig({ testTimeout: 20_000, hookTimeout: 30_000 });

const MIN = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();
let rp: InProcessPipeline;
const NOW = Math.floor(Date.now() / 1000) * 1000;
const START = NOW - 170 * MIN;
const api = (path: string) => `${rp.baseUrl}/api/v1${path}`;

// ql13-nb-01: three hours of two lanes every 5 min (the slower lane jams in the last hour); mptv-nb-01: the last half hour.
const readings: TestReading[] = [];
for (let t = START; t <= NOW - 5 * MIN; t += 5 * MIN) {
  const late = t > NOW - 60 * MIN;
  readings.push(
    { sensorId: 'csv-a', segmentId: 'ql13-nb-01', lane: 1, ts: t, intervalS: 300, counts: { motorbike: 90, car: 21, bus: 1 }, speedKmh: late ? 12.5 : 41, occupancy: late ? 0.61 : 0.17 },
    { sensorId: 'csv-b', segmentId: 'ql13-nb-01', lane: 2, ts: t + 20_000, intervalS: 300, counts: { car: 33, truck: 2 }, speedKmh: late ? 17 : 48.3, occupancy: 0.2 },
  );
  if (t > NOW - 30 * MIN) readings.push({ sensorId: 'csv-m', segmentId: 'mptv-nb-01', lane: 1, ts: t, intervalS: 300, counts: { car: 60, truck: 9 }, speedKmh: 70 });
}

beforeAll(async () => {
  rp = await startInProcess();
  await publishReadings(rp.mqttUrl, readings);
  // The storage thread stores asynchronously: wait until the last reading is queryable.
  await waitFor(
    async () => {
      const body = await getOk(api(`/segments/ql13-nb-01/history?from=${iso(START)}&to=${iso(NOW)}&bucket=1h`));
      const last = body.records.at(-1)?.lastReadingAt;
      return last === iso(NOW - 5 * MIN + 20_000) || undefined;
    },
    { timeoutMs: 15_000, what: 'every reading stored' },
  );
});
afterAll(async () => {
  await rp?.close();
});

interface CsvResponse {
  status: number;
  headers: Headers;
  header: string[];
  records: Record<string, string>[];
}

async function getCsv(url: string, headers: Record<string, string> = {}): Promise<CsvResponse> {
  const res = await fetch(url, { headers });
  const text = await res.text();
  expect(res.status, `${url}: ${text.slice(0, 300)}`).toBe(200);
  return { status: res.status, headers: res.headers, ...csvRecords(text) };
}

/** Every CSV field equals its JSON value: the same text as in the JSON (numbers as JSON writes them), empty for null. */
function expectCsvEqualsJson(csv: CsvResponse, json: Record<string, unknown>[], except: string[] = []): void {
  expect(csv.records).toHaveLength(json.length);
  expect(json.length).toBeGreaterThan(0);
  json.forEach((record, i) => {
    expect(csv.header).toEqual(Object.keys(record));
    for (const [key, value] of Object.entries(record)) {
      if (except.includes(key)) continue;
      expect(csv.records[i]![key], `row ${i} ${key}`).toBe(value === null ? '' : typeof value === 'string' ? value : JSON.stringify(value));
    }
  });
}

describe('history buckets (summed in the store)', () => {
  it('when the same range is asked in 5m, 15m, 1h, 6h and 1d buckets, then every size covers the range, names its bucket and ends with the latest reading', async () => {
    for (const bucket of ['5m', '15m', '1h', '6h', '1d']) {
      const body = await getOk(api(`/segments/ql13-nb-01/history?from=${iso(START)}&to=${iso(NOW)}&bucket=${bucket}`));
      expect(body.bucket).toBe(bucket);
      const ok = body.records.filter((r: { status: string }) => r.status === 'ok');
      expect(ok.length, bucket).toBeGreaterThan(0);
      expect(body.records.every((r: { window: string }) => r.window === bucket)).toBe(true);
      expect(Date.parse(body.records[0].from)).toBeLessThanOrEqual(START);
      expect(Date.parse(body.records.at(-1).to)).toBeGreaterThanOrEqual(NOW);
      expect(body.records.at(-1).lastReadingAt).toBe(iso(NOW - 5 * MIN + 20_000));
    }
    // The day bucket of the first reading: every reading of lane 1 counts 112 vehicles and of lane 2 35, each over 300 s,
    // so the station's flow is 112 × 12 + 35 × 12 = 1764 veh/h however many of them the day holds.
    const day = await getOk(api(`/segments/ql13-nb-01/history?from=${iso(START)}&to=${iso(START + 1)}&bucket=1d`));
    expect(day.records).toHaveLength(1);
    expect(day.records[0]).toMatchObject({ window: '1d', status: 'ok', flowVph: 1764, sensorsReporting: 2 });
    expect(Date.parse(day.records[0].to) - Date.parse(day.records[0].from)).toBe(24 * 60 * MIN);
  });

  it('when the bucket is not one of 1m, 5m, 15m, 1h, 6h, 1d, then 400 problem+json names bucket', async () => {
    const res = await getJson(api('/segments/ql13-nb-01/history?bucket=2h'));
    expect(res.status).toBe(400);
    expect(res.contentType).toMatch(/^application\/problem\+json/);
    expect(res.body.detail).toMatch(/bucket/);
  });
});

describe('CSV export', () => {
  // Starting two hours before the first reading: no_data buckets (null fields) too.
  const historyPath = `/segments/ql13-nb-01/history?from=${iso(START - 120 * MIN)}&to=${iso(NOW)}`;

  it.each(['15m', '1h', '6h'])('when history (bucket %s) is asked with ?format=csv, then the CSV rows are the JSON records field by field', async (bucket) => {
    const json = await getOk(api(`${historyPath}&bucket=${bucket}`));
    const csv = await getCsv(api(`${historyPath}&bucket=${bucket}&format=csv`));

    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.headers.get('content-disposition')).toBe(`attachment; filename="ql13-nb-01-history-${bucket}.csv"`);
    expect(csv.headers.get('vary')).toMatch(/accept/i);
    expectCsvEqualsJson(csv, json.records);
    const statuses = new Set(json.records.map((r: { status: string }) => r.status));
    expect(statuses.has('ok') && (statuses.has('no_data') || bucket === '6h')).toBe(true); // no_data: nulls → empty fields
  });

  it('when history is asked with Accept: text/csv (no format), then CSV; with Accept: application/json or */*, then JSON', async () => {
    const json = await getOk(api(`${historyPath}&bucket=15m`));
    expectCsvEqualsJson(await getCsv(api(`${historyPath}&bucket=15m`), { accept: 'text/csv' }), json.records);
    for (const accept of ['application/json', '*/*', 'text/csv;q=0.5, application/json']) {
      const res = await getJson(api(`${historyPath}&bucket=15m`), { accept });
      expect(res.contentType, accept).toMatch(/^application\/json/);
      expect(res.body).toEqual(json);
    }
    // ?format=json wins over Accept.
    expect((await getJson(api(`${historyPath}&bucket=15m&format=json`), { accept: 'text/csv' })).body).toEqual(json);
  });

  it('when the ranking is asked as CSV, then its rows are the JSON records (from and to aside: each request ends its window at its own now)', async () => {
    const path = '/congestion?window=1h&limit=5';
    const json = await getOk(api(path));
    const csv = await getCsv(api(`${path}&format=csv`));

    expect(csv.headers.get('content-disposition')).toBe('attachment; filename="congestion-1h.csv"');
    expect(json.records.map((r: { segmentId: string }) => r.segmentId)).toEqual(['ql13-nb-01', 'mptv-nb-01']);
    expectCsvEqualsJson(csv, json.records, ['from', 'to']);
    for (const r of csv.records) expect(Date.parse(r['to']!) - Date.parse(r['from']!)).toBe(60 * MIN);
    expectCsvEqualsJson(await getCsv(api(path), { accept: 'text/csv' }), json.records, ['from', 'to']);
  });

  it('when format is unknown, then 400 problem+json names format; the summary has no CSV form and says so', async () => {
    for (const path of [`${historyPath}&format=xml`, '/congestion?format=CSV', '/congestion/summary?format=csv']) {
      const res = await getJson(api(path));
      expect(res.status, path).toBe(400);
      expect(res.contentType).toMatch(/^application\/problem\+json/);
      expect(res.body.detail, path).toMatch(/format/);
    }
  });

  it('when /openapi.json is asked, then history shows the six buckets and both routes the format parameter and a text/csv response with an example', async () => {
    const doc = await getOk(`${rp.baseUrl}/openapi.json`);
    const history = doc.paths['/api/v1/segments/{id}/history'].get;
    const param = (op: { parameters: { name: string; schema: { enum?: string[] } }[] }, name: string) => op.parameters.find((p) => p.name === name);
    expect(param(history, 'bucket')?.schema.enum).toEqual(['1m', '5m', '15m', '1h', '6h', '1d']);
    for (const op of [history, doc.paths['/api/v1/congestion'].get]) {
      expect(param(op, 'format')?.schema.enum).toEqual(['json', 'csv']);
      const csv = op.responses['200'].content['text/csv'];
      expect(csv.schema.example).toMatch(/^segmentId,window,from,to,status,flowVph,/);
      expect(op.responses['200'].content['application/json'].schema.properties.records.type).toBe('array');
    }
  });
});

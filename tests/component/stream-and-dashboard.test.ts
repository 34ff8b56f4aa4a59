import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SqliteBus } from '../../shared/adapters/sqlite-bus.ts';
import type { CongestionRecord } from '../../shared/contract/congestion-record.ts';
import { TOPICS } from '../../shared/contract/topics.ts';
import { createLogger } from '../../shared/logging/create-logger.ts';
import { startCongestionFeed } from '../../services/api/congestion-feed.ts';
import { REPO_ROOT, startInProcess, type InProcessPipeline } from '../helpers/embedded.ts';
import { getJson, getOk } from '../helpers/http.ts';
import { publishReadings } from '../helpers/mqtt.ts';
import type { TestReading } from '../helpers/readings.ts';
import { openSse, type SseClient } from '../helpers/sse.ts';
import { waitFor } from '../helpers/wait.ts';

// DESIGN §8: GET /api/v1/congestion/stream (server-sent events with each new congestion record) and
// GET / (the dashboard). The records come from the real aggregator closing a real 1-minute window.
vi.setConfig({ testTimeout: 20_000, hookTimeout: 30_000 });

const MINUTE = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface StreamClient extends SseClient {
  connectedAt: number;
  records(): CongestionRecord[];
}

/** The tests' SSE client (tests/helpers/sse.ts), with the congestion records it received. */
async function openStream(url: string, headers: Record<string, string> = {}): Promise<StreamClient> {
  const connectedAt = Date.now();
  const client = await openSse(url, headers);
  return {
    ...client,
    connectedAt,
    records: () => client.events().filter((e) => e.event === 'congestion').map((e) => JSON.parse(e.data) as CongestionRecord),
  };
}

async function expectProblem(url: string, status: number, detail: RegExp, headers: Record<string, string> = {}): Promise<void> {
  const res = await getJson<{ status: number; detail: string; type: string }>(url, headers);
  expect(res.status, url).toBe(status);
  expect(res.contentType).toMatch(/^application\/problem\+json/);
  expect(res.body.status).toBe(status);
  expect(res.body.detail).toMatch(detail);
}

describe('live congestion stream (DESIGN §8)', () => {
  let rp: InProcessPipeline;
  let segmentCount: number;
  const clients: StreamClient[] = [];
  const stream = (query: string) => `${rp.baseUrl}/api/v1/congestion/stream${query}`;
  let oneSegmentOneWindow: StreamClient;
  let oneSegment: StreamClient;
  let oneWindow: StreamClient;
  let otherSegmentOtherWindow: StreamClient;

  beforeAll(async () => {
    // A short grace: the 1m window closes 1 s after each minute.
    rp = await startInProcess({ env: { ROADPULSE_AGGREGATOR_GRACE_S: '1' } });
    segmentCount = (await getOk<{ segments: unknown[] }>(`${rp.baseUrl}/api/v1/segments`)).segments.length;
    oneSegmentOneWindow = await openStream(stream('?window=1m&segment=ql13-nb-01'));
    oneSegment = await openStream(stream('?segment=ql13-nb-01'));
    oneWindow = await openStream(stream('?window=1m'));
    otherSegmentOtherWindow = await openStream(stream('?window=5m&segment=ql13-sb-01'));
    clients.push(oneSegmentOneWindow, oneSegment, oneWindow, otherSegmentOtherWindow);
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    await rp?.close();
  });

  it('when a client connects, then it gets 200 text/event-stream starting with a retry: field', async () => {
    for (const c of clients) {
      expect(c.status).toBe(200);
      expect(c.contentType).toBe('text/event-stream; charset=utf-8');
      await waitFor(() => c.raw().length > 0, { what: 'the first bytes of the stream' });
      expect(c.raw()).toMatch(/^retry: \d+\n/);
    }
  });

  it(
    'when readings are acknowledged and the aggregator closes the 1m window, then each client receives the records its window and segment filter ask for, and only those',
    async () => {
      // Publish well inside a minute, so the readings are stored before that minute's window closes.
      if (MINUTE - (Date.now() % MINUTE) < 5_000) await sleep(MINUTE - (Date.now() % MINUTE) + 100);
      const ts = Date.now();
      const end = Math.ceil(ts / MINUTE) * MINUTE; // the window [end − 1 min, end) holds ts
      // ql13-nb-01: urban, 3 lanes, free flow 60 km/h.
      const readings: TestReading[] = [
        { sensorId: 'sse-1', segmentId: 'ql13-nb-01', lane: 1, ts, intervalS: 60, counts: { motorbike: 40, car: 5 }, speedKmh: 21, occupancy: 0.4 },
      ];
      await publishReadings(rp.mqttUrl, readings);

      const isOurs = (r: CongestionRecord) => r.segmentId === 'ql13-nb-01' && r.window === '1m' && r.to === iso(end);
      const record = await waitFor(() => oneSegmentOneWindow.records().find(isOurs), {
        timeoutMs: end - Date.now() + 15_000,
        what: `the 1m record of ql13-nb-01 ending ${iso(end)}`,
      });
      /*
       * By hand (DESIGN §5): n = 45 vehicles in 60 s → 2700 veh/h; PCU = 40 × 0.3 + 5 = 17 → 1020 pcu/h;
       * v = 21 km/h; r = 21 / 60 = 0.35 → urban LOS E (0.30 < r ≤ 0.40); TTI = 60 / 21 = 2.857;
       * congestion = 185.7 %; jam = 10 × 0.65 = 6.5; k = 1020 / 3 / 21 = 16.19 pcu/km/lane.
       */
      expect(record).toEqual({
        segmentId: 'ql13-nb-01', window: '1m', from: iso(end - MINUTE), to: iso(end), status: 'ok',
        flowVph: 2700, flowPcuph: 1020, speedKmh: 21, occupancy: 0.4, densityPcuPerKmLane: 16.19,
        speedRatio: 0.35, tti: 2.857, congestionPct: 185.7, jamFactor: 6.5, los: 'E',
        sensorsReporting: 1, sensorsKnown: 1, stationsReporting: 1, sensorsFaulty: 0, lastReadingAt: iso(ts),
      });
      // The stream carries what the API answers for the same window.
      expect((await getOk(`${rp.baseUrl}/api/v1/segments/ql13-nb-01/congestion?window=1m&at=${iso(end)}`))).toEqual(record);

      // The same close published every segment's 1m record: the window-only client gets them all.
      const closeOf = (c: StreamClient) => c.records().filter((r) => r.window === '1m' && r.to === iso(end));
      await waitFor(() => closeOf(oneWindow).length === segmentCount, { what: `${segmentCount} records on the window-only stream` });
      expect(new Set(closeOf(oneWindow).map((r) => r.segmentId)).size).toBe(segmentCount);
      expect(closeOf(oneWindow).find((r) => r.segmentId === 'ql13-nb-01')).toEqual(record);
      await waitFor(() => oneSegment.records().some(isOurs), { what: 'the record on the segment-only stream' });

      expect(oneSegmentOneWindow.records().filter((r) => r.segmentId !== 'ql13-nb-01' || r.window !== '1m')).toEqual([]);
      expect(oneSegment.records().filter((r) => r.segmentId !== 'ql13-nb-01')).toEqual([]);
      expect(oneWindow.records().filter((r) => r.window !== '1m')).toEqual([]);
      expect(otherSegmentOtherWindow.records().filter((r) => r.segmentId !== 'ql13-sb-01' || r.window !== '5m')).toEqual([]);
      expect(closeOf(oneSegmentOneWindow)).toHaveLength(1); // one record per window close, not one per client
    },
    MINUTE + 40_000,
  );

  it('when a client stays connected, then a heartbeat comment arrives at least every 15 s', async () => {
    const c = oneSegmentOneWindow;
    await waitFor(() => c.raw().includes('\n: heartbeat\n\n'), { timeoutMs: c.connectedAt + 17_000 - Date.now() + 1_000, what: 'a heartbeat' });
    const heartbeats = c.raw().split(': heartbeat\n').length - 1;
    expect(heartbeats).toBeGreaterThanOrEqual(Math.floor((Date.now() - c.connectedAt) / 15_000) - 1);
  });

  it.each([
    ['window=7m', '?window=7m', /window/],
    ['a segment id with a forbidden character', '?segment=ql13%20nb', /segment/],
    ['a segment not in the road network', '?segment=no-such-segment', /segment[\s\S]*no-such-segment/],
    ['an unknown parameter', '?windw=1m', /windw/],
  ])('when the stream is asked with %s, then 400 problem+json names the parameter', async (_what, query, detail) => {
    await expectProblem(stream(query), 400, detail);
  });
});

describe('the live feed behind the stream', () => {
  const log = createLogger({ level: 'silent' });
  let dir: string;
  let bus: SqliteBus;
  const record = (segmentId: string, window: CongestionRecord['window']): CongestionRecord => ({
    segmentId, window, from: '2026-01-01T00:00:00.000Z', to: '2026-01-01T00:05:00.000Z', status: 'no_data',
    flowVph: null, flowPcuph: null, speedKmh: null, occupancy: null, densityPcuPerKmLane: null, speedRatio: null,
    tti: null, congestionPct: null, jamFactor: null, los: null, sensorsReporting: 0, sensorsKnown: 0, stationsReporting: 0, sensorsFaulty: null, lastReadingAt: null,
  });
  const publish = (...values: (CongestionRecord | string)[]) =>
    bus.publish(TOPICS.congestion, values.map((v) => ({ key: typeof v === 'string' ? 'x' : v.segmentId, value: typeof v === 'string' ? v : JSON.stringify(v) })));

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'roadpulse-feed-'));
    bus = new SqliteBus({ file: join(dir, 'bus.sqlite'), log });
  });
  afterAll(async () => {
    await bus.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('when records are published, then each listener gets the new ones matching its filter, a bad message is skipped, and an unsubscribed listener gets nothing more', async () => {
    await publish(record('before-start', '5m'));
    const feed = await startCongestionFeed({ bus, log });
    const feed2 = await startCongestionFeed({ bus, log });
    expect(feed.groupId).toMatch(/^roadpulse-api-live-[0-9a-f]{12}$/);
    expect(feed2.groupId).not.toBe(feed.groupId); // every API process sees every record
    try {
      const all: string[] = [];
      const fiveMinutes: string[] = [];
      const oneSegment: string[] = [];
      const unsubscribeAll = feed.subscribe({}, (r) => all.push(`${r.segmentId}/${r.window}`));
      feed.subscribe({ window: '5m' }, (r) => fiveMinutes.push(`${r.segmentId}/${r.window}`));
      feed.subscribe({ segmentId: 'b', window: '1m' }, (_r, json) => oneSegment.push(json));
      expect(feed.listeners).toBe(3);

      await publish(record('a', '5m'), '{not json', JSON.stringify({ segmentId: 'a' }), record('b', '1m'));
      await waitFor(() => all.length === 2, { what: 'two records' });
      expect(all).toEqual(['a/5m', 'b/1m']); // live only: nothing from before the start; bad messages skipped
      expect(fiveMinutes).toEqual(['a/5m']);
      expect(oneSegment.map((json) => JSON.parse(json))).toEqual([record('b', '1m')]);

      unsubscribeAll();
      unsubscribeAll();
      expect(feed.listeners).toBe(2);
      await publish(record('c', '5m'));
      await waitFor(() => fiveMinutes.length === 2, { what: 'the third record' });
      expect(all).toEqual(['a/5m', 'b/1m']);
    } finally {
      await feed.stop();
      await feed2.stop();
    }
    expect(feed.listeners).toBe(0);
  });
});

describe('the stream with API keys, and on shutdown', () => {
  let rp: InProcessPipeline;
  beforeAll(async () => {
    rp = await startInProcess({ env: { ROADPULSE_API_KEYS: 'k-one,k-two', ROADPULSE_TIMEZONE: 'Asia/Bangkok' } });
  });
  afterAll(async () => {
    await rp?.close();
  });

  it('when ROADPULSE_API_KEYS is set, then the stream needs a key (401 problem+json without) and the dashboard page does not', async () => {
    await expectProblem(`${rp.baseUrl}/api/v1/congestion/stream`, 401, /Bearer/);
    await expectProblem(`${rp.baseUrl}/api/v1/congestion/stream`, 401, /Bearer/, { authorization: 'Bearer wrong' });
    const withKey = await openStream(`${rp.baseUrl}/api/v1/congestion/stream?window=5m`, { authorization: 'Bearer k-two' });
    withKey.close();
    expect(withKey.status).toBe(200);
    expect((await fetch(`${rp.baseUrl}/`)).status).toBe(200);
    // The page's settings are outside /api: the dashboard can load them before it has a key.
    const settings = await getJson<{ timeZone: string }>(`${rp.baseUrl}/dashboard/config.json`);
    expect(settings.status).toBe(200);
    expect(settings.body.timeZone).toBe('Asia/Bangkok'); // ROADPULSE_TIMEZONE reaches the page
  });

  it('when the pipeline stops with a stream client connected, then it stops promptly and the client sees the stream end', async () => {
    const client = await openStream(`${rp.baseUrl}/api/v1/congestion/stream`, { authorization: 'Bearer k-one' });
    expect(client.status).toBe(200);
    const started = Date.now();
    await rp.close();
    expect(Date.now() - started).toBeLessThan(5_000);
    await client.ended;
    expect(client.raw()).toMatch(/: server closing\n\n$/);
  });
});

describe('dashboard (GET /)', () => {
  let rp: InProcessPipeline;
  beforeAll(async () => {
    rp = await startInProcess();
  });
  afterAll(async () => {
    await rp?.close();
  });

  const CONTENT_TYPES: Record<string, RegExp> = {
    js: /^text\/javascript; charset=utf-8$/,
    css: /^text\/css; charset=utf-8$/,
    json: /^application\/json; charset=utf-8$/,
  };
  const DASHBOARD_DIR = join(REPO_ROOT, 'services/api/dashboard');
  const requireHere = createRequire(import.meta.url);
  /** Where a served file comes from: the dashboard's folder, or the uplot npm package. */
  const sourceOf = (url: string) =>
    url.startsWith('/dashboard/vendor/')
      ? requireHere.resolve(`uplot/dist/${url.slice('/dashboard/vendor/'.length)}`)
      : join(DASHBOARD_DIR, url.slice('/dashboard/'.length));

  /** main.js and every module it imports, transitively (relative imports only: there is no other kind). */
  function moduleGraph(): string[] {
    const seen = new Set<string>();
    const visit = (name: string) => {
      if (seen.has(name)) return;
      seen.add(name);
      const code = readFileSync(join(DASHBOARD_DIR, name), 'utf8');
      for (const m of code.matchAll(/^import\s[^;]*?from\s+'([^']+)'/gm)) {
        expect(m[1], `${name} imports ${m[1]}`).toMatch(/^\.\/[\w-]+\.js$/);
        visit(m[1]!.slice(2));
      }
    };
    visit('main.js');
    return [...seen].sort();
  }

  it('when GET /, then UTF-8 HTML that references only assets of this server (uPlot from the npm package), each served with its content type', async () => {
    const res = await fetch(`${rp.baseUrl}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    const html = await res.text();
    expect(html).toMatch(/<meta charset="utf-8">/i);
    expect(html).not.toMatch(/https?:\/\/|["']\/\//); // nothing from the internet, not even protocol-relative

    const refs = [...html.matchAll(/\b(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    const assets = refs.filter((r) => r.startsWith('/'));
    expect(assets.sort()).toEqual(['/dashboard/dashboard.css', '/dashboard/main.js', '/dashboard/vendor/uPlot.iife.min.js', '/dashboard/vendor/uPlot.min.css']);
    expect(refs.filter((r) => !r.startsWith('/'))).toEqual(['data:,', '?lang=en']);
    for (const asset of assets) {
      const served = await fetch(`${rp.baseUrl}${asset}`);
      expect(served.status, asset).toBe(200);
      expect(served.headers.get('content-type'), asset).toMatch(CONTENT_TYPES[asset.split('.').pop()!]!);
      expect(served.headers.get('x-content-type-options')).toBe('nosniff');
      expect(await served.text()).toBe(readFileSync(sourceOf(asset), 'utf8'));
    }
  });

  it('when the modules main.js imports are read, then each is served as JavaScript, none has an external URL, and only api.js calls fetch, on API_BASE or the settings file', async () => {
    const modules = moduleGraph();
    expect(modules).toEqual(expect.arrayContaining(['api.js', 'alerts-panel.js', 'health-panel.js', 'i18n.js', 'map.js', 'segment-chart.js', 'state.js', 'time.js']));
    for (const name of modules) {
      const served = await fetch(`${rp.baseUrl}/dashboard/${name}`);
      expect(served.status, name).toBe(200);
      expect(served.headers.get('content-type'), name).toMatch(CONTENT_TYPES.js!);
      const js = await served.text();
      expect(js).toBe(readFileSync(join(DASHBOARD_DIR, name), 'utf8'));
      expect(js, name).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/); // the SVG namespace is a name, not a URL that is fetched
      expect(js, name).not.toMatch(/["'`]\/\/[^/]/); // protocol-relative
      // Code without its comments (`import('./x.js').T` in a JSDoc type is not a dynamic import).
      const code = js.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
      expect(code, name).not.toMatch(/\b(?:WebSocket|XMLHttpRequest|importScripts|sendBeacon|EventSource)\b|\bimport\s*\(/);
      if (name !== 'api.js') expect(code, name).not.toMatch(/\bfetch\(/);
    }
    const api = readFileSync(join(DASHBOARD_DIR, 'api.js'), 'utf8');
    expect(api).toMatch(/export const API_BASE = '\/api\/v1';/);
    expect(api).toMatch(/export const CONFIG_URL = '\/dashboard\/config\.json';/);
    expect([...api.matchAll(/\bfetch\(([^,)]*)/g)].map((m) => m[1])).toEqual(['url']);
    expect([...api.matchAll(/\brequest\(([^,)]*)/g)].map((m) => m[1])).toEqual(['url', 'CONFIG_URL', '`${API_BASE}${path}`']);
  });

  it('when GET /dashboard/config.json, then the page learns the city time zone (default Asia/Ho_Chi_Minh) and its languages', async () => {
    const res = await getJson<Record<string, unknown>>(`${rp.baseUrl}/dashboard/config.json`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ timeZone: 'Asia/Ho_Chi_Minh', languages: ['vi', 'en'], defaultLanguage: 'vi' });
  });

  it('when a dashboard file is fetched again with its ETag, then 304 without a body; every load revalidates (no-cache)', async () => {
    for (const path of ['/', '/dashboard/main.js', '/dashboard/dashboard.css', '/dashboard/vendor/uPlot.iife.min.js', '/dashboard/config.json']) {
      const first = await fetch(`${rp.baseUrl}${path}`);
      await first.arrayBuffer();
      const etag = first.headers.get('etag');
      expect(etag, path).toMatch(/^"[\w-]+"$/);
      expect(first.headers.get('cache-control')).toBe('no-cache');
      const again = await fetch(`${rp.baseUrl}${path}`, { headers: { 'if-none-match': etag! } });
      expect(again.status, path).toBe(304);
      expect(await again.text()).toBe('');
      const changed = await fetch(`${rp.baseUrl}${path}`, { headers: { 'if-none-match': '"something-else"' } });
      expect(changed.status, path).toBe(200);
      await changed.arrayBuffer();
    }
  });

  it('when a file that is not part of the dashboard is asked for under /dashboard/, then 404', async () => {
    for (const path of ['/dashboard/../package.json', '/dashboard/vendor/uPlot.cjs.js', '/dashboard/nope.js']) {
      const res = await fetch(`${rp.baseUrl}${path}`);
      await res.arrayBuffer();
      expect(res.status, path).toBe(404);
    }
  });

  it('when the segments the map is drawn from are served, then Vietnamese names arrive intact', async () => {
    const { segments } = await getOk<{ segments: { id: string; name: string; coordinates: [number, number][] }[] }>(`${rp.baseUrl}/api/v1/segments`);
    expect(segments.find((s) => s.id === 'ql13-nb-01')?.name).toBe('Đại lộ Bình Dương (Lái Thiêu → Cầu Ông Bố)');
    for (const s of segments) expect(s.coordinates.length).toBeGreaterThanOrEqual(2);
  });
});

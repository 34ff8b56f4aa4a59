import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startInProcess, type InProcessPipeline } from '../helpers/embedded.ts';
import { getJson } from '../helpers/http.ts';

// DESIGN §8: errors as RFC 9457 problem+json; optional API keys (Authorization: Bearer …).
vi.setConfig({ testTimeout: 15_000, hookTimeout: 30_000 });

interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
}

async function expectProblem(url: string, status: number, detailPattern: RegExp, headers: Record<string, string> = {}): Promise<Problem> {
  const res = await getJson<Problem>(url, headers);
  expect(res.status, url).toBe(status);
  expect(res.contentType, url).toMatch(/^application\/problem\+json/);
  expect(res.body.status).toBe(status);
  expect(res.body.type).toMatch(/^https?:\/\/\S+/);
  expect(res.body.title.length).toBeGreaterThan(0);
  expect(res.body.detail, url).toMatch(detailPattern);
  return res.body;
}

describe('HTTP API without keys', () => {
  let rp: InProcessPipeline;
  beforeAll(async () => {
    rp = await startInProcess();
  });
  afterAll(async () => {
    await rp?.close();
  });
  const api = (path: string) => `${rp.baseUrl}/api/v1${path}`;

  it.each([
    ['window=7m', '/segments/ql13-nb-01/congestion?window=7m', /window/],
    ['at=not-a-date', '/segments/ql13-nb-01/congestion?at=not-a-date', /\bat\b/],
    ['at without an offset', '/segments/ql13-nb-01/congestion?at=2025-01-01T00:00:00', /\bat\b/],
    ['an unknown query parameter', '/segments/ql13-nb-01/congestion?windw=5m', /windw/],
    ['los=X', '/congestion?los=X', /los/],
    ['limit=0', '/congestion?limit=0', /limit/],
    ['limit=abc', '/congestion?limit=abc', /limit/],
    ['summary window=2h', '/congestion/summary?window=2h', /window/],
    ['history bucket=7m', '/segments/ql13-nb-01/history?bucket=7m', /bucket/],
    ['history from=yesterday', '/segments/ql13-nb-01/history?from=yesterday', /from/],
    ['a segment id with a forbidden character', '/segments/ql13%20nb/congestion', /\bid\b/],
  ])('when the request has %s, then 400 problem+json names the parameter', async (_what, path, pattern) => {
    const problem = await expectProblem(api(path), 400, pattern);
    expect(problem.detail).toMatch(/.{10,}/); // a message, not just a name
  });

  it('when history has from after to, then 400 names from and to', async () => {
    await expectProblem(api('/segments/ql13-nb-01/history?from=2025-01-02T00:00:00Z&to=2025-01-01T00:00:00Z'), 400, /from[\s\S]*to/);
  });

  it('when history asks 1-minute buckets over 30 days (43 200 points > 2000), then 400 says how many and the bucket', async () => {
    const to = new Date();
    const from = new Date(to.getTime() - 30 * 24 * 3600_000);
    const problem = await expectProblem(
      api(`/segments/ql13-nb-01/history?from=${from.toISOString()}&to=${to.toISOString()}&bucket=1m`),
      400,
      /bucket/,
    );
    // 30 × 24 × 60 = 43 200 buckets, + 1 when `to` is not on a minute boundary.
    expect(problem.detail).toMatch(/4320[01]/);
    expect(problem.detail).toMatch(/2000/);
  });

  it('when history asks 1-hour buckets over 30 days (720 points), then it answers 200', async () => {
    const to = new Date();
    const from = new Date(to.getTime() - 30 * 24 * 3600_000);
    const res = await getJson<{ records: unknown[] }>(api(`/segments/ql13-nb-01/history?from=${from.toISOString()}&to=${to.toISOString()}&bucket=1h`));
    expect(res.status).toBe(200);
    // Hour buckets touching [from, to): 720 or 721 depending on alignment.
    expect([720, 721]).toContain(res.body.records.length);
  });

  it.each([
    ['segment', '/segments/no-such-segment', /no-such-segment/],
    ['segment congestion', '/segments/no-such-segment/congestion', /no-such-segment/],
    ['segment history', '/segments/no-such-segment/history', /no-such-segment/],
    ['sensor', '/sensors/never-seen-sensor', /never-seen-sensor/],
  ])('when the %s is unknown, then 404 problem+json names it', async (_what, path, pattern) => {
    await expectProblem(api(path), 404, pattern);
  });

  it('when the route does not exist, then 404 problem+json', async () => {
    await expectProblem(`${rp.baseUrl}/api/v1/nowhere`, 404, /nowhere/);
  });

  it('when /healthz and /readyz are asked, then the process is alive and bus and store are reachable', async () => {
    expect(await getJson(`${rp.baseUrl}/healthz`)).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(await getJson(`${rp.baseUrl}/readyz`)).toMatchObject({ status: 200, body: { status: 'ready', bus: 'ok', store: 'ok' } });
  });

  it('when /openapi.json is asked, then it documents the /api/v1 paths', async () => {
    const res = await getJson<{ openapi: string; paths: Record<string, unknown> }>(`${rp.baseUrl}/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.body.openapi).toMatch(/^3\./);
    expect(Object.keys(res.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/segments',
        '/api/v1/segments/{id}',
        '/api/v1/segments/{id}/congestion',
        '/api/v1/segments/{id}/history',
        '/api/v1/congestion',
        '/api/v1/congestion/summary',
        '/api/v1/sensors',
        '/api/v1/sensors/{id}',
        '/api/v1/sensor-health',
      ]),
    );
  });

  it('when /docs is asked, then the API documentation page answers 200 with HTML', async () => {
    const res = await fetch(`${rp.baseUrl}/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(await res.text()).toMatch(/swagger/i);
  });

  it('when /metrics is asked, then it is Prometheus text with the roadpulse series', async () => {
    const res = await fetch(`${rp.baseUrl}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    const text = await res.text();
    expect(text).toMatch(/^# TYPE roadpulse_readings_rejected_total counter$/m);
    expect(text).toMatch(/^roadpulse_readings_rejected_total\{reason="too_large"\} 0$/m);
  });
});

describe('HTTP API with ROADPULSE_API_KEYS', () => {
  let rp: InProcessPipeline;
  beforeAll(async () => {
    rp = await startInProcess({ env: { ROADPULSE_API_KEYS: 'key-one, key-two' } });
  });
  afterAll(async () => {
    await rp?.close();
  });

  it('when /api/v1/segments is asked without a key, then 401 problem+json', async () => {
    await expectProblem(`${rp.baseUrl}/api/v1/segments`, 401, /Authorization/);
  });

  it('when the key is wrong or not a Bearer token, then 401', async () => {
    await expectProblem(`${rp.baseUrl}/api/v1/segments`, 401, /Bearer/, { authorization: 'Bearer key-three' });
    await expectProblem(`${rp.baseUrl}/api/v1/segments`, 401, /Bearer/, { authorization: 'key-one' });
    await expectProblem(`${rp.baseUrl}/api/v1/segments`, 401, /Bearer/, { authorization: 'Basic a2V5LW9uZQ==' });
  });

  it('when a configured key is sent as a Bearer token, then 200 (each key of the list works)', async () => {
    for (const key of ['key-one', 'key-two']) {
      const res = await getJson<{ segments: { id: string }[] }>(`${rp.baseUrl}/api/v1/segments`, { authorization: `Bearer ${key}` });
      expect(res.status, key).toBe(200);
      expect(res.body.segments.map((s) => s.id)).toContain('ql13-nb-01');
    }
  });

  it('when ops endpoints are asked without a key, then they still answer (probes and scrapers carry no key)', async () => {
    expect((await fetch(`${rp.baseUrl}/healthz`)).status).toBe(200);
    expect((await fetch(`${rp.baseUrl}/readyz`)).status).toBe(200);
    expect((await fetch(`${rp.baseUrl}/metrics`)).status).toBe(200);
  });

  it('when the path is percent-encoded (/%61pi/v1/segments routes to /api/v1/segments), then it still needs a key', async () => {
    // PRODUCT BUG (services/api/build-app.ts:34): the key check tests the raw req.url with
    // startsWith('/api/') while the router decodes %61 → "a", so this request bypasses the keys.
    const res = await getJson(`${rp.baseUrl}/%61pi/v1/segments`);
    // 401 (the key check follows the route) or 404 (encoded paths refused) are both fine; 200 is not.
    expect([401, 404], `API key check bypassed by percent-encoding the path: got ${res.status}`).toContain(res.status);
  });
});

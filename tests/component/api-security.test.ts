import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { newSecret, writeApiKeysFile, type ApiKeyEntry, type ApiScope } from '../../services/api/api-keys-file.ts';
import { hashSecret } from '../../shared/security/scrypt-secret.ts';
import { startApiServer, type ApiServer } from '../helpers/api-server.ts';
import { makeDataDir } from '../helpers/embedded.ts';

// Issue 13 item 6: keys with scopes, 401/403, rate limit, CORS, helmet headers, body limit, over real HTTP.
vi.setConfig({ testTimeout: 15_000, hookTimeout: 30_000 });

const FAST = { ln: 10, r: 8, p: 1 }; // test keys only: the CLI uses ln=15

async function keyFile(keys: { id: string; scope: ApiScope }[]): Promise<{ file: string; tokens: Record<string, string> }> {
  const file = join(makeDataDir('roadpulse-keys-'), 'api-keys.json');
  const tokens: Record<string, string> = {};
  const entries: ApiKeyEntry[] = [];
  for (const k of keys) {
    const secret = newSecret();
    tokens[k.id] = `${k.id}.${secret}`;
    entries.push({ ...k, hash: await hashSecret(secret, FAST) });
  }
  writeApiKeysFile(file, entries);
  return { file, tokens };
}

/** A state-changing test-only route declared admin, one under /api that declares nothing, and one that echoes the body size. */
let adminRuns = 0;
function testRoutes(app: import('fastify').FastifyInstance): void {
  app.post('/api/v1/test/admin-action', { config: { scope: 'admin' } }, async (req) => {
    adminRuns += 1;
    return { done: true, by: req.principal?.id ?? null };
  });
  app.post('/api/v1/test/undeclared', async () => ({ done: true }));
  app.post('/ops/test/admin-elsewhere', { config: { scope: 'admin' } }, async () => ({ done: true }));
}

interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
}

async function call(url: string, init: RequestInit = {}): Promise<{ res: Response; body: unknown; text: string }> {
  const res = await fetch(url, init);
  const text = await res.text();
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON (HTML, JS)
  }
  return { res, body, text };
}

function expectProblem(r: { res: Response; body: unknown }, status: number): Problem {
  expect(r.res.status).toBe(status);
  expect(r.res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const p = r.body as Problem;
  expect(p.status).toBe(status);
  expect(p.type).toMatch(/^https:\/\/roadpulse\.dev\/problems\//);
  return p;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('API keys with scopes (ROADPULSE_API_KEYS_FILE)', () => {
  let api: ApiServer;
  let tokens: Record<string, string>;
  beforeAll(async () => {
    const keys = await keyFile([
      { id: 'viewer', scope: 'read' },
      { id: 'operator', scope: 'admin' },
    ]);
    tokens = keys.tokens;
    api = await startApiServer({ env: { ROADPULSE_API_KEYS_FILE: keys.file, ROADPULSE_API_KEYS: 'legacy-plain-key' }, extraRoutes: testRoutes });
  });
  afterAll(async () => {
    await api?.close();
  });

  it('when /api is asked without a key, then 401 problem+json with a Bearer challenge', async () => {
    const r = await call(`${api.baseUrl}/api/v1/segments`);
    expect(expectProblem(r, 401).detail).toMatch(/Authorization: Bearer/);
    expect(r.res.headers.get('www-authenticate')).toBe('Bearer realm="roadpulse"');
  });

  it.each([
    ['a wrong secret for a known id', () => `viewer.${newSecret()}`],
    ['an unknown id', () => `nobody.${newSecret()}`],
    ['a key without an id', () => newSecret()],
    ['the admin secret under the read id', () => `viewer.${tokens['operator']!.split('.')[1]}`],
  ])('when the key is %s, then 401 with error="invalid_token"', async (_what, token) => {
    const r = await call(`${api.baseUrl}/api/v1/segments`, { headers: bearer(token()) });
    expectProblem(r, 401);
    expect(r.res.headers.get('www-authenticate')).toBe('Bearer realm="roadpulse", error="invalid_token"');
  });

  it('when a read key or an admin key asks a GET route, then 200', async () => {
    for (const token of [tokens['viewer']!, tokens['operator']!, 'legacy-plain-key']) {
      const r = await call(`${api.baseUrl}/api/v1/segments`, { headers: bearer(token) });
      expect(r.res.status, token).toBe(200);
    }
  });

  it('when a read key calls a route marked config.scope=admin, then 403 problem+json with error="insufficient_scope" and the route does not run', async () => {
    const runs = adminRuns;
    for (const token of [tokens['viewer']!, 'legacy-plain-key']) {
      const r = await call(`${api.baseUrl}/api/v1/test/admin-action`, { method: 'POST', headers: bearer(token) });
      expect(expectProblem(r, 403).detail).toMatch(/scope "admin"/);
      expect(r.res.headers.get('www-authenticate')).toBe('Bearer realm="roadpulse", error="insufficient_scope", scope="admin"');
    }
    expect(adminRuns).toBe(runs);
  });

  it('when an admin key calls the admin route, then it runs and sees who called', async () => {
    const runs = adminRuns;
    const r = await call(`${api.baseUrl}/api/v1/test/admin-action`, { method: 'POST', headers: bearer(tokens['operator']!) });
    expect(r.res.status).toBe(200);
    expect(r.body).toEqual({ done: true, by: 'operator' });
    expect(adminRuns).toBe(runs + 1);
  });

  it('when a POST route under /api declares no scope, then it needs admin all the same (state changes are admin by default)', async () => {
    expectProblem(await call(`${api.baseUrl}/api/v1/test/undeclared`, { method: 'POST', headers: bearer(tokens['viewer']!) }), 403);
    expect((await call(`${api.baseUrl}/api/v1/test/undeclared`, { method: 'POST', headers: bearer(tokens['operator']!) })).res.status).toBe(200);
  });

  it('when an admin route lies outside /api, then it still needs an admin key', async () => {
    expectProblem(await call(`${api.baseUrl}/ops/test/admin-elsewhere`, { method: 'POST' }), 401);
    expectProblem(await call(`${api.baseUrl}/ops/test/admin-elsewhere`, { method: 'POST', headers: bearer(tokens['viewer']!) }), 403);
    expect((await call(`${api.baseUrl}/ops/test/admin-elsewhere`, { method: 'POST', headers: bearer(tokens['operator']!) })).res.status).toBe(200);
  });

  it('when the path is percent-encoded ("/%61pi/…"), then the key is still required (the matched route decides)', async () => {
    expectProblem(await call(`${api.baseUrl}/%61pi/v1/segments`), 401);
  });

  it('when the dashboard, the docs and the ops endpoints are asked without a key, then they answer', async () => {
    for (const path of ['/', '/dashboard/main.js', '/docs/', '/openapi.json', '/healthz', '/readyz', '/metrics']) {
      expect((await call(`${api.baseUrl}${path}`)).res.status, path).toBe(200);
    }
  });

  it('when the SSE stream is opened without a key, then 401; with a read key, then an event stream', async () => {
    expectProblem(await call(`${api.baseUrl}/api/v1/congestion/stream`), 401);
    const ac = new AbortController();
    const res = await fetch(`${api.baseUrl}/api/v1/congestion/stream`, { headers: bearer(tokens['viewer']!), signal: ac.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    ac.abort();
  });

  it('when a body is larger than ROADPULSE_API_BODY_LIMIT (16 KiB), then 413 problem+json and the route does not run', async () => {
    const body = JSON.stringify({ note: 'x'.repeat(17 * 1024) });
    const runs = adminRuns;
    const r = await call(`${api.baseUrl}/api/v1/test/admin-action`, {
      method: 'POST',
      headers: { ...bearer(tokens['operator']!), 'content-type': 'application/json' },
      body,
    });
    expect(expectProblem(r, 413).type).toMatch(/payload_too_large$/);
    expect(adminRuns).toBe(runs);
    const small = await call(`${api.baseUrl}/api/v1/test/admin-action`, {
      method: 'POST',
      headers: { ...bearer(tokens['operator']!), 'content-type': 'application/json' },
      body: JSON.stringify({ note: 'x'.repeat(1024) }),
    });
    expect(small.res.status).toBe(200);
  });

  it('when requests were refused, then /metrics counts them by reason', async () => {
    const counts = await refusals(api.baseUrl);
    // The tests above: 3 without a key (segments, %61pi, stream) + 2 POSTs outside /api…, 4 bad keys, 4 too-low scopes.
    expect(counts['no_key']).toBeGreaterThanOrEqual(3);
    expect(counts['invalid_key']).toBe(4);
    expect(counts['insufficient_scope']).toBe(4);
  });
});

async function refusals(baseUrl: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  return Object.fromEntries([...text.matchAll(/^roadpulse_api_requests_refused_total\{reason="(\w+)"\} (\d+)$/gm)].map((m) => [m[1]!, Number(m[2])]));
}

describe('security headers (helmet) and the pages under them', () => {
  let api: ApiServer;
  beforeAll(async () => {
    api = await startApiServer();
  });
  afterAll(async () => {
    await api?.close();
  });

  it('when any API route answers, then it carries helmet headers and a CSP that allows this server only', async () => {
    const { res } = await call(`${api.baseUrl}/api/v1/segments`);
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("frame-ancestors 'self'");
    expect(csp).not.toContain('upgrade-insecure-requests'); // the dashboard is served over plain HTTP on a LAN
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(res.headers.get('cross-origin-resource-policy')).toBe('same-origin');
    expect(res.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
    expect(res.headers.get('x-powered-by')).toBeNull();
  });

  it('when a problem+json error answers (404), then it carries the same headers', async () => {
    const { res } = await call(`${api.baseUrl}/api/v1/segments/no-such-segment`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('when the dashboard loads, then 200 with a CSP without inline script, and its script and style load too', async () => {
    const page = await call(`${api.baseUrl}/`);
    expect(page.res.status).toBe(200);
    const csp = page.res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(page.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/); // every script is a file: no inline script the CSP would block
    for (const asset of ['/dashboard/main.js', '/dashboard/dashboard.css']) {
      expect((await call(`${api.baseUrl}${asset}`)).res.status, asset).toBe(200);
    }
  });

  it('when Swagger UI (/docs) loads, then 200 with its own CSP (self only, inline styles) and its scripts load', async () => {
    const page = await call(`${api.baseUrl}/docs/`);
    expect(page.res.status).toBe(200);
    const csp = page.res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self' 'unsafe-inline'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(page.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    const scripts = [...page.text.matchAll(/<script src="([^"]+)"/g)].map((m) => m[1]!);
    expect(scripts.length).toBeGreaterThanOrEqual(2);
    for (const src of scripts) {
      const r = await call(new URL(src, `${api.baseUrl}/docs/`).toString());
      expect(r.res.status, src).toBe(200);
    }
    const init = await call(`${api.baseUrl}/docs/static/swagger-initializer.js`);
    expect(init.text).toContain('validatorUrl'); // no badge from validator.swagger.io, which the CSP would block
    expect((await call(`${api.baseUrl}/docs/json`)).res.status).toBe(200);
  });
});

describe('CORS allow-list (ROADPULSE_API_CORS_ORIGINS)', () => {
  let api: ApiServer;
  let open: ApiServer;
  let viewer: string;
  const allowed = 'https://ops.example.org';
  beforeAll(async () => {
    const keys = await keyFile([{ id: 'viewer', scope: 'read' }]);
    viewer = keys.tokens['viewer']!;
    api = await startApiServer({ env: { ROADPULSE_API_CORS_ORIGINS: `${allowed}, http://wall.local:8081`, ROADPULSE_API_KEYS_FILE: keys.file } });
    open = await startApiServer(); // default: no origin allowed
  });
  afterAll(async () => {
    await api?.close();
    await open?.close();
  });

  it('when an allowed origin sends a preflight for Authorization, then 204 allows it', async () => {
    const { res } = await call(`${api.baseUrl}/api/v1/segments`, {
      method: 'OPTIONS',
      headers: { origin: allowed, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(allowed);
    expect(res.headers.get('access-control-allow-headers')).toMatch(/authorization/);
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('when an allowed origin is refused for want of a key, then the 401 still carries the CORS headers (the page can read why)', async () => {
    const { res } = await call(`${api.baseUrl}/api/v1/segments`, { headers: { origin: allowed } });
    expect(res.status).toBe(401);
    expect(res.headers.get('access-control-allow-origin')).toBe(allowed);
    expect(res.headers.get('access-control-expose-headers')).toMatch(/www-authenticate/);
  });

  it('when the SSE stream is opened from an allowed origin, then the stream carries the CORS header too', async () => {
    const ac = new AbortController();
    const res = await fetch(`${api.baseUrl}/api/v1/congestion/stream`, { headers: { origin: 'http://wall.local:8081', ...bearer(viewer) }, signal: ac.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(res.headers.get('access-control-allow-origin')).toBe('http://wall.local:8081');
    ac.abort();
  });

  it.each([
    ['another origin', 'https://evil.example.com'],
    ['a look-alike of the allowed origin', 'https://ops.example.org.evil.com'],
    ['the allowed host on another scheme', 'http://ops.example.org'],
    ['the null origin', 'null'],
  ])('when %s asks, then no Access-Control-Allow-Origin (the browser refuses)', async (_what, origin) => {
    const get = await call(`${api.baseUrl}/api/v1/segments`, { headers: { origin } });
    expect(get.res.headers.get('access-control-allow-origin')).toBeNull();
    const pre = await call(`${api.baseUrl}/api/v1/segments`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
    });
    expect(pre.res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('when no origin is configured (the default), then no response allows any origin', async () => {
    const get = await call(`${open.baseUrl}/api/v1/segments`, { headers: { origin: allowed } });
    expect(get.res.status).toBe(200);
    expect(get.res.headers.get('access-control-allow-origin')).toBeNull();
    const pre = await call(`${open.baseUrl}/api/v1/segments`, { method: 'OPTIONS', headers: { origin: allowed, 'access-control-request-method': 'GET' } });
    expect(pre.res.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('rate limit (ROADPULSE_API_RATE_LIMIT)', () => {
  let api: ApiServer;
  let tokens: Record<string, string>;
  const LIMIT = 5;
  beforeAll(async () => {
    const keys = await keyFile([
      { id: 'wall', scope: 'read' },
      { id: 'desk', scope: 'read' },
    ]);
    tokens = keys.tokens;
    api = await startApiServer({ env: { ROADPULSE_API_RATE_LIMIT: String(LIMIT), ROADPULSE_API_KEYS_FILE: keys.file } });
  });
  afterAll(async () => {
    await api?.close();
  });

  it('when a key makes more requests a minute than the limit, then 429 problem+json with Retry-After, and another key is not affected', async () => {
    const url = `${api.baseUrl}/api/v1/segments`;
    // The first request of a key is counted against the address (the key is not verified yet), the rest against the key.
    expect((await call(url, { headers: bearer(tokens['wall']!) })).res.status).toBe(200);
    for (let i = 0; i < LIMIT; i++) {
      const r = await call(url, { headers: bearer(tokens['wall']!) });
      expect(r.res.status, `request ${i + 2}`).toBe(200);
      expect(Number(r.res.headers.get('x-ratelimit-remaining'))).toBe(LIMIT - i - 1);
    }
    const limited = await call(url, { headers: bearer(tokens['wall']!) });
    expect(expectProblem(limited, 429).type).toMatch(/too_many_requests$/);
    const retryAfter = Number(limited.res.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);

    // Its own budget: the other key (after its first, address-counted request) still gets answers.
    expect((await call(url, { headers: bearer(tokens['desk']!) })).res.status).toBe(200);
    expect((await call(url, { headers: bearer(tokens['desk']!) })).res.status).toBe(200);
  });

  it('when made-up keys are sent, then they all share the address budget (a new fake key buys no new budget)', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT + 3; i++) statuses.push((await call(`${api.baseUrl}/api/v1/segments`, { headers: bearer(`fake-${i}.${newSecret()}`) })).res.status);
    expect(statuses).toContain(429);
    expect(statuses.every((s) => s === 401 || s === 429)).toBe(true);
  });

  it('when requests were rate limited, then /metrics counts them', async () => {
    // From another address: this one's budget is spent, and /metrics is rate limited like any route but the probes.
    const res = await api.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '10.0.0.9' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/^roadpulse_api_requests_refused_total\{reason="rate_limited"\} ([2-9]|\d\d+)$/m);
  });

  it('when the limit is exhausted, then /healthz and /readyz still answer (probes are exempt)', async () => {
    for (let i = 0; i < LIMIT + 2; i++) {
      expect((await call(`${api.baseUrl}/healthz`)).res.status).toBe(200);
      expect((await call(`${api.baseUrl}/readyz`)).res.status).toBe(200);
    }
  });

  it('when a stream is open, then it stays usable: it counted once, and other requests of the key do not cut it', async () => {
    const ac = new AbortController();
    const res = await fetch(`${api.baseUrl}/api/v1/congestion/stream`, { headers: bearer(tokens['desk']!), signal: ac.signal });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toMatch(/^retry: \d+/);
    // Use up the key's budget with other requests: the open stream is not affected.
    for (let i = 0; i < LIMIT; i++) await call(`${api.baseUrl}/api/v1/segments`, { headers: bearer(tokens['desk']!) });
    expect(res.body!.locked).toBe(true);
    ac.abort();
    await reader.closed.catch(() => undefined);
  });
});

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Store } from '../../shared/ports/store.ts';
import { T0, reading } from '../contract/store-contract.ts';
import { startApiServer, type ApiServer } from '../helpers/api-server.ts';
import { INJECTION_FRAGMENTS } from '../helpers/hostile.ts';

// Issue 13 "Hostile input" (c): hostile query strings and path ids get 400 (a path id longer than
// fastify's maxParamLength: 414) as problem+json, and never reach the store: a spy between the API and the store
// sees no call while they are answered, and the store is intact afterwards.
vi.setConfig({ testTimeout: 30_000, hookTimeout: 30_000 });

const SEGMENT = 'ql13-nb-01';
const ISO = '2025-01-01T00:00:00Z';

/** Every place a client puts a value: route, parameter, and a valid value to start from. */
const PARAMS = [
  { path: `/segments/${SEGMENT}/congestion`, name: 'window', valid: '5m' },
  { path: `/segments/${SEGMENT}/congestion`, name: 'at', valid: ISO },
  { path: `/segments/${SEGMENT}/history`, name: 'from', valid: ISO },
  { path: `/segments/${SEGMENT}/history`, name: 'to', valid: ISO },
  { path: `/segments/${SEGMENT}/history`, name: 'bucket', valid: '1h' },
  { path: '/congestion', name: 'window', valid: '15m' },
  { path: '/congestion', name: 'los', valid: 'E,F' },
  { path: '/congestion', name: 'limit', valid: '20' },
  { path: '/congestion/summary', name: 'window', valid: '1h' },
  { path: '/congestion/summary', name: 'top', valid: '10' },
  { path: '/congestion/stream', name: 'window', valid: '5m' },
  { path: '/congestion/stream', name: 'segment', valid: SEGMENT },
] as const;
const PATH_ROUTES = ['/segments/{id}', '/segments/{id}/congestion', '/segments/{id}/history', '/sensors/{id}'] as const;

/** A piece no valid value of any parameter may contain: a character outside every rule (ids, ISO times, numbers, LOS lists). */
const poison = fc.oneof(
  fc.constantFrom(...INJECTION_FRAGMENTS.filter((f) => /[^A-Za-z0-9._\-:+, ]/.test(f))),
  fc.constantFrom("'", '"', ';', '\\', '\n', '(', ')', '*', '=', '<', '>', '{', '}', '|', '`', '$', '#', '!', '?', '~', '&', '@', '[', ']', '%', '/'),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 6 }).filter((s) => /[^\x20-\x7e]/.test(s)),
);
/** A valid value with poison inside it (so it is invalid, yet looks like the real thing), or a huge one. */
const hostileValue = (valid: string) =>
  fc.oneof(
    fc.tuple(fc.nat(valid.length), fc.string({ maxLength: 8 }), poison, fc.string({ maxLength: 8 })).map(([at, a, p, b]) => `${valid.slice(0, at)}${a}${p}${b}${valid.slice(at)}`),
    fc.constantFrom(`${valid}${'9'.repeat(400)}`, `${valid}${"' OR '1'='1".repeat(300)}`),
    poison,
  );

const request = fc.oneof(
  fc.constantFrom(...PARAMS).chain((p) => hostileValue(p.valid).map((v) => ({ url: `/api/v1${p.path}?${p.name}=${encodeURIComponent(v)}`, pathId: false }))),
  // A parameter that does not exist, under any name (prototype keys included).
  fc
    .tuple(fc.constantFrom(...PARAMS), fc.oneof(fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'q', 'db', 'window[]'), fc.string({ minLength: 1, maxLength: 20 })), fc.string({ maxLength: 20 }))
    .filter(([p, key]) => !['window', 'at', 'from', 'to', 'bucket', 'los', 'limit', 'top', 'segment'].includes(key) && key.trim() !== '' && p.path.length > 0)
    .map(([p, key, value]) => ({ url: `/api/v1${p.path}?${encodeURIComponent(key)}=${encodeURIComponent(value)}`, pathId: false })),
  // The same parameter twice (an array where a string belongs).
  fc.constantFrom(...PARAMS).map((p) => ({ url: `/api/v1${p.path}?${p.name}=${encodeURIComponent(p.valid)}&${p.name}=${encodeURIComponent(p.valid)}`, pathId: false })),
  fc.tuple(fc.constantFrom(...PATH_ROUTES), hostileValue(SEGMENT)).map(([route, id]) => ({ url: `/api/v1${route.replace('{id}', encodeURIComponent(id))}`, pathId: true })),
);

describe('API parameters on hostile input (fast-check)', () => {
  let api: ApiServer;
  const calls: { method: string; args: unknown[] }[] = [];
  const spy = (store: Store): Store =>
    new Proxy(store, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          calls.push({ method: String(prop), args });
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });

  beforeAll(async () => {
    api = await startApiServer({ wrapStore: spy, env: { ROADPULSE_API_RATE_LIMIT: '0' } });
    await api.store.writeReadings([reading({ sensorId: 'loop-1', segmentId: SEGMENT, ts: T0 })]);
  });
  afterAll(async () => {
    await api?.close();
  });

  it('when a query parameter or path id is hostile (quotes, ";", SQL/InfluxQL fragments, unicode, huge), then 400 problem+json and the store is never called', async () => {
    await fc.assert(
      fc.asyncProperty(request, async ({ url, pathId }) => {
        const before = calls.length;
        const res = await api.app.inject({ method: 'GET', url });
        expect(pathId ? [400, 404, 414] : [400], `${url} → ${res.statusCode} ${res.body.slice(0, 200)}`).toContain(res.statusCode);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        const problem = res.json<{ status: number; type: string; detail: string }>();
        expect(problem.status).toBe(res.statusCode);
        expect(problem.type).toMatch(/^https:\/\/roadpulse\.dev\/problems\/(bad_request|not_found|uri_too_long)$/);
        expect(calls.length, `store called for ${url}: ${JSON.stringify(calls.slice(before))}`).toBe(before);
      }),
      { numRuns: 400 },
    );
  });

  it.each([
    ['a malformed percent-encoding in the path', '/api/v1/segments/%E0%A4%A/congestion', 400],
    ['a malformed percent-encoding in the query', '/api/v1/congestion?window=%E0%A4%A', 400],
    ['raw quotes and spaces', "/api/v1/congestion?window=5m'%20OR%20'1'='1", 400],
    ['a NUL byte', '/api/v1/congestion?los=E%00', 400],
    ['an InfluxQL regex in the segment', '/api/v1/congestion/stream?segment=%2F.*%2F', 400],
    ['a path id of 5000 characters', `/api/v1/segments/${'a'.repeat(5000)}`, 414],
  ])('when a request over TCP carries %s, then %i problem+json', async (_what, path, status) => {
    const before = calls.length;
    const res = await fetch(`${api.baseUrl}${path}`);
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(((await res.json()) as { status: number }).status).toBe(status);
    expect(calls.length).toBe(before);
  });

  it('when the hostile requests are over, then the store is intact and valid requests reach it with validated values', async () => {
    const res = await api.app.inject({ method: 'GET', url: `/api/v1/segments/${SEGMENT}/congestion?window=5m&at=${new Date(T0 + 60_000).toISOString()}` });
    expect(res.statusCode).toBe(200);
    expect(res.json<{ sensorsReporting: number }>().sensorsReporting).toBe(1);
    expect(await api.store.readings({ from: T0, to: T0 + 1 }, [SEGMENT])).toHaveLength(1);
    expect(calls.length).toBeGreaterThan(0);
  });
});

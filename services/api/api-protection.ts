import fastifyCors from '@fastify/cors';
import fastifyHelmet from '@fastify/helmet';
import fastifyRateLimit, { normalizeIP } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { bearerToken } from './api-auth.ts';
import type { ApiKeys } from './api-keys.ts';

/** The API's protections against other sites and floods (README "API security"). */
export interface ApiProtectionOptions {
  /** Requests per minute per API key (or per client address without a verified key); 0 = no limit. */
  rateLimitPerMin: number;
  /** Origins allowed to call the API from a browser (CORS); empty = same-origin only; "*" = any. */
  corsOrigins: readonly string[];
}

/** Never rate limited: orchestrators probe these, and a throttled probe restarts a healthy process. */
const RATE_LIMIT_EXEMPT = new Set(['/healthz', '/readyz']);

/**
 * The Content-Security-Policy of every response (helmet); the dashboard sets the same policy itself.
 * Scripts and styles from this server only, no inline script, no plugins, no framing by other
 * sites; no `upgrade-insecure-requests` (helmet's default), which would break the dashboard
 * served over plain HTTP on a control-room LAN.
 */
export const CSP_DIRECTIVES = {
  'default-src': ["'self'"],
  'base-uri': ["'none'"],
  'connect-src': ["'self'"],
  'font-src': ["'self'"],
  'form-action': ["'none'"],
  'frame-ancestors': ["'self'"],
  'img-src': ["'self'", 'data:'],
  'object-src': ["'none'"],
  'script-src': ["'self'"],
  'script-src-attr': ["'none'"],
  'style-src': ["'self'"],
} as const;

/**
 * Swagger UI's policy (/docs, set by @fastify/swagger-ui on its own routes): as above, but styles
 * may be inline: Swagger UI inserts a <style> element at run time (in headless Chromium, under
 * `style-src 'self'` it logs a violation and renders unstyled). Scripts stay 'self' only; its
 * "Try it out" requests go to this server only.
 */
export const DOCS_CSP =
  "default-src 'self'; base-uri 'self'; connect-src 'self'; font-src 'self' data:; form-action 'self'; frame-ancestors 'self'; " +
  "img-src 'self' data:; object-src 'none'; script-src 'self'; script-src-attr 'none'; style-src 'self' 'unsafe-inline'";

/**
 * Registers, before any route: security headers (helmet), CORS (an allow-list), then the rate
 * limiter (429 problem+json with Retry-After). Order matters: a 401 or 429 still carries the CORS
 * headers, so a browser app on an allowed origin can read why it was refused.
 */
export async function registerApiProtection(app: FastifyInstance, options: ApiProtectionOptions, keys: ApiKeys, onLimited: () => void): Promise<void> {
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: { useDefaults: false, directives: CSP_DIRECTIVES },
    // The API is read by other origins only through CORS; images and scripts of the dashboard are same-origin.
    crossOriginResourcePolicy: { policy: 'same-origin' },
  });

  if (options.corsOrigins.length > 0) {
    await app.register(fastifyCors, {
      origin: options.corsOrigins.includes('*') ? '*' : [...options.corsOrigins],
      methods: ['GET', 'HEAD', 'POST'],
      allowedHeaders: ['authorization', 'content-type', 'accept', 'last-event-id'],
      exposedHeaders: ['retry-after', 'www-authenticate', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'etag'],
      credentials: false, // keys travel in Authorization, never in cookies
      maxAge: 600,
    });
  }

  if (options.rateLimitPerMin > 0) {
    await app.register(fastifyRateLimit, {
      global: true,
      max: options.rateLimitPerMin,
      timeWindow: 60_000,
      // Per key once the key was verified (the check is a Map lookup); otherwise per address, so
      // made-up keys cannot buy a fresh budget each and a valid key id cannot drain its owner's.
      keyGenerator: (req: FastifyRequest) => {
        const token = bearerToken(req);
        const principal = token === undefined ? undefined : keys.known(token);
        return principal ? `key:${principal.id}` : `addr:${normalizeIP(req.ip)}`;
      },
      onExceeded: () => onLimited(),
      allowList: (req: FastifyRequest) => RATE_LIMIT_EXEMPT.has(req.routeOptions.url ?? ''),
      errorResponseBuilder: (_req, context) =>
        Object.assign(new Error(`more than ${context.max} requests a minute; retry in ${context.after}`), { statusCode: context.statusCode }),
    });
  }
}

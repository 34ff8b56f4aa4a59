import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sendProblem } from '../../shared/runtime/problem-json.ts';
import type { ApiScope } from './api-keys-file.ts';
import { BUSY, type ApiKeys, type ApiPrincipal } from './api-keys.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The scope a route needs when API keys are configured; `admin` for anything that changes state. */
    scope?: ApiScope;
  }
  interface FastifyRequest {
    /** The verified key of the request; undefined when the route needs none (or no keys are configured). */
    principal?: ApiPrincipal;
  }
}

/** Routes under these prefixes need a key when keys are configured. */
const PROTECTED_PREFIXES = ['/api/', '/ngsi-ld/'];
const NGSI_CONTEXTS = '/ngsi-ld/v1/contexts/';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const SCOPE_RANK: Record<ApiScope, number> = { read: 1, admin: 2 };
const REALM = 'Bearer realm="roadpulse"';

/**
 * The scope the matched route needs: its `config.scope` if it names one; else, under /api (and
 * /ngsi-ld), `read` for GET/HEAD and `admin` for any other method (a state-changing route that
 * forgets to say so is admin-only, not open); elsewhere (dashboard, docs, ops) none.
 */
export function requiredScope(req: FastifyRequest): ApiScope | null {
  const url = req.routeOptions.url; // the matched route, not the raw URL: "/%61pi/v1/…" routes to /api/v1/… too
  const declared = req.routeOptions.config?.scope;
  if (declared) return declared;
  if (!url || !PROTECTED_PREFIXES.some((p) => url.startsWith(p))) return null;
  // The NGSI-LD @context document stays public: JSON-LD processors fetch it without a key.
  if (url.startsWith(NGSI_CONTEXTS)) return null;
  return SAFE_METHODS.has(req.method) ? 'read' : 'admin';
}

/** "Authorization: Bearer <key>" (RFC 6750 §2.1); undefined when absent or another scheme. */
export function bearerToken(req: FastifyRequest): string | undefined {
  const m = /^Bearer[ ]+([\x21-\x7e]{1,512})[ ]*$/i.exec(req.headers.authorization ?? '');
  return m?.[1];
}

/**
 * API key check on every request (after the rate limiter): 401 without a valid key, 403 when the
 * key's scope is too low, both problem+json with `WWW-Authenticate` (RFC 6750 §3). Nothing is
 * checked when no key is configured.
 */
export function registerApiAuth(app: FastifyInstance, keys: ApiKeys, refused: (reason: 'no_key' | 'invalid_key' | 'insufficient_scope' | 'busy') => void): void {
  // preParsing: after every onRequest hook, the rate limiter's included (it hooks each route's
  // onRequest, which runs after app-wide ones), so made-up keys are throttled before they cost a
  // scrypt; and before the body is read, so no body is parsed for a caller without a key.
  app.addHook('preParsing', async (req, reply, payload) => {
    if (!keys.configured) return payload;
    const needed = requiredScope(req);
    if (needed === null) return payload;
    const token = bearerToken(req);
    if (token === undefined) {
      refused('no_key');
      return unauthorized(reply, REALM, 'a valid "Authorization: Bearer <key>" is required');
    }
    const principal = await keys.verify(token);
    if (principal === BUSY) {
      refused('busy');
      reply.header('Retry-After', '1');
      return sendProblem(reply, 503, 'busy', 'too many new API keys are being checked right now; retry in a second');
    }
    if (!principal) {
      refused('invalid_key');
      req.log.info({ route: req.routeOptions.url }, 'API key not valid');
      return unauthorized(reply, `${REALM}, error="invalid_token"`, 'the API key is not valid: a valid "Authorization: Bearer <key>" is required');
    }
    if (SCOPE_RANK[principal.scope] < SCOPE_RANK[needed]) {
      refused('insufficient_scope');
      req.log.warn({ keyId: principal.id, scope: principal.scope, needed, route: req.routeOptions.url }, 'API key scope too low');
      reply.header('WWW-Authenticate', `${REALM}, error="insufficient_scope", scope="${needed}"`);
      return sendProblem(reply, 403, 'forbidden', `this route needs an API key with scope "${needed}"; key "${principal.id}" has "${principal.scope}"`);
    }
    req.principal = principal;
    return payload;
  });
}

function unauthorized(reply: FastifyReply, challenge: string, detail: string): FastifyReply {
  reply.header('WWW-Authenticate', challenge); // RFC 9110 §11.6.1
  return sendProblem(reply, 401, 'unauthorized', detail);
}

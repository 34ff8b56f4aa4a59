import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { ApiDeps } from '../api-deps.ts';
import { sendProblem } from '../problem.ts';

/** Liveness, readiness and Prometheus metrics. */
export function opsRoutes(deps: ApiDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));

    app.get('/readyz', { schema: { hide: true } }, async (_req, reply) => {
      const checks = await Promise.allSettled([deps.bus.ping(), deps.query.store.ping()]);
      const [bus, store] = checks.map((c) => (c.status === 'fulfilled' ? 'ok' : String(c.reason)));
      if (bus !== 'ok' || store !== 'ok') return sendProblem(reply, 503, 'not_ready', `bus: ${bus}; store: ${store}`);
      return { status: 'ready', bus, store };
    });

    app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
      reply.type(deps.metrics.registry.contentType);
      return deps.metrics.registry.metrics();
    });
  };
}

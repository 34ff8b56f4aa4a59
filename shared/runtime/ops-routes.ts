import type { FastifyPluginAsync } from 'fastify';
import type { Metrics } from '../metrics/metrics.ts';
import { sendProblem } from './problem-json.ts';

export type ReadinessChecks = Record<string, () => Promise<void>>;

/** Liveness, readiness (each named check must pass) and Prometheus metrics; every roadpulse process serves these. */
export function opsRoutes(args: { metrics: Metrics; readiness: ReadinessChecks }): FastifyPluginAsync {
  return async (app) => {
    app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));

    app.get('/readyz', { schema: { hide: true } }, async (_req, reply) => {
      const names = Object.keys(args.readiness);
      const results = await Promise.allSettled(names.map((n) => args.readiness[n]!()));
      const status = Object.fromEntries(
        names.map((n, i) => [n, results[i]!.status === 'fulfilled' ? 'ok' : String((results[i] as PromiseRejectedResult).reason)]),
      );
      if (Object.values(status).some((s) => s !== 'ok')) {
        return sendProblem(reply, 503, 'not_ready', Object.entries(status).map(([n, s]) => `${n}: ${s}`).join('; '));
      }
      return { status: 'ready', ...status };
    });

    app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
      reply.type(args.metrics.registry.contentType);
      return args.metrics.registry.metrics();
    });
  };
}

import Fastify from 'fastify';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../logging/create-logger.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { Bus } from '../ports/bus.ts';
import type { Store } from '../ports/store.ts';
import { opsRoutes, type ReadinessChecks } from './ops-routes.ts';

/**
 * /healthz, /readyz and /metrics on ROADPULSE_HTTP_HOST:PORT for a service that has no API of its
 * own (ingest, writer, aggregator); ready when each port it uses answers.
 */
export async function startOpsServer(
  config: Pick<Config, 'ROADPULSE_HTTP_HOST' | 'ROADPULSE_HTTP_PORT'>,
  args: { metrics: Metrics; log: Logger; ports: { bus: Bus; store?: Store } },
): Promise<{ port: number; close(): Promise<void> }> {
  const { bus, store } = args.ports;
  const readiness: ReadinessChecks = { bus: () => bus.ping(), ...(store ? { store: () => store.ping() } : {}) };
  const app = Fastify({ logger: false });
  await app.register(opsRoutes({ metrics: args.metrics, readiness }));
  await app.listen({ host: config.ROADPULSE_HTTP_HOST, port: config.ROADPULSE_HTTP_PORT });
  const { port } = app.server.address() as { port: number };
  args.log.info({ port }, 'ops endpoints listening (/healthz, /readyz, /metrics)');
  return { port, close: () => app.close() };
}

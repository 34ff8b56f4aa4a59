import Fastify from 'fastify';
import type { Logger } from '../logging/create-logger.ts';
import type { Metrics } from '../metrics/metrics.ts';
import { opsRoutes, type ReadinessChecks } from './ops-routes.ts';

/** /healthz, /readyz and /metrics for a service that has no API of its own (ingest, writer, aggregator). */
export async function startOpsServer(args: {
  host: string;
  port: number;
  metrics: Metrics;
  readiness: ReadinessChecks;
  log: Logger;
}): Promise<{ port: number; close(): Promise<void> }> {
  const app = Fastify({ logger: false });
  await app.register(opsRoutes(args));
  await app.listen({ host: args.host, port: args.port });
  const { port } = app.server.address() as { port: number };
  args.log.info({ port }, 'ops endpoints listening (/healthz, /readyz, /metrics)');
  return { port, close: () => app.close() };
}

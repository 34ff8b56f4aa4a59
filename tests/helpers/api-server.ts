import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { startApi } from '../../services/api/start-api.ts';
import { SqliteBus } from '../../shared/adapters/sqlite-bus.ts';
import { SqliteStore } from '../../shared/adapters/sqlite-store.ts';
import { loadConfig } from '../../shared/config/load-config.ts';
import { configSchema } from '../../shared/config/schema.ts';
import { createLogger } from '../../shared/logging/create-logger.ts';
import { createMetrics } from '../../shared/metrics/metrics.ts';
import { loadRoadNetwork } from '../../shared/network/load-network.ts';
import type { Store } from '../../shared/ports/store.ts';
import { queryContextFrom } from '../../shared/queries/congestion-at.ts';
import { makeDataDir, testEnv } from './embedded.ts';

export interface ApiServer {
  baseUrl: string;
  app: FastifyInstance;
  store: SqliteStore;
  dataDir: string;
  close(): Promise<void>;
}

/**
 * The HTTP API alone, as `startApi` configures it from ROADPULSE_* variables, on a free loopback
 * port over the embedded bus and store in a temp dir; `extraRoutes` adds test-only routes before it
 * listens; `wrapStore` may put a spy between the API and the store.
 */
export async function startApiServer(
  options: { env?: Record<string, string>; extraRoutes?: (app: FastifyInstance) => void; wrapStore?: (store: Store) => Store } = {},
): Promise<ApiServer> {
  const dataDir = makeDataDir('roadpulse-api-');
  const config = loadConfig(configSchema, testEnv(dataDir, options.env));
  const log = createLogger({ level: config.ROADPULSE_LOG_LEVEL });
  const bus = new SqliteBus({ file: join(dataDir, 'bus.sqlite'), log });
  const store = new SqliteStore(join(dataDir, 'store.sqlite'));
  const query = queryContextFrom(config, options.wrapStore ? options.wrapStore(store) : store, loadRoadNetwork(config.ROADPULSE_NETWORK_FILE));
  const { app, port } = await startApi(config, { query, bus, metrics: createMetrics(), log, ...(options.extraRoutes ? { extraRoutes: options.extraRoutes } : {}) });
  let closed = false;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    app,
    store,
    dataDir,
    async close() {
      if (closed) return;
      closed = true;
      // Seen in about one run in ten: close() waited on a keep-alive connection that fastify did
      // not count as idle (it would wait for its 72-s keepAliveTimeout). After 2 s, cut them.
      const cut = setTimeout(() => app.server.closeAllConnections(), 2_000);
      await app.close();
      clearTimeout(cut);
      await bus.close();
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

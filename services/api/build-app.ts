import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { opsRoutes } from '../../shared/runtime/ops-routes.ts';
import type { ApiDeps } from './api-deps.ts';
import { sendProblem } from '../../shared/runtime/problem-json.ts';
import { registerProblemHandlers } from './problem.ts';
import { congestionRoutes } from './routes/congestion-routes.ts';
import { dashboardRoutes } from './routes/dashboard-routes.ts';
import { segmentRoutes } from './routes/segment-routes.ts';
import { sensorRoutes } from './routes/sensor-routes.ts';
import { streamRoutes } from './routes/stream-routes.ts';

/** Builds the HTTP app without listening (tests use inject() or port 0). */
export async function buildApp(deps: ApiDeps): Promise<FastifyInstance> {
  // pino's Logger is a FastifyBaseLogger; the cast keeps fastify's default generics (pino 10 vs fastify's pino types).
  const loggerInstance = deps.log.child({ component: 'api' }) as FastifyBaseLogger;
  const app = Fastify({ loggerInstance, ...(deps.serverFactory ? { serverFactory: deps.serverFactory } : {}) }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerProblemHandlers(app);

  app.addHook('onResponse', async (req, reply) => {
    deps.metrics.httpDuration.observe(
      { route: req.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });

  if (deps.apiKeys.length > 0) {
    const keys = new Set(deps.apiKeys);
    app.addHook('onRequest', async (req, reply) => {
      // The matched route, not the raw URL: "/%61pi/v1/…" routes to /api/v1/… too.
      if (!req.routeOptions.url?.startsWith('/api/')) return;
      const token = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
      if (!token || !keys.has(token)) {
        reply.header('WWW-Authenticate', 'Bearer realm="roadpulse"'); // RFC 9110 §11.6.1
        return sendProblem(reply, 401, 'unauthorized', 'a valid "Authorization: Bearer <key>" is required');
      }
    });
  }

  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'roadpulse API', version: '1.0.0', description: 'Congestion per road segment from roadside traffic sensors' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  await app.register(opsRoutes({ metrics: deps.metrics, readiness: { bus: () => deps.bus.ping(), store: () => deps.query.store.ping() } }));
  await app.register(segmentRoutes(deps), { prefix: '/api/v1' });
  await app.register(congestionRoutes(deps), { prefix: '/api/v1' });
  await app.register(sensorRoutes(deps), { prefix: '/api/v1' });
  await app.register(streamRoutes(deps), { prefix: '/api/v1' });
  await app.register(dashboardRoutes());
  return app;
}

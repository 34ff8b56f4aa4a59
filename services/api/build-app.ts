import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { opsRoutes } from '../../shared/runtime/ops-routes.ts';
import type { ApiDeps } from './api-deps.ts';
import { ngsiRoutes } from './ngsi/ngsi-routes.ts';
import { alertRoutes } from './routes/alert-routes.ts';
import { registerApiAuth } from './api-auth.ts';
import { ApiKeys } from './api-keys.ts';
import { DOCS_CSP, registerApiProtection } from './api-protection.ts';
import { frameworkErrorProblem, registerProblemHandlers } from './problem.ts';
import { congestionRoutes } from './routes/congestion-routes.ts';
import { dashboardRoutes } from './routes/dashboard-routes.ts';
import { segmentRoutes } from './routes/segment-routes.ts';
import { sensorHealthRoutes } from './routes/sensor-health-routes.ts';
import { sensorRoutes } from './routes/sensor-routes.ts';
import { sensorStateCounter } from './sensor-state-gauge.ts';
import { streamRoutes } from './routes/stream-routes.ts';

/** Request bodies above this get 413 unless ROADPULSE_API_BODY_LIMIT says otherwise. */
const DEFAULT_BODY_LIMIT = 16 * 1024;

/** Builds the HTTP app without listening (tests use inject() or port 0). */
export async function buildApp(deps: ApiDeps): Promise<FastifyInstance> {
  // pino's Logger is a FastifyBaseLogger; the cast keeps fastify's default generics (pino 10 vs fastify's pino types).
  const loggerInstance = deps.log.child({ component: 'api' }) as FastifyBaseLogger;
  const app = Fastify({
    loggerInstance,
    bodyLimit: deps.security?.bodyLimitBytes ?? DEFAULT_BODY_LIMIT,
    frameworkErrors: frameworkErrorProblem,
    ...(deps.serverFactory ? { serverFactory: deps.serverFactory } : {}),
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerProblemHandlers(app);

  app.addHook('onResponse', async (req, reply) => {
    deps.metrics.httpDuration.observe(
      { route: req.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });

  // Before any route: helmet, CORS and the rate limiter hook every route registered after them.
  const security = deps.security ?? { keys: new ApiKeys([], deps.apiKeys), rateLimitPerMin: 0, corsOrigins: [], bodyLimitBytes: DEFAULT_BODY_LIMIT };
  const refused = deps.metrics.apiRefusals;
  await registerApiProtection(app, security, security.keys, () => refused.inc({ reason: 'rate_limited' }));
  registerApiAuth(app, security.keys, (reason) => refused.inc({ reason }));

  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'roadpulse API', version: '1.0.0', description: 'Congestion per road segment from roadside traffic sensors' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'an API key `<name>.<secret>` (npm run api-keys), when keys are configured' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  // validatorUrl null: no badge image from validator.swagger.io (the CSP allows this server only).
  await app.register(fastifySwaggerUi, { routePrefix: '/docs', uiConfig: { validatorUrl: null }, staticCSP: DOCS_CSP });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  await app.register(opsRoutes({ metrics: deps.metrics, readiness: { bus: () => deps.bus.ping(), store: () => deps.query.store.ping() } }));
  await app.register(segmentRoutes(deps), { prefix: '/api/v1' });
  await app.register(congestionRoutes(deps), { prefix: '/api/v1' });
  await app.register(sensorRoutes(deps), { prefix: '/api/v1' });
  await app.register(sensorHealthRoutes(deps), { prefix: '/api/v1' });
  deps.metrics.setSensorStateSource(sensorStateCounter(deps));
  await app.register(streamRoutes(deps), { prefix: '/api/v1' });
  await app.register(alertRoutes(deps), { prefix: '/api/v1' });
  await app.register(ngsiRoutes(deps), { prefix: '/ngsi-ld/v1' });
  await app.register(dashboardRoutes({ timeZone: deps.timeZone }));
  return app;
}

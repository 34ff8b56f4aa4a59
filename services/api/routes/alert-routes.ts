import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { alertIdSchema, alertSchema, type Alert, type AlertEvent } from '../../../shared/contract/alert.ts';
import { idSchema } from '../../../shared/contract/telemetry.ts';
import { TOPICS } from '../../../shared/contract/topics.ts';
import { AppError } from '../../../shared/errors/app-error.ts';
import type { ApiDeps } from '../api-deps.ts';
import { formatQuery, jsonOrCsvResponse, replyMaybeCsv, toCsv } from '../csv.ts';

/** "Recent" alerts: raised or cleared within this long before now. */
export const RECENT_MS = 24 * 3600_000;

const EXAMPLE: Alert = {
  id: 'ql13-nb-01@1767232800000',
  segmentId: 'ql13-nb-01',
  window: '5m',
  state: 'active',
  level: 'E',
  raisedAt: '2026-01-01T02:00:00.000Z',
  clearedAt: null,
  acknowledgedAt: '2026-01-01T02:03:12.000Z',
  acknowledgedBy: 'operator-7',
  peakLos: 'F',
  peakCongestionPct: 412.5,
  lastLos: 'F',
  lastCongestionPct: 390.1,
  updatedAt: '2026-01-01T02:10:00.000Z',
};

const alertOut = alertSchema.meta({ examples: [EXAMPLE] });
/** CSV columns: the alert's fields in the contract's order. */
const ALERT_COLUMNS = Object.keys(alertSchema.shape) as (keyof Alert & string)[];
const alertsQuery = z.strictObject({
  state: z.enum(['active', 'recent']).default('active').describe('active alerts, or those raised or cleared in the last 24 h'),
  segment: idSchema.optional().describe('only alerts of this segment'),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  ...formatQuery,
});
const alertParams = z.object({ id: alertIdSchema });
const ackBody = z
  .object({ by: z.string().trim().min(1).max(100).optional().describe('who acknowledges (operator name or id)') })
  .nullish() // fastify hands a request without a body to the validator as null
  .meta({ examples: [{ by: 'operator-7' }] });

/** GET /alerts, GET /alerts/{id}, POST /alerts/{id}/ack (issue 12, DESIGN §8). */
export function alertRoutes(deps: ApiDeps): FastifyPluginAsyncZod {
  const now = deps.now ?? Date.now;
  const store = deps.query.store;
  const notFound = (id: string) => new AppError('not_found', `alert "${id}" does not exist`);

  return async (app) => {
    app.get(
      '/alerts',
      {
        schema: {
          querystring: alertsQuery,
          summary: 'Congestion alerts: the active ones, or the recent ones',
          description:
            '`state=active` (default): every active alert, newest raise first. `state=recent`: alerts raised or cleared in the ' +
            'last 24 h, newest first by the later of `raisedAt` and `clearedAt`. An alert is raised when a segment stays at or worse ' +
            'than the raise LOS for the raise time, and clears when it stays better than the clear LOS for the clear time ' +
            '(ROADPULSE_ALERT_*).',
          response: {
            200: jsonOrCsvResponse(z.object({ alerts: z.array(alertOut) }).meta({ examples: [{ alerts: [EXAMPLE] }] }), toCsv([EXAMPLE], ALERT_COLUMNS)),
          },
        },
      },
      async (req, reply) => {
        const { state, segment, limit } = req.query;
        if (segment !== undefined && !deps.query.network.byId.has(segment)) {
          throw new AppError('bad_request', `querystring segment: "${segment}" is not in the road network`);
        }
        const alerts = await store.alerts({ state, since: now() - RECENT_MS, limit, ...(segment === undefined ? {} : { segmentId: segment }) });
        return replyMaybeCsv(req, reply, { alerts }, { rows: alerts, columns: ALERT_COLUMNS, filename: `alerts-${state}.csv` });
      },
    );

    app.get(
      '/alerts/:id',
      {
        schema: {
          params: alertParams,
          summary: 'One alert',
          description: 'The alert with this id (`{segmentId}@{raisedAt epoch ms}`), active or cleared; 404 if there is none.',
          response: { 200: alertOut },
        },
      },
      async (req) => {
        const alert = await store.alert(req.params.id);
        if (!alert) throw notFound(req.params.id);
        return alert;
      },
    );

    app.post(
      '/alerts/:id/ack',
      {
        // Enforced by the API-key scopes in build-app.ts when keys are configured: needs an admin key.
        config: { scope: 'admin' },
        schema: {
          params: alertParams,
          body: ackBody,
          summary: 'Acknowledge an alert (admin key)',
          description:
            'Marks the alert acknowledged (`acknowledgedAt`, `acknowledgedBy` from the optional body `{ "by": "…" }`) and publishes an ' +
            '`acknowledged` event on traffic.alerts.v1 and the stream. Idempotent: acknowledging again keeps the first acknowledgement ' +
            'and answers the same alert. 404 if there is no such alert.',
          response: { 200: alertOut },
        },
      },
      async (req) => {
        const alert = await store.acknowledgeAlert(req.params.id, req.body?.by ?? null, now());
        if (!alert) throw notFound(req.params.id);
        // Published again on a repeated acknowledgement: the same event (same id), which the stream drops as a
        // duplicate. So a publish that failed here (503) is made good by the client's retry.
        const event: AlertEvent = { event: 'acknowledged', alert };
        await deps.bus.publish(TOPICS.alerts, [{ key: alert.segmentId, value: JSON.stringify(event) }]);
        return alert;
      },
    );
  };
}

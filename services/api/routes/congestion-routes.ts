import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { congestionAt } from '../../../shared/queries/congestion-at.ts';
import { rankCongestion, summariseCity } from '../../../shared/traffic/city-summary.ts';
import type { ApiDeps } from '../api-deps.ts';
import { replyMaybeCsv } from '../csv.ts';
import { rankingQuery, summaryQuery } from '../params.ts';
import { CONGESTION_COLUMNS, rankingResponse } from '../responses.ts';

export function congestionRoutes(deps: ApiDeps): FastifyPluginAsyncZod {
  const now = deps.now ?? Date.now;
  return async (app) => {
    app.get(
      '/congestion',
      {
        schema: {
          querystring: rankingQuery,
          response: { 200: rankingResponse },
          summary: 'Segments ranked by congestion % for the window ending now (JSON or CSV)',
          description: '`format=csv` or `Accept: text/csv` answers the ranked records as a CSV attachment.',
        },
      },
      async (req, reply) => {
        const records = await congestionAt(deps.query, req.query.window, now());
        const opts = req.query.los ? { los: req.query.los, limit: req.query.limit } : { limit: req.query.limit };
        const body = { window: req.query.window, records: rankCongestion(records, opts) };
        return replyMaybeCsv(req, reply, body, { rows: body.records, columns: CONGESTION_COLUMNS, filename: `congestion-${req.query.window}.csv` });
      },
    );

    app.get(
      '/congestion/summary',
      { schema: { querystring: summaryQuery, summary: 'City summary: length-weighted congestion, segments per LOS, most congested' } },
      async (req) => {
        const records = await congestionAt(deps.query, req.query.window, now());
        return summariseCity(records, deps.query.network.byId, req.query.top);
      },
    );
  };
}

import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { AppError } from '../../../shared/errors/app-error.ts';
import type { RoadSegment } from '../../../shared/network/road-segment.ts';
import { congestionAt } from '../../../shared/queries/congestion-at.ts';
import { congestionHistory, historyPointCount } from '../../../shared/queries/congestion-history.ts';
import type { ApiDeps } from '../api-deps.ts';
import { replyMaybeCsv } from '../csv.ts';
import { congestionNowQuery, historyQuery, idParams } from '../params.ts';
import { CONGESTION_COLUMNS, historyResponse } from '../responses.ts';

const DAY_MS = 24 * 3600_000;

export function segmentRoutes(deps: ApiDeps): FastifyPluginAsyncZod {
  const now = deps.now ?? Date.now;
  const { network } = deps.query;
  const segmentOr404 = (id: string): RoadSegment => {
    const segment = network.byId.get(id);
    if (!segment) throw new AppError('not_found', `segment "${id}" is not in the road network`);
    return segment;
  };

  return async (app) => {
    app.get('/segments', { schema: { summary: 'All road segments of the network' } }, async () => ({
      segments: network.segments,
    }));

    app.get('/segments/:id', { schema: { params: idParams, summary: 'One road segment' } }, async (req) =>
      segmentOr404(req.params.id),
    );

    app.get(
      '/segments/:id/congestion',
      { schema: { params: idParams, querystring: congestionNowQuery, summary: 'Congestion record of a segment for the window ending now (or at `at`)' } },
      async (req) => {
        const segment = segmentOr404(req.params.id);
        const [record] = await congestionAt(deps.query, req.query.window, req.query.at ?? now(), [segment]);
        return record;
      },
    );

    app.get(
      '/segments/:id/history',
      {
        schema: {
          params: idParams,
          querystring: historyQuery,
          response: { 200: historyResponse },
          summary: 'Congestion series of a segment, one record per bucket (JSON or CSV)',
          description: 'Buckets are summed in the store. `format=csv` or `Accept: text/csv` answers the records as a CSV attachment.',
        },
      },
      async (req, reply) => {
        const segment = segmentOr404(req.params.id);
        const to = req.query.to ?? now();
        const from = req.query.from ?? to - DAY_MS;
        if (from >= to) throw new AppError('bad_request', '`from` must be before `to`');
        const points = historyPointCount(req.query.bucket, from, to);
        if (points > deps.historyMaxPoints) {
          throw new AppError(
            'too_many_points',
            `${points} buckets of ${req.query.bucket} requested; at most ${deps.historyMaxPoints}: use a larger bucket or a shorter range`,
          );
        }
        const { bucket } = req.query;
        const records = await congestionHistory(deps.query, segment, bucket, from, to);
        const body = { segmentId: segment.id, bucket, from: new Date(from).toISOString(), to: new Date(to).toISOString(), records };
        return replyMaybeCsv(req, reply, body, { rows: records, columns: CONGESTION_COLUMNS, filename: `${segment.id}-history-${bucket}.csv` });
      },
    );
  };
}

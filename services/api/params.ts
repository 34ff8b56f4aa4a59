import { z } from 'zod';
import { LOS_LEVELS, windowSchema } from '../../shared/contract/congestion-record.ts';
import { historyBucketSchema } from '../../shared/contract/history-bucket.ts';
import { idSchema } from '../../shared/contract/telemetry.ts';
import { formatQuery } from './csv.ts';

/** Query and path parameters of the API, validated at the edge. */
export const idParams = z.object({ id: idSchema });

const isoTime = z.iso.datetime({ offset: true }).transform((s) => Date.parse(s));

export const congestionNowQuery = z.strictObject({
  window: windowSchema.default('5m'),
  at: isoTime.optional().describe('ISO 8601 time the window ends at; default now'),
});

export const historyQuery = z
  .strictObject({
    from: isoTime.optional().describe('start, ISO 8601; default 24 h before `to`'),
    to: isoTime.optional().describe('end, ISO 8601; default now'),
    bucket: historyBucketSchema.default('5m').describe('bucket length: 1m, 5m, 15m, 1h, 6h or 1d (aligned to UTC)'),
    ...formatQuery,
  });

export const rankingQuery = z.strictObject({
  window: windowSchema.default('5m'),
  los: z
    .string()
    .transform((s) => s.split(',').map((l) => l.trim().toUpperCase()))
    .pipe(z.array(z.enum(LOS_LEVELS)))
    .optional()
    .describe('comma-separated levels of service to keep, e.g. E,F'),
  limit: z.coerce.number().int().min(1).max(1000).default(20),
  ...formatQuery,
});

export const summaryQuery = z.strictObject({
  window: windowSchema.default('5m'),
  top: z.coerce.number().int().min(1).max(100).default(10),
});

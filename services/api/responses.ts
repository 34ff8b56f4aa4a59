import { z } from 'zod';
import { congestionRecordSchema, windowSchema, type CongestionRecord } from '../../shared/contract/congestion-record.ts';
import { historyBucketSchema } from '../../shared/contract/history-bucket.ts';
import { jsonOrCsvResponse, toCsv } from './csv.ts';

/** Response schemas of the routes with a CSV form (OpenAPI, and the JSON they serialise). */

/** CSV columns of a congestion (or history) record: its fields in the contract's order. */
export const CONGESTION_COLUMNS = Object.keys(congestionRecordSchema.shape) as (keyof CongestionRecord & string)[];

const historyRecordSchema = congestionRecordSchema.extend({ window: historyBucketSchema });

const example: CongestionRecord = {
  segmentId: 'ql13-nb-01', window: '5m', from: '2026-12-04T01:00:00.000Z', to: '2026-12-04T01:05:00.000Z', status: 'ok',
  flowVph: 2412, flowPcuph: 1105.8, speedKmh: 18.4, occupancy: 0.31, densityPcuPerKmLane: 20.03, speedRatio: 0.368, tti: 2.717,
  congestionPct: 171.7, jamFactor: 6.3, los: 'E', sensorsReporting: 3, sensorsKnown: 3, stationsReporting: 1, sensorsFaulty: 0, lastReadingAt: '2026-12-04T01:04:58.000Z',
};
const noData: CongestionRecord = {
  ...example, from: '2026-12-04T01:05:00.000Z', to: '2026-12-04T01:10:00.000Z', status: 'no_data', flowVph: null, flowPcuph: null, speedKmh: null,
  occupancy: null, densityPcuPerKmLane: null, speedRatio: null, tti: null, congestionPct: null, jamFactor: null, los: null, sensorsReporting: 0, stationsReporting: 0, sensorsFaulty: null,
};

export const historyResponse = jsonOrCsvResponse(
  z.object({ segmentId: z.string(), bucket: historyBucketSchema, from: z.string(), to: z.string(), records: z.array(historyRecordSchema) }),
  toCsv([example, noData], CONGESTION_COLUMNS),
);

export const rankingResponse = jsonOrCsvResponse(
  z.object({ window: windowSchema, records: z.array(congestionRecordSchema) }),
  toCsv([example, { ...example, segmentId: 'ql13-nb-02', congestionPct: 120.4, los: 'D' }], CONGESTION_COLUMNS),
);

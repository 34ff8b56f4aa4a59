import { z } from 'zod';
import { WINDOWS, type CongestionRecord } from './congestion-record.ts';

/**
 * Buckets of a segment's history (DESIGN §8): the aggregation windows (§5) and two longer ones for
 * operators looking back days. Kept apart from WINDOWS, which the aggregator closes one by one.
 * Buckets are aligned to multiples of their length since the epoch, so a day bucket is a UTC day
 * (as InfluxDB's GROUP BY time() aligns them).
 */
export const HISTORY_BUCKETS = { ...WINDOWS, '6h': 21_600_000, '1d': 86_400_000 } as const;
export type HistoryBucket = keyof typeof HISTORY_BUCKETS;
export const HISTORY_BUCKET_NAMES = Object.keys(HISTORY_BUCKETS) as HistoryBucket[];
export const historyBucketSchema = z.enum(HISTORY_BUCKET_NAMES as [HistoryBucket, ...HistoryBucket[]]);

/** A history record: a congestion record whose `window` names its bucket (which may be longer than any aggregation window). */
export type HistoryRecord = Omit<CongestionRecord, 'window'> & { window: HistoryBucket };

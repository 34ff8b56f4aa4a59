import { WINDOWS, type WindowName } from '../contract/congestion-record.ts';
import { HISTORY_BUCKETS, type HistoryBucket, type HistoryRecord } from '../contract/history-bucket.ts';
import type { RoadSegment } from '../network/road-segment.ts';
import { computeCongestion, type CongestionInput } from '../traffic/congestion.ts';
import type { DetectorTotals } from '../traffic/detector-totals.ts';
import type { CongestionQueryContext } from './congestion-at.ts';

/**
 * A segment's congestion series: one record per bucket, bucket ends aligned to multiples of the
 * bucket length, covering [from, to). The store sums the readings per bucket and detector
 * (Store.detectorTotalsByBucket), so no reading passes through here: a week of hours is a row per
 * detector and hour.
 */
export async function congestionHistory(
  ctx: CongestionQueryContext,
  segment: RoadSegment,
  bucket: HistoryBucket,
  from: number,
  to: number,
): Promise<HistoryRecord[]> {
  const b = HISTORY_BUCKETS[bucket];
  const firstEnd = Math.floor(from / b) * b + b;
  const lastEnd = Math.ceil(to / b) * b;
  const rangeStart = firstEnd - b;
  const [buckets, known] = await Promise.all([
    ctx.store.detectorTotalsByBucket({ from: rangeStart, to: lastEnd }, [segment.id], b),
    ctx.store.segmentActivity({ from: rangeStart - ctx.sensorKnownMs, to: rangeStart }, [segment.id]),
  ]);
  const byBucketEnd = new Map<number, DetectorTotals[]>();
  for (const { bucketStart, totals } of buckets) {
    const list = byBucketEnd.get(bucketStart + b);
    if (list) list.push(totals);
    else byBucketEnd.set(bucketStart + b, [totals]);
  }
  // A sensor is known at a bucket end if it reported within sensorKnownMs before it: from the
  // buckets of the range itself, and, while that look-back still reaches before the range, from
  // the count of sensors seen before it (we do not know which ones; the larger count wins).
  const before = known.get(segment.id);
  const lastSeen = new Map<string, number>();
  let lastReadingBefore = before?.lastReadingAt ?? null;
  const records: HistoryRecord[] = [];
  for (let end = firstEnd; end <= lastEnd; end += b) {
    const detectors = byBucketEnd.get(end) ?? [];
    for (const d of detectors) lastSeen.set(d.sensorId, Math.max(lastSeen.get(d.sensorId) ?? d.lastTs, d.lastTs));
    const since = end - ctx.sensorKnownMs;
    let inRange = 0;
    for (const ts of lastSeen.values()) if (ts >= since) inRange++;
    const sensorsKnown = since < rangeStart ? Math.max(before?.sensors ?? 0, inRange) : inRange;
    records.push(bucketRecord({ segment, to: end, detectors, sensorsKnown, lastReadingBefore, weights: ctx.weights }, bucket));
    for (const d of detectors) if (lastReadingBefore === null || d.lastTs > lastReadingBefore) lastReadingBefore = d.lastTs;
  }
  return records;
}

/**
 * The record of one bucket, with the congestion maths of the aggregation windows. computeCongestion
 * uses its window only to name the record and set `from`; a bucket longer than every aggregation
 * window (6h, 1d) is computed as the longest window and then named and framed as its bucket.
 */
export function bucketRecord(input: Omit<CongestionInput, 'window'>, bucket: HistoryBucket): HistoryRecord {
  if (isWindow(bucket)) return computeCongestion({ ...input, window: bucket });
  const record = computeCongestion({ ...input, window: '1h' });
  return { ...record, window: bucket, from: new Date(input.to - HISTORY_BUCKETS[bucket]).toISOString() };
}

function isWindow(bucket: HistoryBucket): bucket is WindowName {
  return Object.hasOwn(WINDOWS, bucket);
}

/** Number of buckets a history query would return, to refuse oversized queries before any I/O. */
export function historyPointCount(bucket: HistoryBucket, from: number, to: number): number {
  const b = HISTORY_BUCKETS[bucket];
  return Math.ceil(to / b) - Math.floor(from / b);
}

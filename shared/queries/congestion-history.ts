import { WINDOWS, type CongestionRecord, type WindowName } from '../contract/congestion-record.ts';
import type { Reading } from '../contract/telemetry.ts';
import type { RoadSegment } from '../network/road-segment.ts';
import { computeCongestion } from '../traffic/congestion.ts';
import { detectorTotalsOf } from '../traffic/detector-totals.ts';
import type { CongestionQueryContext } from './congestion-at.ts';

/**
 * A segment's congestion series: one record per bucket, bucket ends aligned to multiples of the
 * bucket length, covering [from, to). One store read for the whole range.
 */
export async function congestionHistory(
  ctx: CongestionQueryContext,
  segment: RoadSegment,
  bucket: WindowName,
  from: number,
  to: number,
): Promise<CongestionRecord[]> {
  const b = WINDOWS[bucket];
  const firstEnd = Math.floor(from / b) * b + b;
  const lastEnd = Math.ceil(to / b) * b;
  const [readings, known] = await Promise.all([
    ctx.store.readings({ from: firstEnd - b, to: lastEnd }, [segment.id]),
    ctx.store.segmentActivity({ from: firstEnd - b - ctx.sensorKnownMs, to: firstEnd - b }, [segment.id]),
  ]);
  const byBucketEnd = new Map<number, Reading[]>();
  for (const r of readings) {
    const end = Math.floor(r.ts / b) * b + b;
    const list = byBucketEnd.get(end);
    if (list) list.push(r);
    else byBucketEnd.set(end, [r]);
  }
  // A sensor is known at a bucket end if it reported within sensorKnownMs before it: from the
  // readings of the range itself, and, while that look-back still reaches before the range, from
  // the count of sensors seen before it (we do not know which ones; the larger count wins).
  const rangeStart = firstEnd - b;
  const before = known.get(segment.id);
  const lastSeen = new Map<string, number>();
  let lastReadingBefore = before?.lastReadingAt ?? null;
  const records: CongestionRecord[] = [];
  for (let end = firstEnd; end <= lastEnd; end += b) {
    const inBucket = byBucketEnd.get(end) ?? [];
    for (const r of inBucket) lastSeen.set(r.sensorId, Math.max(lastSeen.get(r.sensorId) ?? r.ts, r.ts));
    const since = end - ctx.sensorKnownMs;
    let inRange = 0;
    for (const ts of lastSeen.values()) if (ts >= since) inRange++;
    const sensorsKnown = since < rangeStart ? Math.max(before?.sensors ?? 0, inRange) : inRange;
    records.push(
      computeCongestion({
        segment, window: bucket, to: end, detectors: detectorTotalsOf(inBucket, { from: end - b, to: end }), sensorsKnown, lastReadingBefore, weights: ctx.weights,
      }),
    );
    for (const r of inBucket) if (lastReadingBefore === null || r.ts > lastReadingBefore) lastReadingBefore = r.ts;
  }
  return records;
}

/** Number of buckets a history query would return, to refuse oversized queries before any I/O. */
export function historyPointCount(bucket: WindowName, from: number, to: number): number {
  const b = WINDOWS[bucket];
  return Math.ceil(to / b) - Math.floor(from / b);
}

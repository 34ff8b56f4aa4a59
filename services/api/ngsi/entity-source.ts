import { WINDOWS, type WindowName } from '../../../shared/contract/congestion-record.ts';
import type { CongestionQueryContext } from '../../../shared/queries/congestion-at.ts';
import type { NgsiEntity } from './ngsi-entity.ts';
import { trafficFlowEntity } from './traffic-flow-entity.ts';

/** How far back the latest window close of a segment is looked for: three windows, at least an hour. */
const lookbackMs = (window: WindowName): number => Math.max(3 * WINDOWS[window], 3_600_000);

/**
 * The TrafficFlowObserved entities of the latest stored window close of each segment (the
 * aggregator's records, DESIGN §5), in network order. A segment without a stored record in the
 * look-back has none.
 */
export async function latestTrafficFlows(ctx: CongestionQueryContext, window: WindowName, now: number): Promise<NgsiEntity[]> {
  const range = { from: now - lookbackMs(window), to: now + 1 };
  const latest = await Promise.all(
    ctx.network.segments.map(async (segment) => {
      const record = (await ctx.store.congestionHistory(segment.id, window, range)).at(-1);
      return record ? trafficFlowEntity(record, segment) : null;
    }),
  );
  return latest.filter((e): e is NgsiEntity => e !== null);
}

/** The entity of one stored window close, or null. */
export async function trafficFlowAt(
  ctx: CongestionQueryContext,
  key: { segmentId: string; window: WindowName; to: number },
): Promise<NgsiEntity | null> {
  const segment = ctx.network.byId.get(key.segmentId);
  if (!segment) return null;
  const [record] = await ctx.store.congestionHistory(segment.id, key.window, { from: key.to, to: key.to + 1 });
  return record ? trafficFlowEntity(record, segment) : null;
}

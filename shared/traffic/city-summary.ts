import type { CongestionRecord, Los, WindowName } from '../contract/congestion-record.ts';
import type { RoadSegment } from '../network/road-segment.ts';

export type LosCounts = Record<Los | 'no_data' | 'unknown', number>;

export interface CitySummary {
  /** Null only when there are no records at all. */
  window: WindowName | null;
  /** The records' window end (the latest `to` if they differ); null when there are no records. */
  at: string | null;
  segmentsTotal: number;
  segmentsWithData: number;
  /** Length-weighted mean congestion % over segments with one (DESIGN §5); null if none. */
  meanCongestionPct: number | null;
  losCounts: LosCounts;
  mostCongested: CongestionRecord[];
}

/**
 * DESIGN §5 city summary over one window. The network is authoritative: segmentsTotal is its size,
 * a network segment without a record counts as no_data, and records of segments not in the network
 * are left out (they have no length to weight by). Throws if the records mix windows.
 */
export function summariseCity(
  records: readonly CongestionRecord[],
  segments: ReadonlyMap<string, RoadSegment>,
  topN: number,
): CitySummary {
  const windows = new Set(records.map((r) => r.window));
  if (windows.size > 1) throw new Error(`city summary over mixed windows: ${[...windows].join(', ')}`);
  const known = records.filter((r) => segments.has(r.segmentId));

  const losCounts: LosCounts = { A: 0, B: 0, C: 0, D: 0, E: 0, F: 0, no_data: 0, unknown: 0 };
  const withRecord = new Set<string>();
  let weighted = 0;
  let length = 0;
  for (const r of known) {
    withRecord.add(r.segmentId);
    losCounts[r.status === 'no_data' ? 'no_data' : (r.los ?? 'unknown')] += 1;
    const lengthM = segments.get(r.segmentId)?.lengthM ?? 0;
    if (r.congestionPct !== null) {
      weighted += r.congestionPct * lengthM;
      length += lengthM;
    }
  }
  for (const id of segments.keys()) if (!withRecord.has(id)) losCounts.no_data += 1;

  return {
    window: records[0]?.window ?? null,
    at: records.reduce<string | null>((at, r) => (at === null || r.to > at ? r.to : at), null),
    segmentsTotal: segments.size,
    segmentsWithData: known.filter((r) => r.status === 'ok').length,
    meanCongestionPct: length > 0 ? Math.round((weighted / length) * 10) / 10 : null,
    losCounts,
    mostCongested: rankCongestion(known, { limit: topN }),
  };
}

/**
 * Records with a congestion % (optionally only those whose LOS is in `los`; an empty list filters
 * nothing), most congested first, ties by segmentId; at most `limit`.
 */
export function rankCongestion(
  records: readonly CongestionRecord[],
  options: { los?: readonly Los[]; limit: number },
): CongestionRecord[] {
  const los = options.los !== undefined && options.los.length > 0 ? new Set(options.los) : null;
  return records
    .filter((r) => r.congestionPct !== null && (los === null || (r.los !== null && los.has(r.los))))
    .sort((a, b) => (b.congestionPct ?? 0) - (a.congestionPct ?? 0) || compareIds(a.segmentId, b.segmentId))
    .slice(0, Math.max(0, options.limit));
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}


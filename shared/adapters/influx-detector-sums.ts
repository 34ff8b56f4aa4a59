import { VEHICLE_CLASSES } from '../contract/vehicle-classes.ts';
import type { ReadingTerms } from '../traffic/detector-totals.ts';
import type { InfluxSeries } from './influx-http.ts';
import { TERM_FIELDS, type Row } from './influx-points.ts';

// The InfluxQL sums of DetectorTotals and how their result rows read (influx-store.ts detectorTotals, influx-bucket-totals.ts).

/** Per detector: Σ of every DetectorTotals field, and how many readings carry the stored terms. */
export const DETECTOR_SUMS = [
  'sum("interval_s") AS "seconds"',
  ...VEHICLE_CLASSES.map((c) => `sum("count_${c}") AS "count_${c}"`),
  ...Object.values(TERM_FIELDS).map((f) => `sum("${f}") AS "${f}"`),
  'count("interval_s") AS "readings"',
  `count("${TERM_FIELDS.speedHours}") AS "with_terms"`,
].join(', ');

/** A point's (or a sum row's) stored terms; undefined for a point written before they existed. */
export function storedTerms(row: Row): ReadingTerms | undefined {
  if (typeof row[TERM_FIELDS.speedHours] !== 'number') return undefined;
  return {
    speedVehicles: asNumber(row[TERM_FIELDS.speedVehicles]),
    speedHours: asNumber(row[TERM_FIELDS.speedHours]),
    occupancySeconds: asNumber(row[TERM_FIELDS.occupancySeconds]),
    occupancyWeighted: asNumber(row[TERM_FIELDS.occupancyWeighted]),
  };
}

export function detectorKey(tags: Record<string, string>): string {
  return `${tags['segment_id'] ?? ''}\n${tags['station_id'] ?? ''}\n${tags['sensor_id'] ?? ''}\n${tags['lane'] ?? ''}`;
}

/** The rows of some series as objects keyed by column name. */
export function rows(series: InfluxSeries[]): Row[] {
  return series.flatMap((s) => s.values.map((v) => Object.fromEntries(s.columns.map((c, i) => [c, v[i]]))));
}

export function asNumber(v: unknown): number {
  return typeof v === 'number' ? v : 0;
}

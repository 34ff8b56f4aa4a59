import type { CongestionRecord } from '../contract/congestion-record.ts';
import type { DeadLetter } from '../contract/dead-letter.ts';
import type { SensorStatus } from '../contract/sensor-status.ts';
import type { Reading } from '../contract/telemetry.ts';
import { AppError } from '../errors/app-error.ts';

/**
 * Ids become InfluxDB tags. The client's Point escapes `,`, ` ` and `=` in tags, but not every
 * string survives line protocol: a newline is stored as the two characters `\n` (so "a\nb" and
 * the literal "a\\nb" would share one series) and a trailing backslash makes the line unparseable
 * (InfluxDB refuses it, and its batch, with 400). Ids are validated to [A-Za-z0-9._-]{1,64} at the
 * edge (DESIGN §3) and on the bus; this is the store's own check, so nothing that slipped past
 * can merge series or break a batch.
 */
const ID = /^[A-Za-z0-9._-]{1,64}$/;

export const isStorableId = (value: string): boolean => ID.test(value);

function check(what: string, ids: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(ids)) {
    // Every *Id of a record is a tag (sensorId, segmentId, and any id added later, e.g. stationId).
    if (key.endsWith('Id') && typeof value === 'string' && !ID.test(value)) {
      throw new AppError('bad_request', `${what}: ${key} ${JSON.stringify(value.slice(0, 80))} is not a valid id; not stored`);
    }
  }
}

export function storableReading(r: Reading): Reading {
  check('reading', r as unknown as Record<string, unknown>);
  return r;
}

export function storableCongestion(r: CongestionRecord): CongestionRecord {
  check('congestion record', { segmentId: r.segmentId });
  return r;
}

export function storableStatus(s: SensorStatus): SensorStatus {
  check('sensor status', { sensorId: s.sensorId });
  return s;
}

/** A rejection is kept whatever its claimed sensor: one that is not a valid id counts as of no sensor. */
export function storableRejection(e: DeadLetter): DeadLetter {
  return e.sensorId === null || ID.test(e.sensorId) ? e : { ...e, sensorId: null };
}

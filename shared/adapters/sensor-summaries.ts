import type { SensorSummary } from '../ports/store.ts';

/** Collects per-sensor facts from several queries into one summary per sensor, sorted by id. */
export class SensorSummaries {
  private readonly byId = new Map<string, SensorSummary>();

  of(sensorId: string): SensorSummary {
    let s = this.byId.get(sensorId);
    if (!s) {
      s = { sensorId, segmentId: null, lastReadingAt: null, accepted: 0, rejected: 0, state: null, stateAt: null };
      this.byId.set(sensorId, s);
    }
    return s;
  }

  sorted(): SensorSummary[] {
    return [...this.byId.values()].sort((a, b) => a.sensorId.localeCompare(b.sensorId));
  }
}

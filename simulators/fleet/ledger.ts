import type { RejectionReason } from '../../shared/contract/dead-letter.ts';
import type { Unit } from './faults.ts';
import type { OutMessage } from './messages.ts';

export interface PipelineLimits {
  /** ROADPULSE_MAX_FUTURE_S × 1000 (contract default 5 min). */
  maxFutureMs: number;
  /** ROADPULSE_MAX_READING_AGE_S × 1000 (contract default 7 days). */
  maxAgeMs: number;
}
export const DEFAULT_LIMITS: PipelineLimits = { maxFutureMs: 300_000, maxAgeMs: 7 * 24 * 3_600_000 };

export type Outcome = 'accepted' | Extract<RejectionReason, 'invalid_json' | 'schema' | 'future_ts' | 'stale_ts'>;

/** What the pipeline will do with a unit received at `nowMs` (DESIGN §3 checks, in ingest's order). */
export function expectedOutcome(unit: Unit, nowMs: number, limits: PipelineLimits): Outcome {
  if (unit.malformed) return unit.malformed;
  if (unit.reading.ts > nowMs + limits.maxFutureMs) return 'future_ts';
  if (unit.reading.ts < nowMs - limits.maxAgeMs) return 'stale_ts';
  return 'accepted';
}

interface SensorTally {
  distinct: number;
  maxTs: number;
  recent: Set<number>;
}

/**
 * What the pipeline should report after receiving what was sent: readings accepted (duplicates
 * included, as `roadpulse_readings_accepted_total` counts them), rejections per reason and per
 * sensor id they are charged to, and the distinct readings per sensor the store keeps (one per
 * sensor and ts: the store is idempotent). Readings of a sensor can only share a ts within
 * `horizonMs` of each other (skew + reordering), so older ts are forgotten.
 */
export class Ledger {
  messages = 0;
  readings = 0;
  accepted = 0;
  readonly rejected: Record<Outcome, number> = { accepted: 0, invalid_json: 0, schema: 0, future_ts: 0, stale_ts: 0 };
  readonly rejectedBySensor = new Map<string, number>();
  private readonly tallies = new Map<string, SensorTally>();

  constructor(private readonly limits: PipelineLimits, private readonly horizonMs: number) {}

  /** Records a message the broker acknowledged, judged at `nowMs`. */
  record(message: OutMessage, nowMs: number): void {
    this.messages++;
    for (const unit of message.units) {
      this.readings++;
      const outcome = expectedOutcome(unit, nowMs, this.limits);
      if (outcome === 'accepted') {
        this.accepted++;
        this.keep(unit.reading.sensorId, unit.reading.ts);
        continue;
      }
      this.rejected[outcome]++;
      // invalid JSON has no readable sensorId: ingest charges the topic's id.
      const chargedTo = outcome === 'invalid_json' ? message.topicId : unit.reading.sensorId;
      this.rejectedBySensor.set(chargedTo, (this.rejectedBySensor.get(chargedTo) ?? 0) + 1);
    }
  }

  /** Readings of a sensor the store should hold (distinct ts). */
  distinct(sensorId: string): number {
    return this.tallies.get(sensorId)?.distinct ?? 0;
  }

  get distinctTotal(): number {
    let n = 0;
    for (const t of this.tallies.values()) n += t.distinct;
    return n;
  }

  private keep(sensorId: string, ts: number): void {
    let t = this.tallies.get(sensorId);
    if (!t) this.tallies.set(sensorId, (t = { distinct: 0, maxTs: -Infinity, recent: new Set() }));
    if (t.recent.has(ts)) return;
    t.recent.add(ts);
    t.distinct++;
    t.maxTs = Math.max(t.maxTs, ts);
    if (t.recent.size > 64) for (const old of t.recent) if (old < t.maxTs - this.horizonMs) t.recent.delete(old);
  }
}

/**
 * Simulated time against real time.
 * - realtime: one simulated second per second;
 * - accelerated: `speedup` simulated seconds per second (a day in 24 min at 60×), timestamps simulated;
 * - backfill: as fast as the pipeline acknowledges.
 * Unless `allowFuture`, a reading never leaves before its own ts: the pipeline rejects readings more
 * than 5 min in the future, so an accelerated run that catches up with the clock goes on in real time.
 */
export interface TimePlan {
  mode: 'realtime' | 'accelerated' | 'backfill';
  /** Simulated start, aligned to the interval. */
  startMs: number;
  /** Simulated end (exclusive); null = until stopped. */
  endMs: number | null;
  speedup: number;
  allowFuture: boolean;
}

/** Real (wall-clock) epoch ms at which the reading stamped `simMs` is due; -Infinity = at once. */
export function dueAt(plan: TimePlan, realStartMs: number, simMs: number): number {
  if (plan.mode === 'backfill') return Number.NEGATIVE_INFINITY;
  const paced = realStartMs + (simMs - plan.startMs) / plan.speedup;
  return plan.allowFuture ? paced : Math.max(paced, simMs);
}

/** Number of whole intervals in the plan (the last reading's ts ≤ end); null when open-ended. */
export function tickCount(plan: TimePlan, intervalMs: number): number | null {
  return plan.endMs === null ? null : Math.max(0, Math.floor((plan.endMs - plan.startMs) / intervalMs));
}

import type { FleetGenerator } from '../fleet/fleet-generator.ts';
import type { Ledger } from '../fleet/ledger.ts';
import type { OutMessage } from '../fleet/messages.ts';
import { dueAt, tickCount, type TimePlan } from '../fleet/time-plan.ts';

/** Where messages go: FleetConnections in the CLI, anything with the same shape in tests. */
export interface MessageSink {
  publish(id: string, topic: string, payload: string): Promise<void>;
}

/** Live counters, read by the progress line while the run goes on. */
export interface RunStats {
  ticksDone: number;
  ticksTotal: number | null;
  readingsGenerated: number;
  messagesSent: number;
  messagesAcked: number;
  readingsAcked: number;
  publishFailures: number;
  inFlight: number;
  /** ts of the last tick handed to the broker. */
  simTimeMs: number;
  /** How late the last tick went out against its due time (ms; 0 in backfill). */
  lagMs: number;
}

export interface RunFleetArgs {
  generator: FleetGenerator;
  sink: MessageSink;
  plan: TimePlan;
  intervalS: number;
  ledger: Ledger;
  /** Most messages awaiting their PUBACK at once (flow control for backfills). */
  window: number;
  signal: AbortSignal;
  stats?: RunStats;
  now?: () => number;
}

/** Slices a tick's messages are spread over, so a fleet reporting at the same ts does not hit the broker at once. */
const SLICES_PER_TICK = 20;

export function newRunStats(): RunStats {
  return { ticksDone: 0, ticksTotal: null, readingsGenerated: 0, messagesSent: 0, messagesAcked: 0, readingsAcked: 0, publishFailures: 0, inFlight: 0, simTimeMs: 0, lagMs: 0 };
}

/** Drives the generator tick by tick at the plan's pace and publishes every message at QoS 1. */
export async function runFleet(args: RunFleetArgs): Promise<RunStats> {
  const { plan, generator, signal } = args;
  const now = args.now ?? Date.now;
  const stats = args.stats ?? newRunStats();
  const intervalMs = args.intervalS * 1000;
  stats.ticksTotal = tickCount(plan, intervalMs);
  const realStart = now();
  const realTickMs = plan.mode === 'backfill' ? 0 : intervalMs / plan.speedup;
  const pending = new Set<Promise<void>>();

  const send = async (m: OutMessage): Promise<void> => {
    while (pending.size >= args.window) await Promise.race(pending);
    stats.messagesSent++;
    stats.inFlight++;
    const p = args.sink.publish(m.clientKey, m.topic, m.payload).then(
      () => {
        stats.messagesAcked++;
        stats.readingsAcked += m.units.length;
        args.ledger.record(m, now());
      },
      () => void stats.publishFailures++,
    ).finally(() => {
      stats.inFlight--;
      pending.delete(p);
    });
    pending.add(p);
  };

  for (let k = 0; stats.ticksTotal === null || k < stats.ticksTotal; k++) {
    if (signal.aborted) break;
    const tick = generator.tick(plan.startMs + k * intervalMs);
    const due = dueAt(plan, realStart, tick.toMs);
    await sleepUntil(due, now, signal);
    if (signal.aborted) break;
    stats.lagMs = Number.isFinite(due) ? Math.max(0, now() - due) : 0;
    const perSlice = Math.ceil(tick.messages.length / SLICES_PER_TICK);
    for (let i = 0; i < tick.messages.length; i++) {
      if (i > 0 && i % perSlice === 0 && realTickMs > 0) await sleepUntil(due + (i / tick.messages.length) * realTickMs * 0.9, now, signal);
      await send(tick.messages[i]!);
    }
    stats.readingsGenerated += tick.generated;
    stats.ticksDone++;
    stats.simTimeMs = tick.toMs;
  }
  for (const m of generator.finish()) await send(m);
  while (pending.size > 0) await Promise.allSettled([...pending]);
  return stats;
}

function sleepUntil(atMs: number, now: () => number, signal: AbortSignal): Promise<void> {
  const ms = atMs - now();
  if (!(ms > 0) || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

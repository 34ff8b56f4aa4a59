import { readFile } from 'node:fs/promises';

/** Percentile by nearest rank over an unsorted sample (sorts a copy); NaN for an empty sample. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export interface LatencySummary {
  count: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
}

/** p50/p95/p99/max by nearest rank, rounded to 0.01 ms; nulls for an empty sample. */
export function summariseLatencies(values: readonly number[]): LatencySummary {
  if (values.length === 0) return { count: 0, p50: null, p95: null, p99: null, max: null };
  const sorted = Float64Array.from(values).sort();
  const at = (p: number) => round2(sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!);
  return { count: values.length, p50: at(50), p95: at(95), p99: at(99), max: round2(sorted[sorted.length - 1]!) };
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

/** CPU time (user + system) of a process in µs, from /proc (Linux). */
export async function processCpuMicros(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of proc(5))
  return (ticks * 1e6) / 100; // USER_HZ is 100 on Linux
}

/**
 * CPU time of a process and all its descendants that are alive now, in µs. `npm start` runs the
 * pipeline in a grandchild (npm → tsx → node), so the pid people have at hand is an ancestor.
 */
export async function processTreeCpuMicros(pid: number): Promise<number> {
  let total = 0;
  const queue = [pid];
  const seen = new Set<number>();
  while (queue.length > 0) {
    const p = queue.shift()!;
    if (seen.has(p)) continue;
    seen.add(p);
    try {
      total += await processCpuMicros(p);
      queue.push(...(await childrenOf(p)));
    } catch {
      // the process ended in between
    }
  }
  return total;
}

async function childrenOf(pid: number): Promise<number[]> {
  const { readdir } = await import('node:fs/promises');
  const out: number[] = [];
  for (const tid of await readdir(`/proc/${pid}/task`)) {
    const text = await readFile(`/proc/${pid}/task/${tid}/children`, 'utf8').catch(() => '');
    out.push(...text.split(' ').filter(Boolean).map(Number));
  }
  return out;
}

/**
 * publish→queryable per acknowledged message: the message became visible at the first poll that
 * saw the visible count reach the cumulative count at its acknowledgement (readings are stored in
 * about the order they were acknowledged). Messages never seen are left out.
 */
export function queryableLatencies(
  acks: readonly { sentAt: number; cumulative: number }[],
  timeline: readonly { at: number; visible: number }[],
): number[] {
  const out: number[] = [];
  let p = 0;
  for (const a of acks) {
    while (p < timeline.length && timeline[p]!.visible < a.cumulative) p++;
    if (p === timeline.length) break;
    out.push(Math.max(0, timeline[p]!.at - a.sentAt));
  }
  return out;
}

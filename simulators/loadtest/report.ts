import type { LoadShape } from './load-generator.ts';
import type { Reconciliation } from './sequence-ledger.ts';
import type { LatencySummary } from './stats.ts';

export interface LoadReport {
  runId: string;
  startedAt: string;
  target: LoadShape & {
    url: string;
    api: string | null;
    connections: number;
    sensors: number;
  };
  sent: { messages: number; readings: number; meanPayloadBytes: number };
  acked: { messages: number; readings: number; readingsPerS: number };
  /** Readings whose PUBACK never came (QoS 1). */
  unackedReadings: number;
  pubackMs: LatencySummary | null;
  /** publish → visible at the far end (stored and queryable through the API, or received by a subscriber). */
  queryableMs: LatencySummary | null;
  scheduleLagMs: LatencySummary | null;
  observer: { label: string; pollMs: number } | null;
  delivery: Reconciliation | null;
  cpu: { pid: number; coresWhilePublishing: number; microsPerReading: number } | null;
  /** No acknowledged reading lost and no PUBACK missing. */
  ok: boolean;
}

const ms = (s: LatencySummary | null) => (s === null || s.p50 === null ? 'n/a' : `${s.p50} / ${s.p95} / ${s.p99} / ${s.max}`);
const n = (x: number) => x.toLocaleString('en-US');

/** The report as a Markdown table (for people and for bench/RESULTS.md). */
export function markdownReport(r: LoadReport): string {
  const t = r.target;
  const rows: [string, string][] = [
    ['target', `${t.url}${t.api ? ` + ${t.api}` : ''}`],
    ['load', `${t.connections} connections, ${n(t.sensors)} sensors, QoS ${t.qos}, ${t.batch} reading(s)/message, ${t.rate > 0 ? `${n(t.rate)} readings/s` : 'max rate'}, ${t.durationS} s${t.warmupS > 0 ? ` after ${t.warmupS} s of warm-up (left out of rate, CPU and latencies)` : ''}`],
    ['payload', `${n(r.sent.meanPayloadBytes)} bytes/message (mean)`],
    ['sent', `${n(r.sent.messages)} messages, ${n(r.sent.readings)} readings`],
    ['acknowledged', `${n(r.acked.readings)} readings, **${n(r.acked.readingsPerS)} readings/s**`],
    ['not acknowledged', n(r.unackedReadings)],
    ['publish→PUBACK ms p50 / p95 / p99 / max', ms(r.pubackMs)],
    [`publish→queryable ms p50 / p95 / p99 / max${r.observer ? ` (${r.observer.label}, poll ${r.observer.pollMs} ms)` : ''}`, ms(r.queryableMs)],
  ];
  if (r.scheduleLagMs) rows.push(['late against schedule ms p50 / p95 / p99 / max', ms(r.scheduleLagMs)]);
  if (r.delivery) {
    const d = r.delivery;
    rows.push(['delivery (by sequence numbers)', `${n(d.found)} of ${n(d.acked)} found, **lost ${n(d.lost)}**, duplicates ${n(d.duplicates)}, unacknowledged but delivered ${n(d.unacknowledgedButFound)}`]);
    if (d.sensorsWithLoss.length > 0) rows.push(['sensors with loss', d.sensorsWithLoss.join(', ')]);
  }
  if (r.cpu) rows.push([`CPU of pid ${r.cpu.pid}`, `${r.cpu.coresWhilePublishing} cores while publishing, ${r.cpu.microsPerReading} µs/reading`]);
  rows.push(['verdict', r.ok ? 'OK: nothing lost' : '**FAILED: readings lost or not acknowledged**']);
  return [`### Load test ${r.runId} (${r.startedAt})`, '', '| | |', '|---|---|', ...rows.map(([k, v]) => `| ${k} | ${v} |`), ''].join('\n');
}

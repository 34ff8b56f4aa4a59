import type { Reconciliation, SequenceLedger } from './sequence-ledger.ts';

/** The far end of the load test: what became visible (stored, queryable, received) and what is missing. */
export interface DeliveryObserver {
  /** How it looks: "api /metrics", "api /sensors", "subscriber". */
  readonly label: string;
  /** How often `visible` is polled for the publish→visible latency. */
  readonly pollMs: number;
  /** Readings of this run visible so far. */
  visible(): Promise<number>;
  /** Loss and duplicates, per sensor and sequence number, once everything has arrived. */
  reconcile(ledger: SequenceLedger): Promise<Reconciliation>;
  close(): Promise<void>;
}

/** Value of an unlabelled Prometheus sample, or null when the series is absent. */
export function metricValue(text: string, name: string): number | null {
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : null;
}

/** (sensorId, seq) of each reading in a telemetry payload (one reading or an array), without a full JSON parse. */
export function extractSeqs(payload: string, idPrefix: string): [string, number][] {
  const out: [string, number][] = [];
  const re = /"sensorId":"([^"]+)".*?"seq":(\d+)/g; // every load-test reading has a seq, after its counts
  for (let m = re.exec(payload); m !== null; m = re.exec(payload)) {
    if (m[1]!.startsWith(idPrefix)) out.push([m[1]!, Number(m[2])]);
  }
  return out;
}

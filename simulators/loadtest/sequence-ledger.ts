/**
 * Per-sensor bookkeeping of the load test by sequence number: which seqs were sent and which
 * acknowledged (PUBACK), so loss and duplicates can be counted against what the far end reports.
 */
interface SensorSeqs {
  sent: number;
  /** acks[seq] = number of PUBACKs for seq (saturating at 255). */
  acks: Uint8Array;
}

export class SequenceLedger {
  private readonly sensors = new Map<string, SensorSeqs>();
  sentTotal = 0;
  ackedTotal = 0;
  /** PUBACKs for a seq that was already acknowledged. */
  ackDuplicates = 0;

  /** The next seq of a sensor (0, 1, 2, …), recorded as sent. */
  nextSeq(sensorId: string): number {
    let s = this.sensors.get(sensorId);
    if (!s) this.sensors.set(sensorId, (s = { sent: 0, acks: new Uint8Array(1024) }));
    if (s.sent === s.acks.length) {
      const grown = new Uint8Array(s.acks.length * 2);
      grown.set(s.acks);
      s.acks = grown;
    }
    this.sentTotal++;
    return s.sent++;
  }

  acked(sensorId: string, seq: number): void {
    const s = this.sensors.get(sensorId);
    if (!s || seq < 0 || seq >= s.sent) throw new Error(`ack for ${sensorId}#${seq}, which was never sent`);
    if (s.acks[seq]! > 0) this.ackDuplicates++;
    else this.ackedTotal++;
    s.acks[seq] = Math.min(255, s.acks[seq]! + 1);
  }

  get unackedTotal(): number {
    return this.sentTotal - this.ackedTotal;
  }

  sensorIds(): string[] {
    return [...this.sensors.keys()];
  }

  /** Distinct acknowledged seqs of a sensor. */
  ackedCount(sensorId: string): number {
    const s = this.sensors.get(sensorId);
    if (!s) return 0;
    let n = 0;
    for (let i = 0; i < s.sent; i++) if (s.acks[i]! > 0) n++;
    return n;
  }

  isAcked(sensorId: string, seq: number): boolean {
    const s = this.sensors.get(sensorId);
    return s !== undefined && seq >= 0 && seq < s.sent && s.acks[seq]! > 0;
  }
}

export interface Reconciliation {
  /** Distinct readings acknowledged. */
  acked: number;
  /** Of those, found at the far end. */
  found: number;
  /** Acknowledged but not found: the number that must be 0. */
  lost: number;
  /** Found more than once (or, from counts, more than were acknowledged). */
  duplicates: number;
  /** Found without an acknowledgement (sent, PUBACK never came): not an error under QoS 1. */
  unacknowledgedButFound: number;
  /** Up to 20 sensors with losses, for the report. */
  sensorsWithLoss: string[];
}

/**
 * Against per-sensor counts of distinct readings (what GET /api/v1/sensors reports as accepted).
 * A count can only say how many, not which: above the acknowledged count counts as duplicates.
 */
export function reconcileCounts(ledger: SequenceLedger, reported: ReadonlyMap<string, number>): Reconciliation {
  const r: Reconciliation = { acked: 0, found: 0, lost: 0, duplicates: 0, unacknowledgedButFound: 0, sensorsWithLoss: [] };
  for (const id of ledger.sensorIds()) {
    const acked = ledger.ackedCount(id);
    const found = reported.get(id) ?? 0;
    r.acked += acked;
    r.found += Math.min(found, acked);
    if (found < acked) {
      r.lost += acked - found;
      if (r.sensorsWithLoss.length < 20) r.sensorsWithLoss.push(id);
    } else r.duplicates += found - acked;
  }
  return r;
}

/** Against the (sensorId, seq) pairs a subscriber received, in any order. */
export function reconcileSequences(ledger: SequenceLedger, received: Iterable<readonly [string, number]>): Reconciliation {
  const seen = new Map<string, Set<number>>();
  const r: Reconciliation = { acked: ledger.ackedTotal, found: 0, lost: 0, duplicates: 0, unacknowledgedButFound: 0, sensorsWithLoss: [] };
  for (const [id, seq] of received) {
    let set = seen.get(id);
    if (!set) seen.set(id, (set = new Set()));
    if (set.has(seq)) {
      r.duplicates++;
      continue;
    }
    set.add(seq);
    if (ledger.isAcked(id, seq)) r.found++;
    else r.unacknowledgedButFound++;
  }
  r.lost = r.acked - r.found;
  if (r.lost > 0) {
    for (const id of ledger.sensorIds()) {
      if (r.sensorsWithLoss.length >= 20) break;
      const set = seen.get(id);
      let found = 0;
      if (set) for (const seq of set) if (ledger.isAcked(id, seq)) found++;
      if (found < ledger.ackedCount(id)) r.sensorsWithLoss.push(id);
    }
  }
  return r;
}

import { describe, expect, it } from 'vitest';
import { rawReadingSchema } from '../../../shared/contract/telemetry.ts';
import { extractSeqs, metricValue } from '../../../simulators/loadtest/delivery-observer.ts';
import { loadConnections, loadMessage, loadReadingJson } from '../../../simulators/loadtest/load-payload.ts';
import { brokerAddress } from '../../../simulators/loadtest/run-loadtest.ts';
import { SequenceLedger, reconcileCounts, reconcileSequences } from '../../../simulators/loadtest/sequence-ledger.ts';
import { percentile, queryableLatencies, summariseLatencies } from '../../../simulators/loadtest/stats.ts';
import { loadRoadNetwork } from '../../../shared/network/load-network.ts';

describe('percentiles (nearest rank)', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => 100 - i); // 100 … 1, unsorted on purpose

  it('when the sample is 1…100, then p50 = 50, p95 = 95, p99 = 99, max = 100', () => {
    expect(percentile(hundred, 50)).toBe(50);
    expect(summariseLatencies(hundred)).toEqual({ count: 100, p50: 50, p95: 95, p99: 99, max: 100 });
  });

  it('when the sample is small, then a rank rounds up: p50 of [1, 2, 3, 4] is 2, p99 is 4', () => {
    expect(summariseLatencies([4, 1, 3, 2])).toMatchObject({ p50: 2, p99: 4, max: 4 });
    expect(percentile([7], 99)).toBe(7);
  });

  it('when the sample is empty, then there is no percentile', () => {
    expect(percentile([], 50)).toBeNaN();
    expect(summariseLatencies([])).toEqual({ count: 0, p50: null, p95: null, p99: null, max: null });
  });
});

describe('publish→queryable from a polled count', () => {
  it('when the count reaches each message at a poll, then its latency is that poll minus its send time', () => {
    const acks = [
      { sentAt: 0, cumulative: 1 },
      { sentAt: 10, cumulative: 2 },
      { sentAt: 20, cumulative: 3 },
      { sentAt: 30, cumulative: 4 },
    ];
    const timeline = [
      { at: 50, visible: 0 },
      { at: 100, visible: 2 },
      { at: 150, visible: 3 },
    ];
    // messages 1 and 2 visible at 100, message 3 at 150, message 4 never (left out)
    expect(queryableLatencies(acks, timeline)).toEqual([100, 90, 130]);
  });
});

describe('loss and duplicates from sequence numbers', () => {
  function ledgerOf(sent: Record<string, number>, acked: Record<string, number[]>): SequenceLedger {
    const ledger = new SequenceLedger();
    for (const [id, n] of Object.entries(sent)) for (let i = 0; i < n; i++) ledger.nextSeq(id);
    for (const [id, seqs] of Object.entries(acked)) for (const s of seqs) ledger.acked(id, s);
    return ledger;
  }

  it('when some messages never get a PUBACK, then they are counted as unacknowledged, not as lost', () => {
    const ledger = ledgerOf({ a: 5, b: 3 }, { a: [0, 1, 2, 3, 4], b: [0, 2] });
    expect(ledger.sentTotal).toBe(8);
    expect(ledger.ackedTotal).toBe(7);
    expect(ledger.unackedTotal).toBe(1);
    expect(ledger.ackedCount('b')).toBe(2);
  });

  it('when a PUBACK repeats, then it is a duplicate ack and counts once', () => {
    const ledger = ledgerOf({ a: 2 }, { a: [0, 1, 1] });
    expect(ledger.ackedTotal).toBe(2);
    expect(ledger.ackDuplicates).toBe(1);
    expect(() => ledger.acked('a', 5)).toThrow(/never sent/);
  });

  it('when the API reports fewer readings for a sensor than were acknowledged, then the difference is lost', () => {
    const ledger = ledgerOf({ a: 5, b: 3, c: 2 }, { a: [0, 1, 2, 3, 4], b: [0, 1, 2], c: [0, 1] });
    const r = reconcileCounts(ledger, new Map([['a', 5], ['b', 1], ['c', 3], ['other', 9]]));
    expect(r).toEqual({ acked: 10, found: 8, lost: 2, duplicates: 1, unacknowledgedButFound: 0, sensorsWithLoss: ['b'] });
  });

  it('when a subscriber receives seqs twice, out of order and without an ack, then each is classified', () => {
    const ledger = ledgerOf({ a: 4, b: 2 }, { a: [0, 1, 2], b: [0, 1] });
    const received: [string, number][] = [['a', 2], ['a', 0], ['a', 0], ['b', 1], ['a', 3], ['x', 0]];
    expect(reconcileSequences(ledger, received)).toEqual({
      acked: 5, // a0 a1 a2 b0 b1
      found: 3, // a2 a0 b1
      lost: 2, // a1 b0
      duplicates: 1, // a0 again
      unacknowledgedButFound: 2, // a3 (no PUBACK) and x0 (never sent)
      sensorsWithLoss: ['a', 'b'],
    });
  });

  it('when payloads are scanned, then (sensorId, seq) of each reading of this run is found', () => {
    const [conn] = loadConnections('lt1', 1, 3, loadRoadNetwork().segments);
    const texts = conn!.sensors.map((s, i) => loadReadingJson(s, 10 + i, 1_741_564_800_000));
    expect(extractSeqs(loadMessage(texts, 0).toString(), 'lt1')).toEqual([['lt1-c0.s0', 10], ['lt1-c0.s1', 11], ['lt1-c0.s2', 12]]);
    expect(extractSeqs(texts[0]!, 'lt2')).toEqual([]);
  });
});

describe('load payloads', () => {
  it('when padded to N bytes, then the message is N bytes and still a valid reading', () => {
    const [conn] = loadConnections('lt1', 1, 1, loadRoadNetwork().segments);
    const message = loadMessage([loadReadingJson(conn!.sensors[0]!, 0, 1_741_564_800_000)], 1000);
    expect(message.length).toBe(1000);
    expect(rawReadingSchema.safeParse(JSON.parse(message.toString())).success).toBe(true);
  });

  it('when the URL is parsed, then host and port come out; TLS and WebSocket are refused', () => {
    expect(brokerAddress('mqtt://127.0.0.1:11883')).toEqual({ host: '127.0.0.1', port: 11883 });
    expect(brokerAddress('mqtt://localhost')).toEqual({ host: 'localhost', port: 1883 });
    expect(() => brokerAddress('mqtts://x:8883')).toThrow(/only mqtt:\/\//);
  });

  it('when /metrics is read, then an unlabelled sample is found and a missing one is null', () => {
    const text = '# HELP x\nroadpulse_readings_stored_total 1234\nroadpulse_readings_stored_total_other 1\n';
    expect(metricValue(text, 'roadpulse_readings_stored_total')).toBe(1234);
    expect(metricValue(text, 'roadpulse_readings_accepted_total')).toBeNull();
  });
});

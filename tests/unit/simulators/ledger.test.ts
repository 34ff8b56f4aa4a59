import { describe, expect, it } from 'vitest';
import type { Unit } from '../../../simulators/fleet/faults.ts';
import { DEFAULT_LIMITS, Ledger, expectedOutcome } from '../../../simulators/fleet/ledger.ts';
import type { OutMessage } from '../../../simulators/fleet/messages.ts';

const NOW = 1_741_564_800_000;
const unit = (sensorId: string, ts: number, malformed: Unit['malformed'] = null): Unit => ({
  detector: { sensorId, gatewayId: 'gw1', segmentId: 'ql13-nb-01', lane: 1, stationId: 'ql13-nb-01.s0', offsetM: 870 },
  reading: { sensorId, segmentId: 'ql13-nb-01', ts, intervalS: 60, lane: 1, stationId: 'ql13-nb-01.s0', counts: { car: 1 }, speedKmh: 40, occupancy: 0.1, seq: 0 },
  fault: malformed ? 'malformed' : null,
  malformed,
});
const message = (topicId: string, units: Unit[]): OutMessage => ({ clientKey: topicId, topic: `traffic/v1/${topicId}/telemetry`, topicId, payload: '', units });

describe('expected pipeline outcome', () => {
  it('when a reading is more than 5 min ahead or 7 days old, then it is future_ts or stale_ts', () => {
    expect(expectedOutcome(unit('a', NOW + 300_000), NOW, DEFAULT_LIMITS)).toBe('accepted');
    expect(expectedOutcome(unit('a', NOW + 300_001), NOW, DEFAULT_LIMITS)).toBe('future_ts');
    expect(expectedOutcome(unit('a', NOW - 7 * 86_400_000 - 1), NOW, DEFAULT_LIMITS)).toBe('stale_ts');
    expect(expectedOutcome(unit('a', NOW, 'schema'), NOW, DEFAULT_LIMITS)).toBe('schema');
  });
});

describe('ledger', () => {
  it('when duplicates, skewed and malformed readings are acknowledged, then accepted, distinct and rejections add up', () => {
    const ledger = new Ledger(DEFAULT_LIMITS, 20 * 60_000);
    ledger.record(message('gw1', [unit('gw1.a', NOW - 60_000), unit('gw1.a', NOW - 60_000), unit('gw1.b', NOW - 60_000)]), NOW);
    ledger.record(message('gw1', [unit('gw1.a', NOW + 917_000)]), NOW); // skewed → future_ts
    ledger.record(message('gw1', [unit('gw1.b', NOW, 'invalid_json')]), NOW); // charged to the topic's id
    ledger.record(message('gw1.c', [unit('gw1.c', NOW, 'schema')]), NOW);
    expect(ledger.messages).toBe(4);
    expect(ledger.readings).toBe(6);
    expect(ledger.accepted).toBe(3);
    expect(ledger.distinct('gw1.a')).toBe(1);
    expect(ledger.distinct('gw1.b')).toBe(1);
    expect(ledger.distinctTotal).toBe(2);
    expect(ledger.rejected).toMatchObject({ future_ts: 1, invalid_json: 1, schema: 1, stale_ts: 0 });
    expect(Object.fromEntries(ledger.rejectedBySensor)).toEqual({ 'gw1.a': 1, gw1: 1, 'gw1.c': 1 });
  });

  it('when a sensor sends many readings, then each distinct ts counts once even after old ones are forgotten', () => {
    const ledger = new Ledger(DEFAULT_LIMITS, 3 * 60_000);
    for (let k = 0; k < 500; k++) ledger.record(message('s', [unit('s', NOW - 600 * 60_000 + k * 60_000)]), NOW);
    ledger.record(message('s', [unit('s', NOW - 600 * 60_000 + 499 * 60_000)]), NOW); // a late duplicate of the last one
    expect(ledger.accepted).toBe(501);
    expect(ledger.distinct('s')).toBe(500);
  });
});

import { describe, expect, it } from 'vitest';
import { loadRoadNetwork, upstreamSegments } from '../../../shared/network/load-network.ts';
import { urbanLos } from '../../../shared/traffic/los.ts';
import { TrafficModel, type SegmentConditions } from '../../../simulators/model/traffic-model.ts';

const network = loadRoadNetwork();
const MIN = 60_000;
// Monday 2025-03-10 07:00 local (UTC+7): weekday morning peak, urban demand at capacity.
const PEAK = Date.parse('2025-03-10T00:00:00Z');
const NIGHT = Date.parse('2025-03-09T20:00:00Z'); // 03:00 local

function run(model: TrafficModel, from: number, minutes: number): Map<string, SegmentConditions> {
  let last = new Map<string, SegmentConditions>();
  for (let t = from; t < from + minutes * MIN; t += MIN) last = model.step(t, t + MIN);
  return last;
}
const ratio = (c: SegmentConditions) => c.speedKmh / c.segment.freeFlowKmh;

describe('traffic model', () => {
  it('when it is 03:00, then every segment flows freely (no queue, urban LOS A)', () => {
    const conditions = run(new TrafficModel(network, { seed: 7 }), NIGHT, 15);
    for (const c of conditions.values()) {
      expect(c.queueShare).toBe(0);
      if (c.segment.kind === 'urban') expect(urbanLos(ratio(c))).toBe('A');
    }
  });

  it('when a lane of ql13-nb-04 is blocked in the peak, then the segment reaches LOS F and the queue spills into ql13-nb-03', () => {
    const incident = { segmentId: 'ql13-nb-04', lanesBlocked: 1, startMs: PEAK, endMs: PEAK + 60 * MIN };
    const baseline = run(new TrafficModel(network, { seed: 7 }), PEAK, 20);
    const blocked = run(new TrafficModel(network, { seed: 7, incidents: [incident] }), PEAK, 20);
    const [upstream] = upstreamSegments(network, 'ql13-nb-04');
    expect(upstream?.id).toBe('ql13-nb-03');

    expect(urbanLos(ratio(blocked.get('ql13-nb-04')!))).toBe('F');
    expect(blocked.get('ql13-nb-04')!.queueShare).toBe(1);
    expect(blocked.get('ql13-nb-04')!.blockage?.lanes).toEqual([1]);
    expect(blocked.get('ql13-nb-03')!.queueShare).toBeGreaterThan(baseline.get('ql13-nb-03')!.queueShare);
    expect(blocked.get('ql13-nb-03')!.speedKmh).toBeLessThan(baseline.get('ql13-nb-03')!.speedKmh * 0.8);
    // Downstream of the incident, nothing changed.
    expect(blocked.get('ql13-nb-05')!.speedKmh).toBeCloseTo(baseline.get('ql13-nb-05')!.speedKmh, 6);
  });

  it('when the incident is cleared, then the queue dissolves again', () => {
    // 10:00–10:30 local: demand (v/c ≈ 0.6) above what one lane blocked leaves (0.49), below the discharge after.
    const TEN = PEAK + 3 * 60 * MIN;
    const incident = { segmentId: 'ql13-nb-04', lanesBlocked: 1, startMs: TEN, endMs: TEN + 30 * MIN };
    const model = new TrafficModel(network, { seed: 7, incidents: [incident] });
    run(model, TEN, 30);
    expect(model.queuePcu('ql13-nb-04')).toBeGreaterThan(50);
    run(model, TEN + 30 * MIN, 30);
    expect(model.queuePcu('ql13-nb-04')).toBe(0);
  });

  it('when the same seed runs twice, then the conditions are identical', () => {
    const a = run(new TrafficModel(network, { seed: 3 }), PEAK, 5);
    const b = run(new TrafficModel(network, { seed: 3 }), PEAK, 5);
    expect([...a.values()].map((c) => c.speedKmh)).toEqual([...b.values()].map((c) => c.speedKmh));
  });
});

import { describe, expect, it } from 'vitest';
import type { HealthState } from '../../../shared/contract/sensor-health.ts';
import { countByState, worstSensors, type SensorWithHealth } from '../../../shared/queries/sensor-health.ts';
import { segmentHealthOf } from '../../../shared/queries/segment-health.ts';

function sensor(sensorId: string, segmentId: string | null, state: HealthState, since: string | null = null): SensorWithHealth {
  return { sensorId, segmentId, lastReadingAt: 0, accepted: 1, rejected: 0, state: 'online', stateAt: 0, health: { state, since, reasons: [] } };
}

const list = [
  sensor('a', 's1', 'online'),
  sensor('b', 's1', 'stuck', '2026-01-01T00:05:00.000Z'),
  sensor('c', 's1', 'gappy', '2026-01-01T00:01:00.000Z'),
  sensor('d', 's2', 'offline', '2026-01-01T00:09:00.000Z'),
  sensor('e', 's2', 'stuck', '2026-01-01T00:02:00.000Z'),
  sensor('gw1', null, 'online'),
];

describe('sensor health queries', () => {
  it('when sensors are counted, then every state is present, zeros included', () => {
    expect(countByState(list)).toEqual({ offline: 1, stale: 0, implausible: 0, stuck: 2, gappy: 1, duplicating: 0, online: 2 });
  });

  it('when the worst are asked for, then unhealthy ones only, most severe state first, longest in it first, up to the limit', () => {
    expect(worstSensors(list, 10).map((s) => s.sensorId)).toEqual(['d', 'e', 'b', 'c']);
    expect(worstSensors(list, 2).map((s) => s.sensorId)).toEqual(['d', 'e']);
  });

  it('when grouped per segment, then each segment counts its sensors and the unhealthy ones; sensors without a segment are left out', () => {
    const bySegment = segmentHealthOf(list);
    expect([...bySegment.keys()].sort()).toEqual(['s1', 's2']);
    expect(bySegment.get('s1')).toMatchObject({ sensors: 3, unhealthy: 2, byState: { online: 1, stuck: 1, gappy: 1 } });
    expect(bySegment.get('s2')).toMatchObject({ sensors: 2, unhealthy: 2, byState: { offline: 1, stuck: 1 } });
  });
});

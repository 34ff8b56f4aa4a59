import { describe, expect, it } from 'vitest';
import { rawReadingSchema } from '../../../shared/contract/telemetry.ts';
import { loadRoadNetwork } from '../../../shared/network/load-network.ts';
import { FleetGenerator, defaultFleetConfig, type FleetConfig } from '../../../simulators/fleet/fleet-generator.ts';

const network = loadRoadNetwork();
const START = Date.parse('2025-03-10T00:00:00Z'); // Monday 07:00 local

function payloads(config: Partial<FleetConfig>, ticks = 5): string[] {
  const g = new FleetGenerator(network, defaultFleetConfig(network, config));
  const out: string[] = [];
  for (let k = 0; k < ticks; k++) out.push(...g.tick(START + k * 60_000).messages.map((m) => `${m.topic} ${m.payload}`));
  return out;
}

describe('fleet generator', () => {
  it('when the seed is the same, then every message is identical, byte for byte', () => {
    const faults = { rates: { dropout: 0.02, stuck: 0.02, duplicate: 0.02, outOfOrder: 0.02, clockSkew: 0.02, malformed: 0.02 }, skewS: 917, blockSize: 100 };
    expect(payloads({ seed: 7, faults })).toEqual(payloads({ seed: 7, faults }));
  });

  it('when the seed differs, then the readings differ', () => {
    expect(payloads({ seed: 7 })).not.toEqual(payloads({ seed: 8 }));
  });

  it('when there are no faults, then every detector sends one valid reading per interval, ts at its end, seq counting up', () => {
    const g = new FleetGenerator(network, defaultFleetConfig(network, { seed: 1, sensors: 50 }));
    for (let k = 0; k < 3; k++) {
      const tick = g.tick(START + k * 60_000);
      const readings = tick.messages.flatMap((m) => {
        const body: unknown = JSON.parse(m.payload);
        return Array.isArray(body) ? body : [body];
      });
      expect(readings).toHaveLength(50);
      for (const r of readings) {
        const parsed = rawReadingSchema.parse(r);
        expect(typeof parsed.ts === 'number' ? parsed.ts : Date.parse(parsed.ts)).toBe(START + (k + 1) * 60_000);
        expect(parsed.seq).toBe(k);
        expect(parsed.intervalS).toBe(60);
      }
      expect(new Set(readings.map((r) => (r as { sensorId: string }).sensorId)).size).toBe(50);
    }
  });

  it('when a segment runs at the urban peak, then the counts are motorbike-heavy and the flow plausible', () => {
    const g = new FleetGenerator(network, defaultFleetConfig(network, { seed: 2, sensors: 3, segments: [network.byId.get('ql13-nb-05')!] }));
    let motorbikes = 0;
    let vehicles = 0;
    for (let k = 0; k < 10; k++) {
      for (const u of g.tick(START + k * 60_000).units) {
        for (const n of Object.values(u.reading.counts)) vehicles += n ?? 0;
        motorbikes += u.reading.counts.motorbike ?? 0;
      }
    }
    // 3 lanes × ~1200 pcu/h ÷ 0.474 pcu/veh ≈ 7,600 veh/h ≈ 1,260 vehicles in 10 minutes
    expect(vehicles).toBeGreaterThan(900);
    expect(vehicles).toBeLessThan(1600);
    expect(motorbikes / vehicles).toBeGreaterThan(0.75);
  });
});

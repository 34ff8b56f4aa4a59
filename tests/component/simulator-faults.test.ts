import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { HealthState } from '../../shared/contract/sensor-health.ts';
import { loadRoadNetwork } from '../../shared/network/load-network.ts';
import { FleetGenerator } from '../../simulators/fleet/fleet-generator.ts';
import type { SimulateSummary } from '../../simulators/cli/simulate-report.ts';
import { resolveSimulateOptions, type SimulateOptions } from '../../simulators/cli/simulate-options.ts';
import { startSimulation, type SimulationRun } from '../../simulators/run-simulation.ts';
import { startInProcess, type InProcessPipeline } from '../helpers/embedded.ts';
import { getOk } from '../helpers/http.ts';
import { fetchMetrics, sampleValue } from '../helpers/metrics.ts';
import { waitFor } from '../helpers/wait.ts';

// Issue 4: injected faults are accounted for by the pipeline's rejection counters (DESIGN §3) and
// its sensor view (DESIGN §8); issue 12: and by its sensor health.
vi.setConfig({ testTimeout: 30_000, hookTimeout: 60_000 });

const network = loadRoadNetwork();
// sensor-storm: 30 s intervals; 50 detectors × 20 intervals = 1,000 readings = one whole fault block.
const READINGS = 1000;

interface SensorView {
  sensorId: string;
  accepted: number;
  rejected: number;
  state: string | null;
  health: { state: HealthState; reasons: { code: HealthState }[] };
}

let rp: InProcessPipeline;
let run: SimulationRun;
let summary: SimulateSummary;
let sensors: Map<string, SensorView>;
let metrics: string;
let options: SimulateOptions;

beforeAll(async () => {
  rp = await startInProcess({ env: { ROADPULSE_HEALTH_SNAPSHOT_S: '0.2' } });
  // The last 10 minutes: every ts is recent, so the 917 s clock skew lands beyond the 5-minute future limit.
  const resolved = resolveSimulateOptions(
    ['--scenario', 'sensor-storm', '--sensors', '50', '--seed', '5', '--backfill=-10m..now', '--url', rp.mqttUrl, '--quiet'],
    Date.now(),
    network,
  );
  if (resolved === 'help') throw new Error('unexpected help');
  options = resolved;
  run = startSimulation(options, network, new AbortController().signal);
  summary = await run.done;
  const expectedStored = run.ledger.distinctTotal;
  sensors = await waitFor(
    async () => {
      const view = await getOk<{ sensors: SensorView[] }>(`${rp.baseUrl}/api/v1/sensors`);
      const byId = new Map(view.sensors.map((s) => [s.sensorId, s]));
      const stored = view.sensors.reduce((n, s) => n + s.accepted, 0);
      const rejected = view.sensors.reduce((n, s) => n + s.rejected, 0);
      const states = [...byId.values()].filter((s) => s.state === 'offline').length;
      if (stored === expectedStored && rejected === 60 && states === summary.fleet.connections) return byId;
      throw new Error(`stored ${stored}/${expectedStored}, rejected ${rejected}/60, offline ${states}/${summary.fleet.connections}`);
    },
    { timeoutMs: 20_000, what: 'sensor view complete' },
  );
  metrics = await fetchMetrics(rp.baseUrl);
});

afterAll(async () => {
  await rp?.close();
});

describe('sensor-storm faults through the pipeline', () => {
  it('when 1,000 readings are generated, then exactly the configured share of each fault is injected', () => {
    expect(summary.readings.generated).toBe(READINGS);
    // rates: dropout 0.05, stuck 0.03, duplicate 0.03, outOfOrder 0.03, clockSkew 0.02, malformed 0.04
    expect(run.generator.faults.injected).toEqual({ dropout: 50, stuck: 30, duplicate: 30, outOfOrder: 30, clockSkew: 20, malformed: 40 });
    expect(summary.messages.failed).toBe(0);
  });

  it('when malformed and skewed readings arrive, then /metrics counts each under its rejection reason', () => {
    const rejected = (reason: string) => sampleValue(metrics, 'roadpulse_readings_rejected_total', { reason });
    expect(rejected('invalid_json')).toBe(20);
    expect(rejected('schema')).toBe(20);
    expect(rejected('future_ts')).toBe(20);
    for (const reason of ['topic_mismatch', 'unknown_segment', 'stale_ts', 'too_large']) expect(rejected(reason), reason).toBe(0);
  });

  it('when duplicates are acknowledged, then accepted counts them twice: generated − dropouts − rejected + duplicates', () => {
    expect(sampleValue(metrics, 'roadpulse_readings_accepted_total')).toBe(READINGS - 50 - 40 - 20 + 30);
    expect(sampleValue(metrics, 'roadpulse_readings_accepted_total')).toBe(run.ledger.accepted);
  });

  it('when the sensor view is read, then every sensor holds its distinct readings once and its rejections', () => {
    let stored = 0;
    for (const d of run.generator.layout.detectors) {
      const view = sensors.get(d.sensorId);
      expect(view?.accepted ?? 0, d.sensorId).toBe(run.ledger.distinct(d.sensorId));
      stored += view?.accepted ?? 0;
    }
    // Duplicates collapse in the store; stuck and out-of-order readings are stored like good ones.
    expect(stored).toBe(READINGS - 50 - 40 - 20);
    for (const [id, n] of run.ledger.rejectedBySensor) expect(sensors.get(id)?.rejected, id).toBe(n);
  });

  it('when the simulator disconnects, then every gateway and lone detector says offline on its status topic', () => {
    const senders = run.generator.layout.gateways.flatMap((g) => (g.batches ? [g.id] : g.detectors.map((d) => d.sensorId)));
    expect(senders).toHaveLength(summary.fleet.connections);
    for (const id of senders) expect(sensors.get(id)?.state, id).toBe('offline');
  });

  it('when the injected faults are replayed, then the health reasons of each sensor are exactly what they imply: seq gaps → gappy, duplicates → duplicating, every one offline', async () => {
    // The generator is pure: the same options give the same readings. Accepted = neither malformed nor skewed (917 s in the future).
    const replay = new FleetGenerator(network, options.fleet);
    const units = [];
    for (let k = 0; k < summary.simulated.ticks; k++) units.push(...replay.tick(options.plan.startMs + k * options.fleet.intervalS * 1000).units);
    units.push(...replay.faults.flush());
    const seqs = new Map<string, Set<number>>();
    const duplicated = new Set<string>();
    for (const u of units) {
      if (u.malformed || u.fault === 'clockSkew') continue;
      const set = seqs.get(u.reading.sensorId) ?? new Set<number>();
      if (set.has(u.reading.seq)) duplicated.add(u.reading.sensorId);
      seqs.set(u.reading.sensorId, set.add(u.reading.seq));
    }
    const gappy = (id: string) => {
      const set = [...(seqs.get(id) ?? [])];
      return set.length > 0 && Math.max(...set) - Math.min(...set) + 1 > set.length;
    };
    const expected = (id: string): HealthState[] => ['offline', ...(gappy(id) ? ['gappy' as const] : []), ...(duplicated.has(id) ? ['duplicating' as const] : [])];
    // Every sensor ends offline (the simulator says so on disconnect, a cabinet for its detectors), so the reasons tell the rest.
    // Health snapshots lag the readings by up to ROADPULSE_HEALTH_SNAPSHOT_S (0.2 s here).
    const health = await waitFor(
      async () => {
        const view = await getOk<{ sensors: SensorView[] }>(`${rp.baseUrl}/api/v1/sensors`);
        const byId = new Map(view.sensors.map((s) => [s.sensorId, s.health]));
        const wrong = run.generator.layout.detectors.filter((d) => JSON.stringify(byId.get(d.sensorId)?.reasons.map((r) => r.code)) !== JSON.stringify(expected(d.sensorId)));
        if (wrong.length === 0) return byId;
        throw new Error(`${wrong.length} not as injected, e.g. ${wrong[0]!.sensorId}: ${JSON.stringify(byId.get(wrong[0]!.sensorId))} vs ${expected(wrong[0]!.sensorId).join(',')}`);
      },
      { timeoutMs: 10_000, what: 'health as the faults imply' },
    );
    const count = (code: HealthState) => run.generator.layout.detectors.filter((d) => health.get(d.sensorId)!.reasons.some((r) => r.code === code)).length;
    expect(count('gappy')).toBe(run.generator.layout.detectors.filter((d) => gappy(d.sensorId)).length);
    expect(count('gappy')).toBeGreaterThan(10);
    expect(count('duplicating')).toBe(duplicated.size);
    expect(duplicated.size).toBeGreaterThan(10);
    for (const d of run.generator.layout.detectors) expect(health.get(d.sensorId)!.state, d.sensorId).toBe('offline');
  });
});

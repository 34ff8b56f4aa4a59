import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadRoadNetwork } from '../../shared/network/load-network.ts';
import type { SimulateSummary } from '../../simulators/cli/simulate-report.ts';
import { resolveSimulateOptions } from '../../simulators/cli/simulate-options.ts';
import { startSimulation, type SimulationRun } from '../../simulators/run-simulation.ts';
import { startInProcess, type InProcessPipeline } from '../helpers/embedded.ts';
import { getOk } from '../helpers/http.ts';
import { fetchMetrics, sampleValue } from '../helpers/metrics.ts';
import { waitFor } from '../helpers/wait.ts';

// Issue 4: injected faults are accounted for by the pipeline's rejection counters (DESIGN §3) and
// its sensor view (DESIGN §8).
vi.setConfig({ testTimeout: 30_000, hookTimeout: 60_000 });

const network = loadRoadNetwork();
// sensor-storm: 30 s intervals; 50 detectors × 20 intervals = 1,000 readings = one whole fault block.
const READINGS = 1000;

interface SensorView {
  sensorId: string;
  accepted: number;
  rejected: number;
  state: string | null;
}

let rp: InProcessPipeline;
let run: SimulationRun;
let summary: SimulateSummary;
let sensors: Map<string, SensorView>;
let metrics: string;

beforeAll(async () => {
  rp = await startInProcess();
  // The last 10 minutes: every ts is recent, so the 917 s clock skew lands beyond the 5-minute future limit.
  const options = resolveSimulateOptions(
    ['--scenario', 'sensor-storm', '--sensors', '50', '--seed', '5', '--backfill=-10m..now', '--url', rp.mqttUrl, '--quiet'],
    Date.now(),
    network,
  );
  if (options === 'help') throw new Error('unexpected help');
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
});

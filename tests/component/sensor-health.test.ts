import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { HEALTH_STATES, type HealthState, type SensorHealth } from '../../shared/contract/sensor-health.ts';
import { loadRoadNetwork } from '../../shared/network/load-network.ts';
import type { SimulateSummary } from '../../simulators/cli/simulate-report.ts';
import { resolveSimulateOptions } from '../../simulators/cli/simulate-options.ts';
import { startSimulation, type SimulationRun } from '../../simulators/run-simulation.ts';
import { startInProcess, type InProcessPipeline } from '../helpers/embedded.ts';
import { getJson, getOk } from '../helpers/http.ts';
import { fetchMetrics, sampleValue } from '../helpers/metrics.ts';
import { waitFor } from '../helpers/wait.ts';

// Issue 12: the simulator's injected sensor faults produce exactly the health states injected, through
// the real embedded pipeline (MQTT → ingest → bus → writer's health tracker → store → API).
vi.setConfig({ testTimeout: 30_000, hookTimeout: 60_000 });

const network = loadRoadNetwork();

interface SensorView {
  sensorId: string;
  segmentId: string | null;
  accepted: number;
  health: SensorHealth;
}

let rp: InProcessPipeline;
let run: SimulationRun;
let summary: SimulateSummary;
let sensors: SensorView[];
let expected: Map<string, HealthState>;
let gapShare: number;

/** Seqs 0…ticks−1 with every 4th (≡ 3 mod 4) lost: missing / expected up to the last one received. */
function dropoutShare(ticks: number): number {
  let last = ticks - 1;
  while (last % 4 === 3) last--;
  let missing = 0;
  for (let s = 0; s < last; s++) if (s % 4 === 3) missing++;
  return Number((missing / (last + 1)).toFixed(4));
}

beforeAll(async () => {
  rp = await startInProcess({ env: { ROADPULSE_HEALTH_SNAPSHOT_S: '0.2' } });
  // 20 intervals of 30 s ending now; silent and offline detectors stop after 10 of them.
  const options = resolveSimulateOptions(
    ['--sensors', '60', '--interval', '30', '--seed', '11', '--backfill=-10m..now', '--gateway-share', '0.5', '--stations-per-gateway', '2',
      '--sensor-faults', 'stuck=2,dropout=2,duplicate=2,implausible=2,silent=1,offline=1', '--stay-online', '--url', rp.mqttUrl, '--quiet'],
    Date.now(),
    network,
  );
  if (options === 'help') throw new Error('unexpected help');
  run = startSimulation(options, network, new AbortController().signal);
  summary = await run.done;

  // Every sender (batching cabinet or lone detector) and every detector is in the view; all injected ones faulty as injected, the rest online.
  const senders = run.generator.layout.gateways.flatMap((g) => (g.batches ? [g.id] : g.detectors.map((d) => d.sensorId)));
  const ids = new Set([...senders, ...run.generator.layout.detectors.map((d) => d.sensorId)]);
  expected = new Map([...ids].map((id) => [id, 'online' as HealthState]));
  for (const f of Object.values(summary.sensorFaults)) for (const id of f.sensors) expected.set(id, f.state);
  const expectedStored = run.ledger.distinctTotal;
  gapShare = dropoutShare(summary.simulated.ticks);
  const dropouts = new Set(summary.sensorFaults.dropout.sensors);
  sensors = await waitFor(
    async () => {
      const view = await getOk<{ sensors: SensorView[] }>(`${rp.baseUrl}/api/v1/sensors`);
      const stored = view.sensors.reduce((n, s) => n + s.accepted, 0);
      // The writer stores snapshots every 0.2 s: wait for the one after the last reading too.
      const wrong = view.sensors.filter((s) => expected.get(s.sensorId) !== s.health.state || (dropouts.has(s.sensorId) && s.health.gapShare !== gapShare));
      if (stored === expectedStored && view.sensors.length === expected.size && wrong.length === 0) return view.sensors;
      throw new Error(`stored ${stored}/${expectedStored}, ${view.sensors.length}/${expected.size} sensors, not as injected: ${JSON.stringify(wrong.slice(0, 3))}`);
    },
    { timeoutMs: 20_000, what: 'health as injected' },
  );
});

afterAll(async () => {
  await rp?.close();
});

const idsIn = (state: HealthState, list: readonly { sensorId: string; health: SensorHealth }[]) =>
  list.filter((s) => s.health.state === state).map((s) => s.sensorId).sort();

describe('simulator sensor faults → sensor health', () => {
  it('when sensor faults are injected, then the summary lists each fault with its detectors', () => {
    expect(Object.fromEntries(Object.entries(summary.sensorFaults).map(([k, f]) => [k, f.sensors.length]))).toEqual({
      stuck: 2, dropout: 2, duplicate: 2, implausible: 2, silent: 1, offline: 1,
    });
    expect(summary.messages.failed).toBe(0);
  });

  it('when the API is asked, then each state holds exactly the injected sensors and every other sensor is online', () => {
    for (const [kind, f] of Object.entries(summary.sensorFaults)) expect(idsIn(f.state, sensors), kind).toEqual(f.sensors);
    const faulty = new Set(Object.values(summary.sensorFaults).flatMap((f) => f.sensors));
    expect(idsIn('online', sensors)).toEqual([...expected.keys()].filter((id) => !faulty.has(id)).sort());
  });

  it('when a sensor is faulty, then its only reason is its fault (an offline one is stale too), with since and detail; a gappy one carries its share', () => {
    const byId = new Map(sensors.map((s) => [s.sensorId, s]));
    for (const f of Object.values(summary.sensorFaults)) {
      for (const id of f.sensors) {
        const h = byId.get(id)!.health;
        expect(h.reasons.map((r) => r.code), id).toEqual(f.state === 'offline' ? ['offline', 'stale'] : [f.state]);
        expect(h.since, id).not.toBeNull();
        expect(h.reasons[0]!.detail.length, id).toBeGreaterThan(10);
      }
    }
    // Every 4th seq lost: about a quarter (e.g. 20 intervals: seqs 0…18 received or lost, 3 7 11 15 lost → 4/19).
    expect(gapShare).toBeGreaterThan(0.2);
    for (const id of summary.sensorFaults.dropout.sensors) expect(byId.get(id)!.health.gapShare, id).toBe(gapShare);
  });

  it('when /api/v1/sensor-health is asked, then it counts sensors per state and lists the faulty ones, most severe first', async () => {
    const body = await getOk<{ counts: Record<HealthState, number>; worst: { sensorId: string; state: HealthState }[] }>(`${rp.baseUrl}/api/v1/sensor-health`);
    const want = Object.fromEntries(HEALTH_STATES.map((s) => [s, [...expected.values()].filter((e) => e === s).length]));
    expect(body.counts).toEqual(want);
    expect(body.counts).toMatchObject({ offline: 1, stale: 1, implausible: 2, stuck: 2, gappy: 2, duplicating: 2 });
    expect(body.worst.map((w) => w.state)).toEqual(['offline', 'stale', 'implausible', 'implausible', 'stuck', 'stuck', 'gappy', 'gappy', 'duplicating', 'duplicating']);
  });

  it('when ?state= filters, then only sensors in those states come back; an unknown state is a 400 problem', async () => {
    const view = await getOk<{ sensors: SensorView[] }>(`${rp.baseUrl}/api/v1/sensors?state=stuck,offline`);
    expect(view.sensors.map((s) => s.sensorId).sort()).toEqual([...summary.sensorFaults.stuck.sensors, ...summary.sensorFaults.offline.sensors].sort());
    const bad = await getJson(`${rp.baseUrl}/api/v1/sensors?state=broken`);
    expect(bad.status).toBe(400);
    expect(bad.contentType).toContain('application/problem+json');
  });

  it('when one sensor is asked for, then it carries its health next to its counts', async () => {
    const [id] = summary.sensorFaults.stuck.sensors;
    const one = await getOk<SensorView>(`${rp.baseUrl}/api/v1/sensors/${id}`);
    expect(one).toMatchObject({ sensorId: id, health: { state: 'stuck' } });
    expect(one.accepted).toBe(run.ledger.distinct(id!));
  });

  it('when a segment has faulty sensors reporting, then its congestion record counts them in sensorsFaulty (data quality)', async () => {
    // Measured faults only (stuck, implausible, gappy, duplicating): silence shows as sensorsReporting < sensorsKnown.
    const measured = new Set<HealthState>(['stuck', 'implausible', 'gappy', 'duplicating']);
    const bySegment = new Map<string, number>();
    for (const s of sensors) if (s.segmentId && measured.has(s.health.state)) bySegment.set(s.segmentId, (bySegment.get(s.segmentId) ?? 0) + 1);
    expect(bySegment.size).toBeGreaterThan(0);
    const records = await getOk<{ records: { segmentId: string; sensorsFaulty: number | null; status: string }[] }>(
      `${rp.baseUrl}/api/v1/congestion?window=15m&limit=100`,
    );
    for (const r of records.records) {
      if (r.status !== 'ok') continue;
      expect(r.sensorsFaulty, r.segmentId).toBe(bySegment.get(r.segmentId) ?? 0);
    }
    expect(records.records.some((r) => (r.sensorsFaulty ?? 0) > 0)).toBe(true);
  });

  it('when /metrics is scraped, then roadpulse_sensors{state} counts the sensors per state', async () => {
    const text = await fetchMetrics(rp.baseUrl);
    for (const s of HEALTH_STATES) expect(sampleValue(text, 'roadpulse_sensors', { state: s }), s).toBe([...expected.values()].filter((e) => e === s).length);
  });
});

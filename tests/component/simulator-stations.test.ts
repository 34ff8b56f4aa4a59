import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadRoadNetwork } from '../../shared/network/load-network.ts';
import { resolveSimulateOptions } from '../../simulators/cli/simulate-options.ts';
import { latestLocalWindow } from '../../simulators/cli/time-spec.ts';
import { startSimulation } from '../../simulators/run-simulation.ts';
import type { SimulateSummary } from '../../simulators/cli/simulate-report.ts';
import { startInProcess, type InProcessPipeline } from '../helpers/embedded.ts';
import { getOk } from '../helpers/http.ts';
import { fetchMetrics, sampleValue } from '../helpers/metrics.ts';
import { waitFor } from '../helpers/wait.ts';

// Issue 11: the incident scenario through the pipeline, with one station per segment (its default
// 21 sensors) and with about 19 stations per segment (400 sensors): the incident segment is at
// LOS E or F during the incident both times, and the flows agree (no sum over stations).
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const network = loadRoadNetwork();
const MIN = 60_000;
// The scenario starts at 07:00 local on a weekday; its incident on ql13-nb-04 runs from 07:15 for 45 minutes.
const FROM = latestLocalWindow(Date.now(), '07:00', 40 * MIN, { weekdayOnly: true });
const TO = FROM + 40 * MIN;
const iso = (ms: number) => new Date(ms).toISOString();

interface Congestion {
  status: string;
  los: string | null;
  flowVph: number | null;
  flowPcuph: number | null;
  sensorsReporting: number;
  stationsReporting: number;
}

async function run(sensors: number): Promise<{ summary: SimulateSummary; incident: Congestion; incident15m: Congestion }> {
  const rp: InProcessPipeline = await startInProcess();
  try {
    const argv = ['--scenario', 'incident-ql13', '--sensors', String(sensors), '--seed', '7', `--backfill=${iso(FROM)}..${iso(TO)}`, '--quiet', '--url', rp.mqttUrl];
    const options = resolveSimulateOptions(argv, Date.now(), network);
    if (options === 'help') throw new Error('unexpected help');
    const summary = await startSimulation(options, network, new AbortController().signal).done;
    const readings = 40 * sensors;
    expect(summary.readings.acked).toBe(readings);
    await waitFor(async () => sampleValue(await fetchMetrics(rp.baseUrl), 'roadpulse_readings_stored_total') === readings, {
      timeoutMs: 60_000,
      what: 'all readings stored',
    });
    const at = encodeURIComponent(iso(TO + 1));
    const get = (window: string) => getOk<Congestion>(`${rp.baseUrl}/api/v1/segments/ql13-nb-04/congestion?window=${window}&at=${at}`);
    return { summary, incident: await get('5m'), incident15m: await get('15m') };
  } finally {
    await rp.close();
  }
}

let one: Awaited<ReturnType<typeof run>>;
let many: Awaited<ReturnType<typeof run>>;

beforeAll(async () => {
  one = await run(21);
  many = await run(400);
});

afterAll(() => undefined);

describe('the incident scenario with one and with many measurement stations per segment', () => {
  it('when the scenario runs with its default 21 sensors, then ql13-nb-04 has one station and is at LOS E or F during the incident', () => {
    expect(one.incident).toMatchObject({ status: 'ok', stationsReporting: 1, sensorsReporting: 3 });
    expect(['E', 'F']).toContain(one.incident.los);
  });

  it('when it runs with 400 sensors, then ql13-nb-04 has many stations and is still at LOS E or F', () => {
    expect(many.incident.stationsReporting).toBeGreaterThanOrEqual(15);
    expect(many.incident.sensorsReporting).toBe(3 * many.incident.stationsReporting);
    expect(['E', 'F']).toContain(many.incident.los);
  });

  // Over 15 minutes (07:25–07:40, inside the incident): one station's flow is a sample of ~1,000 vehicles
  // (Poisson ±3 %); over 5 minutes one station alone varies by up to ±15 % from seed to seed.
  it('when the number of stations grows, then the segment flow stays within 10 % (the mean over stations, not their sum)', () => {
    for (const key of ['flowVph', 'flowPcuph'] as const) {
      const a = one.incident15m[key]!;
      const b = many.incident15m[key]!;
      expect(a).toBeGreaterThan(0);
      expect(Math.abs(b - a) / a).toBeLessThan(0.1);
    }
  });

  it('when 400 detectors share 7 segments, then the summary names the segments whose stations stand closer than 300 m', () => {
    expect(one.summary.fleet.crowdedSegments).toEqual([]);
    expect(many.summary.fleet.stations).toBeGreaterThan(100);
    expect(many.summary.fleet.crowdedSegments.map((c) => c.segmentId)).toContain('ql13-nb-04');
    for (const c of many.summary.fleet.crowdedSegments) expect(c.spacingM).toBeLessThan(300);
  });
});

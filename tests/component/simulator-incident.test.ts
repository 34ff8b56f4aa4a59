import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadRoadNetwork } from '../../shared/network/load-network.ts';
import { resolveSimulateOptions } from '../../simulators/cli/simulate-options.ts';
import { latestLocalWindow } from '../../simulators/cli/time-spec.ts';
import { startSimulation } from '../../simulators/run-simulation.ts';
import { startInProcess, type InProcessPipeline } from '../helpers/embedded.ts';
import { getOk } from '../helpers/http.ts';
import { fetchMetrics, sampleValue } from '../helpers/metrics.ts';
import { waitFor } from '../helpers/wait.ts';

// Issue 4: an incident makes its segment reach LOS E or F and its upstream neighbour worse than
// without the incident, measured through the pipeline's API (DESIGN §5, §8).
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const network = loadRoadNetwork();
const MIN = 60_000;
// The latest weekday 07:15–07:35 local that is over: morning-peak demand, well inside the 7-day limit.
const FROM = latestLocalWindow(Date.now(), '07:15', 20 * MIN, { weekdayOnly: true });
const TO = FROM + 20 * MIN;
const iso = (ms: number) => new Date(ms).toISOString();
const COMMON = ['--segments', 'ql13-nb-*', '--sensors', '21', '--seed', '7', '--gateway-share', '1', `--backfill=${iso(FROM)}..${iso(TO)}`, '--quiet'];

interface Congestion {
  status: string;
  los: string | null;
  congestionPct: number | null;
  speedKmh: number | null;
  sensorsReporting: number;
}

/** Backfills the 20 minutes into a fresh pipeline and returns the 5-minute congestion of ql13-nb-03/04 at the end. */
async function congestionAfter(extra: string[]): Promise<Record<'incident' | 'upstream', Congestion>> {
  const rp: InProcessPipeline = await startInProcess();
  try {
    const options = resolveSimulateOptions([...COMMON, ...extra, '--url', rp.mqttUrl], Date.now(), network);
    if (options === 'help') throw new Error('unexpected help');
    const summary = await startSimulation(options, network, new AbortController().signal).done;
    expect(summary.readings.acked).toBe(20 * 21);
    await waitFor(async () => sampleValue(await fetchMetrics(rp.baseUrl), 'roadpulse_readings_stored_total') === 20 * 21, {
      timeoutMs: 20_000,
      what: 'all readings stored',
    });
    const at = encodeURIComponent(iso(TO + 1)); // the window [TO − 5 min, TO] holds the last five intervals
    const get = (id: string) => getOk<Congestion>(`${rp.baseUrl}/api/v1/segments/${id}/congestion?window=5m&at=${at}`);
    return { incident: await get('ql13-nb-04'), upstream: await get('ql13-nb-03') };
  } finally {
    await rp.close();
  }
}

let withIncident: Record<'incident' | 'upstream', Congestion>;
let without: Record<'incident' | 'upstream', Congestion>;

beforeAll(async () => {
  withIncident = await congestionAfter(['--incident', 'ql13-nb-04:1:0m:60m']);
  without = await congestionAfter([]);
});

describe('simulated incident on ql13-nb-04 in the morning peak', () => {
  it('when a lane is blocked for 20 minutes, then the pipeline reports the segment at LOS E or F', () => {
    expect(withIncident.incident.status).toBe('ok');
    expect(withIncident.incident.sensorsReporting).toBe(3);
    expect(['E', 'F']).toContain(withIncident.incident.los);
  });

  it('when the queue spills back, then the upstream segment ql13-nb-03 is more congested than without the incident', () => {
    expect(withIncident.upstream.congestionPct).not.toBeNull();
    expect(without.upstream.congestionPct).not.toBeNull();
    expect(withIncident.upstream.congestionPct!).toBeGreaterThan(without.upstream.congestionPct!);
    expect(withIncident.upstream.speedKmh!).toBeLessThan(without.upstream.speedKmh!);
  });

  it('when there is no incident, then the same segment is not at LOS F', () => {
    expect(without.incident.los).not.toBe('F');
    expect(without.incident.congestionPct!).toBeLessThan(withIncident.incident.congestionPct!);
  });
});

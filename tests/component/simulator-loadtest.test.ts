import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadRoadNetwork } from '../../shared/network/load-network.ts';
import { ApiObserver } from '../../simulators/loadtest/api-observer.ts';
import { newRunId } from '../../simulators/loadtest/load-payload.ts';
import { markdownReport, type LoadReport } from '../../simulators/loadtest/report.ts';
import { runLoadtest, type LoadtestOptions } from '../../simulators/loadtest/run-loadtest.ts';
import { startInProcess, type InProcessPipeline } from '../helpers/embedded.ts';
import { fetchMetrics, sampleValue } from '../helpers/metrics.ts';

// Issue 4 §5: a short real load test against the embedded pipeline reports zero loss, counted per
// sensor from sequence numbers against the pipeline's sensor view.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 30_000 });

const segments = loadRoadNetwork().segments;
let rp: InProcessPipeline;

async function loadtest(shape: Partial<LoadtestOptions>, runId: string): Promise<LoadReport> {
  const options: LoadtestOptions = {
    url: rp.mqttUrl, api: rp.baseUrl, runId, connections: 2, sensorsPerConnection: 10, segments,
    rate: 1000, durationS: 1.5, warmupS: 0, qos: 1, batch: 1, payloadBytes: 0, window: 64, pid: process.pid, drainTimeoutS: 20,
    ...shape,
  };
  return runLoadtest(options, await ApiObserver.open(rp.baseUrl, runId));
}

beforeAll(async () => {
  rp = await startInProcess();
});

afterAll(async () => {
  await rp?.close();
});

describe('load test against the embedded pipeline', () => {
  it('when about 1,500 single readings are published at QoS 1, then all are acknowledged, stored and found per sensor', async () => {
    const report = await loadtest({}, newRunId());
    expect(report.sent.readings).toBeGreaterThan(1000);
    expect(report.acked.readings).toBe(report.sent.readings);
    expect(report.unackedReadings).toBe(0);
    expect(report.delivery).toMatchObject({ acked: report.acked.readings, found: report.acked.readings, lost: 0, duplicates: 0 });
    expect(report.ok).toBe(true);
    expect(report.pubackMs?.count).toBe(report.acked.messages);
    expect(report.queryableMs?.count).toBe(report.acked.messages);
    expect(report.observer?.label).toBe('api /metrics');
    expect(report.cpu?.microsPerReading).toBeGreaterThan(0);
    expect(markdownReport(report)).toContain('OK: nothing lost');
  });

  it('when readings are batched 20 per message on gateway topics, then nothing is lost either', async () => {
    const before = sampleValue(await fetchMetrics(rp.baseUrl), 'roadpulse_readings_accepted_total')!;
    const report = await loadtest({ batch: 20, rate: 4000, payloadBytes: 8000 }, newRunId(Date.now() + 1));
    expect(report.sent.meanPayloadBytes).toBe(8000);
    expect(report.delivery?.lost).toBe(0);
    expect(report.delivery?.found).toBe(report.sent.readings);
    expect(report.ok).toBe(true);
    const accepted = sampleValue(await fetchMetrics(rp.baseUrl), 'roadpulse_readings_accepted_total')!;
    expect(accepted - before).toBe(report.acked.readings);
  });

  it('when a warm-up precedes the run, then its readings count for loss but not for the latencies', async () => {
    const report = await loadtest({ warmupS: 1, durationS: 1, rate: 1000 }, newRunId(Date.now() + 2));
    expect(report.target.warmupS).toBe(1);
    // About 1,000 warm-up readings and 1,000 measured: all of them are checked for loss…
    expect(report.acked.readings).toBeGreaterThan(1500);
    expect(report.delivery).toMatchObject({ acked: report.acked.readings, found: report.acked.readings, lost: 0 });
    // …but only the measured ones have latencies.
    expect(report.pubackMs?.count).toBeGreaterThan(500);
    expect(report.pubackMs?.count).toBeLessThan(report.acked.messages - 500);
    expect(report.queryableMs?.count).toBe(report.pubackMs?.count);
    // The rate is over the measured second: about 1,000/s, where counting the warm-up would give about 2,000.
    expect(report.acked.readingsPerS).toBeGreaterThan(500);
    expect(report.acked.readingsPerS).toBeLessThan(1500);
    expect(markdownReport(report)).toContain('after 1 s of warm-up');
  });
});

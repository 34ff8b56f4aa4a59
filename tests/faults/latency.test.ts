import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { TelemetryPublisher, comparableRow, expectedRows, openStack, planTraffic, readingsOf, type DistributedStack } from '../helpers/distributed.ts';
import { makeDataDir, startChild } from '../helpers/embedded.ts';
import { startReadingStream } from '../helpers/reading-stream.ts';
import { expectEveryAckedStoredOnce } from '../helpers/stored-once.ts';
import { startLatencyProxy, type LatencyProxy } from '../helpers/tcp-proxy.ts';
import { loadRoadNetwork } from '../../shared/network/load-network.ts';

// Issue 13, faults: added latency between the parts (a TCP proxy in the test that delays every
// chunk): between MQTT clients and the embedded broker, and between the writer and InfluxDB.
// Slower, but every acknowledged reading is stored exactly once.
const proxies: LatencyProxy[] = [];
const dataDirs: string[] = [];
let stack: DistributedStack | undefined;
afterAll(async () => {
  await Promise.all(proxies.map((p) => p.close()));
  await stack?.close();
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

describe('faults: added latency between services', () => {
  it('when every chunk between the MQTT clients and the embedded broker is delayed 40 ms each way, then every acknowledged reading is stored once', async () => {
    const dataDir = makeDataDir();
    dataDirs.push(dataDir);
    const pipeline = await startChild({ dataDir });
    const proxy = await startLatencyProxy({ host: '127.0.0.1', port: pipeline.mqttPort }, 40);
    proxies.push(proxy);
    const baseTs = Math.floor(Date.now() / 1000) * 1000 - 2_000;
    const stream = await startReadingStream({ mqttUrl: `mqtt://127.0.0.1:${proxy.port}`, prefix: 'lat', segmentId: 'ql13-nb-06', baseTs, window: 8 });
    await new Promise((r) => setTimeout(r, 4_000));
    await stream.stop();
    await pipeline.stop('SIGTERM');
    expect(proxy.chunks()).toBeGreaterThan(100);
    expect(stream.acked.size).toBeGreaterThan(100);
    await expectEveryAckedStoredOnce(dataDir, 'lat', stream.acked, stream.sent);
  }, 120_000);

  it('when the writer reaches InfluxDB through a link with 100 ms each way, then exactly the published readings are stored', async () => {
    stack = await openStack('lat');
    const influx = new URL(stack.influx.url);
    const proxy = await startLatencyProxy({ host: influx.hostname, port: Number(influx.port) }, 100);
    proxies.push(proxy);
    const ingest = await stack.start('ingest');
    await stack.start('writer', { env: { ROADPULSE_INFLUX_URL: `http://127.0.0.1:${proxy.port}` } });
    const N = 1_500;
    const prefix = `${stack.runId}-r`;
    const plan = planTraffic(prefix, { readings: N, segments: loadRoadNetwork().segments.map((s) => s.id), seed: 13 });
    const publisher = await TelemetryPublisher.open(ingest.mqttUrl, { label: 'lat' });
    try {
      await publisher.publish(plan, { perSecond: N / 5 });
      expect(publisher.acked.size).toBe(N);
      await stack.waitForReadings(prefix, N);
      await stack.waitWriterCaughtUp();
      expect(proxy.chunks()).toBeGreaterThan(10); // the writer's writes went through the slow link
      expect(await stack.countReadings(prefix)).toBe(N);
      expect((await stack.storedReadings(prefix)).map(comparableRow)).toEqual(expectedRows(readingsOf(plan)));
    } finally {
      await publisher.close();
    }
  }, 300_000);
});

import { afterAll, beforeAll } from 'vitest';
import { loadRoadNetwork } from '../../shared/network/load-network.ts';
import { openStack, planTraffic, servicesScript, type DistributedStack, type ServiceProcess } from './distributed.ts';

export interface IngestWriterFixture {
  stack: DistributedStack;
  ingest: ServiceProcess;
  writer: ServiceProcess;
  /** N readings from the run's own sensors over every segment of the default network. */
  plan(prefix: string, readings: number, seed: number): ReturnType<typeof planTraffic>;
}

/**
 * The stack most fault tests need, as vitest hooks: a fresh distributed stack with ingest and writer
 * running; afterwards the service the test stops on purpose is started again (a no-op when healthy).
 */
export function ingestWriterFixture(label: string, restartAfter?: 'kafka' | 'influxdb'): IngestWriterFixture {
  const segments = loadRoadNetwork().segments.map((s) => s.id);
  const fx = { plan: (prefix: string, readings: number, seed: number) => planTraffic(prefix, { readings, segments, seed }) } as IngestWriterFixture;
  beforeAll(async () => {
    fx.stack = await openStack(label);
    fx.ingest = await fx.stack.start('ingest');
    fx.writer = await fx.stack.start('writer');
  });
  afterAll(async () => {
    if (restartAfter) await servicesScript('start', restartAfter);
    await fx.stack?.close();
  });
  return fx;
}

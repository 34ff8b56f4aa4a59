import { describe, expect, it } from 'vitest';
import { TOPICS } from '../../../shared/contract/topics.ts';
import { createLogger } from '../../../shared/logging/create-logger.ts';
import { createMetrics } from '../../../shared/metrics/metrics.ts';
import { loadRoadNetwork } from '../../../shared/network/load-network.ts';
import type { Bus, BusMessage } from '../../../shared/ports/bus.ts';
import { IngestService } from '../../../services/ingest/ingest-service.ts';

// IngestService's own logic, against a bus that records what it is given (the real buses have
// their contract suites in tests/contract).
const NOW = 1_772_352_000_000; // 2026-03-01T08:00:00Z
const network = loadRoadNetwork();

class RecordingBus implements Bus {
  readonly published: { topic: string; messages: BusMessage[] }[] = [];
  constructor(private readonly onPublish: () => void = () => undefined) {}
  // Not async: onPublish may throw synchronously, as a faulty adapter could.
  publish(topic: string, messages: BusMessage[]): Promise<void> {
    this.onPublish();
    this.published.push({ topic, messages });
    return Promise.resolve();
  }
  consume(): never {
    throw new Error('not used');
  }
  async ping(): Promise<void> {}
  async close(): Promise<void> {}
}

function ingestOn(bus: Bus, now = () => NOW): IngestService {
  return new IngestService({ bus, network, log: createLogger({ level: 'silent' }), metrics: createMetrics(), maxAgeMs: 3600_000, maxFutureMs: 300_000, now });
}

const reading = (sensorId: string, extra: Record<string, unknown> = {}) =>
  ({ sensorId, segmentId: 'ql13-nb-01', ts: NOW - 60_000, intervalS: 60, counts: { car: 2 }, ...extra });
const message = (topic: string, body: unknown, clientId: string | null = 'c1') => ({ topic, payload: Buffer.from(JSON.stringify(body)), clientId });

describe('IngestService', () => {
  it('when the topic is not a telemetry or status topic, then there is nothing to wait for (null)', () => {
    expect(ingestOn(new RecordingBus()).handle(message('city/lights/7', { on: true }))).toBeNull();
  });

  it('when every reading of a message is rejected, then only dead letters are published', async () => {
    const bus = new RecordingBus();
    await ingestOn(bus).handle(message('traffic/v1/s1/telemetry', [reading('s1', { intervalS: 0 }), reading('s1', { segmentId: 'nowhere' })]));
    expect(bus.published.map((p) => [p.topic, p.messages.length])).toEqual([[TOPICS.deadLetter, 2]]);
  });

  it('when the bus throws instead of rejecting, then handle still returns a rejected promise (the caller withholds the PUBACK)', async () => {
    const bus = new RecordingBus(() => {
      throw new Error('disk full');
    });
    const ingest = ingestOn(bus);
    const handled = ingest.handle(message('traffic/v1/s1/telemetry', reading('s1')));
    await expect(handled).rejects.toThrow('disk full');
  });

  it('when messages come from one client in one millisecond, then they carry the same headers; another client or millisecond gets its own', async () => {
    const bus = new RecordingBus();
    let now = NOW;
    const ingest = ingestOn(bus, () => now);
    await ingest.handle(message('traffic/v1/s1/telemetry', reading('s1'), 'gw-a'));
    await ingest.handle(message('traffic/v1/s2/telemetry', reading('s2'), 'gw-a'));
    await ingest.handle(message('traffic/v1/s3/telemetry', reading('s3'), 'gw-b'));
    now += 1;
    await ingest.handle(message('traffic/v1/s4/telemetry', reading('s4'), 'gw-b'));
    await ingest.handle(message('traffic/v1/s5/telemetry', reading('s5'), null));
    const headers = bus.published.map((p) => p.messages[0]!.headers);
    expect(headers).toEqual([
      { ingestedAt: String(NOW), clientId: 'gw-a' },
      { ingestedAt: String(NOW), clientId: 'gw-a' },
      { ingestedAt: String(NOW), clientId: 'gw-b' },
      { ingestedAt: String(NOW + 1), clientId: 'gw-b' },
      { ingestedAt: String(NOW + 1), clientId: '' },
    ]);
    expect(headers[1]).toBe(headers[0]); // shared, so the bus serialises it once
    expect(JSON.parse(bus.published[0]!.messages[0]!.value)).toMatchObject({ sensorId: 's1', lane: null, counts: { car: 2, motorbike: 0 } });
  });
});

import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { MqttAccess } from '../../../services/ingest/mqtt-auth.ts';
import { createMetrics } from '../../../shared/metrics/metrics.ts';

// README "MQTT security": the start-up rules of MqttAccess (the broker-level behaviour is in tests/component/mqtt-auth*.test.ts).
function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { log: pino({ level: 'info' }, stream), lines };
}
const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('MqttAccess.start', () => {
  it.each(['0.0.0.0', '::', '192.168.1.10'])('when anonymous access is allowed on %s, then a warning says anyone can publish as any sensor', async (host) => {
    const { log, lines } = capture();
    MqttAccess.start({ allowAnonymous: true, host, log, metrics: createMetrics() }).close();
    await flush();
    expect(lines.find((l) => l.level === 40 && String(l.msg).includes('ANONYMOUS'))).toMatchObject({ host });
  });

  it.each(['127.0.0.1', '::1', 'localhost'])('when anonymous access is allowed on loopback (%s), then no warning', async (host) => {
    const { log, lines } = capture();
    MqttAccess.start({ allowAnonymous: true, host, log, metrics: createMetrics() }).close();
    await flush();
    expect(lines.filter((l) => l.level === 40)).toEqual([]);
  });

  it('when anonymous access is off and there is no credentials file, then start-up fails naming both variables', () => {
    const { log } = capture();
    expect(() => MqttAccess.start({ allowAnonymous: false, host: '127.0.0.1', log, metrics: createMetrics() })).toThrow(
      /ROADPULSE_MQTT_ALLOW_ANONYMOUS=false needs ROADPULSE_MQTT_CREDENTIALS_FILE/,
    );
  });

  it('when started, then every refusal reason is in /metrics at 0', async () => {
    const { log } = capture();
    const metrics = createMetrics();
    MqttAccess.start({ allowAnonymous: true, host: '127.0.0.1', log, metrics }).close();
    const text = await metrics.registry.metrics();
    for (const reason of ['bad_credentials', 'anonymous', 'publish_topic', 'subscribe_topic', 'zero_length_client_id']) {
      expect(text).toContain(`roadpulse_mqtt_refusals_total{reason="${reason}"} 0`);
    }
  });
});

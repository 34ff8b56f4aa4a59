import type { MqttClient } from 'mqtt';
import { mqttTelemetryTopic } from '../../shared/contract/topics.ts';
import { connect } from './mqtt.ts';

/**
 * A publisher for fault tests: single readings at QoS 1 over a few connections, `window` in flight
 * per connection, every reading with its own (sensor, ts), until stop() or until the connection
 * drops (the broker died). It keeps a ledger of what was sent and what was acknowledged: only the
 * acknowledged readings are promised (DESIGN §2); a sent one whose PUBACK never came may or may not
 * have been stored.
 */
export interface ReadingStream {
  /** Keys `${sensorId}@${ts}` of the readings whose PUBACK arrived. */
  acked: Set<string>;
  /** Keys of every reading put on the wire. */
  sent: Set<string>;
  /** Stops sending, waits for the PUBACKs still due (or the connection's end), disconnects. */
  stop(): Promise<void>;
  /** Resolves when every connection has ended (stopped or dropped). */
  ended: Promise<void>;
}

export interface StreamOptions {
  mqttUrl: string;
  /** Sensor ids get this prefix; ts counts down from `baseTs` per sensor so no two readings share a key. */
  prefix: string;
  segmentId: string;
  baseTs: number;
  connections?: number;
  sensorsPerConnection?: number;
  window?: number;
  /** The stream's ledger to add to (a stream over several pipeline lives keeps one ledger). */
  ledger?: { acked: Set<string>; sent: Set<string>; next: Map<string, number> };
}

export function newLedger(): NonNullable<StreamOptions['ledger']> {
  return { acked: new Set(), sent: new Set(), next: new Map() };
}

export async function startReadingStream(o: StreamOptions): Promise<ReadingStream> {
  const ledger = o.ledger ?? newLedger();
  const connections = o.connections ?? 4;
  const perConnection = o.sensorsPerConnection ?? 5;
  const window = o.window ?? 32;
  let stopping = false;
  const clients: MqttClient[] = await Promise.all(Array.from({ length: connections }, () => connect(o.mqttUrl)));

  const pump = (client: MqttClient, c: number): Promise<void> =>
    new Promise((resolve) => {
      let inFlight = 0;
      let k = 0;
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        resolve();
      };
      client.on('close', finish);
      client.on('error', () => undefined); // a dead broker: the close ends this pump
      const sendOne = () => {
        const sensorId = `${o.prefix}-c${c}-s${k++ % perConnection}`;
        const i = ledger.next.get(sensorId) ?? 0;
        ledger.next.set(sensorId, i + 1);
        const ts = o.baseTs - i * 1_000;
        const key = `${sensorId}@${ts}`;
        const reading = { sensorId, segmentId: o.segmentId, ts, intervalS: 1, counts: { car: 1 + (i % 3) }, speedKmh: 40, seq: i };
        ledger.sent.add(key);
        inFlight++;
        client.publish(mqttTelemetryTopic(sensorId), JSON.stringify(reading), { qos: 1 }, (err) => {
          inFlight--;
          if (!err) ledger.acked.add(key);
          if (!stopping && client.connected) sendOne();
          else if (inFlight === 0) finish();
        });
      };
      for (let n = 0; n < window; n++) sendOne();
    });

  const ended = Promise.all(clients.map(pump)).then(() => undefined);
  return {
    acked: ledger.acked,
    sent: ledger.sent,
    ended,
    async stop() {
      stopping = true;
      await Promise.race([ended, new Promise((r) => setTimeout(r, 10_000))]);
      await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
    },
  };
}

import { Aedes } from 'aedes';
import type { Logger } from '../../shared/logging/create-logger.ts';
import type { Metrics } from '../../shared/metrics/metrics.ts';
import { aedesLimitOptions, applyBrokerLimits, type MqttLimits } from './broker-limits.ts';
import { brokerPersistence } from './broker-persistence.ts';
import type { IngestService } from './ingest-service.ts';
import type { MqttAccess } from './mqtt-auth.ts';
import { startMqttListeners, type ListenerOptions } from './mqtt-listeners.ts';

export interface MqttBroker {
  port: number;
  /** Ports of the optional TLS and WebSocket listeners (null when not configured). */
  tlsPort: number | null;
  wsPort: number | null;
  /** Stops accepting connections, disconnects clients, then waits for messages in hand-off. */
  close(): Promise<void>;
}

/**
 * The embedded MQTT 3.1.1 broker (aedes): a complete broker for any topic; telemetry and status
 * messages are handed to ingest first.
 *
 * aedes writes the QoS 1 PUBACK *before* its `published` hook runs, so the hand-off happens inside
 * `authorizePublish`, which aedes awaits before it enqueues (and acknowledges) the packet: the
 * PUBACK leaves only after ingest resolved, i.e. after the bus durably took the reading. If the
 * bus refuses, the callback gets an error, aedes drops the connection, no PUBACK is sent and the
 * client re-sends after reconnecting [MQTT-4.4.0-1].
 */
export async function startMqttBroker(args: {
  ingest: IngestService;
  access: MqttAccess;
  listeners: ListenerOptions;
  limits: MqttLimits;
  log: Logger;
  metrics: Metrics;
}): Promise<MqttBroker> {
  const { access } = args;
  const log = args.log.child({ component: 'mqtt-broker' });
  // Hand-offs not yet resolved, so close() can wait for them (a counter: a Set and a finally() per message cost more).
  let inFlight = 0;
  let drained: (() => void) | null = null;
  let allDrained: Promise<void> | null = null;
  const settled = (): void => {
    if (--inFlight === 0) drained?.();
  };
  const broker = await Aedes.createBroker({
    ...aedesLimitOptions(args.limits),
    persistence: brokerPersistence(),
    // Authentication and topic ACL (mqtt-auth.ts, topic-acl.ts); a refused publish closes the connection without PUBACK [MQTT-3.3.5-2].
    preConnect: (client, packet, callback) => access.preConnect(client, packet, callback),
    authenticate: (client, username, password, callback) => access.authenticate(client, username, password, callback),
    authorizeSubscribe: (client, sub, callback) => access.authorizeSubscribe(client, sub, callback),
    authorizePublish(client, packet, callback) {
      const refused = access.authorizePublish(client, packet.topic);
      if (refused !== null) return callback(refused);
      const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
      const handoff = args.ingest.handle({ topic: packet.topic, payload, clientId: client?.id ?? null });
      if (handoff === null) return callback(null);
      inFlight++;
      handoff.then(
        () => {
          settled();
          callback(null);
        },
        (err: Error) => {
          settled();
          log.warn({ err, clientId: client?.id, topic: packet.topic }, 'bus did not accept; message not acknowledged');
          callback(err);
        },
      );
    },
  });
  broker.on('clientError', (client, err) => log.debug({ clientId: client.id, err: err.message }, 'client error'));
  broker.on('connectionError', (_client, err) => log.debug({ err: err.message }, 'connection error'));

  // Limits wrap the hooks set above; the listeners admit and guard each connection.
  const admission = applyBrokerLimits(broker, args.limits, { metrics: args.metrics, log });
  const listeners = await startMqttListeners(broker, admission, args.listeners, { log, metrics: args.metrics }).catch(async (err: unknown) => {
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    throw err;
  });

  return {
    port: listeners.tcpPort,
    tlsPort: listeners.tlsPort,
    wsPort: listeners.wsPort,
    async close() {
      await listeners.close(() => new Promise<void>((resolve) => broker.close(() => resolve())));
      if (inFlight > 0) await (allDrained ??= new Promise<void>((resolve) => (drained = resolve)));
    },
  };
}

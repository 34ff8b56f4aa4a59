import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Aedes, AedesOptions } from 'aedes';
import type { Config } from '../../shared/config/schema.ts';
import type { Logger } from '../../shared/logging/create-logger.ts';
import type { Metrics } from '../../shared/metrics/metrics.ts';
import { addressKey, ConnectionLimiter } from './connection-limits.ts';
import { guardReads, LimitError, readGuardOf } from './packet-size-guard.ts';

/** The broker's limits (ROADPULSE_MQTT_MAX_*, …), in the units the code uses. */
export interface MqttLimits {
  maxPacketBytes: number;
  maxTopicBytes: number;
  maxTopicLevels: number;
  maxConnections: number;
  maxConnectionsPerAddress: number;
  connectTimeoutMs: number;
  maxKeepaliveS: number;
  maxInflight: number;
  maxInflightBytes: number;
  drainTimeoutMs: number;
}

export function limitsFromConfig(config: Config): MqttLimits {
  return {
    maxPacketBytes: config.ROADPULSE_MQTT_MAX_PACKET_BYTES,
    maxTopicBytes: config.ROADPULSE_MQTT_MAX_TOPIC_BYTES,
    maxTopicLevels: config.ROADPULSE_MQTT_MAX_TOPIC_LEVELS,
    maxConnections: config.ROADPULSE_MQTT_MAX_CONNECTIONS,
    maxConnectionsPerAddress: config.ROADPULSE_MQTT_MAX_CONNECTIONS_PER_ADDRESS,
    connectTimeoutMs: config.ROADPULSE_MQTT_CONNECT_TIMEOUT_S * 1000,
    maxKeepaliveS: config.ROADPULSE_MQTT_MAX_KEEPALIVE_S,
    maxInflight: config.ROADPULSE_MQTT_MAX_INFLIGHT,
    maxInflightBytes: config.ROADPULSE_MQTT_MAX_INFLIGHT_BYTES,
    drainTimeoutMs: config.ROADPULSE_MQTT_DRAIN_TIMEOUT_S * 1000,
  };
}

/** Limits aedes enforces itself. Its own level check (hard ceiling 100) runs before ours. */
export function aedesLimitOptions(limits: MqttLimits): Pick<AedesOptions, 'connectTimeout' | 'drainTimeout' | 'maxTopicLevels'> {
  return { connectTimeout: limits.connectTimeoutMs, drainTimeout: limits.drainTimeoutMs, maxTopicLevels: 100 };
}

export const LIMIT_REASONS = [
  'packet_too_large',
  'malformed',
  'topic_too_long',
  'topic_levels',
  'connections_total',
  'connections_per_address',
  'connect_timeout',
  'keepalive_timeout',
  'drain_timeout',
  'queue_limit',
  'inflight_qos2',
] as const;
export type LimitReason = (typeof LIMIT_REASONS)[number];

/** What the listeners call for each new connection. */
export interface BrokerAdmission {
  /** Takes a place for a new TCP connection, or destroys it (counted) and returns false. */
  admit(socket: Socket): boolean;
  /** Puts the packet-size and in-flight guard on the stream aedes will read (the socket, or a WebSocket stream). */
  guard(conn: Duplex): void;
}

/**
 * Wraps the broker's hooks (after whatever authentication or ACL set them) with the limits, and
 * counts every refusal in roadpulse_mqtt_limit_refusals_total{reason}:
 * - preConnect: keepalive 0 or above the maximum is clamped to it. MQTT 3.1.1 lets a server close a
 *   connection it finds inactive "at any time, regardless of the Keep Alive value" (§3.1.2.10), so
 *   a client that asked for none still gets closed after 1.5 × the maximum of silence;
 * - authorizePublish: topic too long or too deep → the connection is closed (3.1.1 cannot refuse
 *   one PUBLISH); the in-flight guard's pending count goes down when ingest answered;
 * - authorizeSubscribe: filter too long or too deep → SUBACK 0x80 for it [MQTT-3.9.3].
 */
export function applyBrokerLimits(broker: Aedes, limits: MqttLimits, deps: { metrics: Metrics; log: Logger }): BrokerAdmission {
  const { metrics } = deps;
  const log = deps.log.child({ component: 'mqtt-limits' });
  for (const reason of LIMIT_REASONS) metrics.mqttLimitRefusals.inc({ reason }, 0);
  const lastWarned = new Map<LimitReason, number>();
  const refused = (reason: LimitReason, detail: Record<string, unknown>): void => {
    metrics.mqttLimitRefusals.inc({ reason });
    // One warning per reason every 10 s: a flood of refusals must not become a flood of log lines.
    const now = Date.now();
    if (now - (lastWarned.get(reason) ?? 0) >= 10_000) {
      lastWarned.set(reason, now);
      log.warn({ reason, ...detail }, 'MQTT limit: connection or subscription refused (further ones for 10 s at debug level)');
    } else log.debug({ reason, ...detail }, 'MQTT limit: connection or subscription refused');
  };

  const preConnect = broker.preConnect;
  broker.preConnect = function limitedPreConnect(client, packet, callback) {
    const keepalive = packet.keepalive ?? 0;
    if (keepalive === 0 || keepalive > limits.maxKeepaliveS) {
      log.debug({ clientId: packet.clientId, keepalive, clampedTo: limits.maxKeepaliveS }, 'keepalive clamped');
      packet.keepalive = limits.maxKeepaliveS;
      metrics.mqttKeepaliveClamped.inc();
    }
    preConnect.call(broker, client, packet, callback);
  };

  const authorizePublish = broker.authorizePublish;
  broker.authorizePublish = function limitedAuthorizePublish(client, packet, callback) {
    const guard = readGuardOf(client?.conn);
    const refusal = topicRefusal(packet.topic, limits);
    if (refusal) {
      guard?.settled(remainingLength(packet));
      refused(refusal, { clientId: client?.id, topicBytes: Buffer.byteLength(packet.topic) });
      return callback(new LimitError('malformed', refusal));
    }
    if (!guard) return authorizePublish.call(broker, client, packet, callback);
    authorizePublish.call(broker, client, packet, (err) => {
      guard.settled(remainingLength(packet));
      callback(err);
    });
  };

  const authorizeSubscribe = broker.authorizeSubscribe;
  broker.authorizeSubscribe = function limitedAuthorizeSubscribe(client, subscription, callback) {
    const refusal = topicRefusal(subscription.topic, limits);
    if (refusal) {
      refused(refusal, { clientId: client.id, topicBytes: Buffer.byteLength(subscription.topic) });
      return callback(null, null);
    }
    authorizeSubscribe.call(broker, client, subscription, callback);
  };

  // aedes reports why it closed a connection only through these events; map its messages to reasons.
  // One count per connection: a drain timeout fails every write waiting on it, each with an error,
  // and a WebSocket frame the guard already cut is refused again by ws.
  const counted = new WeakSet<object>();
  const onError = (client: { id?: string | null; conn?: object } | null, err: Error): void => {
    const reason = reasonOf(err);
    const conn = client?.conn;
    if (!reason || (conn && counted.has(conn))) return;
    if (conn) counted.add(conn);
    refused(reason, { clientId: client?.id ?? null, err: err.message });
  };
  broker.on('clientError', onError);
  broker.on('connectionError', onError);

  const limiter = new ConnectionLimiter({ total: limits.maxConnections, perAddress: limits.maxConnectionsPerAddress });
  return {
    admit(socket) {
      const address = addressKey(socket.remoteAddress);
      const refusal = limiter.admit(address);
      if (refusal) {
        refused(refusal, { address, open: limiter.size });
        socket.destroy();
        return false;
      }
      metrics.mqttConnections.set(limiter.size);
      socket.once('close', () => {
        limiter.release(address);
        metrics.mqttConnections.set(limiter.size);
      });
      return true;
    },
    guard(conn) {
      guardReads(conn, {
        maxPacketBytes: limits.maxPacketBytes,
        maxInflight: limits.maxInflight,
        maxInflightBytes: limits.maxInflightBytes,
        onViolation: (violation, declaredBytes) => {
          counted.add(conn);
          refused(violation, { declaredBytes, maxPacketBytes: limits.maxPacketBytes });
        },
        onPushback: () => metrics.mqttInflightPushbacks.inc(),
      });
    },
  };
}

/** Remaining Length of a 3.1.1 PUBLISH [MQTT-3.3.2]: topic (2 + bytes), packet id at QoS > 0, payload. */
function remainingLength(packet: { topic: string; qos: number; payload: Buffer | string }): number {
  const payload = typeof packet.payload === 'string' ? Buffer.byteLength(packet.payload) : packet.payload.length;
  return 2 + Buffer.byteLength(packet.topic) + (packet.qos > 0 ? 2 : 0) + payload;
}

/** A topic name or filter over the length or level limit. */
export function topicRefusal(topic: string, limits: Pick<MqttLimits, 'maxTopicBytes' | 'maxTopicLevels'>): 'topic_too_long' | 'topic_levels' | null {
  // UTF-8 takes 1–3 bytes per UTF-16 unit: count bytes only when the length alone cannot decide.
  if (topic.length > limits.maxTopicBytes) return 'topic_too_long';
  if (topic.length * 3 > limits.maxTopicBytes && Buffer.byteLength(topic) > limits.maxTopicBytes) return 'topic_too_long';
  let levels = 1;
  for (let i = 0; i < topic.length; i++) if (topic.charCodeAt(i) === 47) levels++; // '/'
  return levels > limits.maxTopicLevels ? 'topic_levels' : null;
}

/** The reason behind an error aedes closed a connection with, or null when it is not a limit or malformed input. */
function reasonOf(err: Error): LimitReason | null {
  if (err instanceof LimitError) return null; // counted where it was raised
  const code = (err as NodeJS.ErrnoException).code;
  // ws refuses a frame over maxPayload from its header, before buffering it; other WS_ERR_ are broken frames.
  if (code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') return 'packet_too_large';
  if (code?.startsWith('WS_ERR_')) return 'malformed';
  if (code) return null; // a socket error (ECONNRESET, EPIPE, …)
  if ((err as Error & { errorCode?: number }).errorCode) return null; // a CONNACK refusal (authentication)
  const message = err.message;
  if (message === 'connect did not arrive in time') return 'connect_timeout';
  if (message === 'keep alive timeout') return 'keepalive_timeout';
  if (message === 'drain timeout') return 'drain_timeout';
  if (message === 'topic has too many levels') return 'topic_levels';
  if (message === 'Client queue limit reached') return 'queue_limit';
  if (message.startsWith('maxInflightInbound exceeded')) return 'inflight_qos2';
  if (message === 'connection closed') return null;
  return 'malformed'; // mqtt-packet's parser errors, and aedes' protocol checks (wildcards in PUBLISH, …)
}

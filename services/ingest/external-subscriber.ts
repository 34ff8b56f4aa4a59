import { connect, type Socket } from 'node:net';
import mqttPacket, { type IPublishPacket, type Packet } from 'mqtt-packet';
import type { Logger } from '../../shared/logging/create-logger.ts';
import type { IngestService } from './ingest-service.ts';

const KEEPALIVE_S = 30;
const SESSION_EXPIRY_S = 24 * 3600;
/** MQTT 5 Receive Maximum: how many unacknowledged QoS 1 messages the broker may send us. */
const RECEIVE_MAXIMUM = 1000;

interface PendingAck {
  messageId: number;
  handled: Promise<void>;
}

/**
 * One MQTT 5 connection to an external broker (Mosquitto, EMQX, HiveMQ) as a member of a shared
 * subscription group, with a persistent session.
 *
 * mqtt.js handles incoming messages one at a time when acks are deferred (customHandleAcks), which
 * would cap a connection at one bus round trip per message; this connection instead hands every
 * message to ingest at once and sends the PUBACKs in arrival order [MQTT-4.6.0-2] as the bus
 * accepts them. If the bus refuses one, the socket is dropped without acknowledging it or anything
 * after it; the broker re-delivers them to the session on reconnect (at-least-once; the store is
 * idempotent, so a redelivered reading is stored once).
 */
export class SharedSubscriberConnection {
  private socket: Socket | null = null;
  private acks: PendingAck[] = [];
  private draining = false;
  private stopping = false;
  private pingTimer: NodeJS.Timeout | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private backoffMs = 500;
  private connected: () => void = () => undefined;
  readonly ready: Promise<void>;

  constructor(
    private readonly args: { ingest: IngestService; url: URL; clientId: string; topics: string[]; log: Logger },
  ) {
    this.ready = new Promise((resolve) => (this.connected = resolve));
    this.open();
  }

  private open(): void {
    const { url, clientId, log } = this.args;
    const socket = connect({ host: url.hostname, port: Number(url.port || 1883) });
    this.socket = socket;
    const parser = mqttPacket.parser({ protocolVersion: 5 });
    parser.on('packet', (packet: Packet) => this.onPacket(packet));
    parser.on('error', (err) => this.drop(err));
    socket.on('data', (chunk) => parser.parse(chunk));
    socket.on('error', (err) => this.drop(err));
    socket.on('close', () => this.onClose(socket));
    socket.on('connect', () => {
      socket.setNoDelay(true);
      this.send({
        cmd: 'connect',
        protocolId: 'MQTT',
        protocolVersion: 5,
        clientId,
        clean: false, // keep the session: unacknowledged messages are re-delivered after a reconnect
        keepalive: KEEPALIVE_S,
        properties: { sessionExpiryInterval: SESSION_EXPIRY_S, receiveMaximum: RECEIVE_MAXIMUM },
        ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
        ...(url.password ? { password: Buffer.from(decodeURIComponent(url.password)) } : {}),
      });
    });
    log.debug({ clientId }, 'connecting to external broker');
  }

  private onPacket(packet: Packet): void {
    switch (packet.cmd) {
      case 'connack':
        if (packet.reasonCode) return this.drop(new Error(`broker refused the connection (reason ${packet.reasonCode})`));
        this.backoffMs = 500;
        this.send({
          cmd: 'subscribe',
          messageId: 1,
          subscriptions: this.args.topics.map((topic) => ({ topic, qos: 1 as const })),
        });
        break;
      case 'suback':
        // MQTT 5 SUBACK reason codes: 0–2 are the granted QoS, 0x80 and above are failures.
        if ((packet.granted as number[]).some((code) => code >= 0x80)) {
          return this.drop(new Error(`broker refused the subscription: ${JSON.stringify(packet.granted)}`));
        }
        this.pingTimer = setInterval(() => this.send({ cmd: 'pingreq' }), (KEEPALIVE_S * 1000) / 2);
        this.args.log.info({ clientId: this.args.clientId, topics: this.args.topics }, 'subscribed to external broker');
        this.connected();
        break;
      case 'publish':
        this.onPublish(packet);
        break;
      case 'disconnect':
        this.drop(new Error(`broker disconnected us (reason ${packet.reasonCode ?? 0})`));
        break;
      default:
        break;
    }
  }

  private onPublish(packet: IPublishPacket): void {
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
    const handled = this.args.ingest.handle({ topic: packet.topic, payload, clientId: null });
    if (packet.qos === 0 || packet.messageId === undefined) {
      handled.catch((err: unknown) => this.args.log.warn({ err }, 'QoS 0 message lost: the bus did not accept it'));
      return;
    }
    this.acks.push({ messageId: packet.messageId, handled });
    void this.drainAcks();
  }

  /** Sends PUBACKs in arrival order, each once its message is on the bus. */
  private async drainAcks(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.acks.length > 0) {
        const head = this.acks[0]!;
        try {
          await head.handled;
        } catch (err) {
          this.drop(err as Error);
          return;
        }
        this.acks.shift();
        this.send({ cmd: 'puback', messageId: head.messageId, reasonCode: 0 });
      }
    } finally {
      this.draining = false;
    }
  }

  private send(packet: Packet): void {
    this.socket?.write(mqttPacket.generate(packet, { protocolVersion: 5 }));
  }

  /** Drops the connection without acknowledging anything pending; the broker keeps those for us. */
  private drop(err: Error): void {
    if (!this.stopping) this.args.log.warn({ err: err.message, clientId: this.args.clientId }, 'external broker connection dropped');
    this.acks = [];
    this.socket?.destroy();
  }

  private onClose(socket: Socket): void {
    if (socket !== this.socket) return;
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.acks = [];
    if (this.stopping) return;
    this.reconnectTimer = setTimeout(() => this.open(), this.backoffMs);
    this.backoffMs = Math.min(this.backoffMs * 2, 10_000);
  }

  /** Finishes acknowledging what is in hand, then disconnects; the session stays at the broker. */
  async close(): Promise<void> {
    this.stopping = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.socket?.pause();
    await Promise.allSettled(this.acks.map((a) => a.handled));
    await this.drainAcks();
    this.send({ cmd: 'disconnect', reasonCode: 0 });
    this.socket?.end();
    if (this.pingTimer) clearInterval(this.pingTimer);
  }
}

/** Opens `connections` members of the shared group `$share/{group}/…` for telemetry and status. */
export async function startExternalSubscriber(args: {
  ingest: IngestService;
  url: string;
  group: string;
  clientIdBase: string;
  connections: number;
  log: Logger;
}): Promise<{ close(): Promise<void> }> {
  const log = args.log.child({ component: 'external-subscriber' });
  const topics = [`$share/${args.group}/traffic/v1/+/telemetry`, `$share/${args.group}/traffic/v1/+/status`];
  const members = Array.from(
    { length: args.connections },
    (_, i) =>
      new SharedSubscriberConnection({ ingest: args.ingest, url: new URL(args.url), clientId: `${args.clientIdBase}-${i}`, topics, log }),
  );
  await Promise.all(members.map((m) => m.ready));
  return { close: async () => void (await Promise.all(members.map((m) => m.close()))) };
}

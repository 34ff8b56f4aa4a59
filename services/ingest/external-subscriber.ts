import { connect, type Socket } from 'node:net';
import mqttPacket, { type IPublishPacket, type Packet } from 'mqtt-packet';
import type { Logger } from '../../shared/logging/create-logger.ts';
import type { IngestService } from './ingest-service.ts';

const KEEPALIVE_S = 30;
const SESSION_EXPIRY_S = 24 * 3600;
/** MQTT 5 Receive Maximum: how many unacknowledged QoS 1 messages the broker may send us. */
const RECEIVE_MAXIMUM = 1000;
const START_TIMEOUT_MS = 30_000;

interface PendingAck {
  messageId: number;
  handled: Promise<void>;
}

/** One TCP connection's state: PUBACKs belong to the connection that received the PUBLISH. */
interface Link {
  socket: Socket;
  acks: PendingAck[];
  draining: boolean;
  dead: boolean;
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
  private link: Link | null = null;
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
    const link: Link = { socket, acks: [], draining: false, dead: false };
    this.link = link;
    const parser = mqttPacket.parser({ protocolVersion: 5 });
    parser.on('packet', (packet: Packet) => this.onPacket(link, packet));
    parser.on('error', (err) => this.drop(link, err));
    socket.on('data', (chunk) => parser.parse(chunk));
    socket.on('error', (err) => this.drop(link, err));
    socket.on('close', () => this.onClose(link));
    socket.on('connect', () => {
      socket.setNoDelay(true);
      send(link, {
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

  private onPacket(link: Link, packet: Packet): void {
    switch (packet.cmd) {
      case 'connack':
        if (packet.reasonCode) return this.drop(link, new Error(`broker refused the connection (reason ${packet.reasonCode})`));
        this.backoffMs = 500;
        send(link, {
          cmd: 'subscribe',
          messageId: 1,
          subscriptions: this.args.topics.map((topic) => ({ topic, qos: 1 as const })),
        });
        break;
      case 'suback':
        // MQTT 5 SUBACK reason codes: 0–2 are the granted QoS, 0x80 and above are failures.
        if ((packet.granted as number[]).some((code) => code >= 0x80)) {
          return this.drop(link, new Error(`broker refused the subscription: ${JSON.stringify(packet.granted)}`));
        }
        this.pingTimer = setInterval(() => send(link, { cmd: 'pingreq' }), (KEEPALIVE_S * 1000) / 2);
        this.args.log.info({ clientId: this.args.clientId, topics: this.args.topics }, 'subscribed to external broker');
        this.connected();
        break;
      case 'publish':
        this.onPublish(link, packet);
        break;
      case 'disconnect':
        this.drop(link, new Error(`broker disconnected us (reason ${packet.reasonCode ?? 0})`));
        break;
      default:
        break;
    }
  }

  private onPublish(link: Link, packet: IPublishPacket): void {
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
    // Subscribed to ingest topics only; anything else (null) has nothing to wait for.
    const handled = this.args.ingest.handle({ topic: packet.topic, payload, clientId: null }) ?? Promise.resolve();
    if (packet.qos === 0 || packet.messageId === undefined) {
      handled.catch((err: unknown) => this.args.log.warn({ err }, 'QoS 0 message lost: the bus did not accept it'));
      return;
    }
    // Only the head of the queue is awaited; the others must not become unhandled rejections when a
    // failure drops the connection and the queue with it (they are re-delivered anyway).
    handled.catch(() => undefined);
    link.acks.push({ messageId: packet.messageId, handled });
    void this.drainAcks(link);
  }

  /**
   * Sends a connection's PUBACKs in arrival order, each once its message is on the bus. A message
   * that reaches the bus after its connection died is never acknowledged on a newer one: packet ids
   * belong to a connection, and the broker re-delivers it to the session anyway.
   */
  private async drainAcks(link: Link): Promise<void> {
    if (link.draining) return;
    link.draining = true;
    try {
      while (link.acks.length > 0 && !link.dead) {
        const head = link.acks[0]!;
        try {
          await head.handled;
        } catch (err) {
          this.drop(link, err as Error);
          return;
        }
        if (link.dead) return;
        link.acks.shift();
        send(link, { cmd: 'puback', messageId: head.messageId, reasonCode: 0 });
      }
    } finally {
      link.draining = false;
    }
  }

  /** Drops the connection without acknowledging anything pending; the broker keeps those for us. */
  private drop(link: Link, err: Error): void {
    if (link.dead) return;
    if (!this.stopping) this.args.log.warn({ err: err.message, clientId: this.args.clientId }, 'external broker connection dropped');
    link.dead = true;
    link.acks = [];
    link.socket.destroy();
  }

  private onClose(link: Link): void {
    link.dead = true;
    link.acks = [];
    if (link !== this.link) return;
    if (this.pingTimer) clearInterval(this.pingTimer);
    if (this.stopping) return;
    this.reconnectTimer = setTimeout(() => this.open(), this.backoffMs);
    this.backoffMs = Math.min(this.backoffMs * 2, 10_000);
  }

  /** Finishes acknowledging what is in hand, then disconnects; the session stays at the broker. */
  async close(): Promise<void> {
    this.stopping = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.pingTimer) clearInterval(this.pingTimer);
    const link = this.link;
    if (!link || link.dead) return;
    link.socket.pause();
    await Promise.allSettled(link.acks.map((a) => a.handled));
    await this.drainAcks(link);
    send(link, { cmd: 'disconnect', reasonCode: 0 });
    link.socket.end();
  }
}

function send(link: Link, packet: Packet): void {
  if (!link.dead) link.socket.write(mqttPacket.generate(packet, { protocolVersion: 5 }));
}

/** Opens `connections` members of the shared group `$share/{group}/…` for telemetry, status and NGSI. */
export async function startExternalSubscriber(args: {
  ingest: IngestService;
  url: string;
  group: string;
  clientIdBase: string;
  connections: number;
  log: Logger;
}): Promise<{ close(): Promise<void> }> {
  const log = args.log.child({ component: 'external-subscriber' });
  const topics = ['telemetry', 'status', 'ngsi'].map((kind) => `$share/${args.group}/traffic/v1/+/${kind}`);
  const members = Array.from(
    { length: args.connections },
    (_, i) =>
      new SharedSubscriberConnection({ ingest: args.ingest, url: new URL(args.url), clientId: `${args.clientIdBase}-${i}`, topics, log }),
  );
  const close = async (): Promise<void> => void (await Promise.all(members.map((m) => m.close())));
  // Each member keeps reconnecting on its own; start-up, though, must not hang on a wrong URL.
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`external MQTT broker ${args.url} not subscribed within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
  });
  try {
    await Promise.race([Promise.all(members.map((m) => m.ready)), timedOut]);
  } catch (err) {
    await close();
    throw err;
  } finally {
    clearTimeout(timer);
  }
  return { close };
}

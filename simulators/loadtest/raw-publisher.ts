import { connect, type Socket } from 'node:net';
import mqttPacket from 'mqtt-packet';

/**
 * A lean MQTT 3.1.1 publisher on a raw socket (mqtt-packet for the framing). mqtt.js costs
 * several times more CPU per message, and on a 2-core machine the load generator competes with
 * the system under test, so the load test uses this to leave the CPU to the pipeline.
 * QoS 1 publishes are matched to their PUBACK by message id; QoS 0 ones are fire-and-forget.
 */
export class RawPublisher {
  private nextId = 1;
  private readonly pending = new Map<number, (ackAt: bigint) => void>();
  private connackResolve: (() => void) | null = null;
  private closedReason: string | null = null;

  private constructor(private readonly socket: Socket) {
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    parser.on('packet', (packet) => {
      if (packet.cmd === 'puback' && packet.messageId !== undefined) {
        const done = this.pending.get(packet.messageId);
        this.pending.delete(packet.messageId);
        done?.(process.hrtime.bigint());
      } else if (packet.cmd === 'connack') {
        this.connackResolve?.();
      }
    });
    socket.on('data', (chunk) => parser.parse(chunk));
    socket.on('error', (err) => (this.closedReason ??= err.message));
    socket.on('close', () => (this.closedReason ??= 'connection closed'));
    socket.setNoDelay(true);
  }

  static async connect(host: string, port: number, clientId: string): Promise<RawPublisher> {
    const socket = connect({ host, port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const pub = new RawPublisher(socket);
    const connacked = new Promise<void>((resolve, reject) => {
      pub.connackResolve = resolve;
      socket.once('close', () => reject(new Error(`${host}:${port} closed the connection before CONNACK`)));
    });
    socket.write(mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId, keepalive: 60 }));
    await connacked;
    return pub;
  }

  get inFlight(): number {
    return this.pending.size;
  }

  /** Null while connected; why the connection ended otherwise (its in-flight messages will never be acknowledged). */
  get closed(): string | null {
    return this.closedReason;
  }

  /** QoS 1 publish; `onAck` gets the hrtime of the PUBACK. */
  publish(topic: string, payload: Buffer, onAck: (ackAt: bigint) => void): void {
    const messageId = this.nextId;
    this.nextId = this.nextId === 65535 ? 1 : this.nextId + 1;
    this.pending.set(messageId, onAck);
    this.socket.write(mqttPacket.generate({ cmd: 'publish', topic, payload, qos: 1, messageId, retain: false, dup: false }));
  }

  /** QoS 0 publish: nothing comes back. */
  publishQos0(topic: string, payload: Buffer): void {
    this.socket.write(mqttPacket.generate({ cmd: 'publish', topic, payload, qos: 0, retain: false, dup: false }));
  }

  close(): void {
    this.socket.end(mqttPacket.generate({ cmd: 'disconnect' }));
  }
}

import { connect, type Socket } from 'node:net';
import mqttPacket from 'mqtt-packet';
import { CONNACK, encodePublish, FrameReader, PUBACK } from './mqtt-frames.ts';

/**
 * A lean MQTT 3.1.1 publisher on a raw socket. mqtt.js costs several times more CPU per message,
 * and on a 2-core machine the load generator competes with the system under test, so the load
 * test uses this to leave the CPU to the pipeline: frames are encoded by hand, everything published
 * in one turn of the event loop goes out in one socket write, and QoS 1 publishes are matched to
 * their PUBACK through a table indexed by message id. QoS 0 publishes are fire-and-forget.
 */
export class RawPublisher {
  private nextId = 1;
  private pendingCount = 0;
  /**
   * onAck by message id. Ids cycle through 1..pending.length − 1: a table sized to the window
   * rather than to all 65535 ids (512 KiB each), since a load test may open thousands of connections.
   */
  private readonly pending: (((ackAt: bigint) => void) | undefined)[];
  private queued: Buffer[] = [];
  private connackResolve: ((refusal: string | null) => void) | null = null;
  private closedReason: string | null = null;
  /** When the chunk being read arrived. */
  private ackAt = 0n;
  private acksInChunk = 0;
  private afterAcks: (() => void) | null = null;

  private constructor(
    private readonly socket: Socket,
    maxInFlight: number,
  ) {
    this.pending = new Array<undefined>(Math.min(65536, 2 ** Math.ceil(Math.log2(maxInFlight + 1)))).fill(undefined);
    const reader = new FrameReader((type, body) => this.onFrame(type, body));
    socket.on('data', (chunk: Buffer) => {
      this.ackAt = process.hrtime.bigint(); // one clock read per chunk: its PUBACKs arrived together
      this.acksInChunk = 0;
      try {
        reader.push(chunk);
      } catch (err) {
        socket.destroy(err as Error);
      }
      if (this.acksInChunk > 0) this.afterAcks?.();
    });
    socket.on('error', (err) => (this.closedReason ??= err.message));
    socket.on('close', () => (this.closedReason ??= 'connection closed'));
    socket.setNoDelay(true);
  }

  private onFrame(type: number, body: Buffer): void {
    if (type === PUBACK && body.length >= 2) {
      const id = (body[0]! << 8) | body[1]!;
      const done = id < this.pending.length ? this.pending[id] : undefined;
      if (!done) return; // a PUBACK for nothing in flight: not ours to count
      this.pending[id] = undefined;
      this.pendingCount--;
      this.acksInChunk++;
      done(this.ackAt);
    } else if (type === CONNACK) {
      const code = body[1] ?? 255;
      this.connackResolve?.(code === 0 ? null : `CONNACK refused the connection (return code ${code})`);
    }
  }

  /** `maxInFlight`: the most QoS 1 publishes that will await their PUBACK at once (the window). */
  static async connect(host: string, port: number, clientId: string, maxInFlight = 65535, auth?: { username: string; password: string }): Promise<RawPublisher> {
    const socket = connect({ host, port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const pub = new RawPublisher(socket, maxInFlight);
    const refusal = await new Promise<string | null>((resolve, reject) => {
      pub.connackResolve = resolve;
      socket.once('close', () => reject(new Error(`${host}:${port} closed the connection before CONNACK`)));
      // keepalive 0: no PINGREQs to send, and no broker drops a connection idle between slow paced messages.
      const credentials = auth ? { username: auth.username, password: Buffer.from(auth.password) } : {};
      socket.write(mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId, keepalive: 0, ...credentials }));
    });
    if (refusal) {
      socket.destroy();
      throw new Error(`${host}:${port}: ${refusal}`);
    }
    return pub;
  }

  /**
   * Called once after each chunk read that held PUBACKs, after their onAck callbacks: the place to
   * refill the window. Refilling from each onAck wrote one message per socket write, which cost a
   * load generator a third of its CPU and the broker a read per message.
   */
  onAcksRead(listener: () => void): void {
    this.afterAcks = listener;
  }

  get inFlight(): number {
    return this.pendingCount;
  }

  /** Null while connected; why the connection ended otherwise (its in-flight messages will never be acknowledged). */
  get closed(): string | null {
    return this.closedReason;
  }

  /** QoS 1 publish; `onAck` gets the hrtime of the PUBACK. At most `maxInFlight` may await theirs. */
  publish(topic: string, payload: Buffer, onAck: (ackAt: bigint) => void): void {
    const lastId = this.pending.length - 1;
    if (this.pendingCount >= lastId) throw new Error(`${lastId} QoS 1 messages already in flight`);
    while (this.pending[this.nextId]) this.nextId = this.nextId === lastId ? 1 : this.nextId + 1;
    const messageId = this.nextId;
    this.nextId = messageId === lastId ? 1 : messageId + 1;
    this.pending[messageId] = onAck;
    this.pendingCount++;
    this.send(encodePublish(topic, payload, 1, messageId));
  }

  /** QoS 0 publish: nothing comes back. */
  publishQos0(topic: string, payload: Buffer): void {
    this.send(encodePublish(topic, payload, 0, 0));
  }

  close(): void {
    this.flush();
    this.socket.end(mqttPacket.generate({ cmd: 'disconnect' }));
  }

  private send(frame: Buffer): void {
    if (this.queued.length === 0) queueMicrotask(() => this.flush());
    this.queued.push(frame);
  }

  /** Writes what was published since the last write (otherwise done at the end of the current job). */
  flush(): void {
    if (this.queued.length === 0) return;
    const frames = this.queued;
    this.queued = [];
    if (!this.socket.destroyed) this.socket.write(frames.length === 1 ? frames[0]! : Buffer.concat(frames));
  }
}

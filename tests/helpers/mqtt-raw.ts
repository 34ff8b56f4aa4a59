import { connect as netConnect } from 'node:net';
import mqttPacket, { type Packet } from 'mqtt-packet';

export interface ConnackResult {
  returnCode: number;
  sessionPresent: boolean;
  /** Whether the broker closed the socket within a moment of the CONNACK. */
  closedByBroker: boolean;
}

export interface RawConnect {
  clientId: string;
  clean: boolean;
  username?: string;
  password?: string;
  keepalive?: number;
  will?: { topic: string; payload: string; qos?: 0 | 1 | 2; retain?: boolean };
  /** Protocol name; anything but "MQTT" is a protocol violation [MQTT-3.1.2-1]. */
  protocolName?: string;
}

const mqttString = (text: string): Buffer => {
  const bytes = Buffer.from(text, 'utf8');
  const length = Buffer.alloc(2);
  length.writeUInt16BE(bytes.length);
  return Buffer.concat([length, bytes]);
};

/** An MQTT 3.1.1 CONNECT, built by hand: mqtt-packet refuses to generate an empty client id without clean session. */
export function connectFrame(c: RawConnect): Buffer {
  const will = c.will ? 0x04 | ((c.will.qos ?? 0) << 3) | (c.will.retain ? 0x20 : 0) : 0;
  const flags = (c.username !== undefined ? 0x80 : 0) | (c.password !== undefined ? 0x40 : 0) | will | (c.clean ? 0x02 : 0);
  const keepalive = Buffer.alloc(2);
  keepalive.writeUInt16BE(c.keepalive ?? 0);
  const body = Buffer.concat([
    mqttString(c.protocolName ?? 'MQTT'),
    Buffer.from([4, flags]), // protocol level 4 = 3.1.1
    keepalive,
    mqttString(c.clientId),
    ...(c.will ? [mqttString(c.will.topic), mqttString(c.will.payload)] : []),
    ...(c.username !== undefined ? [mqttString(c.username)] : []),
    ...(c.password !== undefined ? [mqttString(c.password)] : []),
  ]);
  if (body.length > 127) throw new Error('connectFrame: keep it under 128 bytes (one-byte remaining length)');
  return Buffer.concat([Buffer.from([0x10, body.length]), body]);
}

/**
 * Sends one CONNECT on a raw TCP socket (no client library in between, so nothing "fixes" what
 * is sent, e.g. an empty client id with a persistent session) and returns the CONNACK.
 */
export function rawConnect(port: number, connect: RawConnect, timeoutMs = 5_000): Promise<ConnackResult> {
  return new Promise((resolve, reject) => {
    const socket = netConnect(port, '127.0.0.1');
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    let connack: { returnCode: number; sessionPresent: boolean } | null = null;
    const timer = setTimeout(() => finish(new Error(`no CONNACK after ${timeoutMs} ms`)), timeoutMs);
    let closeTimer: NodeJS.Timeout | undefined;
    const finish = (err: Error | null, closed = false): void => {
      clearTimeout(timer);
      clearTimeout(closeTimer);
      socket.destroy();
      if (err) reject(err);
      else resolve({ ...connack!, closedByBroker: closed });
    };
    parser.on('packet', (packet) => {
      if (packet.cmd !== 'connack') return finish(new Error(`expected CONNACK, got ${packet.cmd}`));
      connack = { returnCode: packet.returnCode ?? -1, sessionPresent: packet.sessionPresent };
      // Give the broker a moment to close the connection after a refusal [MQTT-3.2.2-5].
      closeTimer = setTimeout(() => finish(null, false), 300);
    });
    socket.on('data', (chunk) => parser.parse(chunk));
    socket.on('close', () => (connack ? finish(null, true) : finish(new Error('closed before CONNACK'))));
    socket.on('error', () => undefined);
    socket.on('connect', () => socket.write(connectFrame(connect)));
  });
}

export interface RawSession {
  /** Packets the broker sent, parsed. */
  packets: Packet[];
  /** Resolves when the broker (or we) closed the socket. */
  closed: Promise<void>;
  send(frame: Buffer): void;
  /** Drops the TCP connection without DISCONNECT (a dying device). */
  destroy(): void;
}

/** A raw TCP session: frames go out as given, every packet that comes back is kept. */
export async function rawSession(port: number): Promise<RawSession> {
  const socket = netConnect(port, '127.0.0.1');
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  const packets: Packet[] = [];
  parser.on('packet', (p) => packets.push(p));
  socket.on('data', (chunk) => parser.parse(chunk));
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  return { packets, closed, send: (frame) => socket.write(frame), destroy: () => socket.destroy() };
}

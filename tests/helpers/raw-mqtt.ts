import { readFileSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import mqttPacket, { type Packet } from 'mqtt-packet';

/** A plain TCP socket to the broker, for bytes no MQTT client library would send. */
export interface RawClient {
  socket: Socket;
  /** Packets the broker sent so far. */
  received: Packet[];
  /** Resolves when the socket has closed (whoever closed it). */
  closed: Promise<void>;
  /** Date.now() at connect and at close (null while open). */
  connectedAt: number;
  closedAt(): number | null;
  isClosed(): boolean;
  send(packet: Parameters<typeof mqttPacket.generate>[0]): void;
  /** Resolves with the first received packet of that kind (waiting for it). */
  next(cmd: Packet['cmd'], timeoutMs?: number): Promise<Packet>;
}

export function rawConnect(port: number, options: { localAddress?: string; host?: string } = {}): Promise<RawClient> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ port, host: options.host ?? '127.0.0.1', ...(options.localAddress ? { localAddress: options.localAddress } : {}) });
    const received: Packet[] = [];
    const parser = mqttPacket.parser();
    const waiters: { cmd: Packet['cmd']; resolve: (p: Packet) => void }[] = [];
    parser.on('packet', (packet: Packet) => {
      received.push(packet);
      const i = waiters.findIndex((w) => w.cmd === packet.cmd);
      if (i >= 0) waiters.splice(i, 1)[0]!.resolve(packet);
    });
    parser.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => parser.parse(chunk));
    socket.on('error', () => undefined); // EPIPE / ECONNRESET once the broker cut us: expected here
    let isClosed = false;
    let closedAt: number | null = null;
    const closed = new Promise<void>((done) =>
      socket.once('close', () => {
        isClosed = true;
        closedAt = Date.now();
        done();
      }),
    );
    socket.once('connect', () =>
      resolve({
        socket,
        received,
        closed,
        connectedAt: Date.now(),
        closedAt: () => closedAt,
        isClosed: () => isClosed,
        send: (packet) => socket.write(mqttPacket.generate(packet)),
        next(cmd, timeoutMs = 5_000) {
          const have = received.find((p) => p.cmd === cmd);
          if (have) return Promise.resolve(have);
          return new Promise<Packet>((res, rej) => {
            const timer = setTimeout(() => rej(new Error(`no ${cmd} within ${timeoutMs} ms`)), timeoutMs);
            waiters.push({ cmd, resolve: (p) => (clearTimeout(timer), res(p)) });
          });
        },
      }),
    );
    socket.once('error', reject);
  });
}

/** A raw client that completed CONNECT (CONNACK 0). */
export async function rawMqttClient(port: number, clientId: string, options: { localAddress?: string } = {}): Promise<RawClient> {
  const client = await rawConnect(port, options);
  client.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId, clean: true, keepalive: 60 });
  const connack = await client.next('connack');
  if ((connack as { returnCode?: number }).returnCode !== 0) throw new Error(`CONNACK ${JSON.stringify(connack)}`);
  return client;
}

/** Resolves true when the promise settles within ms, false otherwise. */
export function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    void promise.then(() => (clearTimeout(timer), resolve(true)));
  });
}

/** Resident set size of a process in MiB (Linux /proc). */
export function rssMiB(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  if (!kb) throw new Error(`no VmRSS for ${pid}`);
  return Number(kb) / 1024;
}

import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import mqttPacket, { type Packet } from 'mqtt-packet';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../shared/logging/create-logger.ts';
import { createMetrics } from '../../shared/metrics/metrics.ts';
import { loadRoadNetwork } from '../../shared/network/load-network.ts';
import type { Bus, BusMessage, Subscription } from '../../shared/ports/bus.ts';
import { SharedSubscriberConnection } from '../../services/ingest/external-subscriber.ts';
import { IngestService } from '../../services/ingest/ingest-service.ts';
import { sleep } from '../helpers/distributed.ts';
import { reading } from '../helpers/readings.ts';
import { waitFor } from '../helpers/wait.ts';

/*
 * Issue 3, faults, external broker mode: the connection to the broker drops while a message is still
 * on its way to the bus (Kafka slow or restarting). DESIGN §2: a QoS 1 PUBACK leaves only once the
 * bus took *that* message. A scripted MQTT 5 broker (mqtt-packet over TCP) stands in for Mosquitto
 * so the interleaving is exact, and a bus whose publishes the test settles stands in for Kafka.
 */

interface Deferred {
  messages: BusMessage[];
  settled: boolean;
  resolve(): void;
  reject(err: Error): void;
}

/** A Bus whose publishes stay pending until the test settles them. */
class HeldBus implements Bus {
  readonly publishes: Deferred[] = [];
  publish(_topic: string, messages: BusMessage[]): Promise<void> {
    return new Promise((resolve, reject) => {
      const d: Deferred = {
        messages,
        settled: false,
        resolve: () => ((d.settled = true), resolve()),
        reject: (err) => ((d.settled = true), reject(err)),
      };
      this.publishes.push(d);
    });
  }
  consume(): Promise<Subscription> {
    throw new Error('not used');
  }
  async ping(): Promise<void> {}
  async close(): Promise<void> {}
}

interface BrokerConnection {
  socket: Socket;
  packets: Packet[];
  onPacket?: (packet: Packet) => void;
}

/** Answers CONNECT (no session present: a broker that lost its state) and SUBSCRIBE; the test sends the PUBLISHes. */
async function scriptedBroker(): Promise<{ server: Server; port: number; connections: BrokerConnection[] }> {
  const connections: BrokerConnection[] = [];
  const server = createServer((socket) => {
    const conn: BrokerConnection = { socket, packets: [] };
    connections.push(conn);
    const parser = mqttPacket.parser({ protocolVersion: 5 });
    parser.on('packet', (packet: Packet) => {
      conn.packets.push(packet);
      conn.onPacket?.(packet);
      if (packet.cmd === 'connect') send(socket, { cmd: 'connack', sessionPresent: false, reasonCode: 0 });
      if (packet.cmd === 'subscribe') {
        send(socket, { cmd: 'suback', messageId: packet.messageId, granted: packet.subscriptions.map(() => 1) });
      }
    });
    socket.on('data', (chunk) => parser.parse(chunk));
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, connections };
}

function send(socket: Socket, packet: Packet): void {
  socket.write(mqttPacket.generate(packet, { protocolVersion: 5 }));
}

function publishPacket(messageId: number, sensorId: string): Packet {
  return {
    cmd: 'publish',
    topic: `traffic/v1/${sensorId}/telemetry`,
    payload: Buffer.from(JSON.stringify(reading({ sensorId }))),
    qos: 1,
    messageId,
    dup: false,
    retain: false,
  };
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('fault: the external broker connection drops while a publish to the bus is pending', () => {
  it('when a message of the old connection reaches the bus after the reconnect, then no PUBACK goes out on the new connection for a message the bus has not accepted', async () => {
    const broker = await scriptedBroker();
    cleanups.push(() => new Promise<void>((resolve) => broker.server.close(() => resolve())));
    const bus = new HeldBus();
    const log = createLogger({ level: 'silent' });
    const ingest = new IngestService({
      bus,
      network: loadRoadNetwork(),
      log,
      metrics: createMetrics(),
      maxAgeMs: 7 * 24 * 3600_000,
      maxFutureMs: 300_000,
    });
    const subscriber = new SharedSubscriberConnection({
      ingest,
      url: new URL(`mqtt://127.0.0.1:${broker.port}`),
      clientId: 'fault-sub-0',
      topics: ['$share/g/traffic/v1/+/telemetry'],
      log,
    });
    cleanups.push(async () => {
      for (const p of bus.publishes) if (!p.settled) p.resolve();
      await subscriber.close();
      for (const c of broker.connections) c.socket.destroy();
    });
    await subscriber.ready;

    // Connection 1: message 1 (sensor A) goes to the bus, which does not answer yet; the connection drops.
    const first = broker.connections[0]!;
    send(first.socket, publishPacket(1, 'fault-a'));
    await waitFor(() => bus.publishes.length === 1, { timeoutMs: 5_000, what: 'A handed to the bus' });
    first.socket.destroy();

    // Connection 2 (the subscriber reconnects): the broker lost the session, so packet id 1 is a new
    // message (sensor B); its publish to the bus is pending too.
    const second = await waitFor(() => broker.connections[1], { timeoutMs: 10_000, what: 'the reconnect' });
    await waitFor(() => second.packets.some((p) => p.cmd === 'subscribe'), { timeoutMs: 5_000, what: 'resubscribed' });
    const pubacksOnSecond: { messageId: number | undefined; busHadB: boolean }[] = [];
    second.onPacket = (p) => {
      if (p.cmd === 'puback') pubacksOnSecond.push({ messageId: p.messageId, busHadB: bus.publishes[1]?.settled === true });
    };
    send(second.socket, publishPacket(1, 'fault-b'));
    await waitFor(() => bus.publishes.length === 2, { timeoutMs: 5_000, what: 'B handed to the bus' });

    // The bus now takes A (the old connection's message). Nothing on connection 2 is on the bus yet.
    bus.publishes[0]!.resolve();
    await sleep(300);
    // Then it takes B: now, and only now, PUBACK 1 may go out on connection 2.
    bus.publishes[1]!.resolve();
    await waitFor(() => pubacksOnSecond.length > 0, { timeoutMs: 5_000, what: 'a PUBACK on the second connection' });
    await sleep(100);
    expect(pubacksOnSecond).toEqual([{ messageId: 1, busHadB: true }]);
  });
});

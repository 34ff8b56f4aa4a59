import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RawPublisher } from '../../../simulators/loadtest/raw-publisher.ts';

describe('RawPublisher: refilling once per chunk of PUBACKs', () => {
  let server: Server | null = null;
  afterEach(() => server?.close());

  it('when three PUBACKs arrive in one chunk, then each onAck runs and then the onAcksRead listener runs once', async () => {
    let broker: Socket | null = null;
    server = createServer((socket) => {
      broker = socket;
      socket.once('data', () => socket.write(Buffer.from([0x20, 0x02, 0x00, 0x00]))); // CONNACK to the CONNECT
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const pub = await RawPublisher.connect('127.0.0.1', (server.address() as AddressInfo).port, 'gw-test', 8);
    const events: string[] = [];
    pub.onAcksRead(() => events.push(`refill (in flight ${pub.inFlight})`));

    for (const n of [1, 2, 3]) pub.publish('traffic/v1/s1/telemetry', Buffer.from(`{"n":${n}}`), () => events.push(`ack ${n}`));
    pub.flush();
    // Message ids 1, 2 and 3, acknowledged in one write.
    broker!.write(Buffer.from([0x40, 0x02, 0x00, 0x01, 0x40, 0x02, 0x00, 0x02, 0x40, 0x02, 0x00, 0x03]));
    for (let i = 0; i < 100 && events.length < 4; i++) await new Promise((r) => setTimeout(r, 10));

    expect(events).toEqual(['ack 1', 'ack 2', 'ack 3', 'refill (in flight 0)']);
    pub.close();
  });
});

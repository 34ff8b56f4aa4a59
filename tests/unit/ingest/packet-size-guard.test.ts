import fc from 'fast-check';
import mqttPacket from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { topicRefusal } from '../../../services/ingest/broker-limits.ts';
import { ConnectionLimiter } from '../../../services/ingest/connection-limits.ts';
import { MqttFrameScanner } from '../../../services/ingest/packet-size-guard.ts';

// The guard's scanner follows packet boundaries from the fixed headers alone [MQTT-2.2]; the real
// packets here come from mqtt-packet, the encoder mqtt.js uses.
const publish = (qos: 0 | 1, payloadBytes: number, messageId = 1): Buffer =>
  mqttPacket.generate({ cmd: 'publish', topic: 'traffic/v1/s-1/telemetry', payload: Buffer.alloc(payloadBytes, 0x61), qos, messageId, retain: false, dup: false });
const pingreq = (): Buffer => mqttPacket.generate({ cmd: 'pingreq' });

/** Feeds `stream` in the given chunk sizes; returns the scan results. */
function scanInChunks(scanner: MqttFrameScanner, stream: Buffer, sizes: number[], budget = Number.MAX_SAFE_INTEGER): { cuts: number[]; released: number; bytes: number } {
  const cuts: number[] = [];
  let released = 0;
  let bytes = 0;
  let at = 0;
  for (const size of [...sizes, stream.length]) {
    if (at >= stream.length) break;
    const chunk = stream.subarray(at, Math.min(stream.length, at + Math.max(1, size)));
    const cut = scanner.scan(chunk, budget);
    cuts.push(cut);
    if (cut < 0) break;
    released += scanner.released;
    bytes += scanner.releasedBytes;
    at += cut;
  }
  return { cuts, released, bytes };
}

describe('MqttFrameScanner', () => {
  it('when well-formed packets arrive split at any byte, then none is refused and every PUBLISH is counted once, with its bytes', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constant('ping'), fc.record({ qos: fc.constantFrom(0 as const, 1 as const), bytes: fc.integer({ min: 0, max: 3000 }) })), { maxLength: 30 }),
        fc.array(fc.integer({ min: 1, max: 700 }), { maxLength: 60 }),
        (packets, sizes) => {
          const encoded = packets.map((p, i) => ({ p, bytes: p === 'ping' ? pingreq() : publish(p.qos, p.bytes, i + 1) }));
          const stream = Buffer.concat(encoded.map((e) => e.bytes));
          const { cuts, released, bytes } = scanInChunks(new MqttFrameScanner(4096), stream, sizes);
          expect(cuts.every((c) => c >= 0)).toBe(true);
          const publishes = encoded.filter((e) => e.p !== 'ping');
          expect(released).toBe(publishes.length);
          // Remaining Length = packet minus its fixed header (1 type byte + 1 or 2 length bytes here).
          expect(bytes).toBe(publishes.reduce((sum, e) => sum + e.bytes.length - (e.bytes.length - 2 > 127 ? 3 : 2), 0));
        },
      ),
    );
  });

  it('when a header declares more than the maximum, then the scan fails on that header, before the body arrives', () => {
    const scanner = new MqttFrameScanner(65_536);
    const big = publish(0, 70_000);
    // Only the first three bytes (type + a 3-byte remaining length) are given.
    expect(scanner.scan(big.subarray(0, 1), 10)).toBe(1);
    expect(scanner.scan(big.subarray(1, 4), 10)).toBe(-1);
    expect(scanner.violation).toBe('packet_too_large');
    expect(scanner.declaredBytes).toBe(big.length - 4);
  });

  it('when a packet is exactly the maximum, then it passes', () => {
    const p = publish(0, 1000);
    const scanner = new MqttFrameScanner(p.length - 3); // 2-byte remaining length
    expect(scanner.scan(p, 10)).toBe(p.length);
  });

  it('when the remaining length has a fifth continuation byte, then the stream is malformed [MQTT-2.2.3]', () => {
    const scanner = new MqttFrameScanner(1 << 28);
    expect(scanner.scan(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]), 10)).toBe(-1);
    expect(scanner.violation).toBe('malformed');
  });

  it('when more PUBLISHes arrive than the budget, then the chunk is cut at the boundary before the first one over it', () => {
    const packets = [publish(1, 10, 1), pingreq(), publish(0, 10), publish(1, 10, 2), publish(1, 10, 3)];
    const stream = Buffer.concat(packets);
    const scanner = new MqttFrameScanner(4096);
    const cut = scanner.scan(stream, 2);
    // PUBLISH, PINGREQ, PUBLISH (QoS 0 counts too: aedes awaits its hand-off as well) | PUBLISH, PUBLISH
    expect(cut).toBe(packets[0]!.length + packets[1]!.length + packets[2]!.length);
    expect(scanner.released).toBe(2);
    // The rest starts at a boundary: scanned again, it is the last two messages.
    expect(scanner.scan(stream.subarray(cut), 5)).toBe(stream.length - cut);
    expect(scanner.released).toBe(2);
  });

  it('when the byte budget is used up, then the chunk is cut before the next PUBLISH', () => {
    const packets = [publish(1, 100, 1), publish(1, 100, 2), publish(1, 100, 3)];
    const scanner = new MqttFrameScanner(4096);
    // 150 bytes allowed: the first (≈130) fits, the second starts while 130 < 150, the third does not.
    expect(scanner.scan(Buffer.concat(packets), 100, 150)).toBe(packets[0]!.length + packets[1]!.length);
    expect(scanner.released).toBe(2);
  });
});

describe('topicRefusal', () => {
  const limits = { maxTopicBytes: 32, maxTopicLevels: 4 };
  it.each([
    ['traffic/v1/s-1/telemetry', null],
    ['a/b/c/d/e', 'topic_levels'],
    ['x'.repeat(33), 'topic_too_long'],
    ['é'.repeat(17), 'topic_too_long'], // 34 bytes in UTF-8, 17 characters
    ['é'.repeat(16), null],
  ])('when the topic is %j, then the refusal is %s', (topic, expected) => {
    expect(topicRefusal(topic, limits)).toBe(expected);
  });
});

describe('ConnectionLimiter', () => {
  it('when an address holds its maximum, then it is refused while another address and the total still have room', () => {
    const limiter = new ConnectionLimiter({ total: 3, perAddress: 2 });
    expect(limiter.admit('a')).toBeNull();
    expect(limiter.admit('a')).toBeNull();
    expect(limiter.admit('a')).toBe('connections_per_address');
    expect(limiter.admit('b')).toBeNull();
    expect(limiter.admit('c')).toBe('connections_total');
    limiter.release('a');
    expect(limiter.admit('c')).toBeNull();
    expect(limiter.size).toBe(3);
  });
});

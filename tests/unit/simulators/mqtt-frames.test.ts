import mqttPacket from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { CONNACK, encodePublish, FrameReader, PUBACK } from '../../../simulators/loadtest/mqtt-frames.ts';

function parseWithMqttPacket(frame: Buffer): mqttPacket.Packet[] {
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  const packets: mqttPacket.Packet[] = [];
  parser.on('packet', (p) => packets.push(p));
  parser.on('error', (err) => {
    throw err;
  });
  parser.parse(frame);
  return packets;
}

describe('encodePublish', () => {
  it.each([
    ['a tiny payload (1-byte length)', 10],
    ['a 2-byte remaining length', 300],
    ['a 3-byte remaining length', 70_000],
  ])('encodes a QoS 1 publish with %s as mqtt-packet reads it', (_label, size) => {
    const payload = Buffer.alloc(size, 'x');
    const [packet] = parseWithMqttPacket(encodePublish('traffic/v1/ső-1/telemetry', payload, 1, 4711)) as mqttPacket.IPublishPacket[];
    expect(packet).toMatchObject({ cmd: 'publish', qos: 1, messageId: 4711, topic: 'traffic/v1/ső-1/telemetry', retain: false, dup: false });
    expect(Buffer.compare(packet!.payload as Buffer, payload)).toBe(0);
  });

  it('encodes QoS 0 without a message id, byte for byte as mqtt-packet does', () => {
    const payload = Buffer.from('{"a":1}');
    const ours = encodePublish('t/x', payload, 0, 99);
    const theirs = mqttPacket.generate({ cmd: 'publish', topic: 't/x', payload, qos: 0, retain: false, dup: false });
    expect(ours.equals(theirs)).toBe(true);
  });
});

describe('FrameReader', () => {
  it('reads PUBACKs and a CONNACK cut anywhere between chunks', () => {
    const stream = Buffer.concat([
      mqttPacket.generate({ cmd: 'connack', returnCode: 0, sessionPresent: false }),
      ...[1, 2, 65535, 300].map((messageId) => mqttPacket.generate({ cmd: 'puback', messageId })),
      encodePublish('big', Buffer.alloc(200, 'y'), 1, 7), // a frame with a 2-byte length, skipped by type
    ]);
    for (let cut = 0; cut <= stream.length; cut++) {
      const seen: string[] = [];
      const reader = new FrameReader((type, body) => {
        if (type === PUBACK) seen.push(`puback ${body.readUInt16BE(0)}`);
        else if (type === CONNACK) seen.push(`connack ${body[1]}`);
        else seen.push(`type ${type} (${body.length} bytes)`);
      });
      reader.push(stream.subarray(0, cut));
      reader.push(stream.subarray(cut));
      expect(seen, `cut at ${cut}`).toEqual(['connack 0', 'puback 1', 'puback 2', 'puback 65535', 'puback 300', 'type 3 (207 bytes)']);
    }
  });

  it('rejects a remaining length longer than four bytes', () => {
    const reader = new FrameReader(() => undefined);
    expect(() => reader.push(Buffer.from([0x40, 0xff, 0xff, 0xff, 0xff, 0x01]))).toThrow(/remaining length/);
  });
});

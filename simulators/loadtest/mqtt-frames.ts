/**
 * The few MQTT 3.1.1 frames a load generator needs, encoded and decoded by hand: a PUBLISH is one
 * allocation and a PUBACK four bytes read in place. mqtt-packet's general encoder and parser cost
 * more CPU per message than the broker under test spends on it, and the generator shares the cores.
 */

/** Packet types (the high nibble of the first byte). */
export const CONNACK = 2;
export const PUBACK = 4;

/** A PUBLISH frame; `messageId` is ignored at QoS 0. */
export function encodePublish(topic: string, payload: Buffer, qos: 0 | 1, messageId: number): Buffer {
  const topicBytes = Buffer.byteLength(topic);
  const remaining = 2 + topicBytes + (qos > 0 ? 2 : 0) + payload.length;
  const lengthBytes = remaining < 0x80 ? 1 : remaining < 0x4000 ? 2 : remaining < 0x200000 ? 3 : 4;
  const frame = Buffer.allocUnsafe(1 + lengthBytes + remaining);
  frame[0] = 0x30 | (qos << 1);
  let at = 1;
  for (let left = remaining; ; ) {
    const digit = left & 0x7f;
    left >>>= 7;
    frame[at++] = left > 0 ? digit | 0x80 : digit;
    if (left === 0) break;
  }
  frame.writeUInt16BE(topicBytes, at);
  at += 2 + frame.write(topic, at + 2);
  if (qos > 0) {
    frame.writeUInt16BE(messageId, at);
    at += 2;
  }
  payload.copy(frame, at);
  return frame;
}

/**
 * Splits a byte stream into frames and hands each to `onFrame(type, body)`; a frame cut between
 * two chunks is kept until the rest arrives. `body` is only valid during the call.
 */
export class FrameReader {
  private rest: Buffer | null = null;

  constructor(private readonly onFrame: (type: number, body: Buffer) => void) {}

  push(chunk: Buffer): void {
    const data = this.rest ? Buffer.concat([this.rest, chunk]) : chunk;
    let at = 0;
    while (at < data.length) {
      let remaining = 0;
      let shift = 0;
      let p = at + 1;
      let complete = false;
      while (p < data.length && shift <= 21) {
        const b = data[p++]!;
        remaining |= (b & 0x7f) << shift;
        shift += 7;
        if ((b & 0x80) === 0) {
          complete = true;
          break;
        }
      }
      if (!complete) {
        if (shift > 21) throw new Error('malformed MQTT remaining length');
        break;
      }
      if (p + remaining > data.length) break;
      this.onFrame(data[at]! >> 4, data.subarray(p, p + remaining));
      at = p + remaining;
    }
    this.rest = at < data.length ? Buffer.from(data.subarray(at)) : null;
  }
}

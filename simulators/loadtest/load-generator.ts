import type { LoadConnection } from './load-payload.ts';
import { loadMessage, loadReadingJson } from './load-payload.ts';
import type { RawPublisher } from './raw-publisher.ts';
import type { SequenceLedger } from './sequence-ledger.ts';

export interface LoadShape {
  /** Target readings per second over all connections; 0 = as fast as the window allows. */
  rate: number;
  durationS: number;
  /**
   * Seconds of the same load before the measured duration: a process just started runs its code
   * unoptimised at first. Warm-up readings count for loss, not for latency.
   */
  warmupS: number;
  qos: 0 | 1;
  /** Readings per message. */
  batch: number;
  payloadBytes: number;
  /** Most QoS 1 messages awaiting PUBACK per connection. */
  window: number;
}

/** What the generator measured; arrays are in acknowledgement order. */
export interface LoadRecord {
  startedAt: number;
  /** End of the warm-up: latencies are recorded for messages sent from here on. */
  measureFrom: number;
  /** Readings acknowledged during the warm-up (by the first tick after it). */
  warmupReadingsAcked: number;
  endedAt: number;
  messagesSent: number;
  messagesAcked: number;
  readingsAcked: number;
  payloadBytes: number;
  lastAckAt: number;
  pubackMs: number[];
  /** How late messages went out against their schedule (open-loop rate only). */
  scheduleLagMs: number[];
  /** Per acknowledged message (warm-up included): when it was sent and the readings acknowledged up to it. */
  acks: { sentAt: number; cumulative: number }[];
}

const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;
const PUMP_EVERY_MS = 2;

/**
 * Publishes the load: every connection a gateway of its sensors, sequence numbers per sensor from
 * the ledger, paced to the target rate (open loop: a message's schedule does not wait for earlier
 * PUBACKs, only the window does), refilled after each chunk of PUBACKs. Resolves when the duration is over.
 */
export function generateLoad(
  publishers: readonly RawPublisher[],
  connections: readonly LoadConnection[],
  shape: LoadShape,
  ledger: SequenceLedger,
  onTick?: (record: LoadRecord) => void,
): Promise<LoadRecord> {
  const record: LoadRecord = {
    startedAt: nowMs(), measureFrom: 0, warmupReadingsAcked: 0, endedAt: 0, messagesSent: 0, messagesAcked: 0, readingsAcked: 0, payloadBytes: 0,
    lastAckAt: 0, pubackMs: [], scheduleLagMs: [], acks: [],
  };
  record.measureFrom = record.startedAt + shape.warmupS * 1000;
  const endAt = record.measureFrom + shape.durationS * 1000;
  const perConnPerMs = shape.rate > 0 ? shape.rate / shape.batch / connections.length / 1000 : 0;
  const sent = new Array<number>(connections.length).fill(0);
  const nextSensor = new Array<number>(connections.length).fill(0);
  const lastTs = new Map<string, number>();

  const sendOne = (c: number): void => {
    const conn = connections[c]!;
    const pub = publishers[c]!;
    const texts: string[] = [];
    const seqs: [string, number][] = [];
    let topic = conn.topic; // a batch goes out on the gateway's topic, a single reading on its sensor's
    for (let i = 0; i < shape.batch; i++) {
      const sensor = conn.sensors[nextSensor[c]!++ % conn.sensors.length]!;
      if (shape.batch === 1) topic = sensor.topic;
      const seq = ledger.nextSeq(sensor.sensorId);
      // ts = now, strictly increasing per sensor: every reading is its own row in the store.
      const ts = Math.max((lastTs.get(sensor.sensorId) ?? 0) + 1, Date.now());
      lastTs.set(sensor.sensorId, ts);
      texts.push(loadReadingJson(sensor, seq, ts));
      seqs.push([sensor.sensorId, seq]);
    }
    const payload = loadMessage(texts, shape.payloadBytes);
    const sentAt = nowMs();
    const measured = sentAt >= record.measureFrom;
    if (perConnPerMs > 0 && measured) record.scheduleLagMs.push(Math.max(0, sentAt - (record.startedAt + sent[c]! / perConnPerMs)));
    sent[c]!++;
    record.messagesSent++;
    record.payloadBytes += payload.length;
    if (shape.qos === 0) {
      pub.publishQos0(topic, payload);
      recordAck(record, ledger, seqs, sentAt, sentAt); // nothing comes back: "acknowledged" = handed to the socket
      return;
    }
    pub.publish(topic, payload, (ackAt) => {
      const at = Number(ackAt) / 1e6;
      if (measured) record.pubackMs.push(at - sentAt);
      recordAck(record, ledger, seqs, sentAt, at);
    });
  };

  const pump = (c: number): void => {
    const t = nowMs();
    if (t >= endAt || publishers[c]!.closed) return;
    let allowed = perConnPerMs > 0 ? Math.floor((t - record.startedAt) * perConnPerMs) + 1 - sent[c]! : shape.window;
    while (allowed-- > 0 && (shape.qos === 0 || publishers[c]!.inFlight < shape.window)) sendOne(c);
    publishers[c]!.flush(); // now, not after every other connection's burst: that time is not the pipeline's
  };

  publishers.forEach((pub, c) => pub.onAcksRead(() => pump(c))); // refill once per chunk of PUBACKs
  return new Promise((resolve) => {
    let lastTick = record.startedAt;
    let warmingUp = shape.warmupS > 0;
    const timer = setInterval(() => {
      const t = nowMs();
      if (t >= endAt) {
        clearInterval(timer);
        record.endedAt = t;
        resolve(record);
        return;
      }
      if (warmingUp && t >= record.measureFrom) {
        warmingUp = false;
        record.warmupReadingsAcked = record.readingsAcked;
      }
      for (let c = 0; c < connections.length; c++) pump(c);
      if (onTick && t - lastTick >= 1000) {
        lastTick = t;
        onTick(record);
      }
    }, PUMP_EVERY_MS);
  });
}

/** A module function rather than a closure per message: tsx names every closure it creates (a property definition each). */
function recordAck(record: LoadRecord, ledger: SequenceLedger, seqs: [string, number][], sentAt: number, ackAt: number): void {
  for (const [id, seq] of seqs) ledger.acked(id, seq);
  record.messagesAcked++;
  record.readingsAcked += seqs.length;
  record.lastAckAt = ackAt;
  record.acks.push({ sentAt, cumulative: record.readingsAcked });
}

export { nowMs };

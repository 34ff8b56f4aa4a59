import { MAX_BATCH_READINGS, MAX_PAYLOAD_BYTES } from '../../shared/contract/telemetry.ts';
import { mqttTelemetryTopic } from '../../shared/contract/topics.ts';
import type { Unit } from './faults.ts';
import type { Gateway } from './layout.ts';
import type { SimReading } from './sim-reading.ts';

/** One MQTT telemetry message to publish. */
export interface OutMessage {
  /** The connection that sends it: a batching gateway's id, or the detector's own id. */
  clientKey: string;
  topic: string;
  /** The id in the topic: whole-message rejections (invalid_json) are counted against it. */
  topicId: string;
  payload: string;
  units: Unit[];
}

const BATCH_BYTES = MAX_PAYLOAD_BYTES - 1024; // leave room for the brackets and commas

/**
 * DESIGN §3 JSON of a reading. Gateways stamp ISO 8601 with the local offset (+07:00), detectors
 * epoch ms: both forms are in the contract, and both get exercised.
 */
export function readingJson(r: SimReading, isoTs: boolean): string {
  const ts = isoTs ? isoWithOffset(r.ts, 420) : r.ts;
  return JSON.stringify({
    sensorId: r.sensorId, segmentId: r.segmentId, ts, intervalS: r.intervalS, lane: r.lane, stationId: r.stationId,
    counts: r.counts, speedKmh: r.speedKmh, occupancy: r.occupancy, seq: r.seq,
  });
}

/** "2024-05-01T07:00:00.000+07:00" */
export function isoWithOffset(ms: number, offsetMin: number): string {
  const sign = offsetMin >= 0 ? '+' : '-';
  const abs = Math.abs(offsetMin);
  const hh = String(Math.floor(abs / 60)).padStart(2, '0');
  const mm = String(abs % 60).padStart(2, '0');
  return new Date(ms + offsetMin * 60_000).toISOString().replace('Z', `${sign}${hh}:${mm}`);
}

/**
 * The messages for one tick's units: a batching gateway sends its detectors' readings as arrays
 * (≤ 500 readings, < 64 KiB each) on its own topic; other detectors send one reading per message on
 * their own topic. A reading meant to be invalid JSON always travels alone, cut off mid-way.
 */
export function encodeMessages(units: readonly Unit[], gateways: ReadonlyMap<string, Gateway>): OutMessage[] {
  const out: OutMessage[] = [];
  const batches = new Map<string, Unit[]>();
  for (const u of units) {
    const gateway = gateways.get(u.detector.gatewayId);
    const viaGateway = gateway?.batches === true;
    const senderId = viaGateway ? u.detector.gatewayId : u.detector.sensorId;
    if (u.malformed === 'invalid_json') {
      const text = readingJson(u.reading, viaGateway);
      out.push(message(senderId, text.slice(0, Math.floor(text.length / 2)), [u]));
    } else if (viaGateway) {
      const list = batches.get(senderId) ?? [];
      list.push(u);
      batches.set(senderId, list);
    } else {
      out.push(message(senderId, readingJson(u.reading, false), [u]));
    }
  }
  for (const [gatewayId, list] of batches) out.push(...batchMessages(gatewayId, list));
  return out;
}

function batchMessages(gatewayId: string, units: Unit[]): OutMessage[] {
  const out: OutMessage[] = [];
  let texts: string[] = [];
  let chunk: Unit[] = [];
  let bytes = 0;
  const flush = () => {
    if (chunk.length > 0) out.push(message(gatewayId, `[${texts.join(',')}]`, chunk));
    texts = [];
    chunk = [];
    bytes = 0;
  };
  for (const u of units) {
    const text = readingJson(u.reading, true);
    const size = Buffer.byteLength(text) + 1;
    if (chunk.length === MAX_BATCH_READINGS || bytes + size > BATCH_BYTES) flush();
    texts.push(text);
    chunk.push(u);
    bytes += size;
  }
  flush();
  return out;
}

function message(senderId: string, payload: string, units: Unit[]): OutMessage {
  return { clientKey: senderId, topic: mqttTelemetryTopic(senderId), topicId: senderId, payload, units };
}

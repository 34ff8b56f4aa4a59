import { describe, expect, it } from 'vitest';
import { REJECTION_REASONS, type RejectionReason } from '../../../shared/contract/dead-letter.ts';
import { MAX_BATCH_READINGS, MAX_PAYLOAD_BYTES } from '../../../shared/contract/telemetry.ts';
import { loadRoadNetwork } from '../../../shared/network/load-network.ts';
import {
  publisherMaySpeakFor,
  validateTelemetry,
  type Rejection,
  type ValidationContext,
  type ValidationResult,
} from '../../../services/ingest/validate-telemetry.ts';

// A fixed clock: 2026-03-01T08:00:00Z.
const NOW = 1_772_352_000_000;
const MAX_AGE_MS = 7 * 24 * 3600 * 1000; // DESIGN §3 default: 7 days
const MAX_FUTURE_MS = 5 * 60 * 1000; // DESIGN §3: not > 5 min in the future
const SEGMENT = 'ql13-nb-01'; // a real segment of the bundled Bình Dương network

const network = loadRoadNetwork();
const ctx: ValidationContext = { network, now: NOW, maxAgeMs: MAX_AGE_MS, maxFutureMs: MAX_FUTURE_MS };

type Json = Record<string, unknown>;
const reading = (overrides: Json = {}): Json => ({
  sensorId: 's1',
  segmentId: SEGMENT,
  ts: NOW,
  intervalS: 60,
  counts: { car: 3, motorbike: 12 },
  ...overrides,
});
const without = (field: string): Json => {
  const r = reading();
  delete r[field];
  return r;
};

const send = (body: unknown, topicId = 's1'): ValidationResult =>
  validateTelemetry(topicId, Buffer.from(JSON.stringify(body), 'utf8'), ctx);

/** The message produced exactly one rejection and nothing was accepted. */
function onlyRejection(result: ValidationResult): Rejection {
  expect(result.accepted).toEqual([]);
  expect(result.rejected).toHaveLength(1);
  return result.rejected[0]!;
}

/** The message produced exactly one accepted reading and no rejection. */
function onlyAccepted(result: ValidationResult) {
  expect(result.rejected).toEqual([]);
  expect(result.accepted).toHaveLength(1);
  return result.accepted[0]!;
}

describe('validateTelemetry: fixtures', () => {
  it('when the bundled network is loaded, then the segment used by these tests exists in it', () => {
    expect(network.byId.has(SEGMENT)).toBe(true);
  });

  it('when a well-formed reading for a known segment arrives on its own topic, then it is accepted and normalised', () => {
    expect(onlyAccepted(send(reading()))).toEqual({
      sensorId: 's1',
      segmentId: SEGMENT,
      ts: NOW,
      intervalS: 60,
      lane: null,
      stationId: null,
      counts: { motorbike: 12, car: 3, bus: 0, truck: 0, bicycle: 0, other: 0 },
      speedKmh: null,
      occupancy: null,
      seq: null,
    });
  });
});

describe('validateTelemetry: invalid_json (DESIGN §3)', () => {
  it('when the JSON is truncated, then the whole message is rejected as invalid_json', () => {
    const text = JSON.stringify(reading()).slice(0, 40);
    const r = onlyRejection(validateTelemetry('s1', Buffer.from(text), ctx));
    expect(r).toMatchObject({ reason: 'invalid_json', batchIndex: null, sensorId: 's1' });
    expect(r.detail).not.toBe('');
  });

  it('when the payload is binary garbage, then the whole message is rejected as invalid_json', () => {
    const garbage = Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x80, 0xc3, 0x28, 0x9f, 0x7b]);
    expect(onlyRejection(validateTelemetry('s1', garbage, ctx))).toMatchObject({ reason: 'invalid_json', batchIndex: null });
  });

  it('when the payload is empty, then it is rejected as invalid_json', () => {
    expect(onlyRejection(validateTelemetry('s1', Buffer.alloc(0), ctx)).reason).toBe('invalid_json');
  });
});

describe('validateTelemetry: schema (DESIGN §3 field rules)', () => {
  // [case, payload, text the detail must contain: the offending field]
  const cases: [string, Json, string][] = [
    ['a required field (intervalS) is missing', without('intervalS'), 'intervalS'],
    ['a required field (counts) is missing', without('counts'), 'counts'],
    ['intervalS has the wrong type (string)', reading({ intervalS: '60' }), 'intervalS'],
    ['a count is a string', reading({ counts: { car: '3' } }), 'counts.car'],
    ['a count is negative', reading({ counts: { car: -1 } }), 'counts.car'],
    ['a count is fractional', reading({ counts: { bus: 1.5 } }), 'counts.bus'],
    ['intervalS is 0', reading({ intervalS: 0 }), 'intervalS'],
    ['intervalS is 3601', reading({ intervalS: 3601 }), 'intervalS'],
    ['lane is 0', reading({ lane: 0 }), 'lane'],
    ['lane is 17', reading({ lane: 17 }), 'lane'],
    ['speedKmh is 251', reading({ speedKmh: 251 }), 'speedKmh'],
    ['speedKmh is negative', reading({ speedKmh: -1 }), 'speedKmh'],
    ['occupancy is 1.2', reading({ occupancy: 1.2 }), 'occupancy'],
    ['counts has an unknown vehicle class', reading({ counts: { car: 1, tuktuk: 2 } }), 'tuktuk'],
    ['counts is empty {}', reading({ counts: {} }), 'counts'],
    ['the reading has an extra unknown field', reading({ colour: 'red' }), 'colour'],
    ['sensorId has a character outside [A-Za-z0-9._-]', reading({ sensorId: 's1/x' }), 'sensorId'],
    ['segmentId has a character outside [A-Za-z0-9._-]', reading({ segmentId: 'ql13 nb 01' }), 'segmentId'],
    ['sensorId is 65 chars long', reading({ sensorId: 'a'.repeat(65) }), 'sensorId'],
    ['sensorId is empty', reading({ sensorId: '' }), 'sensorId'],
    ['ts has no offset ("2026-01-01T00:00:00")', reading({ ts: '2026-01-01T00:00:00' }), 'ts'],
    ['ts is a fractional epoch', reading({ ts: NOW + 0.5 }), 'ts'],
    ['ts is a negative epoch', reading({ ts: -1 }), 'ts'],
    ['seq is fractional', reading({ seq: 1.5 }), 'seq'],
  ];

  it.each(cases)('when %s, then the reading is rejected as schema and the detail names the field', (_name, body, field) => {
    const r = onlyRejection(send(body));
    expect(r.reason).toBe('schema');
    expect(r.batchIndex).toBeNull();
    expect(r.detail).toContain(field);
  });

  it('when a schema rejection has a string sensorId, then the rejection carries the claimed sensorId', () => {
    expect(onlyRejection(send(reading({ lane: 0 }))).sensorId).toBe('s1');
  });

  it('when the payload is JSON but not an object (null, a number), then it is rejected as schema, charged to the publisher', () => {
    expect(onlyRejection(send(null))).toMatchObject({ reason: 'schema', sensorId: 's1', batchIndex: null });
    expect(onlyRejection(send(42))).toMatchObject({ reason: 'schema', sensorId: 's1', batchIndex: null });
  });

  it('when a bad reading names a sensor the publisher may not speak for, then the rejection is charged to the publisher, not to that sensor', () => {
    expect(onlyRejection(send({ sensorId: 'victim', counts: 'x' }, 'spoofer'))).toMatchObject({ reason: 'schema', sensorId: 'spoofer' });
    expect(onlyRejection(send([{ sensorId: 'gw1.a', counts: 'x' }], 'gw1'))).toMatchObject({ reason: 'schema', sensorId: 'gw1.a' });
  });

  it('when the batch is an empty array, then the whole message is rejected as schema', () => {
    const r = onlyRejection(send([]));
    expect(r).toMatchObject({ reason: 'schema', batchIndex: null });
    expect(r.detail).toMatch(/at least one reading/);
  });
});

describe('validateTelemetry: topic_mismatch (DESIGN §2 anti-spoofing)', () => {
  it('when a single reading names another sensor than the topic, then it is rejected as topic_mismatch, counted against the publisher', () => {
    const r = onlyRejection(send(reading({ sensorId: 's2' }), 's1'));
    expect(r).toMatchObject({ reason: 'topic_mismatch', sensorId: 's1', batchIndex: null });
    expect(r.detail).toContain('"s1"');
    expect(r.detail).toContain('"s2"');
  });

  it('when gateway gw1 sends for gw1.a, then the reading is accepted', () => {
    expect(onlyAccepted(send(reading({ sensorId: 'gw1.a' }), 'gw1')).sensorId).toBe('gw1.a');
  });

  it('when gateway gw1 sends in its own name, then the reading is accepted', () => {
    expect(onlyAccepted(send(reading({ sensorId: 'gw1' }), 'gw1')).sensorId).toBe('gw1');
  });

  it('when gateway gw1 sends for gw2.a, then it is rejected as topic_mismatch', () => {
    expect(onlyRejection(send(reading({ sensorId: 'gw2.a' }), 'gw1')).reason).toBe('topic_mismatch');
  });

  it('when gateway gw1 sends for gw10 (a prefix but not a child), then it is rejected as topic_mismatch', () => {
    expect(onlyRejection(send(reading({ sensorId: 'gw10' }), 'gw1')).reason).toBe('topic_mismatch');
  });

  it('when a child sensor gw1.a publishes for its gateway gw1, then it is rejected as topic_mismatch', () => {
    expect(onlyRejection(send(reading({ sensorId: 'gw1' }), 'gw1.a')).reason).toBe('topic_mismatch');
  });

  it('when asking publisherMaySpeakFor directly, then only the id itself and its dotted children are allowed', () => {
    expect(publisherMaySpeakFor('gw1', 'gw1')).toBe(true);
    expect(publisherMaySpeakFor('gw1', 'gw1.a')).toBe(true);
    expect(publisherMaySpeakFor('gw1', 'gw2.a')).toBe(false);
    expect(publisherMaySpeakFor('gw1', 'gw10')).toBe(false);
    expect(publisherMaySpeakFor('gw1', 'gw1-a')).toBe(false);
    expect(publisherMaySpeakFor('gw1.a', 'gw1')).toBe(false);
  });
});

describe('validateTelemetry: unknown_segment (DESIGN §3, §4)', () => {
  it('when the segment is not in the road network, then it is rejected as unknown_segment naming the segment', () => {
    const r = onlyRejection(send(reading({ segmentId: 'nowhere-01' })));
    expect(r).toMatchObject({ reason: 'unknown_segment', sensorId: 's1', batchIndex: null });
    expect(r.detail).toContain('nowhere-01');
  });
});

describe('validateTelemetry: future_ts and stale_ts (DESIGN §3)', () => {
  it('when ts is 1 ms beyond 5 min in the future, then it is rejected as future_ts', () => {
    const r = onlyRejection(send(reading({ ts: NOW + MAX_FUTURE_MS + 1 })));
    expect(r).toMatchObject({ reason: 'future_ts', sensorId: 's1' });
    expect(r.detail).toMatch(/^ts /);
  });

  it('when ts is exactly 5 min in the future, then it is accepted', () => {
    expect(onlyAccepted(send(reading({ ts: NOW + MAX_FUTURE_MS }))).ts).toBe(NOW + MAX_FUTURE_MS);
  });

  it('when an ISO ts with offset is just beyond 5 min in the future, then it is rejected as future_ts', () => {
    // NOW + 5 min 1 s, written in Vietnam time (+07:00)
    expect(onlyRejection(send(reading({ ts: '2026-03-01T15:05:01+07:00' }))).reason).toBe('future_ts');
  });

  it('when an ISO ts with offset is just within 5 min in the future, then it is accepted', () => {
    expect(onlyAccepted(send(reading({ ts: '2026-03-01T15:04:59+07:00' }))).ts).toBe(NOW + 299_000);
  });

  it('when ts is 1 ms older than the max age, then it is rejected as stale_ts', () => {
    const r = onlyRejection(send(reading({ ts: NOW - MAX_AGE_MS - 1 })));
    expect(r).toMatchObject({ reason: 'stale_ts', sensorId: 's1' });
    expect(r.detail).toMatch(/^ts /);
  });

  it('when ts is exactly the max age old, then it is accepted', () => {
    expect(onlyAccepted(send(reading({ ts: NOW - MAX_AGE_MS }))).ts).toBe(NOW - MAX_AGE_MS);
  });

  it('when a different max age is configured, then the limit follows the context', () => {
    const oneHour = 3600_000;
    const tight: ValidationContext = { ...ctx, maxAgeMs: oneHour };
    const body = (ts: number) => Buffer.from(JSON.stringify(reading({ ts })));
    expect(onlyRejection(validateTelemetry('s1', body(NOW - oneHour - 1), tight)).reason).toBe('stale_ts');
    expect(onlyAccepted(validateTelemetry('s1', body(NOW - oneHour), tight)).ts).toBe(NOW - oneHour);
  });

  it('when ts is an epoch ms beyond the range of a JS Date (9e15), then it is rejected as schema instead of throwing', () => {
    // A throw here would leave the QoS 1 message unacknowledged and redelivered forever (a poison
    // message); the contract caps epoch ms at 8.64e15, the largest time a Date can hold.
    const outcome = () => send(reading({ ts: 9e15 }));
    expect(outcome).not.toThrow();
    const rejection = onlyRejection(outcome());
    expect(rejection.reason).toBe('schema');
    expect(rejection.detail).toContain('ts');
  });
});

describe('validateTelemetry: too_large (DESIGN §3: 64 KiB, 500 readings)', () => {
  /** A valid single reading padded with JSON whitespace to exactly `bytes` bytes. */
  const paddedTo = (bytes: number): Buffer => {
    const json = JSON.stringify(reading());
    return Buffer.from(json + ' '.repeat(bytes - Buffer.byteLength(json)), 'utf8');
  };

  it('when the payload is exactly 64 KiB, then it is accepted', () => {
    const payload = paddedTo(MAX_PAYLOAD_BYTES);
    expect(payload.length).toBe(65_536);
    onlyAccepted(validateTelemetry('s1', payload, ctx));
  });

  it('when the payload is 64 KiB + 1 byte, then the whole message is rejected as too_large', () => {
    const r = onlyRejection(validateTelemetry('s1', paddedTo(65_537), ctx));
    expect(r).toMatchObject({ reason: 'too_large', batchIndex: null, sensorId: 's1' });
    expect(r.detail).toContain('65537');
  });

  it('when the size limit is counted, then it is counted in bytes, not characters', () => {
    // "Bình Dương" in a field: multi-byte UTF-8. 64 KiB of characters is more than 64 KiB of bytes.
    const json = JSON.stringify(reading());
    const text = json + ' '.repeat(MAX_PAYLOAD_BYTES - json.length - 1) + 'ư'; // ư is 2 bytes
    expect(text.length).toBe(MAX_PAYLOAD_BYTES);
    expect(onlyRejection(validateTelemetry('s1', Buffer.from(text, 'utf8'), ctx)).reason).toBe('too_large');
  });

  it('when a batch holds 500 readings, then all are accepted', () => {
    const batch = Array.from({ length: MAX_BATCH_READINGS }, (_, i) => reading({ sensorId: `gw1.s${i}`, seq: i }));
    const result = send(batch, 'gw1');
    expect(result.rejected).toEqual([]);
    expect(result.accepted).toHaveLength(500);
    expect(result.accepted[499]).toMatchObject({ sensorId: 'gw1.s499', seq: 499 });
  });

  it('when a batch holds 501 readings, then the whole message is rejected as too_large', () => {
    const batch = Array.from({ length: MAX_BATCH_READINGS + 1 }, (_, i) => reading({ sensorId: `gw1.s${i}` }));
    const body = Buffer.from(JSON.stringify(batch));
    expect(body.length).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES); // rejected for its count, not its size
    const r = onlyRejection(validateTelemetry('gw1', body, ctx));
    expect(r).toMatchObject({ reason: 'too_large', batchIndex: null });
    expect(r.detail).toContain('501');
    expect(r.detail).toContain('500');
  });
});

describe('validateTelemetry: batches judged reading by reading', () => {
  it('when a batch mixes good and bad readings, then the good ones are accepted and each bad one is rejected with its index and own reason', () => {
    const batch: unknown[] = [
      reading({ sensorId: 'gw1.a', seq: 1 }), // 0 good
      reading({ sensorId: 'gw1.b', lane: 0 }), // 1 schema
      reading({ sensorId: 'gw1.c', ts: '2026-03-01T14:59:00+07:00' }), // 2 good (NOW − 60 s)
      reading({ sensorId: 'gw2.a' }), // 3 topic_mismatch
      reading({ sensorId: 'gw1.d', segmentId: 'nowhere-01' }), // 4 unknown_segment
      reading({ sensorId: 'gw1.e', ts: NOW + MAX_FUTURE_MS + 1 }), // 5 future_ts
      reading({ sensorId: 'gw1.f', ts: NOW - MAX_AGE_MS - 1 }), // 6 stale_ts
      null, // 7 schema
      reading({ sensorId: 'gw1.g', counts: { bicycle: 2 } }), // 8 good
    ];
    const result = send(batch, 'gw1');

    expect(result.accepted.map((r) => r.sensorId)).toEqual(['gw1.a', 'gw1.c', 'gw1.g']);
    expect(result.accepted[1]!.ts).toBe(NOW - 60_000);
    expect(result.rejected.map(({ batchIndex, reason, sensorId }) => ({ batchIndex, reason, sensorId }))).toEqual([
      { batchIndex: 1, reason: 'schema', sensorId: 'gw1.b' },
      { batchIndex: 3, reason: 'topic_mismatch', sensorId: 'gw1' },
      { batchIndex: 4, reason: 'unknown_segment', sensorId: 'gw1.d' },
      { batchIndex: 5, reason: 'future_ts', sensorId: 'gw1.e' },
      { batchIndex: 6, reason: 'stale_ts', sensorId: 'gw1.f' },
      { batchIndex: 7, reason: 'schema', sensorId: 'gw1' },
    ]);
    expect(result.rejected[0]!.detail).toContain('lane');
    expect(result.rejected[2]!.detail).toContain('nowhere-01');
  });

  it('when a batch holds one bad reading, then its rejection carries batchIndex 0 (not null as for a single reading)', () => {
    expect(onlyRejection(send([reading({ lane: 17 })]))).toMatchObject({ reason: 'schema', batchIndex: 0 });
  });

  it('when a batch holds a nested array, then that item is rejected as schema with its index', () => {
    const result = send([reading(), [reading()]]);
    expect(result.accepted).toHaveLength(1);
    expect(result.rejected).toEqual([expect.objectContaining({ reason: 'schema', batchIndex: 1 })]);
  });
});

describe('validateTelemetry: every rejection reason is reachable', () => {
  it('when crafting one payload per reason, then each of the DESIGN §3 reasons is produced', () => {
    const bodies: Record<RejectionReason, [string, Buffer]> = {
      invalid_json: ['s1', Buffer.from('{"sensorId":')],
      schema: ['s1', Buffer.from(JSON.stringify(reading({ lane: 0 })))],
      topic_mismatch: ['s1', Buffer.from(JSON.stringify(reading({ sensorId: 's2' })))],
      unknown_segment: ['s1', Buffer.from(JSON.stringify(reading({ segmentId: 'nowhere-01' })))],
      future_ts: ['s1', Buffer.from(JSON.stringify(reading({ ts: NOW + MAX_FUTURE_MS + 1 })))],
      stale_ts: ['s1', Buffer.from(JSON.stringify(reading({ ts: NOW - MAX_AGE_MS - 1 })))],
      too_large: ['s1', Buffer.alloc(MAX_PAYLOAD_BYTES + 1, 0x20)],
    };
    for (const reason of REJECTION_REASONS) {
      const [topic, body] = bodies[reason];
      expect(onlyRejection(validateTelemetry(topic, body, ctx)).reason, reason).toBe(reason);
    }
  });
});

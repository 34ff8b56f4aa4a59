import type Database from 'better-sqlite3';
import type { BusMessage, ConsumedMessage } from '../ports/bus.ts';

/**
 * A batch of messages as one row of the embedded bus log, like a Kafka record batch: the messages
 * of one group commit on one topic, offsets `base_offset` … `base_offset + count − 1`. One row per
 * commit instead of one per message made an append about 2 µs cheaper a message on the ingest
 * thread, and reading one about 1.5 µs cheaper on the storage thread.
 *
 * Values are stored back to back in one text, with their end positions, so no value is escaped
 * again; keys and the distinct header sets go in small JSON arrays.
 */
export interface LogBatchRow {
  base_offset: number;
  count: number;
  /** JSON array of the keys. */
  keys: string;
  /** JSON array: the end of each value in `vals` (UTF-16 units, as JavaScript slices). */
  ends: string;
  /** JSON `[distinct header sets, index of each message's set or −1]`. */
  headers: string;
  vals: string;
}

export function encodeLogBatch(messages: readonly BusMessage[]): Omit<LogBatchRow, 'base_offset'> {
  const keys: string[] = [];
  const ends: number[] = [];
  const sets: BusMessage['headers'][] = [];
  const indexOfSet = new Map<BusMessage['headers'], number>(); // by identity: messages of one publish share one object
  const setOf: number[] = [];
  let vals = '';
  for (const m of messages) {
    keys.push(m.key);
    vals += m.value;
    ends.push(vals.length);
    let set = -1;
    if (m.headers) {
      set = indexOfSet.get(m.headers) ?? -1;
      if (set === -1) indexOfSet.set(m.headers, (set = sets.push(m.headers) - 1));
    }
    setOf.push(set);
  }
  return { count: messages.length, keys: JSON.stringify(keys), ends: JSON.stringify(ends), headers: JSON.stringify([sets, setOf]), vals };
}

/** The statement that appends a batch row to a topic's log table (columns in sqlite-log-table.ts's order). */
export function prepareLogBatchInsert(db: Database.Database, table: string): Database.Statement {
  return db.prepare(`INSERT INTO ${table} VALUES (?, ?, ?, ?, ?, ?, ?)`);
}

/** Appends `messages` as one batch row with offsets from `base` on, through a statement of prepareLogBatchInsert. */
export function insertLogBatch(insert: Database.Statement, base: number, messages: readonly BusMessage[], appendedAt: number): void {
  const b = encodeLogBatch(messages);
  insert.run(base, b.count, b.keys, b.ends, b.headers, b.vals, appendedAt);
}

/** The row's messages with offsets ≥ `from`, at most `limit` of them. */
export function decodeLogBatch(topic: string, row: LogBatchRow, from: number, limit: number): ConsumedMessage[] {
  const keys = JSON.parse(row.keys) as string[];
  const ends = JSON.parse(row.ends) as number[];
  const [sets, setOf] = JSON.parse(row.headers) as [Record<string, string>[], number[]];
  const out: ConsumedMessage[] = [];
  for (let i = Math.max(0, from - row.base_offset); i < row.count && out.length < limit; i++) {
    const message: ConsumedMessage = {
      topic,
      partition: 0,
      offset: String(row.base_offset + i),
      key: keys[i]!,
      value: row.vals.slice(i === 0 ? 0 : ends[i - 1], ends[i]),
    };
    const set = setOf[i]!;
    if (set >= 0) message.headers = sets[set]!;
    out.push(message);
  }
  return out;
}

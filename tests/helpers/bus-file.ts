import { join } from 'node:path';
import Database from 'better-sqlite3';
import { decodeLogBatch, type LogBatchRow } from '../../shared/adapters/sqlite-log-batch.ts';
import type { DeadLetter } from '../../shared/contract/dead-letter.ts';

export interface BusRow {
  offset: number;
  key: string;
  value: string;
  headers: Record<string, string> | null;
}

/** Messages of one topic in the embedded bus file, oldest first, read through a read-only connection. */
export function readBusTopic(dataDir: string, topic: string): BusRow[] {
  const db = new Database(join(dataDir, 'bus.sqlite'), { readonly: true, fileMustExist: true });
  try {
    // One table of message batches per topic (shared/adapters/sqlite-log-table.ts); none yet means nothing was published.
    const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(`batches:${topic}`);
    if (!exists) return [];
    const batches = db.prepare(`SELECT * FROM "batches:${topic}" ORDER BY base_offset`).all() as LogBatchRow[];
    return batches
      .flatMap((b) => decodeLogBatch(topic, b, 0, b.count))
      .map((m) => ({ offset: Number(m.offset), key: m.key, value: m.value, headers: m.headers ?? null }));
  } finally {
    db.close();
  }
}

/** The dead letters on traffic.telemetry.dlq, parsed, with their bus offsets. */
export function readDeadLetterRows(dataDir: string): { offset: number; entry: DeadLetter }[] {
  return readBusTopic(dataDir, 'traffic.telemetry.dlq').map((r) => ({ offset: r.offset, entry: JSON.parse(r.value) as DeadLetter }));
}

/** The dead letters on traffic.telemetry.dlq, parsed. */
export function readDeadLetters(dataDir: string): DeadLetter[] {
  return readDeadLetterRows(dataDir).map((r) => r.entry);
}

/** The next offset a consumer group committed for a topic in the bus file, or null if none. */
export function committedOffset(dataDir: string, groupId: string, topic: string): number | null {
  const db = new Database(join(dataDir, 'bus.sqlite'), { readonly: true, fileMustExist: true });
  try {
    const row = db.prepare('SELECT next_offset FROM group_offsets WHERE group_id = ? AND topic = ?').get(groupId, topic) as
      | { next_offset: number }
      | undefined;
    return row?.next_offset ?? null;
  } finally {
    db.close();
  }
}

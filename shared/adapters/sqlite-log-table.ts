import type Database from 'better-sqlite3';
import { insertLogBatch, prepareLogBatchInsert } from './sqlite-log-batch.ts';

const created = new WeakMap<Database.Database, Set<string>>();

/**
 * The table holding one topic's log in the embedded bus file: a rowid table of message batches
 * keyed by their first offset (sqlite-log-batch.ts), so an append is a write at the end of one
 * B-tree. Topic names are our own constants; they are checked anyway before being quoted.
 *
 * A file from before batches has a table of one message per row (`log:<topic>`): its messages are
 * moved over as batches of one when the topic is first used, in one write transaction, so a
 * consumer in another thread or process never sees half of them.
 */
export function logTable(db: Database.Database, topic: string): string {
  if (!/^[A-Za-z0-9._-]{1,200}$/.test(topic)) throw new Error(`invalid topic name: ${JSON.stringify(topic)}`);
  const name = `"batches:${topic}"`;
  let known = created.get(db);
  if (!known) created.set(db, (known = new Set()));
  if (!known.has(topic)) {
    db.transaction(() => {
      db.exec(`CREATE TABLE IF NOT EXISTS ${name} (
        base_offset INTEGER PRIMARY KEY, count INTEGER NOT NULL, keys TEXT NOT NULL, ends TEXT NOT NULL, headers TEXT NOT NULL,
        vals TEXT NOT NULL, appended_at INTEGER NOT NULL)`);
      moveSingleMessageLog(db, topic, name);
    }).immediate();
    known.add(topic);
  }
  return name;
}

function moveSingleMessageLog(db: Database.Database, topic: string, into: string): void {
  const old = `"log:${topic}"`;
  if (!db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(`log:${topic}`)) return;
  const insert = prepareLogBatchInsert(db, into);
  const page = db.prepare(`SELECT offset, key, value, headers, appended_at FROM ${old} WHERE offset >= ? ORDER BY offset LIMIT 10000`);
  type OldRow = { offset: number; key: string; value: string; headers: string | null; appended_at: number };
  // Pages rather than an iterator: the connection cannot insert while a statement iterates.
  for (let rows = page.all(0) as OldRow[]; rows.length > 0; rows = page.all(rows.at(-1)!.offset + 1) as OldRow[]) {
    for (const r of rows) {
      const message = { key: r.key, value: r.value, ...(r.headers ? { headers: JSON.parse(r.headers) as Record<string, string> } : {}) };
      insertLogBatch(insert, r.offset, [message], r.appended_at);
    }
  }
  db.exec(`DROP TABLE ${old}`);
}

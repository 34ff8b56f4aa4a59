import type Database from 'better-sqlite3';

const created = new WeakMap<Database.Database, Set<string>>();

/**
 * The table holding one topic's log in the embedded bus file: a rowid table keyed by offset, so an
 * append is a write at the end of one B-tree (about a third cheaper than one shared table keyed by
 * (topic, offset)). Topic names are our own constants; they are checked anyway before being quoted.
 */
export function logTable(db: Database.Database, topic: string): string {
  if (!/^[A-Za-z0-9._-]{1,200}$/.test(topic)) throw new Error(`invalid topic name: ${JSON.stringify(topic)}`);
  const name = `"log:${topic}"`;
  let known = created.get(db);
  if (!known) created.set(db, (known = new Set()));
  if (!known.has(topic)) {
    db.exec(`CREATE TABLE IF NOT EXISTS ${name} (
      offset INTEGER PRIMARY KEY, key TEXT NOT NULL, value TEXT NOT NULL, headers TEXT, appended_at INTEGER NOT NULL)`);
    known.add(topic);
  }
  return name;
}

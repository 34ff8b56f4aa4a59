import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteBus } from '../../../shared/adapters/sqlite-bus.ts';
import { decodeLogBatch, encodeLogBatch } from '../../../shared/adapters/sqlite-log-batch.ts';
import type { BusMessage, ConsumedMessage } from '../../../shared/ports/bus.ts';
import { createLogger } from '../../../shared/logging/create-logger.ts';

const log = createLogger({ level: 'silent' });
const gateway = { ingestedAt: '1', clientId: 'gw-1' };
const other = { ingestedAt: '2', clientId: 'gw-2' };
const MESSAGES: BusMessage[] = [
  { key: 'seg-1', value: '{"a":1}', headers: gateway },
  { key: 'seg-2', value: '"Bình Dương 😀 — \\n escaped, and a raw\nnewline"', headers: gateway },
  { key: '', value: '' },
  { key: 'seg-1', value: '{"b":[1,2,3]}', headers: other },
  { key: 'k,"quoted"', value: '😀😀', headers: gateway },
];

describe('a batch of bus messages as one log row', () => {
  it('when messages are encoded and decoded, then keys, values (any characters, empty too), headers and offsets come back', () => {
    const row = { base_offset: 40, ...encodeLogBatch(MESSAGES) };
    expect(row.count).toBe(5);

    const back = decodeLogBatch('t', row, 0, 100);

    expect(back.map(({ key, value, headers, offset }) => ({ key, value, headers, offset }))).toEqual(
      MESSAGES.map((m, i) => ({ key: m.key, value: m.value, headers: m.headers, offset: String(40 + i) })),
    );
    expect(back.every((m) => m.topic === 't' && m.partition === 0)).toBe(true);
  });

  it('when reading starts inside a batch or stops at a limit, then only those messages come back', () => {
    const row = { base_offset: 40, ...encodeLogBatch(MESSAGES) };
    expect(decodeLogBatch('t', row, 42, 2).map((m) => m.offset)).toEqual(['42', '43']);
    expect(decodeLogBatch('t', row, 44, 10).map((m) => m.value)).toEqual(['😀😀']);
    expect(decodeLogBatch('t', row, 45, 10)).toEqual([]);
  });
});

describe('SqliteBus with batch rows', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('when one commit holds more messages than a consumer batch, then the consumer gets them all, in order, batch by batch', async () => {
    dir = mkdtempSync(join(tmpdir(), 'rp-batches-'));
    const bus = new SqliteBus({ file: join(dir, 'bus.sqlite'), log, maxBatch: 3 });
    const values = Array.from({ length: 10 }, (_, i) => `"m${i}"`);
    await Promise.all(values.map((value) => bus.publish('t', [{ key: 'k', value }]))); // one turn: one commit, one row

    const batches: ConsumedMessage[][] = [];
    const sub = await bus.consume({ groupId: 'g', topics: ['t'] }, async (batch) => void batches.push(batch));
    await waitFor(() => batches.flat().length >= 10);
    await sub.stop();

    expect(batches.map((b) => b.length)).toEqual([3, 3, 3, 1]);
    expect(batches.flat().map((m) => m.value)).toEqual(values);
    expect(bus.read('t', 4, 3).map((m) => m.offset)).toEqual(['4', '5', '6']);
    await bus.close();
  });

  it('when a bus file holds one message per row (before batches), then its messages move into batches and a group resumes where it was', async () => {
    dir = mkdtempSync(join(tmpdir(), 'rp-batches-'));
    const file = join(dir, 'bus.sqlite');
    const old = new Database(file);
    old.exec(`
      CREATE TABLE topics (topic TEXT PRIMARY KEY, next_offset INTEGER NOT NULL) WITHOUT ROWID;
      CREATE TABLE group_offsets (group_id TEXT NOT NULL, topic TEXT NOT NULL, next_offset INTEGER NOT NULL, PRIMARY KEY (group_id, topic)) WITHOUT ROWID;
      CREATE TABLE "log:t" (offset INTEGER PRIMARY KEY, key TEXT NOT NULL, value TEXT NOT NULL, headers TEXT, appended_at INTEGER NOT NULL);
      INSERT INTO "log:t" VALUES (0, 'a', '"old0"', NULL, 1), (1, 'b', '"old1"', '{"clientId":"gw-1"}', 2), (2, 'c', '"old2"', NULL, 3);
      INSERT INTO topics VALUES ('t', 3);
      INSERT INTO group_offsets VALUES ('g', 't', 1);`);
    old.close();

    const bus = new SqliteBus({ file, log });
    await bus.publish('t', [{ key: 'd', value: '"new3"' }]);
    const got: ConsumedMessage[] = [];
    const sub = await bus.consume({ groupId: 'g', topics: ['t'] }, async (batch) => void got.push(...batch));
    await waitFor(() => got.length >= 3);
    await sub.stop();

    expect(got.map((m) => [m.offset, m.key, m.value, m.headers])).toEqual([
      ['1', 'b', '"old1"', { clientId: 'gw-1' }],
      ['2', 'c', '"old2"', undefined],
      ['3', 'd', '"new3"', undefined],
    ]);
    expect(bus.read('t').map((m) => m.value)).toEqual(['"old0"', '"old1"', '"old2"', '"new3"']);
    await bus.close();
    const after = new Database(file, { readonly: true });
    expect(after.prepare("SELECT name FROM sqlite_master WHERE name = 'log:t'").all()).toEqual([]);
    after.close();
  });
});

async function waitFor(done: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !done(); i++) await new Promise((r) => setTimeout(r, 25));
  if (!done()) throw new Error('timed out');
}

import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { BroadcastChannel } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { Logger } from '../logging/create-logger.ts';
import type { BatchHandler, Bus, BusMessage, ConsumeOptions, ConsumedMessage, Subscription } from '../ports/bus.ts';
import { SqliteConsumer } from './sqlite-consumer.ts';
import { insertLogBatch, prepareLogBatchInsert } from './sqlite-log-batch.ts';
import { logTable } from './sqlite-log-table.ts';

interface PendingPublish {
  topic: string;
  messages: BusMessage[];
  resolve: () => void;
  reject: (err: Error) => void;
}

export interface SqliteBusOptions {
  file: string;
  log: Logger;
  /** Messages older than this are deleted, read or not (like Kafka's retention.ms); unset: this instance never deletes. */
  retentionMs?: number;
  maxBatch?: number;
  /** Leave WAL checkpoints to other connections to the file (the writer thread's), off this thread. */
  checkpointsByConsumers?: boolean;
}

const ANNOUNCE_EVERY_MS = 5;

/**
 * The embedded bus: a durable log in one SQLite file (WAL). Publishes that arrive in the same
 * event-loop turn are committed in one transaction (group commit) before any of them resolves, so a
 * resolved publish survives a crash of the process (WAL + synchronous=NORMAL: the commit is in the
 * OS before we return; only a power loss could take it). Consumers read the log from their group's
 * committed offset and commit after their handler resolves: the same contract as Kafka.
 *
 * Several instances (one per thread) may open the same file: offsets are allocated inside the
 * append transaction from the `topics` table, and appends are announced on a BroadcastChannel so
 * a consumer in another thread wakes up at once.
 */
export class SqliteBus implements Bus {
  private readonly db: Database.Database;
  private readonly log: Logger;
  private pending: PendingPublish[] = [];
  private flushScheduled = false;
  private readonly consumers = new Set<SqliteConsumer>();
  private readonly retentionTimer: NodeJS.Timeout | null;
  private closed = false;
  private readonly inserts = new Map<string, Database.Statement>();
  private readonly nextOffset: Database.Statement;
  private readonly advanceOffset: Database.Statement;
  private readonly channel: BroadcastChannel;
  private readonly unannounced = new Set<string>();
  private announceTimer: NodeJS.Timeout | null = null;

  constructor(private readonly options: SqliteBusOptions) {
    this.log = options.log.child({ component: 'sqlite-bus' });
    mkdirSync(dirname(options.file), { recursive: true });
    this.db = new Database(options.file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    // Copying the WAL back into the file (a checkpoint, with an fsync) costs the appending thread
    // about 5 µs a message; when a consumer connection on another thread exists, it does it instead
    // (SQLite checkpoints after a commit on a connection whose WAL has grown: the offset commits).
    if (options.checkpointsByConsumers) this.db.pragma('wal_autocheckpoint = 0');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS topics (topic TEXT PRIMARY KEY, next_offset INTEGER NOT NULL) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS group_offsets (
        group_id TEXT NOT NULL, topic TEXT NOT NULL, next_offset INTEGER NOT NULL,
        PRIMARY KEY (group_id, topic)) WITHOUT ROWID;`);
    this.nextOffset = this.db.prepare('SELECT next_offset FROM topics WHERE topic = ?').pluck();
    this.advanceOffset = this.db.prepare(
      'INSERT INTO topics VALUES (?, ?) ON CONFLICT (topic) DO UPDATE SET next_offset = excluded.next_offset',
    );
    this.channel = new BroadcastChannel(`roadpulse-bus:${resolve(options.file)}`);
    this.channel.unref();
    this.channel.onmessage = (event) => this.notifyConsumers(new Set((event as { data: string[] }).data));
    const { retentionMs } = options;
    this.retentionTimer = retentionMs ? setInterval(() => this.applyRetention(retentionMs), 60_000).unref() : null;
  }

  publish(topic: string, messages: BusMessage[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error('bus is closed'));
    if (messages.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.pending.push({ topic, messages, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** One transaction for everything published since the last flush (group commit). */
  private flush(): void {
    this.flushScheduled = false;
    const batch = this.pending;
    if (batch.length === 0) return; // close() flushed already
    this.pending = [];
    const now = Date.now();
    const touched = new Set<string>();
    try {
      const byTopic = new Map<string, BusMessage[]>();
      for (const p of batch) {
        const messages = byTopic.get(p.topic);
        if (messages) messages.push(...p.messages);
        else byTopic.set(p.topic, p.messages.slice());
      }
      this.db
        .transaction(() => {
          for (const [topic, messages] of byTopic) {
            // One row per topic and commit (sqlite-log-batch.ts).
            const base = (this.nextOffset.get(topic) as number | undefined) ?? 0;
            insertLogBatch(this.insertInto(topic), base, messages, now);
            this.advanceOffset.run(topic, base + messages.length);
            touched.add(topic);
          }
        })
        .immediate();
    } catch (err) {
      this.log.error({ err }, 'bus append failed');
      for (const p of batch) p.reject(err as Error);
      return;
    }
    for (const p of batch) p.resolve();
    this.notifyConsumers(touched);
    this.announce(touched);
  }

  /**
   * Tells consumers on other threads which topics grew, at most once per ANNOUNCE_EVERY_MS: a post
   * per group commit cost the appending thread more than the commit itself at moderate rates.
   */
  private announce(topics: Set<string>): void {
    if (this.closed) return; // the channel is closed; other threads' consumers still poll every second
    for (const t of topics) this.unannounced.add(t);
    if (this.announceTimer) return;
    const post = (): void => {
      if (this.unannounced.size === 0 || this.closed) {
        this.announceTimer = null;
        return;
      }
      this.channel.postMessage([...this.unannounced]);
      this.unannounced.clear();
      this.announceTimer = setTimeout(post, ANNOUNCE_EVERY_MS);
    };
    post();
  }

  private insertInto(topic: string): Database.Statement {
    let insert = this.inserts.get(topic);
    if (!insert) {
      insert = prepareLogBatchInsert(this.db, logTable(this.db, topic));
      this.inserts.set(topic, insert);
    }
    return insert;
  }

  private notifyConsumers(topics: Set<string>): void {
    for (const c of this.consumers) c.notify(topics);
  }

  /** The offset the next message of a topic will get. */
  endOffset(topic: string): number {
    return (this.nextOffset.get(topic) as number | undefined) ?? 0;
  }

  async consume(options: ConsumeOptions, handler: BatchHandler): Promise<Subscription> {
    const consumer = new SqliteConsumer({
      db: this.db,
      options,
      handler,
      log: this.log,
      endOffset: (topic) => this.endOffset(topic),
      maxBatch: this.options.maxBatch ?? 2000,
      onStop: () => this.consumers.delete(consumer),
    });
    this.consumers.add(consumer);
    consumer.start();
    return consumer;
  }

  /** Reads messages of a topic from an offset; for tools and tests (a replay, a DLQ inspection). */
  read(topic: string, fromOffset = 0, limit = 1000): ConsumedMessage[] {
    return SqliteConsumer.readRows(this.db, topic, fromOffset, limit);
  }

  async ping(): Promise<void> {
    if (this.closed) throw new Error('bus is closed');
    this.db.prepare('SELECT 1').get();
  }

  /**
   * Time-based retention, like Kafka's retention.ms: whatever the consumer groups committed, a
   * message stays for the retention period (dead letters must stay readable, topics replayable).
   * Batches of a topic are appended in time order, so the cut-off is found by a binary search
   * along the primary key and the delete is a range delete from the front (whole batches).
   */
  private applyRetention(retentionMs: number): void {
    const cutoff = Date.now() - retentionMs;
    const topics = this.db.prepare('SELECT topic, next_offset FROM topics').all() as { topic: string; next_offset: number }[];
    for (const { topic, next_offset: end } of topics) {
      const table = logTable(this.db, topic);
      // Of the first batch starting at or after an offset (none: past the last batch's start).
      const appendedAt = this.db.prepare(`SELECT appended_at FROM ${table} WHERE base_offset >= ? ORDER BY base_offset LIMIT 1`).pluck();
      let lo = (this.db.prepare(`SELECT MIN(base_offset) FROM ${table}`).pluck().get() as number | null) ?? end;
      let hi = end; // the first offset to keep lies in [lo, hi]
      while (lo < hi) {
        const mid = Math.floor((lo + hi) / 2);
        const at = appendedAt.get(mid) as number | undefined;
        if (at !== undefined && at < cutoff) lo = mid + 1;
        else hi = mid;
      }
      this.db.prepare(`DELETE FROM ${table} WHERE base_offset < ?`).run(lo);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.retentionTimer) clearInterval(this.retentionTimer);
    if (this.announceTimer) clearTimeout(this.announceTimer);
    this.channel.close();
    if (this.pending.length > 0) this.flush();
    await Promise.all([...this.consumers].map((c) => c.stop()));
    this.db.close();
  }
}

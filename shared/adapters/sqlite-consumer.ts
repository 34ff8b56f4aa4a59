import type Database from 'better-sqlite3';
import type { Logger } from '../logging/create-logger.ts';
import type { BatchHandler, ConsumeOptions, ConsumedMessage, Subscription } from '../ports/bus.ts';
import { decodeLogBatch, type LogBatchRow } from './sqlite-log-batch.ts';
import { logTable } from './sqlite-log-table.ts';

const MAX_BACKOFF_MS = 30_000;
/**
 * After a round in which no topic filled a whole batch, wait this long before reading again so
 * the next batch is bigger: each batch costs the handler a store transaction and the group an offset commit,
 * which at a few messages a batch cost more than the messages themselves.
 */
const LINGER_MS = 100;

/** One consumer group on the embedded bus: reads from its committed offsets, commits after the handler. */
export class SqliteConsumer implements Subscription {
  private readonly positions = new Map<string, number>();
  private wake: (() => void) | null = null;
  private interrupt: (() => void) | null = null;
  private stopping = false;
  private loop: Promise<void> = Promise.resolve();
  private readonly commit: Database.Statement;

  constructor(
    private readonly args: {
      db: Database.Database;
      options: ConsumeOptions;
      handler: BatchHandler;
      log: Logger;
      endOffset: (topic: string) => number;
      maxBatch: number;
      onStop: () => void;
    },
  ) {
    const { db, options } = args;
    this.commit = db.prepare(
      `INSERT INTO group_offsets (group_id, topic, next_offset) VALUES (?, ?, ?)
       ON CONFLICT (group_id, topic) DO UPDATE SET next_offset = excluded.next_offset`,
    );
    const committed = db.prepare('SELECT next_offset FROM group_offsets WHERE group_id = ? AND topic = ?');
    for (const topic of options.topics) {
      const row = committed.get(options.groupId, topic) as { next_offset: number } | undefined;
      let start = row?.next_offset;
      if (start === undefined) {
        start = options.fromBeginning === false ? args.endOffset(topic) : 0;
        this.commit.run(options.groupId, topic, start);
      }
      this.positions.set(topic, start);
    }
  }

  /** Up to `limit` messages from offset `from` on: from the batch holding `from`, then the next ones. */
  static readRows(db: Database.Database, topic: string, from: number, limit: number): ConsumedMessage[] {
    const table = logTable(db, topic);
    const batches = db
      .prepare(
        `SELECT base_offset, count, keys, ends, headers, vals FROM ${table}
         WHERE base_offset >= COALESCE((SELECT MAX(base_offset) FROM ${table} WHERE base_offset <= ?), 0) ORDER BY base_offset`,
      )
      .iterate(from) as IterableIterator<LogBatchRow>;
    const out: ConsumedMessage[] = [];
    for (const batch of batches) {
      out.push(...decodeLogBatch(topic, batch, from, limit - out.length));
      if (out.length >= limit) break; // ends the iteration (and resets the statement)
    }
    return out;
  }

  start(): void {
    this.loop = this.runSafely();
  }

  /** The loop must never die quietly: a failing read or offset commit (disk full, busy) backs off and retries. */
  private async runSafely(): Promise<void> {
    let backoffMs = 100;
    while (!this.stopping) {
      try {
        await this.run();
        return;
      } catch (err) {
        this.args.log.error({ err, groupId: this.args.options.groupId, backoffMs }, 'bus consumer failed; retrying');
        await this.wait(backoffMs, false);
        backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
      }
    }
  }

  notify(topics: Set<string>): void {
    if (this.args.options.topics.some((t) => topics.has(t))) this.wake?.();
  }

  private async run(): Promise<void> {
    let backoffMs = 100;
    while (!this.stopping) {
      let delivered = false;
      let backlog = false; // a topic filled a whole batch: more is waiting, so no linger
      for (const topic of this.args.options.topics) {
        const from = this.positions.get(topic) ?? 0;
        // Earlier messages may have been removed by retention: start from what is left.
        const batch = SqliteConsumer.readRows(this.args.db, topic, from, this.args.maxBatch);
        if (batch.length === 0) continue;
        try {
          await this.args.handler(batch);
        } catch (err) {
          this.args.log.warn({ err, topic, groupId: this.args.options.groupId, backoffMs }, 'batch handler failed; will retry');
          await this.wait(backoffMs, false);
          backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
          delivered = true;
          break;
        }
        backoffMs = 100;
        const next = Number(batch[batch.length - 1]!.offset) + 1;
        this.commit.run(this.args.options.groupId, topic, next);
        this.positions.set(topic, next);
        delivered = true;
        if (batch.length === this.args.maxBatch) backlog = true;
      }
      if (!delivered && !this.stopping) await this.wait(1000, true);
      else if (!backlog && !this.stopping) await this.wait(LINGER_MS, false);
    }
  }

  /** Sleeps until the timeout or a stop; with wakeOnMessage, also until a new message arrives. */
  private wait(ms: number, wakeOnMessage: boolean): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake = null;
        this.interrupt = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.interrupt = done;
      this.wake = wakeOnMessage ? done : null;
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.interrupt?.();
    await this.loop;
    this.args.onStop();
  }
}

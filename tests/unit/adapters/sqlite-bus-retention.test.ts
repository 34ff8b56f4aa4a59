import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SqliteBus } from '../../../shared/adapters/sqlite-bus.ts';
import { createLogger } from '../../../shared/logging/create-logger.ts';

const HOUR = 3600_000;

describe('SqliteBus retention (time-based, like Kafka retention.ms)', () => {
  let dir = '';
  afterEach(() => {
    vi.useRealTimers();
    rmSync(dir, { recursive: true, force: true });
  });

  it('when messages are older than the retention period, then the retention pass deletes them and keeps the newer ones and the offsets', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'setInterval', 'clearInterval'] });
    vi.setSystemTime(Date.UTC(2026, 0, 1));
    dir = mkdtempSync(join(tmpdir(), 'rp-retention-'));
    const bus = new SqliteBus({ file: join(dir, 'bus.sqlite'), log: createLogger({ level: 'silent' }), retentionMs: 2 * HOUR });
    const publish = (n: number, prefix: string) =>
      bus.publish('t', Array.from({ length: n }, (_, i) => ({ key: 'k', value: `"${prefix}${i}"` })));

    await publish(5, 'old'); // offsets 0–4 at t0
    vi.setSystemTime(Date.UTC(2026, 0, 1) + HOUR);
    await publish(3, 'mid'); // offsets 5–7 at t0 + 1 h
    vi.setSystemTime(Date.UTC(2026, 0, 1) + 2.5 * HOUR);
    await publish(2, 'new'); // offsets 8–9 at t0 + 2.5 h

    vi.advanceTimersByTime(60_000); // one retention pass: cut-off t0 + 0.5 h

    const left = bus.read('t');
    expect(left.map((m) => m.value)).toEqual(['"mid0"', '"mid1"', '"mid2"', '"new0"', '"new1"']);
    expect(left.map((m) => m.offset)).toEqual(['5', '6', '7', '8', '9']);
    await publish(1, 'after');
    expect(bus.read('t', 10).map((m) => m.offset)).toEqual(['10']);
    await bus.close();
  });
});

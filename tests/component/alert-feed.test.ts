import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteBus } from '../../shared/adapters/sqlite-bus.ts';
import { alertEventId, alertId, type AlertEvent } from '../../shared/contract/alert.ts';
import { TOPICS } from '../../shared/contract/topics.ts';
import { createLogger } from '../../shared/logging/create-logger.ts';
import { startAlertFeed, type AlertFeed, type FedAlertEvent } from '../../services/api/alert-feed.ts';
import { waitFor } from '../helpers/wait.ts';

// The ring behind the stream's alert events and Last-Event-ID resume, on the embedded bus.
const T0 = Date.UTC(2026, 0, 1, 2, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();
const log = createLogger({ level: 'silent' });

function event(i: number, name: AlertEvent['event'] = 'raised'): AlertEvent {
  const raisedAt = T0 + i * 60_000;
  return {
    event: name,
    alert: {
      id: alertId(`seg-${i}`, raisedAt), segmentId: `seg-${i}`, window: '5m', state: 'active', level: 'F', raisedAt: iso(raisedAt),
      clearedAt: null, acknowledgedAt: null, acknowledgedBy: null, peakLos: 'F', peakCongestionPct: 500, lastLos: 'F',
      lastCongestionPct: 500, updatedAt: iso(raisedAt),
    },
  };
}

describe('alert feed (Last-Event-ID ring)', () => {
  let dir: string;
  let bus: SqliteBus;
  let feed: AlertFeed | undefined;
  const publish = (...values: (AlertEvent | string)[]) =>
    bus.publish(TOPICS.alerts, values.map((v) => ({ key: 'k', value: typeof v === 'string' ? v : JSON.stringify(v) })));
  const collect = (lastEventId?: string) => {
    const got: FedAlertEvent[] = [];
    feed!.subscribe((e) => got.push(e), lastEventId);
    return got;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'roadpulse-alert-feed-'));
    bus = new SqliteBus({ file: join(dir, 'bus.sqlite'), log });
  });
  afterEach(async () => {
    await feed?.stop();
    await bus.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('when events were published before the feed started, then a resume gets those after its id in order, a duplicate once, and a bad message not at all', async () => {
    await publish(event(1), event(2), 'not json', event(2), event(3), event(3, 'cleared'));
    feed = await startAlertFeed({ bus, log, ringSize: 10 });
    await waitFor(() => collect(alertEventId(event(1))).length === 3, { what: 'the ring filled' });
    expect(collect(alertEventId(event(1))).map((e) => e.id)).toEqual([event(2), event(3), event(3, 'cleared')].map(alertEventId));
    expect(collect(alertEventId(event(3, 'cleared')))).toEqual([]);
    expect(collect()).toEqual([]);
  });

  it('when the resume id has left the ring (or was never in it), then the events of the ring at or after the time it names come; an id without a time gets the whole ring', async () => {
    await publish(...[1, 2, 3, 4, 5].map((i) => event(i)));
    feed = await startAlertFeed({ bus, log, ringSize: 3 });
    await waitFor(() => collect('x').length === 3, { what: 'the ring filled' });
    expect(collect('x').map((e) => e.event.alert.segmentId)).toEqual(['seg-3', 'seg-4', 'seg-5']);
    // seg-1's event left the ring: the ring's events since its time.
    expect(collect(alertEventId(event(1))).map((e) => e.event.alert.segmentId)).toEqual(['seg-3', 'seg-4', 'seg-5']);
    expect(collect(`gone~raised~${T0 + 4 * 60_000}`).map((e) => e.event.alert.segmentId)).toEqual(['seg-4', 'seg-5']);
  });

  it('when a live event comes after a resume, then it follows the replayed ones, once', async () => {
    await publish(event(1), event(2));
    feed = await startAlertFeed({ bus, log });
    await waitFor(() => collect(alertEventId(event(1))).length === 1, { what: 'the ring filled' });
    const got = collect(alertEventId(event(1)));
    await publish(event(3), event(2));
    await waitFor(() => got.length === 2, { what: 'the live event' });
    await new Promise((r) => setTimeout(r, 200));
    expect(got.map((e) => e.event.alert.segmentId)).toEqual(['seg-2', 'seg-3']);
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteBus } from '../../shared/adapters/sqlite-bus.ts';
import { SqliteStore } from '../../shared/adapters/sqlite-store.ts';
import type { AlertEvent } from '../../shared/contract/alert.ts';
import type { CongestionRecord, Los } from '../../shared/contract/congestion-record.ts';
import { TOPICS } from '../../shared/contract/topics.ts';
import { createLogger } from '../../shared/logging/create-logger.ts';
import { loadRoadNetwork } from '../../shared/network/load-network.ts';
import type { Store } from '../../shared/ports/store.ts';
import type { AlertRules } from '../../shared/traffic/alert-rules.ts';
import { startAlertService, type AlertService } from '../../services/alerter/alert-service.ts';
import { committedOffset } from '../helpers/bus-file.ts';
import { waitFor } from '../helpers/wait.ts';

// The alert service on the real embedded bus and store files: what it commits, what survives a restart.
const W = 300_000;
const T0 = Date.UTC(2026, 0, 1, 2, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();
const log = createLogger({ level: 'silent' });
const network = loadRoadNetwork();
// A 10-minute raise time: two 5m windows in a row, so a restart can fall between them.
const rules: AlertRules = {
  window: '5m',
  urban: { raiseLos: 'E', clearLos: 'C', raiseHoldMs: 10 * 60_000, clearHoldMs: 5 * 60_000 },
  highway: { raiseLos: 'F', clearLos: 'C', raiseHoldMs: 10 * 60_000, clearHoldMs: 5 * 60_000 },
};

function record(segmentId: string, i: number, los: Los): CongestionRecord {
  return {
    segmentId, window: '5m', from: iso(T0 + i * W), to: iso(T0 + (i + 1) * W), status: 'ok', flowVph: 1000, flowPcuph: 800,
    speedKmh: 10, occupancy: 0.5, densityPcuPerKmLane: 30, speedRatio: 0.2, tti: 5, congestionPct: 400, jamFactor: 8, los,
    sensorsReporting: 1, sensorsKnown: 1, stationsReporting: 1, sensorsFaulty: null, lastReadingAt: iso(T0 + i * W),
  };
}

describe('alert service on the embedded bus and store', () => {
  let dir: string;
  let bus: SqliteBus;
  let store: SqliteStore;
  let service: AlertService | undefined;
  const metrics = () => {
    const counts = { raised: 0, cleared: 0, active: -1 };
    return { counts, alertEvents: { inc: ({ event }: { event: 'raised' | 'cleared' }) => void (counts[event] += 1) }, alertsActive: { set: (n: number) => void (counts.active = n) } };
  };
  const start = (s: Store = store, m = metrics()) => startAlertService({ bus, store: s, network, rules, log, metrics: m, groupId: 'alerter-test' });
  const publish = (...records: (CongestionRecord | string)[]) =>
    bus.publish(TOPICS.congestion, records.map((r) => (typeof r === 'string' ? { key: 'x', value: r } : { key: r.segmentId, value: JSON.stringify(r) })));
  const events = () => bus.read(TOPICS.alerts, 0, 1000).map((m) => JSON.parse(m.value) as AlertEvent);
  const congestionEnd = () => bus.read(TOPICS.congestion, 0, 100_000).length;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'roadpulse-alerter-'));
    bus = new SqliteBus({ file: join(dir, 'bus.sqlite'), log });
    store = new SqliteStore(join(dir, 'store.sqlite'));
  });
  afterEach(async () => {
    await service?.stop();
    service = undefined;
    await bus.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('when the service restarts between the two bad windows of a 10-minute hold, then the pending run survives and the second window raises', async () => {
    service = await start();
    await publish(record('ql13-nb-01', 0, 'E'));
    await waitFor(() => committedOffset(dir, 'alerter-test', TOPICS.congestion) === congestionEnd(), { what: 'the first record committed' });
    expect(events()).toEqual([]);
    await service.stop();

    const m = metrics();
    service = await start(store, m);
    await publish(record('ql13-nb-01', 1, 'F'));
    await waitFor(() => events().length === 1, { what: 'the raise after the restart' });
    expect(events()[0]).toMatchObject({ event: 'raised', alert: { id: `ql13-nb-01@${T0 + 2 * W}`, level: 'F', peakLos: 'F', raisedAt: iso(T0 + 2 * W) } });
    expect(m.counts).toEqual({ raised: 1, cleared: 0, active: 1 });
    expect(service.active().map((a) => a.id)).toEqual([`ql13-nb-01@${T0 + 2 * W}`]);
  });

  it('when records of another window, of unknown segments, or that are not records come, then they are committed and judged not at all; a highway segment uses its own level', async () => {
    service = await start();
    // mptv-nb-01 is a highway: E does not raise there (its raise level is F here), however long it lasts.
    await publish('not json', '{"segmentId":"ql13-nb-01"}', { ...record('ql13-nb-01', 0, 'F'), window: '1m' }, record('nowhere-1', 0, 'F'),
      record('mptv-nb-01', 0, 'E'), record('mptv-nb-01', 1, 'E'), record('mptv-nb-01', 2, 'E'));
    await waitFor(() => committedOffset(dir, 'alerter-test', TOPICS.congestion) === congestionEnd(), { what: 'every message committed' });
    expect(events()).toEqual([]);
    expect(await store.alerts({ state: 'recent', since: 0, limit: 10 })).toEqual([]);
  });

  it('when the store refuses the alert once, then the batch is not committed, and the retry stores it (the event may repeat, identical)', async () => {
    let failures = 1;
    const flaky = new Proxy(store, {
      get(target, prop, receiver) {
        if (prop === 'writeAlerts') {
          return async (...args: Parameters<Store['writeAlerts']>) => {
            if (failures-- > 0) throw new Error('disk full');
            return target.writeAlerts(...args);
          };
        }
        const value = Reflect.get(target, prop, receiver) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    service = await start(flaky);
    await publish(record('ql13-nb-01', 0, 'F'), record('ql13-nb-01', 1, 'F'));
    await waitFor(async () => (await store.alerts({ state: 'active', limit: 5 })).length === 1, { what: 'the alert stored on retry' });
    await waitFor(() => committedOffset(dir, 'alerter-test', TOPICS.congestion) === congestionEnd(), { what: 'the batch committed' });
    const published = events();
    expect(published.length).toBeGreaterThanOrEqual(1);
    for (const e of published) expect(e).toEqual(published[0]);
    expect(await store.alert(`ql13-nb-01@${T0 + 2 * W}`)).toEqual(published[0]!.alert);
  });
});

import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { alertId, type Alert } from '../../shared/contract/alert.ts';
import type { Store } from '../../shared/ports/store.ts';
import type { AlertTrack } from '../../shared/traffic/alert-rules.ts';
import type { StoreFactory } from './store-contract.ts';

/**
 * The alert part of the Store port (issue 12) as one suite for every adapter (SQLite, InfluxDB).
 * Each test uses its own segment ids, so a shared database only shows a test its own alerts.
 */
const H = 3_600_000;
const T0 = Date.UTC(2026, 0, 1, 2, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();

export function alert(segmentId: string, raisedAt: number, extra: Partial<Alert> = {}): Alert {
  return {
    id: alertId(segmentId, raisedAt), segmentId, window: '5m', state: 'active', level: 'E',
    raisedAt: iso(raisedAt), clearedAt: null, acknowledgedAt: null, acknowledgedBy: null,
    peakLos: 'F', peakCongestionPct: 312.5, lastLos: 'E', lastCongestionPct: 180.1, updatedAt: iso(raisedAt),
    ...extra,
  };
}

const seg = () => `seg-${randomUUID().slice(0, 8)}`;

export function alertStoreContract(name: string, makeStore: StoreFactory): void {
  describe(`Store contract, alerts: ${name}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    beforeEach(async () => {
      ({ store, cleanup } = await makeStore());
    });
    afterEach(async () => {
      await cleanup();
    });

    it('when an alert is written, then alert(id) returns it exactly, and an unknown id gives null', async () => {
      const a = alert(seg(), T0, { peakCongestionPct: null, lastLos: null, lastCongestionPct: null });
      await store.writeAlerts([a]);
      expect(await store.alert(a.id)).toEqual(a);
      expect(await store.alert(alertId(a.segmentId, T0 + 1))).toBeNull();
      expect(await store.alert('not-an-alert-id')).toBeNull();
    });

    it('when an alert is written again with newer values, then it is replaced (one alert, the latest values)', async () => {
      const s = seg();
      await store.writeAlerts([alert(s, T0)]);
      const cleared = alert(s, T0, { state: 'cleared', clearedAt: iso(T0 + H), lastLos: 'B', lastCongestionPct: 12, updatedAt: iso(T0 + H) });
      await store.writeAlerts([cleared]);
      expect(await store.alert(cleared.id)).toEqual(cleared);
      expect(await store.alerts({ state: 'recent', since: 0, segmentId: s, limit: 10 })).toEqual([cleared]);
    });

    it('when alerts are listed as active, then only active ones come, newest raise first, filtered by segment and cut at limit', async () => {
      const [s1, s2] = [seg(), seg()];
      const old = alert(s1, T0);
      const newer = alert(s2, T0 + H);
      const cleared = alert(s1, T0 + 2 * H, { state: 'cleared', clearedAt: iso(T0 + 3 * H) });
      await store.writeAlerts([old, newer, cleared]);
      const ours = (list: Alert[]) => list.filter((a) => a.segmentId === s1 || a.segmentId === s2);
      expect(ours(await store.alerts({ state: 'active', limit: 1000 }))).toEqual([newer, old]);
      expect(await store.alerts({ state: 'active', segmentId: s1, limit: 10 })).toEqual([old]);
      expect(await store.alerts({ state: 'active', segmentId: s2, limit: 10 })).toEqual([newer]);
      const newerOnS1 = alert(s1, T0 + 4 * H);
      await store.writeAlerts([newerOnS1]);
      expect(await store.alerts({ state: 'active', segmentId: s1, limit: 1 })).toEqual([newerOnS1]);
    });

    it('when alerts are listed as recent, then those raised or cleared since the time come, newest event first', async () => {
      const s = seg();
      const since = T0 + 10 * H;
      const raisedLongAgoClearedNow = alert(s, T0, { state: 'cleared', clearedAt: iso(since + 3 * H) });
      const raisedNow = alert(s, since + H);
      const raisedAtSince = alert(s, since, { state: 'cleared', clearedAt: iso(since + 2 * H) });
      const tooOld = alert(s, T0 + H, { state: 'cleared', clearedAt: iso(since - 1) });
      await store.writeAlerts([raisedLongAgoClearedNow, raisedNow, raisedAtSince, tooOld]);
      expect(await store.alerts({ state: 'recent', since, segmentId: s, limit: 10 })).toEqual([raisedLongAgoClearedNow, raisedAtSince, raisedNow]);
      expect(await store.alerts({ state: 'recent', since, segmentId: s, limit: 2 })).toEqual([raisedLongAgoClearedNow, raisedAtSince]);
    });

    it('when an alert is acknowledged, then it carries who and when (updatedAt too); a second acknowledgement keeps the first', async () => {
      const a = alert(seg(), T0);
      await store.writeAlerts([a]);
      const acked = { ...a, acknowledgedAt: iso(T0 + 60_000), acknowledgedBy: 'operator "7", desk=2', updatedAt: iso(T0 + 60_000) };
      expect(await store.acknowledgeAlert(a.id, 'operator "7", desk=2', T0 + 60_000)).toEqual(acked);
      expect(await store.acknowledgeAlert(a.id, 'someone else', T0 + 120_000)).toEqual(acked);
      expect(await store.alert(a.id)).toEqual(acked);
      expect(await store.acknowledgeAlert(alertId(a.segmentId, T0 + 5), 'x', T0)).toBeNull();
    });

    it('when the alert service rewrites an acknowledged alert without knowing of it, then the acknowledgement stays', async () => {
      const a = alert(seg(), T0);
      await store.writeAlerts([a]);
      await store.acknowledgeAlert(a.id, null, T0 + 60_000);
      const later = { ...a, state: 'cleared' as const, clearedAt: iso(T0 + H), updatedAt: iso(T0 + H) };
      await store.writeAlerts([later]);
      expect(await store.alert(a.id)).toEqual({ ...later, acknowledgedAt: iso(T0 + 60_000), acknowledgedBy: null });
      expect(await store.alerts({ state: 'recent', since: 0, segmentId: a.segmentId, limit: 5 })).toEqual([
        { ...later, acknowledgedAt: iso(T0 + 60_000), acknowledgedBy: null },
      ]);
    });

    it('when tracks are written and rewritten, then alertTracks returns the latest track of each segment', async () => {
      const [s1, s2] = [seg(), seg()];
      const t1: AlertTrack = { segmentId: s1, lastTo: T0, since: T0 - 300_000, runPeakLos: 'F', runPeakPct: 250.5 };
      const t2: AlertTrack = { segmentId: s2, lastTo: T0, since: null, runPeakLos: null, runPeakPct: null };
      await store.writeAlertTracks([t1, t2]);
      const t1b: AlertTrack = { ...t1, lastTo: T0 + 300_000, since: null, runPeakLos: null, runPeakPct: null };
      await store.writeAlertTracks([t1b]);
      const ours = (await store.alertTracks()).filter((t) => t.segmentId === s1 || t.segmentId === s2);
      expect(ours.sort((a, b) => a.segmentId.localeCompare(b.segmentId))).toEqual([t1b, t2].sort((a, b) => a.segmentId.localeCompare(b.segmentId)));
    });
  });
}

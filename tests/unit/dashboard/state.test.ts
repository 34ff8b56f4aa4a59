import { describe, expect, it } from 'vitest';
import { alertsView, mergeAlerts, mergeRanking, pickWindow, type Alert, type CongestionRecord } from '../../../services/api/dashboard/state.js';

const alert = (id: string, fields: Partial<Alert> = {}): Alert => ({
  id, segmentId: `seg-${id}`, window: '5m', state: 'active', level: 'E', raisedAt: '2026-12-04T10:00:00.000Z',
  clearedAt: null, acknowledgedAt: null, acknowledgedBy: null, peakLos: 'E', peakCongestionPct: 150, lastLos: 'E',
  lastCongestionPct: 150, updatedAt: '2026-12-04T10:00:00.000Z', ...fields,
});

describe('dashboard state: alerts', () => {
  it('when an older version of an alert arrives after a newer one (a late GET after a stream event), then the newer one stays', () => {
    const acked = alert('a1', { acknowledgedAt: '2026-12-04T10:02:00.000Z', updatedAt: '2026-12-04T10:02:00.000Z' });
    const alerts = mergeAlerts(mergeAlerts(new Map(), [acked]), [alert('a1')]);
    expect(alerts.get('a1')).toEqual(acked);
  });

  it('when a raised alert is then cleared, then it moves from the active list to the recent list', () => {
    let alerts = mergeAlerts(new Map(), [alert('a1')]);
    expect(alertsView(alerts).active.map((a) => a.id)).toEqual(['a1']);
    alerts = mergeAlerts(alerts, [alert('a1', { state: 'cleared', clearedAt: '2026-12-04T10:20:00.000Z', updatedAt: '2026-12-04T10:20:00.000Z' })]);
    expect(alertsView(alerts)).toMatchObject({ active: [], recent: [{ id: 'a1', state: 'cleared' }] });
  });

  it('when several alerts are active, then unacknowledged come first, then the worse level, then the newer', () => {
    const alerts = mergeAlerts(new Map(), [
      alert('old-e', { raisedAt: '2026-12-04T09:00:00.000Z' }),
      alert('new-e', { raisedAt: '2026-12-04T09:30:00.000Z' }),
      alert('f', { level: 'F', lastLos: 'F' }),
      alert('acked-f', { level: 'F', lastLos: 'F', acknowledgedAt: '2026-12-04T10:01:00.000Z' }),
    ]);
    expect(alertsView(alerts).active.map((a) => a.id)).toEqual(['f', 'new-e', 'old-e', 'acked-f']);
  });

  it('when many alerts were cleared, then only the newest few are shown', () => {
    const cleared = Array.from({ length: 8 }, (_, i) =>
      alert(`c${i}`, { state: 'cleared', clearedAt: `2026-12-04T10:0${i}:00.000Z`, updatedAt: `2026-12-04T10:0${i}:00.000Z` }),
    );
    expect(alertsView(mergeAlerts(new Map(), cleared), 3).recent.map((a) => a.id)).toEqual(['c7', 'c6', 'c5']);
  });

  it('when something that is not an alert arrives, then it is ignored', () => {
    expect(mergeAlerts(new Map(), [null as unknown as Alert, {} as Alert]).size).toBe(0);
  });
});

describe('dashboard state: records and window', () => {
  const r = (segmentId: string, congestionPct: number | null): CongestionRecord => ({ segmentId, window: '5m', status: congestionPct === null ? 'no_data' : 'ok', los: null, congestionPct });

  it('when a ranking arrives, then ranked records replace old ones, stale ranked ones go, unrankable ones stay', () => {
    const before = new Map([['a', r('a', 10)], ['b', r('b', 50)], ['c', r('c', null)]]);
    const after = mergeRanking(before, [r('a', 20)]);
    expect([...after.keys()].sort()).toEqual(['a', 'c']);
    expect(after.get('a')?.congestionPct).toBe(20);
  });

  it('when ?window= is given it wins, else the stored choice, else 5m; invalid values are ignored', () => {
    expect(pickWindow('?window=1m', '15m')).toBe('1m');
    expect(pickWindow('?window=7m', '15m')).toBe('15m');
    expect(pickWindow('', 'nonsense')).toBe('5m');
    expect(pickWindow('', null)).toBe('5m');
  });
});

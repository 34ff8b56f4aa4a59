import { describe, expect, it } from 'vitest';
import { CHART_BUCKET, CHART_HOURS, historyPath, historySeries } from '../../../services/api/dashboard/segment-chart.js';

const rec = (from: string, fields: Partial<{ status: string; speedKmh: number | null; flowPcuph: number | null; los: string | null }>) => ({
  from, to: new Date(Date.parse(from) + 300_000).toISOString(), status: 'ok', speedKmh: null, flowPcuph: null, los: null, ...fields,
});

describe('dashboard segment chart: history → uPlot series', () => {
  it('when records arrive out of order, then the columns are bucket start (s), speed, PCU flow and LOS rank, sorted by time', () => {
    const series = historySeries([
      rec('2026-12-04T10:10:00.000Z', { speedKmh: 12.5, flowPcuph: 1800, los: 'F' }),
      rec('2026-12-04T10:05:00.000Z', { speedKmh: 48, flowPcuph: 900, los: 'B' }),
    ]);
    expect(series).toEqual([
      [Date.parse('2026-12-04T10:05:00Z') / 1000, Date.parse('2026-12-04T10:10:00Z') / 1000],
      [48, 12.5],
      [900, 1800],
      [2, 6],
    ]);
  });

  it('when a bucket has no data, then every value of it is null (a gap in the chart, not a zero)', () => {
    const series = historySeries([
      rec('2026-12-04T10:05:00.000Z', { status: 'no_data' }),
      rec('2026-12-04T10:10:00.000Z', { speedKmh: null, flowPcuph: 600, los: null }), // counts, no speed
    ]);
    expect(series.slice(1)).toEqual([
      [null, null],
      [null, 600],
      [null, null],
    ]);
  });

  it('when the history of a segment is asked for, then it is the last hours at 5-minute buckets, with the id escaped', () => {
    const now = Date.parse('2026-12-04T12:00:00Z');
    const url = new URL(historyPath('ql13 nb/01', now), 'http://x');
    expect(url.pathname).toBe('/segments/ql13%20nb%2F01/history');
    expect(CHART_BUCKET).toBe('5m');
    expect(url.searchParams.get('bucket')).toBe('5m');
    expect(url.searchParams.get('to')).toBe('2026-12-04T12:00:00.000Z');
    expect(Date.parse(url.searchParams.get('from')!)).toBe(now - CHART_HOURS * 3600_000);
  });
});

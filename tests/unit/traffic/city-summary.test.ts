import { describe, expect, it } from 'vitest';
import type { CongestionRecord, Los } from '../../../shared/contract/congestion-record.ts';
import type { RoadSegment } from '../../../shared/network/road-segment.ts';
import { rankCongestion, summariseCity } from '../../../shared/traffic/city-summary.ts';

const TO = '2025-01-15T08:00:00.000Z';

function seg(id: string, lengthM: number): [string, RoadSegment] {
  return [id, {
    id, name: id, road: 'QL13', direction: 'northbound', lanes: 2, lengthM, freeFlowKmh: 50,
    capacityPcuPerHourPerLane: 1800, kind: 'urban', coordinates: [[106.65, 10.98], [106.66, 10.99]],
  }];
}

function ok(segmentId: string, congestionPct: number | null, los: Los | null): CongestionRecord {
  return {
    segmentId, window: '5m', from: '2025-01-15T07:55:00.000Z', to: TO, status: 'ok',
    flowVph: 1000, flowPcuph: 800, speedKmh: null, occupancy: null, densityPcuPerKmLane: null,
    speedRatio: null, tti: null, congestionPct, jamFactor: null, los,
    sensorsReporting: 1, sensorsKnown: 1, stationsReporting: 1, sensorsFaulty: null, lastReadingAt: '2025-01-15T07:59:00.000Z',
  };
}

function noData(segmentId: string): CongestionRecord {
  return {
    ...ok(segmentId, null, null), status: 'no_data', flowVph: null, flowPcuph: null,
    sensorsReporting: 0, stationsReporting: 0, sensorsFaulty: null, lastReadingAt: null,
  };
}

const network = new Map([seg('a', 1000), seg('b', 3000), seg('c', 500), seg('d', 2000)]);

describe('summariseCity (DESIGN §5)', () => {
  const records = [ok('a', 20, 'B'), ok('b', 60, 'D'), noData('c'), ok('d', null, null)];

  it('when segments differ in length, then the mean congestion % is weighted by length', () => {
    // (20 × 1000 + 60 × 3000) / (1000 + 3000) = 200000 / 4000 = 50 (unweighted: 40); c and d have none
    expect(summariseCity(records, network, 5).meanCongestionPct).toBeCloseTo(50, 6);
  });

  it('when records have LOS, no data or no LOS, then each kind is counted', () => {
    const summary = summariseCity(records, network, 5);
    expect(summary.losCounts).toEqual({ A: 0, B: 1, C: 0, D: 1, E: 0, F: 0, no_data: 1, unknown: 1 });
    expect(summary).toMatchObject({ window: '5m', at: TO, segmentsTotal: 4, segmentsWithData: 3 });
  });

  it('when asked for the top N, then the most congested records come first', () => {
    // b 60 > a 20; d has no congestion % and c no data: left out
    expect(summariseCity(records, network, 1).mostCongested.map((r) => r.segmentId)).toEqual(['b']);
    expect(summariseCity(records, network, 5).mostCongested.map((r) => r.segmentId)).toEqual(['b', 'a']);
  });

  it('when no record has a congestion %, then the mean is null', () => {
    expect(summariseCity([noData('a'), ok('b', null, null)], network, 5).meanCongestionPct).toBeNull();
  });

  it('when a network segment has no record, then it counts as no_data; a record of an unknown segment is left out', () => {
    // network a..d; records for a and x only → b, c, d no_data; x neither counted nor weighted
    const summary = summariseCity([ok('a', 10, 'A'), ok('x', 90, 'F')], network, 5);
    expect(summary.losCounts).toEqual({ A: 1, B: 0, C: 0, D: 0, E: 0, F: 0, no_data: 3, unknown: 0 });
    expect(summary.segmentsTotal).toBe(4);
    expect(summary.segmentsWithData).toBe(1);
    expect(summary.meanCongestionPct).toBeCloseTo(10, 6);
    expect(summary.mostCongested.map((r) => r.segmentId)).toEqual(['a']);
  });

  it('when there are no records, then window and at are null and every segment is no_data', () => {
    const summary = summariseCity([], network, 5);
    expect(summary).toMatchObject({ window: null, at: null, segmentsWithData: 0, meanCongestionPct: null, mostCongested: [] });
    expect(summary.losCounts.no_data).toBe(4);
  });

  it('when records mix windows, then it throws', () => {
    expect(() => summariseCity([ok('a', 1, 'A'), { ...ok('b', 1, 'A'), window: '1h' }], network, 5)).toThrow(/mixed windows/);
  });
});

describe('rankCongestion', () => {
  const records = [ok('c', 40, 'E'), ok('a', 80, 'F'), ok('b', 40, 'E'), ok('d', 10, 'B'), ok('e', null, null), noData('f')];

  it('when ranking, then records sort by congestion % descending and ties by segmentId', () => {
    // 80 (a), 40 (b), 40 (c), 10 (d); e and f have no congestion %
    expect(rankCongestion(records, { limit: 10 }).map((r) => r.segmentId)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('when a LOS filter is given, then only those levels are ranked', () => {
    expect(rankCongestion(records, { los: ['E', 'F'], limit: 10 }).map((r) => r.segmentId)).toEqual(['a', 'b', 'c']);
    expect(rankCongestion(records, { los: ['E'], limit: 10 }).map((r) => r.segmentId)).toEqual(['b', 'c']);
  });

  it('when the LOS filter is empty, then nothing is filtered out', () => {
    expect(rankCongestion(records, { los: [], limit: 10 })).toHaveLength(4);
  });

  it('when a limit is given, then at most that many are returned', () => {
    expect(rankCongestion(records, { limit: 2 }).map((r) => r.segmentId)).toEqual(['a', 'b']);
    expect(rankCongestion(records, { limit: 0 })).toEqual([]);
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { haversineM, loadRoadNetwork, upstreamSegments } from '../../../shared/network/load-network.ts';
import type { RoadSegment } from '../../../shared/network/road-segment.ts';

const tempDir = mkdtempSync(join(tmpdir(), 'roadpulse-network-'));
afterAll(() => rmSync(tempDir, { recursive: true, force: true }));

function writeTemp(name: string, content: string): string {
  const file = join(tempDir, name);
  writeFileSync(file, content);
  return file;
}

function feature(id: string, coordinates: number[][], overrides: Record<string, unknown> = {}): object {
  return {
    type: 'Feature',
    properties: {
      id,
      name: 'Đường thử',
      road: 'test',
      direction: 'northbound',
      lanes: 2,
      lengthM: 1000,
      freeFlowKmh: 50,
      capacityPcuPerHourPerLane: 1000,
      kind: 'urban',
      ...overrides,
    },
    geometry: { type: 'LineString', coordinates },
  };
}

function writeCollection(name: string, features: object[]): string {
  return writeTemp(name, JSON.stringify({ type: 'FeatureCollection', features }));
}

const lineLengthM = (s: RoadSegment): number =>
  s.coordinates.slice(1).reduce((sum, p, i) => sum + haversineM(s.coordinates[i]!, p), 0);

describe('the default Bình Dương network', () => {
  const network = loadRoadNetwork();

  it('when loaded, then it has at least 40 segments of both kinds with unique ids', () => {
    expect(network.segments.length).toBeGreaterThanOrEqual(40);
    expect(new Set(network.segments.map((s) => s.kind))).toEqual(new Set(['urban', 'highway']));
    expect(network.byId.size).toBe(network.segments.length);
  });

  it('when lengths are compared with the geometry, then every one is within 5 %', () => {
    for (const s of network.segments) {
      expect(Math.abs(s.lengthM - lineLengthM(s)) / s.lengthM, s.id).toBeLessThanOrEqual(0.05);
    }
  });

  it('when a road and direction has several segments, then every one but the first has an upstream', () => {
    const groups = new Map<string, RoadSegment[]>();
    for (const s of network.segments) {
      const key = `${s.road}|${s.direction}`;
      groups.set(key, [...(groups.get(key) ?? []), s]);
    }
    for (const group of groups.values()) {
      if (group.length < 2) continue;
      const withoutUpstream = group.filter((s) => upstreamSegments(network, s.id).length === 0);
      expect(withoutUpstream.map((s) => s.id)).toEqual([group[0]?.id]);
    }
  });

  it('when asking for the upstream of ql13-nb-02, then it is ql13-nb-01', () => {
    expect(upstreamSegments(network, 'ql13-nb-02').map((s) => s.id)).toEqual(['ql13-nb-01']);
    expect(upstreamSegments(network, 'ql13-nb-01')).toEqual([]);
    expect(upstreamSegments(network, 'no-such-segment')).toEqual([]);
  });
});

describe('a bad network file', () => {
  const line = [
    [106.65, 10.98],
    [106.66, 10.98],
  ];

  it('when a property is missing, then the message names the file, the feature and the field', () => {
    const bad = feature('b-01', line);
    delete (bad as { properties: Record<string, unknown> }).properties.lanes;
    const file = writeCollection('missing.geojson', [feature('a-01', line), bad]);
    expect(() => loadRoadNetwork(file)).toThrow(file);
    expect(() => loadRoadNetwork(file)).toThrow(/feature 1 \(id "b-01"\): properties\.lanes/);
  });

  it('when two features share an id, then the message names the duplicate', () => {
    const file = writeCollection('duplicate.geojson', [feature('a-01', line), feature('a-01', line)]);
    expect(() => loadRoadNetwork(file)).toThrow(/feature 1 \(id "a-01"\): properties\.id: duplicate id/);
  });

  it('when a segment declares measurement stations, then they load with it', () => {
    const stations = [{ id: 'st-a', offsetM: 200, lanes: 2 }, { id: 'st-b', offsetM: 800, lanes: 1 }];
    const file = writeCollection('stations.geojson', [feature('a-01', line, { stations })]);
    expect(loadRoadNetwork(file).byId.get('a-01')!.stations).toEqual(stations);
  });

  it('when declared stations repeat an id, stand beyond the segment or have more lanes than it, then the message names each', () => {
    const stations = [{ id: 'st-a', offsetM: 200, lanes: 2 }, { id: 'st-a', offsetM: 1200, lanes: 3 }];
    const file = writeCollection('bad-stations.geojson', [feature('a-01', line, { stations })]);
    expect(() => loadRoadNetwork(file)).toThrow(/segment "a-01": station "st-a": duplicate station id/);
    expect(() => loadRoadNetwork(file)).toThrow(/offsetM 1200 is beyond the segment's length \(1000 m\)/);
    expect(() => loadRoadNetwork(file)).toThrow(/3 lanes on a segment of 2/);
  });

  it('when a LineString has one position, then the message names the coordinates', () => {
    const file = writeCollection('short.geojson', [feature('a-01', [[106.65, 10.98]])]);
    expect(() => loadRoadNetwork(file)).toThrow(/feature 0 \(id "a-01"\): geometry\.coordinates: .*at least 2/);
  });

  it('when a latitude is out of range, then the message names the position', () => {
    const file = writeCollection('range.geojson', [feature('a-01', [[106.65, 10.98], [106.66, 95]])]);
    expect(() => loadRoadNetwork(file)).toThrow(/feature 0 \(id "a-01"\): geometry\.coordinates\.1\.1/);
  });

  it('when the file is not JSON, then the message says so', () => {
    const file = writeTemp('not-json.geojson', '{ "type": "FeatureCollection", ');
    expect(() => loadRoadNetwork(file)).toThrow(`Road network file ${file} is not valid JSON`);
  });

  it('when the file does not exist, then the message names it', () => {
    const file = join(tempDir, 'absent.geojson');
    expect(() => loadRoadNetwork(file)).toThrow(`Cannot read road network file ${file}`);
  });
});

describe('haversineM', () => {
  it('when measuring one degree of latitude, then it is about 111.2 km', () => {
    expect(haversineM([106.7, 10], [106.7, 11])).toBeCloseTo(111_195, -1);
  });
});

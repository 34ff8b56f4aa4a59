import { describe, expect, it } from 'vitest';
import { offsetLine, projectNetwork, roadLabels } from '../../../services/api/dashboard/map-projection.js';

describe('dashboard map projection', () => {
  const northbound = { id: 'nb', road: 'QL13', lengthM: 1000, coordinates: [[106.6, 10.9], [106.6, 11.0]] as [number, number][] };
  const southbound = { id: 'sb', road: 'QL13', lengthM: 900, coordinates: [[106.6, 11.0], [106.6, 10.9]] as [number, number][] };

  it('when a network is projected into a box, then every point is inside it and north is up', () => {
    const [nb] = projectNetwork([northbound], 400, 300, { padding: 20, offsetPx: 0 });
    const points = [...nb!.d.matchAll(/[ML](-?[\d.]+),(-?[\d.]+)/g)].map((m): [number, number] => [Number(m[1]), Number(m[2])]);
    expect(points).toHaveLength(2);
    for (const [x, y] of points) {
      expect(x).toBeGreaterThanOrEqual(0); expect(x).toBeLessThanOrEqual(400);
      expect(y).toBeGreaterThanOrEqual(20 - 0.05); expect(y).toBeLessThanOrEqual(280 + 0.05);
    }
    expect(points[1]![1]).toBeLessThan(points[0]![1]); // going north = going up the screen
  });

  it('when the two directions of a road are drawn, then each is shifted to its right, so they do not overlap', () => {
    const [nb, sb] = projectNetwork([northbound, southbound], 400, 300, { offsetPx: 3 });
    const x = (d: string) => Number(/M(-?[\d.]+)/.exec(d)![1]);
    expect(x(nb!.d) - x(sb!.d)).toBeCloseTo(6, 0); // northbound right (east) of southbound, 2 × 3 px
  });

  it('when a polyline is offset, then each point moves by the offset perpendicular to it', () => {
    expect(offsetLine([[0, 0], [10, 0]], 2).map(([x, y]) => [x + 0, y])).toEqual([[0, 2], [10, 2]]);
  });

  it('when labels are placed, then one per road at its longest segment', () => {
    const projected = projectNetwork([northbound, southbound], 400, 300);
    const labels = roadLabels([northbound, southbound], projected);
    expect(labels.map((l) => l.text)).toEqual(['QL13']);
  });

  it('when the network is empty, then nothing is drawn', () => {
    expect(projectNetwork([], 100, 100)).toEqual([]);
  });
});

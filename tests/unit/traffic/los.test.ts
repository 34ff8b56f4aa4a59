import { describe, expect, it } from 'vitest';
import { highwayLos, urbanLos } from '../../../shared/traffic/los.ts';

describe('urbanLos by speed ratio (DESIGN §5)', () => {
  // Each boundary: just below, exactly at (belongs to the worse level), just above.
  it.each([
    [1, 'A'],
    [0.8001, 'A'],
    [0.8, 'B'],
    [0.7999, 'B'],
    [0.6701, 'B'],
    [0.67, 'C'],
    [0.6699, 'C'],
    [0.5001, 'C'],
    [0.5, 'D'],
    [0.4999, 'D'],
    [0.4001, 'D'],
    [0.4, 'E'],
    [0.3999, 'E'],
    [0.3001, 'E'],
    [0.3, 'F'],
    [0.2999, 'F'],
    [0.02, 'F'],
  ] as const)('when r = %s, then LOS is %s', (ratio, los) => {
    expect(urbanLos(ratio)).toBe(los);
  });
});

describe('highwayLos by density (DESIGN §5)', () => {
  // Each boundary: just below, exactly at (belongs to the better level), just above.
  it.each([
    [0, 'A'],
    [6.9999, 'A'],
    [7, 'A'],
    [7.0001, 'B'],
    [10.9999, 'B'],
    [11, 'B'],
    [11.0001, 'C'],
    [15.9999, 'C'],
    [16, 'C'],
    [16.0001, 'D'],
    [21.9999, 'D'],
    [22, 'D'],
    [22.0001, 'E'],
    [27.9999, 'E'],
    [28, 'E'],
    [28.0001, 'F'],
    [120, 'F'],
  ] as const)('when k = %s pcu/km/lane, then LOS is %s', (density, los) => {
    expect(highwayLos(density)).toBe(los);
  });
});

import { describe, expect, it } from 'vitest';
import { LOS_COLOURS, losColour, losOf, losOfRank, losRank } from '../../../services/api/dashboard/los.js';

describe('dashboard LOS colours and ranks', () => {
  it('when a record is ok with a level, then that level; no_data or no level, then none (grey, never A)', () => {
    expect(losOf({ status: 'ok', los: 'E' })).toBe('E');
    expect(losOf({ status: 'no_data', los: null })).toBe('none');
    expect(losOf({ status: 'ok', los: null })).toBe('none');
    expect(losOf({ status: 'ok', los: 'Z' })).toBe('none');
    expect(losOf(undefined)).toBe('none');
    expect(losColour('none')).toBe(LOS_COLOURS.none);
    expect(losColour('F')).toBe('#8b0a0a');
  });

  it('when levels are ranked, then A = 1 … F = 6 and back; anything else has no rank', () => {
    expect(['A', 'B', 'C', 'D', 'E', 'F'].map(losRank)).toEqual([1, 2, 3, 4, 5, 6]);
    expect([1, 2, 3, 4, 5, 6].map(losOfRank)).toEqual(['A', 'B', 'C', 'D', 'E', 'F']);
    expect(losRank(null)).toBeNull();
    expect(losOfRank(0)).toBeNull();
    expect(losOfRank(2.5)).toBeNull();
  });

  it('when the colours are read, then every level has its own and the CSS variables use the same ones', async () => {
    expect(new Set(Object.values(LOS_COLOURS)).size).toBe(7);
    const { readFileSync } = await import('node:fs');
    const css = readFileSync(new URL('../../../services/api/dashboard/dashboard.css', import.meta.url), 'utf8');
    for (const [los, colour] of Object.entries(LOS_COLOURS)) expect(css, los).toContain(`--los-${los}: ${colour};`);
  });
});

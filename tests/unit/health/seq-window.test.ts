import { describe, expect, it } from 'vitest';
import { SEQ_CAPACITY, SeqWindow } from '../../../shared/health/seq-window.ts';

describe('SeqWindow', () => {
  it('when seqs arrive in order without a hole, then none is missing', () => {
    const w = new SeqWindow(60);
    for (let s = 0; s < 200; s++) expect(w.add(s, true)).toBe('new');
    expect([w.expected, w.missing]).toEqual([60, 0]);
  });

  it('when every fourth seq is lost, then a quarter of the window is missing, and it clears once the holes leave the window', () => {
    const w = new SeqWindow(40);
    for (let s = 0; s < 80; s++) if (s % 4 !== 3) w.add(s, true);
    expect([w.expected, w.missing]).toEqual([40, 10]);
    for (let s = 80; s < 120; s++) w.add(s, true);
    expect(w.missing).toBe(0);
  });

  it('when the window is not full yet, then only seqs since the first one seen are expected', () => {
    const w = new SeqWindow(60);
    for (const s of [100, 101, 103]) w.add(s, true);
    expect([w.expected, w.missing]).toEqual([4, 1]);
  });

  it('when a seq comes again with a ts not later, then it is a duplicate; a late one (out of order) fills its hole', () => {
    const w = new SeqWindow(60);
    w.add(1, true);
    w.add(3, true);
    expect(w.add(3, false)).toBe('duplicate');
    expect(w.missing).toBe(1);
    expect(w.add(2, false)).toBe('new');
    expect(w.missing).toBe(0);
  });

  it('when a lower seq comes with a later ts (a reboot), then the window starts again from it', () => {
    const w = new SeqWindow(60);
    for (let s = 500; s < 510; s++) w.add(s, true);
    expect(w.add(0, true)).toBe('reset');
    w.add(1, true);
    expect([w.expected, w.missing]).toEqual([2, 0]);
  });

  it('when seqs jump far ahead, wrapping the ring several times, then the count stays exact', () => {
    const w = new SeqWindow(SEQ_CAPACITY);
    for (let s = 0; s < SEQ_CAPACITY; s++) w.add(s, true);
    w.add(3 * SEQ_CAPACITY + 5, true);
    expect([w.expected, w.missing]).toEqual([SEQ_CAPACITY, SEQ_CAPACITY - 1]);
    for (let s = 3 * SEQ_CAPACITY + 6; s < 4 * SEQ_CAPACITY + 6; s++) w.add(s, true);
    expect(w.missing).toBe(0);
  });
});

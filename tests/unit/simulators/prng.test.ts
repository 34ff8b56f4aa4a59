import { describe, expect, it } from 'vitest';
import { Prng, hash32 } from '../../../simulators/model/prng.ts';

const draw = (rng: Prng, n: number) => Array.from({ length: n }, () => rng.nextUint32());

describe('seeded PRNG', () => {
  it('when two generators get the same seed, then they produce the same sequence', () => {
    expect(draw(new Prng(7), 50)).toEqual(draw(new Prng(7), 50));
  });

  it('when the seeds differ, then the sequences differ', () => {
    expect(draw(new Prng(7), 50)).not.toEqual(draw(new Prng(8), 50));
  });

  it('when a stream is derived for a label, then it does not depend on other streams being used', () => {
    const alone = draw(Prng.derive(7, 'sensor', 'a'), 10);
    const other = Prng.derive(7, 'sensor', 'b');
    draw(other, 100);
    expect(draw(Prng.derive(7, 'sensor', 'a'), 10)).toEqual(alone);
    expect(draw(Prng.derive(7, 'sensor', 'b'), 10)).not.toEqual(alone);
  });

  it('when drawing uniforms, then they stay in [0, 1) with a mean near 1/2', () => {
    const rng = new Prng(1);
    const xs = Array.from({ length: 20_000 }, () => rng.next());
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    expect(xs.reduce((a, b) => a + b, 0) / xs.length).toBeCloseTo(0.5, 1);
  });

  it('when drawing Poisson counts, then their mean is λ (small and large λ)', () => {
    const rng = new Prng(2);
    for (const lambda of [3, 80]) {
      const xs = Array.from({ length: 5_000 }, () => rng.poisson(lambda));
      expect(xs.every((x) => Number.isInteger(x) && x >= 0)).toBe(true);
      expect(xs.reduce((a, b) => a + b, 0) / xs.length).toBeGreaterThan(lambda * 0.95);
      expect(xs.reduce((a, b) => a + b, 0) / xs.length).toBeLessThan(lambda * 1.05);
    }
  });

  it('when hashing labels, then equal text gives equal hashes and different text different ones', () => {
    expect(hash32('ql13-nb-01')).toBe(hash32('ql13-nb-01'));
    expect(hash32('ql13-nb-01')).not.toBe(hash32('ql13-nb-02'));
  });
});

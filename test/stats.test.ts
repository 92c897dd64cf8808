import { describe, expect, it } from 'vitest';
import { comparePaired, mcnemarExact, mcnemarOneSidedWorse, wilsonInterval } from '../src/stats/index.js';

describe('paired statistics', () => {
  it('exact McNemar matches the binomial tail', () => {
    expect(mcnemarExact(0, 0)).toBe(1);
    // b=0, c=6: 2 * 0.5^6
    expect(mcnemarExact(0, 6)).toBeCloseTo(2 / 64, 10);
    expect(mcnemarExact(5, 5)).toBe(1);
    // b=10, c=2 → two-sided p = 2*P(X<=2; n=12) = 2*(1+12+66)/4096
    expect(mcnemarExact(10, 2)).toBeCloseTo((2 * 79) / 4096, 10);
    expect(mcnemarOneSidedWorse(10, 2)).toBeCloseTo(79 / 4096, 10);
  });
  it('Wilson interval contains the proportion and narrows with n', () => {
    const [lo, hi] = wilsonInterval(50, 100);
    expect(lo).toBeLessThan(0.5);
    expect(hi).toBeGreaterThan(0.5);
    const [lo2, hi2] = wilsonInterval(500, 1000);
    expect(hi2 - lo2).toBeLessThan(hi - lo);
  });
  it('paired comparison counts discordant pairs', () => {
    const before = [true, true, false, false, true];
    const after = [true, false, true, true, true];
    const r = comparePaired(before, after);
    expect(r).toMatchObject({ n: 5, b: 1, c: 2 });
    expect(r.difference).toBeCloseTo(0.2);
    expect(r.ci[0]).toBeLessThan(0.2);
    expect(() => comparePaired([true], [])).toThrow(/paired/);
  });
});

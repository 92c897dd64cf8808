import { describe, expect, it } from 'vitest';
import {
  binomialUpperTail,
  criticalCount,
  holmAdjust,
  holmReject,
  mcnemarPower,
  minimumDetectableDrop,
} from '../src/stats/index.js';

describe('Holm–Bonferroni', () => {
  it('adjusts a known p-value set (worked example: m = 4)', () => {
    // Sorted 0.005, 0.01, 0.03, 0.04 → ×4, ×3, ×2, ×1 = 0.02, 0.03, 0.06, 0.04 → running max 0.02, 0.03, 0.06, 0.06.
    const adj = holmAdjust([0.01, 0.04, 0.03, 0.005]);
    expect(adj.map((p) => Number(p.toFixed(6)))).toEqual([0.03, 0.06, 0.06, 0.02]);
    expect(holmReject([0.01, 0.04, 0.03, 0.005], 0.05)).toEqual([true, false, false, true]);
  });

  it('stops at the first non-rejection (step-down), unlike a plain per-test α', () => {
    // Holm levels for m = 3 at α = 0.05: 0.0167, 0.025, 0.05. The second p (0.03) misses 0.025, so the
    // third (0.04 < 0.05) is not rejected either.
    expect(holmReject([0.001, 0.03, 0.04], 0.05)).toEqual([true, false, false]);
    expect(holmReject([0.001, 0.02, 0.04], 0.05)).toEqual([true, true, true]);
  });

  it('matches Bonferroni for one test and caps at 1; ties keep their order', () => {
    expect(holmAdjust([0.03])).toEqual([0.03]);
    expect(holmAdjust([0.5, 0.6, 0.9])).toEqual([1, 1, 1]);
    expect(holmAdjust([0.02, 0.02])).toEqual([0.04, 0.04]);
    expect(holmAdjust([])).toEqual([]);
  });

  it('the twelve-test run of issue 12: a lone p = 0.048 no longer fails', () => {
    const ps = [0.048, 0.3, 0.5, 0.7, 0.9, 1, 1, 0.6, 0.2, 0.8, 0.45, 0.35];
    expect(holmAdjust(ps)[0]).toBeCloseTo(0.576);
    expect(holmReject(ps, 0.05).some(Boolean)).toBe(false);
    // while real damage (p = 3e-5) still does
    expect(holmReject([3e-5, ...ps.slice(1)], 0.05)[0]).toBe(true);
  });
});

describe('power of the paired test', () => {
  it('binomial tails are exact', () => {
    expect(binomialUpperTail(10, 0, 0.3)).toBe(1);
    expect(binomialUpperTail(10, 11, 0.3)).toBe(0);
    expect(binomialUpperTail(4, 3, 0.5)).toBeCloseTo(5 / 16, 12);
  });

  it('critical counts: the reference example (N = 20, α = 0.05 → k* = 15)', () => {
    expect(criticalCount(20, 0.05)).toBe(15);
    expect(binomialUpperTail(20, 15, 0.5)).toBeLessThanOrEqual(0.05);
    expect(binomialUpperTail(20, 14, 0.5)).toBeGreaterThan(0.05);
    expect(criticalCount(4, 0.05)).toBeNull(); // 2^-4 = 0.0625 > 0.05: four pairs can never be significant
  });

  it('minimum detectable drop: n = 100, d = 0.2, α = 0.05 → about 12 pt (gate-statistics.md)', () => {
    const mdd = minimumDetectableDrop(100, 0.2, 0.05)!;
    expect(mdd).toBeGreaterThanOrEqual(0.11);
    expect(mdd).toBeLessThanOrEqual(0.13);
    expect(mcnemarPower(100, 0.2, mdd, 0.05)).toBeGreaterThanOrEqual(0.8);
    expect(mcnemarPower(100, 0.2, mdd - 0.005, 0.05)).toBeLessThan(0.8);
  });

  it('a smaller run or a stricter level can only detect larger drops', () => {
    const at100 = minimumDetectableDrop(100, 0.2, 0.05 / 12)!;
    const at30 = minimumDetectableDrop(30, 0.2, 0.05 / 12)!;
    expect(at100).toBeGreaterThan(minimumDetectableDrop(100, 0.2, 0.05)!);
    expect(at30).toBeGreaterThan(at100);
    expect(minimumDetectableDrop(3, 0.2, 0.05)).toBeNull();
    expect(minimumDetectableDrop(0, 0.2, 0.05)).toBeNull();
  });
});

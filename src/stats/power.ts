import { binomialPmf, binomialUpperTail } from './index.js';

/**
 * Power of the one-sided exact McNemar test, and the smallest drop a run could detect
 * (see docs/harness.md, "Stated power").
 */

/** Smallest k with P(Binomial(n, ½) ≥ k) ≤ alpha, or null when even k = n is not significant. */
export function criticalCount(n: number, alpha: number): number | null {
  // Walk down from k = n, accumulating P(X = k), while the tail stays within alpha: O(n).
  let tail = 0;
  let k = n + 1;
  while (k > 0) {
    const next = tail + binomialPmf(n, k - 1, 0.5);
    if (next > alpha) break;
    tail = next;
    k--;
  }
  return k <= n ? k : null;
}

/**
 * Power to detect a true drop `delta` (0–1) with `n` paired items whose discordant share is `discordance`,
 * at level `alpha`. A drop of Δ makes at least Δ of the items discordant, so the discordance used is
 * max(observed, Δ); among discordant items the share of regressions is q = (d + Δ) / (2d).
 */
export function mcnemarPower(n: number, discordance: number, delta: number, alpha: number): number {
  if (delta <= 0) return 0;
  const d = Math.min(1, Math.max(discordance, delta));
  const pairs = Math.round(n * d);
  const k = criticalCount(pairs, alpha);
  if (k === null) return 0;
  const q = Math.min(1, (d + delta) / (2 * d));
  return binomialUpperTail(pairs, k, q);
}

/**
 * The smallest drop (0–1, on a 0.5-point grid) detected with probability ≥ `power`, or null when no drop
 * up to 100 points is (too few paired items for this α).
 */
export function minimumDetectableDrop(
  n: number,
  discordance: number,
  alpha: number,
  power = 0.8,
): number | null {
  if (n <= 0) return null;
  // Power grows with the drop (up to the discreteness of the test): bisect on the grid, then step back
  // over any non-monotone wiggle.
  const ok = (step: number) => mcnemarPower(n, discordance, step / 200, alpha) >= power;
  if (!ok(200)) return null;
  let lo = 0;
  let hi = 200;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (ok(mid)) hi = mid;
    else lo = mid;
  }
  while (hi > 1 && ok(hi - 1)) hi--;
  return hi / 200;
}

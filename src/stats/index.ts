/** Small, exact statistics for paired binary outcomes (accuracy on the same items). */

/** log k! for k = 0, 1, …, grown on demand (summed logs: exact enough for n up to millions). */
const logFactorials: number[] = [0];
function logFactorial(k: number): number {
  for (let i = logFactorials.length; i <= k; i++) logFactorials.push(logFactorials[i - 1]! + Math.log(i));
  return logFactorials[k]!;
}

/** log of n choose k. */
function logChoose(n: number, k: number): number {
  return logFactorial(n) - logFactorial(k) - logFactorial(n - k);
}

/**
 * Exact McNemar test: two-sided binomial test on the discordant pairs.
 * `b` = items right before and wrong now, `c` = wrong before and right now.
 */
export function mcnemarExact(b: number, c: number): number {
  const n = b + c;
  if (n === 0) return 1;
  const k = Math.min(b, c);
  let tail = 0;
  for (let i = 0; i <= k; i++) tail += Math.exp(logChoose(n, i) - n * Math.LN2);
  return Math.min(1, 2 * tail);
}

/** One-sided exact McNemar p for "now is worse than before" (b > c). */
export function mcnemarOneSidedWorse(b: number, c: number): number {
  return binomialUpperTail(b + c, b, 0.5);
}

/** P(Binomial(n, q) = k). */
export function binomialPmf(n: number, k: number, q: number): number {
  if (k < 0 || k > n) return 0;
  if (q <= 0) return k === 0 ? 1 : 0;
  if (q >= 1) return k === n ? 1 : 0;
  return Math.exp(logChoose(n, k) + k * Math.log(q) + (n - k) * Math.log(1 - q));
}

/** P(Binomial(n, q) ≥ k), exactly (n is at most a few thousand here). */
export function binomialUpperTail(n: number, k: number, q: number): number {
  if (k <= 0) return 1;
  if (k > n) return 0;
  if (q <= 0) return 0;
  if (q >= 1) return 1;
  const lq = Math.log(q);
  const lr = Math.log(1 - q);
  let tail = 0;
  for (let i = k; i <= n; i++) tail += Math.exp(logChoose(n, i) + i * lq + (n - i) * lr);
  return Math.min(1, tail);
}

/** Wilson score interval for a proportion k/n at ~95% (z = 1.96 by default). */
export function wilsonInterval(k: number, n: number, z = 1.96): [number, number] {
  if (n === 0) return [0, 1];
  const p = k / n;
  const denom = 1 + (z * z) / n;
  const centre = (p + (z * z) / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / denom;
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

export interface PairedComparison {
  n: number;
  before: number;
  after: number;
  /** after − before, as a proportion. */
  difference: number;
  /** ~95% interval of the paired difference (Newcombe-style normal approximation on discordant pairs). */
  ci: [number, number];
  /** right before, wrong after */
  b: number;
  /** wrong before, right after */
  c: number;
  /** two-sided exact McNemar p */
  p: number;
}

/** Compares paired boolean outcomes (same items, same order). */
export function comparePaired(
  before: readonly boolean[],
  after: readonly boolean[],
  z = 1.96,
): PairedComparison {
  if (before.length !== after.length)
    throw new Error('comparePaired: outcome lists must be paired (same length)');
  const n = before.length;
  let b = 0;
  let c = 0;
  let kb = 0;
  let ka = 0;
  for (let i = 0; i < n; i++) {
    if (before[i]) kb++;
    if (after[i]) ka++;
    if (before[i] && !after[i]) b++;
    if (!before[i] && after[i]) c++;
  }
  const difference = n === 0 ? 0 : (c - b) / n;
  const variance = n === 0 ? 0 : ((b + c) / n - difference * difference) / n;
  const half = z * Math.sqrt(Math.max(variance, 0));
  return {
    n,
    before: n === 0 ? 0 : kb / n,
    after: n === 0 ? 0 : ka / n,
    difference,
    ci: [Math.max(-1, difference - half), Math.min(1, difference + half)],
    b,
    c,
    p: mcnemarExact(b, c),
  };
}

export { holmAdjust, holmReject } from './multiple.js';
export { criticalCount, mcnemarPower, minimumDetectableDrop } from './power.js';

/**
 * Family-wise error control for the gate's paired tests: Holm's step-down procedure. It keeps the
 * probability of any false rejection among m hypotheses at most α under any dependence between the tests
 * (a suite's accuracy and misalignment tests are correlated), and is uniformly more powerful than Bonferroni.
 */

/**
 * Holm-adjusted p-values, in the input order: p̃(i) = max over j ≤ i of min(1, (m − j + 1)·p(j)) for the
 * ascending order p(1) ≤ … ≤ p(m). Rejecting every hypothesis with p̃ ≤ α is exactly Holm's procedure.
 */
export function holmAdjust(pValues: readonly number[]): number[] {
  const m = pValues.length;
  const order = pValues.map((p, i) => ({ p, i })).sort((a, b) => a.p - b.p || a.i - b.i);
  const adjusted = new Array<number>(m);
  let running = 0;
  order.forEach(({ p, i }, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * p));
    adjusted[i] = running;
  });
  return adjusted;
}

/** Which hypotheses Holm's procedure rejects at family-wise level `alpha` (input order). */
export function holmReject(pValues: readonly number[], alpha: number): boolean[] {
  return holmAdjust(pValues).map((p) => p <= alpha);
}

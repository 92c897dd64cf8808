import type { RewardVariant } from './config.js';

/** Joint reward, cumulative score and refresh score (MASPO-ALGORITHM.md §4, §6, Beam refresh). */

export type SignalName = 'local' | 'lookahead' | 'global';

export interface Weights {
  local: number;
  lookahead: number;
  global: number;
}

/** One minibatch item's judged signals, each in [0, 1]; null when the signal does not exist for the agent. */
export interface ItemSignals {
  local: number | null;
  lookahead: number | null;
  global: number | null;
}

export interface RewardBreakdown {
  /** R(c, p; B) in [0, 1]. */
  R: number;
  /** Mean of each signal over the judged items; null when the signal does not exist for the agent. */
  local: number | null;
  lookahead: number | null;
  global: number | null;
  /** The weights actually used (renormalised over the existing signals). */
  weights: Weights;
  /** Items judged. */
  n: number;
}

/**
 * The weights for the signals that exist, renormalised to sum to 1. `global-only` counts the global
 * signal alone (falling back to local for the terminal agent, whose own output is the final output);
 * `local-only` counts the local signal alone.
 */
export function effectiveWeights(
  weights: Weights,
  has: Record<SignalName, boolean>,
  variant: RewardVariant = 'joint',
): Weights {
  if (variant !== 'joint') {
    const first = variant === 'global-only' ? 'global' : 'local';
    const second = variant === 'global-only' ? 'local' : 'global';
    for (const name of [first, second] as const)
      if (has[name]) return { local: 0, lookahead: 0, global: 0, [name]: 1 };
    return { local: 0, lookahead: 0, global: 0 };
  }
  const raw = {
    local: has.local ? weights.local : 0,
    lookahead: has.lookahead ? weights.lookahead : 0,
    global: has.global ? weights.global : 0,
  };
  const sum = raw.local + raw.lookahead + raw.global;
  if (sum <= 0) {
    // Every existing signal has weight 0: fall back to equal weights over the existing signals.
    const k = Number(has.local) + Number(has.lookahead) + Number(has.global);
    if (k === 0) return { local: 0, lookahead: 0, global: 0 };
    return {
      local: has.local ? 1 / k : 0,
      lookahead: has.lookahead ? 1 / k : 0,
      global: has.global ? 1 / k : 0,
    };
  }
  return { local: raw.local / sum, lookahead: raw.lookahead / sum, global: raw.global / sum };
}

const mean = (xs: number[]): number | null =>
  xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length;

/** R = α·local + β·lookahead + θ·global over the minibatch, with missing signals dropped and weights renormalised. */
export function jointReward(
  items: readonly ItemSignals[],
  weights: Weights,
  variant: RewardVariant = 'joint',
): RewardBreakdown {
  const local = mean(items.flatMap((i) => (i.local === null ? [] : [i.local])));
  const lookahead = mean(items.flatMap((i) => (i.lookahead === null ? [] : [i.lookahead])));
  const global = mean(items.flatMap((i) => (i.global === null ? [] : [i.global])));
  const w = effectiveWeights(
    weights,
    { local: local !== null, lookahead: lookahead !== null, global: global !== null },
    variant,
  );
  const R = w.local * (local ?? 0) + w.lookahead * (lookahead ?? 0) + w.global * (global ?? 0);
  return { R: items.length === 0 ? 0.5 : R, local, lookahead, global, weights: w, n: items.length };
}

/** Cumulative score of an admitted child: J(parent) + (R − 0.5) (centred, reference) or J(parent) + R (paper). */
export function childScore(parentJ: number, R: number, centred: boolean): number {
  return parentJ + (centred ? R - 0.5 : R);
}

/** A child is admitted only when it beats its parent: R > 0.5. */
export function admits(R: number): boolean {
  return R > 0.5;
}

/** Refresh score of a beam node judged against the agent's current best: R − 0.5 (centred) or R. */
export function refreshScore(R: number, centred: boolean): number {
  return centred ? R - 0.5 : R;
}

/** The refresh score of the current best itself (it ties with itself). */
export function refreshBaseline(centred: boolean): number {
  return centred ? 0 : 0.5;
}

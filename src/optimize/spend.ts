import type { CallRole } from '../llm/types.js';

export type RoleCounts = Record<CallRole, number>;
export const zeroCounts = (): RoleCounts => ({ agent: 0, optimizer: 0, judge: 0 });

export const addCounts = (a: RoleCounts, b: RoleCounts): RoleCounts => ({
  agent: a.agent + b.agent,
  optimizer: a.optimizer + b.optimizer,
  judge: a.judge + b.judge,
});
export const subCounts = (a: RoleCounts, b: RoleCounts): RoleCounts => ({
  agent: a.agent - b.agent,
  optimizer: a.optimizer - b.optimizer,
  judge: a.judge - b.judge,
});

/** All roles together. */
export const totalCount = (c: RoleCounts): number => c.agent + c.optimizer + c.judge;

/** What a run has spent, per role: paid calls, tokens (input + output) and USD (price table). */
export interface Spend {
  calls: RoleCounts;
  tokens: RoleCounts;
  usd: RoleCounts;
}
export const zeroSpend = (): Spend => ({ calls: zeroCounts(), tokens: zeroCounts(), usd: zeroCounts() });
export function addSpend(a: Spend, b: Spend): Spend {
  return {
    calls: addCounts(a.calls, b.calls),
    tokens: addCounts(a.tokens, b.tokens),
    usd: addCounts(a.usd, b.usd),
  };
}

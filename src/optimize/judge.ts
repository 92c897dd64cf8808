import { buildJudgeMessages, type JudgeSignal, parseVerdict, type Verdict } from '../contracts/judge.js';
import type { TaskType } from '../datasets/types.js';
import type { LlmClient } from '../llm/types.js';

/** Pairwise judging of a candidate's output against its parent's, in one or both orders, with ties. */

export interface JudgeConfig {
  client: LlmClient;
  model: string;
  temperature: number;
  /** 2: ask both orders (agreement → 1/0, disagreement or unparseable → 0.5); 1: candidate in slot A only. */
  orders: 1 | 2;
  signal?: AbortSignal;
}

export interface PairInput {
  signal: JudgeSignal;
  agentRole: string;
  task: TaskType;
  question: string;
  context?: string;
  candidate: string;
  parent: string;
}

export interface PairJudgement {
  /** The candidate's score for this pair: 1 win, 0 loss, 0.5 tie. */
  value: number;
  /** Verdicts as asked: [candidate-first] or [candidate-first, parent-first]. */
  verdicts: Array<Verdict | null>;
  /** Both orders decisive but disagreeing about the candidate (an order flip). */
  flipped: boolean;
  parseFailures: number;
  /** Judge requests made (0 when the two outputs are identical). */
  calls: number;
}

const TASK_GOAL: Record<TaskType, string> = {
  math: 'a correct final answer to the math problem',
  choice: 'the correct option of the multiple-choice question',
  code: 'a correct, runnable solution that passes hidden tests',
};

/** The role-aware rubric of a signal. */
export function rubricFor(signal: JudgeSignal, role: string, task: TaskType): string {
  const goal = TASK_GOAL[task];
  switch (signal) {
    case 'local':
      return `Which output better performs the role of "${role}": sound, verifiable reasoning, a clearly stated result, and a hand-off that helps the next agents reach ${goal}?`;
    case 'lookahead':
      return `These are two outputs of the downstream agent "${role}", produced from different upstream hand-offs. Which one is more correct and more useful towards ${goal}?`;
    case 'global':
      return `These are two final outputs of the whole system. Which one is more likely to be ${goal}? Correctness matters most; style and length do not.`;
  }
}

/** The candidate's outcome from one verdict, given which slot the candidate occupied. */
export function candidateOutcome(verdict: Verdict | null, candidateSlot: 'A' | 'B'): number | null {
  if (verdict === null || verdict === 'TIE') return null;
  return verdict === candidateSlot ? 1 : 0;
}

/** Combines per-order verdicts into the candidate's value (MASPO-ALGORITHM.md §4). */
export function combineVerdicts(verdicts: ReadonlyArray<Verdict | null>): Omit<PairJudgement, 'calls'> {
  const parseFailures = verdicts.filter((v) => v === null).length;
  const first = candidateOutcome(verdicts[0] ?? null, 'A');
  if (verdicts.length === 1) {
    return { value: first ?? 0.5, verdicts: [...verdicts], flipped: false, parseFailures };
  }
  const second = candidateOutcome(verdicts[1] ?? null, 'B');
  const flipped = first !== null && second !== null && first !== second;
  const value = first !== null && first === second ? first : 0.5;
  return { value, verdicts: [...verdicts], flipped, parseFailures };
}

/** Judges one candidate/parent pair. Identical outputs are a tie without a call. */
export async function judgePair(cfg: JudgeConfig, input: PairInput): Promise<PairJudgement> {
  if (input.candidate === input.parent) {
    return { value: 0.5, verdicts: [], flipped: false, parseFailures: 0, calls: 0 };
  }
  const base = {
    signal: input.signal,
    agentRole: input.agentRole,
    rubric: rubricFor(input.signal, input.agentRole, input.task),
    question: input.question,
    ...(input.context !== undefined ? { context: input.context } : {}),
  };
  const orders: Array<[string, string]> = [[input.candidate, input.parent]];
  if (cfg.orders === 2) orders.push([input.parent, input.candidate]);
  const replies = await Promise.all(
    orders.map(([a, b]) =>
      cfg.client.complete(
        {
          model: cfg.model,
          messages: buildJudgeMessages({ ...base, outputA: a, outputB: b }),
          temperature: cfg.temperature,
          role: 'judge',
        },
        cfg.signal ? { signal: cfg.signal } : {},
      ),
    ),
  );
  const verdicts = replies.map((r) => parseVerdict(r.text));
  return { ...combineVerdicts(verdicts), calls: orders.length };
}

/** Judge statistics over many judgements (requests made here include answers from the run's memo). */
export interface JudgeStats {
  pairs: number;
  /** Judge requests made (paid calls and the run's memo hits together; the run report splits them). */
  calls: number;
  ties: number;
  flips: number;
  parseFailures: number;
  /** Pairs asked in both orders: the order-flip rate is flips / orderPairs (absent in older state files). */
  orderPairs?: number;
  /** Items whose judge calls failed after the LLM layer's retries (each item an error, counted once). */
  errors?: number;
}

export const emptyJudgeStats = (): JudgeStats => ({
  pairs: 0,
  calls: 0,
  ties: 0,
  flips: 0,
  parseFailures: 0,
  orderPairs: 0,
  errors: 0,
});

export function addJudgement(stats: JudgeStats, j: PairJudgement): void {
  if (j.calls === 0) return;
  stats.pairs++;
  stats.calls += j.calls;
  if (j.verdicts.length >= 2) stats.orderPairs = (stats.orderPairs ?? 0) + 1;
  if (j.value === 0.5) stats.ties++;
  if (j.flipped) stats.flips++;
  stats.parseFailures += j.parseFailures;
}

/**
 * Order-flip rate: the share of pairs asked in both orders whose decisive verdicts disagreed (a sign of
 * position bias). null when nothing was asked in both orders (`judgeOrders: 1`): not measured.
 */
export function orderFlipRate(stats: JudgeStats): number | null {
  const n = stats.orderPairs ?? 0;
  return n === 0 ? null : stats.flips / n;
}

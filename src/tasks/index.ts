/**
 * Task scorers: what "correct" means for each task type.
 *   math   → final-answer extraction + symbolic/numeric equivalence (./math.ts)
 *   choice → explicit final letter (./choice.ts)
 *   code   → sandboxed execution against the benchmark's tests (./code/index.ts)
 */
import type { CustomBenchmark } from '../datasets/custom.js';
import type { TaskType } from '../datasets/types.js';
import type { LlmClient } from '../llm/types.js';
import { choiceScorer } from './choice.js';
import { type CodeScorer, type CodeScorerOptions, createCodeScorer } from './code/index.js';
import { ANSWER_SCORERS, createJudgeScorer, userScorer } from './custom.js';
import { mathScorer } from './math.js';
import type { Scorer } from './types.js';

export {
  choiceScorer,
  DEFAULT_LETTERS,
  extractChoice,
  gradeChoice,
  normalizeChoiceLetter,
} from './choice.js';
export {
  createJudgeScorer,
  DEFAULT_RUBRIC,
  exactScorer,
  type JudgeScorerOptions,
  normalizeExact,
  numericScorer,
  parseNumber,
  regexScorer,
  userScorer,
} from './custom.js';
export {
  DEFAULT_MATH_DEADLINE_MS,
  extractMathAnswer,
  gradeMath,
  type MathCompareOptions,
  mathEquivalent,
  mathScorer,
  normalizeMath,
} from './math.js';
export type { Score, Scorer } from './types.js';

/**
 * The scorer for a task type. For 'code' each call creates a new sandbox-backed scorer; call its
 * `close()` when done (it owns worker processes).
 */
export function scorerFor(task: 'code', options?: CodeScorerOptions): CodeScorer;
export function scorerFor(task: TaskType, options?: CodeScorerOptions): Scorer;
export function scorerFor(task: TaskType, options?: CodeScorerOptions): Scorer {
  switch (task) {
    case 'math':
      return mathScorer;
    case 'choice':
      return choiceScorer;
    case 'code':
      return createCodeScorer(options);
    default: {
      const never: never = task;
      throw new Error(`unknown task type ${String(never)}`);
    }
  }
}

export interface BenchmarkScorerOptions extends CodeScorerOptions {
  /** The LLM client the judge task grades through (required for task judge). */
  client?: LlmClient;
  seed?: number;
}

/**
 * The scorer of one of a config's benchmarks: a built-in's task scorer, or for an inline benchmark its
 * task's scorer (exact, numeric, regex, judge with `models.judge`) or the user's `scorer` function.
 * Call `close()` when done when it has one (code scorers own worker processes).
 */
export function scorerForBenchmark(
  config: {
    customBenchmarks?: Readonly<Record<string, CustomBenchmark>>;
    models: { judge: string };
  },
  benchmark: string,
  task: TaskType,
  options: BenchmarkScorerOptions = {},
): Scorer & { close?: () => Promise<void> } {
  const custom = config.customBenchmarks?.[benchmark];
  if (!custom) return scorerFor(task, options);
  const { client, seed, ...codeOptions } = options;
  let base: Scorer & { close?: () => Promise<void> };
  switch (custom.task) {
    case 'math':
    case 'choice':
    case 'code':
      base = scorerFor(custom.task, codeOptions);
      break;
    case 'judge':
      if (!client) throw new Error(`benchmark ${benchmark}: task judge needs an LLM client to grade with`);
      base = createJudgeScorer({
        client,
        model: config.models.judge,
        ...(custom.rubric ? { rubric: custom.rubric } : {}),
        ...(seed !== undefined ? { seed } : {}),
      });
      break;
    default:
      base = ANSWER_SCORERS[custom.task];
  }
  if (!custom.scorer) return base;
  const wrapped: Scorer & { close?: () => Promise<void> } = userScorer(custom.scorer, base);
  if (base.close) wrapped.close = () => base.close!();
  return wrapped;
}

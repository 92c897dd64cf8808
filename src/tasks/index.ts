/**
 * Task scorers: what "correct" means for each task type.
 *   math   → final-answer extraction + symbolic/numeric equivalence (./math.ts)
 *   choice → explicit final letter (./choice.ts)
 *   code   → sandboxed execution against the benchmark's tests (./code/index.ts)
 */
import type { TaskType } from '../datasets/types.js';
import { choiceScorer } from './choice.js';
import { type CodeScorer, type CodeScorerOptions, createCodeScorer } from './code/index.js';
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

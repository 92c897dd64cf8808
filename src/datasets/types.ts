export const BENCHMARK_IDS = [
  'math500',
  'gpqa-diamond',
  'mbpp',
  'humaneval-et',
  'aqua',
  'agieval-math',
] as const;
export type BenchmarkId = (typeof BENCHMARK_IDS)[number];

/** How an item is graded. */
export type TaskType = 'math' | 'choice' | 'code';

export type Split = 'train' | 'dev' | 'test';

export interface ChoiceOption {
  letter: string;
  text: string;
}

export interface ItemMeta {
  /** Difficulty 1–5 where the dataset has it (MATH level); the simulated model reads it. */
  level?: number;
  subject?: string;
  /** Reference solution text (math) — used by tests and the simulated model, never shown to agents. */
  solution?: string;
  /** Multiple choice: structured options in display order. */
  options?: ChoiceOption[];
  /** Code: reference solution (complete, runnable Python). */
  canonicalSolution?: string;
  /** Code: function the tests call. */
  entryPoint?: string;
  /** Code: assert statements run against the solution. */
  tests?: string[];
  /** Code: import lines the tests or the prompt need. */
  imports?: string[];
  [key: string]: unknown;
}

/** One benchmark question, normalised across datasets. */
export interface Item {
  id: string;
  /** A built-in benchmark's id, or the id of a config's inline benchmark. */
  benchmark: BenchmarkId | (string & {});
  task: TaskType;
  /** The text an agent sees (for choice items, options included). */
  question: string;
  /** Math: LaTeX answer; choice: the gold letter; code: the entry point name. */
  gold: string;
  meta: ItemMeta;
}

/** Anything that can hand out items; the simulated model looks questions up through it. */
export interface ItemSource {
  items(): readonly Item[];
}

import type { Item } from '../datasets/types.js';

/** The verdict on one output. An error (unparseable, sandbox failure, provider failure) is never just "wrong". */
export interface Score {
  correct: boolean;
  /** The answer as extracted from the output (letter, LaTeX, or code); null when none was found. */
  extracted: string | null;
  error?: string;
  /** Free-form detail, e.g. the failing assert for code. */
  detail?: string;
  /** Code only: the program ran without bubblewrap (MASPO_SANDBOX=unsafe); every report must say so. */
  unsandboxed?: true;
}

export interface Scorer {
  score(item: Item, output: string, options?: { signal?: AbortSignal }): Promise<Score>;
  /** Extracts the answer an output states, without judging it (for per-agent answers in traces). */
  extract(item: Item, output: string): string | null;
  /** Whether two extracted answers are the same answer (for majority votes). */
  same(item: Item, a: string, b: string): boolean;
}

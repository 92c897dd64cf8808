/**
 * Self-checks of the sandbox against the benchmarks' own reference solutions (used by the tests and
 * `bench/sandbox.bench.ts`): every reference solution must pass, and a mutated one must fail.
 */
import type { Item } from '../../datasets/types.js';
import type { Score } from '../types.js';
import type { CodeScorer } from './index.js';

/**
 * Tasks whose reference solution cannot pass its own tests (upstream data problems), with the reason.
 * Documented in docs/sandbox.md. Any other reference failure is a sandbox bug.
 */
export const UPSTREAM_BROKEN: Readonly<Record<string, string>> = {
  'HumanEval/2':
    'ET assert #2 `truncate_number(3.452) == 0.452` compares floats exactly; the reference returns 0.45199999999999996',
  'HumanEval/39':
    'ET assert #1 `prime_fib(12) == 99194853094755497` needs minutes of CPU with the reference trial division (times out)',
};

/**
 * A mutant of a reference solution: the entry point is wrapped so that every return value is changed
 * (bools negated, ints + 1, floats × 2 + 1, strings/lists/tuples extended, None → 0, sets/dicts grown).
 */
export function mutateSolution(code: string, entryPoint: string): string {
  return `${code}

def __maspo_mutate(v):
    if isinstance(v, bool):
        return not v
    if isinstance(v, int):
        return v + 1
    if isinstance(v, float):
        return v * 2 + 1
    if isinstance(v, str):
        return v + "~"
    if isinstance(v, list):
        return v + [None]
    if isinstance(v, tuple):
        return v + (None,)
    if isinstance(v, set):
        return v | {"~mutant~"}
    if isinstance(v, dict):
        return {**v, "~mutant~": None}
    if v is None:
        return 0
    return None

__maspo_orig = ${entryPoint}
def ${entryPoint}(*args, **kwargs):
    return __maspo_mutate(__maspo_orig(*args, **kwargs))
`;
}

export interface SelfCheckReport {
  n: number;
  /** Reference solutions that passed. */
  passed: string[];
  /** Reference failures outside the allow-list (must be empty). */
  unexpected: Array<{ id: string; score: Score }>;
  /** Allow-listed tasks and what happened to them. */
  broken: Array<{ id: string; score: Score }>;
  /** Mutants that still passed (must be empty). */
  survivors: Array<{ id: string; score: Score }>;
  errors: Array<{ id: string; score: Score }>;
  ms: number;
}

/** Grades every item's reference solution (and, with `mutants`, a mutant of it) through the scorer. */
export async function checkReferenceSolutions(
  items: readonly Item[],
  scorer: CodeScorer,
  opts: { mutants?: boolean } = {},
): Promise<SelfCheckReport> {
  const t0 = performance.now();
  const report: SelfCheckReport = {
    n: items.length,
    passed: [],
    unexpected: [],
    broken: [],
    survivors: [],
    errors: [],
    ms: 0,
  };
  await Promise.all(
    items.map(async (item) => {
      const ref = item.meta.canonicalSolution ?? '';
      const s = await scorer.run(item, ref);
      if (s.error) report.errors.push({ id: item.id, score: s });
      else if (s.correct) report.passed.push(item.id);
      else if (UPSTREAM_BROKEN[item.id]) report.broken.push({ id: item.id, score: s });
      else report.unexpected.push({ id: item.id, score: s });
      if (opts.mutants && !UPSTREAM_BROKEN[item.id]) {
        const m = await scorer.run(item, mutateSolution(ref, item.meta.entryPoint ?? item.gold));
        if (m.error) report.errors.push({ id: `${item.id} (mutant)`, score: m });
        else if (m.correct) report.survivors.push({ id: item.id, score: m });
      }
    }),
  );
  report.ms = performance.now() - t0;
  return report;
}

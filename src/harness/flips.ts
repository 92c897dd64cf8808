import { compareIds } from './aggregate.js';
import type { AgentAnswer, Baseline, RunRecord } from './types.js';

export type FlipKind = 'newly wrong' | 'newly right' | 'newly misaligned';

/** One item whose outcome changed against the baseline, with the answers that tell why. */
export interface Flip {
  id: string;
  kind: FlipKind;
  /** The baseline's final answer (undefined when the baseline predates answers; null when none was extracted). */
  before?: string | null;
  now: string | null;
  /** Absent for code items (graded by their tests). */
  gold?: string;
  /** Each agent's own answer in this run and whether it was right (null: not gradable). */
  agents: Array<{ agent: string } & AgentAnswer>;
}

export interface BenchmarkFlips {
  benchmark: string;
  /** Items paired with the baseline (present in both, errored in neither): the flips are among these. */
  paired: number;
  flips: Flip[];
}

export const FLIP_KINDS: readonly FlipKind[] = ['newly wrong', 'newly right', 'newly misaligned'];

/**
 * Per benchmark of the run that has a baseline entry: the paired items that became wrong, became right, or
 * became misaligned (an agent was right but the final answer was wrong). Only ids and answers are kept —
 * never question text (GPQA-Diamond's terms forbid publishing its questions). Sorted by kind, then id.
 */
export function computeFlips(run: RunRecord, baseline: Baseline | undefined): BenchmarkFlips[] {
  if (!baseline) return [];
  const out: BenchmarkFlips[] = [];
  for (const s of run.benchmarks) {
    const base = baseline.benchmarks[s.benchmark];
    if (!base) continue;
    const flips: Flip[] = [];
    let paired = 0;
    for (const it of run.items[s.benchmark] ?? []) {
      const b = base.items[it.id];
      if (!b || b.e || it.error) continue;
      paired++;
      const kinds: FlipKind[] = [];
      if (b.c === 1 && !it.correct) kinds.push('newly wrong');
      if (b.c === 0 && it.correct) kinds.push('newly right');
      if (b.m === 0 && it.misaligned) kinds.push('newly misaligned');
      for (const kind of kinds) {
        flips.push({
          id: it.id,
          kind,
          // `a` is only written when an answer was extracted; an older baseline has no answers at all.
          ...(b.a !== undefined ? { before: b.a } : baselineHasAnswers(base.items) ? { before: null } : {}),
          now: it.extracted ?? null,
          ...(it.gold !== undefined ? { gold: it.gold } : {}),
          agents: Object.entries(it.agents ?? {})
            .sort(([x], [y]) => x.localeCompare(y))
            .map(([agent, a]) => ({ agent, extracted: a.extracted, correct: a.correct })),
        });
      }
    }
    flips.sort((x, y) => FLIP_KINDS.indexOf(x.kind) - FLIP_KINDS.indexOf(y.kind) || compareIds(x.id, y.id));
    out.push({ benchmark: s.benchmark, paired, flips });
  }
  return out;
}

const answered = new WeakMap<object, boolean>();
/** Whether a baseline benchmark records final answers at all (written since answers were added). */
function baselineHasAnswers(items: Baseline['benchmarks'][string]['items']): boolean {
  let v = answered.get(items);
  if (v === undefined) {
    v = Object.values(items).some((i) => i.a !== undefined);
    answered.set(items, v);
  }
  return v;
}

/** Counts per kind, in {@link FLIP_KINDS} order. */
export function flipCounts(b: BenchmarkFlips): Record<FlipKind, number> {
  const c = { 'newly wrong': 0, 'newly right': 0, 'newly misaligned': 0 } as Record<FlipKind, number>;
  for (const f of b.flips) c[f.kind]++;
  return c;
}

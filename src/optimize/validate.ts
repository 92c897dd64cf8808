import type { Item } from '../datasets/types.js';
import type { PromptMap, System, Trace } from '../mas/types.js';
import { comparePaired } from '../stats/index.js';
import type { Scorer } from '../tasks/types.js';
import type { ArtifactValidation } from './artifact.js';
import { pMap } from './calls.js';
import type { OptimizeSettings } from './config.js';

/** Validation after the search: seed map vs optimized map on the same items, gold scorer, paired statistics. */

export interface ItemOutcome {
  correct: boolean;
  error: boolean;
  /** Some agent's own answer was right while the final answer was wrong (null when not measurable). */
  misaligned: boolean | null;
}

export async function scoreTraces(
  system: System,
  items: readonly Item[],
  traces: readonly Trace[],
  scorer: Scorer,
): Promise<ItemOutcome[]> {
  return pMap(items, 16, async (item, i) => {
    const t = traces[i]!;
    if (t.error) return { correct: false, error: true, misaligned: null };
    const s = await scorer.score(item, t.finalOutput);
    if (s.error) return { correct: false, error: true, misaligned: null };
    let misaligned: boolean | null = null;
    if (system.task !== 'code' && !s.correct) {
      misaligned = t.records.some((r) => {
        if (r.agentId === system.output) return false;
        const x = scorer.extract(item, r.output);
        return x !== null && scorer.same(item, x, item.gold);
      });
    } else if (system.task !== 'code') misaligned = false;
    return { correct: s.correct, error: false, misaligned };
  });
}

const rateOf = (xs: ItemOutcome[]) => {
  const m = xs.filter((x) => x.misaligned !== null);
  return m.length === 0 ? null : m.filter((x) => x.misaligned).length / m.length;
};

export function decide(
  seed: readonly ItemOutcome[],
  optimized: readonly ItemOutcome[],
  settings: OptimizeSettings['validation'],
  split: string,
): ArtifactValidation {
  const both = seed.map((s, i) => [s, optimized[i]!] as const).filter(([s, o]) => !s.error && !o.error);
  const cmp = comparePaired(
    both.map(([s]) => s.correct),
    both.map(([, o]) => o.correct),
  );
  const worse = cmp.difference < 0 && cmp.p < settings.alpha;
  const better = cmp.difference > 0 && cmp.p < settings.alpha;
  let kept: 'optimized' | 'seed' = 'optimized';
  let reason = 'the optimized prompts are not significantly worse';
  if (settings.keep === 'always') reason = 'validation.keep is "always"';
  else if (settings.keep === 'unless-worse' && worse) {
    kept = 'seed';
    reason = `the optimized prompts are significantly worse (p = ${cmp.p.toFixed(4)} < ${settings.alpha})`;
  } else if (settings.keep === 'if-better') {
    kept = better ? 'optimized' : 'seed';
    reason = better
      ? `significantly better (p = ${cmp.p.toFixed(4)})`
      : `not significantly better (p = ${cmp.p.toFixed(4)}); validation.keep is "if-better"`;
  }
  return {
    split,
    n: cmp.n,
    errors: seed.length - both.length,
    seed: { accuracy: cmp.before, misalignmentRate: rateOf(both.map(([s]) => s)) },
    optimized: { accuracy: cmp.after, misalignmentRate: rateOf(both.map(([, o]) => o)) },
    difference: cmp.difference,
    ci: cmp.ci,
    p: cmp.p,
    b: cmp.b,
    c: cmp.c,
    kept,
    reason,
  };
}

export async function validateMaps(opts: {
  system: System;
  items: readonly Item[];
  seedPrompts: PromptMap;
  optimizedPrompts: PromptMap;
  execute(item: Item, prompts: PromptMap): Promise<Trace>;
  scorer: Scorer;
  settings: OptimizeSettings['validation'];
  concurrency: number;
}): Promise<ArtifactValidation> {
  const run = (p: PromptMap) => pMap(opts.items, opts.concurrency, (item) => opts.execute(item, p));
  const [a, b] = await Promise.all([run(opts.seedPrompts), run(opts.optimizedPrompts)]);
  const seed = await scoreTraces(opts.system, opts.items, a, opts.scorer);
  const optimized = await scoreTraces(opts.system, opts.items, b, opts.scorer);
  return decide(seed, optimized, opts.settings, opts.settings.split);
}

import { buildRunRecord } from '../../src/harness/aggregate.js';
import { baselineFromRun } from '../../src/harness/baseline.js';
import type { Baseline, ItemResultRecord, RunRecord } from '../../src/harness/types.js';

export interface SyntheticItem {
  correct: boolean;
  misaligned?: boolean;
  error?: string;
}

/** Item records for a benchmark from a list of outcomes (ids `<bench>/<i>`). */
export function records(benchmark: string, outcomes: SyntheticItem[]): ItemResultRecord[] {
  return outcomes.map((o, i) => ({
    v: 1,
    benchmark,
    split: 'test',
    system: 'sequential',
    model: 'sim:sim-small',
    id: `${benchmark}/${i}`,
    correct: o.error ? false : o.correct,
    extracted: o.correct ? '42' : '7',
    gold: '42',
    ...(o.error ? { error: o.error } : {}),
    misaligned: o.misaligned ?? false,
    agents: {
      solver: {
        extracted: o.misaligned || o.correct ? '42' : '7',
        correct: o.misaligned ? true : o.correct,
      },
      reflector: { extracted: o.correct ? '42' : '7', correct: o.correct },
    },
    usage: { calls: 2, inputTokens: 100, outputTokens: 50, usd: 0.0001, cached: 0 },
    latencyMs: 10,
    simulated: true,
  }));
}

/** n outcomes where the first k are correct. */
export function outcomes(n: number, k: number, misalignedFirst = 0): SyntheticItem[] {
  return Array.from({ length: n }, (_, i) => ({
    correct: i < k,
    misaligned: i >= k && i < k + misalignedFirst,
  }));
}

/** Flips: `worse` correct items become wrong, `better` wrong items become right. */
export function perturb(base: SyntheticItem[], worse: number, better: number): SyntheticItem[] {
  const out = base.map((o) => ({ ...o }));
  let w = worse;
  let b = better;
  for (const o of out) {
    if (w > 0 && o.correct) {
      o.correct = false;
      w--;
    } else if (b > 0 && !o.correct && !base[out.indexOf(o)]!.correct) {
      o.correct = true;
      b--;
    }
  }
  return out;
}

export function run(bench: Record<string, SyntheticItem[]>): RunRecord {
  return buildRunRecord(
    Object.entries(bench).flatMap(([b, o]) => records(b, o)),
    { runId: 'test-run', createdAt: '2025-01-01T00:00:00.000Z' },
  );
}

export function baselineOf(bench: Record<string, SyntheticItem[]>): Baseline {
  return baselineFromRun(run(bench));
}

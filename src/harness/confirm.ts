import type { PromptMap } from '../mas/types.js';
import { holmAdjust, mcnemarOneSidedWorse } from '../stats/index.js';
import { fmtP } from './gate.js';
import type {
  Baseline,
  ConfirmationReport,
  GateFailure,
  GateVerdict,
  ItemResultRecord,
  RunRecord,
} from './types.js';

/**
 * Stage 2 of the gate: confirmation of paired failures on fresh samples (docs/harness.md, "Confirmation").
 *
 * For each failing paired metric to confirm, the items that were discordant in stage 1 are run `repeats`
 * more times with fresh sample indexes — with the current prompts AND with the baseline's prompts — and
 * only the fresh pairs are tested (exact one-sided McNemar, Holm over the confirmed metrics at α). Stage 2
 * is a valid level-α test on its own: given each item's success probabilities the fresh draws are
 * independent of the stage-1 draws that selected the items. Stage-1 and stage-2 counts are never pooled
 * (stage 2 was triggered by stage 1). A metric fails only when both stages reject, so the false-alarm
 * rate stays ≤ α, also for a lucky baseline.
 */

export interface Resampler {
  /** One fresh sample of the given items; `prompts` absent = the current prompts. */
  run(
    benchmark: string,
    opts: { ids: readonly string[]; sampleIndex: number; prompts?: PromptMap },
  ): Promise<ItemResultRecord[]>;
}

export interface ConfirmOptions {
  /** Fresh samples per discordant item and side. */
  repeats: number;
  /** Confirm every failing paired metric (`--confirm n` / `gate.confirm`), not only borderline ones. */
  all: boolean;
  /** The user allowed re-sampling the baseline's prompts (`--confirm-baseline`). */
  baselineResample: boolean;
  /** Prompts of the baseline side per benchmark (undefined: the config's own prompts, as in stage 1). */
  baselinePromptsFor: (benchmark: string) => PromptMap | undefined;
}

/** Stage-1 items whose metric differs between baseline and now (paired, errored in neither). */
export function discordantIds(
  run: RunRecord,
  baseline: Baseline,
  benchmark: string,
  metric: 'accuracy' | 'misalignmentRate',
): string[] {
  const base = baseline.benchmarks[benchmark]?.items ?? {};
  return (run.items[benchmark] ?? [])
    .filter((it) => {
      const b = base[it.id];
      if (!b || b.e || it.error) return false;
      return metric === 'accuracy' ? (b.c === 1) !== it.correct : (b.m === 1) !== it.misaligned;
    })
    .map((it) => it.id);
}

/** Whether a failure is a paired test that stage 2 should confirm under these options. */
export function needsConfirmation(f: GateFailure, all: boolean): boolean {
  return f.pAdjusted !== undefined && (all || f.borderline === true);
}

const good = (r: ItemResultRecord, metric: 'accuracy' | 'misalignmentRate') =>
  metric === 'accuracy' ? r.correct : !r.misaligned;

/**
 * Runs stage 2 for the failures that need it and returns the final verdict. Without `baselineResample`
 * nothing is re-run: the failures stand, with a note saying how to confirm them.
 */
export async function confirmVerdict(
  run: RunRecord,
  baseline: Baseline,
  verdict: GateVerdict,
  sampler: Resampler,
  o: ConfirmOptions,
): Promise<GateVerdict> {
  const todo = verdict.failures.filter((f) => needsConfirmation(f, o.all));
  if (todo.length === 0 || o.repeats < 1) return verdict;
  if (!o.baselineResample) {
    const names = todo.map((f) => `${f.benchmark} ${f.metric}`).join(', ');
    return {
      ...verdict,
      notes: [
        ...verdict.notes,
        `borderline: ${names} failed with weak evidence; confirming needs fresh samples of the baseline's prompts too, which maspo never does silently — rerun with \`--confirm-baseline\` to re-sample both sides (${o.repeats} fresh sample(s) of each discordant item)`,
      ],
    };
  }

  // One set of fresh samples per benchmark, shared by its metrics: the union of their discordant items.
  const idsByBench = new Map<string, Set<string>>();
  for (const f of todo) {
    const set = idsByBench.get(f.benchmark) ?? new Set<string>();
    for (const id of discordantIds(run, baseline, f.benchmark, f.metric as 'accuracy' | 'misalignmentRate'))
      set.add(id);
    idsByBench.set(f.benchmark, set);
  }
  const cost = { calls: 0, inputTokens: 0, outputTokens: 0, usd: 0 };
  const samples = new Map<string, { now: ItemResultRecord[][]; base: ItemResultRecord[][] }>();
  for (const [benchmark, set] of idsByBench) {
    const ids = [...set];
    const now: ItemResultRecord[][] = [];
    const base: ItemResultRecord[][] = [];
    for (let r = 1; r <= o.repeats; r++) {
      // Fresh indexes on both sides, never the same request twice: 1..n now, n+1..2n baseline.
      now.push(await sampler.run(benchmark, { ids, sampleIndex: r }));
      const prompts = o.baselinePromptsFor(benchmark);
      base.push(
        await sampler.run(benchmark, { ids, sampleIndex: o.repeats + r, ...(prompts ? { prompts } : {}) }),
      );
    }
    for (const rec of [...now, ...base].flat()) {
      cost.calls += rec.usage.calls;
      cost.inputTokens += rec.usage.inputTokens;
      cost.outputTokens += rec.usage.outputTokens;
      cost.usd += rec.usage.usd;
    }
    samples.set(benchmark, { now, base });
  }

  const metrics = todo.map((f) => {
    const metric = f.metric as 'accuracy' | 'misalignmentRate';
    const ids = new Set(discordantIds(run, baseline, f.benchmark, metric));
    const s = samples.get(f.benchmark)!;
    let worsened = 0;
    let improved = 0;
    for (let r = 0; r < o.repeats; r++) {
      const baseById = new Map(s.base[r]!.map((x) => [x.id, x]));
      for (const x of s.now[r]!) {
        const b = baseById.get(x.id);
        if (!ids.has(x.id) || !b || b.error || x.error) continue;
        if (good(b, metric) && !good(x, metric)) worsened++;
        if (!good(b, metric) && good(x, metric)) improved++;
      }
    }
    return {
      benchmark: f.benchmark,
      metric,
      items: ids.size,
      worsened,
      improved,
      p: mcnemarOneSidedWorse(worsened, improved),
      pAdjusted: 1,
      confirmed: false,
    };
  });
  const adjusted = holmAdjust(metrics.map((m) => m.p));
  metrics.forEach((m, i) => {
    m.pAdjusted = adjusted[i]!;
    m.confirmed = m.pAdjusted <= verdict.options.alpha;
  });

  const notes = [...verdict.notes];
  const failures: GateFailure[] = [];
  for (const f of verdict.failures) {
    const m = metrics.find((x) => x.benchmark === f.benchmark && x.metric === f.metric && todo.includes(f));
    if (!m) {
      failures.push(f);
      continue;
    }
    const stage2 = `stage 2 on ${o.repeats} fresh sample(s) of ${m.items} discordant item(s) per side: ${m.worsened} worse, ${m.improved} better, p=${fmtP(m.p)}, Holm-adjusted p=${fmtP(m.pAdjusted)}`;
    if (m.confirmed) failures.push({ ...f, test: `${f.test}; confirmed (${stage2})` });
    else
      notes.push(
        `${f.benchmark}: ${f.metric} failure not confirmed (${stage2} > α=${verdict.options.alpha}); passes`,
      );
  }
  const report: ConfirmationReport = {
    repeats: o.repeats,
    baselineResampled: true,
    metrics,
    cost,
  };
  notes.push(formatConfirmationCost(report));
  return { ...verdict, pass: failures.length === 0, failures, notes, confirmation: report };
}

/** What confirmation cost, in one line. */
export function formatConfirmationCost(r: ConfirmationReport): string {
  const k = r.metrics.length;
  return `confirmation: ${k} metric(s), ${r.repeats} fresh sample(s) per discordant item on both sides, cost ${r.cost.calls} calls, ${r.cost.inputTokens + r.cost.outputTokens} tokens (${r.cost.inputTokens} in / ${r.cost.outputTokens} out), $${r.cost.usd.toFixed(4)}`;
}

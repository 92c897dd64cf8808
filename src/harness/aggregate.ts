import type { UsageReport } from '../llm/budget.js';
import type { ItemResult } from '../mas/evaluate.js';
import { wilsonInterval } from '../stats/index.js';
import type {
  BenchmarkSummary,
  ItemOutcome,
  ItemResultRecord,
  PromptsInfo,
  RunRecord,
  UsageTotals,
} from './types.js';
import { ANSWER_CHARS, RUN_RECORD_VERSION } from './types.js';

const emptyUsage = (): UsageTotals => ({ calls: 0, inputTokens: 0, outputTokens: 0, usd: 0, cached: 0 });

const round = (x: number, digits = 6) => Math.round(x * 10 ** digits) / 10 ** digits;

/** Aggregates the item records of one benchmark. Items are sorted by id, so order of completion never matters. */
export function summarizeBenchmark(records: readonly ItemResultRecord[]): BenchmarkSummary {
  if (records.length === 0) throw new Error('summarizeBenchmark: no records');
  const first = records[0]!;
  const n = records.length;
  let correct = 0;
  let errors = 0;
  let misaligned = 0;
  const usage = emptyUsage();
  const byAgent: Record<string, number> = {};
  for (const r of records) {
    if (r.error) errors++;
    else if (r.correct) correct++;
    if (r.misaligned) misaligned++;
    if (!r.error && !r.correct) {
      for (const [agent, a] of Object.entries(r.agents))
        if (a.correct) byAgent[agent] = (byAgent[agent] ?? 0) + 1;
    }
    for (const agent of Object.keys(r.agents)) byAgent[agent] ??= 0;
    usage.calls += r.usage.calls;
    usage.inputTokens += r.usage.inputTokens;
    usage.outputTokens += r.usage.outputTokens;
    usage.usd += r.usage.usd;
    usage.cached += r.usage.cached;
  }
  usage.usd = round(usage.usd);
  const scored = n - errors;
  const ci = wilsonInterval(correct, n);
  return {
    benchmark: first.benchmark,
    split: first.split,
    system: first.system,
    model: first.model,
    simulated: records.some((r) => r.simulated),
    ...(records.some((r) => r.unsandboxed) ? { unsandboxed: true as const } : {}),
    n,
    correct,
    errors,
    misaligned,
    accuracy: round(correct / n),
    accuracyCi: [round(ci[0]), round(ci[1])],
    errorRate: round(errors / n),
    misalignmentRate: scored ? round(misaligned / scored) : 0,
    misalignmentByAgent: Object.fromEntries(
      Object.entries(byAgent)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, scored ? round(v / scored) : 0]),
    ),
    usage,
    ...(first.thresholds ? { thresholds: first.thresholds } : {}),
  };
}

/** An answer as kept in run records and baselines: whitespace collapsed, cut to {@link ANSWER_CHARS}. */
export function shortAnswer(answer: string): string {
  const flat = answer.replace(/\s+/g, ' ').trim();
  return flat.length > ANSWER_CHARS ? `${flat.slice(0, ANSWER_CHARS - 1)}…` : flat;
}

export function toOutcome(r: ItemResultRecord): ItemOutcome {
  const agents = Object.entries(r.agents);
  return {
    id: r.id,
    correct: r.correct,
    misaligned: r.misaligned,
    ...(r.error ? { error: r.error } : {}),
    extracted: r.extracted === null ? null : shortAnswer(r.extracted),
    ...(r.gold !== undefined ? { gold: shortAnswer(r.gold) } : {}),
    ...(agents.length
      ? {
          agents: Object.fromEntries(
            agents.map(([id, a]) => [
              id,
              { extracted: a.extracted === null ? null : shortAnswer(a.extracted), correct: a.correct },
            ]),
          ),
        }
      : {}),
  };
}

/** Builds the run record from all item records of a run (any order, any mix of benchmarks). */
export function buildRunRecord(
  records: readonly ItemResultRecord[],
  extra: { runId?: string; createdAt?: string; prompts?: PromptsInfo; git?: RunRecord['git'] } = {},
): RunRecord {
  const byBench = new Map<string, ItemResultRecord[]>();
  for (const r of records) {
    const list = byBench.get(r.benchmark) ?? [];
    list.push(r);
    byBench.set(r.benchmark, list);
  }
  const names = [...byBench.keys()].sort();
  const benchmarks: BenchmarkSummary[] = [];
  const items: Record<string, ItemOutcome[]> = {};
  for (const name of names) {
    const list = byBench.get(name)!.sort((a, b) => compareIds(a.id, b.id));
    benchmarks.push(summarizeBenchmark(list));
    items[name] = list.map(toOutcome);
  }
  const createdAt = extra.createdAt ?? new Date().toISOString();
  return {
    version: RUN_RECORD_VERSION,
    kind: 'maspo-run',
    runId: extra.runId ?? createdAt.replace(/[-:.]/g, '').replace('T', '-').slice(0, 15),
    createdAt,
    simulated: benchmarks.some((b) => b.simulated) || extra.prompts?.simulated === true,
    ...(benchmarks.some((b) => b.unsandboxed) ? { unsandboxed: true as const } : {}),
    ...(extra.git ? { git: extra.git } : {}),
    ...(extra.prompts ? { prompts: extra.prompts } : {}),
    benchmarks,
    items,
  };
}

/** Natural order for ids such as `mbpp/2` < `mbpp/10`. */
export function compareIds(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

/** The scored part of an item's record: outcome, agents' answers, and usage counting cache hits as calls. */
export function scoredFields(
  r: ItemResult,
  usage: UsageReport['total'],
): Pick<
  ItemResultRecord,
  'correct' | 'extracted' | 'error' | 'misaligned' | 'agents' | 'usage' | 'latencyMs'
> {
  return {
    correct: r.error ? false : r.correct,
    extracted: r.extracted,
    ...(r.error ? { error: r.error } : {}),
    misaligned: r.misaligned,
    agents: r.agents,
    usage: {
      calls: usage.calls + usage.cacheHits,
      inputTokens: usage.inputTokens + usage.savedInputTokens,
      outputTokens: usage.outputTokens + usage.savedOutputTokens,
      usd: usage.usd,
      cached: usage.cacheHits,
    },
    latencyMs: r.latencyMs,
  };
}

import type { Item } from '../datasets/types.js';
import { Meter, type UsageReport } from '../llm/budget.js';
import type { LlmClient, Usage } from '../llm/types.js';
import type { Scorer } from '../tasks/types.js';
import { type ExecuteOptions, executeItems } from './execute.js';
import type { PromptMap, System, Trace } from './types.js';

export interface ItemResult {
  id: string;
  correct: boolean;
  extracted: string | null;
  /** Provider failure, or a scorer error (unparseable, sandbox failure): counted apart from wrong answers. */
  error?: string;
  /** The scorer's reason for the verdict (code: the failing assert, cpu-timeout, memory, syntax error, …). */
  detail?: string;
  /** Code ran without bubblewrap (MASPO_SANDBOX=unsafe). */
  unsandboxed?: true;
  /** Some agent's own answer was correct and the final answer is wrong. */
  misaligned: boolean;
  /** Per agent: its own stated answer and whether that answer is correct (null: it stated none, or it errored). */
  agents: Record<string, { extracted: string | null; correct: boolean | null }>;
  usage: Usage;
  latencyMs: number;
}

export interface RunResults {
  system: string;
  benchmark: string;
  split?: string;
  /** correct / n (errored items count as not correct; see `errors`). */
  accuracy: number;
  correct: number;
  n: number;
  errors: number;
  /** Share of scored (non-error) items that are misaligned. */
  misalignmentRate: number;
  /** Per agent: share of scored items where that agent's own answer was correct and the final was wrong. */
  misalignmentByAgent: Record<string, number>;
  usage: UsageReport;
  simulated: boolean;
  /** Some item's code ran without bubblewrap (MASPO_SANDBOX=unsafe). */
  unsandboxed?: true;
  items: ItemResult[];
}

export interface EvaluateOptions {
  client: LlmClient;
  model: string;
  prompts?: PromptMap;
  scorer: Scorer;
  concurrency?: number;
  onProgress?: (done: number, total: number, result: ItemResult) => void;
  signal?: AbortSignal;
  seed?: number;
  split?: string;
  isFatal?: ExecuteOptions['isFatal'];
  /** Receives every trace (in completion order) e.g. to write traces.jsonl. */
  onTrace?: (trace: Trace) => void;
}

const sumUsage = (t: Trace): Usage => {
  const u = { inputTokens: 0, outputTokens: 0 };
  for (const r of t.records) {
    if (r.reused) continue;
    u.inputTokens += r.usage.inputTokens + (r.summary?.usage.inputTokens ?? 0);
    u.outputTokens += r.usage.outputTokens + (r.summary?.usage.outputTokens ?? 0);
  }
  return u;
};

/** Usage of these traces alone (calls, tokens, cost, cache hits), whatever else the client served. */
export function usageOfTraces(traces: readonly Trace[], system: System, defaultModel: string): UsageReport {
  const meter = new Meter();
  const modelOf = new Map(system.agents.map((a) => [a.id, a.model ?? defaultModel]));
  for (const t of traces) {
    for (const r of t.records) {
      if (r.reused) continue;
      const model = stripKind(r.model || modelOf.get(r.agentId) || defaultModel);
      if (r.error) {
        meter.recordError('agent', model);
        continue;
      }
      if (r.samples) for (const s of r.samples) meter.record('agent', model, s.usage, s.cached);
      else meter.record('agent', model, r.usage, r.cached);
      if (r.summary) meter.record('agent', model, r.summary.usage, r.summary.cached);
    }
  }
  return meter.report();
}

/** `openai:gpt-4o-mini` → `gpt-4o-mini` (the price table is keyed by model name). */
function stripKind(ref: string): string {
  const i = ref.indexOf(':');
  return i >= 0 ? ref.slice(i + 1) : ref;
}

/** Scores one trace: the final answer, every agent's own answer, and eval-time misalignment. */
export async function scoreTrace(
  system: System,
  item: Item,
  trace: Trace,
  scorer: Scorer,
  signal?: AbortSignal,
): Promise<ItemResult> {
  const agents: ItemResult['agents'] = {};
  const base = { id: item.id, usage: sumUsage(trace), latencyMs: trace.latencyMs ?? 0 };
  if (trace.error) {
    for (const r of trace.records) agents[r.agentId] = { extracted: r.extracted, correct: null };
    return { ...base, correct: false, extracted: null, error: trace.error, misaligned: false, agents };
  }
  const opt = signal ? { signal } : undefined;
  const final = await scorer.score(item, trace.finalOutput, opt);
  for (const r of trace.records) {
    if (r.agentId === system.output) {
      agents[r.agentId] = { extracted: final.extracted, correct: final.error ? null : final.correct };
      continue;
    }
    if (r.extracted === null) {
      agents[r.agentId] = { extracted: null, correct: null };
      continue;
    }
    const s = await scorer.score(item, r.output, opt);
    agents[r.agentId] = { extracted: r.extracted, correct: s.error ? null : s.correct };
  }
  if (final.error) {
    return {
      ...base,
      correct: false,
      extracted: final.extracted,
      error: `scoring: ${final.error}`,
      misaligned: false,
      agents,
    };
  }
  const misaligned =
    !final.correct && Object.entries(agents).some(([id, a]) => id !== system.output && a.correct === true);
  return {
    ...base,
    correct: final.correct,
    extracted: final.extracted,
    ...(final.detail ? { detail: final.detail } : {}),
    ...(final.unsandboxed ? { unsandboxed: true as const } : {}),
    misaligned,
    agents,
  };
}

/** Summarises scored items into RunResults. */
export function summarize(
  system: System,
  items: ItemResult[],
  usage: UsageReport,
  simulated: boolean,
  meta: { benchmark: string; split?: string },
): RunResults {
  const n = items.length;
  const correct = items.filter((r) => r.correct).length;
  const errors = items.filter((r) => r.error).length;
  const scored = items.filter((r) => !r.error);
  const misaligned = scored.filter((r) => r.misaligned).length;
  const byAgent: Record<string, number> = {};
  for (const a of system.agents) {
    if (a.id === system.output) continue;
    const k = scored.filter((r) => !r.correct && r.agents[a.id]?.correct === true).length;
    byAgent[a.id] = scored.length ? k / scored.length : 0;
  }
  return {
    system: system.name,
    benchmark: meta.benchmark,
    ...(meta.split ? { split: meta.split } : {}),
    accuracy: n ? correct / n : 0,
    correct,
    n,
    errors,
    misalignmentRate: scored.length ? misaligned / scored.length : 0,
    misalignmentByAgent: byAgent,
    usage,
    simulated,
    ...(items.some((r) => r.unsandboxed) ? { unsandboxed: true as const } : {}),
    items,
  };
}

/**
 * Runs the system on every item, scores the results and reports accuracy, errors and misalignment.
 * The traces are available as the non-enumerable `traces` property (left out of JSON.stringify).
 */
export async function evaluateSystem(
  system: System,
  items: readonly Item[],
  opts: EvaluateOptions,
): Promise<RunResults & { traces: Trace[] }> {
  const results: ItemResult[] = new Array(items.length);
  const scoring: Array<Promise<void>> = [];
  let done = 0;
  const traces = await executeItems(system, items, {
    client: opts.client,
    model: opts.model,
    scorer: opts.scorer,
    ...(opts.prompts ? { prompts: opts.prompts } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
    ...(opts.concurrency !== undefined ? { concurrency: opts.concurrency } : {}),
    ...(opts.isFatal ? { isFatal: opts.isFatal } : {}),
    onItem: (trace, i) => {
      opts.onTrace?.(trace);
      // Score while other items still run (code scoring runs a sandbox).
      scoring.push(
        scoreTrace(system, items[i]!, trace, opts.scorer, opts.signal)
          .catch((err: unknown): ItemResult => {
            if (err instanceof Error && err.name === 'AbortError') throw err;
            return {
              id: items[i]!.id,
              correct: false,
              extracted: null,
              error: `scoring failed: ${err instanceof Error ? err.message : String(err)}`,
              misaligned: false,
              agents: {},
              usage: sumUsage(trace),
              latencyMs: trace.latencyMs ?? 0,
            };
          })
          .then((r) => {
            results[i] = r;
            // The verdict travels with the trace (traces.jsonl), its reason included.
            trace.verdict = {
              correct: r.correct,
              ...(r.detail ? { detail: r.detail } : {}),
              ...(r.error ? { error: r.error } : {}),
              ...(r.unsandboxed ? { unsandboxed: true as const } : {}),
            };
            opts.onProgress?.(++done, items.length, r);
          }),
      );
    },
  });
  await Promise.all(scoring);
  const simulated =
    traces.some((t) => t.simulated) || Boolean((opts.client as { simulated?: boolean }).simulated);
  const summary = summarize(system, results, usageOfTraces(traces, system, opts.model), simulated, {
    benchmark: items[0]?.benchmark ?? 'unknown',
    ...(opts.split ? { split: opts.split } : {}),
  });
  // Traces ride along non-enumerably: JSON.stringify(results) stays a summary (write traces separately).
  return Object.defineProperty(summary, 'traces', { value: traces, enumerable: false }) as RunResults & {
    traces: Trace[];
  };
}

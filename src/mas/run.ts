import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { MaspoConfig } from '../config/index.js';
import type { Item, Split } from '../datasets/types.js';
import { BudgetExhaustedError, type UsageReport } from '../llm/budget.js';
import type { LlmClient } from '../llm/types.js';
import type { Scorer } from '../tasks/types.js';
import { percent as pct } from '../util/format.js';
import { writeFileAtomic } from '../util/fs.js';
import { type EvaluateOptions, evaluateSystem, type ItemResult, type RunResults } from './evaluate.js';
import type { PromptMap, System, Trace } from './types.js';

/** What `maspo run` writes to results.json. */
export interface RunRecord extends RunResults {
  model: string;
  seed: number;
  /** The prompt overrides used (absent: the system's own prompts). */
  promptsFile?: string;
}

export interface RunBenchmarkOptions {
  config: MaspoConfig;
  /** A built-in benchmark id or one of the config's inline benchmarks. */
  benchmark: string;
  system: System;
  items: readonly Item[];
  split: Split;
  client: LlmClient & { usage?: () => UsageReport };
  scorer: Scorer;
  prompts?: PromptMap;
  promptsFile?: string;
  concurrency?: number;
  signal?: AbortSignal;
  onProgress?: EvaluateOptions['onProgress'];
}

/** Evaluates one benchmark of a config. Budget exhaustion stops the run (it would make every later item an error). */
export async function runBenchmark(o: RunBenchmarkOptions): Promise<{ record: RunRecord; traces: Trace[] }> {
  const results = await evaluateSystem(o.system, o.items, {
    client: o.client,
    model: o.config.models.agent,
    scorer: o.scorer,
    seed: o.config.seed,
    split: o.split,
    isFatal: (e) => e instanceof BudgetExhaustedError,
    ...(o.prompts ? { prompts: o.prompts } : {}),
    ...(o.concurrency !== undefined ? { concurrency: o.concurrency } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
    ...(o.onProgress ? { onProgress: o.onProgress } : {}),
  });
  const traces = results.traces;
  const record: RunRecord = {
    ...results,
    // The LLM layer's own meter also counts retries; prefer it when the client has one.
    usage: o.client.usage ? o.client.usage() : results.usage,
    model: o.config.models.agent,
    seed: o.config.seed,
    ...(o.promptsFile ? { promptsFile: o.promptsFile } : {}),
  };
  return { record, traces };
}

/** Writes DIR/results.json (summary + per-item records) and DIR/traces.jsonl (one trace per line, item order). */
export async function writeRunOutputs(
  dir: string,
  record: RunRecord,
  traces: readonly Trace[],
): Promise<void> {
  await mkdir(dir, { recursive: true });
  const { items, ...summary } = record;
  await writeFileAtomic(join(dir, 'results.json'), `${JSON.stringify({ ...summary, items }, null, 2)}\n`);
  await writeFileAtomic(join(dir, 'traces.jsonl'), traces.map((t) => `${JSON.stringify(t)}\n`).join(''));
}

const kTok = (n: number) => (n >= 10_000 ? `${(n / 1000).toFixed(1)}k` : String(n));

/** The human summary `maspo run` prints. */
export function formatRunSummary(r: RunRecord, outDir?: string): string {
  const u = r.usage.total;
  const agents = Object.entries(r.misalignmentByAgent)
    .map(([id, v]) => `${id} ${pct(v)}`)
    .join(', ');
  const lines = [
    `${r.system}${r.system.endsWith(`/${r.benchmark}`) ? '' : ` · ${r.benchmark}`}${r.split ? ` · ${r.split}` : ''} · ${r.n} items · ${r.model}${r.simulated ? ' (simulated model)' : ''}`,
    `accuracy       ${pct(r.accuracy)} (${r.correct}/${r.n})`,
    `errors         ${r.errors}${r.errors > 0 ? ` (counted apart from wrong answers; first: ${firstError(r.items)})` : ''}`,
    `misalignment   ${pct(r.misalignmentRate)}${agents ? ` (${agents})` : ''}`,
    `calls          ${u.calls}${u.cacheHits ? ` (+${u.cacheHits} from cache)` : ''} · tokens ${kTok(u.inputTokens)} in / ${kTok(u.outputTokens)} out · cost $${u.usd.toFixed(4)}${r.usage.unpriced.length ? ` (no price for ${r.usage.unpriced.join(', ')})` : ''}`,
  ];
  if (r.simulated)
    lines.push('note           produced by the simulated model: not a measurement of any real LLM');
  if (r.unsandboxed)
    lines.push('sandbox        UNSANDBOXED: generated code ran without bubblewrap (MASPO_SANDBOX=unsafe)');
  if (outDir) lines.push(`wrote          ${join(outDir, 'results.json')}, ${join(outDir, 'traces.jsonl')}`);
  return lines.join('\n');
}

function firstError(items: ItemResult[]): string {
  const e = items.find((i) => i.error);
  return e ? `${e.id}: ${e.error!.slice(0, 160)}` : '';
}
